"""``airstream groups`` against a real broker: list, describe with lag, reset, delete."""

from __future__ import annotations

import io
import json
import socket
import sys
import time
from collections.abc import Iterator

import pytest
from confluent_kafka import Consumer, TopicPartition

from airstream.cli import main


class Cli:
    """Runs ``airstream`` commands in-process against the test broker."""

    def __init__(
        self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, broker: str
    ) -> None:
        self.capsys, self.monkeypatch, self.broker = capsys, monkeypatch, broker

    def __call__(self, *argv: str, stdin: bytes = b"") -> tuple[int, str, str]:
        self.monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        code = main([*argv, "--bootstrap-server", self.broker])
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err

    def ok(self, *argv: str, stdin: bytes = b"") -> str:
        code, out, err = self(*argv, stdin=stdin)
        assert code == 0, err
        return out

    def describe(self, group: str) -> dict[str, object]:
        data = json.loads(self.ok("groups", "describe", group, "-o", "json"))
        assert isinstance(data, dict)
        return data

    def offsets(self, group: str) -> dict[tuple[str, int], tuple[int | None, int | None]]:
        """(topic, partition) -> (committed offset, lag), from ``groups describe -o json``."""
        partitions = self.describe(group)["partitions"]
        assert isinstance(partitions, list)
        return {
            (p["topic"], p["partition"]): (p["current_offset"], p["lag"])
            for p in partitions
            if p["topic"] is not None
        }


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, broker: str) -> Cli:
    return Cli(capsys, monkeypatch, broker)


@pytest.fixture
def billing(cli: Cli) -> Cli:
    """Topic ``invoices`` (3 records on partition 0, 2 on 1) fully read by group ``billing``."""
    cli.ok("topics", "create", "invoices", "--partitions", "2")
    cli.ok("produce", "invoices", "--partition", "0", stdin=b"a\nb\nc\n")
    cli.ok("produce", "invoices", "--partition", "1", stdin=b"d\ne\n")
    out = cli.ok(
        "consume", "invoices", "--group", "billing", "--from-beginning", "--max-messages", "5"
    )
    assert sorted(out.splitlines()) == ["a", "b", "c", "d", "e"]
    return cli


