"""Notices to people (roster published, swap asked, vote opened...): kept in an outbox that
each person reads in the app, and mailed too when a mail server is configured."""
