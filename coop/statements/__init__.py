"""Monthly statements: both ledgers of a household for one month, rebuilt from entries alone."""
