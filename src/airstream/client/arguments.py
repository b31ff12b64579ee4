"""Value types for the client tools' command-line options (counts, ``key=value`` pairs)."""

from __future__ import annotations

import argparse


def positive_int(text: str) -> int:
    """argparse type: an integer greater than zero."""
    value = non_negative_int(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0: {text!r}")
    return value


def non_negative_int(text: str) -> int:
    """argparse type: an integer zero or greater."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text!r}")
    return value


def key_value(text: str) -> tuple[str, str]:
    """argparse type: ``key=value``; the value may contain ``=``, the key may not be empty."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected key=value: {text!r}")
    return key.strip(), value
