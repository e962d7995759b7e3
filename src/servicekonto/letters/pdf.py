"""Letters as print-ready A4 PDFs in DIN 5008 form B: the PIN letter (issue 3 item 3) and an
organisation's activation letter with its Widerrufscode (issue 12 item 4). Both share the sheet
(letterhead, address field, information block, marks, footer); only the body differs.

Geometry, all in mm from the top-left corner of the sheet, after DIN 5008:2020-03 Annex A,
"Form B" (the high letterhead, 45 mm), which fits the window of a DIN C6/5 or DL envelope
(DIN 680 / DIN EN ISO 269, window 20 mm from the left, 45 mm from the top, 90 × 45 mm):

* letterhead 0–45 mm;
* address field (Anschriftfeld) left 20 mm, top 45 mm, 85 × 45 mm, text indented 5 mm (x = 25 mm):
  - additional-and-remark zone (Zusatz- und Vermerkzone) 45–62.7 mm (17.7 mm, five lines); the
    return address (Rücksendeangabe) is its bottom line, small, one line;
  - address zone (Anschriftzone) 62.7–90 mm (27.3 mm, six lines);
* information block (Informationsblock) left 125 mm, top 50 mm, up to 75 mm wide;
* fold marks 105 mm and 210 mm, hole mark 148.5 mm, at the left edge;
* text from 25 mm left to 20 mm right; the subject two blank lines under the address field
  (90 + 2 × 4.23 ≈ 98.5 mm).

Fonts: the PDF standard fonts Helvetica and Courier, encoded as WinAnsi (Windows-1252), which
covers German completely (ä ö ü Ä Ö Ü ß „ “ – €). Nothing is embedded, so the package needs no font
file on the host and every printer has them. Names in DIN 91379 characters outside Windows-1252
(ł, ş, ř …) are transliterated to their base letters for print only; the post still delivers, and
the register record keeps the exact spelling.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

BERLIN = ZoneInfo("Europe/Berlin")

# -- DIN 5008 form B geometry (mm) -----------------------------------------------------------------
PAGE_WIDTH, PAGE_HEIGHT = 210.0, 297.0
LEFT_MARGIN, RIGHT_MARGIN = 25.0, 20.0
TEXT_WIDTH = PAGE_WIDTH - LEFT_MARGIN - RIGHT_MARGIN
ADDRESS_FIELD_LEFT, ADDRESS_FIELD_TOP = 20.0, 45.0
ADDRESS_FIELD_WIDTH, ADDRESS_FIELD_HEIGHT = 85.0, 45.0
ADDRESS_INDENT = 5.0
REMARK_ZONE_HEIGHT = 17.7
ADDRESS_ZONE_TOP = ADDRESS_FIELD_TOP + REMARK_ZONE_HEIGHT  # 62.7
ADDRESS_ZONE_LINES = 6
ADDRESS_LINE_HEIGHT = (ADDRESS_FIELD_HEIGHT - REMARK_ZONE_HEIGHT) / ADDRESS_ZONE_LINES  # 4.55
ADDRESS_TEXT_WIDTH = ADDRESS_FIELD_WIDTH - 2 * ADDRESS_INDENT
INFO_BLOCK_LEFT, INFO_BLOCK_TOP, INFO_BLOCK_WIDTH = 125.0, 50.0, 75.0
FOLD_MARKS = (105.0, 210.0)
HOLE_MARK = 148.5
SUBJECT_TOP = ADDRESS_FIELD_TOP + ADDRESS_FIELD_HEIGHT + 2 * 4.23
FOOTER_TOP = 277.0

SUBJECT = "Ihr Aktivierungscode für das ServiceKonto"
ORGANISATION_SUBJECT = "Aktivierung Ihres Unternehmenskontos im ServiceKonto"
#: Where the applicant enters the activation code, and where the Widerrufscode is used
#: (DESIGN §9: the organisation activation form's field is `activation_code`).
ORGANISATION_ACTIVATE_PATH = "/organizations/activate"
ORGANISATION_REVOKE_PATH = "/organizations/revoke"
ACTIVATION_CODE_LABEL = "Aktivierungscode"
REVOCATION_CODE_LABEL = "Widerrufscode"


@dataclass(frozen=True)
class LetterContent:
    """Everything printed on one PIN letter. Recipient lines come from the register record only."""

    sender_name: str
    sender_address_lines: list[str]
    recipient_lines: list[str]
    date: date
    reference: str
    code: str
    valid_until: datetime
    issuer_url: str
    #: Phone, e-mail, opening hours … of the administration, printed in the footer.
    contact_lines: list[str] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class OrganisationLetterContent(LetterContent):
    """An organisation's activation letter: `code` is the activation code, `revocation_code` the
    Widerrufscode; the recipient lines are the business address (never what a user typed after
    the review)."""

    organisation_name: str
    revocation_code: str


def format_date(day: date) -> str:
    """TT.MM.JJJJ (DIN 5008 numeric date with leading zeros)."""
    return f"{day.day:02d}.{day.month:02d}.{day.year:04d}"


def format_deadline(moment: datetime) -> str:
    """The expiry as German local time, e.g. ``12.12.2026, 10:00 Uhr``."""
    local = moment.astimezone(BERLIN)
    return f"{format_date(local.date())}, {local:%H:%M} Uhr"


_TRANSLITERATE = {
    "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ı": "i", "ħ": "h", "Ħ": "H", "ŧ": "t", "Ŧ": "T",
    "ŀ": "l", "Ŀ": "L", "ĸ": "k", "ŉ": "'n", "ẞ": "SS", "ǆ": "dž", "Ǆ": "DŽ",
}  # fmt: skip


def printable(text: str) -> str:
    """Text the WinAnsi standard fonts can show: controls become spaces, other letters their base.

    Transliteration only ever happens for print; it never feeds back into data.
    """
    out: list[str] = []
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            out.append(" ")
            continue
        if _encodable(ch):
            out.append(ch)
            continue
        base = _TRANSLITERATE.get(ch, ch)
        decomposed = unicodedata.normalize("NFKD", base)
        # Compatibility forms first (ǅ → Dž, ﬁ → fi), then drop what still has no glyph (ş → s).
        recomposed = unicodedata.normalize("NFC", decomposed)
        if all(_encodable(c) for c in recomposed):
            out.append(recomposed)
            continue
        kept = "".join(c for c in decomposed if not unicodedata.combining(c) and _encodable(c))
        out.append(kept or "?")
    return "".join(out)


def _encodable(ch: str) -> bool:
    try:
        ch.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


class _LetterPdf(FPDF):
    """fpdf2 document that draws the administration's footer on every page it closes."""

    footer_lines: Sequence[str] = ()

    def footer(self) -> None:
        if not self.footer_lines:
            return
        self.set_draw_color(120, 120, 120)
        self.set_line_width(0.2)
        self.line(LEFT_MARGIN, FOOTER_TOP, PAGE_WIDTH - RIGHT_MARGIN, FOOTER_TOP)
        self.set_font("Helvetica", size=7)
        self.set_text_color(70, 70, 70)
        self.set_xy(LEFT_MARGIN, FOOTER_TOP + 1.5)
        for line in self.footer_lines:
            self.cell(TEXT_WIDTH, 3.2, _fit(self, line, TEXT_WIDTH, 7, 6), align=Align.C)
            self.set_xy(LEFT_MARGIN, self.get_y() + 3.2)
        self.set_text_color(0, 0, 0)


