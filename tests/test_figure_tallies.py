"""The figures come from tallies kept by the write path: they must always equal a fresh count.

Random records are written, edited, deleted and restored through every entry point (the
store the pages use, the sync push, the CLI rebuild), then the API's figures for many scopes
(whole months, days at both edges, one day, filters by kind, partner and agency) are compared
with a plain count of the table: GROUP BY in SQL for the columns and links, Python for the
JSON lists, local dates taken from each record's UTC time.
"""

import random
import uuid
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from pcn_pwa.accompaniments import cards, store
from pcn_pwa.accompaniments import vocabulary as vocab
from pcn_pwa.accompaniments.judge import Reference, judge
from pcn_pwa.extensions import db
from pcn_pwa.accompaniments import tally
from pcn_pwa.models import (Accompaniment, CardSummary, FigureTally, FigureTallyPending, accompaniment_partner,
                            accompaniment_procedure, accompaniment_topic)

NOUMEA = ZoneInfo("Pacific/Noumea")
AGENCIES = ["TADINE", "KONE", "YATE"]
CARDS = [data + cards.check_character(data) for data in ("K7M4QXP", "A2B3C4D", "ZZ9PHRT", "M4R3TAD")]
AUTONOMY = list(vocab.AUTONOMY)


def random_data(rng: random.Random, reference: Reference) -> dict:
    """A valid record of any kind, agency, and a moment between November 2025 and March 2026."""
    while True:
        data = _random_data(rng, reference)
        if judge(data, reference).valid:
            return data


def _random_data(rng: random.Random, reference: Reference) -> dict:
    kind = rng.choice(list(vocab.KINDS))
    moment = datetime(2025, 11, 20, tzinfo=NOUMEA) + timedelta(minutes=rng.randrange(0, 130 * 24 * 60))
    if rng.random() < 0.15:  # just after local midnight: still the day before in UTC
        moment = moment.replace(hour=0, minute=rng.randrange(0, 59))
    data = {"agency": rng.choice(AGENCIES), "kind": kind, "occurred_at": moment.isoformat(),
            "duration_minutes": rng.choice([None, 5, 29, 30, 59, 60, 119, 120, 240])}
    topics = sorted(reference.topics)
    if kind == "workshop":
        data.update(participants=rng.randint(2, 12), topics=rng.sample(topics, rng.randint(1, 2)),
                    workshop_title="Atelier", workshop_level=rng.choice([None, *vocab.WORKSHOP_LEVELS]))
        return {key: value for key, value in data.items() if value is not None}
    partners = rng.sample(sorted(reference.partners), rng.choice([0, 1, 1, 2]))
    procedures = [code for code, partner in sorted(reference.procedures.items()) if partner in partners]
    data.update(partners=partners, procedures=rng.sample(procedures, min(len(procedures), rng.randint(0, 2))),
                topics=rng.sample(topics, rng.randint(0 if partners else 1, 2)),
                equipment=rng.sample(list(vocab.EQUIPMENT), rng.randint(0, 2)))
    beneficiary = {"age_band": rng.choice(list(vocab.AGE_BANDS)), "gender": rng.choice(list(vocab.GENDERS)),
                   "situations": rng.sample(list(vocab.SITUATIONS), rng.randint(0, 2)),
                   "returning": rng.choice([True, False, None])}
    if rng.random() < 0.6:
        beneficiary["commune"] = rng.choice(["98815", "98801", "98803"])
    if kind == "individual":
        data.update(autonomy=rng.choice(AUTONOMY), outcome=rng.choice(list(vocab.OUTCOMES)),
                    blockers=rng.sample(list(vocab.BLOCKERS), rng.randint(0, 2)))
        if data["outcome"] == "redirected":
            data["redirected_to"] = rng.choice(list(vocab.REDIRECT_PLACES))
        if rng.random() < 0.5:
            beneficiary["card"] = rng.choice(CARDS)
    elif rng.random() < 0.3:  # a card's visit that states no autonomy: counted, not followed
        beneficiary["card"] = rng.choice(CARDS)
    data["beneficiary"] = {key: value for key, value in beneficiary.items() if value is not None}
    return {key: value for key, value in data.items() if value is not None}


def judged(data, reference):
    judgement = judge(data, reference)
    assert judgement.valid, (data, judgement.errors)
    return judgement.clean


