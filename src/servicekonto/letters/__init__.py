"""Letters with one-time codes by post (DESIGN §5): the PIN letter (PIN-Brief), identity binding
to the civil-register address, and an organisation's activation letter to its business address.

`codes` makes and normalises activation codes, `pdf` renders the DIN 5008 letters, `store` keeps
the rendered PDF until the print shop has dispatched it, `service` is the letter life cycle
(queue → dispatched → activated | void | expired) with atomic attempt counting and the PIN
letter, `organisation` the activation letter with its Widerrufscode (→ revoked).
"""
