"""The import hook: ``import airflow.x`` gives a module holding airstream's objects."""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType

from airstream.compat.aliases import ALIASES, ALL_NAMES, is_package


def public_names(module: ModuleType) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is not None:
        return list(names)
    return [n for n in vars(module) if not n.startswith("_")]


class AirflowAliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds and loads the ``airflow.*`` names listed in :data:`ALIASES`."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in ALL_NAMES:
            return None
        return importlib.machinery.ModuleSpec(
            fullname, self, origin="airstream-compat", is_package=is_package(fullname)
        )

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        module.__dict__["__airstream_alias__"] = True
        if module.__spec__ is not None and module.__spec__.submodule_search_locations is not None:
            module.__path__ = []
        exported: list[str] = []
        for source_name in ALIASES.get(module.__name__, []):
            source = importlib.import_module(source_name)
            for name in public_names(source):
                if name not in module.__dict__:
                    setattr(module, name, getattr(source, name))
                    exported.append(name)
        module.__dict__["__all__"] = exported


_FINDER = AirflowAliasFinder()


def is_installed() -> bool:
    return _FINDER in sys.meta_path


def add_finder() -> None:
    if not is_installed():
        sys.meta_path.insert(0, _FINDER)


def remove_finder() -> None:
    if is_installed():
        sys.meta_path.remove(_FINDER)
    for name in [n for n, m in sys.modules.items() if getattr(m, "__airstream_alias__", False)]:
        del sys.modules[name]