def write_randomly(rng, reference, users, push, rounds=50):
    """Create, edit, delete and restore records through the store and the sync push."""
    ids = []
    for turn in range(rounds):
        action = rng.random()
        if action < 0.45 or len(ids) < 5:
            user = users[rng.choice(AGENCIES)]
            record = store.create(user, judged(random_data(rng, reference), reference))
            ids.append(record.id)
        elif action < 0.7:
            record = db.session.get(Accompaniment, rng.choice(ids))
            store.update(record, users[record.agency_code], judged(
                {**random_data(rng, reference), "agency": record.agency_code}, reference), record.version)
        else:
            record = db.session.get(Accompaniment, rng.choice(ids))
            store.set_deleted(record, users[record.agency_code], not record.deleted)
        db.session.commit()
        if turn % 10 == 9:  # a tablet of Tadine pushes new records, edits and a deletion
            tadine = [i for i in ids if (r := db.session.get(Accompaniment, i)).agency_code == "TADINE"
                      and not r.deleted]
            batch = [{"id": str(uuid.uuid4()), "base_version": 0,
                      "data": {**random_data(rng, reference), "agency": "TADINE"}} for _ in range(3)]
            for record_id in rng.sample(tadine, min(2, len(tadine))):
                stored = db.session.get(Accompaniment, record_id)
                batch.append({"id": str(record_id), "base_version": stored.version, "deleted": rng.random() < 0.3,
                              "data": {**random_data(rng, reference), "agency": "TADINE"}})
            answer = push(batch)
            assert answer.status_code == 200, answer.get_data(as_text=True)
            assert all(r["status"] in ("created", "updated") for r in answer.json["results"]), answer.json
            ids += [uuid.UUID(item["id"]) for item in batch[:3]]
            db.session.expire_all()
    return ids


# --------------------------------------------------------------------------- the plain count


def fresh_count(start: date, end: date, agencies=None, partners=(), kinds=()):
    """Every figure of a scope, counted plainly from the records."""
    first = datetime.combine(start, datetime.min.time(), NOUMEA).astimezone(timezone.utc)
    after = datetime.combine(end + timedelta(days=1), datetime.min.time(), NOUMEA).astimezone(timezone.utc)
    table = Accompaniment.__table__
    where = [~table.c.deleted, table.c.occurred_at >= first, table.c.occurred_at < after]
    if agencies:
        where.append(table.c.agency_code.in_(agencies))
    if kinds:
        where.append(table.c.kind.in_(kinds))
    if partners:
        where.append(table.c.id.in_(sa.select(accompaniment_partner.c.accompaniment_id)
                                    .where(accompaniment_partner.c.partner_code.in_(partners))))
    session = db.session
    counts = {}
    totals = session.execute(sa.select(
        sa.func.count(), sa.func.coalesce(sa.func.sum(table.c.participants), 0),
        sa.func.coalesce(sa.func.sum(table.c.duration_minutes), 0),
        sa.func.count().filter(table.c.returning_visit.is_(True))).where(*where)).one()
    for name, column in {"agency": "agency_code", "kind": "kind", "age_band": "age_band", "gender": "gender",
                         "status": "status", "commune": "commune_code", "language": "language",
                         "autonomy": "autonomy", "outcome": "outcome", "redirected_to": "redirected_to",
                         "workshop_level": "workshop_level"}.items():
        counts[name] = {code or "none": (n, people) for code, n, people in session.execute(
            sa.select(table.c[column], sa.func.count(), sa.func.sum(table.c.participants))
            .where(*where).group_by(table.c[column]))}
    band = sa.case((table.c.duration_minutes < 30, "lt30"), (table.c.duration_minutes < 60, "30_59"),
                   (table.c.duration_minutes < 120, "60_119"), (table.c.duration_minutes >= 120, "120_plus"),
                   else_="none")
    counts["duration_band"] = {code: (n, people) for code, n, people in session.execute(
        sa.select(band, sa.func.count(), sa.func.sum(table.c.participants)).where(*where).group_by(band))}
    for name, link in {"partner": accompaniment_partner.c.partner_code,
                       "procedure": accompaniment_procedure.c.procedure_code,
                       "topic": accompaniment_topic.c.topic_code}.items():
        joined = table.outerjoin(link.table, link.table.c.accompaniment_id == table.c.id)
        counts[name] = {code or "none": (n, people) for code, n, people in session.execute(
            sa.select(link, sa.func.count(), sa.func.sum(table.c.participants))
            .select_from(joined).where(*where).group_by(link))}
    rows = session.execute(sa.select(table.c.equipment, table.c.situations, table.c.blockers, table.c.participants,
                                     table.c.occurred_at, table.c.card, table.c.autonomy, table.c.id)
                           .where(*where)).all()
    for name, index in (("equipment", 0), ("situation", 1), ("blocker", 2)):
        tally = defaultdict(lambda: [0, 0])
        for row in rows:
            for code in row[index] or ["none"]:
                tally[code][0] += 1
                tally[code][1] += row.participants
        counts[name] = {code: tuple(cell) for code, cell in tally.items()}
    days = Counter()
    for row in rows:
        days[row.occurred_at.astimezone(NOUMEA).date()] += 1
    visits = defaultdict(list)
    for row in rows:
        if row.card and row.autonomy:
            visits[row.card].append((row.occurred_at, str(row.id), AUTONOMY.index(row.autonomy)))
    progress = Counter()
    for card_visits in visits.values():
        if len(card_visits) >= 2:
            card_visits.sort()
            first, last = card_visits[0][2], card_visits[-1][2]
            progress["up" if last > first else "down" if last < first else "same"] += 1
    return {"totals": {"records": totals[0], "people": totals[1], "minutes": totals[2], "returning": totals[3],
                       "cards": len({row.card for row in rows if row.card})},
            "counts": counts, "days": days,
            "progress": {"cards": sum(progress.values()), "up": progress["up"], "same": progress["same"],
                         "down": progress["down"]}}


