"""QR codes as inline SVG, for the TOTP enrolment page.

Inline (not an <img> with a data: URL or a separate route) so the secret never leaves the one
no-store page response and needs no extra CSP source. segno writes plain SVG paths: no script,
no `style` attribute, nothing the strict CSP (no inline style, no inline script) would block.
The size is in width/height attributes plus a viewBox, so the site stylesheet may scale it.
"""

from __future__ import annotations

import io
import re
from html import escape

import segno

#: Pixels per module: a version-6/7 code (an otpauth URI) comes out at about 200 px.
SCALE = 4

_SVG_START = re.compile(r'<svg (?P<attrs>[^>]*?)width="(?P<w>\d+)" height="(?P<h>\d+)"')


def qr_svg(data: str, *, aria_label: str = "QR-Code") -> str:
    """An `<svg role="img" aria-label="…">` element encoding `data` (UTF-8, error level M)."""
    # Level M (15 % recovery) keeps the code small; `boost_error` raises it for free when the
    # data leaves room in the chosen version.
    code = segno.make_qr(data, error="m", boost_error=True)
    out = io.BytesIO()
    code.save(
        out,
        kind="svg",
        xmldecl=False,  # an XML declaration is invalid inside HTML
        svgns=True,
        scale=SCALE,
        border=4,  # the quiet zone ISO/IEC 18004 requires; scanners fail without it
        dark="#000",
        light="#fff",  # an opaque background keeps the code readable on a dark page theme
        svgclass="qr-code",
        lineclass=None,
        nl=False,
    )
    svg = out.getvalue().decode("utf-8")
    match = _SVG_START.match(svg)
    if match is None:  # pragma: no cover - guards against a segno output change
        raise RuntimeError("unexpected SVG from segno")
    width, height = match.group("w"), match.group("h")
    label = escape(aria_label, quote=True)
    start = (
        f'<svg {match.group("attrs")}width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{label}"'
    )
    return start + svg[match.end() :]
