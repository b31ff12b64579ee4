"""Page numbers of console listings: read from the query string, never trusted.

``page`` is 1-based; a value that is not a positive integer is a 400 page, a page past the
end shows the last one. Only the rows of the page shown are ever queried.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from airstream.web.console.page_errors import bad_input


def int_param(
    request: Request, name: str, default: int, low: int | None = None, high: int | None = None
) -> int:
    """An integer query parameter, with a 400 page for text or a value out of bounds."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_input(f"Bad request: {name} must be an integer, not {raw!r}") from None
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise bad_input(f"Bad request: {name} must be {bounds}, not {value}")
    return value


@dataclass(frozen=True)
class Pager:
    """Which page of ``total`` rows, ``size`` per page, is shown."""

    number: int
    size: int
    total: int

    @property
    def count(self) -> int:
        """How many pages there are (at least one, even when empty)."""
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    def numbers(self, around: int = 3) -> list[int]:
        """Page numbers to link: the first, the last and those near the current one."""
        near = range(max(1, self.number - around), min(self.count, self.number + around) + 1)
        return sorted({1, self.count, *near})


def pager(request: Request, total: int, size: int) -> Pager:
    """The page the request asks for, clamped to the last page of ``total`` rows."""
    number = int_param(request, "page", 1, low=1)
    last = max(1, -(-total // size))
    return Pager(min(number, last), size, total)
