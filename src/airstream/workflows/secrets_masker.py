"""Masking secrets (connection passwords, sensitive variables) in task logs with ``***``."""

from __future__ import annotations

import logging
import re
from typing import Any

SENSITIVE_NAMES = frozenset(
    {
        "access_token",
        "api_key",
        "apikey",
        "authorization",
        "passphrase",
        "passwd",
        "password",
        "private_key",
        "secret",
        "token",
        "keyfile_dict",
        "service_account",
    }
)

_secrets: set[str] = set()
_pattern: re.Pattern[str] | None = None


def should_hide_value_for_key(name: Any) -> bool:
    """Whether a variable or field called ``name`` holds a secret."""
    if not isinstance(name, str):
        return False
    lowered = name.strip().lower()
    return any(word in lowered for word in SENSITIVE_NAMES)


def mask_secret(secret: Any, name: str | None = None) -> None:
    """Hide ``secret`` (a string, or the sensitive values of a dict) in every later log line."""
    global _pattern
    if isinstance(secret, dict):
        for key, value in secret.items():
            mask_secret(value, key)
        return
    if name is not None and not should_hide_value_for_key(name):
        return
    if not isinstance(secret, str) or len(secret) < 3:
        # Masking one- or two-letter values would garble every log line.
        return
    if secret in _secrets:
        return
    _secrets.add(secret)
    parts = sorted(_secrets, key=len, reverse=True)
    _pattern = re.compile("|".join(re.escape(p) for p in parts))


def redact(text: str) -> str:
    """``text`` with every registered secret replaced by ``***``."""
    return _pattern.sub("***", text) if _pattern is not None else text


class SecretsMaskingFilter(logging.Filter):
    """A logging filter that redacts the formatted message of each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _pattern is None:
            return True
        message = record.getMessage()
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
