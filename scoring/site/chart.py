"""Geometry of the impact-versus-delivery-risk chart, rendered to SVG by a template.

The chart is drawn on the server so it works without JavaScript and inside Backstage
TechDocs. Stage is shown by marker shape (and in the legend), never by colour alone.

One SVG unit is about one CSS pixel when the chart fills the ~1,100 px content column of a
laptop, so the font sizes below are what a reader sees there. On a phone the same SVG is
scaled down; the stylesheet then enlarges its text (in SVG units) and hides point labels.

Two modes:
- points (up to ``DENSITY_THRESHOLD`` proposals): every proposal is a marker with its
  P25–P75 ranges as whiskers, labelled with a short name (or its rank, "#3") placed greedily
  without overlap and nearer its own marker than any other;
- density (more): a grid of cells with counts, shaded by count, plus the few proposals that
  matter (top priorities not yet in production, red flags) drawn above the cells and
  labelled. A cell's count moves aside when a marker would cover it; ranks carry a "#", so
  a number alone is always a count.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

WIDTH = 1100
LEFT, RIGHT, TOP = 96, 24, 30
PLOT_W = WIDTH - LEFT - RIGHT
PLOT_H = 500
# Proposals that need information sit in a strip of their own below the plot, at their
# delivery-risk estimate: shown as a state, not placed in a quadrant.
STRIP_GAP, STRIP_H = 84, 76
HEIGHT = TOP + PLOT_H + STRIP_GAP + STRIP_H + 8
STRIP_Y = TOP + PLOT_H + STRIP_GAP
STRIP_POINT_Y = STRIP_Y + 46
NEEDS_INFORMATION = "needs_information"

DENSITY_THRESHOLD = 150  # above this many proposals the chart shows cells with counts
GRID = 20  # cells per axis in density mode
TOP_HIGHLIGHTS = 10  # top priorities not in production, labelled in density mode
RED_HIGHLIGHTS = 15  # at most this many red-flagged proposals, labelled in density mode

LABEL_FONT = 13  # point labels, SVG units
QUADRANT_FONT = 15
LABEL_CHARS = 24  # longest short name before it is cut with an ellipsis
CHAR_W = 0.62  # average glyph width in em: generous for the system sans-serif fonts
MARKER_R = 7
HALO_REACH = 9  # a marker with its halo, from its centre
RING_REACH = 13  # a red-flag ring (r 11) with its stroke

# One marker per stage; paths are centred on (0, 0).
STAGE_MARKERS: dict[str, str] = {
    "idea": "M0,-6 A6,6 0 1,1 0,6 A6,6 0 1,1 0,-6 Z",
    "proposed": "M-6,-6 H6 V6 H-6 Z",
    "approved": "M0,-7 L7,0 L0,7 L-7,0 Z",
    "incubating": "M0,-7 L6.5,5 L-6.5,5 Z",
    "pilot": "M0,7 L6.5,-5 L-6.5,-5 Z",
    "production": "M0,-7 L2,-2 L7,-2 L3,1.5 L4.5,7 L0,3.5 L-4.5,7 L-3,1.5 L-7,-2 L-2,-2 Z",
    "retired": "M-6,-2 H6 V2 H-6 Z",
    "rejected": "M-6,-4 L-4,-6 L0,-2 L4,-6 L6,-4 L2,0 L6,4 L4,6 L0,2 L-4,6 L-6,4 L-2,0 Z",
}
FILLED_STAGES = {"approved", "pilot", "production", "incubating"}

Box = tuple[float, float, float, float]  # x0, y0, x1, y1


@dataclass(frozen=True)
class PointInput:
    """What the chart needs to know about one proposal (pages.py builds these)."""

    rank: int  # 1 = highest priority; the number in the table's first column
    proposal_id: str
    title: str
    stage: str
    state: str
    state_name: str
    impact: float
    risk: float
    impact_range: tuple[float, float]  # P25–P75
    risk_range: tuple[float, float]
    href: str
    tooltip: str
    highlight: bool = False  # drawn in density mode
    red: bool = False  # has a red flag: ringed in red


@dataclass(frozen=True)
class ChartLabel:
    text: str
    x: float  # text anchor start
    y: float  # baseline
    box: Box


@dataclass(frozen=True)
class ChartPoint:
    number: int
    proposal_id: str
    title: str
    stage: str
    quadrant: str
    quadrant_name: str
    x: float
    y: float
    marker: str
    filled: bool
    href: str
    tooltip: str
    label: ChartLabel | None
    red: bool
    whisker_x: tuple[float, float] | None  # delivery-risk range, in SVG x
    whisker_y: tuple[float, float] | None  # impact range, in SVG y


@dataclass(frozen=True)
class ChartAxis:
    value: int
    position: float


@dataclass(frozen=True)
class ChartCell:
    x: float
    y: float
    w: float
    h: float
    count: int
    level: int  # 1–5, for shading
    title: str
    text_x: float = 0.0  # centre of the count: the cell's middle, or a side clear of markers
    text_y: float = 0.0  # the count's vertical middle: the cell's, or nearer an edge


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    top: int
    plot_w: int
    plot_h: int
    threshold_x: float
    threshold_y: float
    points: tuple[ChartPoint, ...]
    ticks_x: tuple[ChartAxis, ...]
    ticks_y: tuple[ChartAxis, ...]
    quadrant_labels: dict[str, tuple[int, int]]
    stages: tuple[tuple[str, str, bool], ...]
    strip_y: float  # top of the needs-information strip
    strip_h: float
    mode: str  # "points" or "density"
    total: int
    state_counts: tuple[tuple[str, str, int], ...]  # state, name, count
    cells: tuple[ChartCell, ...] = ()
    strip_cells: tuple[ChartCell, ...] = ()
    grid: int = GRID


def to_x(risk: float) -> float:
    return round(LEFT + PLOT_W * min(max(risk, 0.0), 100.0) / 100.0, 1)


def to_y(impact: float) -> float:
    return round(TOP + PLOT_H * (1 - min(max(impact, 0.0), 100.0) / 100.0), 1)


def short_name(title: str, limit: int = LABEL_CHARS) -> str:
    text = " ".join(title.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def text_width(text: str, size: float) -> float:
    return len(text) * size * CHAR_W + 2


def overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def box_distance(box: Box, x: float, y: float) -> float:
    """From a point to the nearest edge of a box (0 inside it)."""
    dx = max(box[0] - x, 0.0, x - box[2])
    dy = max(box[1] - y, 0.0, y - box[3])
    return math.hypot(dx, dy)


class LabelPlacer:
    """Greedy placement: each label, in priority order, takes the first candidate slot
    around its marker that stays inside its area, overlaps no marker and no label, and is
    nearer its own marker than any other (so no reader pairs it with a neighbour)."""

    GAP = 4

    def __init__(self, fixed: Sequence[Box], markers: Sequence[Box]) -> None:
        self.taken: list[Box] = [*fixed, *markers]
        self.centres = [((m[0] + m[2]) / 2, (m[1] + m[3]) / 2) for m in markers]

    def nearest_is_own(self, box: Box, x: float, y: float) -> bool:
        own = box_distance(box, x, y)
        return all(
            box_distance(box, cx, cy) > own
            for cx, cy in self.centres
            if abs(cx - x) > 0.05 or abs(cy - y) > 0.05  # every marker but its own
        )

    def place(self, text: str, x: float, y: float, area: Box) -> ChartLabel | None:
        w, h = text_width(text, LABEL_FONT), LABEL_FONT + 2
        r = MARKER_R + self.GAP
        candidates = [
            (x + r, y - h / 2),
            (x - r - w, y - h / 2),  # right, left
            (x - w / 2, y - r - h),
            (x - w / 2, y + r),  # above, below
            (x + r - 3, y - r - h + 3),
            (x + r - 3, y + r - 3),  # diagonals
            (x - r - w + 3, y - r - h + 3),
            (x - r - w + 3, y + r - 3),
            (x + r, y - h * 1.6),
            (x + r, y + h * 0.6),  # further out, right and left
            (x - r - w, y - h * 1.6),
            (x - r - w, y + h * 0.6),
        ]
        for bx, by in candidates:
            box = (bx, by, bx + w, by + h)
            if box[0] < area[0] or box[1] < area[1] or box[2] > area[2] or box[3] > area[3]:
                continue
            if any(overlaps(box, other) for other in self.taken):
                continue
            if not self.nearest_is_own(box, x, y):
                continue
            self.taken.append(box)
            rounded = (round(box[0], 1), round(box[1], 1), round(box[2], 1), round(box[3], 1))
            return ChartLabel(text, round(bx + 1, 1), round(by + h - 4, 1), rounded)
        return None


def quadrant_label_positions() -> dict[str, tuple[int, int]]:
    return {
        "quick_win": (LEFT + 10, TOP + 22),
        "strategic_bet": (LEFT + PLOT_W - 10, TOP + 22),
        "incremental": (LEFT + 10, TOP + PLOT_H - 12),
        "reconsider": (LEFT + PLOT_W - 10, TOP + PLOT_H - 12),
    }


def quadrant_label_boxes(names: dict[str, str]) -> list[Box]:
    boxes: list[Box] = []
    for key, (x, y) in quadrant_label_positions().items():
        w = text_width(names.get(key, key), QUADRANT_FONT)
        x0 = x if key in ("quick_win", "incremental") else x - w
        boxes.append((x0 - 2, y - QUADRANT_FONT - 2, x0 + w + 2, y + 5))
    return boxes


def count_box(cell: ChartCell, text_x: float, text_y: float | None = None) -> Box:
    """Where a cell's count is written, centred on ``text_x`` and ``text_y`` (by default
    the cell's middle)."""
    half = text_width(str(cell.count), LABEL_FONT) / 2
    middle = cell.y + cell.h / 2 if text_y is None else text_y
    return (text_x - half, middle - 6, text_x + half, middle + 7)


