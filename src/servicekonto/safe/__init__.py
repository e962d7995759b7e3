"""The Dokumentensafe (issue 13 item 4): documents a person keeps — own uploads and copies of
Postfach notices and attachments — in folders, under a quota, shared once with a client.

`documents` (keep, list, read, delete), `quota` (the space per account), `shares` (one document
for one client and application, fetched once). Services take the caller's Session and never
commit (DESIGN §6 #10).
"""
