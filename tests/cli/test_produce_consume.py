"""``airstream produce`` and ``airstream consume`` against a real broker."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from confluent_kafka import Producer

from airstream.cli import main
from airstream.client.console_consumer import ConsumedRecord, format_json, format_text
from airstream.client.console_producer import split_record


def run(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *argv: str,
    stdin: bytes = b"",
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, broker: str) -> Cli:
    return Cli(capsys, monkeypatch, broker)


class Cli:
    """Runs ``airstream`` commands in-process against the test broker."""

    def __init__(
        self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, broker: str
    ) -> None:
        self.capsys, self.monkeypatch, self.broker = capsys, monkeypatch, broker

    def __call__(self, *argv: str, stdin: bytes = b"") -> tuple[int, str, str]:
        argv = (*argv, "--bootstrap-server", self.broker)
        return run(self.capsys, self.monkeypatch, *argv, stdin=stdin)

    def create(self, topic: str, partitions: int = 1) -> None:
        code, _, err = self("topics", "create", topic, "--partitions", str(partitions))
        assert code == 0, err

    def consume_all(self, topic: str, *extra: str) -> list[str]:
        code, out, err = self("consume", topic, "--from-beginning", "--timeout-ms", "1500", *extra)
        assert code == 0, err
        return out.splitlines()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_lines_round_trip_in_order(cli: Cli) -> None:
    cli.create("lines")
    lines = [f"record {i}" for i in range(50)]
    code, out, err = cli("produce", "lines", stdin="\n".join(lines).encode() + b"\n")
    assert (code, out, err) == (0, "", "")
    code, out, err = cli("consume", "lines", "--from-beginning", "--max-messages", "50")
    assert code == 0
    assert out.splitlines() == lines
    assert err == "Processed a total of 50 messages\n"


def test_keys_split_at_the_first_separator(cli: Cli) -> None:
    cli.create("keyed")
    stdin = b"user1:clicked\nuser2:bought:twice\r\nuser3:\n"
    assert cli("produce", "keyed", "--key-separator", ":", stdin=stdin)[0] == 0
    assert cli.consume_all("keyed", "--print-key") == [
        "user1\tclicked",
        "user2\tbought:twice",
        "user3\t",
    ]
    assert cli.consume_all("keyed", "--print-key", "--key-separator", " => ")[0] == (
        "user1 => clicked"
    )


def test_records_without_key_print_null_key(cli: Cli) -> None:
    cli.create("nokey")
    assert cli("produce", "nokey", stdin=b"plain\n")[0] == 0
    assert cli.consume_all("nokey", "--print-key") == ["null\tplain"]


def test_json_output_has_coordinates_headers_and_binary(cli: Cli, broker: str) -> None:
    cli.create("shaped")
    stdin = b"k1=v1\n"
    code, _, err = cli(
        "produce",
        "shaped",
        "--key-separator",
        "=",
        "--header",
        "source=cli",
        "--header",
        "trace=a=b",
        stdin=stdin,
    )
    assert code == 0, err
    producer = Producer({"bootstrap.servers": broker})
    producer.produce("shaped", value=b"\xff\xfe", key=None)
    assert producer.flush(10) == 0

    first, second = (json.loads(line) for line in cli.consume_all("shaped", "-o", "json"))
    assert first["topic"] == "shaped"
    assert (first["partition"], first["offset"]) == (0, 0)
    assert (first["key"], first["value"]) == ("k1", "v1")
    assert first["headers"] == [["source", "cli"], ["trace", "a=b"]]
    assert isinstance(first["timestamp"], int) and first["timestamp"] > 0
    assert second["offset"] == 1
    assert second["key"] is None
    assert second["value"] == {"base64": "//4="}


def test_partition_and_offset(cli: Cli) -> None:
    cli.create("parts", partitions=3)
    assert cli("produce", "parts", "--partition", "2", stdin=b"a\nb\nc\nd\n")[0] == 0
    assert cli("produce", "parts", "--partition", "0", stdin=b"zero\n")[0] == 0
    assert cli.consume_all("parts", "--partition", "2") == ["a", "b", "c", "d"]
    code, out, _ = cli(
        "consume", "parts", "--partition", "2", "--offset", "2", "--timeout-ms", "1500"
    )
    assert (code, out) == (0, "c\nd\n")
    assert cli.consume_all("parts", "--partition", "0") == ["zero"]
    assert sorted(cli.consume_all("parts")) == ["a", "b", "c", "d", "zero"]


def test_acks_levels_all_deliver(cli: Cli) -> None:
    cli.create("acks")
    for acks in ("all", "1", "0"):
        code, _, err = cli("produce", "acks", "--acks", acks, stdin=f"acks={acks}\n".encode())
        assert code == 0, err
    assert cli.consume_all("acks") == ["acks=all", "acks=1", "acks=0"]


def test_idle_timeout_with_nothing_to_read(cli: Cli) -> None:
    cli.create("quiet")
    code, out, err = cli("consume", "quiet", "--timeout-ms", "500")
    assert (code, out, err) == (0, "", "Processed a total of 0 messages\n")


def test_group_commits_what_it_printed(cli: Cli) -> None:
    cli.create("ledger", partitions=2)
    assert cli("produce", "ledger", "--partition", "0", stdin=b"a\nb\nc\n")[0] == 0
    assert cli("produce", "ledger", "--partition", "1", stdin=b"d\ne\n")[0] == 0
    group = ("--group", "auditors", "--from-beginning")
    code, first, _ = cli("consume", "ledger", *group, "--max-messages", "3")
    assert code == 0
    code, rest, _ = cli("consume", "ledger", *group, "--timeout-ms", "2000")
    assert code == 0
    # Each record printed exactly once across the two runs: the first run committed.
    assert sorted(first.splitlines() + rest.splitlines()) == ["a", "b", "c", "d", "e"]
    code, again, _ = cli("consume", "ledger", *group, "--timeout-ms", "1000")
    assert (code, again) == (0, "")


def test_unknown_topic_and_partition_are_errors(cli: Cli) -> None:
    code, out, err = cli("consume", "ghost", "--timeout-ms", "500")
    assert (code, out) == (1, "")
    assert err == "airstream consume: error: unknown topic 'ghost'\n"
    cli.create("narrow")
    code, _, err = cli("consume", "narrow", "--partition", "3", "--timeout-ms", "500")
    assert code == 1
    assert err == "airstream consume: error: topic 'narrow' has no partition 3 (it has 1)\n"
    code, _, err = cli("produce", "narrow", "--partition", "3", stdin=b"x\n")
    assert code == 1
    assert err == "airstream produce: error: topic 'narrow' has no partition 3 (it has 1)\n"


def test_conflicting_consume_options(cli: Cli) -> None:
    cli.create("opts")
    code, _, err = cli("consume", "opts", "--offset", "3")
    assert (code, err) == (1, "airstream consume: error: --offset needs --partition\n")
    code, _, err = cli("consume", "opts", "--group", "g", "--partition", "0")
    assert code == 1
    assert "--partition cannot be used with --group" in err


def test_line_without_key_separator_stops_after_earlier_lines(cli: Cli) -> None:
    cli.create("strict")
    code, _, err = cli("produce", "strict", "--key-separator", ":", stdin=b"k:v\nno-key\nk:w\n")
    assert code == 1
    assert err == "airstream produce: error: line 2: no key separator ':' in line\n"
    # The line before the bad one was still delivered.
    assert cli.consume_all("strict", "--print-key") == ["k\tv"]


def test_oversized_line_is_refused_with_its_line_number(cli: Cli) -> None:
    cli.create("big")
    stdin = b"small\n" + b"x" * 2_000_000 + b"\nnever sent\n"
    code, _, err = cli("produce", "big", stdin=stdin)
    assert code == 1
    assert err.startswith("airstream produce: error: line 2: ")
    assert "too large" in err.lower()
    assert cli.consume_all("big") == ["small"]


def test_records_the_broker_rejects_fail_the_command(cli: Cli) -> None:
    code, _, err = cli("topics", "create", "tight", "--config", "max.message.bytes=1024")
    assert code == 0, err
    assert cli("produce", "tight", stdin=b"fits\n")[0] == 0
    # max.message.bytes bounds a whole batch: sent alone, this record is the batch.
    code, _, err = cli("produce", "tight", stdin=b"y" * 4000 + b"\n")
    assert code == 1
    assert err.startswith("airstream produce: error: 1 of 1 records failed: ")
    assert err.count("\n") == 1
    assert cli.consume_all("tight") == ["fits"]


def test_unreachable_broker(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    address = f"127.0.0.1:{closed_port()}"
    for command in ("produce", "consume"):
        code, out, err = run(
            capsys,
            monkeypatch,
            command,
            "t",
            "--bootstrap-server",
            address,
            "--request-timeout-ms",
            "1000",
            stdin=b"x\n",
        )
        assert (code, out) == (1, "")
        assert err.startswith(f"airstream {command}: error: cannot reach the broker at {address}")
        assert err.count("\n") == 1


def test_ctrl_c_stops_a_group_consumer_cleanly(cli: Cli, broker: str, tmp_path: Path) -> None:
    cli.create("stream")
    assert cli("produce", "stream", stdin=b"one\ntwo\n")[0] == 0
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "airstream",
            "consume",
            "stream",
            "--group",
            "tail",
            "--from-beginning",
            "--bootstrap-server",
            broker,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == b"one\n"
        assert proc.stdout.readline() == b"two\n"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    assert out == b""
    assert b"Traceback" not in err
    assert err.decode().endswith("Processed a total of 2 messages\n")
    # Closing committed both records: the group has nothing left to read.
    code, left, _ = cli("consume", "stream", "--group", "tail", "--timeout-ms", "1000")
    assert (code, left) == (0, "")


def test_ctrl_c_stops_the_producer_after_delivering_what_it_read(
    cli: Cli, broker: str, tmp_path: Path
) -> None:
    cli.create("typed")
    proc = subprocess.Popen(
        [sys.executable, "-m", "airstream", "produce", "typed", "--bootstrap-server", broker],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    try:
        assert proc.stdin is not None
        proc.stdin.write(b"first\nsecond\n")
        proc.stdin.flush()
        # Both lines are on the broker while the producer still waits for more input.
        code, out, _ = cli("consume", "typed", "--from-beginning", "--max-messages", "2")
        assert (code, out) == (0, "first\nsecond\n")
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130
    assert err == b"airstream produce: interrupted\n"


def test_consumer_stops_quietly_when_its_reader_goes_away(
    cli: Cli, broker: str, tmp_path: Path
) -> None:
    cli.create("firehose")
    # Far more than a pipe buffer holds, so the consumer is still writing when we stop reading.
    lines = b"".join(b"%05d %s\n" % (i, b"x" * 100) for i in range(2000))
    assert cli("produce", "firehose", stdin=lines)[0] == 0
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "airstream",
            "consume",
            "firehose",
            "--from-beginning",
            "--bootstrap-server",
            broker,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith(b"00000 x")
        proc.stdout.close()
        proc.wait(timeout=30)
        assert proc.stderr is not None
        err = proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    assert b"Traceback" not in err
    assert err.startswith(b"Processed a total of ")


def test_split_record() -> None:
    assert split_record(b"v", None) == (None, b"v")
    assert split_record(b"k::v", b"::") == (b"k", b"v")
    assert split_record(b":v", b":") == (b"", b"v")
    with pytest.raises(ValueError, match="no key separator"):
        split_record(b"v", b":")


def test_record_formats() -> None:
    record = ConsumedRecord("t", 1, 7, None, None, None, (("h", None),))
    assert format_text(record, print_key=False, key_separator=b"\t") == b"null"
    assert format_text(record, print_key=True, key_separator=b"|") == b"null|null"
    assert json.loads(format_json(record)) == {
        "topic": "t",
        "partition": 1,
        "offset": 7,
        "timestamp": None,
        "key": None,
        "value": None,
        "headers": [["h", None]],
    }
