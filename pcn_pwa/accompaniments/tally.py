"""The figures kept at write time: what each record adds to the counts of the figures contract.

Counting a year of records on every dashboard view would read every record and its links
(a million of them at the scale of the whole territory). Instead the one write path keeps
*tallies*: for each local month (and each local day) of each agency, the counts of every
dimension's codes. A record's contribution is computed here, by one function, both when it
is written (added; an edit subtracts its old contribution first) and when records are counted
plainly from the table (the edges of a period that tallies cannot answer), so the two can
only agree. Follow-up cards are not tallied: a distinct count and a first-against-last
comparison are not sums; they are counted from the records with one indexed query.

Tally rows (``FigureTally``), all keyed by agency:

- ``M`` rows per local month, kind and *set of partners* (a record belongs to exactly one
  set, so a partner filter sums the sets that list any of the partners without counting a
  record twice), with the records of each day of the month;
- ``M`` rows per month with kind and partners ``*`` (any): the same, already summed;
- ``D`` rows per local day with kind and partners ``*``: the days at the edges of a period.

Each row holds its totals as columns and its code counts as one JSON text
(``{"c": {dimension: {code: [records, people]}}, "d": {day: [records, people]}}``).

A push touches a few dozen of those rows. Reading, merging and writing them whole under the
change counter's lock (which every writer holds from its first write to its commit) was half
of a push's time there, and pushes queue on that lock. So a writer only *journals* its changes:
rows of the same shape in ``FigureTallyPending``, inserted without reading anything. ``fold``
merges the journal into the tallies afterwards, in a transaction of its own, one folder at a
time: under load one fold takes the changes of many pushes at once. Readers add the journal's
rows to the tallies' in one statement, so a fold is never seen half done.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Iterable
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ..models import FigureTally, FigureTallyPending

ANY = "*"  # kind or partner set: every one
NONE = "none"  # a field left empty
MONTH, DAY = "M", "D"
# Every dimension of the figures contract, in the contract's order.
DIMENSIONS = ("agency", "kind", "partner", "procedure", "topic", "equipment", "age_band", "gender", "status",
              "situation", "commune", "language", "autonomy", "outcome", "blocker", "redirected_to",
              "workshop_level", "duration_band")
# Dimension -> the record's column it reads (partner, procedure and topic come from the links).
SINGLE_COLUMNS = {"agency": "agency_code", "kind": "kind", "age_band": "age_band", "gender": "gender",
                  "status": "status", "commune": "commune_code", "language": "language", "autonomy": "autonomy",
                  "outcome": "outcome", "redirected_to": "redirected_to", "workshop_level": "workshop_level"}
LIST_COLUMNS = {"equipment": "equipment", "situation": "situations", "blocker": "blockers"}
LINKS = ("partner", "procedure", "topic")
# Every column a record's contribution reads, besides its links.
COLUMNS = ("agency_code", "kind", "occurred_at", "participants", "duration_minutes", "returning_visit",
           *(c for c in SINGLE_COLUMNS.values() if c not in ("agency_code", "kind")), *LIST_COLUMNS.values())


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


def partner_set(codes: Iterable[str]) -> str:
    """The key of a set of partners: its codes sorted, space separated ('' for none)."""
    return " ".join(sorted(set(codes)))


@dataclass(frozen=True)
class Facts:
    """What one record adds to the figures: where and when it counts, and under which codes."""

    day: date  # local date of occurred_at
    agency: str
    kind: str
    partners: str  # partner_set()
    participants: int
    minutes: int
    returning: bool
    codes: tuple[tuple[str, str], ...]  # (dimension, code), a record once under each of its codes

    @property
    def month(self) -> date:
        return self.day.replace(day=1)


_SINGLE = tuple(SINGLE_COLUMNS.items())
_LISTS = tuple(LIST_COLUMNS.items())


def facts(columns, links: dict[str, Iterable[str]], zone: ZoneInfo) -> Facts:
    """The contribution of a record from its column values (a mapping or an object with the
    column names as attributes) and the codes of its links (``partner``, ``procedure``, ``topic``)."""
    get = columns.get if isinstance(columns, Mapping) else (lambda name: getattr(columns, name))
    codes = []
    append, extend = codes.append, codes.extend
    for name, column in _SINGLE:
        value = get(column)
        append((name, NONE if value is None else value))
    for name, values in (*((name, get(column)) for name, column in _LISTS),
                         *((name, links.get(name)) for name in LINKS)):
        if values:
            extend((name, value) for value in set(values))
        else:
            append((name, NONE))
    minutes = get("duration_minutes")
    append(("duration_band", duration_band(minutes) or NONE))
    return Facts(day=get("occurred_at").astimezone(zone).date(), agency=get("agency_code"), kind=get("kind"),
                 partners=partner_set(links.get("partner") or ()), participants=get("participants") or 1,
                 minutes=minutes or 0, returning=bool(get("returning_visit")), codes=tuple(codes))


def facts_of_record(record, zone: ZoneInfo) -> Facts:
    """The contribution of a stored ``Accompaniment`` as it is now."""
    links = {"partner": [p.code for p in record.partners], "procedure": [p.code for p in record.procedures],
             "topic": [t.code for t in record.topics]}
    return facts(record, links, zone)


def facts_of_clean(row: dict, clean: dict, zone: ZoneInfo) -> Facts:
    """The contribution of a new record: its built row and its judged data's links."""
    links = {"partner": clean.get("partners"), "procedure": clean.get("procedures"), "topic": clean.get("topics")}
    return facts(row, links, zone)


