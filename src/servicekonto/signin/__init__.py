"""Signing in with the Online-Ausweis: sign-in, registration by card and card linking
(DESIGN §5 "eID login"). Password login itself is the `accounts` domain's."""
