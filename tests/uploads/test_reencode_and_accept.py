"""What an accepted file becomes (DESIGN §8; checklist U-04): images re-encoded from their pixels
with no EXIF, XMP, ICC profile, comment or text chunk left, upright after their EXIF orientation;
PDFs kept byte for byte; harmless PDF features accepted."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from servicekonto.uploads import errors
from servicekonto.uploads.check import UploadLimits, check_upload
from servicekonto.uploads.detect import FileKind
from tests.uploads import corpus

SECRET = corpus.SECRET.encode()


def _reopen(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_a_jpeg_loses_exif_xmp_icc_and_comment() -> None:
    original = corpus.jpeg(metadata=True)
    before = _reopen(original)
    # The fixture carries every kind of metadata, so the test below can fail.
    assert SECRET in original
    assert {"exif", "icc_profile", "comment", "xmp"} <= set(before.info)
    checked = check_upload("Foto.jpg", "image/jpeg", original)
    after = _reopen(checked.data)
    assert SECRET not in checked.data and b"Max Mustermann" not in checked.data
    assert not {"exif", "icc_profile", "comment", "xmp"} & set(after.info)
    assert dict(after.getexif()) == {}
    assert b"Exif\x00\x00" not in checked.data and b"ICC_PROFILE" not in checked.data
    assert after.format == "JPEG" and after.size == before.size
    assert checked.reencoded and checked.original == original


def test_a_png_loses_text_chunks_exif_xmp_and_icc() -> None:
    original = corpus.png(metadata=True)
    before = _reopen(original)
    assert SECRET in original
    assert {"Comment", "XML:com.adobe.xmp", "icc_profile", "exif"} <= set(before.info)
    checked = check_upload("Scan.png", "image/png", original)
    after = _reopen(checked.data)
    assert SECRET not in checked.data
    assert set(after.info) <= {"dpi"}  # nothing but what the decoder derives itself
    for chunk in (b"tEXt", b"iTXt", b"zTXt", b"eXIf", b"iCCP"):
        assert chunk not in checked.data
    assert after.format == "PNG" and after.size == before.size
    assert after.getpixel((5, 5)) == before.getpixel((5, 5))  # lossless stays lossless


def test_a_photo_stays_upright_when_its_exif_orientation_is_dropped() -> None:
    # Orientation 6: the camera was turned; viewers rotate 90° clockwise to show it upright.
    checked = check_upload("Seite.jpg", "", corpus.jpeg((40, 30), orientation=6))
    after = _reopen(checked.data)
    assert after.size == (30, 40)
    assert (checked.width, checked.height) == (40, 30)  # as stored in the original's header
    # The dark corner was top left in the stored pixels; rotated clockwise it is top right.
    assert sum(after.getpixel((27, 2))) < 60 and sum(after.getpixel((2, 2))) > 200


def test_a_palette_png_with_transparency_keeps_it_as_rgba() -> None:
    image = Image.new("P", (10, 10), 1)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    out = io.BytesIO()
    image.save(out, "PNG", transparency=0)
    checked = check_upload("Stempel.png", "", out.getvalue())
    after = _reopen(checked.data)
    assert after.mode == "RGBA" and after.getpixel((0, 0)) == (255, 0, 0, 255)


@pytest.mark.parametrize(
    "build",
    [corpus.pdf, corpus.pdf_with_destination_open_action],
    ids=["plain", "open-at-page-1-fit"],
)
def test_a_pdf_is_kept_byte_for_byte(build: object) -> None:
    assert callable(build)
    original = build()
    checked = check_upload("Handelsregisterauszug.pdf", "application/pdf", original)
    assert checked.data == original and not checked.reencoded
    assert checked.kind is FileKind.PDF and checked.pages == 1
    assert checked.content_type == "application/pdf"


def test_the_limits_are_the_callers() -> None:
    limits = UploadLimits(max_file_bytes=1000, max_pixels=100)
    with pytest.raises(errors.FileTooLarge):
        check_upload("a.pdf", "", corpus.pdf() + b"\n" * 1000, limits=limits)
    assert check_upload("a.pdf", "", corpus.pdf(), limits=limits).pages == 1
    with pytest.raises(errors.ImageTooManyPixels):
        check_upload("a.png", "", corpus.png((11, 10)), limits=limits)
    assert check_upload("a.png", "", corpus.png((10, 10)), limits=limits).width == 10
