"""Counting the records of a scope, as the figures contract defines every number.

This is the plain count: it reads the records in scope and counts them in Python, so each
rule of the contract reads as written. Kept-up-to-date summaries, when they come, must always
give the same figures as this.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from ..accompaniments import vocabulary as vocab
from ..extensions import db
from ..i18n import N_, display_timezone, gettext
from ..models import (Accompaniment, Agency, Commune, Partner, Procedure, Topic, accompaniment_partner,
                      accompaniment_procedure, accompaniment_topic)
from .scope import Scope

NONE = "none"
AUTONOMY_ORDER = list(vocab.AUTONOMY)  # done_by_advisor < guided < partly_autonomous < autonomous
DURATION_BANDS = {
    "lt30": N_("Moins de 30 min"),
    "30_59": N_("30 à 59 min"),
    "60_119": N_("1 h à 1 h 59"),
    "120_plus": N_("2 h et plus"),
}
NONE_LABEL = N_("Non renseigné")
LINKS = {"partner": accompaniment_partner.c.partner_code, "procedure": accompaniment_procedure.c.procedure_code,
         "topic": accompaniment_topic.c.topic_code}


def duration_band(minutes: int | None) -> str | None:
    if minutes is None:
        return None
    if minutes < 30:
        return "lt30"
    if minutes < 60:
        return "30_59"
    if minutes < 120:
        return "60_119"
    return "120_plus"


@dataclass
class Row:
    """What the figures need of one record in scope."""

    local_day: date
    participants: int
    minutes: int | None
    returning: bool | None
    card: str | None
    autonomy: str | None
    occurred_at: object
    id: object
    values: dict = field(default_factory=dict)  # dimension -> list of codes


# Dimension -> the column it reads; multi-valued ones hold lists.
SINGLE = {"agency": Accompaniment.agency_code, "kind": Accompaniment.kind, "age_band": Accompaniment.age_band,
          "gender": Accompaniment.gender, "status": Accompaniment.status, "commune": Accompaniment.commune_code,
          "language": Accompaniment.language, "autonomy": Accompaniment.autonomy,
          "outcome": Accompaniment.outcome, "redirected_to": Accompaniment.redirected_to,
          "workshop_level": Accompaniment.workshop_level}
MULTI = {"equipment": Accompaniment.equipment, "situation": Accompaniment.situations,
         "blocker": Accompaniment.blockers}
DIMENSIONS = ["agency", "kind", "partner", "procedure", "topic", "equipment", "age_band", "gender", "status",
              "situation", "commune", "language", "autonomy", "outcome", "blocker", "redirected_to",
              "workshop_level", "duration_band"]
OPEN_LISTS = {"topic", "procedure", "commune", "language"}  # only codes with at least one record


def in_scope(scope: Scope) -> sa.Select:
    """The ids of the records a scope counts."""
    first, after = scope.utc_bounds
    query = sa.select(Accompaniment.id).where(
        ~Accompaniment.deleted, Accompaniment.occurred_at >= first, Accompaniment.occurred_at < after,
        Accompaniment.agency_code.in_(scope.agencies))
    if scope.kinds:
        query = query.where(Accompaniment.kind.in_(scope.kinds))
    if scope.partners:
        query = query.where(Accompaniment.id.in_(
            sa.select(accompaniment_partner.c.accompaniment_id)
            .where(accompaniment_partner.c.partner_code.in_(scope.partners))))
    return query


def read_rows(scope: Scope) -> list[Row]:
    """Every record in scope, with the values of every dimension."""
    ids = in_scope(scope)
    columns = [Accompaniment.id, Accompaniment.occurred_at, Accompaniment.participants,
               Accompaniment.duration_minutes, Accompaniment.returning_visit, Accompaniment.card,
               *SINGLE.values(), *MULTI.values()]
    zone = display_timezone()
    rows = {}
    for record in db.session.execute(sa.select(*columns).where(Accompaniment.id.in_(ids))):
        values = {name: [record[6 + i]] if record[6 + i] is not None else [] for i, name in enumerate(SINGLE)}
        for i, name in enumerate(MULTI):
            values[name] = list(record[6 + len(SINGLE) + i] or [])
        band = duration_band(record.duration_minutes)
        values["duration_band"] = [band] if band else []
        rows[record.id] = Row(record.occurred_at.astimezone(zone).date(), record.participants,
                              record.duration_minutes, record.returning_visit, record.card,
                              values["autonomy"][0] if values["autonomy"] else None, record.occurred_at,
                              record.id, values)
    for name, code in LINKS.items():
        for record_id, value in db.session.execute(
                sa.select(code.table.c.accompaniment_id, code).where(code.table.c.accompaniment_id.in_(ids))):
            rows[record_id].values.setdefault(name, []).append(value)
    for row in rows.values():
        for name in LINKS:
            row.values.setdefault(name, [])
    return list(rows.values())


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


def breakdowns(rows: list[Row], scope: Scope) -> dict[str, list[dict]]:
    closed, labels = closed_lists(scope), open_labels()
    result = {}
    for name in DIMENSIONS:
        records, people = Counter(), Counter()
        for row in rows:
            for code in row.values[name] or [NONE]:
                records[code] += 1
                people[code] += row.participants
        known = closed.get(name) or labels.get(name, {})
        codes = list(closed[name]) if name in closed else [c for c in records if c != NONE]
        if records[NONE]:
            codes.append(NONE)
        table = [{"code": code, "label": gettext(NONE_LABEL if code == NONE else known.get(code, code)),
                  "records": records[code], "people": people[code]} for code in codes]
        table.sort(key=lambda item: (-item["records"], item["code"]))
        result[name] = table
    return result


def series(rows: list[Row], scope: Scope) -> dict:
    def next_start(day: date) -> date:
        if scope.interval == "week":
            return day + timedelta(days=7)
        return date(day.year + (day.month == 12), day.month % 12 + 1, 1)

    first = (scope.start - timedelta(days=scope.start.weekday()) if scope.interval == "week"
             else scope.start.replace(day=1))
    starts = [first]
    while next_start(starts[-1]) <= scope.end:
        starts.append(next_start(starts[-1]))
    records, people = Counter(), Counter()
    for row in rows:
        index = _position(starts, row.local_day)
        records[index] += 1
        people[index] += row.participants
    return {"interval": scope.interval,
            "points": [{"start": start.isoformat(), "records": records[i], "people": people[i]}
                       for i, start in enumerate(starts)]}


def _position(starts: list[date], day: date) -> int:
    """Index of the interval holding ``day`` (starts are sorted)."""
    from bisect import bisect_right

    return bisect_right(starts, day) - 1


def autonomy_progress(rows: list[Row]) -> dict:
    """Per follow-up card with two or more records stating autonomy: first against last."""
    by_card = defaultdict(list)
    for row in rows:
        if row.card and row.autonomy:
            by_card[row.card].append(row)
    counts = Counter()
    for visits in by_card.values():
        if len(visits) < 2:
            continue
        visits.sort(key=lambda row: (row.occurred_at, str(row.id)))
        first, last = AUTONOMY_ORDER.index(visits[0].autonomy), AUTONOMY_ORDER.index(visits[-1].autonomy)
        counts["up" if last > first else "down" if last < first else "same"] += 1
    return {"cards": sum(counts.values()), "up": counts["up"], "same": counts["same"], "down": counts["down"]}


def autonomy_by_month(rows: list[Row], scope: Scope) -> list[dict]:
    """Month by month, how many records stated each level of autonomy (the dashboard's mix)."""
    months = [scope.start.replace(day=1)]
    while (following := date(months[-1].year + (months[-1].month == 12), months[-1].month % 12 + 1, 1)) <= scope.end:
        months.append(following)
    counts = {month: Counter() for month in months}
    for row in rows:
        if row.autonomy:
            counts[row.local_day.replace(day=1)][row.autonomy] += 1
    return [{"start": month.isoformat(), **{code: counts[month][code] for code in AUTONOMY_ORDER}}
            for month in months]


def figures(scope: Scope, *, autonomy_mix: bool = False) -> dict:
    """The answer of /api/v1/stats for ``scope`` (before small cells are hidden); with
    ``autonomy_mix``, also the month-by-month mix the dashboard draws."""
    rows = read_rows(scope)
    extra = {"autonomy_by_month": autonomy_by_month(rows, scope)} if autonomy_mix else {}
    return {
        **extra,
        "filters": scope.filters(),
        "totals": {"records": len(rows), "people": sum(row.participants for row in rows),
                   "minutes": sum(row.minutes or 0 for row in rows),
                   "returning": sum(1 for row in rows if row.returning),
                   "cards": len({row.card for row in rows if row.card})},
        "breakdowns": breakdowns(rows, scope),
        "series": series(rows, scope),
        "autonomy_progress": autonomy_progress(rows),
    }
