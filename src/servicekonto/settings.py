"""One validated Settings object, read from `SERVICEKONTO_*` environment variables (DESIGN §6 #7).

Every field is documented in the README's configuration table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.utils import parseaddr
from ipaddress import ip_address, ip_network
from pathlib import Path
from typing import Literal, Self
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from servicekonto.errors import ConfigurationError

#: Values shipped in examples and dev mode; refused outside dev mode.
PLACEHOLDER_SECRETS = frozenset(
    {"", "change-me", "changeme", "secret", "dev-secret-key-not-for-production"}
)
DEV_SECRET_KEY = "dev-secret-key-not-for-production"
DEFAULT_MAIL_FROM = "ServiceKonto <no-reply@servicekonto.invalid>"

TlsMode = Literal["implicit", "starttls", "off"]


@dataclass(frozen=True)
class SmtpRelay:
    """`SERVICEKONTO_SMTP_URL`, parsed and checked. The password never appears in its repr
    (nor in `masked`, the form for log lines and error messages)."""

    host: str
    port: int
    tls: TlsMode
    username: str = ""
    password: str = field(default="", repr=False)

    @property
    def masked(self) -> str:
        scheme = "smtps" if self.tls == "implicit" else "smtp"
        user = f"{quote(self.username, safe='')}:***@" if self.username else ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        query = "?starttls=off" if self.tls == "off" else ""
        return f"{scheme}://{user}{host}:{self.port}{query}"


def parse_smtp_url(url: str, *, dev_mode: bool) -> SmtpRelay:
    """`smtp://[user:pass@]host[:587]` (STARTTLS required), `smtps://[user:pass@]host[:465]`
    (implicit TLS), `smtp://host:25?starttls=off` (plain, dev mode only). User and password are
    percent-decoded. Errors never quote the URL: it may carry the password."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("smtp", "smtps"):
        raise ConfigurationError("SERVICEKONTO_SMTP_URL must start with smtp:// or smtps://")
    try:
        port = parts.port
    except ValueError:
        raise ConfigurationError("SERVICEKONTO_SMTP_URL has an invalid port") from None
    if not parts.hostname:
        raise ConfigurationError("SERVICEKONTO_SMTP_URL names no host")
    if parts.path not in ("", "/") or parts.fragment:
        raise ConfigurationError("SERVICEKONTO_SMTP_URL must not have a path or fragment")
    tls: TlsMode = "implicit" if scheme == "smtps" else "starttls"
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key != "starttls" or value not in ("on", "off"):
            raise ConfigurationError(
                "SERVICEKONTO_SMTP_URL: the only query parameter is starttls=on|off"
            )
        if value == "off":
            if scheme == "smtps":
                raise ConfigurationError("SERVICEKONTO_SMTP_URL: smtps:// is always TLS")
            if not dev_mode:
                raise ConfigurationError(
                    "SERVICEKONTO_SMTP_URL: starttls=off (mail in plain text) only in dev mode"
                )
            tls = "off"
    username = unquote(parts.username or "")
    password = unquote(parts.password or "")
    if bool(username) != bool(password):
        raise ConfigurationError("SERVICEKONTO_SMTP_URL: give both user and password, or none")
    return SmtpRelay(
        host=parts.hostname,
        port=port or (465 if tls == "implicit" else 587),
        tls=tls,
        username=username,
        password=password,
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SERVICEKONTO_", extra="ignore")

    dev_mode: bool = Field(
        default=False, description="Development mode: allows an http issuer and the dev secret."
    )
    issuer: str = Field(
        default="http://127.0.0.1:8000", description="The OpenID Provider's issuer URL."
    )
    data_dir: Path = Field(default=Path("var"), description="Where SQLite, mails and blobs live.")
    database_url: str = Field(
        default="", description="SQLAlchemy URL; empty = SQLite file in the data directory."
    )
    secret_key: str = Field(
        default="",
        repr=False,  # a logged or printed Settings object must not carry it
        description=(
            "Server secret (>= 32 chars): key-encryption key for signing keys, pairwise "
            "subjects, CSRF tokens. Derived sub-keys per purpose."
        ),
    )
    register_url: str = Field(
        default="",
        description="Civil register service (JSON API of `register-mock serve`); empty: the "
        "in-process mock over generated residents.",
    )
    eid_url: str = Field(
        default="",
        description="eID-Server (JSON eID-Interface of `eid-mock serve`); empty: in dev mode the "
        "embedded mock and AusweisApp simulator at /mock/eid, otherwise no Online-Ausweis.",
    )
    eid_enabled: bool = Field(
        default=True,
        description="Offer the Online-Ausweis (login, registration, step-up to `high`); off for "
        "an operator without an eID-Server contract.",
    )
    default_signing_alg: str = Field(default="ES256", description="ID-token / JWT default alg.")
    key_overlap_seconds: int = Field(
        default=7 * 24 * 3600,
        description="How long a rotated-out key stays in the JWKS so its tokens still verify.",
    )
    key_cache_seconds: float = Field(
        default=60.0,
        gt=0,
        description="Signing-key cache lifetime: each process reloads the keys every half of it, "
        "so a rotation is published everywhere within it; a new key signs after twice it.",
    )
    client_cache_seconds: float = Field(
        default=30.0,
        ge=0,
        description="Per-process client cache lifetime: a client disabled, deleted or given a "
        "new secret elsewhere is refused by every process within it.",
    )
    sqlite_busy_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        description="SQLite: how long a writer waits for the write lock before the request "
        "fails with 503.",
    )
    access_token_ttl: int = Field(default=300, description="Access token lifetime in seconds.")
    id_token_ttl: int = Field(default=600, description="ID token lifetime in seconds.")
    code_ttl: int = Field(default=60, description="Authorization code lifetime in seconds.")
    refresh_token_ttl: int = Field(
        default=30 * 24 * 3600, description="Absolute refresh-token (grant family) lifetime."
    )
    interaction_ttl: int = Field(default=900, description="Pending authorization request life.")
    body_limit_bytes: int = Field(default=1024 * 1024, description="Request body cap (413).")
    upload_body_limit_bytes: int = Field(
        default=11 * 1024 * 1024,
        description="Body cap of the upload forms (the Dokumentensafe's): one file of 10 MB and "
        "the form around it (413 beyond).",
    )
    safe_quota_mb: int = Field(
        default=100, ge=1, description="Dokumentensafe: the space per account in MB (MiB)."
    )
    safe_share_days: int = Field(
        default=14,
        ge=1,
        le=90,
        description="Dokumentensafe: how long a share waits for its one fetch by the client.",
    )
    application_documents_retention_days: int = Field(
        default=35,
        ge=1,
        le=3650,
        description="Company applications: days after the decision (approval or rejection) "
        "until `servicekonto maintenance run` deletes the uploaded documents' files: the "
        "one-month appeal period of § 70 VwGO plus a few days for the notice to arrive.",
    )
    login_rate_per_minute: int = Field(
        default=60, description="Per-IP limit on credential POSTs per minute (429 beyond)."
    )
    registration_rate_per_hour: int = Field(
        default=30,
        description="Per-IP limit on sign-ups per hour, page and API together (429 beyond).",
    )
    mail_rate_per_address_per_hour: int = Field(
        default=5,
        description="Per target e-mail address and form (sign-up, password reset, adding an "
        "address): requests per hour that may cost a hash or send a mail (429 beyond).",
    )
    eid_start_rate_per_minute: int = Field(
        default=10,
        description="Per-IP limit on starting an Online-Ausweis transaction (each opens an "
        "eID-Server session) per minute (429 beyond).",
    )
    redis_url: str = Field(
        default="",
        description="Redis for rate limits shared by every worker and instance; empty: each "
        "process counts alone. Redis unreachable: per process (logged), never unlimited.",
    )
    trusted_proxies: str = Field(
        default="127.0.0.1", description="Peers whose X-Forwarded-For is honoured (comma list)."
    )
    workers: int = Field(
        default=1, ge=1, description="Worker processes of `servicekonto serve` (--workers wins)."
    )
    outbox_interval_seconds: float = Field(
        default=1.0, description="How often the in-process outbox worker delivers (0 = off)."
    )
    smtp_url: str = Field(
        default="",
        repr=False,  # it may carry the relay password; `smtp_relay.masked` is the loggable form
        description="Mail relay: smtp://user:pass@host:587 (STARTTLS required), "
        "smtps://user:pass@host:465 (implicit TLS), smtp://host:25?starttls=off (dev mode "
        "only); empty: mails are written as .eml files to <data dir>/mail/.",
    )
    smtp_ca_file: Path | None = Field(
        default=None,
        description="PEM file of the CA(s) that sign the relay's certificate (a private relay); "
        "it replaces the system trust store for SMTP. Unset: the system trust store.",
    )
    smtp_connect_timeout_seconds: float = Field(
        default=10.0, gt=0, description="SMTP: connecting, TLS handshake and the greeting."
    )
    smtp_timeout_seconds: float = Field(
        default=30.0, gt=0, description="SMTP: waiting for each reply of the relay."
    )
    mail_from: str = Field(
        default=DEFAULT_MAIL_FROM,
        description="From header and envelope sender of every mail; its domain also names the "
        "Message-IDs.",
    )
    argon2_memory_kib: int = Field(default=19456, description="argon2id memory (OWASP).")
    argon2_time_cost: int = Field(default=2, description="argon2id iterations (OWASP).")
    log_level: str = Field(default="INFO", description="Root log level.")
    # The legal pages (§ 5 DDG Impressum, Art. 13 DSGVO Datenschutz): what only the operator can
    # state. Unset fields stay marked "Vom Betreiber auszufüllen" on the pages.
    operator_name: str = Field(default="", description="Operating authority's name.")
    operator_address: str = Field(default="", description="Operating authority's postal address.")
    operator_contact: str = Field(
        default="", description="Operator's e-mail address and telephone number."
    )
    dpo_contact: str = Field(
        default="", description="Data protection officer's name or office and contact."
    )
    blob_store: Literal["database", "filesystem"] = Field(
        default="database",
        description="Where uploaded documents are kept, sealed either way: `database` (every "
        "instance reaches them) or `filesystem` (BLOB_DIR). Letters' PDFs stay in the database.",
    )
    blob_dir: str = Field(
        default="",
        description="Directory of the `filesystem` blob store, outside any served path; empty: "
        "<data_dir>/blobs.",
    )
    clamd_url: str = Field(
        default="",
        description="ClamAV daemon for the malware scan of uploads: unix:///path/to/clamd.ctl or "
        "tcp://host:3310; empty: no scanner (see UPLOAD_SCAN_REQUIRED).",
    )
    clamd_timeout_seconds: float = Field(
        default=30.0, gt=0, description="Connect, send and answer of one clamd scan together."
    )
    upload_scan_required: bool = Field(
        default=True,
        description="Without a configured and reachable clamd, refuse uploads (true) or accept "
        "them with the scan recorded as `skipped` (false).",
    )
    api_docs: bool | None = Field(
        default=None,
        description="Serve /api/docs and /api/openapi.json; unset: in dev mode only.",
    )
    metrics_token: str = Field(
        default="",
        repr=False,
        description="If set, /metrics requires `Authorization: Bearer <this>` (and is on in "
        "production).",
    )
    metrics_allow: str = Field(
        default="",
        description="If set, comma list of addresses or networks (CIDR) that may read /metrics "
        "(and it is on in production); the address is the client's after TRUSTED_PROXIES.",
    )

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> Self:
        if not self.secret_key and self.dev_mode:
            self.secret_key = DEV_SECRET_KEY
        if not self.dev_mode:
            if self.secret_key in PLACEHOLDER_SECRETS or len(self.secret_key) < 32:
                raise ConfigurationError(
                    "SERVICEKONTO_SECRET_KEY must be a random value of at least 32 characters"
                )
            if urlsplit(self.issuer).scheme != "https":
                raise ConfigurationError("the issuer must use https outside dev mode")
        for item in filter(None, (i.strip() for i in self.metrics_allow.split(","))):
            try:
                ip_network(item, strict=False)
            except ValueError as exc:
                raise ConfigurationError(
                    f"SERVICEKONTO_METRICS_ALLOW: {item!r} is no address or network"
                ) from exc
        self._check_mail()
        if self.clamd_url:
            _check_clamd_url(self.clamd_url)
        parts = urlsplit(self.issuer)
        if parts.query or parts.fragment or not parts.netloc:
            raise ConfigurationError("the issuer must be an absolute URL without query/fragment")
        self.issuer = self.issuer.rstrip("/")
        return self

    def _check_mail(self) -> None:
        if self.smtp_url:
            parse_smtp_url(self.smtp_url, dev_mode=self.dev_mode)
            if self.smtp_ca_file is not None and not self.smtp_ca_file.is_file():
                raise ConfigurationError("SERVICEKONTO_SMTP_CA_FILE is not a readable file")
        _, address = parseaddr(self.mail_from)
        if (
            "@" not in address
            or address.startswith("@")
            or address.endswith("@")
            or any(c in self.mail_from for c in "\r\n")
        ):
            raise ConfigurationError("SERVICEKONTO_MAIL_FROM must be an address like "
                                     "'ServiceKonto <no-reply@example.org>'")

    @property
    def smtp_relay(self) -> SmtpRelay | None:
        """The parsed relay, or None: mails go to `.eml` files under the data directory."""
        return parse_smtp_url(self.smtp_url, dev_mode=self.dev_mode) if self.smtp_url else None

    @property
    def mail_hostname(self) -> str:
        """The name we greet the relay with (EHLO): the issuer's host; an address literal for an
        IP (RFC 5321 §4.1.3). Never `socket.getfqdn()`, which may wait on DNS."""
        host = urlsplit(self.issuer).hostname or "localhost"
        try:
            ip = ip_address(host)
        except ValueError:
            return host
        return f"[IPv6:{ip}]" if ip.version == 6 else f"[{ip}]"

    @property
    def blob_directory(self) -> Path:
        return Path(self.blob_dir) if self.blob_dir else self.data_dir / "blobs"

    @property
    def sqlalchemy_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'servicekonto.sqlite3'}"

    @property
    def secure_cookies(self) -> bool:
        """`__Host-` cookies need Secure, which needs https; dev over http uses plain names."""
        return urlsplit(self.issuer).scheme == "https"


def _check_clamd_url(url: str) -> None:
    """unix:///absolute/path or tcp://host:port, nothing else (uploads/clamd.py reads them)."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme == "unix" and not parts.netloc and parts.path.startswith("/"):
        return
    if parts.scheme == "tcp" and parts.hostname and port and parts.path in ("", "/"):
        return
    raise ConfigurationError(
        "SERVICEKONTO_CLAMD_URL must be unix:///path/to/socket or tcp://host:port"
    )
