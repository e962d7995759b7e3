"""The PIN letter PDF (issue 3 item 3): DIN 5008 form B, parsed back with pypdf.

Text positions come from pypdf's text visitor (PDF points from the bottom-left) and are turned
into millimetres from the top-left, the way DIN 5008 measures.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from servicekonto.letters.pdf import (
    ADDRESS_FIELD_LEFT,
    ADDRESS_FIELD_TOP,
    ADDRESS_ZONE_TOP,
    INFO_BLOCK_LEFT,
    SUBJECT,
    PdfError,
    format_date,
    format_deadline,
    merge_pdfs,
    printable,
    render_batch,
    render_pin_letter,
)
from tests.letters.conftest import REGISTER_RECIPIENT, sample_content

PT = 25.4 / 72
A4_POINTS = (595.28, 841.89)
ADDRESS_FIELD_RIGHT = ADDRESS_FIELD_LEFT + 85
ADDRESS_FIELD_BOTTOM = ADDRESS_FIELD_TOP + 45


@dataclass(frozen=True)
class Run:
    text: str
    x: float  # mm from the left edge
    y: float  # mm from the top edge (baseline)
    size: float
    font: str


def runs(pdf: bytes, page: int = 0) -> list[Run]:
    reader = PdfReader(io.BytesIO(pdf))
    found: list[Run] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if not text.strip():
            return
        x = tm[4] * cm[0] + cm[4]
        y = tm[5] * cm[3] + cm[5]
        name = str(font.get("/BaseFont", "")) if isinstance(font, dict) else ""
        found.append(Run(text.strip(), x * PT, A4_POINTS[1] * PT - y * PT, size, name))

    reader.pages[page].extract_text(visitor_text=visit)
    return found


def full_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def in_window(run: Run) -> bool:
    return (
        ADDRESS_FIELD_LEFT <= run.x < ADDRESS_FIELD_RIGHT
        and ADDRESS_FIELD_TOP < run.y <= ADDRESS_FIELD_BOTTOM
    )


@pytest.fixture(scope="module")
def letter() -> bytes:
    return render_pin_letter(sample_content())


def test_is_one_a4_page(letter: bytes) -> None:
    assert letter.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(letter))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx(A4_POINTS, abs=0.5)


def test_recipient_lines_sit_in_the_address_zone_of_the_window(letter: bytes) -> None:
    window = [r for r in runs(letter) if in_window(r)]
    recipient = [r for r in window if r.y >= ADDRESS_ZONE_TOP]
    assert [r.text for r in recipient] == REGISTER_RECIPIENT.lines()
    for run in recipient:
        assert run.x == pytest.approx(ADDRESS_FIELD_LEFT + 5, abs=0.5)  # 5 mm indent
        assert ADDRESS_ZONE_TOP < run.y <= ADDRESS_FIELD_BOTTOM
    # top to bottom, in order, on distinct lines
    assert [r.y for r in recipient] == sorted(r.y for r in recipient)


def test_return_address_is_one_small_line_in_the_remark_zone(letter: bytes) -> None:
    window = [r for r in runs(letter) if in_window(r)]
    remark = [r for r in window if r.y < ADDRESS_ZONE_TOP]
    assert len(remark) == 1
    sender = remark[0]
    assert sender.text == "Verbandsgemeindeverwaltung Cochem, Ravenéstraße 61, 56812 Cochem"
    assert sender.size <= 8
    assert ADDRESS_ZONE_TOP - 17.7 < sender.y < ADDRESS_ZONE_TOP


def test_nothing_else_shows_through_the_window(letter: bytes) -> None:
    window = [r.text for r in runs(letter) if in_window(r)]
    assert len(window) == 1 + len(REGISTER_RECIPIENT.lines())
    assert "7KQ3-M9XT-2HWB" not in " ".join(window)


def test_information_block_carries_reference_and_date(letter: bytes) -> None:
    block = {r.text: r for r in runs(letter) if r.x >= INFO_BLOCK_LEFT - 0.5}
    assert "Unser Zeichen" in block and "Datum" in block
    assert block["SK-2026-7F3A9C"].y > block["Unser Zeichen"].y
    assert block["21.11.2026"].y > block["Datum"].y
    assert all(r.y >= 50 for r in block.values())


def test_code_is_large_and_below_the_subject(letter: bytes) -> None:
    by_text = {r.text: r for r in runs(letter)}
    code = by_text["7KQ3-M9XT-2HWB"]
    assert code.size >= 20
    assert "Courier" in code.font
    subject = by_text[SUBJECT]
    assert subject.y > ADDRESS_FIELD_BOTTOM
    assert code.y > subject.y


def test_letter_text(letter: bytes) -> None:
    text = full_text(letter)
    for expected in (
        SUBJECT,
        "Guten Tag Jürgen Müller-Lüdenscheidt,",
        "Gültig bis: 12.12.2026, 10:00 Uhr",
        "https://konto.cochem-zell.de/account",
        "„Identität bestätigen“",
        "Sie haben diesen Brief nicht erwartet?",
        "Verwenden Sie den Code nicht",
        "21 Tagen ungültig",
        "SK-2026-7F3A9C",
        "Telefon 02671 608-0 · servicekonto@cochem-zell.de",
        "Mit freundlichen Grüßen",
    ):
        assert expected in text.replace("\n", " "), expected
    assert re.search(r"\b\d{2}\.\d{2}\.\d{4}\b", text)


def test_umlauts_and_eszett_survive(letter: bytes) -> None:
    text = full_text(letter)
    for word in ("Müller-Lüdenscheidt", "Große Straße", "Ravenéstraße", "Identität", "Grüßen"):
        assert word in text
    assert "?" not in text.replace("erwartet?", "")


def test_names_outside_windows_1252_are_transliterated_for_print() -> None:
    content = sample_content(
        recipient_lines=["Łukasz Wójcik-Şahin", "Dorfstraße 1", "56253 Treis-Karden"]
    )
    text = full_text(render_pin_letter(content))
    assert "Lukasz Wójcik-Sahin" in text
    assert printable("ẞ Ħ ı ǅ") == "SS H i Dž"
    assert printable("Erika\nMuster\u200bfrau") == "Erika Muster frau"


def test_an_overlong_address_line_is_shrunk_into_the_window() -> None:
    name = "Prof. Dr. Maximiliane Friederike Alexandra von und zu Hohenzollern-Sigmaringen"
    pdf = render_pin_letter(sample_content(recipient_lines=[name, "Am Markt 1", "56812 Cochem"]))
    first = next(r for r in runs(pdf) if in_window(r) and r.y >= ADDRESS_ZONE_TOP)
    assert first.size < 10
    assert first.text.startswith("Prof. Dr. Maximiliane")


def test_dates_are_tt_mm_jjjj_and_deadline_in_german_time() -> None:
    assert format_date(date(2026, 1, 5)) == "05.01.2026"
    assert format_deadline(datetime(2026, 12, 12, 9, 0, tzinfo=UTC)) == "12.12.2026, 10:00 Uhr"
    assert format_deadline(datetime(2026, 7, 1, 22, 30, tzinfo=UTC)) == "02.07.2026, 00:30 Uhr"


def test_rendering_is_reproducible() -> None:
    assert render_pin_letter(sample_content()) == render_pin_letter(sample_content())


def test_batch_has_one_letter_per_page_or_sheet() -> None:
    contents = [
        sample_content(code=f"AAAA-BBBB-CCC{c}", reference=f"SK-2026-00000{c}") for c in "234"
    ]
    simplex = render_batch(contents)
    assert len(PdfReader(io.BytesIO(simplex)).pages) == 3
    for page, content in enumerate(contents):
        assert content.code in {r.text for r in runs(simplex, page)}
    duplex = render_batch(contents, duplex=True)
    reader = PdfReader(io.BytesIO(duplex))
    assert len(reader.pages) == 6
    assert reader.pages[1].extract_text().strip() == ""
    assert contents[1].code in reader.pages[2].extract_text()


def test_merge_concatenates_stored_letters() -> None:
    one = render_pin_letter(sample_content(code="2222-3333-4444"))
    two = render_pin_letter(sample_content(code="5555-6666-7777"))
    merged = merge_pdfs([one, two])
    reader = PdfReader(io.BytesIO(merged))
    assert len(reader.pages) == 2
    assert "2222-3333-4444" in reader.pages[0].extract_text()
    assert "5555-6666-7777" in reader.pages[1].extract_text()
    assert len(PdfReader(io.BytesIO(merge_pdfs([one, two], duplex=True))).pages) == 4
    with pytest.raises(PdfError):
        merge_pdfs([])  # never a blank page that looks like a batch (issue 10 item 3)
    with pytest.raises(PdfError):
        merge_pdfs([one, b"%PDF-1.4 damaged"])