def _new_document() -> _LetterPdf:
    pdf = _LetterPdf(orientation="P", unit="mm", format="A4")
    pdf.core_fonts_encoding = "cp1252"
    pdf.c_margin = 0  # no cell padding: text starts exactly at the DIN positions
    pdf.set_margins(LEFT_MARGIN, 20.0, RIGHT_MARGIN)
    pdf.set_auto_page_break(auto=True, margin=PAGE_HEIGHT - FOOTER_TOP + 2)
    pdf.set_title("Aktivierungscode ServiceKonto")
    pdf.set_creator("ServiceKonto")
    pdf.set_producer("ServiceKonto")
    pdf.set_lang("de-DE")
    return pdf


def _fit(pdf: FPDF, text: str, width: float, size: float, min_size: float) -> str:
    """Shrink the current font down to `min_size` until `text` fits `width`; cut as a last resort.

    The address window is fixed: a line that spills out of it would be cut off by the envelope.
    """
    text = printable(text)
    pdf.set_font_size(size)
    while pdf.get_string_width(text) > width and size > min_size:
        size = max(min_size, size - 0.5)
        pdf.set_font_size(size)
    while pdf.get_string_width(text) > width and len(text) > 1:
        text = text[:-2] + "…"
    return text


def _marks(pdf: FPDF) -> None:
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.2)
    for y in FOLD_MARKS:
        pdf.line(3.0, y, 8.0, y)
    pdf.line(3.0, HOLE_MARK, 10.0, HOLE_MARK)


