"""The committed-offset store: durability across reopen and kill -9, group commit, deletes."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from airstream.broker.groups.offset_store import (
    SCHEMA_VERSION,
    CommittedOffset,
    OffsetStore,
    OffsetStoreClosed,
)


def test_offsets_survive_reopen_with_metadata_and_epoch(tmp_path: Path) -> None:
    path = tmp_path / "broker" / "offsets.db"

    async def commit() -> None:
        store = OffsetStore.open(path)
        await store.commit("g", {("t", 0): CommittedOffset(42, 7, "note", 123)})
        await store.commit("g", {("t", 1): CommittedOffset(3)})
        await store.commit("g", {("t", 0): CommittedOffset(43, 7, "later", 124)})
        store.close()

    asyncio.run(commit())
    store = OffsetStore.open(path)
    assert store.get("g", "t", 0) == CommittedOffset(43, 7, "later", 124)
    assert store.committed("g") == {("t", 0): 43, ("t", 1): 3}
    assert store.get("g", "t", 9) is None and store.committed("other") == {}
    assert store.group_ids() == ["g"]
    store.close()


def test_concurrent_commits_share_transactions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "offsets.db"
    transactions = []
    original = OffsetStore._write

    def counting_write(self: OffsetStore, writes: list[object]) -> None:
        transactions.append(len(writes))
        original(self, writes)  # type: ignore[arg-type]

    monkeypatch.setattr(OffsetStore, "_write", counting_write)

    async def commit_many() -> None:
        store = OffsetStore.open(path)
        await asyncio.gather(
            *(store.commit(f"g{i % 5}", {("t", i): CommittedOffset(i)}) for i in range(200))
        )
        store.close()

    asyncio.run(commit_many())
    assert sum(transactions) == 200
    assert len(transactions) < 200  # group commit: one fsync covered many commits
    store = OffsetStore.open(path)
    assert sum(len(store.committed(f"g{i}")) for i in range(5)) == 200
    assert store.get("g3", "t", 3) == CommittedOffset(3)
    store.close()


def test_deletes(tmp_path: Path) -> None:
    path = tmp_path / "offsets.db"

    async def run() -> None:
        store = OffsetStore.open(path)
        await store.commit("a", {("t", 0): CommittedOffset(1), ("u", 0): CommittedOffset(2)})
        await store.commit("b", {("t", 0): CommittedOffset(3), ("t", 1): CommittedOffset(4)})
        await store.commit("c", {("v", 0): CommittedOffset(5)})
        store.delete_topic("t")
        assert store.committed("a") == {("u", 0): 2} and store.committed("b") == {}
        await store.delete_offsets("a", [("u", 0)])
        await store.delete_group("c")
        assert store.group_ids() == []
        await store.commit("d", {("t", 0): CommittedOffset(6)})
        store.close()

    asyncio.run(run())
    store = OffsetStore.open(path)
    assert store.group_ids() == ["d"]
    store.close()


def test_closed_store_refuses_writes(tmp_path: Path) -> None:
    async def run() -> None:
        store = OffsetStore.open(tmp_path / "offsets.db")
        store.close()
        with pytest.raises(OffsetStoreClosed):
            await store.commit("g", {("t", 0): CommittedOffset(1)})

    asyncio.run(run())


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "offsets.db"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(RuntimeError, match="newer"):
        OffsetStore.open(path)


def test_acknowledged_commit_survives_kill_9(tmp_path: Path) -> None:
    path = tmp_path / "offsets.db"
    script = textwrap.dedent(
        f"""
        import asyncio, sys, time
        from airstream.broker.groups.offset_store import CommittedOffset, OffsetStore

        async def main():
            store = OffsetStore.open(__import__("pathlib").Path({str(path)!r}))
            for i in range(50):
                await store.commit("g", {{("t", i % 3): CommittedOffset(i)}})
                print(i, flush=True)
            time.sleep(60)  # acknowledged; wait to be killed

        asyncio.run(main())
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    acknowledged = [int(proc.stdout.readline()) for _ in range(50)]
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    assert acknowledged[-1] == 49
    store = OffsetStore.open(path)
    assert store.committed("g") == {("t", 0): 48, ("t", 1): 49, ("t", 2): 47}
    store.close()
