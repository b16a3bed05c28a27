"""Counting the records of a scope, as the figures contract defines every number.

The counts come from the tallies the write path keeps (accompaniments/tally.py): whole local
months from the month rows, the days at the edges of a period from the day rows, and, when
a kind or partner filter leaves no day row to read, those edge days counted from the records
with the very function that made the tallies. Follow-up cards (a distinct count, first against
last autonomy) come from the cards' summaries where a card's whole history is in scope, and
from the records by the database otherwise, in one pass over an index made for it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta

import sqlalchemy as sa

from ..accompaniments import card_summary, tally
from ..accompaniments import vocabulary as vocab
from ..accompaniments.tally import DIMENSIONS, NONE, Sum, Tally
from ..extensions import db
from ..i18n import N_, gettext
from ..models import (Accompaniment, Agency, CardSummary, Commune, FigureTally, FigureTallyPending, Partner,
                      Procedure, Topic, accompaniment_partner)
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
    conditions = [~Accompaniment.deleted]
    if not scope.every_agency:
        conditions.append(Accompaniment.agency_code.in_(scope.agencies))
    if dates:
        first, after = scope.utc_bounds
        conditions += [Accompaniment.occurred_at >= first, Accompaniment.occurred_at < after]
    if scope.kinds:
        conditions.append(Accompaniment.kind.in_(scope.kinds))
    if scope.partners:  # looked up per record by the link's key: a filter never reads every link
        conditions.append(sa.exists().where(accompaniment_partner.c.accompaniment_id == Accompaniment.id,
                                            accompaniment_partner.c.partner_code.in_(scope.partners)))
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
    """The tally rows of ``scope`` and the journal's rows not yet folded into them, read by one
    statement (one snapshot: a fold committing meanwhile is seen whole or not at all)."""

    def rows_of(table):
        query = sa.select(table.c.partners, table.c.records, table.c.people, table.c.minutes,
                          table.c.returning_visits, table.c.counts, table.c.period).where(
            table.c.span == span, table.c.period.in_(periods), table.c.agency_code.in_(scope.agencies))
        if not filtered:
            return query.where(table.c.kind == tally.ANY, table.c.partners == tally.ANY)
        query = query.where(table.c.kind != tally.ANY, table.c.partners != tally.ANY)
        return query.where(table.c.kind.in_(scope.kinds)) if scope.kinds else query

    rows = db.session.connection().execute(sa.union_all(rows_of(FigureTally.__table__),
                                                        rows_of(FigureTallyPending.__table__)))
    wanted = set(scope.partners)
    if not filtered or not wanted:
        return rows
    return (row for row in rows if wanted & set(row.partners.split()))


def tallied(scope: Scope) -> Sum:
    """The counts of ``scope`` (autonomy month by month too), read from the tallies where they
    can answer: whole months from month rows, the other days from day rows or, with a kind or
    partner filter, from the records themselves."""
    filtered = bool(scope.kinds or scope.partners)
    whole, edges = [], []
    for month in months_of(scope.start, scope.end):
        last = next_month(month) - timedelta(days=1)
        if scope.start <= month and last <= scope.end:
            whole.append(month)
        else:
            edges.append((max(month, scope.start), min(last, scope.end)))
    counted = Sum(by_month="autonomy")
    if whole:
        for row in _tally_rows(tally.MONTH, whole, scope, filtered):
            counted.add_row(row)
    for first, last in edges:
        if filtered:  # no day row per kind and partners: count those days' records
            for month, plain in plain_tally(replace(scope, start=first, end=last)).items():
                counted.add_tally(plain, month)
        else:
            days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
            for row in _tally_rows(tally.DAY, days, scope, False):
                counted.add_row(row)
    return counted


def card_figures(scope: Scope) -> tuple[int, dict]:
    """Distinct follow-up cards in scope, and their autonomy progress (first against last).

    Without an agency, kind or partner filter, a card whose whole history lies in the period
    is read from its summary row (accompaniments/card_summary.py); the others, and every card
    of a filtered scope, from their records in scope in one GROUP BY pass over the cards' index
    (SQLite is told to read that index: at a million records its planner preferred the (agency,
    time) index and the table, slower for every scope measured: docs/PERFORMANCE.md).
    """
    connection = db.session.connection()
    record_conditions = scope_conditions(scope)
    rows = []
    if scope.every_agency and not scope.kinds and not scope.partners:
        summary = CardSummary.__table__.c
        first, after = scope.utc_bounds
        inside = sa.and_(summary.first_at >= first, summary.last_at < after)
        followed = summary.stated >= 2  # one expression in both places (PostgreSQL compares them)
        rows += connection.execute(
            sa.select(summary.first_autonomy, summary.last_autonomy, followed, sa.func.count())
            .where(inside).group_by(summary.first_autonomy, summary.last_autonomy, followed)).all()
        crossing = sa.select(summary.card).where(summary.first_at < after, summary.last_at >= first, ~inside)
        record_conditions.append(Accompaniment.card.in_(crossing))
    per_card = card_summary.per_card(connection, *record_conditions).subquery()
    followed = per_card.c.stated >= 2
    rows += connection.execute(
        sa.select(per_card.c.first_autonomy, per_card.c.last_autonomy, followed, sa.func.count())
        .group_by(per_card.c.first_autonomy, per_card.c.last_autonomy, followed)).all()
    cards, counts = 0, {"up": 0, "same": 0, "down": 0}
    for first_code, last_code, is_followed, number in rows:
        cards += number
        if is_followed:
            before, after = AUTONOMY_ORDER.index(first_code), AUTONOMY_ORDER.index(last_code)
            counts["up" if after > before else "down" if after < before else "same"] += number
    return cards, {"cards": sum(counts.values()), **counts}


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


def breakdowns(counted: Sum, scope: Scope) -> dict[str, list[dict]]:
    closed, labels = closed_lists(scope), open_labels()
    result = {}
    for name in DIMENSIONS:
        cells = {code: cell for code, cell in counted.counts.get(name, {}).items() if cell[0]}
        known = closed.get(name) or labels.get(name, {})
        if name in closed:
            codes = list(closed[name])
        else:
            codes = [code for code in cells if code != NONE]
        if cells.get(NONE, [0])[0]:
            codes.append(NONE)
        table = [{"code": code, "label": gettext(NONE_LABEL if code == NONE else known.get(code, code)),
                  "records": cells.get(code, [0, 0])[0], "people": cells.get(code, [0, 0])[1]} for code in codes]
        table.sort(key=lambda item: (-item["records"], item["code"]))
        result[name] = table
    return result


def series(counted: Sum, scope: Scope) -> dict:
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


def autonomy_by_month(counted: Sum, scope: Scope) -> list[dict]:
    """Month by month, how many records stated each level of autonomy (the dashboard's mix)."""
    return [{"start": month.isoformat(), **{code: counted.monthly.get(month, {}).get(code, 0)
                                            for code in AUTONOMY_ORDER}}
            for month in months_of(scope.start, scope.end)]


def figures(scope: Scope, *, autonomy_mix: bool = False) -> dict:
    """The answer of /api/v1/stats for ``scope`` (before small cells are hidden); with
    ``autonomy_mix``, also the month-by-month mix the dashboard draws."""
    counted = tallied(scope)
    cards, progress = card_figures(scope)
    extra = {"autonomy_by_month": autonomy_by_month(counted, scope)} if autonomy_mix else {}
    return {
        **extra,
        "filters": scope.filters(),
        "totals": {"records": counted.records, "people": counted.people, "minutes": counted.minutes,
                   "returning": counted.returning, "cards": cards},
        "breakdowns": breakdowns(counted, scope),
        "series": series(counted, scope),
        "autonomy_progress": progress,
    }
