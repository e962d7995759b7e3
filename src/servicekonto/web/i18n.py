"""Page languages: the gettext catalogs, the choice of a page's language, dates and numbers in it.

The catalogs live in `servicekonto/locale/<locale>/LC_MESSAGES/messages.po` and are compiled to
`.mo` when the package is built (`setup.py`) or by `make catalogs`; this module reads only the
compiled `.mo`. Their msgids are the German source texts (the templates hold them), so a German
catalog is the identity unless an operator rewords a text there, and English translates them.

Every folder in the catalog directory is a page language, found at start: a third one (say
Leichte Sprache as `de@ls`) needs a catalog, no code. Its public tag (the `lang` attribute, the
`?lang=` parameter, the cookie) is BCP 47: `de@ls` becomes `de-x-ls`, `pt_BR` becomes `pt-BR`.
A text missing in a catalog falls back to its parent's (`de@ls` to `de`), then to the German
source text. Dates, times and numbers follow the language's CLDR conventions through Babel; times
are shown in German time (Europe/Berlin), where the people this service is for live.
"""

from __future__ import annotations

import gettext
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Final, NamedTuple
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_decimal
from babel.support import Translations

DOMAIN: Final = "messages"
DEFAULT_LOCALE: Final = "de"
#: The catalogs shipped in the package.
CATALOG_DIR: Final = Path(__file__).resolve().parents[1] / "locale"
#: Times on pages are German time, whatever the server's zone.
DISPLAY_ZONE: Final = ZoneInfo("Europe/Berlin")

#: Upper bounds for parsing client- and browser-supplied language lists.
_MAX_TAGS: Final = 32
_MAX_HEADER: Final = 1024
_MAX_TAG: Final = 35


class Text(NamedTuple):
    """A source text marked for the catalogs, translated later in the page's language."""

    msgid: str
    context: str | None = None


def N_(msgid: str) -> Text:  # noqa: N802 - the gettext convention extractors look for
    """Mark `msgid` for extraction without translating it now (the page translates it)."""
    return Text(msgid)


def NC_(context: str, msgid: str) -> Text:  # noqa: N802
    """Like `N_`, with a msgctxt: the same German text translated differently by its use."""
    return Text(msgid, context)


class CatalogMissing(RuntimeError):
    """A language folder holds a `.po` but no compiled `.mo`."""


def tag_of(identifier: str) -> str:
    """The BCP 47 tag of a gettext locale identifier: `de@ls` → `de-x-ls`, `pt_BR` → `pt-BR`."""
    base, _, modifier = identifier.partition("@")
    tag = base.replace("_", "-")
    return f"{tag}-x-{modifier}" if modifier else tag


def parents_of(identifier: str) -> list[str]:
    """Identifiers a catalog falls back to, nearest first: `de_AT@ls` → `de_AT`, `de`."""
    out: list[str] = []
    base, _, modifier = identifier.partition("@")
    if modifier:
        out.append(base)
    while "_" in base:
        base = base.rsplit("_", 1)[0]
        out.append(base)
    return out


def _lookup(tag: str, available: Sequence[str]) -> str | None:
    """RFC 4647 §3.4 lookup: `tag`, then ever shorter prefixes of it, among `available`."""
    wanted = tag.strip().replace("_", "-").lower()[:_MAX_TAG]
    known = {a.lower(): a for a in available}
    while wanted:
        if wanted in known:
            return known[wanted]
        wanted = wanted.rpartition("-")[0]
        if len(wanted) > 1 and wanted[-2] == "-":
            wanted = wanted.rpartition("-")[0]  # never end on a singleton ("de-x")
    return None


def _accept_language(header: str) -> list[str]:
    """The language tags of an Accept-Language header (RFC 9110 §12.5.4), best first."""
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header[:_MAX_HEADER].split(",")[:_MAX_TAGS]):
        tag, _, rest = part.partition(";")
        tag = tag.strip()
        if not tag or tag == "*":
            continue
        quality = 1.0
        for param in rest.split(";"):
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = 0.0
        if 0.0 < quality <= 1.0:
            weighted.append((-quality, index, tag))
    return [tag for _, _, tag in sorted(weighted)]


def pick_locale(
    ui_locales: str | None,
    cookie: str | None,
    accept_language: str | None,
    available: Sequence[str] = (DEFAULT_LOCALE,),
) -> str:
    """The page language among `available` (tags, default first): the first matching
    `ui_locales` entry (OIDC Core §3.1.2.1, space-separated BCP 47 tags), then the language
    cookie, then Accept-Language, else the default."""
    candidates: list[str] = []
    if ui_locales:
        candidates += ui_locales[:_MAX_HEADER].split()[:_MAX_TAGS]
    if cookie:
        candidates.append(cookie[:_MAX_TAG])
    if accept_language:
        candidates += _accept_language(accept_language)
    for tag in candidates:
        if (found := _lookup(tag, available)) is not None:
            return found
    return available[0]