def clear_of_markers(cell: ChartCell, markers: Sequence[Box]) -> ChartCell:
    """The cell with its count where no marker covers it (markers are drawn above the
    cells): the clear spot nearest the middle, in steps of 1 unit across and then up or
    down within the cell; the middle when no spot is clear. Most cells have no marker, and
    stop at the first spot."""
    half = text_width(str(cell.count), LABEL_FONT) / 2
    centre_x, centre_y = cell.x + cell.w / 2, cell.y + cell.h / 2
    across = range(int(max(cell.w / 2 - half, 0)) + 1)
    # The count is 13 units tall (count_box): it may move until it reaches an edge.
    upright = range(int(max(cell.h / 2 - 6.5, 0)) + 1)
    offsets = sorted(
        ((dx, dy) for dx in across for dy in upright),
        key=lambda d: (d[0] ** 2 + d[1] ** 2, d[1], d[0]),
    )
    near = [m for m in markers if overlaps((cell.x, cell.y, cell.x + cell.w, cell.y + cell.h), m)]
    for dx, dy in offsets:
        for sx in (1, -1) if dx else (1,):
            for sy in (1, -1) if dy else (1,):
                x, y = centre_x + sx * dx, centre_y + sy * dy
                if not any(overlaps(count_box(cell, x, y), m) for m in near):
                    return replace(cell, text_x=round(x, 1), text_y=round(y, 1))
    return replace(cell, text_x=round(centre_x, 1), text_y=round(centre_y, 1))


