"""Retention (issue 14, data protection): ``flask retention apply [--dry-run]`` blanks the notes and
unlinks the follow-up cards of records older than RETENTION_MONTHS, through the one write path."""

import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from pcn_pwa import privacy
from pcn_pwa.accompaniments import cards, store
from pcn_pwa.extensions import db
from pcn_pwa.models import Accompaniment, AuditEntry, CardSummary, FigureTally

from .records_data import record

NOUMEA = timezone(timedelta(hours=11))


@pytest.fixture
def app_config():
    return {"RETENTION_MONTHS": 1}  # records a few weeks old are past it, whatever today is


def days_ago(days: int) -> str:
    return (datetime.now(NOUMEA) - timedelta(days=days)).replace(microsecond=0).isoformat()


def push(client, *records, device=None):
    response = client.post("/api/v1/sync", json={"device_id": device or str(uuid.uuid4()), "records": list(records)})
    assert response.status_code == 200, response.json
    return response.json["results"]


def new(days: int, card: str | None = None, notes: str | None = "A apporté sa carte Cafat.", **changes):
    return {"id": str(uuid.uuid4()), "base_version": 0,
            "data": record(occurred_at=days_ago(days), notes=notes, beneficiary__card=card, **changes)}


def stored(record_id) -> Accompaniment:
    db.session.expire_all()
    return db.session.get(Accompaniment, uuid.UUID(record_id))


def figures_state():
    """The tallies (journal folded) and the cards' summaries, as rows."""
    store.fold_all()
    db.session.expire_all()
    return (sorted(tuple(row) for row in db.session.execute(sa.select(FigureTally.__table__))),
            sorted(tuple(row) for row in db.session.execute(sa.select(CardSummary.__table__))))


def assert_figures_equal_a_rebuild(runner):
    kept = figures_state()
    done = runner.invoke(args=["figures", "rebuild"])
    assert done.exit_code == 0, done.output
    assert figures_state() == kept


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2026, 3, 31), 1, date(2026, 2, 28)), (date(2028, 3, 31), 1, date(2028, 2, 29)),
    (date(2026, 12, 6), 24, date(2024, 12, 6)), (date(2026, 1, 15), 1, date(2025, 12, 15)),
    (date(2026, 5, 31), 14, date(2025, 3, 31))])
def test_months_before_counts_calendar_months(day, months, expected):
    assert privacy.months_before(day, months) == expected


def test_the_default_retention_is_24_months(monkeypatch, tmp_path):
    from pcn_pwa.config import load_config

    monkeypatch.delenv("RETENTION_MONTHS", raising=False)
    assert load_config(str(tmp_path), {"TESTING": True})["RETENTION_MONTHS"] == 24
    monkeypatch.setenv("RETENTION_MONTHS", "36")
    assert load_config(str(tmp_path), {"TESTING": True})["RETENTION_MONTHS"] == 36
    monkeypatch.setenv("RETENTION_MONTHS", "0")
    with pytest.raises(ValueError, match="RETENTION_MONTHS"):
        load_config(str(tmp_path), {"TESTING": True})


