"""Execution reports for `make demo`: a workflow's state machine drawn from its definition, each
state coloured by what the execution history says (status, duration, retries, errors, Map
iterations), beside what the run produced; written as HTML (inline SVG) and PNG (Pillow).

Definition → graph, history → per-state entries, graph → layout → SVG/PNG are pure functions;
`write_report` is the thin part that reads them from the (local) AWS and writes the files."""

from __future__ import annotations

import base64
import html
import io
import itertools
import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

START, END = "\0start", "\0end"  # the pseudo states drawn above and below the top-level states
FONT_SIZE, LINE, PAD, GAP_X, GAP_Y = 13, 17, 8, 28, 40
PNG_SCALE = 2  # the PNG is drawn at twice the SVG's size, so its text stays legible
PNG_WIDTH = 8000
THUMBNAIL_WIDTH = 240
STATUS_COLOURS = {  # fill, stroke
    "succeeded": ("#e6f4ea", "#1e8e3e"),
    "caught": ("#fef7e0", "#e37400"),
    "failed": ("#fce8e6", "#d93025"),
    "aborted": ("#f1f3f4", "#5f6368"),
    "running": ("#e8f0fe", "#1a73e8"),
    "not run": ("#ffffff", "#9aa0a6"),
    "marker": ("#3c4043", "#3c4043"),
}
WORST_FIRST = ["failed", "caught", "aborted", "running", "succeeded"]
EDGE_COLOURS = {"catch": "#e37400", "choice": "#1a73e8", "default": "#1a73e8"}


@dataclass
class Scope:
    """A StartAt/States block: the state machine, a Map's ItemProcessor or a Parallel branch."""

    start: str
    states: list[str]


@dataclass
class State:
    name: str
    type: str
    scopes: list[Scope] = field(default_factory=list)  # Map: its processor; Parallel: branches


@dataclass
class Edge:
    source: str
    target: str
    kind: str  # next, choice, default, catch, start, end
    label: str = ""


@dataclass
class Graph:
    root: Scope
    states: dict[str, State]
    edges: list[Edge]


def state_graph(definition: dict) -> Graph:
    """The states (nested in their Map/Parallel) and transitions of an ASL definition."""
    states: dict[str, State] = {}
    edges: list[Edge] = []

    def scope(block: dict) -> Scope:
        for name, spec in block["States"].items():
            processor = spec.get("ItemProcessor") or spec.get("Iterator")
            branches = [processor] if processor else spec.get("Branches", [])
            states[name] = State(name, spec["Type"], [scope(branch) for branch in branches])
            edges.extend(Edge(name, *transition) for transition in transitions(spec))
        return Scope(block["StartAt"], list(block["States"]))

    root = scope(definition)
    edges.append(Edge(START, root.start, "start"))
    for name in root.states:
        spec = definition["States"][name]
        if spec.get("End") or spec["Type"] in ("Succeed", "Fail"):
            edges.append(Edge(name, END, "end"))
    return Graph(Scope(START, [START, *root.states, END]), states, edges)


def transitions(spec: dict):
    if "Next" in spec:
        yield spec["Next"], "next", ""
    for choice in spec.get("Choices", []):
        yield choice["Next"], "choice", condition(choice)
    if "Default" in spec:
        yield spec["Default"], "default", "default"
    for catch in spec.get("Catch", []):
        yield catch["Next"], "catch", ", ".join(catch["ErrorEquals"])


def condition(rule: dict) -> str:
    """A short label for a Choice rule: `$.x IsPresent true`; And/Or/Not by the operator only."""
    if "Condition" in rule:  # JSONata
        return rule["Condition"]
    operator = next((op for op in ("And", "Or", "Not") if op in rule), None)
    if operator:
        return operator
    test = next(key for key in rule if key not in ("Variable", "Next", "Comment"))
    return f"{rule['Variable']} {test} {json.dumps(rule[test])}"


@dataclass
class Entry:
    """One entering of a state: a state inside a Map is entered once per iteration."""

    name: str
    kind: str  # the event's prefix: Task, Map, Parallel, Pass, Choice, Wait, Succeed, Fail
    event_id: int
    start: datetime
    end: datetime
    attempts: int = 0
    errors: list[str] = field(default_factory=list)
    failed: bool = False  # its last attempt (a Map or Parallel: the state itself) failed
    exited: bool = False
    iterations: Counter = field(default_factory=Counter)  # Map: Started/Succeeded/Failed/Aborted

    def status(self, running: bool) -> str:
        if self.kind == "Fail":
            return "failed"
        if self.exited:
            return "caught" if self.failed else "succeeded"
        if running:
            return "running"
        return "failed" if self.failed else "aborted"

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


