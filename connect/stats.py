"""Run trends for the dashboards, drawn as inline SVG on the server (no external services)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from connect.models import Customer, ItemAction, RunStatus, SyncRun

ACTIONS = ("created", "updated", "skipped", "failed")
COLORS = {"created": "#2f7d32", "updated": "#1f6fb2", "skipped": "#b58900", "failed": "#e65100"}


FAILED_RUN_COLOR = "#b71c1c"
BAR_WIDTH = 14  # fixed: one run looks like one run, not like a wall
SLOT = 24  # horizontal space per run
AXIS_HEIGHT = 44  # room for the dates under the bars
MIN_FAILED_HEIGHT = 12  # a failed run with nothing counted is still visible


@dataclass(frozen=True)
class Bar:
    run_id: int
    label: str  # date and time, for the tooltip
    day: str  # date on the axis
    status: str
    status_label: str
    failed: bool
    duration: float
    counts: dict[str, int]
    x: float
    segments: list[tuple[str, float, float]]  # (action, y, height)
    duration_y: float
    axis_x: float


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    width: int
    height: int  # of the bar area; the SVG adds AXIS_HEIGHT for the dates
    total_height: int
    bar_width: float
    max_total: int
    max_duration: float
    duration_path: str
    colors: dict[str, str]
    failed_color: str
    legend: list[tuple[str, str]]  # (color, translated action label)


def _totals(run: SyncRun) -> dict[str, int]:
    totals = dict.fromkeys(ACTIONS, 0)
    for actions in (run.counts or {}).values():
        for action in ACTIONS:
            totals[action] += int(actions.get(action, 0))
    return totals


def run_chart(*, customers: Iterable[Customer], limit: int = 30, height: int = 160) -> Chart:
    """Stacked bars of created/updated/skipped/failed for the last ``limit`` finished runs.

    Bars have a fixed width and place (one slot per run, the newest on the right), the run's
    date is written under each bar, failed runs are drawn red, and a line shows the duration.
    """
    runs = list(
        SyncRun.objects.filter(
            customer__in=list(customers), dry_run=False, finished_at__isnull=False
        ).order_by("-id")[:limit]
    )[::-1]
    totals = [_totals(r) for r in runs]
    max_total = max((sum(t.values()) for t in totals), default=0) or 1
    durations = [r.duration_seconds or 0.0 for r in runs]
    max_duration = max(durations, default=0.0) or 1.0
    width = SLOT * limit
    bars: list[Bar] = []
    points: list[str] = []
    for i, (run, counts, duration) in enumerate(zip(runs, totals, durations, strict=True)):
        x = i * SLOT + (SLOT - BAR_WIDTH) / 2
        failed = run.status == RunStatus.FAILED
        y = float(height)
        segments = []
        for action in ACTIONS:
            h = height * counts[action] / max_total
            y -= h
            segments.append((action, round(y, 2), round(h, 2)))
        if failed:
            total_h = max(height - y, MIN_FAILED_HEIGHT)
            segments = [("failed_run", round(height - total_h, 2), round(total_h, 2))]
        duration_y = round(height - height * duration / max_duration, 2)
        points.append(f"{x + BAR_WIDTH / 2:.2f},{duration_y}")
        local = timezone.localtime(run.created_at)
        bars.append(
            Bar(
                run_id=run.pk,
                label=local.strftime("%d.%m.%Y %H:%M"),
                day=local.strftime("%d.%m."),
                status=run.status,
                status_label=str(run.get_status_display()),
                failed=failed,
                duration=duration,
                counts=counts,
                x=round(x, 2),
                segments=segments,
                duration_y=duration_y,
                axis_x=round(x + BAR_WIDTH / 2, 2),
            )
        )
    return Chart(
        bars=bars,
        width=width,
        height=height,
        total_height=height + AXIS_HEIGHT,
        bar_width=BAR_WIDTH,
        max_total=max_total,
        max_duration=max_duration,
        duration_path="M " + " L ".join(points) if points else "",
        colors={**COLORS, "failed_run": FAILED_RUN_COLOR},
        failed_color=FAILED_RUN_COLOR,
        legend=[(COLORS[a], str(ItemAction(a).label)) for a in ACTIONS],
    )
