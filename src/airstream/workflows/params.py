"""DAG and task params: a default plus a JSON schema, validated when a run starts."""

from __future__ import annotations

import copy
import json
from collections.abc import ItemsView, Iterator, KeysView, Mapping, MutableMapping, ValuesView
from typing import Any

from airstream.workflows.exceptions import ParamValidationError

_NOTSET = object()


class Param:
    """A param value with a JSON-schema (``type=``, ``minimum=``, ``enum=``, ... keywords)."""

    def __init__(
        self, default: Any = _NOTSET, description: str | None = None, **schema: Any
    ) -> None:
        self.value = default
        self.description = description
        self.schema = schema

    def has_value(self) -> bool:
        return self.value is not _NOTSET

    def resolve(self, value: Any = _NOTSET, suppress_exception: bool = False) -> Any:
        """Validate ``value`` (or the default) against the schema and return it."""
        import jsonschema  # type: ignore[import-untyped]

        final = self.value if value is _NOTSET else value
        if final is _NOTSET:
            if suppress_exception:
                return None
            raise ParamValidationError("No value passed and Param has no default value")
        try:
            json.dumps(final)
        except (TypeError, ValueError) as exc:
            if suppress_exception:
                return None
            raise ParamValidationError(
                f"All provided parameters must be json-serializable: {exc}"
            ) from None
        try:
            jsonschema.validate(final, self.schema, format_checker=jsonschema.FormatChecker())
        except jsonschema.ValidationError as exc:
            if suppress_exception:
                return None
            raise ParamValidationError(str(exc).splitlines()[0]) from None
        self.value = final
        return final

    def dump(self) -> dict[str, Any]:
        return {
            "value": None if self.value is _NOTSET else self.value,
            "description": self.description,
            "schema": self.schema,
        }

    def __copy__(self) -> Param:
        return Param(self.value, self.description, **copy.deepcopy(self.schema))

    def __repr__(self) -> str:
        return f"Param({None if self.value is _NOTSET else self.value!r})"


class ParamsDict(MutableMapping[str, Any]):
    """A dict of :class:`Param`; reading an item gives the param's value."""

    def __init__(
        self, dict_obj: Mapping[str, Any] | None = None, suppress_exception: bool = False
    ) -> None:
        self._params: dict[str, Param] = {}
        self.suppress_exception = suppress_exception
        for key, value in (dict_obj or {}).items():
            self[key] = value

    def __setitem__(self, key: str, value: Any) -> None:
        if isinstance(value, Param):
            self._params[key] = value
        elif key in self._params:
            try:
                self._params[key].resolve(value, self.suppress_exception)
            except ParamValidationError as exc:
                raise ParamValidationError(f"Invalid input for param {key}: {exc}") from None
        else:
            self._params[key] = Param(value)

    def __getitem__(self, key: str) -> Any:
        param = self._params[key]
        return param.value if param.has_value() else param.resolve(suppress_exception=True)

    def __delitem__(self, key: str) -> None:
        del self._params[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._params)

    def __len__(self) -> int:
        return len(self._params)

    def __contains__(self, key: object) -> bool:
        return key in self._params

    def keys(self) -> KeysView[str]:
        return self._params.keys()

    def items(self) -> ItemsView[str, Any]:
        return dict((k, self[k]) for k in self._params).items()

    def values(self) -> ValuesView[Any]:
        return dict((k, self[k]) for k in self._params).values()

    def get_param(self, key: str) -> Param:
        return self._params[key]

    def copy(self) -> ParamsDict:
        clone = ParamsDict(suppress_exception=self.suppress_exception)
        for key, param in self._params.items():
            clone._params[key] = copy.copy(param)
        return clone

    def update(self, *args: Any, **kwargs: Any) -> None:
        other = dict(*args, **kwargs)
        if isinstance(args[0] if args else None, ParamsDict):
            other = dict(args[0]._params)
        for key, value in other.items():
            self[key] = value

    def validate(self) -> dict[str, Any]:
        """Resolve every param; raise :class:`ParamValidationError` naming the bad one."""
        resolved: dict[str, Any] = {}
        for key, param in self._params.items():
            try:
                resolved[key] = param.resolve(suppress_exception=self.suppress_exception)
            except ParamValidationError as exc:
                raise ParamValidationError(f"Invalid input for param {key}: {exc}") from None
        return resolved

    def dump(self) -> dict[str, Any]:
        return {key: param.dump() for key, param in self._params.items()}

    def __repr__(self) -> str:
        return f"ParamsDict({dict(self.items())!r})"
