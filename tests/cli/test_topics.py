"""``airstream topics`` against a real broker: create, list, describe, alter, delete, errors."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from airstream.cli import main
from airstream.client.connection import default_bootstrap_servers
from airstream.client.output import render_table


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def topics(capsys: pytest.CaptureFixture[str], broker: str, *argv: str) -> tuple[int, str, str]:
    return run(capsys, "topics", *argv, "--bootstrap-server", broker)


def describe_json(capsys: pytest.CaptureFixture[str], broker: str, name: str) -> dict[str, object]:
    code, out, err = topics(capsys, broker, "describe", name, "-o", "json")
    assert code == 0, err
    [description] = json.loads(out)
    assert isinstance(description, dict)
    return description


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_create_list_describe_delete(capsys: pytest.CaptureFixture[str], broker: str) -> None:
    code, out, err = topics(
        capsys, broker, "create", "orders", "--partitions", "3", "--config", "retention.ms=3600000"
    )
    assert (code, out, err) == (0, "Created topic orders.\n", "")

    code, out, _ = topics(capsys, broker, "list")
    assert code == 0
    assert out.splitlines()[0].split() == ["NAME", "PARTITIONS"]
    assert ["orders", "3"] in [line.split() for line in out.splitlines()[1:]]

    code, out, _ = topics(capsys, broker, "list", "-o", "json")
    assert {"name": "orders", "partitions": 3} in json.loads(out)

    description = describe_json(capsys, broker, "orders")
    assert description["name"] == "orders"
    assert description["replication_factor"] == 1
    partitions = description["partitions"]
    assert isinstance(partitions, list)
    assert [p["partition"] for p in partitions] == [0, 1, 2]
    for p in partitions:
        assert p["leader"] is not None
        assert p["replicas"] == [p["leader"]]
        assert p["isr"] == [p["leader"]]
    assert description["configs"] == {"retention.ms": "3600000"}

    code, out, _ = topics(capsys, broker, "delete", "orders")
    assert (code, out) == (0, "Deleted topic orders.\n")
    code, out, _ = topics(capsys, broker, "list", "-o", "json")
    assert "orders" not in [t["name"] for t in json.loads(out)]


def test_describe_text_follows_kafka_topics_layout(
    capsys: pytest.CaptureFixture[str], broker: str
) -> None:
    assert topics(capsys, broker, "create", "layout", "--partitions", "2")[0] == 0
    code, out, _ = topics(capsys, broker, "describe", "layout")
    assert code == 0
    header, *partition_lines = out.splitlines()
    assert header.startswith("Topic: layout\tPartitionCount: 2\tReplicationFactor: 1\tConfigs:")
    assert len(partition_lines) == 2
    for number, line in enumerate(partition_lines):
        assert line.startswith(f"\tTopic: layout\tPartition: {number}\tLeader: ")
        assert "\tReplicas: " in line and "\tIsr: " in line


def test_describe_without_names_covers_every_topic(
    capsys: pytest.CaptureFixture[str], broker: str
) -> None:
    for name in ("alpha", "beta"):
        assert topics(capsys, broker, "create", name, "--partitions", "1")[0] == 0
    code, out, _ = topics(capsys, broker, "describe", "-o", "json")
    assert code == 0
    names = [t["name"] for t in json.loads(out)]
    assert {"alpha", "beta"} <= set(names)
    assert names == sorted(names)


def test_create_twice_fails_unless_if_not_exists(
    capsys: pytest.CaptureFixture[str], broker: str
) -> None:
    assert topics(capsys, broker, "create", "twice")[0] == 0
    code, out, err = topics(capsys, broker, "create", "twice")
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1
    assert "twice" in err and "already exists" in err
    assert topics(capsys, broker, "create", "twice", "--if-not-exists") == (0, "", "")


def test_alter_partitions_and_configs(capsys: pytest.CaptureFixture[str], broker: str) -> None:
    assert topics(capsys, broker, "create", "growing", "--partitions", "1")[0] == 0

    code, out, err = topics(capsys, broker, "alter", "growing", "--partitions", "4")
    assert (code, out, err) == (0, "Altered topic growing.\n", "")
    partitions = describe_json(capsys, broker, "growing")["partitions"]
    assert isinstance(partitions, list) and len(partitions) == 4

    code, _, err = topics(
        capsys,
        broker,
        "alter",
        "growing",
        "--config",
        "retention.ms=60000",
        "--config",
        "max.message.bytes=2048",
    )
    assert code == 0, err
    assert describe_json(capsys, broker, "growing")["configs"] == {
        "max.message.bytes": "2048",
        "retention.ms": "60000",
    }

    code, _, err = topics(capsys, broker, "alter", "growing", "--delete-config", "retention.ms")
    assert code == 0, err
    assert describe_json(capsys, broker, "growing")["configs"] == {"max.message.bytes": "2048"}


def test_alter_cannot_shrink_partitions(capsys: pytest.CaptureFixture[str], broker: str) -> None:
    assert topics(capsys, broker, "create", "shrink", "--partitions", "3")[0] == 0
    code, _, err = topics(capsys, broker, "alter", "shrink", "--partitions", "2")
    assert code == 1
    assert err.startswith("airstream topics alter: error: topic 'shrink': ")
    assert err.count("\n") == 1
    partitions = describe_json(capsys, broker, "shrink")["partitions"]
    assert isinstance(partitions, list) and len(partitions) == 3


def test_alter_without_a_change_is_refused(capsys: pytest.CaptureFixture[str], broker: str) -> None:
    assert topics(capsys, broker, "create", "still")[0] == 0
    code, _, err = topics(capsys, broker, "alter", "still")
    assert code == 1
    assert "nothing to alter" in err


def test_invalid_config_is_one_line_error(capsys: pytest.CaptureFixture[str], broker: str) -> None:
    code, out, err = topics(capsys, broker, "create", "bad", "--config", "retention.ms=soon")
    assert code == 1
    assert out == ""
    assert err.startswith("airstream topics create: error: topic 'bad': ")
    assert err.count("\n") == 1
    code, out, _ = topics(capsys, broker, "list", "-o", "json")
    assert "bad" not in [t["name"] for t in json.loads(out)]


def test_unknown_topics_are_reported(capsys: pytest.CaptureFixture[str], broker: str) -> None:
    code, out, err = topics(capsys, broker, "describe", "ghost")
    assert (code, out) == (1, "")
    assert err == "airstream topics describe: error: unknown topic: 'ghost'\n"

    code, _, err = topics(capsys, broker, "alter", "ghost", "--partitions", "2")
    assert (code, err) == (1, "airstream topics alter: error: unknown topic: 'ghost'\n")

    assert topics(capsys, broker, "create", "real")[0] == 0
    code, _, err = topics(capsys, broker, "delete", "real", "ghost")
    assert (code, err) == (1, "airstream topics delete: error: unknown topic: 'ghost'\n")
    # Nothing was deleted: the command checks every name first.
    code, out, _ = topics(capsys, broker, "list", "-o", "json")
    assert "real" in [t["name"] for t in json.loads(out)]

    code, out, err = topics(capsys, broker, "delete", "real", "ghost", "--if-exists")
    assert (code, out, err) == (0, "Deleted topic real.\n", "")


def test_unreachable_broker_is_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    address = f"127.0.0.1:{closed_port()}"
    code, out, err = run(
        capsys,
        "topics",
        "list",
        "--bootstrap-server",
        address,
        "--request-timeout-ms",
        "500",
    )
    assert (code, out) == (1, "")
    assert err.startswith(f"airstream topics list: error: cannot reach the broker at {address} (")
    assert err.count("\n") == 1


def test_subprocess_error_has_no_traceback(tmp_path: Path) -> None:
    address = f"127.0.0.1:{closed_port()}"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "airstream",
            "topics",
            "create",
            "x",
            "--bootstrap-server",
            address,
            "--request-timeout-ms",
            "500",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("airstream topics create: error: cannot reach the broker")
    assert result.stderr.count("\n") == 1


def test_bootstrap_server_from_environment(
    capsys: pytest.CaptureFixture[str], broker: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRSTREAM_BOOTSTRAP_SERVERS", broker)
    assert run(capsys, "topics", "create", "from-env")[0] == 0
    code, out, _ = run(capsys, "topics", "list", "-o", "json")
    assert code == 0
    assert "from-env" in [t["name"] for t in json.loads(out)]


def test_default_bootstrap_comes_from_settings(tmp_path: Path) -> None:
    env = {"AIRSTREAM_HOME": str(tmp_path)}
    assert default_bootstrap_servers(env) == "127.0.0.1:9092"
    (tmp_path / "airstream.toml").write_text('[broker]\nhost = "0.0.0.0"\nport = 19093\n')
    # A wildcard bind address is not something a client can connect to.
    assert default_bootstrap_servers(env) == "127.0.0.1:19093"
    env["AIRSTREAM_BROKER_ADVERTISED_HOST"] = "broker.example"
    assert default_bootstrap_servers(env) == "broker.example:19093"
    env["AIRSTREAM_BOOTSTRAP_SERVERS"] = "k1:9092,k2:9092"
    assert default_bootstrap_servers(env) == "k1:9092,k2:9092"


def test_invalid_settings_are_a_client_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AIRSTREAM_BOOTSTRAP_SERVERS", raising=False)
    monkeypatch.setenv("AIRSTREAM_HOME", str(tmp_path))
    monkeypatch.setenv("AIRSTREAM_BROKER_PORT", "ninety")
    code, _, err = run(capsys, "topics", "list")
    assert code == 1
    assert err.startswith("airstream topics list: error: invalid settings: broker.port")


def test_render_table_aligns_columns() -> None:
    rows: list[dict[str, object]] = [
        {"name": "a", "partitions": 10, "isr": [1, 2]},
        {"name": "long-name", "isr": None},
    ]
    assert render_table(("name", "partitions", "isr"), rows) == (
        "NAME       PARTITIONS  ISR\na          10          1,2\nlong-name  -           -\n"
    )