@dataclass
class Tally:
    """Counts of a set of records: totals, then records and people under every (dimension,
    code) and every local day (flat counters: adding a record is two C-level updates)."""

    records: int = 0
    people: int = 0
    minutes: int = 0
    returning: int = 0
    code_records: Counter = field(default_factory=Counter)
    code_people: Counter = field(default_factory=Counter)
    day_records: Counter = field(default_factory=Counter)
    day_people: Counter = field(default_factory=Counter)

    def add(self, item: Facts, sign: int = 1) -> None:
        people = sign * item.participants
        self.records += sign
        self.people += people
        self.minutes += sign * item.minutes
        self.returning += sign * item.returning
        day = item.day.isoformat()
        if sign == 1:
            self.code_records.update(item.codes)
            self.day_records[day] += 1
        else:
            self.code_records.subtract(item.codes)
            self.day_records[day] -= 1
        if people == sign:
            (self.code_people.update if sign == 1 else self.code_people.subtract)(item.codes)
        else:
            for code in item.codes:
                self.code_people[code] += people
        self.day_people[day] += people

    def merge(self, other: "Tally") -> None:
        self.records += other.records
        self.people += other.people
        self.minutes += other.minutes
        self.returning += other.returning
        for mine, theirs in ((self.code_records, other.code_records), (self.code_people, other.code_people),
                             (self.day_records, other.day_records), (self.day_people, other.day_people)):
            mine.update(theirs)  # Counter.update adds, negative counts included

    def data(self) -> dict:
        """``{"c": {dimension: {code: [records, people]}}, "d": {day: [records, people]}}``,
        cells at zero left out: what a tally row stores as JSON."""
        counts: dict = {}
        for (name, code), records in self.code_records.items():
            people = self.code_people[(name, code)]
            if records or people:
                counts.setdefault(name, {})[code] = [records, people]
        days = {day: [records, self.day_people[day]] for day, records in self.day_records.items()
                if records or self.day_people[day]}
        return {"c": counts, "d": days}


