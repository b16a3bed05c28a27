"""Hiding small cells from partners: no count from 1 to 4 may point at a person.

Each such count becomes ``null`` and its row or object says ``"suppressed": true``; zeros stay.
In a breakdown where exactly one row is hidden, the smallest other non-zero row is hidden too,
so that the hidden one cannot be found again by subtracting from the total.
"""

from __future__ import annotations

SMALL = range(1, 5)
TOTAL_COUNTS = ("records", "people", "cards", "returning")
ROW_COUNTS = ("records", "people")
PROGRESS_COUNTS = ("cards", "up", "same", "down")


def shown_to_partner(count: int) -> int | None:
    """One count as a partner may see it: None (said « moins de 5 ») from 1 to 4."""
    return None if count in SMALL else count


def _hide(item: dict, keys) -> bool:
    """Null the small counts of ``item``; True if any was."""
    hidden = False
    for key in keys:
        if item.get(key) in SMALL:
            item[key] = None
            hidden = True
    if hidden:
        item["suppressed"] = True
    return hidden


def _hide_whole(item: dict, keys) -> None:
    for key in keys:
        item[key] = None
    item["suppressed"] = True


def hide_small_cells(answer: dict) -> dict:
    """``answer`` (/api/v1/stats) with small cells hidden, changed in place and returned."""
    _hide(answer["totals"], TOTAL_COUNTS)
    for rows in answer["breakdowns"].values():
        hidden = [row for row in rows if _hide(row, ROW_COUNTS)]
        if len(hidden) == 1:
            others = [row for row in rows if not row.get("suppressed") and row["records"]]
            if others:
                _hide_whole(min(others, key=lambda row: (row["records"], row["people"], row["code"])), ROW_COUNTS)
    for point in answer["series"]["points"]:
        _hide(point, ROW_COUNTS)
    _hide(answer["autonomy_progress"], PROGRESS_COUNTS)
    for month in answer.get("autonomy_by_month", []):
        _hide(month, [key for key in month if key != "start"])
    return answer
