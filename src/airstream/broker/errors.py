"""The broker's one exception type: a Kafka error code plus a human message.

Anything below the request handlers (the log, the group coordinator, ...) raises
:class:`BrokerError`; a handler answers with ``error.code`` and, where the response has one,
``error.message``. Error codes are kio's ``ErrorCode`` enum, which already carries Kafka's
retriability flag; :data:`RETRIABLE` collects the retriable ones.
"""

from __future__ import annotations

from kio.schema.errors import ErrorCode

__all__ = ["RETRIABLE", "BrokerError", "ErrorCode"]


class BrokerError(Exception):
    """A failure the client sees as Kafka error ``code`` with ``message``."""

    def __init__(self, code: ErrorCode, message: str = "") -> None:
        self.code = code
        self.message = message or code.name
        super().__init__(self.message)

    @property
    def retriable(self) -> bool:
        """Whether Kafka clients retry this error on their own."""
        return self.code in RETRIABLE

    def __repr__(self) -> str:
        return f"BrokerError({self.code.name}, {self.message!r})"


RETRIABLE: frozenset[ErrorCode] = frozenset(code for code in ErrorCode if code.retriable)
"""Kafka's retriable error codes (``RetriableException`` subclasses in the Java client)."""
