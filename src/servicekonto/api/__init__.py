"""The JSON API under /api/v1 (RFC 9457 problem details for errors)."""
