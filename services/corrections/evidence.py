"""Evidence attached to a correction (PDF or image, recognised by its first bytes), kept under
settings.attachment_dir/correction/. The files may show personal data, so they are stored encrypted with the
personal-data key; the row keeps the SHA-256 of the plain file, checked on read."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePath

from sqlmodel import Session

from models import Attachment
from services.core import personal_data
from services.core.errors import NotFound, ValidationError
from services.core.i18n import gettext as _
from services.core.settings import get_settings

OWNER_KIND = "correction"
SIGNATURES = ((b"%PDF-", "application/pdf", ".pdf"), (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
              (b"\xff\xd8\xff", "image/jpeg", ".jpg"))
MAX_FILES = 5


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes


def check(uploads: list[Upload]) -> list[tuple[Upload, str, str]]:
    """Type and size of every file before anything is written: (upload, content type, extension)."""
    if len(uploads) > MAX_FILES:
        raise ValidationError({"evidence": _("Attach at most {n} files.", n=MAX_FILES)})
    limit = int(get_settings().share_attachment_max_mb * 1024 * 1024)
    checked = []
    for upload in uploads:
        if not upload.content:
            raise ValidationError({"evidence": _("The attached file is empty.")})
        if len(upload.content) > limit:
            raise ValidationError({"evidence": _("The attached file is {size} MB; at most {limit} MB is accepted.",
                                                 size=f"{len(upload.content) / 1024 / 1024:.1f}",
                                                 limit=f"{get_settings().share_attachment_max_mb:g}")})
        kind = next(((c, e) for magic, c, e in SIGNATURES if upload.content.startswith(magic)), None)
        if kind is None:
            raise ValidationError({"evidence": _("Attach evidence as PDF, PNG or JPEG files.")})
        checked.append((upload, kind[0], kind[1]))
    return checked


def store(session: Session, checked: list[tuple[Upload, str, str]], *, owner_id: int, uploaded_by: int | None,
          written: list[Path], owner_kind: str = OWNER_KIND) -> None:
    """Encrypt each checked file to the store and add its row; the caller deletes `written` if it rolls back.
    Other domains (assessment scores) keep their evidence the same way under their own owner_kind."""
    for upload, content_type, ext in checked:
        digest = hashlib.sha256(upload.content).hexdigest()
        relative = Path(owner_kind) / digest[:2] / f"{digest}-{uuid.uuid4().hex[:12]}{ext}.enc"
        target = get_settings().attachment_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(personal_data.encrypt_bytes(upload.content))
        written.append(target)
        name = PurePath(upload.filename or "").name.strip() or f"evidence{ext}"
        session.add(Attachment(owner_kind=owner_kind, owner_id=owner_id, filename=name[-200:],
                               content_type=content_type, size=len(upload.content), sha256=digest,
                               stored_path=str(relative), uploaded_by=uploaded_by))


def discard(written: list[Path]) -> None:
    for path in written:
        path.unlink(missing_ok=True)


def read(row: Attachment) -> bytes:
    path = get_settings().attachment_dir / row.stored_path
    if not path.exists():
        raise NotFound(_("The attached file is missing from the file store."))
    content = personal_data.decrypt_bytes(path.read_bytes())
    if hashlib.sha256(content).hexdigest() != row.sha256:
        raise ValidationError({"attachment": _("The attached file was altered after it was uploaded.")})
    return content
