"""Assets (Airflow 3's data-aware scheduling objects), so DAG files that declare them load.

Tasks may list assets as ``inlets``/``outlets`` and DAGs may be scheduled on them; the
scheduling on asset events belongs to the scheduler (such DAGs run only when triggered
for now).
"""

from __future__ import annotations

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


class AssetAny(BaseAsset):
    """Any one of the assets updated."""

    def __init__(self, *objects: BaseAsset) -> None:
        self.objects = objects


Dataset = Asset
