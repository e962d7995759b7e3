"""The gettext catalogs match the page texts (issue 11 item 5; netbox checks its catalogs in CI
the same way): every text the templates and `web/texts.py` mark is in every catalog with a
finished translation, no catalog keeps a text nobody shows any more, and the compiled `.mo` the
pages read says what its `.po` says. `make messages` brings the catalogs up to date."""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CATALOGS = ROOT / "src" / "servicekonto" / "locale"
#: The keywords `make messages` passes to pybabel (babel.cfg cannot name them).
KEYWORDS = {**DEFAULT_KEYWORDS, "NC_": ((1, "c"), 2)}
LANGUAGES = sorted(p.name for p in CATALOGS.iterdir() if (p / "LC_MESSAGES").is_dir())

MessageKey = tuple[str | None, str]


def _key(context: str | None, msgid: str | tuple[str, ...]) -> MessageKey:
    return context, msgid if isinstance(msgid, str) else msgid[0]


def extracted() -> dict[MessageKey, str]:
    """What the sources mark for translation, by (msgctxt, msgid), with one place of use."""
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found: dict[MessageKey, str] = {}
    for filename, lineno, msgid, _comments, context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS
    ):
        found.setdefault(_key(context, msgid), f"{filename}:{lineno}")
    return found


def catalog(language: str) -> Catalog:
    with (CATALOGS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


def _listed(keys: Iterable[MessageKey]) -> str:
    return "\n".join(f"  [{ctx}] {msgid[:90]}" if ctx else f"  {msgid[:90]}" for ctx, msgid in keys)


@pytest.fixture(scope="module")
def sources() -> dict[MessageKey, str]:
    found = extracted()
    assert len(found) > 300, "extraction found almost nothing: is babel.cfg still right?"
    return found


def test_german_and_english_catalogs_exist() -> None:
    assert {"de", "en"} <= set(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_marked_text_is_in_the_catalog(
    language: str, sources: dict[MessageKey, str]
) -> None:
    entries = {_key(m.context, m.id) for m in catalog(language) if m.id}
    missing = [key for key in sources if key not in entries]
    assert not missing, (
        f"{language}: texts the pages show but the catalog lacks (run `make messages`):\n"
        + _listed(missing)
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalog_holds_no_text_the_pages_no_longer_use(
    language: str, sources: dict[MessageKey, str]
) -> None:
    entries = [_key(m.context, m.id) for m in catalog(language) if m.id]
    unused = [key for key in entries if key not in sources]
    assert not unused, (
        f"{language}: unused catalog entries (run `make messages`):\n" + _listed(unused)
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_translation_is_finished(language: str) -> None:
    """An empty msgstr, an empty plural form or a fuzzy entry would show German (or an unchecked
    guess) on a page of this language."""
    unfinished = [
        _key(m.context, m.id)
        for m in catalog(language)
        if m.id
        and (m.fuzzy or not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    ]
    assert not unfinished, f"{language}: empty or fuzzy translations:\n" + _listed(unfinished)


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_survive_translation(language: str) -> None:
    """`%(client)s` in the German text must be in the translation, or formatting the page fails."""
    broken = []
    for m in catalog(language):
        if not m.id or not m.string:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        names = {part.split(")")[0] for part in ids[-1].split("%(")[1:]}
        for string in strings:
            if {part.split(")")[0] for part in string.split("%(")[1:]} != names:
                broken.append(_key(m.context, m.id))
    assert not broken, f"{language}: placeholders differ:\n" + _listed(broken)


def test_the_german_catalog_is_the_source() -> None:
    """German is the source language: its plural forms follow German's rule (two forms)."""
    german = catalog("de")
    assert german.num_plurals == 2
    assert all(m.string for m in german if m.id)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalog_matches_its_source(language: str) -> None:
    """The `.mo` the pages read is the `.po` compiled (a stale one would show old texts)."""
    folder = CATALOGS / language / "LC_MESSAGES"
    compiled = folder / "messages.mo"
    assert compiled.is_file(), f"{compiled} missing: run `make catalogs`"
    expected = io.BytesIO()
    write_mo(expected, catalog(language))
    expected.seek(0)
    with compiled.open("rb") as handle:
        on_disk = read_mo(handle)
    fresh = read_mo(expected)
    assert _entries(on_disk) == _entries(fresh)


def _entries(compiled: Catalog) -> dict[tuple[str | None, str], str]:
    """A compiled catalog as plain pairs (plural ids and strings come back as lists)."""
    return {
        (m.context, repr(list(m.id) if isinstance(m.id, list | tuple) else m.id)): repr(m.string)
        for m in compiled
        if m.id
    }
