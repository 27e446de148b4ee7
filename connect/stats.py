"""Run trends for the dashboards, drawn as inline SVG on the server (no external services)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from connect.models import Customer, ItemAction, SyncRun

ACTIONS = ("created", "updated", "skipped", "failed")
COLORS = {"created": "#2f7d32", "updated": "#1f6fb2", "skipped": "#b58900", "failed": "#c62828"}


@dataclass(frozen=True)
class Bar:
    run_id: int
    label: str
    status: str
    duration: float
    counts: dict[str, int]
    x: float
    segments: list[tuple[str, float, float]]  # (action, y, height)
    duration_y: float


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    width: int
    height: int
    bar_width: float
    max_total: int
    max_duration: float
    duration_path: str
    colors: dict[str, str]
    legend: list[tuple[str, str]]  # (color, translated action label)


def _totals(run: SyncRun) -> dict[str, int]:
    totals = dict.fromkeys(ACTIONS, 0)
    for actions in (run.counts or {}).values():
        for action in ACTIONS:
            totals[action] += int(actions.get(action, 0))
    return totals


def run_chart(
    *, customers: Iterable[Customer], limit: int = 30, width: int = 640, height: int = 160
) -> Chart:
    """Stacked bars of created/updated/skipped/failed per finished run, a line for duration."""
    runs = list(
        SyncRun.objects.filter(
            customer__in=list(customers), dry_run=False, finished_at__isnull=False
        ).order_by("-id")[:limit]
    )[::-1]
    totals = [_totals(r) for r in runs]
    max_total = max((sum(t.values()) for t in totals), default=0) or 1
    durations = [r.duration_seconds or 0.0 for r in runs]
    max_duration = max(durations, default=0.0) or 1.0
    slot = width / max(len(runs), 1)
    bar_width = max(slot * 0.7, 1.0)
    bars: list[Bar] = []
    points: list[str] = []
    for i, (run, counts, duration) in enumerate(zip(runs, totals, durations, strict=True)):
        x = i * slot + (slot - bar_width) / 2
        y = float(height)
        segments = []
        for action in ACTIONS:
            h = height * counts[action] / max_total
            y -= h
            segments.append((action, round(y, 2), round(h, 2)))
        duration_y = round(height - height * duration / max_duration, 2)
        points.append(f"{x + bar_width / 2:.2f},{duration_y}")
        bars.append(
            Bar(
                run.pk,
                run.created_at.strftime("%d.%m. %H:%M"),
                run.status,
                duration,
                counts,
                round(x, 2),
                segments,
                duration_y,
            )
        )
    return Chart(
        bars,
        width,
        height,
        round(bar_width, 2),
        max_total,
        max_duration,
        "M " + " L ".join(points) if points else "",
        COLORS,
        [(COLORS[a], str(ItemAction(a).label)) for a in ACTIONS],
    )
