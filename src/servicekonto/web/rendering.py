"""Jinja2 rendering of the server-side pages.

Every page gets `lang` (the page language), `t(key, **params)` (its UI texts, see `i18n`),
`static(path)` (URL of a file under `web/static`) and `lang_url(base, locale)` (the language
switcher's links). Templates are autoescaped and fail on undefined variables.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from servicekonto.web.i18n import DEFAULT_LOCALE, SUPPORTED, translate

STATIC_PREFIX = "/static"


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


class Renderer:
    """Renders the templates in `servicekonto/web/templates` in one of the supported languages."""

    def __init__(self) -> None:
        self.env = Environment(
            loader=PackageLoader("servicekonto.web", "templates"),
            autoescape=select_autoescape(["html"], default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.globals["static"] = static_url
        self.env.globals["lang_url"] = lang_url
        self.env.globals["supported_locales"] = SUPPORTED

    @staticmethod
    def translator(lang: str) -> Callable[..., str]:
        """`t(key, **params)` for templates, bound to `lang`."""

        def t(key: str, **params: object) -> str:
            return translate(lang, key, **params)

        return t

    def render(self, template: str, *, lang: str, **context: object) -> str:
        """Render `template` with `context` plus `lang`, `t` and `static`."""
        if lang not in SUPPORTED:
            lang = DEFAULT_LOCALE
        variables: dict[str, object] = dict(context)
        variables["lang"] = lang
        variables["t"] = self.translator(lang)
        return self.env.get_template(template).render(variables)
