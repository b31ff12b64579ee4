"""Which DAG files changed since they were last parsed: size and mtime, then content hash.

``stat`` alone decides when size and mtime are unchanged (the cheap common case); when they
differ the content hash decides, so touching a file without editing it costs no re-parse.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Fingerprint:
    """What identifies one version of a file."""

    mtime_ns: int
    size: int
    sha1: str


class FileFingerprints:
    """The fingerprint of each file as last parsed. Not thread-safe (one processor owns it)."""

    def __init__(self) -> None:
        self._known: dict[str, Fingerprint] = {}

    def changed(self, paths: Iterable[str]) -> dict[str, Fingerprint]:
        """The paths that are new or changed, with their current fingerprints."""
        changed: dict[str, Fingerprint] = {}
        for path in paths:
            known = self._known.get(path)
            current = self._current(path, known)
            if current is None or current == known:
                continue
            if known is not None and current.sha1 == known.sha1:
                # Touched, not edited: nothing to parse; remember the new stat.
                self._known[path] = current
            else:
                changed[path] = current
        return changed

    def remember(self, path: str, fingerprint: Fingerprint) -> None:
        self._known[path] = fingerprint

    def forget(self, path: str) -> None:
        self._known.pop(path, None)

    def clear(self) -> None:
        self._known.clear()

    @property
    def paths(self) -> set[str]:
        return set(self._known)

    @staticmethod
    def _current(path: str, known: Fingerprint | None) -> Fingerprint | None:
        try:
            stat = os.stat(path)
        except OSError:
            return None
        if known is not None and (stat.st_mtime_ns, stat.st_size) == (known.mtime_ns, known.size):
            return known
        try:
            with open(path, "rb") as fh:
                digest = hashlib.sha1(fh.read(), usedforsecurity=False).hexdigest()
        except OSError:
            return None
        return Fingerprint(stat.st_mtime_ns, stat.st_size, digest)
