"""A SKU's weekly demand, past and forecast, drawn as the stock chart is:
a small server-rendered SVG beside it on the SKU's admin page."""

from collections import defaultdict
from datetime import date, timedelta

from .models import LevelForecast
from .selectors import demand_history

WIDTH, HEIGHT, PAD = 640, 200, 30
HISTORY_WEEKS = 52


def sku_weekly_demand(*, sku_id: int) -> tuple[list[tuple[date, int]], list]:
    """Return the SKU's units per week over all warehouses: the last
    HISTORY_WEEKS weeks of its history, and the weeks of its forecast."""
    history = demand_history(sku_ids=[sku_id])
    past: dict[date, float] = defaultdict(float)
    for by_day in history.units.values():
        for day, units in by_day.items():
            past[_monday(day)] += units
    if past:
        last = max(past)
        weeks = [last - timedelta(weeks=n) for n in range(HISTORY_WEEKS)][::-1]
        past_weeks = [(week, past.get(week, 0.0)) for week in weeks]
    else:
        past_weeks = []

    ahead: dict[date, float] = defaultdict(float)
    for forecast in LevelForecast.objects.filter(level__sku_id=sku_id):
        for index, units in enumerate(forecast.daily):
            day = forecast.starts_on + timedelta(days=index)
            ahead[_monday(day)] += units
    return past_weeks, sorted(ahead.items())


def demand_svg(past: list, ahead: list) -> dict:
    """Return what the demand chart template draws: the past weeks, then
    the forecast weeks, side by side on one axis of weeks."""
    if not past and not ahead:
        return {}
    values = [units for _, units in past + ahead]
    top = max(max(values), 1.0)
    count = max(len(values) - 1, 1)

    def x(index: int) -> float:
        return PAD + index / count * (WIDTH - 2 * PAD)

    def y(units: float) -> float:
        return HEIGHT - PAD - units / top * (HEIGHT - 2 * PAD)

    # The forecast line starts from the last past week so the two meet.
    start = max(len(past) - 1, 0)
    joined = past[-1:] + ahead if past else ahead
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "pad": PAD,
        "top": round(top, 1),
        "top_y": y(top),
        "base_y": y(0),
        "right": WIDTH - PAD,
        "past": " ".join(f"{x(i):.1f},{y(u):.1f}" for i, (_, u) in enumerate(past)),
        "ahead": " ".join(
            f"{x(start + i):.1f},{y(u):.1f}" for i, (_, u) in enumerate(joined)
        ),
        "past_first": past[0][0] if past else None,
        "past_last": past[-1][0] if past else None,
        "ahead_first": ahead[0][0] if ahead else None,
        "ahead_last": ahead[-1][0] if ahead else None,
        "ahead_units": round(sum(u for _, u in ahead), 1),
    }


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())
