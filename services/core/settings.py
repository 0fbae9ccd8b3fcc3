"""Deployment settings: one pydantic-settings class read from GOVDATA_* environment variables."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "data"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GOVDATA_", extra="ignore")

    database_url: str = "sqlite:///data/govdata.db"
    language: str = "zh_CN"
    # Demo mode lists demo accounts on the sign-in page and does not force second-factor enrolment: off unless
    # GOVDATA_DEMO_MODE=true (`make run` sets it for the demo database).
    demo_mode: bool = False
    # Signs session tokens; taken from GOVDATA_SECRET_KEY or generated once into data/.secret_key.
    secret_key: str | None = None
    secret_key_file: Path = DATA_DIR / ".secret_key"
    # Keys the audit chain (HMAC-SHA256): GOVDATA_AUDIT_KEY or generated once into data/.audit_key. The chain's
    # checkpoint (last sequence number and keyed hash, purge anchor) is written beside the key unless
    # GOVDATA_AUDIT_CHECKPOINT_DIR names another place, one file per database.
    audit_key: str | None = None
    audit_key_file: Path = DATA_DIR / ".audit_key"
    audit_checkpoint_dir: Path | None = None
    # Signs backup manifests: GOVDATA_BACKUP_KEY or generated once into data/.backup_key.
    backup_key: str | None = None
    backup_key_file: Path = DATA_DIR / ".backup_key"
    attachment_dir: Path = DATA_DIR / "attachments"
    # Encrypts personal data of the public (correction reporters, open-data applicants) at rest (Fernet):
    # GOVDATA_PERSONAL_DATA_KEY or generated once
    # into data/.personal_data_key. Losing the key makes those names and contacts unreadable.
    personal_data_key: str | None = None
    personal_data_key_file: Path = DATA_DIR / ".personal_data_key"
    timezone: str = "Asia/Shanghai"

    # Sign-in and password policy (GB/T 22239-2019 level 3, application layer).
    lockout_threshold: int = 5
    lockout_window_minutes: int = 15
    lockout_minutes: int = 15
    idle_timeout_minutes: int = 30
    password_min_length: int = 10
    password_min_classes: int = 3
    password_max_age_days: int = 90
    bcrypt_rounds: int = Field(default=12, ge=4, le=16)
    # TOTP second factor: required for these roles once enrolled; enrolment itself is forced at sign-in
    # when totp_enforced is on and the deployment is not in demo mode.
    totp_roles: list[str] = ["sys_admin", "security_admin", "audit_admin", "bureau_reviewer"]
    totp_enforced: bool = True
    totp_ticket_seconds: int = 300
    audit_retention_days: int = Field(default=180, ge=180)

    page_size: int = 50
    # Reminders and the share-grant sweep run in the app once per local day (off when only cron should run them).
    daily_jobs_in_app: bool = True

    # Sharing: written applications attached to a request (PDF or image), access granted on unconditional
    # entries, and how early both sides are reminded that a grant ends.
    share_attachment_max_mb: float = Field(default=10.0, gt=0)
    share_unconditional_grant_days: int = Field(default=365, ge=1)
    share_expiry_notice_days: int = Field(default=10, ge=1)
    # Open data: public submissions per client and hour (counted in the database), captcha lifetime.
    open_submissions_per_hour: int = Field(default=5, ge=1)
    captcha_minutes: int = Field(default=10, ge=1)
    captcha_enabled: bool = True  # may be switched off in demo mode only (browser tests)
    # System interface (`make api`): the port uvicorn listens on, and the calls per minute a new client key gets.
    api_port: int = Field(default=8000, ge=1, le=65535)
    api_rate_limit: int = Field(default=120, ge=1)
    api_public_rate_limit: int = Field(default=60, ge=1)  # calls per minute per client address without a key

    def resolved_database_url(self) -> str:
        """SQLite paths in the default URL are relative to the project root, not the working directory."""
        url = self.database_url
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
            return prefix + str(ROOT / url[len(prefix):])
        return url

    def signing_key(self) -> str:
        return self.secret_key or _key_from_file(self.secret_key_file)

    def audit_signing_key(self) -> bytes:
        return (self.audit_key or _key_from_file(self.audit_key_file)).encode("utf-8")

    def backup_signing_key(self) -> bytes:
        return (self.backup_key or _key_from_file(self.backup_key_file)).encode("utf-8")

    def personal_data_secret(self) -> bytes:
        return (self.personal_data_key or _key_from_file(self.personal_data_key_file)).encode("utf-8")

    def resolved_checkpoint_dir(self) -> Path:
        return self.audit_checkpoint_dir or self.audit_key_file.parent


def _key_from_file(path: Path) -> str:
    """A key kept outside the database and the repository: read, or generated once (owner-only permissions)."""
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    tmp = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
    tmp.write_text(key, encoding="utf-8")
    tmp.chmod(0o600)
    try:
        os.link(tmp, path)  # never replaces a key another process generated meanwhile
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_text(encoding="utf-8").strip()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
