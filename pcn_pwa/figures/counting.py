"""Counting the records of a scope, as the figures contract defines every number.

The counts come from the tallies the write path keeps (accompaniments/tally.py): whole local
months from the month rows, the days at the edges of a period from the day rows, and, when
a kind or partner filter leaves no day row to read, those edge days counted from the records
with the very function that made the tallies. Follow-up cards (a distinct count, first against
last autonomy) are counted from the records by the database, on an index made for it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta

import sqlalchemy as sa

from ..accompaniments import tally
from ..accompaniments import vocabulary as vocab
from ..accompaniments.tally import DIMENSIONS, NONE, Tally
from ..extensions import db
from ..i18n import N_, gettext
from ..models import (Accompaniment, Agency, Commune, FigureTally, Partner, Procedure, Topic,
                      accompaniment_partner)
from .scope import Scope

AUTONOMY_ORDER = list(vocab.AUTONOMY)  # done_by_advisor < guided < partly_autonomous < autonomous
DURATION_BANDS = {
    "lt30": N_("Moins de 30 min"),
    "30_59": N_("30 à 59 min"),
    "60_119": N_("1 h à 1 h 59"),
    "120_plus": N_("2 h et plus"),
}
NONE_LABEL = N_("Non renseigné")
OPEN_LISTS = {"topic", "procedure", "commune", "language"}  # only codes with at least one record


def scope_conditions(scope: Scope, *, dates: bool = True) -> list:
    """SQL conditions on ``Accompaniment`` for the records a scope counts."""
    conditions = [~Accompaniment.deleted, Accompaniment.agency_code.in_(scope.agencies)]
    if dates:
        first, after = scope.utc_bounds
        conditions += [Accompaniment.occurred_at >= first, Accompaniment.occurred_at < after]
    if scope.kinds:
        conditions.append(Accompaniment.kind.in_(scope.kinds))
    if scope.partners:
        conditions.append(Accompaniment.id.in_(
            sa.select(accompaniment_partner.c.accompaniment_id)
            .where(accompaniment_partner.c.partner_code.in_(scope.partners))))
    return conditions


def next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def months_of(start: date, end: date) -> list[date]:
    """The first day of every month that overlaps ``start``..``end``."""
    months = [start.replace(day=1)]
    while (following := next_month(months[-1])) <= end:
        months.append(following)
    return months


def plain_tally(scope: Scope) -> dict[date, Tally]:
    """Month by month, the records of ``scope`` counted one by one (no tally read)."""
    by_month: dict[date, Tally] = defaultdict(Tally)
    for item in tally.read_facts(db.session.connection(), *scope_conditions(scope)):
        by_month[item.month].add(item)
    return by_month


def _tally_rows(span: str, periods: list[date], scope: Scope, filtered: bool):
    table = FigureTally.__table__
    query = sa.select(table.c.partners, table.c.records, table.c.people, table.c.minutes,
                      table.c.returning_visits, table.c.counts, table.c.period).where(
        table.c.span == span, table.c.period.in_(periods), table.c.agency_code.in_(scope.agencies))
    if not filtered:
        return db.session.execute(query.where(table.c.kind == tally.ANY, table.c.partners == tally.ANY))
    query = query.where(table.c.kind != tally.ANY, table.c.partners != tally.ANY)
    if scope.kinds:
        query = query.where(table.c.kind.in_(scope.kinds))
    wanted = set(scope.partners)
    return (row for row in db.session.execute(query) if not wanted or wanted & set(row.partners.split()))


def tallied(scope: Scope) -> dict[date, Tally]:
    """Month by month, the counts of ``scope``, read from the tallies where they can answer."""
    filtered = bool(scope.kinds or scope.partners)
    whole, edges = [], []
    for month in months_of(scope.start, scope.end):
        last = next_month(month) - timedelta(days=1)
        if scope.start <= month and last <= scope.end:
            whole.append(month)
        else:
            edges.append((max(month, scope.start), min(last, scope.end)))
    by_month: dict[date, Tally] = defaultdict(Tally)
    if whole:
        for row in _tally_rows(tally.MONTH, whole, scope, filtered):
            by_month[row.period].merge(Tally.load(row))
    for first, last in edges:
        if filtered:  # no day row per kind and partners: count those days' records
            for month, counted in plain_tally(replace(scope, start=first, end=last)).items():
                by_month[month].merge(counted)
        else:
            days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
            for row in _tally_rows(tally.DAY, days, scope, False):
                by_month[row.period.replace(day=1)].merge(Tally.load(row))
    return by_month


def card_figures(scope: Scope) -> tuple[int, dict]:
    """Distinct follow-up cards in scope, and their autonomy progress (first against last)."""
    conditions = [*scope_conditions(scope), Accompaniment.card.isnot(None)]
    cards = db.session.scalar(sa.select(sa.func.count(sa.distinct(Accompaniment.card))).where(*conditions))
    order = (Accompaniment.occurred_at, Accompaniment.id)
    whole = (None, None)  # the window frame: every visit of the card
    visits = sa.select(
        sa.func.first_value(Accompaniment.autonomy).over(partition_by=Accompaniment.card, order_by=order,
                                                         rows=whole).label("first"),
        sa.func.last_value(Accompaniment.autonomy).over(partition_by=Accompaniment.card, order_by=order,
                                                        rows=whole).label("last"),
        sa.func.row_number().over(partition_by=Accompaniment.card, order_by=order).label("rank"),
        sa.func.count().over(partition_by=Accompaniment.card).label("visits"),
    ).where(*conditions, Accompaniment.autonomy.isnot(None)).subquery()
    counts = {"up": 0, "same": 0, "down": 0}
    for first, last, number in db.session.execute(
            sa.select(visits.c.first, visits.c.last, sa.func.count())
            .where(visits.c.rank == 1, visits.c.visits >= 2).group_by(visits.c.first, visits.c.last)):
        first, last = AUTONOMY_ORDER.index(first), AUTONOMY_ORDER.index(last)
        counts["up" if last > first else "down" if last < first else "same"] += number
    return cards or 0, {"cards": sum(counts.values()), **counts}


def closed_lists(scope: Scope) -> dict[str, dict[str, str]]:
    """Every code of each closed list, with its label (French source; translated on output)."""
    partners = {p.code: p.name for p in db.session.scalars(sa.select(Partner))}
    agencies = {a.code: a.name for a in db.session.scalars(sa.select(Agency).where(Agency.code.in_(scope.agencies)))}
    return {
        "agency": agencies, "kind": vocab.KINDS, "partner": partners, "equipment": vocab.EQUIPMENT,
        "age_band": vocab.AGE_BANDS, "gender": vocab.GENDERS, "status": vocab.STATUSES,
        "situation": vocab.SITUATIONS, "autonomy": vocab.AUTONOMY, "outcome": vocab.OUTCOMES,
        "blocker": vocab.BLOCKERS, "redirected_to": {**partners, **vocab.REDIRECT_PLACES},
        "workshop_level": vocab.WORKSHOP_LEVELS, "duration_band": DURATION_BANDS,
    }


def open_labels() -> dict[str, dict[str, str]]:
    return {
        "procedure": dict(db.session.execute(sa.select(Procedure.code, Procedure.label)).all()),
        "topic": dict(db.session.execute(sa.select(Topic.code, Topic.label)).all()),
        "commune": dict(db.session.execute(sa.select(Commune.code, Commune.name)).all()),
        "language": vocab.SPOKEN_LANGUAGES,
    }


def breakdowns(counted: Tally, scope: Scope) -> dict[str, list[dict]]:
    closed, labels = closed_lists(scope), open_labels()
    result = {}
    for name in DIMENSIONS:
        cells = counted.counts.get(name, {})
        known = closed.get(name) or labels.get(name, {})
        if name in closed:
            codes = list(closed[name])
        else:
            codes = [code for code, (records, _people) in cells.items() if records and code != NONE]
        if cells.get(NONE, [0])[0]:
            codes.append(NONE)
        table = [{"code": code, "label": gettext(NONE_LABEL if code == NONE else known.get(code, code)),
                  "records": cells.get(code, [0, 0])[0], "people": cells.get(code, [0, 0])[1]} for code in codes]
        table.sort(key=lambda item: (-item["records"], item["code"]))
        result[name] = table
    return result


def series(counted: Tally, scope: Scope) -> dict:
    """One point per week or month overlapping the scope, zeros included."""
    if scope.interval == "week":
        first = scope.start - timedelta(days=scope.start.weekday())
        starts = [first + timedelta(days=7 * n) for n in range((scope.end - first).days // 7 + 1)]
        start_of = lambda day: day - timedelta(days=day.weekday())  # noqa: E731
    else:
        starts = months_of(scope.start, scope.end)
        start_of = lambda day: day.replace(day=1)  # noqa: E731
    points = {start: [0, 0] for start in starts}
    for day, (records, people) in counted.days.items():
        point = points[start_of(date.fromisoformat(day))]
        point[0] += records
        point[1] += people
    return {"interval": scope.interval,
            "points": [{"start": start.isoformat(), "records": records, "people": people}
                       for start, (records, people) in points.items()]}


def autonomy_by_month(by_month: dict[date, Tally], scope: Scope) -> list[dict]:
    """Month by month, how many records stated each level of autonomy (the dashboard's mix)."""
    result = []
    for month in months_of(scope.start, scope.end):
        cells = by_month[month].counts.get("autonomy", {}) if month in by_month else {}
        result.append({"start": month.isoformat(), **{code: cells.get(code, [0, 0])[0] for code in AUTONOMY_ORDER}})
    return result


def figures(scope: Scope, *, autonomy_mix: bool = False) -> dict:
    """The answer of /api/v1/stats for ``scope`` (before small cells are hidden); with
    ``autonomy_mix``, also the month-by-month mix the dashboard draws."""
    by_month = tallied(scope)
    counted = Tally()
    for month_tally in by_month.values():
        counted.merge(month_tally)
    cards, progress = card_figures(scope)
    extra = {"autonomy_by_month": autonomy_by_month(by_month, scope)} if autonomy_mix else {}
    return {
        **extra,
        "filters": scope.filters(),
        "totals": {"records": counted.records, "people": counted.people, "minutes": counted.minutes,
                   "returning": counted.returning, "cards": cards},
        "breakdowns": breakdowns(counted, scope),
        "series": series(counted, scope),
        "autonomy_progress": progress,
    }
