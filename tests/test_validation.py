"""The one judge: every rule of the contract's field table, valid and invalid."""

import re
from datetime import datetime, timezone

import pytest

from pcn_pwa.accompaniments import cards
from pcn_pwa.accompaniments.judge import MESSAGES, Reference, client_rules, judge

from .records_data import NOW, VALID, future, record


@pytest.fixture
def reference(app):
    return Reference.load()


def errors_of(data, reference):
    with_request = judge(data, reference, now=NOW)
    return with_request.errors


@pytest.mark.parametrize("kind", sorted(VALID))
def test_each_kind_has_a_valid_example(app, reference, kind):
    with app.test_request_context("/"):
        result = judge(record(kind), reference, now=NOW)
    assert result.valid, result.errors


INVALID = [
    # (changes, field, expected French message)
    (dict(agency=...), "agency", "Ce champ est obligatoire."),
    (dict(agency="NOUMEA"), "agency", "Choix inconnu : NOUMEA."),
    (dict(kind=...), "kind", "Ce champ est obligatoire."),
    (dict(kind="group"), "kind", "Choix inconnu : group."),
    (dict(kind=3), "kind", "Un code est attendu."),
    (dict(occurred_at=...), "occurred_at", "Ce champ est obligatoire."),
    (dict(occurred_at="2026-03-02T09:41:00"), "occurred_at", "L’heure est arrivée sans son fuseau horaire : mettez l’application à jour sur cet appareil."),
    (dict(occurred_at="hier"), "occurred_at", "Date ou heure illisible : indiquez le jour et l’heure de l’accompagnement."),
    (dict(occurred_at=1772400000), "occurred_at", "Date ou heure illisible : indiquez le jour et l’heure de l’accompagnement."),
    (dict(occurred_at=future(24.5)), "occurred_at", "Cette date est plus d’un jour dans le futur : vérifiez le jour et l’heure."),
    (dict(duration_minutes=0), "duration_minutes", "Une durée dure au moins 1 minute."),
    (dict(duration_minutes=-30), "duration_minutes", "Une durée dure au moins 1 minute."),
    (dict(duration_minutes=481), "duration_minutes", "Indiquez un nombre entre 1 et 480."),
    (dict(duration_minutes="30"), "duration_minutes", "Indiquez un nombre entier."),
    (dict(duration_minutes=30.5), "duration_minutes", "Indiquez un nombre entier."),
    (dict(duration_minutes=float("nan")), "duration_minutes", "Indiquez un nombre entier."),
    (dict(duration_minutes=True), "duration_minutes", "Indiquez un nombre entier."),
    (dict(participants=2), "participants", "Un accompagnement individuel concerne une seule personne."),
    (dict(participants=0), "participants", "Indiquez un nombre entre 1 et 200."),
    (dict(partners="CAFAT"), "partners", "Une liste est attendue."),
    (dict(partners=["CAFAT", "BANK"]), "partners", "Choix inconnu : BANK."),
    (dict(procedures=["NO_SUCH"]), "procedures", "Choix inconnu : NO_SUCH."),
    (dict(procedures=["OPT_BILL"]), "procedures", "La démarche OPT_BILL ne relève d’aucun partenaire choisi."),
    (dict(procedure_detail="x" * 201), "procedure_detail", "200 caractères au plus."),
    (dict(topics=[], procedures=[]), "topics", "Choisissez au moins un thème ou une démarche."),
    (dict(topics=["COOKING"]), "topics", "Choix inconnu : COOKING."),
    (dict(equipment=["laptop"]), "equipment", "Choix inconnu : laptop."),
    (dict(beneficiary="someone"), "beneficiary", "Un objet est attendu."),
    (dict(beneficiary__age_band="old"), "beneficiary.age_band", "Choix inconnu : old."),
    (dict(beneficiary__gender="x"), "beneficiary.gender", "Choix inconnu : x."),
    (dict(beneficiary__status="boss"), "beneficiary.status", "Choix inconnu : boss."),
    (dict(beneficiary__situations=["rich"]), "beneficiary.situations", "Choix inconnu : rich."),
    (dict(beneficiary__commune="75056"), "beneficiary.commune", "Choix inconnu : 75056."),
    (dict(beneficiary__returning="yes"), "beneficiary.returning", "Une réponse oui ou non est attendue."),
    (dict(beneficiary__language="klingon"), "beneficiary.language", "Choix inconnu : klingon."),
    (dict(beneficiary__card="K7M4-QXP3"), "beneficiary.card", "Numéro de carte invalide : vérifiez chaque caractère."),
    (dict(autonomy=...), "autonomy", "Obligatoire pour ce type d’accompagnement."),
    (dict(autonomy="alone"), "autonomy", "Choix inconnu : alone."),
    (dict(outcome=...), "outcome", "Obligatoire pour ce type d’accompagnement."),
    (dict(outcome="done"), "outcome", "Choix inconnu : done."),
    (dict(blockers=["tired"]), "blockers", "Choix inconnu : tired."),
    (dict(outcome="redirected"), "redirected_to", "Indiquez vers qui la personne a été orientée."),
    (dict(outcome="redirected", redirected_to="bank"), "redirected_to", "Choix inconnu : bank."),
    (dict(notes="x" * 1001), "notes", "1000 caractères au plus."),
]


