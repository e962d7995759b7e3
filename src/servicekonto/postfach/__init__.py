"""The Postfach: messages and application status from connected clients (Fachverfahren) to a
person or an organisation, and events back to the client (issue 13; DESIGN §5, §9).

Layer 4 (DESIGN §6): a deposit checks consent, so it sits above `consent`, `clients`,
`uploads`, `blobs`, `mail` and `audit`; no web framework. Services are keyword-only, take the
caller's Session and never commit.

* `deposit` — the sender: deposit (Idempotency-Key), recall while unread, correct after;
* `status` — FITKO status updates and the timeline per application;
* `inbox` — the reader: list with filters, paging and unread count, open at the session's
  level, attachments, delete, who of an organisation read what;
* `access` — whose Postfach: the person's, or an organisation's for members with the right;
* `recipients` — a client's `sub` or pairwise organisation id to the recipient, the consent;
* `attachments`, `sanitise` — the checks of what a client sends;
* `delivery` — the day a notice counts as delivered (§ 9 Abs. 1 Satz 4 OZG);
* `webhooks` — delivered/read/recalled to the client, HMAC-signed, from the outbox;
* `schemas`, `views`, `errors` — input, output, stable error codes.
"""
