"""What tasks see of asset events: ``outlet_events`` to annotate, ``inlet_events`` to read.

When a task with ``outlets`` succeeds, :func:`record_outlet_events` stores one asset event
per outlet asset (with the ``extra`` the task set through ``outlet_events`` or ``yield
Metadata(...)``, and the assets it added to an alias). ``inlet_events[asset]`` reads an
asset's events from the metadata store; ``triggering_asset_events`` maps each asset to the
events that started an ``asset_triggered`` run (empty for other runs). Under ``dags test``
(no metadata store) nothing is stored and both answer with no events.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from airstream.workflows.assets import Asset, AssetAlias, BaseAsset

if TYPE_CHECKING:
    from airstream.store import MetadataStore
    from airstream.store.records import AssetEvent as AssetEventRow


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


@dataclass(frozen=True)
class AssetEvent:
    """An asset event as tasks see it (Airflow's ``AssetEvent`` in the task context)."""

    asset: Asset
    extra: dict[str, Any]
    timestamp: datetime | None
    source_dag_id: str | None = None
    source_task_id: str | None = None
    source_run_id: str | None = None
    source_map_index: int = -1
    id: int | None = None

    @classmethod
    def from_row(cls, row: AssetEventRow) -> AssetEvent:
        return cls(
            asset=Asset(name=row.name, uri=row.uri, group=row.group),
            extra=dict(row.extra),
            timestamp=row.timestamp,
            source_dag_id=row.source_dag_id,
            source_task_id=row.source_task_id,
            source_run_id=row.source_run_id,
            source_map_index=row.source_map_index,
            id=row.id,
        )


class InletEventsAccessors:
    """The ``inlet_events`` context value: the events of an asset (or URI), oldest first."""

    def __init__(self, store: MetadataStore | None = None) -> None:
        self._store = store

    def __getitem__(self, key: Any) -> list[AssetEvent]:
        if isinstance(key, AssetAlias):
            return []
        asset = key if isinstance(key, Asset) else Asset(uri=str(key))
        return self.for_asset(asset.name, uri=asset.uri)

    def for_asset(self, name: str | None = None, *, uri: str | None = None) -> list[AssetEvent]:
        if self._store is None or not (name or uri):
            return []
        key = (name or uri or "", uri or name or "")
        return [AssetEvent.from_row(row) for row in self._store.list_asset_events([key])]

    def for_asset_alias(self, name: str) -> list[AssetEvent]:
        return []


class TriggeringAssetEvents(Mapping[Asset, list[AssetEvent]]):
    """``triggering_asset_events``: per asset, the events that started this run.

    Keyed by ``Asset``; a string key (a URI or a name) works too, as in DAG files written for
    Airflow 2's ``triggering_dataset_events[uri]``.
    """

    def __init__(self, events: list[AssetEvent]) -> None:
        self._events: dict[Asset, list[AssetEvent]] = {}
        for event in events:
            self._events.setdefault(event.asset, []).append(event)

    def __getitem__(self, key: Any) -> list[AssetEvent]:
        if isinstance(key, str):
            return [e for a, found in self._events.items() if key in (a.uri, a.name) for e in found]
        if isinstance(key, Asset):
            return list(self._events.get(Asset(name=key.name, uri=key.uri, group=key.group), []))
        return []

    def __iter__(self) -> Iterator[Asset]:
        return iter(self._events)

    def __len__(self) -> int:
        return len(self._events)


def metadata_store_of(store: Any) -> MetadataStore | None:
    """The metadata store behind a task's execution store (``None`` under ``dags test``)."""
    from airstream.store import MetadataStore

    inner = getattr(store, "store", None)
    return inner if isinstance(inner, MetadataStore) else None


def add_asset_context(context: dict[str, Any], store: Any) -> None:
    """Put ``inlet_events`` and ``triggering_asset_events`` backed by the store in ``context``."""
    metadata = metadata_store_of(store)
    run = context.get("dag_run")
    context["inlet_events"] = InletEventsAccessors(metadata)
    events: list[AssetEvent] = []
    if metadata is not None and run is not None and run.run_type == "asset_triggered":
        rows = metadata.list_run_asset_events(run.dag_id, run.run_id)
        events = [AssetEvent.from_row(row) for row in rows]
    context["triggering_asset_events"] = TriggeringAssetEvents(events)


def outlet_event_rows(task: Any, ti: Any, outlet_events: Any) -> list[AssetEventRow]:
    """The asset events a successful task instance produced: one per outlet asset, plus one
    per asset added to an outlet alias."""
    from airstream.store.records import AssetEvent as Row

    accessors = outlet_events if isinstance(outlet_events, OutletEventAccessors) else None
    source = {
        "source_dag_id": ti.dag_id,
        "source_run_id": ti.run_id,
        "source_task_id": ti.task_id,
        "source_map_index": ti.map_index,
    }
    rows = []
    for outlet in getattr(task, "outlets", None) or []:
        accessor = accessors[outlet] if accessors is not None else None
        if isinstance(outlet, Asset):
            extra = dict(accessor.extra) if accessor is not None else {}
            rows.append(Row(outlet.name, outlet.uri, outlet.group, extra, **source))
        elif isinstance(outlet, AssetAlias) and accessor is not None:
            for asset, extra in accessor.asset_alias_events:
                rows.append(Row(asset.name, asset.uri, asset.group, dict(extra), **source))
    return rows


def record_outlet_events(store: Any, task: Any, ti: Any, context: Mapping[str, Any]) -> None:
    """Store the asset events of a task instance that succeeded (none under ``dags test``)."""
    metadata = metadata_store_of(store)
    rows = outlet_event_rows(task, ti, context.get("outlet_events"))
    if metadata is not None and rows:
        metadata.add_asset_events(rows)


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


__all__ = [
    "AssetEvent",
    "InletEventsAccessors",
    "Metadata",
    "OutletEventAccessor",
    "OutletEventAccessors",
    "TriggeringAssetEvents",
]
