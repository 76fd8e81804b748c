"""What an uploaded file is, and a clean copy of it to store.

Nothing about an upload is taken on trust: not its name, not the type the browser sent. The
bytes are sniffed (``sniff``); the name's extension and the declared type must agree with what
the bytes are, and a file that is two things at once (an image or PDF with a ZIP archive
behind it, markup inside an image) is refused. Images are then decoded and encoded again with
Pillow: only the pixels survive, so EXIF (camera, place, author), comments, colour-profile
payloads and anything appended after the image are gone. A picture bigger than
``max_pixels`` is refused from its header, before it is decoded (a decompression bomb).
Office documents lose their property parts and PDFs are written again by pypdf without their
document information and XMP metadata (and without earlier revisions): an attachment to an
anonymous post must not name its writer.

Every refusal is an ``Invalid`` with a code (``attachment_*``) and a sentence for the person.
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject

from mentoring.core.errors import Invalid

JPEG, PNG, GIF, WEBP = "image/jpeg", "image/png", "image/gif", "image/webp"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMAGE_TYPES = {JPEG: "JPEG", PNG: "PNG", GIF: "GIF", WEBP: "WEBP"}
EXTENSIONS = {
    JPEG: (".jpg", ".jpeg"),
    PNG: (".png",),
    GIF: (".gif",),
    WEBP: (".webp",),
    PDF: (".pdf",),
    DOCX: (".docx",),
    PPTX: (".pptx",),
    XLSX: (".xlsx",),
}
# An Office Open XML file is a ZIP whose main part says which kind it is.
_OOXML_MAIN_PART = {
    DOCX: "word/document.xml",
    PPTX: "ppt/presentation.xml",
    XLSX: "xl/workbook.xml",
}
# Declared types a browser or client sends when it does not know: they say nothing.
_UNKNOWN_DECLARED = {"", "application/octet-stream", "binary/octet-stream"}
# Markup that has no business inside an image (a browser sniffing it might run it).
_MARKUP = re.compile(rb"<\s*(script|html|svg|iframe|object|embed|body)\b|<\?php", re.IGNORECASE)
_SAFE_NAME = re.compile(r"[^\w.\- ]+")


@dataclass(frozen=True)
class CleanFile:
    """What to store: the bytes, their type, a safe file name, and an image's size."""

    content: bytes
    content_type: str
    name: str
    is_image: bool
    width: int | None = None
    height: int | None = None


def _refuse(code: str, message: str) -> Invalid:
    return Invalid(f"attachment_{code}", message, field="attachments")


def sniff(head: bytes, data: bytes) -> str | None:
    """The type the bytes are (one of ``EXTENSIONS``), from their magic numbers; None if none."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError):
            return None
        if "[Content_Types].xml" not in names:
            return None
        for kind, part in _OOXML_MAIN_PART.items():
            if part in names:
                return kind
    return None


def safe_name(name: str, *, extension: str) -> str:
    """A file name fit for a URL and a download: letters, digits, ``._- `` only, at most 100
    characters, ending in ``extension``."""
    stem = name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    stem = _SAFE_NAME.sub("-", stem).strip(" .-")[:90] or "attachment"
    return stem.replace(" ", "-") + extension


def clean_upload(
    *, name: str, declared_type: str, data: bytes, allowed: list[str], max_pixels: int
) -> CleanFile:
    """Check ``data`` (an upload called ``name``, sent as ``declared_type``) and return what to
    store; ``Invalid`` (nothing stored) when it is not what it says, not allowed, or a bomb."""
    kind = sniff(data[:16], data)
    if kind is None:
        raise _refuse(
            "type_not_allowed",
            f"“{name}” is not a file Staffroom takes: attach an image (JPEG, PNG, GIF, WebP) "
            "or a PDF, Word, PowerPoint or Excel document.",
        )
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    declared = (declared_type or "").split(";")[0].strip().lower()
    if extension not in EXTENSIONS[kind] or declared not in _UNKNOWN_DECLARED | {kind}:
        raise _refuse(
            "type_mismatch",
            f"“{name}” is not what its name or type says it is: its contents are "
            f"{type_label(kind)}. Save it with the right type and attach it again.",
        )
    if kind not in allowed:
        raise _refuse("type_not_allowed", f"Files of type {kind} cannot be attached here.")
    if kind not in _OOXML_MAIN_PART and _is_zip_inside(data):
        raise _refuse(
            "polyglot",
            f"“{name}” has an archive hidden in it (it is two files at once), so it is refused.",
        )
    if kind in IMAGE_TYPES:
        if _MARKUP.search(data):
            raise _refuse("polyglot", f"“{name}” has web page code hidden in it, so it is refused.")
        return _reencode(name=name, data=data, kind=kind, max_pixels=max_pixels)
    if kind in _OOXML_MAIN_PART:
        data = _without_ooxml_properties(name, data)
    elif kind == PDF:
        data = _without_pdf_properties(name, data)
    return CleanFile(
        content=data, content_type=kind, name=safe_name(name, extension=extension), is_image=False
    )


def type_label(kind: str) -> str:
    """``image/jpeg`` → "JPEG", a Word document's type → "DOCX"."""
    return {DOCX: "DOCX", PPTX: "PPTX", XLSX: "XLSX"}.get(kind, kind.rsplit("/", 1)[-1].upper())


