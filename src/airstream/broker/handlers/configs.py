"""DescribeConfigs (32), AlterConfigs (33), IncrementalAlterConfigs (44) for topics.

Broker configs can be described (what this broker runs with) but not altered: they come from
``airstream.toml`` and the environment, read at start.
"""

from __future__ import annotations

from typing import Any

from kio.schema.errors import ErrorCode

from airstream.broker.errors import BrokerError
from airstream.broker.handlers.registry import Api, RequestContext
from airstream.broker.log.config import LogConfig

RESOURCE_TOPIC = 2
RESOURCE_BROKER = 4

SOURCE_STATIC_BROKER = 4

OP_SET, OP_DELETE, OP_APPEND, OP_SUBTRACT = 0, 1, 2, 3


def _broker_configs(ctx: RequestContext) -> dict[str, str]:
    s = ctx.broker.settings
    return {
        "node.id": str(ctx.broker.node_id),
        "broker.id": str(ctx.broker.node_id),
        "auto.create.topics.enable": str(s.auto_create_topics_enable).lower(),
        "num.partitions": str(s.num_partitions),
        "default.replication.factor": "1",
        "socket.request.max.bytes": str(s.socket_request_max_bytes),
        "group.initial.rebalance.delay.ms": str(s.group_initial_rebalance_delay_ms),
        "group.min.session.timeout.ms": str(s.group_min_session_timeout_ms),
        "group.max.session.timeout.ms": str(s.group_max_session_timeout_ms),
        "log.retention.check.interval.ms": str(s.log_retention_check_interval_ms),
        "offsets.retention.minutes": str(s.offsets_retention_minutes),
    }


def _wanted(keys: Any, name: str) -> bool:
    return keys is None or name in keys


def _describe_topic(ctx: RequestContext, resource: Any, include_docs: bool) -> dict[str, Any]:
    topic = ctx.broker.topics.get(resource.resource_name)
    if topic is None:
        return {
            "error_code": ErrorCode.unknown_topic_or_partition,
            "error_message": f"Topic {resource.resource_name} does not exist",
            "configs": [],
        }
    configs: list[dict[str, Any]] = [
        {
            "name": entry.name,
            "value": entry.value,
            "read_only": entry.read_only,
            "config_source": int(entry.source),
            "is_default": entry.is_default,
            "is_sensitive": entry.sensitive,
            "synonyms": [],
            "config_type": int(entry.config_type),
            "documentation": entry.documentation if include_docs else None,
        }
        for entry in topic.config.describe()
        if _wanted(resource.configuration_keys, entry.name)
    ]
    return {"error_code": ErrorCode.none, "error_message": None, "configs": configs}


def _describe_broker(ctx: RequestContext, resource: Any) -> dict[str, Any]:
    if resource.resource_name not in ("", str(ctx.broker.node_id)):
        return {
            "error_code": ErrorCode.invalid_request,
            "error_message": f"Unknown broker {resource.resource_name}",
            "configs": [],
        }
    configs = [
        {
            "name": name,
            "value": value,
            "read_only": True,
            "config_source": SOURCE_STATIC_BROKER,
            "is_default": False,
            "is_sensitive": False,
            "synonyms": [],
        }
        for name, value in _broker_configs(ctx).items()
        if _wanted(resource.configuration_keys, name)
    ]
    return {"error_code": ErrorCode.none, "error_message": None, "configs": configs}


async def describe_configs(ctx: RequestContext, request: Any) -> Any:
    results = []
    for resource in request.resources:
        base = {"resource_type": resource.resource_type, "resource_name": resource.resource_name}
        if resource.resource_type == RESOURCE_TOPIC:
            docs = bool(getattr(request, "include_documentation", False))
            results.append({**base, **_describe_topic(ctx, resource, docs)})
        elif resource.resource_type == RESOURCE_BROKER:
            results.append({**base, **_describe_broker(ctx, resource)})
        else:
            results.append(
                {
                    **base,
                    "error_code": ErrorCode.invalid_request,
                    "configs": [],
                    "error_message": f"Unsupported resource type {resource.resource_type}",
                }
            )
    return ctx.respond(results=results)


def _alter(ctx: RequestContext, resource: Any, validate_only: bool, change: Any) -> dict[str, Any]:
    base = {"resource_type": resource.resource_type, "resource_name": resource.resource_name}
    if resource.resource_type == RESOURCE_BROKER:
        return {
            **base,
            "error_code": ErrorCode.invalid_request,
            "error_message": "Broker configs are static here: set them in airstream.toml",
        }
    if resource.resource_type != RESOURCE_TOPIC:
        return {
            **base,
            "error_code": ErrorCode.invalid_request,
            "error_message": f"Unsupported resource type {resource.resource_type}",
        }
    topic = ctx.broker.topics.get(resource.resource_name)
    if topic is None:
        return {
            **base,
            "error_code": ErrorCode.unknown_topic_or_partition,
            "error_message": f"Topic {resource.resource_name} does not exist",
        }
    try:
        config = change(topic.config, resource.configs)
        if not validate_only:
            ctx.broker.topics.alter_config(topic.name, config)
    except BrokerError as exc:
        return {**base, "error_code": exc.code, "error_message": exc.message}
    return {**base, "error_code": ErrorCode.none, "error_message": None}


def _replace_all(_current: LogConfig, configs: Any) -> LogConfig:
    return LogConfig.from_overrides({c.name: c.value for c in configs if c.value is not None})


def _incremental(current: LogConfig, configs: Any) -> LogConfig:
    overrides = dict(current.overrides)
    for entry in configs:
        op = int(entry.config_operation)
        if op == OP_SET:
            overrides[entry.name] = entry.value
        elif op == OP_DELETE:
            overrides.pop(entry.name, None)
        elif op in (OP_APPEND, OP_SUBTRACT):
            current_values = {e.name: e.value for e in current.describe()}
            if entry.name not in current_values:
                raise BrokerError(ErrorCode.invalid_config, f"Unknown topic config {entry.name}")
            values = [v for v in current_values[entry.name].split(",") if v]
            items = [v for v in (entry.value or "").split(",") if v]
            if op == OP_APPEND:
                values += [v for v in items if v not in values]
            else:
                values = [v for v in values if v not in items]
            overrides[entry.name] = ",".join(values)
        else:
            raise BrokerError(ErrorCode.invalid_request, f"Unknown config operation {op}")
    return LogConfig.from_overrides(overrides)


async def alter_configs(ctx: RequestContext, request: Any) -> Any:
    return ctx.respond(
        responses=[
            _alter(ctx, r, bool(request.validate_only), _replace_all) for r in request.resources
        ]
    )


async def incremental_alter_configs(ctx: RequestContext, request: Any) -> Any:
    return ctx.respond(
        responses=[
            _alter(ctx, r, bool(request.validate_only), _incremental) for r in request.resources
        ]
    )


APIS = [
    Api(32, 1, 4, describe_configs),
    Api(33, 0, 2, alter_configs),
    Api(44, 0, 1, incremental_alter_configs),
]