@dataclass(frozen=True)
class Language:
    """One page language: its translations (with fallbacks) and its formats."""

    tag: str
    identifier: str
    translations: gettext.NullTranslations
    formats: Locale

    def gettext(self, msgid: str) -> str:
        return self.translations.gettext(msgid)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    def pgettext(self, context: str, msgid: str) -> str:
        return self.translations.pgettext(context, msgid)

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        return self.translations.npgettext(context, singular, plural, n)

    def text(self, item: Text, **params: object) -> str:
        """A marked text in this language, its `%(name)s` placeholders filled from `params`."""
        if item.context is None:
            translated = self.gettext(item.msgid)
        else:
            translated = self.pgettext(item.context, item.msgid)
        return translated % params

    def date(self, value: date | str) -> str:
        """A date as readers of this language write it (de: 23.07.1958); a string that is no
        ISO date is returned as it is."""
        if isinstance(value, str):
            try:
                day = date.fromisoformat(value)
            except ValueError:
                return value
        elif isinstance(value, datetime):
            day = value.astimezone(DISPLAY_ZONE).date()
        else:
            day = value
        return format_date(day, format="medium", locale=self.formats)

    def datetime(self, value: datetime) -> str:
        """A moment in German time: the medium date and the short time, joined as the language
        joins them (de: 23.07.2025, 14:05; en: Jul 23, 2025, 2:05 PM)."""
        day = format_date(value.astimezone(DISPLAY_ZONE).date(), "medium", locale=self.formats)
        time = format_time(value, "short", tzinfo=DISPLAY_ZONE, locale=self.formats)
        joined = str(self.formats.datetime_formats["medium"])
        return joined.replace("{1}", day).replace("{0}", time)

    def shown(self, value: object) -> object:
        """A value as a page shows it: dates in this language, anything else as it is."""
        if isinstance(value, date):
            return self.datetime(value) if isinstance(value, datetime) else self.date(value)
        return value

    def number(self, value: float) -> str:
        """A number with this language's separators (de: 1.234)."""
        return format_decimal(value, locale=self.formats)


def _load(directory: Path, identifier: str) -> Translations:
    folder = directory / identifier / "LC_MESSAGES"
    compiled = folder / f"{DOMAIN}.mo"
    if not compiled.is_file():
        raise CatalogMissing(
            f"{folder / DOMAIN}.po is not compiled: run `make catalogs` (or install the package)"
        )
    with compiled.open("rb") as handle:
        return Translations(handle, domain=DOMAIN)


def _identifiers(directory: Path) -> list[str]:
    """The language folders in `directory`: those holding a catalog, default first."""
    unique = sorted({p.parent.parent.name for p in directory.glob(f"*/LC_MESSAGES/{DOMAIN}.[mp]o")})
    if DEFAULT_LOCALE in unique:
        unique.remove(DEFAULT_LOCALE)
    return [DEFAULT_LOCALE, *unique]


class Catalogs:
    """The page languages found in a catalog directory, each loaded once at start."""

    def __init__(self, directory: Path = CATALOG_DIR) -> None:
        identifiers = _identifiers(directory)
        self._languages: dict[str, Language] = {}
        for identifier in identifiers:
            # Each language loads its own chain: fallbacks are linked by mutation, so sharing
            # one parent object between two chains would link them into each other.
            chain = _load(directory, identifier)
            for parent in parents_of(identifier):
                if parent in identifiers:
                    chain.add_fallback(_load(directory, parent))
            language = Language(
                tag=tag_of(identifier),
                identifier=identifier,
                translations=chain,
                formats=Locale.parse(identifier),
            )
            self._languages[language.tag] = language
        self.tags: tuple[str, ...] = tuple(self._languages)

    def language(self, tag: str) -> Language:
        """The language for a supported tag; any other tag gets the default language."""
        return self._languages.get(tag) or self._languages[DEFAULT_LOCALE]

    def languages(self) -> list[Language]:
        return list(self._languages.values())

    def supported(self, tag: str | None) -> str | None:
        """The supported tag `tag` names exactly (case-insensitive), else None."""
        if not tag:
            return None
        return {t.lower(): t for t in self.tags}.get(tag[:_MAX_TAG].lower())

    def pick(self, ui_locales: str | None, cookie: str | None, accept_language: str | None) -> str:
        return pick_locale(ui_locales, cookie, accept_language, self.tags)


@cache
def packaged() -> Catalogs:
    """The package's own catalogs, loaded once: for code that names a page language by its tag
    without the app's renderer at hand (the upload and company texts take either)."""
    return Catalogs()