def test_dry_run_changes_nothing_and_apply_then_changes_what_it_said(client, signed_in, runner):
    signed_in("advisor", agency="TADINE")
    card_old, card_both = cards.new_code(), cards.new_code()
    old = [new(60, card_old), new(70, card_both), new(80, None), new(90, card_old, notes=None)]
    young = [new(5, card_both), new(3, None)]
    push(client, *old, *young)
    _, cursor = pull(client, "0")
    versions = {r["id"]: stored(r["id"]).version for r in old + young}
    figures_before = figures_state()

    dry = runner.invoke(args=["retention", "apply", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Would change 4 records" in dry.output and "3 notes blanked, 3 follow-up cards unlinked" in dry.output
    assert {r["id"]: stored(r["id"]).version for r in old + young} == versions
    assert figures_state() == figures_before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0

    done = runner.invoke(args=["retention", "apply"])
    assert done.exit_code == 0, done.output
    assert "Changed 4 records" in done.output and "3 notes blanked, 3 follow-up cards unlinked" in done.output
    for pushed in old:
        row = stored(pushed["id"])
        assert (row.notes, row.card, row.version) == (None, None, versions[pushed["id"]] + 1)
        assert row.procedure_detail == "Attestation pour l’employeur"  # only notes and card go
    for pushed in young:  # younger than the period: untouched
        row = stored(pushed["id"])
        assert row.version == versions[pushed["id"]]
        assert (row.notes, row.card) == ("A apporté sa carte Cafat.", pushed["data"]["beneficiary"]["card"])

    # The tablets pull the blanked records (and only them).
    pulled, _ = pull(client, cursor)
    assert sorted(item["id"] for item in pulled) == sorted(r["id"] for r in old)
    assert all(item["data"]["notes"] is None and item["data"]["beneficiary"]["card"] is None for item in pulled)

    # The cards: the old one is gone from the figures, the other keeps its young visit only.
    summaries = {row.card: row.visits for row in db.session.scalars(sa.select(CardSummary))}
    assert summaries == {card_both: 1}
    assert_figures_equal_a_rebuild(runner)

    entry = db.session.scalars(sa.select(AuditEntry)).one()
    assert (entry.action, entry.actor_id, entry.actor_name) == ("records.retention", None, "(commande)")
    assert entry.after["records"] == 4 and entry.after["notes"] == 3 and entry.after["cards"] == 3
    assert entry.after["months"] == 1

    again = runner.invoke(args=["retention", "apply"])
    assert again.exit_code == 0 and "Nothing to change" in again.output, again.output
    assert "Nothing to change" in runner.invoke(args=["retention", "apply", "--dry-run"]).output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 1  # no entry for nothing


def pull(client, since):
    items = []
    while True:
        body = client.get(f"/api/v1/accompaniments?since={since}&limit=100").json
        items += body["records"]
        since = body["cursor"]
        if not body["more"]:
            return items, since


def test_a_stale_push_after_retention_does_not_bring_the_notes_or_card_back(client, signed_in, runner):
    signed_in("advisor", agency="TADINE")
    code = cards.new_code()
    pushed = new(60, code)
    push(client, pushed)
    assert runner.invoke(args=["retention", "apply"]).exit_code == 0
    # The tablet, offline meanwhile, edits its copy (version 1) and pushes it.
    edited = {**pushed, "base_version": 1, "data": {**pushed["data"], "duration_minutes": 45}}
    result = push(client, edited)[0]
    assert result["status"] == "conflict" and result["version"] == 2
    assert result["server_data"]["notes"] is None and result["server_data"]["beneficiary"]["card"] is None
    # The same copy pushed again as it was (a retry of a push before retention): without what
    # retention removed, it is what the server has (as after an erasure).
    assert push(client, {**pushed, "base_version": 1})[0] == {"id": pushed["id"], "status": "unchanged", "version": 2}
    row = stored(pushed["id"])
    assert (row.notes, row.card, row.version, row.duration_minutes) == (None, None, 2, 30)


def test_keeping_the_tablet_s_copy_after_retention_brings_back_neither_notes_nor_card(client, signed_in, runner):
    """The conflict above, then « garder ma version »: the tablet sends its copy over version 2.
    Its other change is stored; the notes and the card, past the period, are not."""
    signed_in("advisor", agency="TADINE")
    code = cards.new_code()
    pushed = new(60, code)
    push(client, pushed)
    assert runner.invoke(args=["retention", "apply"]).exit_code == 0
    kept = {**pushed, "base_version": 2, "data": {**pushed["data"], "duration_minutes": 45}}
    assert push(client, kept)[0] == {"id": pushed["id"], "status": "updated", "version": 3}
    row = stored(pushed["id"])
    assert (row.notes, row.card, row.duration_minutes) == (None, None, 45)
    assert db.session.get(CardSummary, code) is None  # the card links no record again
    assert push(client, {**kept, "base_version": 3})[0]["status"] == "unchanged"
    # A record within the period keeps what the tablet sends.
    recent = new(3, code)
    push(client, recent)
    assert push(client, {**recent, "base_version": 1, "data": {**recent["data"], "notes": "Revenue."}})[0][
        "status"] == "updated"
    assert (stored(recent["id"]).notes, stored(recent["id"]).card) == ("Revenue.", code)
    assert_figures_equal_a_rebuild(runner)


def test_deleted_records_lose_their_notes_too_and_stay_deleted(client, signed_in, runner):
    signed_in("advisor", agency="TADINE")
    pushed = new(60, cards.new_code())
    push(client, {**pushed, "deleted": True})
    assert "Changed 1 records" in runner.invoke(args=["retention", "apply"]).output
    row = stored(pushed["id"])
    assert (row.notes, row.card, row.deleted) == (None, None, True)
    assert_figures_equal_a_rebuild(runner)


def test_retention_works_in_batches(app, client, signed_in, runner):
    signed_in("advisor", agency="TADINE")
    code = cards.new_code()
    pushed = [new(40 + i % 2, code if i % 2 else None) for i in range(7)]  # several at one moment
    push(client, *pushed)
    before = db.session.scalar(sa.select(sa.func.max(Accompaniment.change_seq)))
    done = privacy.apply_retention(privacy.retention_cutoff(), batch=3)
    assert (done.records, done.notes, done.cards) == (7, 7, 3)
    seqs = sorted(db.session.scalars(sa.select(Accompaniment.change_seq)))
    assert seqs == list(range(before + 1, before + 8))  # one new change number each
    assert privacy.apply_retention(privacy.retention_cutoff(), batch=3).records == 0
    assert_figures_equal_a_rebuild(runner)


def test_on_sqlite_each_batch_takes_the_write_lock_before_it_reads(app, client, signed_in):
    """A command has no request: its transactions ask for BEGIN IMMEDIATE themselves, so another
    writer committing between the batch's read and its write cannot make it fail."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    signed_in("advisor", agency="TADINE")
    push(client, *[new(40 + i) for i in range(3)])
    begun = []
    sa.event.listen(db.engine, "before_cursor_execute", seen := lambda conn, cursor, statement, *rest:
                    begun.append(statement) if statement.startswith("BEGIN") else None)
    try:
        privacy.apply_retention(privacy.retention_cutoff(), batch=2)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", seen)
    assert begun.count("BEGIN IMMEDIATE") == 3  # two batches, then the one that finds nothing
