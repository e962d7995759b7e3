"""Test files built in code: small valid PDFs, PNGs and JPEGs, and the hostile variants of the
attack corpus (checklist U-02/U-03). Nothing here is stored in the repository as a file; the
EICAR test string is put together from two halves, so no file of the project trips a scanner."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

from PIL import Image, PngImagePlugin
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

#: The EICAR anti-virus test file (eicar.org), 68 bytes, in two halves.
EICAR = ("X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*").encode()
#: What the tests' metadata carries, to search for after re-encoding.
SECRET = "Geheim-GPS-50.1466N-7.1667E"


def _writer() -> PdfWriter:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    return writer


def _bytes(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _action(**entries: Any) -> DictionaryObject:
    action = DictionaryObject({NameObject("/Type"): NameObject("/Action")})
    for key, value in entries.items():
        action[NameObject(f"/{key}")] = value
    return action


def pdf(text: bytes = b"") -> bytes:
    """A one-page PDF; `text` goes into its (unfiltered) content stream as a comment."""
    writer = _writer()
    if text:
        content = DecodedStreamObject()
        content.set_data(b"% " + text + b"\n")
        page = writer.pages[0]
        page[NameObject("/Contents")] = writer._add_object(content)
    return _bytes(writer)


def pdf_with_javascript() -> bytes:
    """Document-level JavaScript (the catalog's /Names /JavaScript tree, ISO 32000-2 §7.7.4),
    which viewers run on opening without any /OpenAction."""
    writer = _writer()
    script = _action(S=NameObject("/JavaScript"), JS=TextStringObject("app.alert('Hallo');"))
    tree = DictionaryObject(
        {NameObject("/Names"): ArrayObject([TextStringObject("hallo"), writer._add_object(script)])}
    )
    writer._root_object[NameObject("/Names")] = DictionaryObject(
        {NameObject("/JavaScript"): writer._add_object(tree)}
    )
    return _bytes(writer)


def pdf_with_open_action() -> bytes:
    """Opens a web address as soon as the document is opened (an action, no JavaScript)."""
    writer = _writer()
    writer._root_object[NameObject("/OpenAction")] = _action(
        S=NameObject("/URI"), URI=TextStringObject("https://example.org/")
    )
    return _bytes(writer)


def pdf_with_destination_open_action() -> bytes:
    """/OpenAction [page /Fit]: a view, not an action (accepted)."""
    writer = _writer()
    writer._root_object[NameObject("/OpenAction")] = ArrayObject(
        [writer.pages[0].indirect_reference, NameObject("/Fit")]
    )
    return _bytes(writer)


def pdf_with_launch() -> bytes:
    """A link annotation whose action starts a program."""
    writer = _writer()
    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([NumberObject(n) for n in (0, 0, 100, 100)]),
            NameObject("/A"): _action(
                S=NameObject("/Launch"), F=TextStringObject("C:\\Windows\\System32\\calc.exe")
            ),
        }
    )
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])
    return _bytes(writer)


def pdf_with_additional_actions() -> bytes:
    """The page's /AA opens a web address when the page is shown."""
    writer = _writer()
    writer.pages[0][NameObject("/AA")] = DictionaryObject(
        {NameObject("/O"): _action(S=NameObject("/URI"), URI=TextStringObject("https://x.test/"))}
    )
    return _bytes(writer)


def pdf_with_embedded_file() -> bytes:
    writer = _writer()
    writer.add_attachment("rechnung.exe", b"MZ\x90\x00")
    return _bytes(writer)


def pdf_encrypted() -> bytes:
    writer = _writer()
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    return _bytes(writer)


def pdf_with_hidden_javascript() -> bytes:
    """JavaScript under names spelt with #xx escapes (ISO 32000-2 §7.3.5), which a byte search
    for "/JavaScript" would miss."""
    data = pdf_with_javascript()
    return data.replace(b"/JavaScript", b"/J#61vaScript").replace(b"/JS ", b"/J#53 ")


def png(size: tuple[int, int] = (40, 30), *, metadata: bool = False, mode: str = "RGB") -> bytes:
    image = Image.new(mode, size, "#3366aa" if mode != "P" else 3)
    out = io.BytesIO()
    kwargs: dict[str, Any] = {}
    if metadata:
        info = PngImagePlugin.PngInfo()
        info.add_text("Comment", SECRET)
        info.add_itxt("XML:com.adobe.xmp", f"<x:xmpmeta>{SECRET}</x:xmpmeta>")
        kwargs = {"pnginfo": info, "exif": _exif(), "icc_profile": _icc()}
    image.save(out, "PNG", **kwargs)
    return out.getvalue()


def jpeg(
    size: tuple[int, int] = (40, 30), *, metadata: bool = False, orientation: int = 0
) -> bytes:
    image = Image.new("RGB", size, "#aa6633")
    image.paste("#000000", (0, 0, size[0] // 4, size[1] // 4))  # a corner to see rotations by
    out = io.BytesIO()
    kwargs: dict[str, Any] = {}
    if metadata or orientation:
        exif = _exif()
        if orientation:
            exif[0x0112] = orientation
        kwargs["exif"] = exif
    if metadata:
        kwargs.update(
            icc_profile=_icc(),
            comment=SECRET.encode(),
            xmp=f"<x:xmpmeta>{SECRET}</x:xmpmeta>".encode(),
        )
    image.save(out, "JPEG", quality=85, **kwargs)
    return out.getvalue()


def _exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Kamerahersteller"  # Make
    exif[0x010E] = SECRET  # ImageDescription
    exif[0x013B] = "Max Mustermann"  # Artist
    return exif


def _icc() -> bytes:
    # An ICC profile only needs to survive as bytes for this test; its content is a marker.
    return b"\x00\x00\x00\x80lcms" + SECRET.encode() + b"\x00" * 80


# -- hostile files --------------------------------------------------------------------------


def jpeg_with_pdf_inside() -> bytes:
    """A JPEG whose comment segment holds a whole PDF: a JPEG for image viewers, a PDF for
    readers that look for the header anywhere in the first KiB (the classic polyglot)."""
    image = Image.new("RGB", (8, 8), "#ffffff")
    out = io.BytesIO()
    image.save(out, "JPEG", comment=pdf())
    return out.getvalue()


def png_with_html_inside() -> bytes:
    """A PNG whose text chunk is an HTML page (a browser sniffing it would run the script)."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Description", "<html><script>alert(document.cookie)</script></html>")
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_pixel_flood(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG whose header promises 10 gigapixels (a decompression bomb for a decoder that
    allocates what the header says)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + png_chunk(b"IEND", b"")
    )


def jpeg_pixel_flood() -> bytes:
    """A JPEG whose frame header (SOF0) claims 65535 × 65535 pixels."""
    data = bytearray(jpeg((16, 16)))
    sof = data.find(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", 65535, 65535)
    return bytes(data)


def png_with_bad_crc() -> bytes:
    data = bytearray(png())
    data[30] ^= 0xFF  # a byte of the IHDR chunk's CRC: the chunk no longer checks out
    return bytes(data)


def pdf_with_javascript_in_object_stream() -> bytes:
    """A PDF 1.5 whose catalog, with an /OpenAction running JavaScript, sits in a compressed
    object stream (ISO 32000-2 §7.5.7) behind a cross-reference stream (§7.5.8): no byte search
    sees it, only a parse that decompresses the stream."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R "
        b"/OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >> >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] >>",
    ]
    offsets, body = [], b""
    for obj in objects:
        offsets.append(len(body))
        body += obj + b"\n"
    pairs = zip((1, 2, 3), offsets, strict=True)
    header = b" ".join(b"%d %d" % pair for pair in pairs) + b"\n"
    packed = zlib.compress(header + body)
    out = b"%PDF-1.5\n"
    stream_at = len(out)
    out += (
        b"4 0 obj\n<< /Type /ObjStm /N 3 /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
        % (len(header), len(packed))
        + packed
        + b"\nendstream\nendobj\n"
    )
    xref_at = len(out)
    rows = [(0, 0, 65535), (2, 4, 0), (2, 4, 1), (2, 4, 2), (1, stream_at, 0), (1, xref_at, 0)]
    table = b"".join(struct.pack(">BIH", *row) for row in rows)
    out += (
        b"5 0 obj\n<< /Type /XRef /Size 6 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n"
        % len(table)
        + table
        + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_at
    )
    return out


def pdf_with_unlisted_javascript() -> bytes:
    """A PDF with a JavaScript action object that its cross-reference table does not list: a
    parser trusting the table never sees it, one that rebuilds the table (because it finds
    something else broken) does."""
    data = pdf()
    orphan = b"99 0 obj\n<< /Type /Action /S /JavaScript /JS (app.alert\\(1\\)) >>\nendobj\n"
    xref = data.rindex(b"\nxref\n") + 1
    startxref = data.rindex(b"startxref\n")
    old_offset = int(data[startxref + 10 :].split(b"\n", 1)[0])
    patched = data[:xref] + orphan + data[xref:startxref]
    return patched + b"startxref\n%d\n%%%%EOF\n" % (old_offset + len(orphan))