@pytest.fixture
def member(broker: str) -> Iterator[Consumer]:
    """An active member of group ``billing`` that owns every partition of ``invoices``."""
    assigned: list[TopicPartition] = []
    consumer = Consumer(
        {
            "bootstrap.servers": broker,
            "group.id": "billing",
            "client.id": "watcher-client",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe(["invoices"], on_assign=lambda _, parts: assigned.extend(parts))
    deadline = time.monotonic() + 60
    while not assigned and time.monotonic() < deadline:
        consumer.poll(0.2)
    assert assigned, "the group never assigned partitions"
    yield consumer
    consumer.close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_describe_shows_committed_end_offset_and_lag(billing: Cli) -> None:
    billing.ok("produce", "invoices", "--partition", "0", stdin=b"f\ng\nh\ni\n")
    code, out, err = billing("groups", "describe", "billing")
    assert code == 0
    assert err == "Consumer group 'billing' has no active members.\n"
    header, *rows = [line.split() for line in out.splitlines()]
    assert header == [
        "GROUP",
        "TOPIC",
        "PARTITION",
        "CURRENT-OFFSET",
        "LOG-END-OFFSET",
        "LAG",
        "CONSUMER-ID",
        "HOST",
        "CLIENT-ID",
    ]
    assert rows == [
        ["billing", "invoices", "0", "3", "7", "4", "-", "-", "-"],
        ["billing", "invoices", "1", "2", "2", "0", "-", "-", "-"],
    ]
    data = billing.describe("billing")
    assert data["members"] == 0
    assert data["state"] == "EMPTY"
    assert billing.offsets("billing") == {("invoices", 0): (3, 4), ("invoices", 1): (2, 0)}


def test_list_shows_the_group(billing: Cli) -> None:
    out = billing.ok("groups", "list")
    assert out.splitlines()[0].split() == ["GROUP", "STATE", "TYPE"]
    assert "billing" in [line.split()[0] for line in out.splitlines()[1:]]
    listed = json.loads(billing.ok("groups", "list", "-o", "json"))
    assert "billing" in [g["group"] for g in listed]


def test_describe_names_the_active_member(billing: Cli, member: Consumer) -> None:
    member.commit(offsets=[TopicPartition("invoices", 0, 1)], asynchronous=False)
    data = billing.describe("billing")
    assert data["members"] == 1
    assert data["state"] == "STABLE"
    partitions = data["partitions"]
    assert isinstance(partitions, list)
    by_partition = {p["partition"]: p for p in partitions}
    assert set(by_partition) == {0, 1}
    for line in by_partition.values():
        assert line["consumer_id"] == member.memberid()
        assert line["client_id"] == "watcher-client"
        assert line["host"]
    assert (by_partition[0]["current_offset"], by_partition[0]["lag"]) == (1, 2)


def test_reset_offsets_dry_run_then_execute(billing: Cli) -> None:
    reset = ("groups", "reset-offsets", "billing", "--topic", "invoices")
    code, out, err = billing(*reset, "--to-earliest")
    assert code == 0
    assert [line.split() for line in out.splitlines()] == [
        ["GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"],
        ["billing", "invoices", "0", "0"],
        ["billing", "invoices", "1", "0"],
    ]
    assert "Dry run" in err
    assert billing.offsets("billing") == {("invoices", 0): (3, 0), ("invoices", 1): (2, 0)}

    billing.ok(*reset, "--to-earliest", "--execute")
    assert billing.offsets("billing") == {("invoices", 0): (0, 3), ("invoices", 1): (0, 2)}
    out = billing.ok("consume", "invoices", "--group", "billing", "--timeout-ms", "2000")
    assert sorted(out.splitlines()) == ["a", "b", "c", "d", "e"]

    # An offset past the end of a partition's log is kept at its end.
    billing.ok(*reset, "--to-offset", "1", "--execute")
    billing.ok(*reset, "--to-offset", "2", "--execute")
    assert billing.offsets("billing") == {("invoices", 0): (2, 1), ("invoices", 1): (2, 0)}
    rows = json.loads(billing.ok(*reset, "--to-offset", "99", "-o", "json"))
    assert [(r["partition"], r["new_offset"]) for r in rows] == [(0, 3), (1, 2)]

    billing.ok(*reset, "--to-latest", "--execute")
    assert billing.offsets("billing") == {("invoices", 0): (3, 0), ("invoices", 1): (2, 0)}


def test_reset_and_delete_refused_while_members_are_active(billing: Cli, member: Consumer) -> None:
    code, _, err = billing(
        "groups", "reset-offsets", "billing", "--topic", "invoices", "--to-earliest", "--execute"
    )
    assert code == 1
    assert err.startswith("airstream groups reset-offsets: error: consumer group 'billing' has")
    assert billing.offsets("billing") == {("invoices", 0): (3, 0), ("invoices", 1): (2, 0)}
    code, _, err = billing("groups", "delete", "billing")
    assert code == 1
    assert err.startswith("airstream groups delete: error: group 'billing': ")
    assert err.count("\n") == 1


def test_reset_offsets_on_unknown_topic(billing: Cli) -> None:
    code, _, err = billing(
        "groups", "reset-offsets", "billing", "--topic", "ghost", "--to-earliest"
    )
    assert (code, err) == (1, "airstream groups reset-offsets: error: unknown topic 'ghost'\n")


def test_delete_removes_group_and_offsets(billing: Cli) -> None:
    assert billing.ok("groups", "delete", "billing") == "Deleted consumer group billing.\n"
    listed = json.loads(billing.ok("groups", "list", "-o", "json"))
    assert "billing" not in [g["group"] for g in listed]
    # Its committed offsets went with it: a new member starts from the reset policy.
    out = billing.ok(
        "consume", "invoices", "--group", "billing", "--from-beginning", "--timeout-ms", "2000"
    )
    assert sorted(out.splitlines()) == ["a", "b", "c", "d", "e"]


def test_unknown_group(cli: Cli) -> None:
    code, out, err = cli("groups", "describe", "nobody")
    assert (code, out) == (1, "")
    assert err == "airstream groups describe: error: consumer group 'nobody' does not exist\n"
    code, _, err = cli("groups", "delete", "nobody")
    assert code == 1
    assert err.startswith("airstream groups delete: error: group 'nobody': ")


def test_unreachable_broker(capsys: pytest.CaptureFixture[str]) -> None:
    address = f"127.0.0.1:{closed_port()}"
    code = main(["groups", "list", "--bootstrap-server", address, "--request-timeout-ms", "1000"])
    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert err.startswith(f"airstream groups list: error: cannot reach the broker at {address}")
    assert err.count("\n") == 1