def owner_kind(event_type: str) -> str | None:
    """Which kind of state an event that is not an enter/exit belongs to."""
    if event_type.startswith("Map"):
        return "Map"
    if event_type.startswith("Parallel"):
        return "Parallel"
    if event_type.startswith(("Task", "LambdaFunction", "Activity")):
        return "Task"
    return None


def state_runs(events: list[dict]) -> dict[str, list[Entry]]:
    """Each state's entries in an execution history (GetExecutionHistory's events).

    Map iterations and Parallel branches interleave their events, so an event is given to the
    nearest still-open entry of the right kind up its previousEventId chain."""
    by_id = {event["id"]: event for event in events}
    open_entries: dict[int, Entry] = {}
    runs: dict[str, list[Entry]] = {}

    def owner(event: dict, matches) -> Entry | None:
        previous = by_id.get(event.get("previousEventId"))
        while previous is not None:
            entry = open_entries.get(previous["id"])
            if entry is not None and matches(entry):
                return entry
            previous = by_id.get(previous.get("previousEventId"))
        return None

    for event in sorted(events, key=lambda e: e["id"]):
        kind, stamp = event["type"], event["timestamp"]
        if kind.endswith("StateEntered"):
            name = event["stateEnteredEventDetails"]["name"]
            entry = Entry(name, kind.removesuffix("StateEntered"), event["id"], stamp, stamp)
            open_entries[event["id"]] = entry
            runs.setdefault(name, []).append(entry)
            continue
        if kind.endswith("StateExited"):
            name = event["stateExitedEventDetails"]["name"]
            entry = owner(event, lambda e, name=name: e.name == name)
        else:
            wanted = owner_kind(kind)
            entry = wanted and owner(event, lambda e, wanted=wanted: e.kind == wanted)
        if entry is None:
            continue
        entry.end = stamp
        details = next((v for k, v in event.items() if k.endswith("EventDetails")), {})
        if kind.endswith("StateExited"):
            entry.exited = True
            del open_entries[entry.event_id]
        elif kind.startswith("MapIteration"):
            entry.iterations[kind.removeprefix("MapIteration")] += 1
        elif kind.endswith("Scheduled"):
            entry.attempts += 1
            entry.failed = False
        elif kind.endswith(("Failed", "TimedOut")):
            entry.failed = True
            if "error" in details:
                entry.errors.append(details["error"])
            elif kind.endswith("TimedOut"):
                entry.errors.append("States.Timeout")
    return runs


@dataclass
class Outcome:
    status: str  # SUCCEEDED, FAILED, TIMED_OUT, ABORTED or RUNNING
    seconds: float
    error: str | None = None
    cause: str | None = None


def execution_outcome(events: list[dict]) -> Outcome:
    events = sorted(events, key=lambda e: e["id"])
    first, last = events[0], events[-1]
    seconds = (last["timestamp"] - first["timestamp"]).total_seconds()
    ends = {
        "ExecutionSucceeded": "SUCCEEDED",
        "ExecutionFailed": "FAILED",
        "ExecutionTimedOut": "TIMED_OUT",
        "ExecutionAborted": "ABORTED",
    }
    if last["type"] not in ends:
        return Outcome("RUNNING", seconds)
    details = next((v for k, v in last.items() if k.endswith("EventDetails")), {})
    return Outcome(ends[last["type"]], seconds, details.get("error"), details.get("cause"))


def duration(seconds: float) -> str:
    if seconds >= 60:
        return f"{int(seconds // 60)} min {seconds % 60:.0f} s"
    return f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.1f} s"


def state_status(entries: list[Entry], running: bool) -> str:
    if not entries:
        return "not run"
    return min((e.status(running) for e in entries), key=WORST_FIRST.index)


