"""Where each element goes: a column per step of the flow (longest path from the start, loops
cut), a horizontal band per lane in order, the customer's band on top, a Tools row at the bottom
when there are tools to show (an empty Tools row is not in the diagram).

Graphviz's own layouts cannot promise horizontal lanes in a fixed order (dot ranks clusters but
stacks them as it likes), so the positions are computed here and graphviz only draws and routes
(`neato -n2` with pinned positions). Coordinates are points, y growing downwards; the renderer
flips them for graphviz.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass

from engine.render.model import Node, Swimlanes, is_customer

HEADER_W = 130.0
COL_W = 150.0
ROW_H = 84.0
LANE_PAD = 18.0
TOOL_H = 60.0
NO_LANE = ""
EVENT_TYPES = ("startEvent", "endEvent")


@dataclass(frozen=True)
class Band:
    name: str
    top: float
    height: float


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    lanes: tuple[Band, ...]
    tools: Band | None  # the Tools row; None when the process has no tools to show
    positions: dict[str, tuple[float, float]]  # node id -> centre
    lane_of: dict[str, str]  # node id -> the lane it is drawn in
    tool_positions: tuple[tuple[int, float, float], ...]  # (tool group index, x, y)


def columns(d: Swimlanes) -> dict[str, int]:
    """Each node's column: the longest path to it from a start, ignoring flows that loop back."""
    ids = [n.id for n in d.nodes]
    succ: dict[str, list[str]] = defaultdict(list)
    for f in d.flows:
        succ[f.source].append(f.target)
    back = _back_edges(ids, succ, d)
    indegree = {i: 0 for i in ids}
    for s, targets in succ.items():
        for t in targets:
            if (s, t) not in back and t in indegree:
                indegree[t] += 1
    rank = {i: 0 for i in ids}
    queue = deque(i for i in ids if indegree[i] == 0)
    while queue:
        node = queue.popleft()
        for t in succ.get(node, []):
            if (node, t) in back or t not in indegree:
                continue
            rank[t] = max(rank[t], rank[node] + 1)
            indegree[t] -= 1
            if indegree[t] == 0:
                queue.append(t)
    return rank


def _back_edges(ids: list[str], succ: dict[str, list[str]], d: Swimlanes) -> set[tuple[str, str]]:
    starts = [n.id for n in d.nodes if n.type == "startEvent"] + ids
    state: dict[str, int] = {}
    back: set[tuple[str, str]] = set()
    for root in starts:
        if root in state:
            continue
        stack = [(root, iter(succ.get(root, [])))]
        state[root] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) == 1:
                back.add((node, child))
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(succ.get(child, []))))
    return back


def lay_out(d: Swimlanes) -> Layout:
    lanes = list(d.lanes) or [NO_LANE]
    customer = next((lane for lane in lanes if is_customer(lane)), None)
    lane_of = {n.id: _drawn_lane(n, lanes, customer) for n in d.nodes}
    rank = columns(d)
    slots: dict[tuple[str, int], int] = defaultdict(int)
    stack_index: dict[str, int] = {}
    for n in d.nodes:
        key = (lane_of[n.id], rank[n.id])
        stack_index[n.id] = slots[key]
        slots[key] += 1
    rows = {lane: max([count for (ln, _), count in slots.items() if ln == lane] or [1]) for lane in lanes}
    bands, top = [], 0.0
    for lane in lanes:
        height = rows[lane] * ROW_H + 2 * LANE_PAD
        bands.append(Band(lane, top, height))
        top += height
    band_of = {b.name: b for b in bands}
    n_cols = max(rank.values(), default=0) + 1
    positions = {
        n.id: (
            HEADER_W + rank[n.id] * COL_W + COL_W / 2,
            band_of[lane_of[n.id]].top + LANE_PAD + stack_index[n.id] * ROW_H + ROW_H / 2,
        )
        for n in d.nodes
    }
    tool_positions, tools_height = _tools(d, positions, top)
    width = HEADER_W + max(n_cols, 1) * COL_W + COL_W / 2  # room for the end event's name
    tools = Band("Tools", top, tools_height) if tool_positions else None
    return Layout(width, top + tools_height, tuple(bands), tools, positions, lane_of, tuple(tool_positions))


def _drawn_lane(node: Node, lanes: list[str], customer: str | None) -> str:
    # TEM: the start and the end of the process are drawn in the customer's lane
    if customer is not None and node.type in EVENT_TYPES:
        return customer
    return node.lane if node.lane in lanes else lanes[0]


def _tools(d: Swimlanes, positions: dict[str, tuple[float, float]], top: float) -> tuple[list[tuple[int, float, float]], float]:
    """Each tool group under the mean column of its elements; groups in one column stack."""
    placed: list[tuple[int, float, float]] = []
    per_column: dict[float, int] = defaultdict(int)
    for index, group in enumerate(d.tools):
        xs = [positions[e][0] for e in group.elements if e in positions]
        x = sum(xs) / len(xs) if xs else HEADER_W + COL_W / 2 + index * COL_W
        x = HEADER_W + COL_W / 2 + round((x - HEADER_W - COL_W / 2) / COL_W) * COL_W  # snap to a column
        row = per_column[x]
        per_column[x] += 1
        placed.append((index, x, top + LANE_PAD + row * TOOL_H + TOOL_H / 2))
    if not placed:
        return placed, 0.0
    return placed, max(per_column.values()) * TOOL_H + 2 * LANE_PAD
