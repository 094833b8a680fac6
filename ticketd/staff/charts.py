"""The statistics page's geometry: where each bar of its SVG charts goes. Bars are drawn
in viewBox units (a bar of a table row is 100 wide, the day chart 10 per day and 100
high) and stretched to the page's width, so they never hold text: numbers and names
stay HTML, readable at any size."""

from dataclasses import dataclass

from ticketd.tickets.stats import DayCount, DepartmentOpen, DepartmentTimes, Overview

DAY_SLOT = 10  # viewBox units per day in the day chart
DAY_BAR = 8
DAY_HEIGHT = 100


@dataclass(frozen=True, slots=True)
class Column:
    """One day's bar: its top at `y`, down to the chart's foot."""

    x: int
    y: float
    height: float
    day: int  # the UTC day's start, in ms
    created: int
    width: int = DAY_BAR


@dataclass(frozen=True, slots=True)
class Segment:
    """One status's part of a department's stacked bar."""

    status: str
    x: float
    width: float
    count: int


def share(value: int, largest: int) -> float:
    """`value`'s length on a bar 100 long that `largest` fills; a non-zero value always
    shows."""
    if value <= 0 or largest <= 0:
        return 0.0
    return round(max(100 * value / largest, 0.5), 2)


def day_columns(days: list[DayCount]) -> list[Column]:
    most = max((d.created for d in days), default=0)
    columns = []
    for n, d in enumerate(days):
        height = DAY_HEIGHT * share(d.created, most) / 100
        columns.append(Column(n * DAY_SLOT + 1, DAY_HEIGHT - height, height, d.day, d.created))
    return columns


def segments(department: DepartmentOpen, largest: int) -> list[Segment]:
    """The department's open tickets as one bar, status after status."""
    found, x = [], 0.0
    for status, count in department.by_status.items():
        width = share(count, largest)
        found.append(Segment(status.value, x, width, count))
        x = round(x + width, 2)
    return found


@dataclass(frozen=True, slots=True)
class StatsCharts:
    """What the statistics page draws from an Overview."""

    days: list[Column]
    days_width: int
    busiest_day: DayCount | None
    created: int
    most_open: int  # the longest open-tickets bar
    slowest_response: int  # the longest 90th percentiles, which fill their bars
    slowest_resolution: int
    most_in_category: int

    @classmethod
    def of(cls, overview: Overview) -> "StatsCharts":
        days = overview.created_per_day
        busiest = max(days, key=lambda d: d.created, default=None)
        times = overview.times
        return cls(
            days=day_columns(days),
            days_width=len(days) * DAY_SLOT,
            busiest_day=busiest if busiest and busiest.created else None,
            created=sum(d.created for d in days),
            most_open=max((d.total for d in overview.open_tickets), default=0),
            slowest_response=_slowest(times, response=True),
            slowest_resolution=_slowest(times, response=False),
            most_in_category=max((c.created for c in overview.busiest_categories), default=0),
        )

    def bars(self, department: DepartmentOpen) -> list[Segment]:
        return segments(department, self.most_open)


def _slowest(times: list[DepartmentTimes], *, response: bool) -> int:
    spreads = [t.first_response if response else t.resolution for t in times]
    return max((s.p90_ms for s in spreads if s is not None), default=0)
