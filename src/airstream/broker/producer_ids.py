"""Producer ids and epochs handed out by InitProducerId, kept across restarts."""

from __future__ import annotations

from pathlib import Path

from airstream.broker.durable_file import read_json, write_json

#: Largest epoch before Kafka gives the producer a fresh id instead of a bump.
MAX_EPOCH = 32767 - 1


class ProducerIdManager:
    """Allocates producer ids and bumps epochs (KIP-360).

    File format: ``DATA/broker/producer-ids.json`` holds ``{"next_id": N, "epochs": {id: epoch}}``,
    replaced atomically on every change, so an id is never handed out twice, even after
    ``kill -9``. InitProducerId is rare (once per producer start), so a write each is cheap.
    Called from the event loop's thread only.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        state = read_json(path, {"next_id": 0, "epochs": {}})
        self._next_id: int = state["next_id"]
        self._epochs: dict[int, int] = {int(k): v for k, v in state["epochs"].items()}

    def init(self, producer_id: int = -1, epoch: int = -1) -> tuple[int, int] | None:
        """A new id (epoch 0), or the epoch bump of a known id; None if the caller is fenced."""
        if producer_id >= 0:
            current = self._epochs.get(producer_id)
            if current is None or current != epoch:
                return None
            if current < MAX_EPOCH:
                self._epochs[producer_id] = current + 1
                self._save()
                return producer_id, current + 1
            del self._epochs[producer_id]
        new_id = self._next_id
        self._next_id += 1
        self._epochs[new_id] = 0
        self._save()
        return new_id, 0

    def _save(self) -> None:
        write_json(self._path, {"next_id": self._next_id, "epochs": self._epochs})