def caption(entries: list[Entry], running: bool) -> list[str]:
    """What a state's box says under its name and type."""
    if not entries:
        return ["not run"]
    times = sorted(e.seconds for e in entries)
    if len(entries) == 1:
        lines = [f"{state_status(entries, running)} · {duration(times[0])}"]
    else:
        spread = f"{duration(times[0])} to {duration(times[-1])}"
        lines = [f"{state_status(entries, running)}, {len(entries)} runs · {spread}"]
    iterations = sum((e.iterations for e in entries), Counter())
    if iterations:
        done = ", ".join(
            f"{n} {what.lower()}" for what, n in iterations.items() if what != "Started"
        )
        lines.append(f"{iterations['Started']} iterations: {done}")
    retries = sum(max(0, e.attempts - 1) for e in entries)
    if retries:
        lines.append(f"{retries} {'retry' if retries == 1 else 'retries'}")
    errors = list(dict.fromkeys(error for e in entries for error in e.errors))
    if errors:
        lines.append(f"error: {errors[0]}" + (f" (+{len(errors) - 1})" if len(errors) > 1 else ""))
    return lines


@dataclass
class Label:
    lines: list[str]  # the first is the state's name
    status: str


def state_labels(graph: Graph, events: list[dict]) -> dict[str, Label]:
    runs = state_runs(events)
    running = execution_outcome(events).status == "RUNNING"
    labels = {START: Label(["Start"], "marker"), END: Label(["End"], "marker")}
    for name, state in graph.states.items():
        entries = runs.get(name, [])
        lines = [name, state.type, *caption(entries, running)]
        labels[name] = Label(lines, state_status(entries, running))
    return labels


@dataclass
class Box:
    name: str
    x: float
    y: float
    w: float
    h: float
    label: Label
    container: bool = False


@dataclass
class Route:
    points: list[tuple[float, float]]
    kind: str
    label: str


@dataclass
class Layout:
    width: float
    height: float
    boxes: list[Box] = field(default_factory=list)  # containers before what they contain
    routes: list[Route] = field(default_factory=list)

    def shifted(self, dx: float, dy: float) -> Layout:
        boxes = [
            Box(b.name, b.x + dx, b.y + dy, b.w, b.h, b.label, b.container) for b in self.boxes
        ]
        routes = [
            Route([(x + dx, y + dy) for x, y in r.points], r.kind, r.label) for r in self.routes
        ]
        return Layout(self.width, self.height, boxes, routes)


def font(size: int = FONT_SIZE) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size)  # Pillow's bundled font: no system fonts needed


def text_width(lines: list[str]) -> float:
    return max(font().getlength(line) for line in lines)


def layers(start: str, nodes: list[str], edges: list[Edge]) -> tuple[dict[str, int], set[int]]:
    """Longest-path layer of each node from `start`, and the indexes of the edges that close a
    loop (found depth first; they are drawn up the right-hand side instead)."""
    successors: dict[str, list[tuple[str, int]]] = {node: [] for node in nodes}
    for index, edge in enumerate(edges):
        successors[edge.source].append((edge.target, index))
    back: set[int] = set()
    visiting: set[str] = set()
    finished: list[str] = []

    def visit(node: str) -> None:
        visiting.add(node)
        for target, index in successors[node]:
            if target in visiting:
                back.add(index)
            elif target not in visiting and target not in finished:
                visit(target)
        visiting.discard(node)
        finished.append(node)

    for node in [start, *nodes]:
        if node not in finished:
            visit(node)
    layer = dict.fromkeys(nodes, 0)
    for node in reversed(finished):  # a topological order once the back edges are left out
        for target, index in successors[node]:
            if index not in back:
                layer[target] = max(layer[target], layer[node] + 1)
    return layer, back


