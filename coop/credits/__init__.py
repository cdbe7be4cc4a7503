"""The contribution ledger: what each household pledged, worked and paid, in minutes."""
