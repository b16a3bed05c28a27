"""The advisor's pages: record through the form, list, edit with versions, delete, restore, cards."""

import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from pcn_pwa.extensions import db
from zoneinfo import ZoneInfo
from pcn_pwa.models import Accompaniment
from pcn_pwa.accompaniments import cards, store
from pcn_pwa.accompaniments.judge import Reference, judge

from .records_data import record

NOUMEA = ZoneInfo("Pacific/Noumea")


def form_post(**fields):
    """A filled individual accompaniment as the browser posts it (every key may be overridden)."""
    now = datetime.now(NOUMEA) - timedelta(minutes=5)
    data = {
        "kind": "individual",
        "occurred_date": now.strftime("%Y-%m-%d"),
        "occurred_time": now.strftime("%H:%M"),
        "duration": "30",
        "partners": ["CAFAT"],
        "procedures": ["CAFAT_CERTIFICATE"],
        "topics": ["ADMIN_PROCEDURES"],
        "equipment": ["agency_computer"],
        "age_band": "60_69",
        "gender": "f",
        "status": "retired",
        "commune": "Maré",
        "returning": "first",
        "language": "nen",
        "autonomy": "guided",
        "outcome": "completed",
        "notes": "",
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def stored():
    return db.session.scalars(sa.select(Accompaniment).order_by(Accompaniment.created_at)).all()


def page_text(response):
    return response.get_data(as_text=True)


def store_record(user, **changes):
    """A record stored directly, as if synced earlier."""
    clean = judge(record(**changes), Reference.load()).clean
    created = store.create(user, clean)
    db.session.commit()
    return created


# --- recording --------------------------------------------------------------------------

def test_form_renders_every_section_in_french(client, signed_in):
    signed_in("advisor")
    page = page_text(client.get("/accompagnements/nouveau"))
    for words in ["Accompagnement individuel", "Question rapide", "Accès libre à un poste", "Atelier collectif",
                  "Guidé pas à pas", "J’ai fait à sa place", "Non communiqué", "Ni nom, ni téléphone",
                  "N’écrivez ni donnée de santé, ni mot de passe", "120 min", "Païta", "Comme mon dernier"]:
        assert words in page, words
    assert 'id="communes"' in page and page.count("<option value=") >= 33


def test_an_empty_date_and_time_is_now_in_noumea(client, signed_in):
    signed_in("advisor", agency="TADINE")
    page = page_text(client.get("/accompagnements/nouveau"))
    tomorrow = (datetime.now(NOUMEA) + timedelta(days=1)).strftime("%Y-%m-%d")
    # The picker offers nothing before the pilot's start nor past tomorrow.
    assert 'min="2025-01-01"' in page and f'max="{tomorrow}"' in page
    before = datetime.now(NOUMEA)
    response = client.post("/accompagnements/nouveau", data=form_post(occurred_date="", occurred_time=""))
    assert response.status_code == 302
    [saved] = stored()
    moment = saved.occurred_at if saved.occurred_at.tzinfo else saved.occurred_at.replace(tzinfo=timezone.utc)
    assert before - timedelta(minutes=1) <= moment <= datetime.now(NOUMEA) + timedelta(minutes=1)


def test_a_workshop_without_participants_is_refused_not_counted_as_one(client, signed_in):
    signed_in("advisor", agency="TADINE")
    response = client.post("/accompagnements/nouveau", data=form_post(
        kind="workshop", participants="", workshop_title="Atelier", partners=[], procedures=[],
        topics=["ONLINE_SAFETY"], autonomy=None, outcome=None))
    assert response.status_code == 400
    assert "Obligatoire pour ce type d’accompagnement." in page_text(response)
    assert stored() == []


def test_a_quick_topic_without_a_kind_records_a_quick_question(client, signed_in):
    signed_in("advisor", agency="TADINE")
    response = client.post("/accompagnements/nouveau", data=form_post(
        kind="", quick_topic="BROWSING", partners=[], procedures=[], topics=["EMAIL"], autonomy=None, outcome=None))
    assert response.status_code == 302
    [saved] = stored()
    assert saved.kind == "quick_help" and sorted(t.code for t in saved.topics) == ["BROWSING", "EMAIL"]


def test_valid_individual_record_is_stored(client, signed_in):
    user = signed_in("advisor", agency="TADINE")
    response = client.post("/accompagnements/nouveau", data=form_post())
    assert response.status_code == 302
    [saved] = stored()
    assert (saved.agency_code, saved.kind, saved.autonomy, saved.version) == ("TADINE", "individual", "guided", 1)
    assert [p.code for p in saved.partners] == ["CAFAT"]
    assert saved.commune_code == "98815"
    assert saved.returning_visit is False
    assert saved.created_by_id == user.id
    assert "Accompagnement enregistré." in page_text(client.get(response.headers["Location"]))


@pytest.mark.parametrize("kind", ["quick_help", "free_access"])
def test_quick_record_in_two_taps(client, signed_in, kind):
    """Tap the kind, tap a topic: saved. Nothing else is needed."""
    signed_in("advisor")
    now = datetime.now(NOUMEA)
    response = client.post("/accompagnements/nouveau", data={
        "kind": kind, "quick_topic": "BROWSING", "occurred_date": now.strftime("%Y-%m-%d"),
        "occurred_time": now.strftime("%H:%M")})
    assert response.status_code == 302
    [saved] = stored()
    assert saved.kind == kind and [t.code for t in saved.topics] == ["BROWSING"]


def test_workshop_record(client, signed_in):
    signed_in("manager", agency="KONE")
    response = client.post("/accompagnements/nouveau", data=form_post(
        kind="workshop", participants="8", workshop_title="Se protéger des arnaques", workshop_level="beginner",
        partners=[], procedures=[], topics=["ONLINE_SAFETY"], autonomy=None, outcome=None, duration="90"))
    assert response.status_code == 302
    [saved] = stored()
    assert (saved.participants, saved.workshop_title, saved.agency_code) == (8, "Se protéger des arnaques", "KONE")


@pytest.mark.parametrize(
    "fields,message",
    [
        (dict(kind=""), "Ce champ est obligatoire."),
        (dict(autonomy=""), "Obligatoire pour ce type d’accompagnement."),
        (dict(outcome=""), "Obligatoire pour ce type d’accompagnement."),
        (dict(duration="other", duration_other="600"), "Indiquez un nombre entre 1 et 480."),
        (dict(duration="other", duration_other="une heure"), "Indiquez un nombre entier."),
        (dict(occurred_date="02/03/2026"), "Date ou heure illisible : indiquez le jour et l’heure de l’accompagnement."),
        (dict(occurred_date=(datetime.now(NOUMEA) + timedelta(days=3)).strftime("%Y-%m-%d")),
         "Cette date est plus d’un jour dans le futur : vérifiez le jour et l’heure."),
        (dict(occurred_date="2024-12-31"), "Cette date est avant le 1er janvier 2025, début du programme."),
        (dict(duration="other", duration_other="-20"), "Une durée dure au moins 1 minute."),
        (dict(procedures=["OPT_BILL"]), "La démarche OPT_BILL ne relève d’aucun partenaire choisi."),
        (dict(partners=[], procedures=[], topics=[]), "Choisissez au moins un thème ou une démarche."),
        (dict(commune="Paris"), "Choix inconnu : Paris."),
        (dict(card="K7M4-QXP3"), "Numéro de carte invalide : vérifiez chaque caractère."),
        (dict(outcome="redirected"), "Indiquez vers qui la personne a été orientée."),
        (dict(notes="x" * 1001), "1000 caractères au plus."),
        (dict(procedure_detail="x" * 201), "200 caractères au plus."),
        (dict(kind="workshop", participants="0", workshop_title="Atelier"), "Indiquez un nombre entre 1 et 200."),
        (dict(participants="3"), "Un accompagnement individuel concerne une seule personne."),
        (dict(kind="group"), "Choix inconnu : group."),
        (dict(age_band="old"), "Choix inconnu : old."),
        (dict(gender="x"), "Choix inconnu : x."),
        (dict(status="boss"), "Choix inconnu : boss."),
        (dict(situations=["rich"]), "Choix inconnu : rich."),
        (dict(equipment=["laptop"]), "Choix inconnu : laptop."),
        (dict(language="klingon"), "Choix inconnu : klingon."),
        (dict(blockers=["tired"]), "Choix inconnu : tired."),
        (dict(autonomy="alone"), "Choix inconnu : alone."),
        (dict(outcome="redirected", redirected_to="bank"), "Choix inconnu : bank."),
        (dict(topics=["COOKING"]), "Choix inconnu : COOKING."),
        (dict(kind="workshop", participants="5"), "Obligatoire pour ce type d’accompagnement."),
        (dict(kind="workshop", participants="5", workshop_title="A", workshop_level="expert"),
         "Choix inconnu : expert."),
    ],
)
def test_form_errors_are_shown_and_nothing_is_stored(client, signed_in, fields, message):
    signed_in("advisor")
    response = client.post("/accompagnements/nouveau", data=form_post(**fields))
    assert response.status_code == 400
    page = page_text(response)
    assert message in page
    assert "L’accompagnement n’est pas enregistré" in page
    # A screen reader reads each message with its field: every list of messages is named by
    # the aria-describedby of the field or group it is about.
    lists, described = error_lists_and_descriptions(response.get_data(as_text=True))
    assert lists and None not in lists and set(lists) <= described, (lists, described)
    assert stored() == []


def error_lists_and_descriptions(html: str) -> tuple[list, set]:
    """The ids of the page's lists of messages (None for one without), and every id that an
    aria-describedby names."""
    from html.parser import HTMLParser

    lists, described = [], set()

    class Reader(HTMLParser):
        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "ul" and "errors" in (attrs.get("class") or "").split():
                lists.append(attrs.get("id"))
            described.update((attrs.get("aria-describedby") or "").split())

    Reader().feed(html)
    return lists, described


def test_commune_matches_without_accents(client, signed_in):
    signed_in("advisor")
    client.post("/accompagnements/nouveau", data=form_post(commune="  mare "))
    assert stored()[0].commune_code == "98815"


def test_advisor_cannot_choose_another_agency(client, signed_in):
    """The agency comes from the account; a forged field changes nothing."""
    signed_in("advisor", agency="TADINE")
    client.post("/accompagnements/nouveau", data=form_post(agency="KONE"))
    assert stored()[0].agency_code == "TADINE"


def test_admin_records_for_a_chosen_agency(client, signed_in):
    signed_in("admin")
    page = page_text(client.get("/accompagnements/nouveau"))
    assert 'name="agency"' in page
    response = client.post("/accompagnements/nouveau", data=form_post(agency="YATE"))
    assert response.status_code == 302
    assert stored()[0].agency_code == "YATE"


@pytest.mark.parametrize("role,status", [("coordinator", 403), ("partner", 403)])
def test_read_only_roles_cannot_record(client, signed_in, role, status):
    signed_in(role)
    assert client.get("/accompagnements/nouveau").status_code == status
    assert client.post("/accompagnements/nouveau", data=form_post()).status_code == status
    assert stored() == []


def test_same_as_my_last_record(client, signed_in, make_user):
    user = signed_in("advisor")
    store_record(user, beneficiary__card=cards.new_code(), notes="Revenir jeudi")
    page = page_text(client.get("/accompagnements/nouveau?modele=dernier"))
    assert "Pré-rempli depuis votre dernier accompagnement" in page
    assert re.search(r'value="CAFAT_CERTIFICATE"[^>]*checked|checked[^>]*value="CAFAT_CERTIFICATE"', page)
    assert "Revenir jeudi" not in page  # notes and card belong to the previous person
    assert 'name="card" type="text" value=""' in page


def test_same_as_last_without_any_record(client, signed_in):
    signed_in("advisor")
    page = page_text(client.get("/accompagnements/nouveau?modele=dernier", follow_redirects=True))
    assert "Vous n’avez pas encore d’accompagnement à reprendre." in page


# --- list ---------------------------------------------------------------------------------

def test_list_shows_own_agency_newest_first_with_todays_count(client, signed_in, make_user):
    user = signed_in("advisor", agency="TADINE")
    other = make_user("advisor", username="kone-advisor", agency="KONE")
    now = datetime.now(NOUMEA)
    # Today in Nouméa even in the minute after its midnight (13:00 UTC), when a minute ago was not.
    today = max(now - timedelta(minutes=1), now.replace(hour=0, minute=0, second=0, microsecond=0))
    store_record(user, occurred_at=(now - timedelta(days=2)).isoformat(), procedure_detail="older")
    store_record(user, occurred_at=today.isoformat(), procedure_detail="newer")
    store_record(other, agency="KONE", occurred_at=now.isoformat())
    page = page_text(client.get("/accompagnements/"))
    assert page.count('class="record-list"') == 1
    assert len(re.findall(r'href="/accompagnements/[0-9a-f-]{36}"', page)) == 2
    assert re.search(r'stat-value">1</span>\s*<span class="stat-label">aujourd’hui', page)


def test_list_filters_by_day_and_advisor(client, signed_in, make_user):
    user = signed_in("manager", agency="TADINE")
    colleague = make_user("advisor", username="colleague", agency="TADINE")
    day = datetime(2026, 3, 2, 10, 0, tzinfo=NOUMEA)
    mine = store_record(user, occurred_at=day.isoformat())
    theirs = store_record(colleague, occurred_at=(day + timedelta(days=1)).isoformat())
    by_day = page_text(client.get("/accompagnements/?jour=2026-03-02"))
    assert str(mine.id) in by_day and str(theirs.id) not in by_day
    by_advisor = page_text(client.get(f"/accompagnements/?conseiller={colleague.id}"))
    assert str(theirs.id) in by_advisor and str(mine.id) not in by_advisor
    bad = page_text(client.get("/accompagnements/?jour=demain"))
    assert "Date de filtre invalide" in bad


def test_partner_users_see_no_record(client, signed_in, make_user):
    store_record(make_user("advisor"))
    signed_in("partner")
    assert client.get("/accompagnements/").status_code == 403


def test_coordinator_sees_all_agencies_but_cannot_edit(client, signed_in, make_user):
    tadine = store_record(make_user("advisor", username="t", agency="TADINE"))
    kone = store_record(make_user("advisor", username="k", agency="KONE"), agency="KONE")
    signed_in("coordinator")
    page = page_text(client.get("/accompagnements/"))
    assert str(tadine.id) in page and str(kone.id) in page
    assert client.get(f"/accompagnements/{kone.id}").status_code == 200
    assert client.get(f"/accompagnements/{kone.id}/modifier").status_code == 403


def test_advisor_cannot_open_another_agencys_record(client, signed_in, make_user):
    kone = store_record(make_user("advisor", username="k", agency="KONE"), agency="KONE")
    signed_in("advisor", agency="TADINE")
    assert client.get(f"/accompagnements/{kone.id}").status_code == 404
    assert client.post(f"/accompagnements/{kone.id}/modifier", data=form_post()).status_code == 404
    assert client.post(f"/accompagnements/{kone.id}/supprimer", data={"version": "1"}).status_code == 404
    assert db.session.get(Accompaniment, kone.id).version == 1


# --- edit, conflicts, delete, restore --------------------------------------------------

def test_colleague_edits_a_record_and_version_rises(client, signed_in, make_user):
    author = make_user("advisor", username="author", agency="TADINE")
    saved = store_record(author)
    editor = signed_in("advisor", username="editor", agency="TADINE")
    page = page_text(client.get(f"/accompagnements/{saved.id}/modifier"))
    assert 'name="version" type="hidden" value="1"' in page
    response = client.post(f"/accompagnements/{saved.id}/modifier",
                           data=form_post(version="1", autonomy="autonomous", occurred_date="2026-03-02",
                                          occurred_time="09:41"))
    assert response.status_code == 302
    db.session.refresh(saved)
    assert (saved.version, saved.autonomy, saved.updated_by_id, saved.created_by_id) == (
        2, "autonomous", editor.id, author.id)


def test_stale_edit_is_refused_with_both_versions_and_nothing_overwritten(client, signed_in, make_user):
    user = signed_in("advisor", agency="TADINE")
    saved = store_record(user)
    # Meanwhile a tablet synced a change: the record is now at version 2.
    clean = judge(record(autonomy="partly_autonomous"), Reference.load()).clean
    store.update(saved, user, clean, base_version=1)
    db.session.commit()
    response = client.post(f"/accompagnements/{saved.id}/modifier",
                           data=form_post(version="1", autonomy="done_by_advisor", occurred_date="2026-03-02",
                                          occurred_time="09:41"))
    assert response.status_code == 409
    page = page_text(response)
    assert "Quelqu’un a modifié cet accompagnement" in page
    assert "J’ai fait à sa place" in page and "Autonome avec un peu d’aide" in page
    db.session.refresh(saved)
    assert (saved.version, saved.autonomy) == (2, "partly_autonomous")
    # Saving again from the conflict page (now at version 2) keeps the advisor's choice.
    assert 'name="version" type="hidden" value="2"' in page
    response = client.post(f"/accompagnements/{saved.id}/modifier",
                           data=form_post(version="2", autonomy="done_by_advisor", occurred_date="2026-03-02",
                                          occurred_time="09:41"))
    assert response.status_code == 302
    db.session.refresh(saved)
    assert (saved.version, saved.autonomy) == (3, "done_by_advisor")


def test_invalid_edit_changes_nothing(client, signed_in):
    user = signed_in("advisor")
    saved = store_record(user)
    response = client.post(f"/accompagnements/{saved.id}/modifier", data=form_post(version="1", outcome=""))
    assert response.status_code == 400
    db.session.refresh(saved)
    assert (saved.version, saved.outcome) == (1, "completed")


def test_delete_is_soft_and_a_manager_restores(client, signed_in, make_user, auth):
    advisor = signed_in("advisor", username="adv", agency="TADINE")
    saved = store_record(advisor)
    response = client.post(f"/accompagnements/{saved.id}/supprimer", data={"version": "1"})
    assert response.status_code == 302
    db.session.refresh(saved)
    assert (saved.deleted, saved.version) == (True, 2)
    assert str(saved.id) not in page_text(client.get("/accompagnements/"))
    assert client.post(f"/accompagnements/{saved.id}/restaurer", data={"version": "2"}).status_code == 403
    auth.logout()
    signed_in("manager", username="boss", agency="TADINE")
    assert str(saved.id) in page_text(client.get("/accompagnements/?supprimes=1"))
    response = client.post(f"/accompagnements/{saved.id}/restaurer", data={"version": "2"})
    assert response.status_code == 302
    db.session.refresh(saved)
    assert (saved.deleted, saved.version) == (False, 3)


def test_delete_of_a_changed_record_is_refused(client, signed_in):
    user = signed_in("advisor")
    saved = store_record(user)
    store.update(saved, user, judge(record(duration_minutes=60), Reference.load()).clean, base_version=1)
    db.session.commit()
    response = client.post(f"/accompagnements/{saved.id}/supprimer", data={"version": "1"}, follow_redirects=True)
    assert "a changé entre-temps" in page_text(response)
    db.session.refresh(saved)
    assert saved.deleted is False


def test_unknown_record_is_404(client, signed_in):
    signed_in("advisor")
    assert client.get(f"/accompagnements/{uuid.uuid4()}").status_code == 404
    assert client.get("/accompagnements/not-a-uuid").status_code == 404


# --- follow-up cards ----------------------------------------------------------------------

def test_new_card_is_made_linked_and_printable(client, signed_in):
    signed_in("advisor")
    response = client.post("/accompagnements/nouveau", data=form_post(new_card="y"))
    assert response.status_code == 302
    [saved] = stored()
    assert cards.is_valid(saved.card)
    assert response.headers["Location"] == f"/accompagnements/carte/{saved.card}"
    card_page = page_text(client.get(response.headers["Location"]))
    assert cards.display(saved.card) in card_page
    assert 'data-action="print"' in card_page


def test_card_links_visits_and_shows_autonomy_moving(client, signed_in, make_user):
    user = signed_in("advisor", agency="TADINE")
    code = cards.new_code()
    for day, autonomy in [(1, "done_by_advisor"), (8, "guided"), (15, "autonomous")]:
        store_record(user, occurred_at=f"2026-03-{day:02}T09:00:00+11:00", autonomy=autonomy, beneficiary__card=code)
    # A typed code with a dash and lower case finds the same person.
    response = client.get(f"/accompagnements/suivi?code={cards.display(code).lower()}")
    assert response.headers["Location"] == f"/accompagnements/suivi/{code}"
    page = page_text(client.get(response.headers["Location"]))
    assert "3 visites" in page
    track = page[page.index('class="autonomy-track"'):]
    assert track.index("J’ai fait à sa place") < track.index("Guidé pas à pas") < track.index("Autonome</span>")
    assert "A apporté sa carte Cafat." not in page  # notes never appear on the person's page


def test_card_typo_is_caught_on_the_search_page(client, signed_in):
    signed_in("advisor")
    code = cards.new_code()
    typo = code[:3] + ("Z" if code[3] != "Z" else "Y") + code[4:]
    page = page_text(client.get(f"/accompagnements/suivi?code={typo}", follow_redirects=True))
    assert "Numéro de carte invalide" in page


def test_entering_an_existing_card_on_a_new_visit_links_it(client, signed_in):
    signed_in("advisor")
    code = cards.new_code()
    client.post("/accompagnements/nouveau", data=form_post(card=cards.display(code)))
    client.post("/accompagnements/nouveau", data=form_post(card=code.lower()))
    assert [r.card for r in stored()] == [code, code]


def test_a_workshop_page_shows_no_person_field_it_never_asked(client, signed_in):
    signed_in("advisor", agency="TADINE")
    response = client.post("/accompagnements/nouveau", data=form_post(
        kind="workshop", participants="6", workshop_title="Premiers pas", partners=[], procedures=[],
        topics=["ONLINE_SAFETY"], autonomy=None, outcome=None))
    assert response.status_code == 302
    [saved] = stored()
    page = page_text(client.get(f"/accompagnements/{saved.id}"))
    assert "Premiers pas" in page and "<dd>6</dd>" in page
    for label in ("<dt>Âge</dt>", "<dt>Genre</dt>", "<dt>Situation professionnelle</dt>", "Non communiqué"):
        assert label not in page
    # An individual accompaniment still says what was asked about the person.
    client.post("/accompagnements/nouveau", data=form_post())
    individual = stored()[-1]
    assert "<dt>Âge</dt>" in page_text(client.get(f"/accompagnements/{individual.id}"))


def test_deleting_asks_first_and_says_a_manager_can_restore(client, signed_in):
    signed_in("advisor", agency="TADINE")
    client.post("/accompagnements/nouveau", data=form_post())
    [saved] = stored()
    page = page_text(client.get(f"/accompagnements/{saved.id}"))
    question = page[page.index('class="confirm-delete"'):]
    assert question.index("un responsable pourra le restaurer") < question.index("Oui, supprimer")


def test_a_link_may_choose_the_kind_and_an_unknown_one_is_ignored(client, signed_in):
    signed_in("advisor", agency="TADINE")
    page = page_text(client.get("/accompagnements/nouveau?type=workshop"))
    assert re.search(r'<input checked id="kind-\d" name="kind" type="radio" value="workshop">', page)
    page = page_text(client.get("/accompagnements/nouveau?type=group"))
    assert 'checked id="kind-' not in page
