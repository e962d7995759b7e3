"""Outgoing e-mail through the outbox: one .eml file per mail in dev, SMTP in production."""
