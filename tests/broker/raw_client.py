"""A minimal Kafka client over a raw socket, for tests that need exact bytes and codes."""

from __future__ import annotations

import datetime
import io
import socket
import struct
from typing import Any

from kafka.record.default_records import DefaultRecordBatchBuilder
from kio.index import load_request_schema, load_response_schema
from kio.schema.errors import ErrorCode
from kio.serial import entity_reader, entity_writer

from airstream.broker.protocol.entities import make


class RawClient:
    def __init__(self, bootstrap: str) -> None:
        host, port = bootstrap.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=10)
        self.correlation = 0

    def close(self) -> None:
        self.sock.close()

    def send_frame(self, payload: bytes) -> None:
        self.sock.sendall(struct.pack(">i", len(payload)) + payload)

    def recv_frame(self) -> bytes | None:
        head = self._recv_exact(4)
        if head is None:
            return None
        (size,) = struct.unpack(">i", head)
        return self._recv_exact(size)

    def _recv_exact(self, n: int) -> bytes | None:
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return buf

    def request(self, api_key: int, version: int, body: dict[str, Any]) -> Any:
        cls = load_request_schema(api_key, version)
        self.correlation += 1
        header = make(
            cls.__header_schema__,
            request_api_key=api_key,
            request_api_version=version,
            correlation_id=self.correlation,
            client_id="raw",
        )
        buf = io.BytesIO()
        entity_writer(cls.__header_schema__)(buf, header)
        entity_writer(cls)(buf, make(cls, body))
        self.send_frame(buf.getvalue())
        frame = self.recv_frame()
        assert frame is not None, "connection closed"
        response_cls = load_response_schema(api_key, version)
        (correlation,) = struct.unpack_from(">i", frame)
        assert correlation == self.correlation
        offset = 5 if response_cls.__flexible__ and api_key != 18 else 4
        response, _ = entity_reader(response_cls)(frame, offset)
        return response

    def is_closed_by_peer(self) -> bool:
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True


def make_batch(count: int = 3, value_size: int = 10, compression: int = 0) -> bytearray:
    builder = DefaultRecordBatchBuilder(
        magic=2,
        compression_type=compression,
        is_transactional=False,
        producer_id=-1,
        producer_epoch=-1,
        base_sequence=-1,
        batch_size=1 << 20,
    )
    for i in range(count):
        builder.append(
            i, timestamp=1_700_000_000_000 + i, key=b"k", value=b"v" * value_size, headers=[]
        )
    return builder.build()


def produce(
    client: RawClient, topic: str, records: bytes, acks: int = -1, version: int = 9
) -> Any:
    response = client.request(
        0,
        version,
        {
            "acks": acks,
            "timeout": datetime.timedelta(seconds=5),
            "topic_data": [{"name": topic, "partition_data": [{"index": 0, "records": records}]}],
        },
    )
    return response.responses[0].partition_responses[0]


def assert_still_serving(bootstrap: str) -> None:
    client = RawClient(bootstrap)
    response = client.request(18, 3, {"client_software_name": "t", "client_software_version": "1"})
    assert response.error_code == ErrorCode.none
    client.close()


def create_topic(client: RawClient, name: str, configs: dict[str, str] | None = None) -> Any:
    response = client.request(
        19,
        7,
        {
            "topics": [
                {
                    "name": name,
                    "num_partitions": 1,
                    "replication_factor": 1,
                    "assignments": [],
                    "configs": [{"name": k, "value": v} for k, v in (configs or {}).items()],
                }
            ],
            "timeout": datetime.timedelta(seconds=5),
            "validate_only": False,
        },
    )
    return response.topics[0]


def fetch(
    client: RawClient,
    topic: str,
    offset: int,
    *,
    max_wait_ms: int = 10,
    min_bytes: int = 1,
    max_bytes: int = 1 << 20,
    partition_max_bytes: int = 1 << 20,
) -> Any:
    response = client.request(
        1,
        12,
        {
            "replica_id": -1,
            "max_wait": datetime.timedelta(milliseconds=max_wait_ms),
            "min_bytes": min_bytes,
            "max_bytes": max_bytes,
            "isolation_level": 0,
            "session_id": 0,
            "session_epoch": -1,
            "topics": [
                {
                    "topic": topic,
                    "partitions": [
                        {
                            "partition": 0,
                            "current_leader_epoch": -1,
                            "fetch_offset": offset,
                            "last_fetched_epoch": -1,
                            "log_start_offset": -1,
                            "partition_max_bytes": partition_max_bytes,
                        }
                    ],
                }
            ],
            "forgotten_topics_data": [],
            "rack_id": "",
        },
    )
    return response.responses[0].partitions[0]