def _letterhead(pdf: FPDF, content: LetterContent) -> None:
    pdf.set_font("Helvetica", "B", 14)
    pdf.set_xy(LEFT_MARGIN, 15.0)
    pdf.cell(TEXT_WIDTH, 7, _fit(pdf, content.sender_name, TEXT_WIDTH, 14, 10))
    pdf.set_font("Helvetica", "", 9)
    pdf.set_xy(LEFT_MARGIN, 23.0)
    purpose = (
        "Unternehmenskonto"
        if isinstance(content, OrganisationLetterContent)
        else "Identitätsbestätigung"
    )
    pdf.cell(TEXT_WIDTH, 5, f"ServiceKonto – {purpose}")


def _address_field(pdf: FPDF, content: LetterContent) -> None:
    # Return address: one small line at the bottom of the remark zone, underlined by custom.
    sender = ", ".join([content.sender_name, *content.sender_address_lines])
    pdf.set_font("Helvetica", "U", 7)
    line = _fit(pdf, sender, ADDRESS_TEXT_WIDTH, 7, 5)
    pdf.set_xy(ADDRESS_FIELD_LEFT + ADDRESS_INDENT, ADDRESS_ZONE_TOP - 4.0)
    pdf.cell(ADDRESS_TEXT_WIDTH, 3.5, line)
    # Address zone: at most six lines, each shrunk to fit the window if it must.
    pdf.set_font("Helvetica", "", 10)
    for i, recipient_line in enumerate(content.recipient_lines[:ADDRESS_ZONE_LINES]):
        pdf.set_xy(ADDRESS_FIELD_LEFT + ADDRESS_INDENT, ADDRESS_ZONE_TOP + i * ADDRESS_LINE_HEIGHT)
        pdf.cell(
            ADDRESS_TEXT_WIDTH,
            ADDRESS_LINE_HEIGHT,
            _fit(pdf, recipient_line, ADDRESS_TEXT_WIDTH, 10, 7),
        )


def _information_block(pdf: FPDF, content: LetterContent) -> None:
    rows = [
        ("Unser Zeichen", content.reference),
        ("Datum", format_date(content.date)),
    ]
    y = INFO_BLOCK_TOP
    for label, value in rows:
        pdf.set_xy(INFO_BLOCK_LEFT, y)
        pdf.set_font("Helvetica", "", 7)
        pdf.cell(INFO_BLOCK_WIDTH, 3.5, label)
        pdf.set_xy(INFO_BLOCK_LEFT, y + 3.5)
        pdf.set_font("Helvetica", "", 10)
        pdf.cell(INFO_BLOCK_WIDTH, 4.5, _fit(pdf, value, INFO_BLOCK_WIDTH, 10, 7))
        y += 9.5


