"""PIN letters (PIN-Brief): identity binding by post to the civil-register address (DESIGN §5).

`codes` makes and normalises activation codes, `pdf` renders the DIN 5008 letter, `store` keeps the
rendered PDF until the print shop has dispatched it, `service` is the letter life cycle
(queue → dispatched → activated | void | expired) with atomic attempt counting.
"""