def _is_zip_inside(data: bytes) -> bool:
    """A ZIP archive (its end-of-directory record) anywhere in ``data``: a "GIFAR" or a PDF
    that is also a JAR. Any such file is refused rather than guessed about."""
    return b"PK\x05\x06" in data and zipfile.is_zipfile(io.BytesIO(data))


# An Office document's properties (author, last editor, company, manager) emptied: an
# attachment to an anonymous post must not name its writer.
_EMPTY_PARTS = {
    "docprops/core.xml": b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    b'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"/>',
    "docprops/app.xml": b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'extended-properties"/>',
    "docprops/custom.xml": b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'custom-properties"/>',
}


def _without_ooxml_properties(name: str, data: bytes) -> bytes:
    """The document again with its property parts emptied; refused if it carries macros."""
    out = io.BytesIO()
    try:
        with (
            zipfile.ZipFile(io.BytesIO(data)) as archive,
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as clean,
        ):
            for info in archive.infolist():
                part = info.filename.lower()
                if part.endswith("vbaproject.bin"):
                    raise _refuse(
                        "active_content",
                        f"“{name}” contains macros, so it is refused: save it without them.",
                    )
                if info.file_size > 200 * 1024 * 1024:  # a ZIP bomb
                    raise _refuse("too_large", f"“{name}” unpacks to far too much.")
                clean.writestr(info.filename, _EMPTY_PARTS.get(part) or archive.read(info))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _refuse("unreadable", f"“{name}” could not be read: it may be damaged.") from None
    return out.getvalue()


def _without_pdf_properties(name: str, data: bytes) -> bytes:
    """The PDF written again without its document information (author, title, producer…) and
    XMP metadata. Only objects the document still refers to are written, so neither the removed
    properties nor earlier revisions of an incrementally saved file survive."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise _refuse(
                "encrypted",
                f"“{name}” is protected by a password, so it cannot be checked: save it without "
                "the password and attach it again.",
            )
        writer = PdfWriter(clone_from=reader)
        writer.metadata = None
        writer.root_object.pop(NameObject("/Metadata"), None)
        writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
        out = io.BytesIO()
        writer.write(out)
    except Invalid:
        raise
    except Exception:  # pypdf raises many kinds on a damaged file; all mean the same here
        raise _refuse("unreadable", f"“{name}” could not be read: it may be damaged.") from None
    return out.getvalue()


def _reencode(*, name: str, data: bytes, kind: str, max_pixels: int) -> CleanFile:
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb guard warns (then errs at twice its limit): both are refusals.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format != IMAGE_TYPES[kind]:
                raise _refuse("unreadable", f"“{name}” is not a readable {type_label(kind)} image.")
            width, height = image.size
            if width * height > max_pixels:
                raise _refuse(
                    "image_too_large",
                    f"“{name}” is {width:,} × {height:,} pixels; images can have at most "
                    f"{max_pixels:,} pixels. Make it smaller and attach it again.",
                )
            image.load()
            image = ImageOps.exif_transpose(image)  # keep it the right way up, then drop EXIF
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse("image_too_large", f"“{name}” is too large an image to open.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise _refuse(
            "unreadable", f"“{name}” could not be read as an image: it may be damaged."
        ) from None
    out = io.BytesIO()
    if kind == JPEG:
        clean = image.convert("RGB")
        clean.info = {}
        clean.save(out, "JPEG", quality=88, optimize=True)
    elif kind == WEBP:
        clean = image.convert("RGBA" if "A" in image.getbands() else "RGB")
        clean.info = {}
        clean.save(out, "WEBP", quality=88)
    elif kind == GIF:  # the first frame only: an animation is many images to check
        image.seek(0)
        transparency = image.info.get("transparency")
        clean = image.copy()
        clean.info = {"transparency": transparency} if transparency is not None else {}
        clean.save(out, "GIF")
    else:
        mode = image.mode if image.mode in ("1", "L", "LA", "P", "RGB", "RGBA") else "RGBA"
        clean = image.convert(mode)
        transparency = image.info.get("transparency") if mode == "P" else None
        clean.info = {"transparency": transparency} if transparency is not None else {}
        clean.save(out, "PNG", optimize=True)
    extension = EXTENSIONS[kind][0]
    return CleanFile(
        content=out.getvalue(),
        content_type=kind,
        name=safe_name(name, extension=extension),
        is_image=True,
        width=clean.width,
        height=clean.height,
    )
