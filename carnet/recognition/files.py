"""Checking evidence files before they are stored. Everything uploaded is hostile until checked: the
size is capped, the type is read from the content (never from the name or the browser's claim),
images are decoded and re-encoded (which drops their metadata, such as a phone's GPS position), and
only a short list of types is accepted. SVG and HTML are refused: they can carry scripts."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Final

from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

MAX_FILE_BYTES: Final = 10 * 1024 * 1024
MAX_FILES_PER_REQUEST: Final = 20
MAX_BYTES_PER_REQUEST: Final = 50 * 1024 * 1024
MAX_IMAGE_PIXELS: Final = 40_000_000

OFFICE_TYPES: Final = {
    "word/document.xml": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "ppt/presentation.xml": (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    "xl/workbook.xml": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
OPEN_DOCUMENT_TYPES: Final = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.presentation": "odp",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
}


class EvidenceFileError(ValueError):
    """A file that is refused; the message says why and what to do, for the person who sent it."""


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    extension: str
    content_type: str

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


def download_name(name: str, stored: str) -> str:
    """The name a checked file downloads under: the one the person gave (``name``), with the extension
    of the type its content was checked to be (that of ``stored``, the file as kept). "lettre.html"
    whose content was plain text downloads as "lettre.txt": never opened by the reader's computer as
    what its first name claimed."""
    extension = stored.rsplit("/", 1)[-1].rpartition(".")[2].lower()
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    if "." in base.lstrip("."):
        base = base.rpartition(".")[0]
    return f"{base.strip() or 'document'}.{extension or 'bin'}"


def check_evidence_file(data: bytes) -> CheckedFile:
    """The file as it will be stored, or ``EvidenceFileError``."""
    if len(data) > MAX_FILE_BYTES:
        raise EvidenceFileError(
            _(
                "Ce fichier dépasse %(size)s Mo. Réduisez-le (par exemple en PDF compressé) ou ajoutez un lien."
            )
            % {"size": MAX_FILE_BYTES // (1024 * 1024)}
        )
    if not data:
        raise EvidenceFileError(_("Ce fichier est vide."))
    if data.startswith(b"%PDF-"):
        return CheckedFile(data, "pdf", "application/pdf")
    if data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")) or (
        data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    ):
        return _reencode_image(data)
    if data.startswith(b"PK\x03\x04"):
        return _office_document(data)
    return _plain_text(data)


def _reencode_image(data: bytes) -> CheckedFile:
    unreadable = EvidenceFileError(
        _("Cette image est illisible ou abîmée. Essayez de l'enregistrer de nouveau.")
    )
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise EvidenceFileError(_("Cette image est trop grande. Réduisez ses dimensions."))
            image.load()
            keep_png = image.format in {"PNG", "GIF"} or image.mode in {"RGBA", "LA", "P"}
            image = image.convert("RGBA" if keep_png else "RGB")
            out = io.BytesIO()
            if keep_png:
                image.save(out, format="PNG", optimize=True)
                return CheckedFile(out.getvalue(), "png", "image/png")
            image.save(out, format="JPEG", quality=88)
            return CheckedFile(out.getvalue(), "jpg", "image/jpeg")
    except EvidenceFileError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise unreadable from exc


def _office_document(data: bytes) -> CheckedFile:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if len(names) > 2000 or sum(info.file_size for info in archive.infolist()) > 20 * MAX_FILE_BYTES:
                raise EvidenceFileError(_("Ce document est trop volumineux une fois décompressé."))
            for member, (extension, content_type) in OFFICE_TYPES.items():
                if member in names and "[Content_Types].xml" in names:
                    return CheckedFile(data, extension, content_type)
            if "mimetype" in names:
                mimetype = archive.read("mimetype")[:100]
                if mimetype in OPEN_DOCUMENT_TYPES:
                    return CheckedFile(data, OPEN_DOCUMENT_TYPES[mimetype], mimetype.decode())
    except zipfile.BadZipFile:
        pass
    raise _unsupported()


def _plain_text(data: bytes) -> CheckedFile:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise _unsupported() from None
    head = text[:1024].lstrip().lower()
    if head.startswith(("<!doctype", "<html", "<svg", "<?xml", "<script")) or "\x00" in text:
        raise _unsupported()
    return CheckedFile(data, "txt", "text/plain; charset=utf-8")


def _unsupported() -> EvidenceFileError:
    return EvidenceFileError(
        _(
            "Ce type de fichier n'est pas accepté. Envoyez un PDF, une image (JPEG, PNG, WebP, GIF), un "
            "document Word, LibreOffice ou texte, ou ajoutez plutôt un lien."
        )
    )
