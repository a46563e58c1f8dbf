"""A SKU's on-hand and available units over time, read from the ledger
and drawn as a small server-rendered SVG (no script, nothing from a CDN).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Sum

from .models import LedgerEntry

WIDTH, HEIGHT, PAD = 640, 200, 30
MAX_POINTS = 320
# The ledger of a busy SKU is long; the chart reads the latest rows only.
MAX_ROWS = 20_000


@dataclass
class Point:
    at: datetime
    on_hand: int
    available: int


def stock_history(*, sku_id: int) -> list[Point]:
    """Return the SKU's summed on-hand and available units after each
    ledger row, oldest first, thinned to at most MAX_POINTS."""
    rows = list(
        LedgerEntry.objects.filter(level__sku_id=sku_id)
        .order_by("-pk")
        .values_list(
            "level_id",
            "created_at",
            "on_hand_delta",
            "reserved_delta",
            "committed_delta",
            "safety_stock_delta",
            "pk",
        )[:MAX_ROWS]
    )
    rows.reverse()
    levels = _figures_before(sku_id, rows) if len(rows) == MAX_ROWS else {}

    points = []
    for level_id, at, on_hand, reserved, committed, safety, _pk in rows:
        figures = levels.setdefault(level_id, [0, 0])
        figures[0] += on_hand
        figures[1] += on_hand - reserved - committed - safety
        points.append(
            Point(
                at=at,
                on_hand=sum(f[0] for f in levels.values()),
                available=sum(max(0, f[1]) for f in levels.values()),
            )
        )
    return _thin(points)


def _figures_before(sku_id: int, rows: list) -> dict[int, list[int]]:
    """Return each level's [on_hand, free] summed over the rows older than
    those kept, so a chart of the latest rows starts at true figures."""
    older = (
        LedgerEntry.objects.filter(level__sku_id=sku_id, pk__lt=rows[0][-1])
        .values("level_id")
        .annotate(
            on_hand=Sum("on_hand_delta"),
            free=Sum(
                F("on_hand_delta")
                - F("reserved_delta")
                - F("committed_delta")
                - F("safety_stock_delta")
            ),
        )
    )
    return {row["level_id"]: [row["on_hand"], row["free"]] for row in older}


def _thin(points: list[Point]) -> list[Point]:
    if len(points) <= MAX_POINTS:
        return points
    step = len(points) / MAX_POINTS
    kept = [points[int(i * step)] for i in range(MAX_POINTS - 1)]
    return [*kept, points[-1]]


def history_svg(points: list[Point]) -> dict:
    """Return what the chart template draws: polyline points for each
    series and the labels of its axes."""
    if not points:
        return {}
    top = max(max(p.on_hand for p in points), 1)
    first, last = points[0].at, points[-1].at
    span = max((last - first).total_seconds(), 1.0)

    def x(point: Point) -> float:
        return PAD + (point.at - first).total_seconds() / span * (WIDTH - 2 * PAD)

    def y(value: int) -> float:
        return HEIGHT - PAD - value / top * (HEIGHT - 2 * PAD)

    def line(values) -> str:
        return " ".join(f"{x(p):.1f},{y(v):.1f}" for p, v in values)

    return {
        "width": WIDTH,
        "height": HEIGHT,
        "pad": PAD,
        "top": top,
        "top_y": y(top),
        "base_y": y(0),
        "right": WIDTH - PAD,
        "first": first,
        "last": last,
        "on_hand": line((p, p.on_hand) for p in points),
        "available": line((p, p.available) for p in points),
        "latest": points[-1],
    }