def place_scope(scope: Scope, graph: Graph, labels: dict[str, Label]) -> Layout:
    """A layered top-to-bottom layout of one scope; a Map or Parallel is a box around the
    layouts of its branches, side by side."""
    inner = {
        name: [place_scope(s, graph, labels) for s in graph.states[name].scopes]
        for name in scope.states
        if name in graph.states and graph.states[name].scopes
    }
    size = {}
    for name in scope.states:
        lines = labels[name].lines
        w, h = text_width(lines) + 2 * PAD, len(lines) * LINE + 2 * PAD
        if name in inner:
            branches = inner[name]
            w = max(w, sum(b.width for b in branches) + GAP_X * (len(branches) - 1) + 2 * PAD)
            h += max(b.height for b in branches) + PAD
        size[name] = (w, h)

    members = set(scope.states)
    edges = [edge for edge in graph.edges if edge.source in members]
    layer, back = layers(scope.start, scope.states, edges)
    # Forward edges longer than one layer go through a point per layer crossed (a "dummy" node).
    rank = {name: index for index, name in enumerate(scope.states)}
    rows: list[list[str]] = [[] for _ in range(max(layer.values()) + 1)]
    for name in sorted(scope.states, key=lambda n: rank[n]):
        rows[layer[name]].append(name)
    chains: dict[int, list[str]] = {}
    above: dict[str, list[str]] = {name: [] for name in scope.states}  # neighbours a layer up
    below: dict[str, list[str]] = {name: [] for name in scope.states}
    for index, edge in enumerate(edges):
        if index in back:
            continue
        chain = []
        for depth in range(layer[edge.source] + 1, layer[edge.target]):
            dummy = f"{index}\0{depth}"
            rows[depth].append(dummy)
            above[dummy], below[dummy], size[dummy] = [], [], (0, 0)
            chain.append(dummy)
        for upper, lower in itertools.pairwise([edge.source, *chain, edge.target]):
            above[lower].append(upper)
            below[upper].append(lower)
        chains[index] = chain

    # Rows ordered by their parents' order (stable: states before edges passing by), then the
    # positions nearest their neighbours' mean, sweeping down and up a few times.
    order: dict[str, float] = {}
    for row in rows:
        row.sort(key=lambda n: mean([order[p] for p in above[n]], len(order)))
        order.update((name, index) for index, name in enumerate(row))
    x: dict[str, float] = {}
    for row in rows:
        x.update(zip(row, spread([0.0] * len(row), gaps(row, size)), strict=True))
    for _ in range(6):
        for row, neighbours in [*((r, above) for r in rows), *((r, below) for r in rows[::-1])]:
            desired = [mean([x[m] for m in neighbours[n]], x[n]) for n in row]
            x.update(zip(row, spread(desired, gaps(row, size)), strict=True))
    left_edge = min(x[n] - size[n][0] / 2 for n in x)
    tops, y = [], 0.0
    for row in rows:
        tops.append(y)
        y += max(size[n][1] for n in row) + GAP_Y
    layout = Layout(max(x[n] + size[n][0] / 2 for n in x) - left_edge, y - GAP_Y)

    def box_of(name: str) -> tuple[float, float, float, float]:
        w, h = size[name]
        return x[name] - w / 2 - left_edge, tops[layer[name]], w, h

    for name in scope.states:
        bx, by, w, h = box_of(name)
        layout.boxes.append(Box(name, bx, by, w, h, labels[name], name in inner))
        if name in inner:
            branches = inner[name]
            across = sum(b.width for b in branches) + GAP_X * (len(branches) - 1)
            cx, cy = bx + (w - across) / 2, by + len(labels[name].lines) * LINE + 2 * PAD
            for branch in branches:
                placed = branch.shifted(cx, cy)
                layout.boxes += placed.boxes
                layout.routes += placed.routes
                cx += branch.width + GAP_X
    for index, edge in enumerate(edges):
        sx, sy, sw, sh = box_of(edge.source)
        tx, ty, tw, th = box_of(edge.target)
        if index in back:  # through the gap under its row, then up the right-hand side
            lane, under = layout.width + GAP_X / 2, sy + sh + GAP_Y / 2
            layout.width, layout.height = lane, max(layout.height, under)
            points = [(sx + sw / 2, sy + sh), (sx + sw / 2, under), (lane, under)]
            points += [(lane, ty + th / 2), (tx + tw, ty + th / 2)]
            layout.routes.append(Route(points, edge.kind, edge.label))
            continue
        points = [(sx + sw / 2, sy + sh)]
        for depth, dummy in enumerate(chains[index], layer[edge.source] + 1):
            dx, row_height = x[dummy] - left_edge, max(size[n][1] for n in rows[depth])
            points += [(dx, tops[depth]), (dx, tops[depth] + row_height)]
        points.append((tx + tw / 2, ty))
        layout.routes.append(Route(points, edge.kind, edge.label))
        if edge.label:  # labels may stick out on the right
            label_end = label_anchor(points)[0] + font(FONT_SIZE - 2).getlength(short(edge.label))
            layout.width = max(layout.width, label_end)
    return layout


def mean(values: list[float], default: float) -> float:
    return sum(values) / len(values) if values else default


