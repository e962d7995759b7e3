"""Jinja2 rendering of the server-side pages, one environment per page language.

Templates hold their German source texts in gettext calls (`_("…")`, `pgettext`, `{% trans %}`
with `{% pluralize %}`; Jinja's i18n extension, new-style: `%(name)s` placeholders filled by
keyword). A text the code chooses by a code (an error, a notice, a claim's name) goes through
`text(code, **params)` (see `web.texts`). Translations are text, not HTML: they are escaped like
any other value, so a catalog cannot inject markup. Dates, times and numbers go through the
filters `date`, `datetime` and `number` (Babel, the page language's conventions).

A template may come in per-language variants, `name.<tag>.html` (the legal pages do): the page
language's variant wins, then its parents', then German's, then `name.html`. An operator
overrides the legal pages without touching the package by putting such files under
`<data dir>/templates/legal/`: any file there beats the package's in any language, so a German
override is shown to English readers too rather than the package's unfilled English page (and
an English-only one to German readers).
Every page also gets `lang`, `static(path)` and `lang_url(base, tag)` (the language switcher).
Templates are autoescaped and fail on undefined variables.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    StrictUndefined,
    select_autoescape,
)
from markupsafe import Markup, escape

from servicekonto.web.i18n import (
    CATALOG_DIR,
    DEFAULT_LOCALE,
    Catalogs,
    Language,
    parents_of,
    tag_of,
)
from servicekonto.web.texts import OWN_NAME, TEXTS

STATIC_PREFIX = "/static"
#: The template folder an operator may override from the data directory.
OVERRIDABLE = "legal"


def static_url(path: str) -> str:
    """URL of a file served from `web/static`."""
    return f"{STATIC_PREFIX}/{quote(path.lstrip('/'))}"


def lang_url(base: str | None, locale: str) -> str:
    """Link that reloads the current page in `locale`.

    `base` is the current URL (already URL-encoded, without a `lang` parameter) or None for the
    bare query `?lang=xx`; a `?` or `&` is added as needed.
    """
    if not base:
        prefix = "?"
    elif "?" not in base:
        prefix = base + "?"
    elif base.endswith(("?", "&")):
        prefix = base
    else:
        prefix = base + "&"
    return f"{prefix}lang={quote(locale)}"


def _escaped(function: Callable[..., str]) -> Callable[..., Markup]:
    """`function`'s translation escaped: catalog texts are text, never markup."""

    def translate(*args: Any) -> Markup:
        return escape(function(*args))

    return translate


def own_name(language: Language) -> str:
    """The language's name in itself (the switcher's link text), from its own catalog."""
    return language.text(OWN_NAME)


class Renderer:
    """Renders the templates in `servicekonto/web/templates` in each language in `catalogs`."""

    def __init__(
        self, *, override_dir: Path | None = None, catalog_dir: Path = CATALOG_DIR
    ) -> None:
        """`override_dir`: the operator's template folder (`<data dir>/templates`), if any."""
        self.catalogs = Catalogs(catalog_dir)
        package = PackageLoader("servicekonto.web", "templates")
        self._package_names = frozenset(package.list_templates())
        self._override_dir = override_dir
        loader: BaseLoader = package
        if override_dir is not None:
            operator = FileSystemLoader(override_dir / OVERRIDABLE)
            loader = ChoiceLoader([PrefixLoader({OVERRIDABLE: operator}), package])
        switcher = [(lang.tag, own_name(lang)) for lang in self.catalogs.languages()]
        self._environments = {
            lang.tag: self._environment(loader, lang, switcher)
            for lang in self.catalogs.languages()
        }

    @staticmethod
    def _environment(
        loader: BaseLoader, language: Language, switcher: list[tuple[str, str]]
    ) -> Environment:
        env = Environment(
            loader=loader,
            autoescape=select_autoescape(["html"], default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            extensions=["jinja2.ext.i18n"],
        )
        env.install_gettext_callables(  # type: ignore[attr-defined]
            gettext=_escaped(language.gettext),
            ngettext=_escaped(language.ngettext),
            pgettext=_escaped(language.pgettext),
            npgettext=_escaped(language.npgettext),
            newstyle=True,
        )

        def text(code: str, **params: object) -> Markup | str:
            """The text the code `code` names (`web.texts`), or the code itself if unknown."""
            item = TEXTS.get(code)
            if item is None:
                return code
            translated = escape(
                language.gettext(item.msgid)
                if item.context is None
                else language.pgettext(item.context, item.msgid)
            )
            return translated % params

        env.globals.update(
            static=static_url,
            lang_url=lang_url,
            languages=switcher,
            text=text,
        )
        env.filters.update(
            date=language.date,
            datetime=language.datetime,
            number=language.number,
            shown=language.shown,
        )
        return env

    def _variant(self, template: str, tag: str) -> str:
        """The most specific per-language variant of `template` there is (module docstring)."""
        stem, dot, suffix = template.rpartition(".")
        if not dot:
            return template
        identifier = self.catalogs.language(tag).identifier
        tags = [tag_of(i) for i in (identifier, *parents_of(identifier), DEFAULT_LOCALE)]
        names = [f"{stem}.{t}.{suffix}" for t in dict.fromkeys(tags)]
        if self._override_dir is not None and template.startswith(OVERRIDABLE + "/"):
            # the operator's page in any language, nearest first, beats the package's
            others = [f"{stem}.{t}.{suffix}" for t in self.catalogs.tags]
            for name in dict.fromkeys([*names, *others]):
                if (self._override_dir / name).is_file():
                    return name
        for name in names:
            if name in self._package_names:
                return name
        return template

    def render(self, template: str, *, lang: str, **context: object) -> str:
        """Render `template` in the language `lang` (a supported tag, else German)."""
        language = self.catalogs.language(lang)
        env = self._environments[language.tag]
        variables: dict[str, object] = dict(context)
        variables["lang"] = language.tag
        return env.get_template(self._variant(template, language.tag)).render(variables)
