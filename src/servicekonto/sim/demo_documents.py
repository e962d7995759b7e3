"""Sample founding documents for the demo's company applications: one-page PDFs made with fpdf2,
plainly marked as demo samples (no register ever issued them).

They are made afresh, not shipped as files, so they pass the upload checks as any upload does
(`demo_seed` sends them through `uploads.check`); the creation date is fixed, so the same
document gives the same bytes on every run.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from fpdf import FPDF
from fpdf.enums import XPos, YPos

#: Printed across the top of every sample: nobody may mistake it for a real extract.
SAMPLE_MARK = "MUSTER – Demo-Dokument des ServiceKonto, kein amtliches Dokument"
_CREATED = datetime(2026, 1, 2, 9, 0, tzinfo=UTC)


def sample_pdf(title: str, lines: Sequence[tuple[str, str]]) -> bytes:
    """A one-page A4 PDF: the sample mark, `title`, then `lines` as label/value rows."""
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.core_fonts_encoding = "cp1252"  # umlauts, ß and the dash in the core fonts
    pdf.set_creation_date(_CREATED)
    pdf.set_title(title)
    pdf.set_creator("ServiceKonto demo")
    pdf.set_producer("ServiceKonto demo")
    pdf.set_lang("de-DE")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 9)
    pdf.set_text_color(160, 0, 0)
    pdf.cell(0, 6, SAMPLE_MARK, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.ln(6)
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 8, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    for label, value in lines:
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(55, 6, label)
        pdf.set_font("Helvetica", "", 10)
        pdf.multi_cell(0, 6, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
