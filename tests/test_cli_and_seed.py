"""``flask seed`` and ``flask users``: reference data, demo data, accounts."""

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from pcn_pwa.extensions import db
from pcn_pwa.models import Accompaniment, Agency, Commune, Partner, Procedure, Topic, User
from pcn_pwa.seed import DEMO_PASSWORD, seed_demo


def _counts():
    models = [Commune, Agency, Partner, Procedure, Topic, User, Accompaniment]
    return {m.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in models}


def test_reference_data_holds_the_pilot(app):
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Commune)) == 33
    agencies = {a.code: (a.name, a.province) for a in db.session.scalars(sa.select(Agency))}
    assert agencies == {
        "TONTOUTA": ("Païta-Tontouta", "sud"),
        "BOURAIL": ("Bourail", "sud"),
        "YATE": ("Yaté", "sud"),
        "KOUMAC": ("Koumac", "nord"),
        "KONE": ("Koné", "nord"),
        "TADINE": ("Tadine (Maré)", "iles"),
    }
    partners = set(db.session.scalars(sa.select(Partner.code)))
    assert partners == {"OPT", "EEC", "CDE", "CAFAT", "SIC", "GNC", "PSUD", "OTHER"}
    # Every partner but OTHER has real procedures, each belonging to a known partner.
    for code in partners:
        assert db.session.scalar(sa.select(sa.func.count()).where(Procedure.partner_code == code)) >= 2
    communes_by_province = dict(
        db.session.execute(sa.select(Commune.province, sa.func.count()).group_by(Commune.province)).all()
    )
    assert communes_by_province == {"sud": 13, "nord": 17, "iles": 3}


def test_seed_twice_changes_nothing(app, runner):
    first = runner.invoke(args=["seed", "--demo"])
    assert first.exit_code == 0, first.output
    assert "demo accompaniments" in first.output
    after_first = _counts()
    second = runner.invoke(args=["seed", "--demo"])
    assert second.exit_code == 0
    assert "nothing new" in second.output
    assert _counts() == after_first


def test_seed_keeps_an_admins_edit(app, runner):
    topic = db.session.get(Topic, "EMAIL")
    topic.label = "Courriel"
    db.session.commit()
    runner.invoke(args=["seed"])
    assert db.session.get(Topic, "EMAIL").label == "Courriel"


def test_demo_data_is_varied_and_covers_three_months(app):
    now = datetime(2026, 6, 15, 3, 0, tzinfo=timezone.utc)
    seed_demo(now=now)
    records = db.session.scalars(sa.select(Accompaniment)).all()
    assert 1500 < len(records) < 6000
    assert {r.agency_code for r in records} == {"TONTOUTA", "BOURAIL", "YATE", "KOUMAC", "KONE", "TADINE"}
    assert {r.kind for r in records} == {"individual", "workshop", "quick_help", "free_access"}
    assert {r.autonomy for r in records if r.kind == "individual"} == {
        "done_by_advisor", "guided", "partly_autonomous", "autonomous"}
    oldest = min(r.occurred_at for r in records)
    newest = max(r.occurred_at for r in records)
    assert oldest < now - timedelta(days=85)
    assert newest <= now
    # No record of the demo carries anything that could name a person.
    assert all(r.notes is None for r in records)


def test_demo_users_can_sign_in(app, runner, client):
    runner.invoke(args=["seed", "--demo"])
    for username in ["conseiller", "responsable", "partenaire", "coordination", "admin"]:
        response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
        client.post("/logout")


def test_users_create_reads_password_from_stdin(app, runner, client):
    result = runner.invoke(
        args=["users", "create", "Lea", "--role", "advisor", "--agency", "kone", "--name", "Léa Wakaine"],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.username == "lea"))
    assert (user.role, user.agency_code, user.display_name) == ("advisor", "KONE", "Léa Wakaine")
    # Real accounts get scrypt (test users get a cheap hash: tests/conftest.py).
    assert user.password_hash.startswith("scrypt:")
    assert client.post("/login", data={"username": "lea", "password": "a long enough password"}).status_code == 302


@pytest.mark.parametrize(
    "args,message",
    [
        (["x", "--role", "advisor"], "needs --agency"),
        (["x", "--role", "advisor", "--agency", "NOUMEA"], "Unknown agency"),
        (["x", "--role", "partner"], "needs --partner"),
        (["x", "--role", "partner", "--partner", "BANK"], "Unknown partner"),
        (["x", "--role", "coordinator", "--agency", "KONE"], "drop --agency"),
        (["x", "--role", "admin", "--partner", "OPT"], "Only partner users"),
        (["x", "--role", "boss"], "Invalid value for '--role'"),
    ],
)
def test_users_create_refuses_bad_input(app, runner, args, message):
    before = _counts()["User"]
    result = runner.invoke(args=["users", "create", *args], input="a long enough password\n")
    assert result.exit_code != 0
    assert message in result.output
    assert _counts()["User"] == before


def test_users_create_refuses_short_password_and_duplicates(app, runner):
    short = runner.invoke(args=["users", "create", "ana", "--role", "admin"], input="short\n")
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    ok = runner.invoke(args=["users", "create", "ana", "--role", "admin"], input="a long enough password\n")
    assert ok.exit_code == 0
    again = runner.invoke(args=["users", "create", "ANA", "--role", "admin"], input="a long enough password\n")
    assert again.exit_code != 0 and "already exists" in again.output


def test_users_deactivate_unknown_user(app, runner):
    result = runner.invoke(args=["users", "deactivate", "ghost"])
    assert result.exit_code != 0
    assert "No user 'ghost'" in result.output
