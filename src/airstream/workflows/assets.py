"""Assets (Airflow 3's data-aware scheduling objects), so DAG files that declare them load.

Tasks may list assets as ``inlets``/``outlets`` and DAGs may be scheduled on them
(``schedule=[a, b]``, ``a & b``, ``a | b``): the scheduler records an asset event when a task
with the asset as outlet succeeds and makes an ``asset_triggered`` run once the condition
holds (:mod:`airstream.scheduler.asset_scheduling`). An asset with ``watchers`` is updated by
records arriving on a topic instead (:mod:`airstream.scheduler.topic_triggers`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any


class BaseAsset:
    """Something a DAG can be scheduled on; combine with ``&`` and ``|``."""

    def __and__(self, other: BaseAsset) -> AssetAll:
        return AssetAll(self, other)

    def __or__(self, other: BaseAsset) -> AssetAny:
        return AssetAny(self, other)


@dataclass(frozen=True, eq=True)
class Asset(BaseAsset):
    """A data asset identified by ``uri`` (and ``name``, which defaults to the URI)."""

    name: str = ""
    uri: str = ""
    group: str = "asset"
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    #: ``AssetWatcher`` objects: triggers (topics) whose events update this asset.
    watchers: list[Any] = field(default_factory=list, compare=False, hash=False)

    def __post_init__(self) -> None:
        if not self.name and not self.uri:
            raise TypeError("Asset() requires either 'name' or 'uri'")
        object.__setattr__(self, "name", self.name or self.uri)
        object.__setattr__(self, "uri", self.uri or self.name)


@dataclass(frozen=True)
class AssetAlias(BaseAsset):
    """A name that resolves to assets at run time."""

    name: str
    group: str = "asset"


class AssetAll(BaseAsset):
    """All of the assets must have been updated."""

    def __init__(self, *objects: BaseAsset) -> None:
        self.objects = objects

    def evaluate(self, updated: Callable[[Asset], bool]) -> bool:
        return all(evaluate(o, updated) for o in self.objects)


class AssetAny(BaseAsset):
    """Any one of the assets updated."""

    def __init__(self, *objects: BaseAsset) -> None:
        self.objects = objects

    def evaluate(self, updated: Callable[[Asset], bool]) -> bool:
        return any(evaluate(o, updated) for o in self.objects)


def evaluate(condition: BaseAsset, updated: Callable[[Asset], bool]) -> bool:
    """Whether an asset condition holds, given which assets have queued updates."""
    if isinstance(condition, Asset):
        return updated(condition)
    if isinstance(condition, (AssetAll, AssetAny)):
        return condition.evaluate(updated)
    return False  # an alias resolves to nothing until a task adds assets to it


def iter_assets(condition: BaseAsset) -> Iterator[Asset]:
    """Every asset named in a condition, depth first."""
    if isinstance(condition, Asset):
        yield condition
    elif isinstance(condition, (AssetAll, AssetAny)):
        for item in condition.objects:
            yield from iter_assets(item)


def as_condition(schedule: Any) -> BaseAsset | None:
    """The asset condition of a ``schedule`` (a list means all of them), or ``None``."""
    if isinstance(schedule, BaseAsset):
        return schedule
    is_list = isinstance(schedule, (list, tuple)) and bool(schedule)
    if is_list and all(isinstance(item, BaseAsset) for item in schedule):
        return AssetAll(*schedule)
    return None


Dataset = Asset
