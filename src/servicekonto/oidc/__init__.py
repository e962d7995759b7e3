"""The OpenID Connect / OAuth 2.0 protocol layer: one module per spec concern."""