class Sum:
    """Tallies added up for reading: totals, ``{dimension: {code: [records, people]}}``,
    records per day, and one dimension month by month (the dashboard's autonomy mix)."""

    def __init__(self, by_month: str | None = None):
        self.records = self.people = self.minutes = self.returning = 0
        self.counts: dict[str, dict[str, list[int]]] = {}
        self.days: dict[str, list[int]] = {}
        self.by_month = by_month
        self.monthly: dict[date, dict[str, int]] = {}

    def add_row(self, row) -> None:
        """Add a ``FigureTally`` row (its ``period``'s month for the monthly dimension)."""
        self.add(row.records, row.people, row.minutes, row.returning_visits, json.loads(row.counts),
                 row.period.replace(day=1))

    @classmethod
    def of_row(cls, row) -> "Sum":
        """A stored row's counts as they are: its JSON's own dictionaries, not copied cell by cell."""
        counted = cls()
        counted.records, counted.people = row.records, row.people
        counted.minutes, counted.returning = row.minutes, row.returning_visits
        data = json.loads(row.counts)
        counted.counts, counted.days = data["c"], data["d"]
        return counted

    def add_sum(self, other: "Sum") -> None:
        """Add ``other`` (a write's changes: a few cells), then drop the cells it brought to zero,
        so that only its cells are visited, not all of this one's."""
        self.add(other.records, other.people, other.minutes, other.returning, {"c": other.counts, "d": other.days},
                 None)
        for name, codes in other.counts.items():
            target = self.counts[name]
            for code in codes:
                if target[code] == [0, 0]:
                    del target[code]
            if not target:
                del self.counts[name]
        for day in other.days:
            if self.days[day] == [0, 0]:
                del self.days[day]

    def add_tally(self, tally: Tally, month: date) -> None:
        self.add(tally.records, tally.people, tally.minutes, tally.returning, tally.data(), month)

    def add(self, records: int, people: int, minutes: int, returning: int, data: dict, month: date) -> None:
        self.records += records
        self.people += people
        self.minutes += minutes
        self.returning += returning
        for name, codes in data["c"].items():
            target = self.counts.setdefault(name, {})
            for code, (n, p) in codes.items():
                cell = target.get(code)
                if cell is None:
                    target[code] = [n, p]
                else:
                    cell[0] += n
                    cell[1] += p
        for day, (n, p) in data["d"].items():
            cell = self.days.get(day)
            if cell is None:
                self.days[day] = [n, p]
            else:
                cell[0] += n
                cell[1] += p
        if self.by_month:
            target = self.monthly.setdefault(month, {})
            for code, (n, _p) in data["c"].get(self.by_month, {}).items():
                target[code] = target.get(code, 0) + n



EMPTY = {"c": {}, "d": {}}
Key = tuple[str, date, str, str, str]  # span, period, agency, kind, partners


class Changes:
    """What a write adds to and takes from the tallies: each record counted into its month row
    (kind and partners) and its day row; the month rows of any kind and partners are the sums of
    the former, made once per write rather than once per record."""

    def __init__(self):
        self.deltas: dict[Key, Tally] = defaultdict(Tally)

    def add(self, item: Facts, sign: int = 1) -> None:
        self.deltas[(MONTH, item.month, item.agency, item.kind, item.partners)].add(item, sign)
        self.deltas[(DAY, item.day, item.agency, ANY, ANY)].add(item, sign)

    def _with_any(self) -> dict[Key, Tally]:
        deltas = dict(self.deltas)
        for (span, period, agency, kind, partners), delta in self.deltas.items():
            if span == MONTH:
                deltas.setdefault((MONTH, period, agency, ANY, ANY), Tally()).merge(delta)
        self.deltas = defaultdict(Tally)
        return deltas

    def journal(self, connection: sa.Connection) -> None:
        """Record the changes as pending rows: one insert, nothing read (the writer holds the
        change counter's lock; ``fold`` merges them into the tallies later)."""
        rows = []
        for key, delta in sorted(self._with_any().items()):
            data = delta.data()
            if delta.records or delta.people or delta.minutes or delta.returning or data != EMPTY:
                rows.append(_row_values(key, delta, data))
        if rows:
            connection.execute(sa.insert(FigureTallyPending.__table__), rows)

    def merge(self, connection: sa.Connection) -> None:
        """Merge the changes straight into the tally rows (``rebuild``, which runs alone)."""
        sums = {}
        for key, delta in self._with_any().items():
            sums[key] = Sum()
            sums[key].add_tally(delta, key[1])
        _merge(connection, sums)


_KEY_NAMES = ("span", "period", "agency_code", "kind", "partners")
FOLD_LOCK = 0x70636E66  # PostgreSQL advisory lock of the one folder at a time ("pcnf")


def _row_values(key: Key, counted: Sum | Tally, data: dict) -> dict:
    """A tally or journal row: its key, totals and counts (``data``, as stored)."""
    return dict(zip(_KEY_NAMES, key), records=counted.records, people=counted.people, minutes=counted.minutes,
                returning_visits=counted.returning, counts=json.dumps(data, separators=(",", ":"), sort_keys=True))