def gaps(row: list[str], size: dict[str, tuple[float, float]]) -> list[float]:
    return [(size[a][0] + size[b][0]) / 2 + GAP_X for a, b in itertools.pairwise(row)]


def spread(desired: list[float], gaps: list[float]) -> list[float]:
    """The positions nearest (least squares) to `desired` that keep `gaps[i]` between i and i+1:
    an isotonic regression by pool-adjacent-violators once the gaps are taken out."""
    offsets = [0.0, *itertools.accumulate(gaps)]
    blocks: list[list[float]] = []  # [mean, count] of pooled positions
    for want, offset in zip(desired, offsets, strict=True):
        blocks.append([want - offset, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            (m2, n2), (m1, n1) = blocks.pop(), blocks.pop()
            blocks.append([(m1 * n1 + m2 * n2) / (n1 + n2), n1 + n2])
    pooled = [m for m, n in blocks for _ in range(int(n))]
    return [p + offset for p, offset in zip(pooled, offsets, strict=True)]


def layout(graph: Graph, labels: dict[str, Label]) -> Layout:
    return place_scope(graph.root, graph, labels).shifted(PAD, PAD)


def short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def arrow_head(points: list[tuple[float, float]], size: float) -> list[tuple[float, float]]:
    (ax, ay), (bx, by) = points[-2], points[-1]
    length = max(((bx - ax) ** 2 + (by - ay) ** 2) ** 0.5, 1e-9)
    ux, uy = (bx - ax) / length, (by - ay) / length
    return [
        (bx, by),
        (bx - size * ux - size / 2 * uy, by - size * uy + size / 2 * ux),
        (bx - size * ux + size / 2 * uy, by - size * uy - size / 2 * ux),
    ]


def label_anchor(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Where an edge's label starts: two thirds down its first segment, where the edges that
    fan out of one state are further apart than at their start."""
    (ax, ay), (bx, by) = points[0], points[1]
    return ax + (bx - ax) * 2 / 3 + 4, ay + (by - ay) * 2 / 3


def svg(drawing: Layout) -> str:
    width, height = drawing.width + 2 * PAD, drawing.height + 2 * PAD
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}"'
        f' font-family="sans-serif" font-size="{FONT_SIZE}">'
    ]
    for box in drawing.boxes:
        fill, stroke = STATUS_COLOURS[box.label.status]
        radius = box.h / 2 if box.name in (START, END) else 6
        parts.append(
            f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.w:.1f}" height="{box.h:.1f}"'
            f' rx="{radius:.0f}" fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>'
        )
        for index, line in enumerate(box.label.lines):
            colour = (
                "#fff" if box.label.status == "marker" else "#202124" if index == 0 else "#5f6368"
            )
            # The boxes are sized with Pillow's font; textLength keeps the browser's inside them.
            parts.append(
                f'<text x="{box.x + PAD:.1f}" y="{box.y + PAD + (index + 0.8) * LINE:.1f}"'
                f' fill="{colour}" textLength="{font().getlength(line):.1f}"'
                f' lengthAdjust="spacingAndGlyphs">{html.escape(line)}</text>'
            )
    for route in drawing.routes:
        colour = EDGE_COLOURS.get(route.kind, "#5f6368")
        dash = ' stroke-dasharray="5 3"' if route.kind == "catch" else ""
        points = " ".join(f"{px:.1f},{py:.1f}" for px, py in route.points)
        head = " ".join(f"{px:.1f},{py:.1f}" for px, py in arrow_head(route.points, 7))
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="1.3"{dash}/>'
            f'<polygon points="{head}" fill="{colour}"/>'
        )
        if route.label:
            lx, ly = label_anchor(route.points)
            parts.append(
                f'<text x="{lx:.1f}" y="{ly:.1f}" fill="{colour}" font-size="{FONT_SIZE - 2}">'
                f"{html.escape(short(route.label))}</text>"
            )
    parts.append("</svg>")
    return "\n".join(parts)


def png(drawing: Layout, scale: int = PNG_SCALE) -> Image.Image:
    image = Image.new(
        "RGB",
        (int((drawing.width + 2 * PAD) * scale), int((drawing.height + 2 * PAD) * scale)),
        "white",
    )
    draw = ImageDraw.Draw(image)
    text, small = font(FONT_SIZE * scale), font((FONT_SIZE - 2) * scale)
    for box in drawing.boxes:
        fill, stroke = STATUS_COLOURS[box.label.status]
        radius = box.h / 2 if box.name in (START, END) else 6
        corners = [box.x * scale, box.y * scale, (box.x + box.w) * scale, (box.y + box.h) * scale]
        draw.rounded_rectangle(
            corners, radius * scale, fill=fill, outline=stroke, width=scale * 3 // 2
        )
        for index, line in enumerate(box.label.lines):
            colour = (
                "white" if box.label.status == "marker" else "#202124" if index == 0 else "#5f6368"
            )
            position = ((box.x + PAD) * scale, (box.y + PAD + index * LINE + 2) * scale)
            draw.text(position, line, fill=colour, font=text)
    for route in drawing.routes:
        colour = EDGE_COLOURS.get(route.kind, "#5f6368")
        points = [(px * scale, py * scale) for px, py in route.points]
        draw.line(points, fill=colour, width=scale + (route.kind != "catch"), joint="curve")
        draw.polygon(arrow_head(points, 7 * scale), fill=colour)
        if route.label:
            lx, ly = label_anchor(route.points)
            draw.text(
                (lx * scale, (ly - FONT_SIZE + 2) * scale),
                short(route.label),
                fill=colour,
                font=small,
            )
    return image


@dataclass
class Run:
    """One execution in a report: what to call it, its history and what it produced."""

    title: str
    events: list[dict]
    outputs: list[str]
    images: list[tuple[str, bytes]] = field(default_factory=list)  # caption, JPEG or PNG


def heading(run: Run) -> str:
    outcome = execution_outcome(run.events)
    text = f"{run.title}: {outcome.status} in {duration(outcome.seconds)}"
    return text + (f" ({outcome.error})" if outcome.error else "")


def html_report(workflow: str, definition: dict, runs: list[Run], generated: str) -> str:
    graph = state_graph(definition)
    sections = []
    for run in runs:
        outcome = execution_outcome(run.events)
        colour = STATUS_COLOURS["succeeded" if outcome.status == "SUCCEEDED" else "failed"][1]
        cause = f"<p class=cause>{html.escape(outcome.cause)}</p>" if outcome.cause else ""
        outputs = "".join(f"<li>{html.escape(line)}</li>" for line in run.outputs)
        figures = "".join(
            f'<figure><img src="data:{image_type(data)};base64,{base64.b64encode(data).decode()}"'
            f' width="{THUMBNAIL_WIDTH}"><figcaption>{html.escape(caption)}</figcaption></figure>'
            for caption, data in run.images
        )
        sections.append(
            f'<section><h2 style="color:{colour}">{html.escape(heading(run))}</h2>{cause}'
            f"<div class=run><div>{svg(layout(graph, state_labels(graph, run.events)))}</div>"
            f"<div><h3>Outputs</h3><ul>{outputs}</ul>{figures}</div></div></section>"
        )
    return (
        f"<!doctype html><html><head><meta charset=utf-8><title>{html.escape(workflow)}</title>"
        "<style>body{font-family:sans-serif;margin:2em}.run{display:flex;gap:2em;"
        "align-items:flex-start}.cause{color:#5f6368;font-family:monospace}"
        "figure{display:inline-block;margin:0 1em 1em 0}section{margin-bottom:3em}</style>"
        f"</head><body><h1>{html.escape(workflow)}</h1><p>{html.escape(generated)}. Colours:"
        " green succeeded, orange failed and caught, red failed, grey aborted, white not run."
        f"</p>{''.join(sections)}</body></html>"
    )


def image_type(data: bytes) -> str:
    return "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"


def png_report(workflow: str, definition: dict, runs: list[Run]) -> Image.Image:
    """The runs side by side, up to three a row and rows up to about PNG_WIDTH wide: heading,
    graph, outputs, images."""
    graph = state_graph(definition)
    panels = [png_panel(run, png(layout(graph, state_labels(graph, run.events)))) for run in runs]
    columns = max(1, min(3, PNG_WIDTH // max(panel.width for panel in panels)))
    title = font(2 * FONT_SIZE * PNG_SCALE)
    rows = [panels[i : i + columns] for i in range(0, len(panels), columns)]
    gap = GAP_X * PNG_SCALE
    width = max(sum(p.width for p in row) + gap * (len(row) - 1) for row in rows) + 2 * gap
    top = 3 * FONT_SIZE * PNG_SCALE + gap
    height = top + sum(max(p.height for p in row) + gap for row in rows)
    page = Image.new("RGB", (width, height), "white")
    ImageDraw.Draw(page).text((gap, gap), workflow, fill="#202124", font=title)
    y = top
    for row in rows:
        x = gap
        for panel in row:
            page.paste(panel, (x, y))
            x += panel.width + gap
        y += max(p.height for p in row) + gap
    return page


def png_panel(run: Run, graph_image: Image.Image) -> Image.Image:
    text, line = font(FONT_SIZE * PNG_SCALE), LINE * PNG_SCALE
    outcome = execution_outcome(run.events)
    colour = STATUS_COLOURS["succeeded" if outcome.status == "SUCCEEDED" else "failed"][1]
    outputs = ["Outputs:", *run.outputs] if run.outputs else []
    thumbnails = [(c, Image.open(io.BytesIO(data)).convert("RGB")) for c, data in run.images]
    for _, thumbnail in thumbnails:
        thumbnail.thumbnail((THUMBNAIL_WIDTH * PNG_SCALE, THUMBNAIL_WIDTH * PNG_SCALE))
    width = max(
        graph_image.width,
        *(text.getlength(s) for s in [heading(run), *outputs]),
        sum(t.width + line for _, t in thumbnails),
    )
    images_height = max((t.height + 2 * line for _, t in thumbnails), default=0)
    height = line * 2 + graph_image.height + line * (len(outputs) + 1) + images_height
    panel = Image.new("RGB", (int(width), height), "white")
    draw = ImageDraw.Draw(panel)
    draw.text((0, 0), heading(run), fill=colour, font=text)
    panel.paste(graph_image, (0, line * 2))
    y = line * 2 + graph_image.height
    for output in outputs:
        draw.text((0, y), output, fill="#202124", font=text)
        y += line
    x = 0
    for caption, thumbnail in thumbnails:
        panel.paste(thumbnail, (x, y + line))
        draw.text((x, y + line * 1.2 + thumbnail.height), caption, fill="#5f6368", font=text)
        x += thumbnail.width + line
    return panel


def index_html(reports: list[str]) -> str:
    items = "".join(
        f'<li><a href="{name}.html">{name}</a> (<a href="{name}.png">PNG</a>)</li>'
        for name in reports
    )
    return (
        "<!doctype html><html><head><meta charset=utf-8><title>Execution reports</title></head>"
        "<body style='font-family:sans-serif'><h1>Execution reports</h1>"
        f"<ul>{items}</ul></body></html>"
    )


def write_report(
    aws, directory: Path, workflow: str, state_machine_arn: str, runs: list[dict]
) -> str:
    """Read the definition, the histories and the images from the local AWS, write
    <directory>/<workflow>.html and .png and refresh index.html; returns the line to print.

    Each of `runs`: {"title", "execution_arn", "outputs": [lines],
    "images": [(caption, bucket, key)]}."""
    started = time.monotonic()
    sfn, s3 = aws.client("stepfunctions"), aws.client("s3")
    described = sfn.describe_state_machine(stateMachineArn=state_machine_arn)
    definition = json.loads(described["definition"])
    pages = sfn.get_paginator("get_execution_history")
    report_runs = []
    for run in runs:
        events = [
            e for page in pages.paginate(executionArn=run["execution_arn"]) for e in page["events"]
        ]
        images = [
            (caption, s3.get_object(Bucket=bucket, Key=key)["Body"].read())
            for caption, bucket, key in run.get("images", [])
        ]
        report_runs.append(Run(run["title"], events, run["outputs"], images))
    directory.mkdir(parents=True, exist_ok=True)
    generated = f"{datetime.now().astimezone():%Y-%m-%d %H:%M:%S %Z}, {state_machine_arn}"
    html_path = directory / f"{workflow}.html"
    html_path.write_text(html_report(workflow, definition, report_runs, generated))
    png_report(workflow, definition, report_runs).save(html_path.with_suffix(".png"))
    reports = sorted(path.stem for path in directory.glob("*.png"))
    (directory / "index.html").write_text(index_html(reports))
    took = time.monotonic() - started
    return f"  report: {os.path.relpath(html_path)} and .png ({took:.1f} s)"