def api_counts(answer):
    return {name: {row["code"]: (row["records"], row["people"]) for row in rows if row["records"]}
            for name, rows in answer["breakdowns"].items()}


def series_of(days: Counter, answer) -> dict:
    """The plain count's days summed into the answer's intervals."""
    starts = [date.fromisoformat(point["start"]) for point in answer["series"]["points"]]
    result = Counter()
    for day, number in days.items():
        result[max(start for start in starts if start <= day).isoformat()] += number
    return result


SCOPES = [
    {"from": "2025-12-01", "to": "2026-02-28"},  # whole months
    {"from": "2025-11-25", "to": "2026-03-10"},  # days at both edges
    {"from": "2026-01-10", "to": "2026-01-20"},  # inside one month
    {"from": "2026-01-15", "to": "2026-01-15"},  # one day
    {"from": "2025-11-01", "to": "2026-03-31", "kind": ["individual"]},
    {"from": "2025-12-01", "to": "2026-02-28", "partner": ["CAFAT"]},
    {"from": "2025-11-28", "to": "2026-03-03", "partner": ["CAFAT", "OPT"], "kind": ["individual", "quick_help"]},
    {"from": "2025-12-01", "to": "2026-03-05", "agency": ["TADINE"]},
    {"from": "2025-12-13", "to": "2026-02-01", "agency": ["KONE", "YATE"], "partner": ["EEC"]},
]


def assert_same_figures(client):
    for params in SCOPES:
        answer = client.get("/api/v1/stats", query_string=params)
        assert answer.status_code == 200, answer.json
        answer = answer.json
        expected = fresh_count(date.fromisoformat(params["from"]), date.fromisoformat(params["to"]),
                               params.get("agency"), params.get("partner", ()), params.get("kind", ()))
        assert answer["totals"] == expected["totals"], params
        assert api_counts(answer) == {name: expected["counts"][name] for name in answer["breakdowns"]}, params
        assert {p["start"]: p["records"] for p in answer["series"]["points"] if p["records"]} == \
            series_of(expected["days"], answer), params
        assert answer["autonomy_progress"] == expected["progress"], params


@pytest.fixture
def writers(make_user):
    return {agency: make_user("advisor", username=f"writer-{agency.lower()}", agency=agency)
            for agency in AGENCIES}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_figures_equal_a_fresh_count_after_random_writes(app, client, auth, writers, seed):
    rng = random.Random(seed)
    reference = Reference.load()
    auth.login("writer-tadine")
    device = str(uuid.uuid4())

    def push(batch):
        return client.post("/api/v1/sync", json={"device_id": device, "pending": 0, "records": batch})

    write_randomly(rng, reference, writers, push)
    auth.logout()
    auth.login(_coordinator(writers))
    # Counted by the write path: in the tallies, or still in their journal (folded at most once a second).
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FigureTally)) + _journalled() > 0
    assert_same_figures(client)


def _coordinator(writers):
    from pcn_pwa.models import User

    user = User(username="coordinator-check", display_name="Coordination", role="coordinator")
    from .conftest import cheap_password_hash

    user.password_hash = cheap_password_hash()
    db.session.add(user)
    db.session.commit()
    return user.username


def _journalled() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(FigureTallyPending))


def test_rebuilding_the_tallies_gives_the_same_rows(app, client, auth, writers, runner):
    rng = random.Random(7)
    reference = Reference.load()
    for _ in range(40):
        user = writers[rng.choice(AGENCIES)]
        record = store.create(user, judged(random_data(rng, reference), reference))
        if rng.random() < 0.3:
            store.set_deleted(record, user, True)
        store.commit()  # as the pages do: the journal folded now and then
    store.fold_all()
    assert _journalled() == 0

    def stored():
        return (sorted(tuple(row) for row in db.session.execute(sa.select(FigureTally.__table__))),
                sorted(tuple(row) for row in db.session.execute(sa.select(CardSummary.__table__))))

    kept = stored()
    assert kept[1]  # some cards were written
    done = runner.invoke(args=["figures", "rebuild"])
    assert done.exit_code == 0, done.output
    assert "Counted" in done.output
    db.session.expire_all()
    assert stored() == kept
    auth.login(_coordinator(writers))
    assert_same_figures(client)


