"""scripts/execution_report.py: definition → graph, history → per-state entries, layout, SVG/PNG,
on a history recorded from the local AWS and on synthetic ones (AWS interleaves concurrent
iterations, which the local executor runs one after the other)."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import execution_report as report
import pytest
from PIL import Image, ImageColor

RECORDED = (
    Path(__file__).parents[1] / "fixtures" / "execution_report" / "retry_catch_map_parallel.json"
)
T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def recorded():
    data = json.loads(RECORDED.read_text())
    for event in data["events"]:
        event["timestamp"] = datetime.fromisoformat(event["timestamp"])
    return data["definition"], data["events"]


def history(*rows: tuple) -> list[dict]:
    """Events from (id, previous id, second, type, details)."""
    events = []
    for event_id, previous, second, kind, details in rows:
        event = {"id": event_id, "previousEventId": previous, "type": kind}
        event["timestamp"] = T0 + timedelta(seconds=second)
        if details:
            key = "stateEnteredEventDetails" if kind.endswith("StateEntered") else None
            key = key or ("stateExitedEventDetails" if kind.endswith("StateExited") else None)
            event[key or kind[0].lower() + kind[1:] + "EventDetails"] = details
        events.append(event)
    return events


def test_graph_nests_map_and_parallel_and_keeps_every_transition(recorded):
    graph = report.state_graph(recorded[0])
    assert graph.root.states == [report.START, "Start", "Fetch", "Fan", "Par", "Done", report.END]
    assert [s.states for s in graph.states["Fan"].scopes] == [["Inner", "Check", "Ok", "Boom"]]
    assert [s.start for s in graph.states["Par"].scopes] == ["A", "B"]
    edges = {(e.source, e.target, e.kind, e.label) for e in graph.edges}
    assert {
        (report.START, "Start", "start", ""),
        ("Fetch", "Fan", "next", ""),
        ("Fetch", "Fan", "catch", "States.ALL"),
        ("Check", "Boom", "choice", "$ NumericEquals 2"),
        ("Check", "Ok", "default", "default"),
        ("Done", report.END, "end", ""),
    } <= edges
    # Only the top level has Start/End: A, B, Ok and Boom end their branch, not the machine.
    assert {e.source for e in graph.edges if e.target == report.END} == {"Done"}


def test_choice_labels():
    assert report.condition({"Variable": "$.x", "IsPresent": True, "Next": "A"}) == (
        "$.x IsPresent true"
    )
    assert report.condition({"Or": [], "Next": "A"}) == "Or"
    assert report.condition({"Condition": "{% $x > 1 %}", "Next": "A"}) == "{% $x > 1 %}"


def test_recorded_history_retries_catches_and_iterations(recorded):
    runs = report.state_runs(recorded[1])
    (fetch,) = runs["Fetch"]
    assert (fetch.attempts, fetch.status(running=False)) == (3, "caught")
    assert fetch.errors == ["S3.NoSuchBucketException"] * 3
    assert fetch.seconds == pytest.approx(2.732)
    (fan,) = runs["Fan"]
    assert dict(fan.iterations) == {"Started": 2, "Succeeded": 1, "Failed": 1}
    assert fan.status(running=False) == "caught"
    assert [e.status(running=False) for e in runs["Inner"]] == ["succeeded", "succeeded"]
    assert runs["Boom"][0].status(running=False) == "failed"
    assert runs["Par"][0].seconds == pytest.approx(1.028)
    assert runs["A"][0].seconds == pytest.approx(1.017)
    outcome = report.execution_outcome(recorded[1])
    assert (outcome.status, outcome.error, outcome.cause) == ("FAILED", "Final", "the end")
    assert outcome.seconds == pytest.approx(3.8)


def test_captions(recorded):
    runs = report.state_runs(recorded[1])
    assert report.caption(runs["Fetch"], False) == [
        "caught · 2.73 s",
        "2 retries",
        "error: S3.NoSuchBucketException",
    ]
    assert report.caption(runs["Fan"], False) == [
        "caught · 0.02 s",
        "2 iterations: 1 succeeded, 1 failed",
    ]
    assert report.caption(runs["Inner"], False) == ["succeeded, 2 runs · 0.00 s to 0.00 s"]
    assert report.caption([], False) == ["not run"]
    assert report.duration(75.4) == "1 min 15 s"


def test_interleaved_iterations_are_told_apart_by_the_event_chain():
    """Two Lambda tasks of a Map run at once: iteration 1 fails once and is retried; their
    events interleave and only previousEventId says which is whose."""
    events = history(
        (1, 0, 0, "ExecutionStarted", None),
        (2, 1, 0, "MapStateEntered", {"name": "Map"}),
        (3, 2, 0, "MapStateStarted", {"length": 2}),
        (4, 3, 0, "MapIterationStarted", {"name": "Map", "index": 0}),
        (5, 3, 0, "MapIterationStarted", {"name": "Map", "index": 1}),
        (6, 4, 0, "TaskStateEntered", {"name": "Encode"}),
        (7, 5, 1, "TaskStateEntered", {"name": "Encode"}),
        (8, 6, 1, "LambdaFunctionScheduled", {}),
        (9, 7, 1, "LambdaFunctionScheduled", {}),
        (10, 9, 2, "LambdaFunctionFailed", {"error": "Lambda.ServiceException"}),
        (11, 10, 3, "LambdaFunctionScheduled", {}),
        (12, 8, 4, "LambdaFunctionSucceeded", {}),
        (13, 12, 4, "TaskStateExited", {"name": "Encode"}),
        (14, 13, 4, "MapIterationSucceeded", {"name": "Map", "index": 0}),
        (15, 11, 6, "LambdaFunctionSucceeded", {}),
        (16, 15, 7, "TaskStateExited", {"name": "Encode"}),
        (17, 16, 7, "MapIterationSucceeded", {"name": "Map", "index": 1}),
        (18, 17, 8, "MapStateSucceeded", None),
        (19, 18, 8, "MapStateExited", {"name": "Map"}),
        (20, 19, 8, "ExecutionSucceeded", {}),
    )
    runs = report.state_runs(events)
    first, second = runs["Encode"]
    assert (first.seconds, first.attempts, first.errors) == (4, 1, [])
    assert (second.seconds, second.attempts, second.errors) == (6, 2, ["Lambda.ServiceException"])
    assert second.status(running=False) == "succeeded"
    assert runs["Map"][0].seconds == 8
    assert report.caption(runs["Encode"], False) == [
        "succeeded, 2 runs · 4.00 s to 6.00 s",
        "1 retry",
        "error: Lambda.ServiceException",
    ]


def test_uncaught_failure_and_a_running_execution():
    failed = history(
        (1, 0, 0, "ExecutionStarted", None),
        (2, 1, 0, "TaskStateEntered", {"name": "Split"}),
        (3, 2, 0, "TaskScheduled", {}),
        (4, 3, 5, "TaskTimedOut", {}),
        (5, 4, 5, "ExecutionFailed", {"error": "States.Timeout", "cause": "slow"}),
    )
    (split,) = report.state_runs(failed)["Split"]
    assert (split.status(running=False), split.errors, split.seconds) == (
        "failed",
        ["States.Timeout"],
        5,
    )
    running = failed[:3]
    assert report.execution_outcome(running).status == "RUNNING"
    labels = report.state_labels(report.state_graph(definition_two_steps()), running)
    assert labels["Split"].status == "running"
    assert labels["Merge"] == report.Label(["Merge", "Task", "not run"], "not run")


def definition_two_steps() -> dict:
    task = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke"}
    return {
        "StartAt": "Split",
        "States": {"Split": {**task, "Next": "Merge"}, "Merge": {**task, "End": True}},
    }


def test_spread_keeps_order_and_gaps_nearest_to_the_wish():
    assert report.spread([0, 0, 0], [10, 10]) == [-10, 0, 10]
    assert report.spread([0, 100], [10]) == [0, 100]
    assert report.spread([5, 0], [10]) == [-2.5, 7.5]


def test_layers_leave_loops_out():
    edges = [
        report.Edge("Get", "Done?", "next"),
        report.Edge("Done?", "Wait", "choice"),
        report.Edge("Wait", "Get", "next"),
        report.Edge("Done?", "Fail", "default"),
    ]
    layer, back = report.layers("Get", ["Get", "Done?", "Wait", "Fail"], edges)
    assert layer == {"Get": 0, "Done?": 1, "Wait": 2, "Fail": 2}
    assert back == {2}


def overlaps(a: report.Box, b: report.Box) -> bool:
    return a.x < b.x + b.w and b.x < a.x + a.w and a.y < b.y + b.h and b.y < a.y + a.h


def test_layout_nests_containers_and_keeps_states_apart(recorded):
    definition, events = recorded
    graph = report.state_graph(definition)
    drawing = report.layout(graph, report.state_labels(graph, events))
    boxes = {box.name: box for box in drawing.boxes}
    fan, inner = boxes["Fan"], boxes["Inner"]
    assert fan.container and not inner.container
    assert fan.x < inner.x and inner.x + inner.w < fan.x + fan.w
    assert fan.y < inner.y and inner.y + inner.h < fan.y + fan.h
    assert boxes["Fetch"].y + boxes["Fetch"].h < fan.y < fan.y + fan.h < boxes["Par"].y
    assert boxes["A"].y == boxes["B"].y
    siblings = [
        b for b in drawing.boxes if b.name not in ("Inner", "Check", "Ok", "Boom", "A", "B")
    ]
    assert not any(overlaps(a, b) for i, a in enumerate(siblings) for b in siblings[i + 1 :])
    for box in drawing.boxes:
        assert box.x >= 0 and box.x + box.w <= drawing.width + report.PAD
    for route in drawing.routes:
        assert all(0 <= x <= drawing.width + report.PAD for x, _ in route.points)


def test_a_loop_goes_up_the_right_hand_side():
    definition = {
        "StartAt": "Get",
        "States": {
            "Get": {"Type": "Pass", "Next": "Done?"},
            "Done?": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.state", "StringEquals": "RUNNING", "Next": "Wait"}],
                "Default": "Done",
            },
            "Wait": {"Type": "Wait", "Seconds": 5, "Next": "Get"},
            "Done": {"Type": "Succeed"},
        },
    }
    graph = report.state_graph(definition)
    drawing = report.layout(graph, report.state_labels(graph, history((1, 0, 0, "X", None))))
    loop = next(r for r in drawing.routes if r.points[0][1] > r.points[-1][1])
    (_, under), (lane, _) = loop.points[1], loop.points[2]
    assert lane > max(box.x + box.w for box in drawing.boxes)
    # Under the row of Wait (so under its neighbours), then up to Get's right-hand side.
    boxes = {box.name: box for box in drawing.boxes}
    row = [box for box in drawing.boxes if box.y == boxes["Wait"].y]
    assert max(box.y + box.h for box in row) < under < boxes[report.END].y
    get = boxes["Get"]
    assert loop.points[-1] == (get.x + get.w, get.y + get.h / 2)


def test_svg_and_png(recorded):
    definition, events = recorded
    graph = report.state_graph(definition)
    drawing = report.layout(graph, report.state_labels(graph, events))
    svg = ET.fromstring(report.svg(drawing))
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert {"Fetch", "caught · 2.73 s", "States.ALL", "$ NumericEquals 2"} <= set(texts)
    fills = {r.get("fill") for r in svg.iter("{http://www.w3.org/2000/svg}rect")}
    assert {report.STATUS_COLOURS[s][0] for s in ("succeeded", "caught", "failed")} <= fills
    image = report.png(drawing)
    assert image.size == (
        int((drawing.width + 2 * report.PAD) * report.PNG_SCALE),
        int((drawing.height + 2 * report.PAD) * report.PNG_SCALE),
    )
    fetch = next(b for b in drawing.boxes if b.name == "Fetch")
    inside = (
        int((fetch.x + 3) * report.PNG_SCALE),
        int((fetch.y + fetch.h - 3) * report.PNG_SCALE),
    )
    assert image.getpixel(inside) == ImageColor.getrgb(report.STATUS_COLOURS["caught"][0])


def test_reports_embed_outputs_and_thumbnails(recorded):
    definition, events = recorded
    thumbnail = io.BytesIO()
    Image.new("RGB", (320, 180), "#3366cc").save(thumbnail, "JPEG")
    runs = [
        report.Run(
            "clip.mp4",
            events,
            ["s3://out/clip.mp4: 1920x1080, 12.000 s"],
            [("thumbnail", thumbnail.getvalue())],
        ),
        report.Run("other.mp4", events, []),
    ]
    page = report.html_report("media-convert", definition, runs, "Generated now")
    assert page.count("<svg") == 2
    assert "s3://out/clip.mp4: 1920x1080, 12.000 s" in page
    assert "data:image/jpeg;base64," in page
    assert "clip.mp4: FAILED in 3.80 s (Final)" in page and "the end" in page
    image = report.png_report("media-convert", definition, runs)
    graph = report.state_graph(definition)
    graph_width = report.png(report.layout(graph, report.state_labels(graph, events))).width
    assert image.width > 2 * graph_width  # the runs side by side
    blue = [p for p in image.get_flattened_data() if abs(p[0] - 0x33) < 8 and abs(p[2] - 0xCC) < 8]
    assert len(blue) > 300 * 160  # the thumbnail, drawn at twice its size bounded by 480
    assert 'href="media-convert.png"' in report.index_html(["media-convert"])
