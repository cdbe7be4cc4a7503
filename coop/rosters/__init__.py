"""Weekly rosters: shift templates per site, demand derived from bookings, queued solve
runs (CP-SAT through `solver`), review, publish, swaps, repairs and attendance."""