def _position(pt: PointInput, fan: dict[tuple[int, int], int]) -> tuple[float, float]:
    x = to_x(pt.risk)
    y = STRIP_POINT_Y if pt.state == NEEDS_INFORMATION else to_y(pt.impact)
    # Proposals with identical scores would hide each other: fan them out a little.
    cell = (round(x / 6), round(y / 6))
    clash = fan.get(cell, 0)
    fan[cell] = clash + 1
    return x + 9 * (clash % 3), y + 9 * (clash // 3)


def _cells(points: Sequence[PointInput]) -> tuple[tuple[ChartCell, ...], tuple[ChartCell, ...]]:
    grid: Counter[tuple[int, int]] = Counter()
    strip: Counter[int] = Counter()
    for pt in points:
        col = min(int(max(pt.risk, 0.0) / 100 * GRID), GRID - 1)
        if pt.state == NEEDS_INFORMATION:
            strip[col] += 1
        else:
            row = min(int((100 - min(max(pt.impact, 0.0), 100.0)) / 100 * GRID), GRID - 1)
            grid[(col, row)] += 1
    biggest = max([*grid.values(), *strip.values(), 1])

    def level(count: int) -> int:
        # Log scale: a cell of 1 is still visible next to a cell of 500.
        return 1 + min(4, int(4 * math.log1p(count) / math.log1p(biggest)))

    cw, ch = PLOT_W / GRID, PLOT_H / GRID
    cells = tuple(
        ChartCell(
            round(LEFT + col * cw, 1),
            round(TOP + row * ch, 1),
            round(cw, 1),
            round(ch, 1),
            n,
            level(n),
            f"{n} proposals: delivery risk {col * 100 // GRID}–{(col + 1) * 100 // GRID}, "
            f"impact {100 - (row + 1) * 100 // GRID}–{100 - row * 100 // GRID}",
            round(LEFT + col * cw + cw / 2, 1),
        )
        for (col, row), n in sorted(grid.items())
    )
    strip_cells = tuple(
        ChartCell(
            round(LEFT + col * cw, 1),
            STRIP_Y + 28,
            round(cw, 1),
            STRIP_H - 34,
            n,
            level(n),
            f"{n} proposals needing information: delivery risk {col * 100 // GRID}–"
            f"{(col + 1) * 100 // GRID}",
            round(LEFT + col * cw + cw / 2, 1),
        )
        for col, n in sorted(strip.items())
    )
    return cells, strip_cells


def build_chart(
    inputs: Sequence[PointInput],
    impact_threshold: float,
    risk_threshold: float,
    state_names: dict[str, str],
) -> Chart:
    """``inputs`` in priority order (highest first)."""
    density = len(inputs) > DENSITY_THRESHOLD
    shown = [pt for pt in inputs if pt.highlight] if density else list(inputs)
    fan: dict[tuple[int, int], int] = {}
    positions = [_position(pt, fan) for pt in shown]
    markers = [(x - MARKER_R, y - MARKER_R, x + MARKER_R, y + MARKER_R) for x, y in positions]
    cells, strip_cells = _cells(inputs) if density else ((), ())
    # What a marker covers above the cells: its halo, or its red-flag ring.
    covers = [
        (x - r, y - r, x + r, y + r)
        for pt, (x, y) in zip(shown, positions, strict=True)
        for r in [RING_REACH if pt.red else HALO_REACH]
    ]
    cells = tuple(clear_of_markers(c, covers) for c in cells)
    strip_cells = tuple(clear_of_markers(c, covers) for c in strip_cells)
    # Labels keep clear of the cells' counts, so both stay readable.
    counts_boxes = [count_box(c, c.text_x, c.text_y) for c in (*cells, *strip_cells)]
    placer = LabelPlacer([*quadrant_label_boxes(state_names), *counts_boxes], markers)
    plot_area: Box = (LEFT + 2, TOP + 2, LEFT + PLOT_W - 2, TOP + PLOT_H - 2)
    strip_area: Box = (LEFT + 2, STRIP_Y + 22, LEFT + PLOT_W - 2, STRIP_Y + STRIP_H - 2)
    points = []
    for pt, (x, y) in zip(shown, positions, strict=True):
        unplaced = pt.state == NEEDS_INFORMATION
        area = strip_area if unplaced else plot_area
        # A short name where it fits, else the rank number the table shows, else nothing:
        # the tooltip and the table still name the proposal.
        # "#3", never a bare number: in density mode bare numbers are the cells' counts.
        label = placer.place(short_name(pt.title), x, y, area) or placer.place(
            f"#{pt.rank}", x, y, area
        )
        whiskers = not density
        points.append(
            ChartPoint(
                number=pt.rank,
                proposal_id=pt.proposal_id,
                title=pt.title,
                stage=pt.stage,
                quadrant=pt.state,
                quadrant_name=pt.state_name,
                x=x,
                y=y,
                marker=STAGE_MARKERS.get(pt.stage, STAGE_MARKERS["idea"]),
                filled=pt.stage in FILLED_STAGES,
                href=pt.href,
                tooltip=pt.tooltip,
                label=label,
                red=pt.red,
                whisker_x=(to_x(pt.risk_range[0]), to_x(pt.risk_range[1])) if whiskers else None,
                whisker_y=None
                if unplaced or not whiskers
                else (to_y(pt.impact_range[1]), to_y(pt.impact_range[0])),
            )
        )
    counts = Counter(pt.state for pt in inputs)
    state_counts = tuple(
        (s, state_names.get(s, s), counts.get(s, 0))
        for s in ("quick_win", "strategic_bet", "incremental", "reconsider", NEEDS_INFORMATION)
    )
    ticks = tuple(ChartAxis(v, to_x(v)) for v in range(0, 101, 25))
    ticks_y = tuple(ChartAxis(v, to_y(v)) for v in range(0, 101, 25))
    stages = tuple((stage, path, stage in FILLED_STAGES) for stage, path in STAGE_MARKERS.items())
    return Chart(
        WIDTH,
        HEIGHT,
        LEFT,
        TOP,
        PLOT_W,
        PLOT_H,
        to_x(risk_threshold),
        to_y(impact_threshold),
        tuple(points),
        ticks,
        ticks_y,
        quadrant_label_positions(),
        stages,
        STRIP_Y,
        STRIP_H,
        "density" if density else "points",
        len(inputs),
        state_counts,
        cells,
        strip_cells,
    )
