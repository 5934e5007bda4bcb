"""Runtime settings, read from ``TOCSIN_*`` environment variables and command-line flags."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# Change records are kept at least this long after they arrive.
MIN_CHANGE_RETENTION_DAYS = 90
# Raw alert events (the payloads senders posted) are kept at least this long.
MIN_ALERT_EVENT_RETENTION_DAYS = 7


class Settings(BaseSettings):
    """Everything a Tocsin process needs to know before it touches the database."""

    model_config = SettingsConfigDict(env_prefix="TOCSIN_", extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default is SQLite at DATA_DIR/tocsin.db",
    )
    data_dir: Path = Field(default=Path("."), description="where the default SQLite file lives")
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    log_json: bool = False
    log_level: str = "info"
    public_url: str | None = Field(
        default=None, description="base URL users reach Tocsin at (for ingest URLs)"
    )
    ssl_certfile: Path | None = Field(default=None, description="serve HTTPS with this cert")
    ssl_keyfile: Path | None = Field(default=None, description="private key for ssl_certfile")
    sqlite_synchronous: str = Field(
        default="FULL", description="FULL is durable against power loss; NORMAL only on crash"
    )
    role: Literal["all", "api", "worker"] = Field(
        default="all",
        description="all: everything; api: HTTP (ingest, API, links) only; worker: timers "
        "(escalations, heartbeats, sweeps) and the delivery of pages only (PostgreSQL)",
    )
    clock_file: Path | None = Field(
        default=None,
        description="tests and demos only: the server's clock is the instant in this file",
    )
    max_batch: int = Field(default=512, ge=1, description="events per group commit, at most")
    payload_store_limit: int = Field(
        default=65536, ge=1024, description="bytes of raw payload kept per event"
    )
    change_retention_days: int = Field(
        default=400,
        ge=MIN_CHANGE_RETENTION_DAYS,
        description=f"days change records are kept (at least {MIN_CHANGE_RETENTION_DAYS})",
    )
    opsgenie_request_retention_days: int = Field(
        default=30, ge=1, description="days Opsgenie request-status records are kept"
    )
    alert_event_retention_days: int = Field(
        default=90,
        ge=MIN_ALERT_EVENT_RETENTION_DAYS,
        description="days raw alert events are kept (alerts and incidents are kept)",
    )
    # Email (SMTP). Unset host or sender: the email channel is not configured.
    smtp_host: str | None = Field(default=None, description="SMTP server that sends email")
    smtp_port: int = Field(default=587, ge=1, le=65535, description="SMTP server port")
    smtp_from: str | None = Field(default=None, description="sender address of Tocsin's email")
    smtp_username: str | None = Field(default=None, description="SMTP login, if it needs one")
    # Plain str, not SecretStr: `serve --workers` hands settings to workers as text.
    smtp_password: str | None = Field(default=None, description="password for smtp_username")
    smtp_starttls: bool = Field(
        default=True, description="upgrade to TLS before sending (off only for a local relay)"
    )
    # A second SMTP relay, tried when the first fails (same sender, TOCSIN_SMTP_FROM).
    smtp_fallback_host: str | None = Field(
        default=None, description="SMTP relay tried when TOCSIN_SMTP_HOST fails"
    )
    smtp_fallback_port: int = Field(default=587, ge=1, le=65535, description="its port")
    smtp_fallback_username: str | None = Field(default=None, description="its login, if any")
    smtp_fallback_password: str | None = Field(default=None, description="its password")
    smtp_fallback_starttls: bool = Field(default=True, description="STARTTLS to it")
    # Circuit breakers (one per provider, shared by every worker through the database).
    breaker_failures: int = Field(
        default=5, ge=1, description="failures in a row, within breaker_window, that open it"
    )
    breaker_window: float = Field(
        default=60.0, gt=0, description="seconds in which those failures must fall"
    )
    breaker_cool_down: float = Field(
        default=60.0, gt=0, description="seconds an open breaker skips its provider"
    )
    # Bundling and rate limits (notify.bundling): what an alert storm may send one person.
    bundle_window: float = Field(
        default=30.0,
        ge=0,
        description="seconds after a page to a contact method in which more pages to it "
        "wait and go out as one (0: no bundling)",
    )
    user_page_limit: int = Field(
        default=20, ge=1, description="messages to one user per user_page_limit_window"
    )
    user_page_limit_window: float = Field(
        default=600.0, gt=0, description="seconds over which user_page_limit counts"
    )

    def resolved_database_url(self) -> str:
        """The database URL in force: the explicit one, or SQLite in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'tocsin.db').resolve()}"

    def base_url(self) -> str:
        """Where users reach this server, for printing ingest URLs."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        scheme = "https" if self.ssl_certfile else "http"
        return f"{scheme}://{host}:{self.port}"
