"""Small but genuine files of every accepted kind, and impostors, made in memory."""

import functools
import io
import struct
import zipfile
import zlib

from openpyxl import Workbook


def pdf() -> bytes:
    body = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    body += b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    return body


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def jpeg() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 32 + b"\xff\xd9"


def gif() -> bytes:
    return b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"


def webp() -> bytes:
    payload = b"VP8L" + struct.pack("<I", 5) + b"\x2f\x00\x00\x00\x00\x00"
    return b"RIFF" + struct.pack("<I", 4 + len(payload)) + b"WEBP" + payload


def ooxml(main_part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        archive.writestr(main_part, '<?xml version="1.0"?><document/>')
    return buffer.getvalue()


def docx() -> bytes:
    return ooxml("word/document.xml")


def pptx() -> bytes:
    return ooxml("ppt/presentation.xml")


@functools.cache
def xlsx() -> bytes:
    """A real workbook, as openpyxl writes it (once: its zip carries the time it was made)."""
    book = Workbook()
    book.active["A1"] = "总投资（亿元）"
    book.active["B1"] = 20
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def ole2(stream: str) -> bytes:
    """An OLE2 compound file whose directory names ``stream`` (WordDocument, Workbook)."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff\x09\x00"
    header = header.ljust(512, b"\x00")
    entry = stream.encode("utf-16-le") + b"\x00\x00"
    entry = entry.ljust(64, b"\x00") + struct.pack("<H", len(stream) * 2 + 2) + b"\x02"
    return header + b"\x00" * 512 + entry.ljust(128, b"\x00")


def doc() -> bytes:
    return ole2("WordDocument")


def xls() -> bytes:
    return ole2("Workbook")


# Files that must be refused whatever they are called.
def exe() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120 + b"PE\x00\x00"


def html() -> bytes:
    return "<html><script>alert('x')</script>招商</html>".encode()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")  # no [Content_Types].xml
    return buffer.getvalue()


def broken_zip() -> bytes:
    return b"PK\x03\x04" + b"\x00" * 40


def msi() -> bytes:
    """An installer package: an OLE2 file, but no Office document."""
    return ole2("\x05SummaryInformation")
