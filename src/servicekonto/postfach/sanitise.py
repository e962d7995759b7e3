"""HTML of Postfach messages, sanitised to a small allow-list with nh3 (the Python binding of the
Rust crate ammonia; DESIGN §6 names it).

What stays: paragraphs and line breaks, strong/em, lists, headings h2–h4, simple tables, and
links whose target is an absolute `https:` URL (the ZBP allows https links only, egov-domain
§4.3). Everything else goes: `<script>` and `<style>` with their content, every other tag (its
text stays), every attribute but `href` on `a` (so no event handlers, no `style`, no `id`), and
any `href` that is not `https://…` — `javascript:`, `data:`, `http:`, relative and
protocol-relative ones — is dropped from its link. Links get `rel="noopener noreferrer"`.
Comments are removed.

The plain text of a message (list previews, exports) is derived from the sanitised HTML: block
ends become line breaks, tags go, entities are decoded.
"""

from __future__ import annotations

import html
import re

import nh3

TAGS = frozenset({
    "p", "br", "strong", "em", "ul", "ol", "li", "a", "h2", "h3", "h4",
    "table", "thead", "tbody", "tr", "th", "td",
})
ATTRIBUTES = {"a": {"href"}}
_BLOCK_END = re.compile(r"(</(?:p|li|h[2-4]|tr|table|ul|ol)>|<br\s*/?>)", re.IGNORECASE)
_CELL_END = re.compile(r"</t[dh]>", re.IGNORECASE)
_BLANK_LINES = re.compile(r"\n{3,}")


def _https_only(tag: str, attribute: str, value: str) -> str | None:
    if tag == "a" and attribute == "href":
        return value if value.lower().startswith("https://") and len(value) > 8 else None
    return value


def sanitise_html(markup: str) -> str:
    """The allowed part of `markup` (module doc)."""
    return nh3.clean(
        markup,
        tags=set(TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        attribute_filter=_https_only,
        url_schemes={"https"},
        strip_comments=True,
        link_rel="noopener noreferrer",
    )


def plain_text(sanitised: str) -> str:
    """Readable text of sanitised HTML (module doc)."""
    spaced = _CELL_END.sub("\t", _BLOCK_END.sub(lambda m: m.group(1) + "\n", sanitised))
    text = html.unescape(nh3.clean(spaced, tags=set(), clean_content_tags={"script", "style"}))
    lines = [line.strip() for line in text.splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
