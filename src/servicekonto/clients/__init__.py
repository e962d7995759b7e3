"""OIDC clients (portals, Fachverfahren): registration, metadata validation, a read cache."""
