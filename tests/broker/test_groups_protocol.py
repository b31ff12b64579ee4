"""Group and offset APIs at the byte level, across old and new versions, with a raw client."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
from kio.schema.errors import ErrorCode
from raw_client import RawClient, create_topic

FIND_COORDINATOR, JOIN, HEARTBEAT, LEAVE, SYNC, DESCRIBE, LIST, DELETE = (
    10,
    11,
    12,
    13,
    14,
    15,
    16,
    42,
)
OFFSET_COMMIT, OFFSET_FETCH, OFFSET_DELETE = 8, 9, 47
SESSION = datetime.timedelta(seconds=10)


@pytest.fixture
def client(broker: str) -> Iterator[RawClient]:
    raw = RawClient(broker)
    assert create_topic(raw, "t").error_code == ErrorCode.none
    yield raw
    raw.close()


def _join_v0(client: RawClient, group: str, member_id: str = "") -> object:
    return client.request(
        JOIN,
        0,
        {
            "group_id": group,
            "session_timeout": SESSION,
            "member_id": member_id,
            "protocol_type": "consumer",
            "protocols": [{"name": "range", "metadata": b"meta"}],
        },
    )


def test_find_coordinator_versions(client: RawClient, broker: str) -> None:
    port = int(broker.rsplit(":", 1)[1])
    v0 = client.request(FIND_COORDINATOR, 0, {"key": "g"})
    assert (v0.error_code, v0.host, v0.port) == (ErrorCode.none, "127.0.0.1", port)
    v4 = client.request(FIND_COORDINATOR, 4, {"key_type": 0, "coordinator_keys": ["a", "b"]})
    assert [(c.key, c.error_code, c.port) for c in v4.coordinators] == [
        ("a", ErrorCode.none, port),
        ("b", ErrorCode.none, port),
    ]
    transactional = client.request(FIND_COORDINATOR, 3, {"key": "tx", "key_type": 1})
    assert transactional.error_code == ErrorCode.invalid_request
    assert "transactions" in (transactional.error_message or "")


def test_old_versions_full_cycle(client: RawClient) -> None:
    joined = _join_v0(client, "old")
    assert joined.error_code == ErrorCode.none  # v0–v3: no MEMBER_ID_REQUIRED round trip
    assert joined.generation_id == 1 and joined.leader == joined.member_id
    assert [(m.member_id, m.metadata) for m in joined.members] == [(joined.member_id, b"meta")]
    member = joined.member_id
    synced = client.request(
        SYNC,
        0,
        {
            "group_id": "old",
            "generation_id": 1,
            "member_id": member,
            "assignments": [{"member_id": member, "assignment": b"plan"}],
        },
    )
    assert (synced.error_code, synced.assignment) == (ErrorCode.none, b"plan")
    beat = client.request(
        HEARTBEAT, 0, {"group_id": "old", "generation_id": 1, "member_id": member}
    )
    assert beat.error_code == ErrorCode.none

    committed = client.request(
        OFFSET_COMMIT,
        2,
        {
            "group_id": "old",
            "generation_id_or_member_epoch": 1,
            "member_id": member,
            "retention_time": datetime.timedelta(milliseconds=-1),
            "topics": [
                {
                    "name": "t",
                    "partitions": [
                        {"partition_index": 0, "committed_offset": 7, "committed_metadata": "m"},
                        {"partition_index": 5, "committed_offset": 1, "committed_metadata": ""},
                    ],
                },
                {
                    "name": "missing",
                    "partitions": [
                        {"partition_index": 0, "committed_offset": 1, "committed_metadata": ""}
                    ],
                },
            ],
        },
    )
    assert [
        [(p.partition_index, p.error_code) for p in t.partitions] for t in committed.topics
    ] == [
        [(0, ErrorCode.none), (5, ErrorCode.unknown_topic_or_partition)],
        [(0, ErrorCode.unknown_topic_or_partition)],
    ]
    fetched = client.request(
        OFFSET_FETCH, 1, {"group_id": "old", "topics": [{"name": "t", "partition_indexes": [0, 3]}]}
    )
    assert [
        (p.partition_index, p.committed_offset, p.metadata, p.error_code)
        for p in fetched.topics[0].partitions
    ] == [(0, 7, "m", ErrorCode.none), (3, -1, "", ErrorCode.none)]

    listed = client.request(LIST, 0, {})
    assert [(g.group_id, g.protocol_type) for g in listed.groups] == [("old", "consumer")]
    described = client.request(DESCRIBE, 0, {"groups": ["old", "nobody"]})
    assert [(g.group_id, g.group_state) for g in described.groups] == [
        ("old", "Stable"),
        ("nobody", "Dead"),
    ]
    assert described.groups[0].protocol_data == "range"
    assert described.groups[0].members[0].member_assignment == b"plan"

    left = client.request(LEAVE, 0, {"group_id": "old", "member_id": member})
    assert left.error_code == ErrorCode.none
    again = client.request(LEAVE, 0, {"group_id": "old", "member_id": member})
    assert again.error_code == ErrorCode.unknown_member_id
    deleted = client.request(DELETE, 0, {"groups_names": ["old", "never"]})
    assert [(r.group_id, r.error_code) for r in deleted.results] == [
        ("old", ErrorCode.none),
        ("never", ErrorCode.group_id_not_found),
    ]


def test_new_versions_member_id_required_and_batches(client: RawClient) -> None:
    body = {
        "group_id": "new",
        "session_timeout": SESSION,
        "rebalance_timeout": SESSION,
        "member_id": "",
        "group_instance_id": None,
        "protocol_type": "consumer",
        "protocols": [{"name": "range", "metadata": b"meta"}],
        "reason": None,
    }
    first = client.request(JOIN, 9, body)
    assert first.error_code == ErrorCode.member_id_required
    assert first.member_id.startswith("raw-")
    joined = client.request(JOIN, 9, {**body, "member_id": first.member_id})
    assert (joined.error_code, joined.generation_id) == (ErrorCode.none, 1)
    assert (joined.protocol_type, joined.protocol_name) == ("consumer", "range")
    bad = client.request(JOIN, 9, {**body, "session_timeout": datetime.timedelta(seconds=1)})
    assert bad.error_code == ErrorCode.invalid_session_timeout
    no_group = client.request(JOIN, 9, {**body, "group_id": ""})
    assert no_group.error_code == ErrorCode.invalid_group_id

    member = joined.member_id
    synced = client.request(
        SYNC,
        5,
        {
            "group_id": "new",
            "generation_id": 1,
            "member_id": member,
            "group_instance_id": None,
            "protocol_type": "consumer",
            "protocol_name": "range",
            "assignments": [{"member_id": member, "assignment": b"x"}],
        },
    )
    assert (synced.error_code, synced.protocol_name, synced.assignment) == (
        ErrorCode.none,
        "range",
        b"x",
    )
    committed = client.request(
        OFFSET_COMMIT,
        9,
        {
            "group_id": "new",
            "generation_id_or_member_epoch": 1,
            "member_id": member,
            "group_instance_id": None,
            "topics": [
                {
                    "name": "t",
                    "partitions": [
                        {
                            "partition_index": 0,
                            "committed_offset": 3,
                            "committed_leader_epoch": 0,
                            "committed_metadata": None,
                        }
                    ],
                }
            ],
        },
    )
    assert committed.topics[0].partitions[0].error_code == ErrorCode.none
    stale = client.request(
        OFFSET_COMMIT,
        9,
        {
            "group_id": "new",
            "generation_id_or_member_epoch": 0,
            "member_id": member,
            "group_instance_id": None,
            "topics": [
                {
                    "name": "t",
                    "partitions": [
                        {
                            "partition_index": 0,
                            "committed_offset": 99,
                            "committed_leader_epoch": 0,
                            "committed_metadata": None,
                        }
                    ],
                }
            ],
        },
    )
    assert stale.topics[0].partitions[0].error_code == ErrorCode.illegal_generation

    fetched = client.request(
        OFFSET_FETCH,
        8,
        {
            "groups": [
                {"group_id": "new", "topics": None},
                {"group_id": "other", "topics": [{"name": "t", "partition_indexes": [0]}]},
            ],
            "require_stable": False,
        },
    )
    [mine, other] = fetched.groups
    assert [
        (t.name, [(p.committed_offset, p.committed_leader_epoch) for p in t.partitions])
        for t in mine.topics
    ] == [("t", [(3, 0)])]
    assert other.topics[0].partitions[0].committed_offset == -1

    states = client.request(LIST, 5, {"states_filter": ["stable"], "types_filter": []})
    assert [(g.group_id, g.group_state, g.group_type) for g in states.groups] == [
        ("new", "Stable", "classic")
    ]
    assert client.request(LIST, 4, {"states_filter": ["Empty"]}).groups == ()

    refused = client.request(
        OFFSET_DELETE,
        0,
        {
            "group_id": "new",
            "topics": [{"name": "t", "partitions": [{"partition_index": 0}]}],
        },
    )
    # The member's metadata is not a consumer subscription we can read: the group is in use.
    assert refused.error_code == ErrorCode.non_empty_group

    left = client.request(
        LEAVE,
        5,
        {
            "group_id": "new",
            "members": [
                {"member_id": member, "group_instance_id": None, "reason": "done"},
                {"member_id": "ghost", "group_instance_id": None, "reason": None},
            ],
        },
    )
    assert left.error_code == ErrorCode.none
    assert [m.error_code for m in left.members] == [ErrorCode.none, ErrorCode.unknown_member_id]
    described = client.request(
        DESCRIBE, 5, {"groups": ["new"], "include_authorized_operations": False}
    )
    assert described.groups[0].group_state == "Empty"

    deleted_offsets = client.request(
        OFFSET_DELETE,
        0,
        {
            "group_id": "new",
            "topics": [
                {"name": "t", "partitions": [{"partition_index": 0}, {"partition_index": 9}]}
            ],
        },
    )
    assert deleted_offsets.error_code == ErrorCode.none
    assert [p.error_code for p in deleted_offsets.topics[0].partitions] == [
        ErrorCode.none,
        ErrorCode.unknown_topic_or_partition,
    ]
    gone = client.request(
        OFFSET_FETCH,
        7,
        {
            "group_id": "new",
            "topics": None,
            "require_stable": False,
        },
    )
    assert (gone.error_code, gone.topics) == (ErrorCode.none, ())


def test_simple_consumer_commits_without_joining(client: RawClient) -> None:
    committed = client.request(
        OFFSET_COMMIT,
        8,
        {
            "group_id": "simple",
            "generation_id_or_member_epoch": -1,
            "member_id": "",
            "group_instance_id": None,
            "topics": [
                {
                    "name": "t",
                    "partitions": [
                        {
                            "partition_index": 0,
                            "committed_offset": 11,
                            "committed_leader_epoch": -1,
                            "committed_metadata": "by hand",
                        }
                    ],
                }
            ],
        },
    )
    assert committed.topics[0].partitions[0].error_code == ErrorCode.none
    fetched = client.request(OFFSET_FETCH, 3, {"group_id": "simple", "topics": None})
    partition = fetched.topics[0].partitions[0]
    assert (partition.committed_offset, partition.metadata) == (11, "by hand")
    invalid = client.request(OFFSET_FETCH, 3, {"group_id": "", "topics": None})
    assert invalid.error_code == ErrorCode.invalid_group_id
    described = client.request(DESCRIBE, 0, {"groups": ["simple"]})
    assert described.groups[0].group_state == "Empty"
