"""Written applications attached to share requests: PDF or image files kept under settings.attachment_dir,
addressed by their SHA-256 so the database row can always be checked against the file."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePath

from sqlmodel import Session

from models.sharing import Attachment
from services.core.errors import NotFound, ValidationError
from services.core.i18n import gettext as _
from services.core.settings import get_settings

OWNER_KIND = "share_request"
# Recognised by their first bytes, never by the name or the browser's claim.
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)
MAX_NAME = 200


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes


@dataclass(frozen=True)
class CheckedUpload:
    filename: str
    content: bytes
    content_type: str
    extension: str
    sha256: str


def max_bytes() -> int:
    return int(get_settings().share_attachment_max_mb * 1024 * 1024)


def check(upload: Upload) -> CheckedUpload:
    """Validate type and size before anything is written."""
    size = len(upload.content)
    if size == 0:
        raise ValidationError({"attachment": _("The attached file is empty.")})
    if size > max_bytes():
        raise ValidationError({"attachment": _(
            "The attached file is {size} MB; at most {limit} MB is accepted.",
            size=f"{size / 1024 / 1024:.1f}", limit=f"{get_settings().share_attachment_max_mb:g}")})
    kind = next(((ctype, ext) for magic, ctype, ext in SIGNATURES if upload.content.startswith(magic)), None)
    if kind is None:
        raise ValidationError({"attachment": _("Attach the written application as a PDF, PNG or JPEG file.")})
    content_type, ext = kind
    name = PurePath(upload.filename or "").name.strip() or f"application{ext}"
    return CheckedUpload(name[-MAX_NAME:], upload.content, content_type, ext,
                         hashlib.sha256(upload.content).hexdigest())


def _path_for(sha256: str, ext: str) -> Path:
    # A random suffix keeps two uploads of the same file apart, so removing one never removes the other.
    return Path(OWNER_KIND) / sha256[:2] / f"{sha256}-{uuid.uuid4().hex[:12]}{ext}"


def store(session: Session, checked: CheckedUpload, *, owner_id: int, uploaded_by: int | None,
          written: list[Path]) -> Attachment:
    """Write the file and add its row to the caller's transaction. The written path is appended to `written`
    so the caller can remove the file when the transaction does not commit."""
    relative = _path_for(checked.sha256, checked.extension)
    target = get_settings().attachment_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".part")
    tmp.write_bytes(checked.content)
    tmp.replace(target)
    written.append(target)
    row = Attachment(owner_kind=OWNER_KIND, owner_id=owner_id, filename=checked.filename,
                     content_type=checked.content_type, size=len(checked.content), sha256=checked.sha256,
                     stored_path=str(relative), uploaded_by=uploaded_by)  # type: ignore[arg-type]
    session.add(row)
    return row


def discard(written: list[Path]) -> None:
    """Remove files written by a transaction that did not commit."""
    for path in written:
        path.unlink(missing_ok=True)


def read(row: Attachment) -> bytes:
    """The file's bytes, refused when the file is missing or no longer matches its recorded SHA-256."""
    path = get_settings().attachment_dir / row.stored_path
    if not path.exists():
        raise NotFound(_("The attached file is missing from the file store."))
    content = path.read_bytes()
    if hashlib.sha256(content).hexdigest() != row.sha256:
        raise ValidationError({"attachment": _("The attached file was altered after it was uploaded.")})
    return content