@pytest.mark.parametrize("changes,field,expected", INVALID, ids=[f"{i:02}-{c[1]}" for i, c in enumerate(INVALID)])
def test_invalid_individual_records(app, reference, changes, field, expected):
    with app.test_request_context("/"):
        result = judge(record("individual", **changes), reference, now=NOW)
    assert not result.valid
    assert result.clean is None
    assert expected in result.errors.get(field, []), result.errors


@pytest.mark.parametrize(
    "kind,changes,field,expected",
    [
        ("workshop", dict(workshop_title=...), "workshop_title", "Obligatoire pour ce type d’accompagnement."),
        ("workshop", dict(workshop_level="expert"), "workshop_level", "Choix inconnu : expert."),
        ("workshop", dict(participants=201), "participants", "Indiquez un nombre entre 1 et 200."),
        ("quick_help", dict(topics=...), "topics", "Choisissez au moins un thème ou une démarche."),
    ],
)
def test_invalid_records_of_other_kinds(app, reference, kind, changes, field, expected):
    with app.test_request_context("/"):
        result = judge(record(kind, **changes), reference, now=NOW)
    assert expected in result.errors.get(field, []), result.errors


@pytest.mark.parametrize(
    "kind,changes",
    [
        ("individual", dict(occurred_at=future(23.9))),
        ("individual", dict(occurred_at="2026-03-01T22:41:00Z")),
        ("individual", dict(duration_minutes=1)),
        ("individual", dict(duration_minutes=480)),
        ("individual", dict(duration_minutes=...)),
        ("individual", dict(procedures=[], topics=["EMAIL"])),
        ("individual", dict(topics=[])),  # a procedure is enough
        ("individual", dict(outcome="redirected", redirected_to="social_services")),
        ("individual", dict(outcome="redirected", redirected_to="CAFAT")),
        ("individual", dict(beneficiary=...)),
        ("individual", dict(beneficiary__commune="")),
        ("individual", dict(beneficiary__card=None)),
        ("workshop", dict(participants=200)),
        ("workshop", dict(participants=12.0)),  # JSON's 12.0 is the whole number 12
        ("quick_help", dict(topics=[], partners=["OPT"], procedures=["OPT_BILL"])),
        ("free_access", dict(participants=1)),
    ],
)
def test_valid_variants(app, reference, kind, changes):
    with app.test_request_context("/"):
        result = judge(record(kind, **changes), reference, now=NOW)
    assert result.valid, result.errors


def test_clean_record_is_normalised(app, reference):
    decomposed = "Cafe\u0301 numérique"  # "e" + combining acute, as some keyboards send it
    card = cards.new_code()
    data = record(
        procedure_detail=f"  {decomposed}  ",
        partners=["CAFAT", "CAFAT"],
        unknown_field="dropped",
        beneficiary__card=cards.display(card).lower(),
    )
    with app.test_request_context("/"):
        clean = judge(data, reference, now=NOW).clean
    assert clean["procedure_detail"] == "Café numérique"
    assert clean["partners"] == ["CAFAT"]
    assert "unknown_field" not in clean
    assert clean["occurred_at"] == datetime(2026, 3, 1, 22, 41, tzinfo=timezone.utc)
    assert clean["beneficiary"]["card"] == card


def test_defaults_for_a_person_not_described(app, reference):
    with app.test_request_context("/"):
        clean = judge(record("quick_help"), reference, now=NOW).clean
    assert clean["beneficiary"]["age_band"] == "unknown"
    assert clean["beneficiary"]["gender"] == "unknown"
    assert clean["beneficiary"]["status"] == "unknown"
    assert clean["participants"] == 1


def test_fields_that_do_not_apply_are_not_kept(app, reference):
    data = record(workshop_title="Pas un atelier", redirected_to="town_hall")
    with app.test_request_context("/"):
        clean = judge(data, reference, now=NOW).clean
    assert clean["workshop_title"] is None
    assert clean["redirected_to"] is None


def test_every_wrong_field_is_reported_at_once(app, reference):
    data = record(kind="individual", duration_minutes=0, notes="x" * 1001, autonomy=...)
    with app.test_request_context("/"):
        errors = judge(data, reference, now=NOW).errors
    assert set(errors) == {"duration_minutes", "notes", "autonomy"}


def test_not_an_object(app, reference):
    with app.test_request_context("/"):
        assert judge(["a", "list"], reference, now=NOW).errors == {"data": ["Un objet est attendu."]}


def test_messages_in_english(app, reference):
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        errors = judge(record(duration_minutes=481), reference, now=NOW).errors
    assert errors["duration_minutes"] == ["Enter a number between 1 and 480."]


def test_client_rules_carry_the_same_rules_and_translated_messages(app):
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        rules = client_rules()
    assert rules["fields"]["duration_minutes"] == {"type": "integer", "min": 1, "max": 480,
                                                   "min_message": "duration_min"}
    assert rules["cross"]["required_by_kind"]["individual"] == ["autonomy", "outcome"]
    assert rules["cross"]["required_by_kind"]["workshop"] == ["workshop_title", "participants"]
    assert rules["messages"]["required"] == "This field is required."
    assert rules["card"]["alphabet"] == cards.ALPHABET


def test_no_message_shows_a_person_a_machine_format():
    """The sync page shows the server's messages to advisors: words, never « 2026-03-02T09:41:00+11:00 »."""
    machine = re.compile(r"\d{4}-\d{2}-\d{2}T|[+-]\d{2}:\d{2}")
    assert [code for code, text in MESSAGES.items() if machine.search(text)] == []
