"""Geometry of the impact-versus-delivery-risk chart, rendered to SVG by a template.

The chart is drawn on the server so it works without JavaScript and inside Backstage
TechDocs. Stage is shown by marker shape (and in the legend), never by colour alone.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT = 720, 590
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 24, 126
# Proposals that need information sit in a strip of their own below the plot, at their
# delivery-risk estimate: shown as a state, not placed in a quadrant.
STRIP_GAP, STRIP_H = 44, 40
NEEDS_INFORMATION = "needs_information"
PLOT_W = WIDTH - LEFT - RIGHT
PLOT_H = HEIGHT - TOP - BOTTOM

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
    label_x: float
    label_y: float
    marker: str
    filled: bool
    href: str
    tooltip: str


@dataclass(frozen=True)
class ChartAxis:
    value: int
    position: float


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


def to_x(risk: float) -> float:
    return round(LEFT + PLOT_W * risk / 100.0, 1)


def to_y(impact: float) -> float:
    return round(TOP + PLOT_H * (1 - impact / 100.0), 1)


def build_chart(rows: list[dict[str, object]], impact_threshold: float,
                risk_threshold: float) -> Chart:
    """``rows`` carry id, title, stage, quadrant, quadrant_name, impact, risk, href, tooltip."""
    points = []
    taken: dict[tuple[int, int], int] = {}
    for number, row in enumerate(rows, start=1):
        x = to_x(float(row["risk"]))  # type: ignore[arg-type]
        y = to_y(float(row["impact"]))  # type: ignore[arg-type]
        if row["quadrant"] == NEEDS_INFORMATION:
            y = TOP + PLOT_H + STRIP_GAP + STRIP_H * 0.7
        # Proposals with identical scores would hide each other: fan them out a little.
        cell = (round(x / 6), round(y / 6))
        clash = taken.get(cell, 0)
        taken[cell] = clash + 1
        x += 9 * (clash % 3)
        y += 9 * (clash // 3)
        stage = str(row["stage"])
        points.append(ChartPoint(
            number=number,
            proposal_id=str(row["id"]),
            title=str(row["title"]),
            stage=stage,
            quadrant=str(row["quadrant"]),
            quadrant_name=str(row["quadrant_name"]),
            x=x, y=y, label_x=x + 9, label_y=y + 4,
            marker=STAGE_MARKERS.get(stage, STAGE_MARKERS["idea"]),
            filled=stage in FILLED_STAGES,
            href=str(row["href"]),
            tooltip=str(row["tooltip"]),
        ))
    ticks = tuple(ChartAxis(v, to_x(v)) for v in range(0, 101, 25))
    ticks_y = tuple(ChartAxis(v, to_y(v)) for v in range(0, 101, 25))
    tx, ty = to_x(risk_threshold), to_y(impact_threshold)
    labels = {
        "quick_win": (LEFT + 8, TOP + 18),
        "strategic_bet": (LEFT + PLOT_W - 8, TOP + 18),
        "incremental": (LEFT + 8, TOP + PLOT_H - 10),
        "reconsider": (LEFT + PLOT_W - 8, TOP + PLOT_H - 10),
    }
    stages = tuple((stage, path, stage in FILLED_STAGES) for stage, path in STAGE_MARKERS.items())
    return Chart(WIDTH, HEIGHT, LEFT, TOP, PLOT_W, PLOT_H, tx, ty, tuple(points), ticks,
                 ticks_y, labels, stages, TOP + PLOT_H + STRIP_GAP, STRIP_H)
