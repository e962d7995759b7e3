"""The service catalogue and favourites (issue 13 item 5)."""
