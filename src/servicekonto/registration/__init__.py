"""Citizen registration: account, e-mail confirmation, civil-register match, PIN letter,
identity binding (DESIGN §5)."""