def _merge(connection: sa.Connection, sums: dict[Key, Sum]) -> None:
    """Add ``sums`` to the stored tally rows: rows read, added to and written back whole (the
    caller is the only one merging: ``fold``'s lock, or ``rebuild``)."""
    if not sums:
        return
    table = FigureTally.__table__
    key_columns = [table.c[name] for name in _KEY_NAMES]
    keys = sorted(sums)
    stored = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        for row in connection.execute(sa.select(table).where(sa.tuple_(*key_columns).in_(chunk))):
            stored[(row.span, row.period, row.agency_code, row.kind, row.partners)] = row
    inserts, updates, deletes = [], [], []
    for key in keys:
        counted = Sum.of_row(stored[key]) if key in stored else Sum()
        counted.add_sum(sums[key])  # no cell at zero left: none was stored, add_sum drops its own
        data = {"c": counted.counts, "d": counted.days}
        values = _row_values(key, counted, data)
        empty = not (counted.records or counted.people or counted.minutes or counted.returning) and data == EMPTY
        if key not in stored:
            if not empty:
                inserts.append(values)
        elif empty:
            deletes.append({"k_" + name: values[name] for name in _KEY_NAMES})
        else:
            updates.append({("k_" + name if name in _KEY_NAMES else name): value for name, value in values.items()})
    if inserts:
        connection.execute(sa.insert(table), inserts)
    where = sa.and_(*(column == sa.bindparam("k_" + column.key) for column in key_columns))
    if updates:  # SET takes the parameters named after columns; the key is bound as k_*
        connection.execute(sa.update(table).where(where), updates)
    if deletes:
        connection.execute(sa.delete(table).where(where), deletes)


def fold(connection: sa.Connection, limit: int = 5_000) -> int:
    """Merge up to ``limit`` journalled rows into the tallies, oldest first, and return how many
    (the caller commits). One folder at a time: on PostgreSQL another one gives up at once, and
    what it would have folded waits for the next fold (readers count it meanwhile)."""
    if connection.dialect.name == "postgresql":
        if not connection.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(FOLD_LOCK))):
            return 0
    pending = FigureTallyPending.__table__
    oldest = sa.select(pending.c.id).order_by(pending.c.id).limit(limit)
    rows = connection.execute(sa.delete(pending).where(pending.c.id.in_(oldest))
                              .returning(*(column for column in pending.c if column.key != "id"))).all()
    sums: dict[Key, Sum] = defaultdict(Sum)
    for row in rows:
        sums[(row.span, row.period, row.agency_code, row.kind, row.partners)].add_row(row)
    _merge(connection, sums)
    return len(rows)


def read_facts(connection: sa.Connection, *conditions, page: int = 20_000) -> Iterable[Facts]:
    """The contribution of every record matching ``conditions`` (SQL on ``Accompaniment``),
    read in pages of ``page`` records by id, so memory does not grow with their number."""
    from ..i18n import display_timezone
    from ..models import Accompaniment

    zone, table = display_timezone(), Accompaniment.__table__
    columns = [table.c.id, *(table.c[name] for name in COLUMNS)]
    after = None
    while True:
        query = sa.select(*columns).where(*conditions).order_by(table.c.id).limit(page)
        if after is not None:
            query = query.where(table.c.id > after)
        rows = connection.execute(query).all()
        if not rows:
            return
        links = link_codes(connection, [row.id for row in rows])
        for row in rows:
            yield facts(row._mapping, links.get(row.id, {}), zone)
        after = rows[-1].id


def link_codes(connection: sa.Connection, ids: list) -> dict:
    """``{record id: {"partner": [...], "procedure": [...], "topic": [...]}}`` for ``ids``."""
    from ..models import accompaniment_partner, accompaniment_procedure, accompaniment_topic

    result: dict = {}
    for name, column in (("partner", accompaniment_partner.c.partner_code),
                         ("procedure", accompaniment_procedure.c.procedure_code),
                         ("topic", accompaniment_topic.c.topic_code)):
        link = column.table.c.accompaniment_id
        for start in range(0, len(ids), 5_000):
            for record_id, code in connection.execute(sa.select(link, column).where(link.in_(ids[start:start + 5_000]))):
                result.setdefault(record_id, {}).setdefault(name, []).append(code)
    return result


def rebuild(connection: sa.Connection, journal: bool = True) -> int:
    """Count every record anew into empty tallies, the journal emptied (``flask figures
    rebuild``; ``journal=False`` for the migration that made the tallies, before the journal
    existed); returns the number of records counted."""
    from ..models import Accompaniment

    connection.execute(sa.delete(FigureTally.__table__))
    if journal:
        connection.execute(sa.delete(FigureTallyPending.__table__))
    changes, counted = Changes(), 0
    for item in read_facts(connection, ~Accompaniment.__table__.c.deleted):
        changes.add(item)
        counted += 1
        if len(changes.deltas) > 50_000:  # bounded memory: merge into the stored rows as we go
            changes.merge(connection)
    changes.merge(connection)
    return counted
