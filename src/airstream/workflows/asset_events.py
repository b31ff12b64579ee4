"""What tasks see of asset events: ``outlet_events`` to annotate, ``inlet_events`` to read.

airstream records no asset events yet (the scheduler does not trigger on them), so the
outlet side collects what a task says about its outlets for the log, and the inlet side
answers with no events — what a DAG run started by hand, not by an asset update, sees.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from airstream.workflows.assets import Asset, AssetAlias, BaseAsset


@dataclass
class Metadata:
    """``yield Metadata(asset, extra)`` from a task: extra information for an outlet event."""

    asset: Asset
    extra: dict[str, Any] = field(default_factory=dict)
    alias: AssetAlias | None = None


@dataclass
class OutletEventAccessor:
    """``outlet_events[asset]``: set ``extra``; for an alias, ``add`` the assets it stands for."""

    key: BaseAsset
    extra: dict[str, Any] = field(default_factory=dict)
    asset_alias_events: list[tuple[Asset, dict[str, Any]]] = field(default_factory=list)

    def add(self, asset: Asset, extra: dict[str, Any] | None = None) -> None:
        self.asset_alias_events.append((asset, dict(extra or {})))

    def add_partitions(self, keys: str | list[str]) -> None:
        self.extra.setdefault("partitions", []).extend([keys] if isinstance(keys, str) else keys)


class OutletEventAccessors:
    """The ``outlet_events`` context value: one accessor per asset or alias, made on demand."""

    def __init__(self) -> None:
        self._accessors: dict[Any, OutletEventAccessor] = {}

    def __getitem__(self, key: BaseAsset) -> OutletEventAccessor:
        ident = _identity(key)
        if ident not in self._accessors:
            self._accessors[ident] = OutletEventAccessor(key)
        return self._accessors[ident]

    def __iter__(self) -> Iterator[BaseAsset]:
        return iter(a.key for a in self._accessors.values())

    def __len__(self) -> int:
        return len(self._accessors)


class InletEventsAccessors:
    """The ``inlet_events`` context value: the events of an asset, alias or URI (none here)."""

    def __getitem__(self, key: Any) -> list[Any]:
        return []

    def for_asset(self, name: str | None = None, *, uri: str | None = None) -> list[Any]:
        return []

    def for_asset_alias(self, name: str) -> list[Any]:
        return []


def _identity(key: Any) -> Any:
    if isinstance(key, Asset):
        return ("asset", key.name, key.uri)
    if isinstance(key, AssetAlias):
        return ("alias", key.name)
    return key


def record_metadata(outlet_events: OutletEventAccessors, item: Metadata) -> None:
    """What ``yield Metadata(...)`` does: the extra goes on the asset's (or alias's) event."""
    outlet_events[item.asset].extra.update(item.extra)
    if item.alias is not None:
        outlet_events[item.alias].add(item.asset, extra=item.extra)


__all__ = ["InletEventsAccessors", "Metadata", "OutletEventAccessor", "OutletEventAccessors"]