def _paragraph(pdf: FPDF, text: str, *, bold: bool = False, after: float = 2.5) -> None:
    pdf.set_font("Helvetica", "B" if bold else "", 10)
    pdf.set_x(LEFT_MARGIN)
    pdf.multi_cell(
        TEXT_WIDTH, 4.6, printable(text), align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.set_y(pdf.get_y() + after)


def _body(pdf: FPDF, content: LetterContent) -> None:
    account_url = content.issuer_url.rstrip("/") + "/account"
    deadline = format_deadline(content.valid_until)
    name = content.recipient_lines[0] if content.recipient_lines else ""

    _subject(pdf, SUBJECT)

    _paragraph(pdf, f"Guten Tag {name},".replace(" ,", ","), after=2)
    _paragraph(
        pdf,
        "Sie haben ein ServiceKonto angelegt und angegeben, unter dieser Anschrift gemeldet zu "
        "sein. Die Anschrift stammt aus dem Melderegister. Mit dem folgenden Aktivierungscode "
        "bestätigen Sie, dass Sie diese Person sind:",
    )

    _code_box(pdf, content.code, f"Gültig bis: {deadline}")

    _paragraph(pdf, "So bestätigen Sie Ihre Identität:", bold=True, after=1)
    _steps(pdf, [
        f"Öffnen Sie {account_url} und melden Sie sich mit Ihrer E-Mail-Adresse und Ihrem "
        "Passwort an.",
        "Wählen Sie „Identität bestätigen“.",
        "Geben Sie den Aktivierungscode ein. Groß- und Kleinschreibung, Leerzeichen und "
        "Bindestriche spielen keine Rolle.",
        "Sie haben drei Versuche. Danach oder nach Ablauf der Gültigkeit wird der Code ungültig; "
        "Sie können dann in Ihrem Konto einen neuen Brief anfordern.",
    ])

    _paragraph(
        pdf,
        "Der Code bestätigt nur Ihre Identität, er ist kein Passwort und wird für die Anmeldung "
        "nicht gebraucht. Geben Sie ihn niemandem weiter. Die Verwaltung fragt Sie nie am Telefon "
        "oder per E-Mail danach.",
    )

    _paragraph(pdf, "Sie haben diesen Brief nicht erwartet?", bold=True, after=1)
    _paragraph(
        pdf,
        "Dann hat möglicherweise jemand anderes ein ServiceKonto mit Ihren Daten angelegt. "
        "Verwenden Sie den Code nicht und geben Sie ihn nicht weiter. Wenden Sie sich bitte an "
        f"{content.sender_name} (Kontakt unten) und nennen Sie das Zeichen {content.reference}. "
        f"Ohne Aktivierung wird der Brief nach 21 Tagen ungültig (am {deadline}); das Konto "
        "bleibt dann unbestätigt.",
    )

    _closing(pdf, content)


def _code_box(pdf: FPDF, code: str, below: str | None, *, label: str | None = None) -> None:
    """The code: large, monospaced, boxed, so it is copied without mistakes; `label` (which
    code it is) inside the box above it, `below` (the deadline) under the box."""
    top = pdf.get_y() + 1
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.4)
    if label is None:
        pdf.rect(LEFT_MARGIN, top, TEXT_WIDTH, 16)
        code_top, box_bottom = top + 2.5, top + 16
    else:
        pdf.rect(LEFT_MARGIN, top, TEXT_WIDTH, 17)
        pdf.set_xy(LEFT_MARGIN, top + 1.2)
        pdf.set_font("Helvetica", "B", 9)
        pdf.cell(TEXT_WIDTH, 4, label, align=Align.C)
        code_top, box_bottom = top + 5, top + 17
    pdf.set_xy(LEFT_MARGIN, code_top)
    pdf.set_font("Courier", "B", 24)
    pdf.cell(TEXT_WIDTH, 11, printable(code), align=Align.C)
    if below is None:
        pdf.set_y(box_bottom + 3)
        return
    pdf.set_xy(LEFT_MARGIN, box_bottom + 2)
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(TEXT_WIDTH, 5, below, align=Align.C)
    pdf.set_y(box_bottom + 10)


