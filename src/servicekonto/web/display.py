"""How pages show a person's attributes and claim values to them (German conventions)."""

from __future__ import annotations

from datetime import date

from servicekonto.accounts.service import AccountView
from servicekonto.oidc.claims import release


def german_date(value: str) -> str:
    """An ISO date (1958-07-23) as German readers write it (23.07.1958); else unchanged."""
    try:
        return date.fromisoformat(value).strftime("%d.%m.%Y")
    except ValueError:
        return value


def attribute_text(name: str, value: object) -> str:
    """One attribute or claim value as a line of text."""
    if name == "birthdate":
        return german_date(str(value))
    if name == "address" and isinstance(value, dict):
        town = " ".join(str(value[k]) for k in ("postal_code", "locality") if value.get(k))
        country = value.get("country")
        parts = [value.get("street_address"), town, None if country == "DE" else country]
        return ", ".join(str(p) for p in parts if p)
    if isinstance(value, dict):
        return ", ".join(str(v) for v in value.values() if v)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def claim_values(account: AccountView, names: set[str]) -> dict[str, object]:
    """The values these claims would carry for the account: the same function that releases
    them (`oidc.claims.release`), so the page shows what is sent; absent claims are missing."""
    return release(
        names=names,
        attributes=account.attributes,
        email=account.email,
        email_verified=account.email_verified,
    )
