"""Consents: what each client may receive, revocable at any time."""
