"""Decode an image and encode it again from its pixels alone (DESIGN §8; checklist U-02, U-04).

Pillow decodes the whole image (a decoder error or a short file makes it unreadable), the EXIF
orientation is applied first so a photographed page stays upright, and a new image is built from
the pixel data only. Nothing of the original file survives: no EXIF (camera, GPS position), XMP,
ICC profile, comment, PNG text chunk, thumbnail, nor anything a second format hid in them. The
size in pixels was checked from the headers before this point (`detect.py`), so a pixel flood
never reaches the decoder.

PNG stays PNG (lossless; palette and transparency become RGB(A)); JPEG stays JPEG at quality
90, in RGB or grey (CMYK, whose Adobe variants viewers invert differently, becomes RGB). Without
its ICC profile a wide-gamut photo (Display P3) shows slightly duller colours; for documents that
is no loss, and a profile is exactly the kind of opaque blob that is dropped.
"""

from __future__ import annotations

import io

from PIL import Image, ImageOps

from servicekonto.uploads import errors
from servicekonto.uploads.detect import FileKind, Where

JPEG_QUALITY = 90
_PNG_MODES = frozenset({"1", "L", "LA", "RGB", "RGBA", "I", "I;16"})
_JPEG_MODES = frozenset({"L", "RGB"})
_PILLOW_FORMAT = {FileKind.PNG: "PNG", FileKind.JPEG: "JPEG"}


def reencode(data: bytes, kind: FileKind, where: Where) -> bytes:
    """The image in `data` encoded afresh without any metadata."""
    try:
        with Image.open(io.BytesIO(data), formats=[_PILLOW_FORMAT[kind]]) as opened:
            opened.load()
            image = ImageOps.exif_transpose(opened) or opened
            clean = _pixels_only(image, kind)
    except errors.UploadRefused:
        raise
    except Exception as exc:  # any decoder failure on hostile input: unreadable, not 500
        raise where.refuse(errors.FileUnreadable) from exc
    out = io.BytesIO()
    if kind is FileKind.PNG:
        clean.save(out, "PNG", optimize=False, compress_level=6)
    else:
        # No `optimize`: its extra pass costs three times the encoding for a few per cent.
        clean.save(out, "JPEG", quality=JPEG_QUALITY)
    return out.getvalue()


def _pixels_only(image: Image.Image, kind: FileKind) -> Image.Image:
    """A new image with the same pixels and an empty `info` (no metadata to write)."""
    if kind is FileKind.PNG:
        if image.mode in ("P", "PA") or "transparency" in image.info:
            has_alpha = image.mode in ("PA", "LA", "RGBA") or "transparency" in image.info
            image = image.convert("RGBA" if has_alpha else "RGB")
        elif image.mode not in _PNG_MODES:
            image = image.convert("RGB")
    elif image.mode not in _JPEG_MODES:
        image = image.convert("RGB")
    return Image.frombytes(image.mode, image.size, image.tobytes())