def _steps(pdf: FPDF, steps: Sequence[str]) -> None:
    """A numbered list, the numbers hanging in the margin of the text."""
    for number, step in enumerate(steps, start=1):
        pdf.set_font("Helvetica", "", 10)
        pdf.set_x(LEFT_MARGIN)
        pdf.cell(6, 4.6, f"{number}.")
        pdf.multi_cell(
            TEXT_WIDTH - 6,
            4.6,
            printable(step),
            align=Align.L,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.set_y(pdf.get_y() + 0.8)
    pdf.set_y(pdf.get_y() + 1.5)


def _closing(pdf: FPDF, content: LetterContent) -> None:
    pdf.set_y(pdf.get_y() + 2)
    _paragraph(pdf, "Mit freundlichen Grüßen", after=1)
    _paragraph(pdf, content.sender_name, after=0)
    pdf.set_font("Helvetica", "I", 8)
    pdf.set_x(LEFT_MARGIN)
    pdf.cell(
        TEXT_WIDTH,
        5,
        "Dieses Schreiben wurde maschinell erstellt und ist ohne Unterschrift gültig.",
    )


def _subject(pdf: FPDF, subject: str) -> None:
    pdf.set_xy(LEFT_MARGIN, SUBJECT_TOP)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(TEXT_WIDTH, 6, subject, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(pdf.get_y() + 5)


def _organisation_body(pdf: FPDF, content: OrganisationLetterContent) -> None:
    """The first-admin letter of Mein Unternehmenskonto's kind: the activation code for the
    applicant, and the Widerrufscode for a business that did not apply."""
    base = content.issuer_url.rstrip("/")
    deadline = format_deadline(content.valid_until)

    _subject(pdf, ORGANISATION_SUBJECT)
    _paragraph(pdf, "Guten Tag,", after=2)
    _paragraph(
        pdf,
        f"dieses Schreiben richtet sich an die Geschäftsleitung der {content.organisation_name}. "
        "Für Ihr Unternehmen wurde ein Unternehmenskonto im ServiceKonto beantragt; "
        f"{content.sender_name} hat den Antrag geprüft und genehmigt. Freigeschaltet wird es erst "
        "mit dem Aktivierungscode aus diesem Brief.",
    )
    _code_box(pdf, content.code, f"Gültig bis: {deadline}", label=ACTIVATION_CODE_LABEL)
    _paragraph(pdf, "So schalten Sie das Unternehmenskonto frei:", bold=True, after=1)
    _steps(pdf, [
        f"Die Person, die den Antrag gestellt hat, meldet sich unter {base}"
        f"{ORGANISATION_ACTIVATE_PATH} mit ihrem ServiceKonto an und gibt den Aktivierungscode "
        "ein; Groß- und Kleinschreibung, Leerzeichen und Bindestriche spielen keine Rolle.",
        "Sie verwaltet das Unternehmenskonto dann als erste Administratorin oder erster "
        "Administrator und lädt weitere Beschäftigte ein.",
    ])
    _paragraph(pdf, "Ihr Unternehmen hat kein Unternehmenskonto beantragt?", bold=True, after=1)
    _paragraph(
        pdf,
        f"Dann geben Sie den Aktivierungscode nicht weiter. Geben Sie unter {base}"
        f"{ORGANISATION_REVOKE_PATH} das Zeichen {content.reference} und den Widerrufscode ein "
        "(ohne Anmeldung): Das Unternehmenskonto wird gesperrt und kann nicht aktiviert werden.",
        after=0,
    )
    _code_box(pdf, content.revocation_code, None, label=REVOCATION_CODE_LABEL)
    _paragraph(
        pdf,
        f"Beide Codes gelten bis {deadline} und nur einmal: Wird einer verwendet, ist der "
        "andere ungültig. Zusammen haben sie drei Versuche. Die Verwaltung fragt nie am Telefon "
        "oder per E-Mail nach den Codes; bei Fragen nennen Sie ihr bitte das Zeichen.",
    )
    _closing(pdf, content)


def _footer_lines(content: LetterContent) -> list[str]:
    lines = [" · ".join([content.sender_name, *content.sender_address_lines])]
    if content.contact_lines:
        lines.append(" · ".join(content.contact_lines))
    return lines


def _add_letter(pdf: _LetterPdf, content: LetterContent, *, duplex: bool) -> None:
    # fpdf2 draws a page's footer when the page is closed, i.e. by the next add_page(): so the
    # footer lines change only *after* starting a page, and the blank duplex back gets none.
    first_page = pdf.page + 1
    pdf.add_page()
    pdf.footer_lines = _footer_lines(content)
    _marks(pdf)
    _letterhead(pdf, content)
    _address_field(pdf, content)
    _information_block(pdf, content)
    if isinstance(content, OrganisationLetterContent):
        _organisation_body(pdf, content)
    else:
        _body(pdf, content)
    # Duplex printing: every letter starts on a fresh sheet, so pad to an even page count.
    if duplex and (pdf.page - first_page + 1) % 2:
        pdf.add_page()
        pdf.footer_lines = ()


def _output(pdf: _LetterPdf, created: date) -> bytes:
    # A fixed creation date (the letter date) keeps the output reproducible.
    pdf.set_creation_date(datetime(created.year, created.month, created.day, tzinfo=UTC))
    return bytes(pdf.output())


def render_letter(content: LetterContent) -> bytes:
    """One letter of the kind its content says, normally one A4 page."""
    pdf = _new_document()
    _add_letter(pdf, content, duplex=False)
    return _output(pdf, content.date)


def render_pin_letter(content: LetterContent) -> bytes:
    """One PIN letter, normally one A4 page."""
    return render_letter(content)


def render_organisation_letter(content: OrganisationLetterContent) -> bytes:
    """An organisation's activation letter with both codes, one A4 page."""
    return render_letter(content)


def render_batch(contents: Iterable[LetterContent], *, duplex: bool = False) -> bytes:
    """Several letters in one PDF, each starting on a new page (a new sheet when `duplex`)."""
    pdf = _new_document()
    items = list(contents)
    for content in items:
        _add_letter(pdf, content, duplex=duplex)
    if not items:
        pdf.add_page()
    return _output(pdf, items[0].date if items else date(1970, 1, 1))


class PdfError(ValueError):
    """A stored letter PDF that cannot be read, or nothing to merge: no batch is made."""


def merge_pdfs(documents: Iterable[bytes], *, duplex: bool = False) -> bytes:
    """Concatenate stored single-letter PDFs into one print batch.

    The stored letters cannot be re-rendered (only the hash of the code is kept), so the print
    shop's batch is made from the stored files. With `duplex`, a blank page pads every letter with
    an odd page count so that no two letters share a sheet. Raises PdfError for a damaged
    document or an empty batch: a blank page would look like a letter (issue 10 item 3).
    """
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError

    writer = PdfWriter()
    try:
        for document in documents:
            reader = PdfReader(io.BytesIO(document))
            writer.append(reader)
            if duplex and len(reader.pages) % 2:
                last = reader.pages[-1].mediabox
                writer.add_blank_page(width=float(last.width), height=float(last.height))
    # pypdf reports damage as its own errors and, deeper in a broken file, as lookup errors.
    except (PyPdfError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise PdfError("a letter PDF is damaged") from exc
    if not writer.pages:
        raise PdfError("no letters to merge")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
