"""Respite cheques: the scheme, partner providers, monthly lots, FIFO redemption, expiry."""
