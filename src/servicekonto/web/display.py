"""How pages show a person's attributes and claim values to them.

A date stays a date here: the template's `shown` filter writes it in the page language
(`web.i18n.Language.date`), so the same attribute reads 23.07.1958 in German and Jul 23, 1958
in English.
"""

from __future__ import annotations

from datetime import date

from servicekonto.accounts.service import AccountView
from servicekonto.oidc.claims import release


def attribute_text(name: str, value: object) -> str | date:
    """One attribute or claim value as a line of text; a valid birth date as a date."""
    if name == "birthdate":
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            return str(value)
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
