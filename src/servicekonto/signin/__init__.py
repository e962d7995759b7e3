"""Signing in: with the Online-Ausweis (sign-in, registration by card, card linking, the
browser's eID transactions) and the authorization requests waiting for a person's sign-in or
consent (DESIGN §5). Password login itself is the `accounts` domain's."""
