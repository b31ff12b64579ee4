"""DAG structure as JSON, for the DAG processor and the API."""

from __future__ import annotations

import json

from dag_cli import DAGS

from airstream.workflows.dagbag import DagBag
from airstream.workflows.serialization import serialize_dag


def test_serialized_dags_are_json_and_keep_the_structure() -> None:
    bag = DagBag(DAGS)
    for dag in bag.dags.values():
        json.dumps(serialize_dag(dag))
    tutorial = serialize_dag(bag.get_dag("mlops"))
    assert tutorial["schedule"] == "1 day, 0:00:00"
    assert tutorial["start_date"] == "2023-01-01T00:00:00+00:00"
    tasks = {t["task_id"]: t for t in tutorial["tasks"]}
    assert tutorial["tasks"][0]["task_id"] == "print_date"
    assert tasks["print_date"]["downstream_task_ids"] == ["sleep", "templated"]
    assert tasks["templated"]["retries"] == 1
    assert tasks["templated"]["operator"] == "BashOperator"
    assert tasks["templated"]["template_fields"] == ["bash_command", "env", "cwd"]
    groups = serialize_dag(bag.get_dag("task_groups"))["task_group"]
    extract = next(c for c in groups["children"] if isinstance(c, dict) and c["label"] == "extract")
    assert extract["children"][0] == "extract.a"
    assert extract["children"][1]["group_id"] == "extract.inner"
    mapped = {t["task_id"]: t for t in serialize_dag(bag.get_dag("mapping"))["tasks"]}
    assert mapped["add"]["is_mapped"] is True
    branching = serialize_dag(bag.get_dag("branching"))
    assert branching["edge_info"]["pick"]["left"] == {"label": "day one"}
    params = serialize_dag(bag.get_dag("params"))["params"]
    assert params["count"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 10}