def test_figures_count_the_journal_before_it_is_folded(app, client, auth, writers):
    """A write's changes to the tallies wait in the journal until a fold: the figures read both,
    and folding changes the rows they are read from, not the figures."""
    rng = random.Random(5)
    reference = Reference.load()
    records = []
    for _ in range(30):
        user = writers[rng.choice(AGENCIES)]
        records.append(store.create(user, judged(random_data(rng, reference), reference)))
        db.session.commit()  # committed, not folded
    for record in rng.sample(records, 8):
        store.set_deleted(record, writers[record.agency_code], True)
        db.session.commit()
    assert _journalled() > 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FigureTally)) == 0
    auth.login(_coordinator(writers))
    assert_same_figures(client)

    folded = store.fold_all()
    assert folded > 0 and _journalled() == 0
    assert_same_figures(client)
    folded_rows = sorted(tuple(row) for row in db.session.execute(sa.select(FigureTally.__table__)))
    tally.rebuild(db.session.connection())
    db.session.commit()
    assert sorted(tuple(row) for row in db.session.execute(sa.select(FigureTally.__table__))) == folded_rows


def test_a_write_folds_the_journal_when_this_process_has_not_lately(app, writers, monkeypatch):
    rng = random.Random(9)
    reference = Reference.load()
    app.config["FIGURES_FOLD_INTERVAL"] = 3600
    monkeypatch.setattr(store, "_last_fold", float("-inf"))  # never folded
    store.create(writers["YATE"], judged(random_data(rng, reference), reference))
    store.commit()
    assert _journalled() == 0 and db.session.scalar(sa.select(sa.func.count()).select_from(FigureTally)) > 0
    store.create(writers["YATE"], judged(random_data(rng, reference), reference))
    store.commit()
    assert _journalled() > 0  # folded a moment ago: left for later


def test_one_fold_at_a_time_on_postgresql(app, writers):
    """A second folder gives up at once instead of merging the same tally rows (a lost update)
    or waiting: what it leaves is folded by the next one."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time: its folds cannot overlap")
    rng = random.Random(3)
    reference = Reference.load()
    for _ in range(5):
        store.create(writers["KONE"], judged(random_data(rng, reference), reference))
        db.session.commit()
    waiting = _journalled()
    with db.engine.connect() as first:
        with first.begin():
            assert tally.fold(first) == waiting  # holds the folders' lock until it commits
            assert tally.fold(db.session.connection()) == 0
            db.session.rollback()
            store.create(writers["KONE"], judged(random_data(rng, reference), reference))
            db.session.commit()  # a writer does not wait for the fold
    left = _journalled()
    assert left > 0
    assert tally.fold(db.session.connection()) == left
    db.session.commit()
    assert _journalled() == 0


def test_sqlite_reads_the_cards_and_a_downloads_pages_through_their_own_indexes(app, client, auth, writers):
    """At a million records SQLite's planner chose the (agency, time) index for both, reading
    the table or sorting the rest of the year at every page (seconds instead of milliseconds);
    the queries name their index, and SQLite must be able to use it."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("index hints are for SQLite; PostgreSQL plans these queries well alone")
    rng = random.Random(11)
    reference = Reference.load()
    for _ in range(10):
        store.create(writers["TADINE"], judged({**random_data(rng, reference), "agency": "TADINE"}, reference))
    db.session.commit()
    statements = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", seen)
    try:
        auth.login(_coordinator(writers))
        assert client.get("/api/v1/stats").status_code == 200
        assert client.get("/api/v1/exports/accompaniments.csv").status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", seen)
    plans = {}
    for index in ("ix_accompaniment_card_figures", "ix_accompaniment_occurred_id"):
        found = [(s, p) for s, p in statements if f"INDEXED BY {index}" in s]
        assert found, index
        statement, parameters = found[0]
        plans[index] = " ".join(row[-1] for row in db.session.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN " + statement, parameters))
    assert "COVERING INDEX ix_accompaniment_card_figures" in plans["ix_accompaniment_card_figures"]
    assert "ix_accompaniment_occurred_id" in plans["ix_accompaniment_occurred_id"]
    assert "TEMP B-TREE FOR ORDER BY" not in plans["ix_accompaniment_occurred_id"]
