"""Privacy (GDPR): a household's data export, the erasure of a household that left, and the
retention periods applied by a scheduled job."""
