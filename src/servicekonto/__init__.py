"""ServiceKonto: an OpenID Connect provider for German administrations."""

__version__ = "0.1.0"
