"""Fetch semantics over a raw socket: long polls that wake on data, and byte limits."""

from __future__ import annotations

import threading
import time

from kio.schema.errors import ErrorCode
from raw_client import RawClient, create_topic, fetch, make_batch, produce

FOREVER_MS = 2**31 - 1


def test_long_poll_wakes_when_data_arrives(broker: str) -> None:
    """A fetch waiting (practically) forever is answered by the append itself."""
    setup = RawClient(broker)
    create_topic(setup, "wake")
    result: dict[str, object] = {}
    consumer = RawClient(broker)
    consumer.sock.settimeout(None)

    def long_poll() -> None:
        result["response"] = fetch(consumer, "wake", 0, max_wait_ms=FOREVER_MS)

    poller = threading.Thread(target=long_poll)
    poller.start()
    # Give the fetch time to reach the broker and start waiting; if it arrived after the
    # produce it would be answered at once and the test would prove less, never fail.
    time.sleep(0.3)
    assert produce(setup, "wake", bytes(make_batch(count=2))).error_code == ErrorCode.none
    poller.join(timeout=120)
    assert not poller.is_alive(), "the long poll was not woken by the append"
    response = result["response"]
    assert response.error_code == ErrorCode.none  # type: ignore[attr-defined]
    assert response.high_watermark == 2  # type: ignore[attr-defined]
    assert response.records  # type: ignore[attr-defined]
    setup.close()
    consumer.close()


def test_limits_whole_batches_and_first_batch_progress(broker: str) -> None:
    client = RawClient(broker)
    create_topic(client, "limits")
    batch = bytes(make_batch(count=10, value_size=100))
    for _ in range(5):
        assert produce(client, "limits", batch).error_code == ErrorCode.none
    size = len(batch)

    everything = fetch(client, "limits", 0)
    assert len(everything.records) == 5 * size

    two = fetch(client, "limits", 0, partition_max_bytes=2 * size + 10)
    assert len(two.records) == 2 * size  # whole batches only

    capped = fetch(client, "limits", 0, max_bytes=3 * size + 1)
    assert len(capped.records) == 3 * size

    # A batch larger than every limit still comes back whole, so consumers make progress.
    tiny = fetch(client, "limits", 0, max_bytes=10, partition_max_bytes=10)
    assert len(tiny.records) == size

    # An offset inside a batch returns that batch (the client skips the earlier records).
    middle = fetch(client, "limits", 15, partition_max_bytes=size)
    assert int.from_bytes(middle.records[:8], "big") == 10

    at_end = fetch(client, "limits", 50)
    assert at_end.error_code == ErrorCode.none
    assert not at_end.records
    assert at_end.high_watermark == 50
    client.close()


def test_min_bytes_collects_several_appends(broker: str) -> None:
    client = RawClient(broker)
    create_topic(client, "minbytes")
    batch = bytes(make_batch(count=1, value_size=50))
    result: dict[str, object] = {}
    consumer = RawClient(broker)
    consumer.sock.settimeout(None)

    def long_poll() -> None:
        result["response"] = fetch(
            consumer, "minbytes", 0, max_wait_ms=FOREVER_MS, min_bytes=3 * len(batch)
        )

    poller = threading.Thread(target=long_poll)
    poller.start()
    for _ in range(3):
        produce(client, "minbytes", batch)
    poller.join(timeout=120)
    assert not poller.is_alive()
    assert len(result["response"].records) >= 3 * len(batch)  # type: ignore[attr-defined]
    client.close()
    consumer.close()
