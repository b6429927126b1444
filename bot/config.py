"""Settings read from the environment, and the means to keep the bot token out of every log line."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from .store.database import DB_ENV, DEFAULT_DB_PATH

DEFAULT_BASE_URL = "https://api.telegram.org"
DEFAULT_PORT = 8443
DEFAULT_LOG_LEVEL = "INFO"
DEFAULT_STATE_DAYS = 30.0
REDACTED = "[REDACTED]"


class ConfigError(ValueError):
    """An environment variable holds a value the bot cannot use."""


def token_forms(token: str) -> list[str]:
    """Every spelling of a token that could leak: whole or its secret part (after the bot id), plain or
    URL-encoded; longest first, so a whole token is replaced before its secret part."""
    _, _, secret = token.partition(":")
    forms = {form for part in (token, secret) if part for form in (part, quote(part, safe=""), quote(part))}
    return sorted(forms, key=len, reverse=True)


def redact(text: str, token: str | None) -> str:
    """Replace every spelling of the token in text (whole or its secret part, plain or URL-encoded) with a marker."""
    if not token or not text:
        return text
    for form in token_forms(token):
        text = text.replace(form, REDACTED)
    return text


@dataclass(frozen=True)
class Config:
    """Everything the Telegram front end needs to start; the token is never part of repr()."""

    token: str = field(repr=False)
    base_url: str = DEFAULT_BASE_URL
    webhook_url: str | None = None
    port: int = DEFAULT_PORT
    admin_ids: frozenset[int] = frozenset()
    db_path: Path = DEFAULT_DB_PATH
    log_level: str = DEFAULT_LOG_LEVEL
    state_days: float = DEFAULT_STATE_DAYS  # a chat's or user's state is evicted after this long idle
    webhook_secret_setting: str | None = field(default=None, repr=False)  # WEBHOOK_SECRET, if set

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, require_token: bool = True) -> Config:
        """Read the settings from os.environ (or a given mapping); raise ConfigError on bad values.

        require_token=False reads them for a front end that needs no Telegram (the console, the CLI).
        """
        env = os.environ if env is None else env
        token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
        if not token and require_token:
            raise ConfigError("TELEGRAM_BOT_TOKEN is not set")
        return cls(
            token=token,
            base_url=_base_url(env.get("TELEGRAM_BASE_URL", "")),
            webhook_url=env.get("WEBHOOK_URL", "").strip() or None,
            port=_port(env.get("PORT", "")),
            admin_ids=_admin_ids(env.get("ADMIN_IDS", "")),
            db_path=Path(env.get(DB_ENV, "").strip() or DEFAULT_DB_PATH),
            log_level=_log_level(env.get("LOG_LEVEL", "")),
            state_days=_days(env.get("NOTICE_BOT_STATE_DAYS", "")),
            webhook_secret_setting=_webhook_secret(env.get("WEBHOOK_SECRET", "")),
        )

    @property
    def bot_api_url(self) -> str:
        """The base URL python-telegram-bot appends the token to for Bot API methods."""
        return f"{self.base_url}/bot"

    @property
    def file_api_url(self) -> str:
        """The base URL python-telegram-bot appends the token to for file downloads."""
        return f"{self.base_url}/file/bot"

    @property
    def webhook_secret(self) -> str:
        """The secret Telegram sends with each webhook request: WEBHOOK_SECRET, or one derived from the token.

        It must stay the same across restarts, or Telegram's retries of updates queued while the bot was down
        are refused (403) until Telegram gives up on them. The derivation is HKDF (RFC 5869) with SHA-256:
        one-way, so the secret reveals nothing of the token.
        """
        return self.webhook_secret_setting or derive_secret(self.token, b"notice-bot webhook secret_token")

    def redact(self, text: str) -> str:
        """This config's token (and webhook secret) removed from text."""
        return redact(redact(text, self.token), self.webhook_secret)


def derive_secret(key: str, purpose: bytes, length: int = 32) -> str:
    """HKDF-SHA256 (extract, then one block of expand) of key for purpose, as hex: [0-9a-f], as Telegram allows."""
    prk = hmac.new(b"notice-bot", key.encode("utf-8"), hashlib.sha256).digest()
    return hmac.new(prk, purpose + b"\x01", hashlib.sha256).hexdigest()[: 2 * length]


_SECRET_CHARS = re.compile(r"[A-Za-z0-9_-]{1,256}")


def _webhook_secret(raw: str) -> str | None:
    raw = raw.strip()
    if not raw:
        return None
    if not _SECRET_CHARS.fullmatch(raw):
        raise ConfigError("WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
    return raw


def _base_url(raw: str) -> str:
    url = raw.strip().rstrip("/") or DEFAULT_BASE_URL
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"TELEGRAM_BASE_URL must start with http:// or https://, got {url!r}")
    # People often paste the form python-telegram-bot uses internally; accept it too.
    if url.endswith("/bot"):
        url = url[: -len("/bot")]
    return url


def _number(raw: str, default, kind, what: str, low, high, range_text: str):
    """A setting that is a number within (low, high), or its default when unset; ConfigError otherwise."""
    raw = raw.strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"{what} must be a number, got {raw!r}") from None
    if not low < value < high:
        raise ConfigError(f"{what} must be {range_text}, got {raw!r}")
    return value


def _port(raw: str) -> int:
    return _number(raw, DEFAULT_PORT, int, "PORT", 0, 65536, "between 1 and 65535")


def _days(raw: str) -> float:
    return _number(raw, DEFAULT_STATE_DAYS, float, "NOTICE_BOT_STATE_DAYS", 0, 36600, "more than 0 days")


def _admin_ids(raw: str) -> frozenset[int]:
    ids: set[int] = set()
    for part in raw.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            ids.add(int(part))
        except ValueError:
            raise ConfigError(f"ADMIN_IDS must be comma-separated numbers, got {part!r}") from None
    return frozenset(ids)


def _log_level(raw: str) -> str:
    level = raw.strip().upper() or DEFAULT_LOG_LEVEL
    if not isinstance(logging.getLevelName(level), int):
        raise ConfigError(f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, got {raw!r}")
    return level


class TokenRedactingFilter(logging.Filter):
    """A handler filter that rewrites each record so the token appears nowhere in its output."""

    def __init__(self, token: str, *others: str) -> None:
        super().__init__()
        self._token = token
        self._others = [o for o in others if o]

    def _redact(self, text: str) -> str:
        text = redact(text, self._token)
        for other in self._others:
            text = text.replace(other, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        # Format the message and traceback here, so neither the args nor the formatter can
        # reintroduce the token later.
        record.msg = self._redact(record.getMessage())
        record.args = None
        if record.exc_info and type(record.exc_info[1]).__name__ == "InvalidToken":
            # A rejected token is a configuration error that `serve` states in one line; the traceback
            # python-telegram-bot attaches says nothing more and quotes the token in its message.
            record.exc_info, record.exc_text = None, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self._redact(record.stack_info)
        return True


def configure_logging(config: Config) -> None:
    """Set up logging at the configured level with the token filtered from every handler."""
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=config.log_level)
    root = logging.getLogger()
    root.setLevel(config.log_level)
    # httpx logs each request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    for handler in root.handlers:
        if not any(isinstance(f, TokenRedactingFilter) for f in handler.filters):
            handler.addFilter(TokenRedactingFilter(config.token, config.webhook_secret))
