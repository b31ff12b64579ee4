"""``airstream topics``: create, list, describe, alter and delete topics (like kafka-topics.sh)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from airstream.client.arguments import key_value, positive_int
from airstream.client.connection import add_connection_arguments, connection_from_args
from airstream.client.errors import reports_errors
from airstream.client.output import add_output_argument, render_json, write_listing
from airstream.client.topic_admin import (
    TopicChange,
    TopicDescription,
    TopicSpec,
    alter_topic,
    create_topic,
    delete_topics,
    describe_topics,
    list_topics,
)

if TYPE_CHECKING:  # argparse's class is generic only to type checkers
    Actions = argparse._SubParsersAction[argparse.ArgumentParser]

DESCRIPTION = """\
Manage topics on airstream's broker or any Kafka cluster (--bootstrap-server).

  airstream topics create orders --partitions 3 --config retention.ms=86400000
  airstream topics list
  airstream topics describe orders
  airstream topics alter orders --partitions 6 --delete-config retention.ms
  airstream topics delete orders
"""


def register(subparsers: Actions) -> None:
    """Add ``topics`` and its actions to the ``airstream`` parser."""
    parser = subparsers.add_parser(
        "topics",
        help="create, list, describe, alter and delete topics",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    _register_create(actions)
    _register_list(actions)
    _register_describe(actions)
    _register_alter(actions)
    _register_delete(actions)


def _action(actions: Actions, name: str, help_text: str) -> argparse.ArgumentParser:
    parser = actions.add_parser(
        name, help=help_text, description=help_text[0].upper() + help_text[1:] + "."
    )
    add_connection_arguments(parser)
    return parser


def _register_create(actions: Actions) -> None:
    parser = _action(actions, "create", "create a topic")
    parser.add_argument("name", metavar="NAME", help="topic name")
    parser.add_argument(
        "--partitions", type=positive_int, metavar="N", help="partition count (default: broker's)"
    )
    parser.add_argument(
        "--replication-factor",
        type=positive_int,
        metavar="N",
        help="replicas per partition (default: broker's; airstream has one broker, so 1)",
    )
    parser.add_argument(
        "--config",
        type=key_value,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="topic config override, e.g. retention.ms=86400000 (repeatable)",
    )
    parser.add_argument(
        "--if-not-exists", action="store_true", help="succeed quietly if the topic exists"
    )
    parser.set_defaults(func=_create)


def _register_list(actions: Actions) -> None:
    parser = _action(actions, "list", "list topics with their partition counts")
    add_output_argument(parser)
    parser.set_defaults(func=_list)


def _register_describe(actions: Actions) -> None:
    parser = _action(
        actions, "describe", "show partitions, leaders, replicas, ISR and config overrides"
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help="topics (default: all)")
    add_output_argument(parser)
    parser.set_defaults(func=_describe)


def _register_alter(actions: Actions) -> None:
    parser = _action(actions, "alter", "add partitions or change a topic's configs")
    parser.add_argument("name", metavar="NAME", help="topic name")
    parser.add_argument(
        "--partitions", type=positive_int, metavar="N", help="new total partition count"
    )
    parser.add_argument(
        "--config",
        type=key_value,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set a topic config (repeatable)",
    )
    parser.add_argument(
        "--delete-config",
        action="append",
        default=[],
        metavar="KEY",
        help="remove a topic config override, restoring the default (repeatable)",
    )
    parser.set_defaults(func=_alter)


def _register_delete(actions: Actions) -> None:
    parser = _action(actions, "delete", "delete topics and all their records")
    parser.add_argument("names", nargs="+", metavar="NAME", help="topics to delete")
    parser.add_argument("--if-exists", action="store_true", help="skip topics that do not exist")
    parser.set_defaults(func=_delete)


@reports_errors
def _create(args: argparse.Namespace) -> int:
    spec = TopicSpec(args.name, args.partitions, args.replication_factor, dict(args.config))
    if create_topic(connection_from_args(args), spec, if_not_exists=args.if_not_exists):
        print(f"Created topic {args.name}.")
    return 0


@reports_errors
def _list(args: argparse.Namespace) -> int:
    topics = list_topics(connection_from_args(args))
    rows = [{"name": t.name, "partitions": t.partitions} for t in topics]
    write_listing(rows, ("name", "partitions"), args.output)
    return 0


@reports_errors
def _describe(args: argparse.Namespace) -> int:
    topics = describe_topics(connection_from_args(args), args.names)
    if args.output == "json":
        sys.stdout.write(render_json([t.to_dict() for t in topics]))
    else:
        sys.stdout.write("".join(_describe_text(t) for t in topics))
    return 0


@reports_errors
def _alter(args: argparse.Namespace) -> int:
    change = TopicChange(args.name, args.partitions, dict(args.config), args.delete_config)
    alter_topic(connection_from_args(args), change)
    print(f"Altered topic {args.name}.")
    return 0


@reports_errors
def _delete(args: argparse.Namespace) -> int:
    for name in delete_topics(connection_from_args(args), args.names, args.if_exists):
        print(f"Deleted topic {name}.")
    return 0


def _describe_text(topic: TopicDescription) -> str:
    """kafka-topics.sh's layout: a summary line, then one indented line per partition."""
    lines = [
        _fields(
            Topic=topic.name,
            PartitionCount=len(topic.partitions),
            ReplicationFactor=topic.replication_factor,
            Configs=_configs_text(topic.configs),
        )
    ]
    for p in topic.partitions:
        fields: dict[str, Any] = {
            "Topic": topic.name,
            "Partition": p.partition,
            "Leader": "none" if p.leader is None else p.leader,
            "Replicas": ",".join(map(str, p.replicas)),
            "Isr": ",".join(map(str, p.isr)),
        }
        if p.error:
            fields["Error"] = p.error
        lines.append("\t" + _fields(**fields))
    return "\n".join(lines) + "\n"


def _configs_text(configs: dict[str, str] | None) -> str:
    if configs is None:
        return "(unavailable: the broker does not support DescribeConfigs)"
    return ",".join(f"{k}={v}" for k, v in configs.items())


def _fields(**values: Any) -> str:
    return "\t".join(f"{key}: {value}" for key, value in values.items())
