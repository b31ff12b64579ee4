"""Roles of Airflow's simple auth manager, ordered so that each includes the ones below it.

``viewer`` reads; ``user`` also triggers, clears and pauses; ``op`` also manages variables,
connections and pools; ``admin`` may do everything.
"""

from __future__ import annotations

import enum


class Role(enum.IntEnum):
    """A user's role; a higher value may do everything a lower one may."""

    VIEWER = 1
    USER = 2
    OP = 3
    ADMIN = 4

    @classmethod
    def parse(cls, name: str) -> Role:
        """The role called ``name`` (case-insensitive); ``ValueError`` for an unknown one."""
        try:
            return cls[name.strip().upper()]
        except KeyError:
            allowed = ", ".join(r.name.lower() for r in cls)
            raise ValueError(f"unknown role {name!r} (expected one of {allowed})") from None


def parse_users(spec: str) -> dict[str, Role]:
    """``"admin:admin,alice:viewer"`` as a mapping of user name to role."""
    users: dict[str, Role] = {}
    for item in spec.split(","):
        if not item.strip():
            continue
        name, sep, role = item.partition(":")
        if not sep or not name.strip():
            raise ValueError(f"api.users entry {item.strip()!r} is not NAME:ROLE")
        users[name.strip()] = Role.parse(role)
    return users
