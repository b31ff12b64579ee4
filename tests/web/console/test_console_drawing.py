"""The pure parts of the console: the DAG graph's layered layout and the line chart."""

from __future__ import annotations

from airstream.web.console.graph_layout import NODE_WIDTH, depths, layout
from airstream.web.console.line_chart import line_chart


def _task(task_id: str, *upstream: str) -> dict[str, object]:
    return {"task_id": task_id, "upstream_task_ids": list(upstream)}


def test_tasks_sit_in_the_column_of_their_longest_path() -> None:
    tasks = [
        _task("start"),
        _task("left", "start"),
        _task("right", "start"),
        _task("deep", "right"),
        _task("join", "left", "deep"),
    ]
    assert depths({t["task_id"]: t["upstream_task_ids"] for t in tasks}) == {  # type: ignore[misc]
        "start": 0,
        "left": 1,
        "right": 1,
        "deep": 2,
        "join": 3,
    }
    drawn = layout(tasks)
    x = {node.task_id: node.x for node in drawn.nodes}
    assert x["start"] < x["left"] == x["right"] < x["deep"] < x["join"]
    assert len(drawn.edges) == 5
    # Every edge goes from the right side of its upstream task to the left of its downstream.
    for edge in drawn.edges:
        start, end = edge.d.split(" C")[0][1:], edge.d.rsplit(" ", 1)[1]
        assert float(start.split(",")[0]) == x[edge.upstream] + NODE_WIDTH
        assert float(end.split(",")[0]) == x[edge.downstream]
    assert drawn.task_order.index("start") < drawn.task_order.index("join")
    assert drawn.width >= x["join"] + NODE_WIDTH


def test_layout_survives_unknown_upstreams_cycles_and_long_ids() -> None:
    long_id = "a_task_with_a_very_long_identifier_indeed"
    drawn = layout([_task("a", "b", "ghost"), _task("b", "a"), _task(long_id)])
    assert {n.task_id for n in drawn.nodes} == {"a", "b", long_id}
    label = next(n.label for n in drawn.nodes if n.task_id == long_id)
    assert label.endswith("…") and len(label) < len(long_id)
    assert layout([]).nodes == []


def test_line_chart_has_one_polyline_per_series_and_skips_gaps() -> None:
    chart = line_chart(
        ["m0", "m1", "m2"],
        {"eu": {"m0": 1.0, "m1": 2.0, "m2": 3.0}, "us": {"m0": 5.0, "m2": 0.0}},
        tick_every=2,
        tick_label=str.upper,
    )
    assert [s.name for s in chart.series] == ["eu", "us"]
    assert [len(s.points.split()) for s in chart.series] == [3, 2]
    assert [t.label for t in chart.x_ticks] == ["M0", "M2"]
    highest = min(float(p.split(",")[1]) for s in chart.series for p in s.points.split())
    assert chart.plot_top <= highest < chart.plot_bottom


def test_line_chart_labels_the_last_minute_unless_crowded() -> None:
    def ticks(count: int) -> list[str]:
        labels = [f"m{i}" for i in range(count)]
        chart = line_chart(labels, {"eu": dict.fromkeys(labels, 1.0)}, tick_every=10)
        return [t.label for t in chart.x_ticks]

    assert ticks(2) == ["m0", "m1"]
    assert ticks(60) == ["m0", "m10", "m20", "m30", "m40", "m50", "m59"]
    assert ticks(53) == ["m0", "m10", "m20", "m30", "m40", "m50"]
