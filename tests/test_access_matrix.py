"""Who may open what: every route of the URL map × nobody and every role, against a written table.

The routes are read from ``app.url_map`` (every endpoint and method, ``static`` included), so a
new route cannot escape: one missing from the table fails the test, by name, until someone writes
down who may open it. URL parameters are real objects: a record of agency A, a card, a language
with its uploads; so a manager of agency B asking for A's record is really tried (404: record ids
are not to be probed). The translator is assigned the world's language: its pages are theirs.

Writes are sent so that, once allowed, they change nothing (a stale version, an unknown choice, an
empty form, a refused upload): the one set of users and objects serves every case.
"""

import pytest
from flask import Flask

from pcn_pwa import create_app

from .records_data import record
from .route_world import WHO, build_world

# Each cell, in the order of WHO: anonymous, advisor A, advisor B, manager A, manager B,
# coordinator, partner, admin, translator.
#   login    a page's answer to nobody: 302 to the sign-in form, with the way back
#   401      the API's answer to nobody: JSON {"error": "auth_required", "message"}
#   403      a page's "no access" page, or the API's JSON {"error": "forbidden", "message"}
#   404      not found (a record of another agency)
#   200 400  that status (400: the empty form was read and refused, so the view was reached)
#   >/path   a redirect there (a write that was allowed, and did nothing, or a page sending on)
#   200:A    the pull's answer holds the records of agency A (or B, AB, none)
#   200:unchanged / 200:forbidden   the push's result for A's record sent again as it is
RECORD = "/accompagnements/<uuid:record_id>"
LANGUAGE = "/admin/langues/<code>"
ADMIN_ONLY = "login 403 403 403 403 403 403 200 403"
# The languages' pages: the coordinator reads them, a translator those of their languages.
LANGUAGE_READERS = "login 403 403 403 403 200 403 200 200"
EVERYONE = "200 200 200 200 200 200 200 200 200"
SIGNED_IN = "login 200 200 200 200 200 200 200 200"
FIGURES = "login 200 200 200 200 200 200 200 403"  # every role but the translator
API_SIGNED_IN = "401 200 200 200 200 200 200 200 200"
API_FIGURES = "401 200 200 200 200 200 200 200 403"
WRITERS = "login 200 200 200 200 403 403 200 403"
READERS = "login 200 200 200 200 200 403 200 403"
MATRIX = {
    ("GET", "/"): SIGNED_IN,
    ("GET", "/accompagnements/"): READERS,
    ("GET", RECORD): "login 200 404 200 404 200 403 200 403",
    ("GET", f"{RECORD}/modifier"): "login 200 404 200 404 403 403 200 403",
    ("POST", f"{RECORD}/modifier"): "login 400 404 400 404 403 403 400 403",
    ("POST", f"{RECORD}/supprimer"): f"login >{RECORD} 404 >{RECORD} 404 403 403 >{RECORD} 403",
    ("POST", f"{RECORD}/restaurer"): f"login 403 403 >{RECORD} 404 403 403 >{RECORD} 403",
    ("GET", "/accompagnements/carte/"): WRITERS,
    ("GET", "/accompagnements/carte/<code>"): WRITERS,
    ("GET", "/accompagnements/nouveau"): WRITERS,
    ("POST", "/accompagnements/nouveau"): "login 400 400 400 400 403 403 400 403",
    ("GET", "/accompagnements/suivi"): READERS,
    ("GET", "/accompagnements/suivi/<code>"): READERS,
    ("GET", "/accompagnements/sur-la-tablette"): WRITERS,
    ("GET", "/admin/langues"): LANGUAGE_READERS,
    # Adding a language and offering it stay with admins; uploads, publishing and restoring are
    # for admins and the language's translators (the coordinator reads).
    ("POST", "/admin/langues"): "login 403 403 403 403 403 403 400 403",
    ("GET", LANGUAGE): LANGUAGE_READERS,
    ("POST", f"{LANGUAGE}/activation"): f"login 403 403 403 403 403 403 >{LANGUAGE} 403",
    ("POST", f"{LANGUAGE}/catalogues"): "login 403 403 403 403 403 403 400 400",
    ("GET", f"{LANGUAGE}/catalogues/<int:catalogue_id>"): LANGUAGE_READERS,
    ("GET", f"{LANGUAGE}/catalogues/<int:catalogue_id>/messages.po"): LANGUAGE_READERS,
    ("POST", f"{LANGUAGE}/catalogues/<int:catalogue_id>/publier"):
        f"login 403 403 403 403 403 403 >{LANGUAGE}/catalogues/ >{LANGUAGE}/catalogues/",
    ("GET", f"{LANGUAGE}/messages.po"): LANGUAGE_READERS,
    ("POST", f"{LANGUAGE}/restaurer"): f"login 403 403 403 403 403 403 >{LANGUAGE} >{LANGUAGE}",
    ("GET", "/admin/langues/modele.pot"): LANGUAGE_READERS,
    ("GET", "/admin/agences"): ADMIN_ONLY,
    ("POST", "/admin/agences"): "login 403 403 403 403 403 403 400 403",
    ("GET", "/admin/agences/<code>"): ADMIN_ONLY,
    ("POST", "/admin/agences/<code>"): "login 403 403 403 403 403 403 400 403",
    ("POST", "/admin/agences/<code>/activation"): "login 403 403 403 403 403 403 >/admin/agences/TADINE 403",
    # A person's data erased at their request: the coordination and admins (an empty form: refused).
    ("GET", "/admin/cartes/effacer"): "login 403 403 403 403 200 403 200 403",
    ("POST", "/admin/cartes/effacer"): "login 403 403 403 403 400 403 400 403",
    ("GET", "/admin/journal"): ADMIN_ONLY,
    ("GET", "/admin/journal.csv"): ADMIN_ONLY,
    ("GET", "/admin/utilisateurs"): ADMIN_ONLY,
    ("GET", "/admin/utilisateurs/<int:user_id>"): ADMIN_ONLY,
    ("GET", "/admin/utilisateurs/nouveau"): ADMIN_ONLY,
    ("POST", "/admin/utilisateurs/nouveau"): "login 403 403 403 403 403 403 400 403",
    # The idle account (deactivated, never signed in): a new one-time password changes nothing
    # any other request relies on; no choice of state, no agency: nothing done.
    ("POST", "/admin/utilisateurs/<int:user_id>/mot-de-passe"): "login 403 403 403 403 403 403 200 403",
    ("POST", "/admin/utilisateurs/<int:user_id>/activation"):
        "login 403 403 403 403 403 403 >/admin/utilisateurs/ 403",
    ("POST", "/admin/utilisateurs/<int:user_id>/agence"): "login 403 403 403 403 403 403 400 403",
    # The idle account is no translator: nothing assigned.
    ("POST", "/admin/utilisateurs/<int:user_id>/langues"): "login 403 403 403 403 403 403 >/admin/utilisateurs/ 403",
    ("POST", "/admin/utilisateurs/<int:user_id>/connexions/terminer"):
        "login 403 403 403 403 403 403 >/admin/utilisateurs/ 403",
    ("GET", "/api/v1/accompaniments"): "401 200:A 200:B 200:A 200:B 200:AB 403 200:AB 403",
    ("GET", "/api/v1/exports/accompaniments.csv"): "401 200 200 200 200 200 403 200 403",
    ("GET", "/api/v1/exports/accompaniments.xlsx"): "401 200 200 200 200 200 403 200 403",
    ("GET", "/api/v1/exports/stats.xlsx"): API_FIGURES,
    ("GET", "/api/v1/me"): API_SIGNED_IN,
    ("GET", "/api/v1/openapi.json"): EVERYONE,
    ("GET", "/api/v1/reference"): API_SIGNED_IN,
    # The reference lists (partners, procedures, topics): admins only; an empty form changes nothing.
    ("GET", "/admin/referentiels"): ADMIN_ONLY,
    ("POST", "/admin/referentiels"): "login 403 403 403 403 403 403 400 403",
    ("GET", "/admin/referentiels/<slug>"): ADMIN_ONLY,
    ("POST", "/admin/referentiels/<slug>"): "login 403 403 403 403 403 403 400 403",
    ("GET", "/admin/referentiels/<slug>/<code>"): ADMIN_ONLY,
    ("POST", "/admin/referentiels/<slug>/<code>"): "login 403 403 403 403 403 403 400 403",
    ("POST", "/admin/referentiels/<slug>/<code>/ordre"):
        "login 403 403 403 403 403 403 >/admin/referentiels/themes#entry-HEALTH 403",
    ("POST", "/admin/referentiels/<slug>/<code>/activation"):
        "login 403 403 403 403 403 403 >/admin/referentiels/themes/HEALTH 403",
    ("GET", "/api/v1/stats"): API_FIGURES,
    ("POST", "/api/v1/sync"):
        "401 200:unchanged 200:forbidden 200:unchanged 200:forbidden 200:forbidden 200:forbidden 200:unchanged "
        "200:forbidden",
    ("GET", "/compte"): SIGNED_IN,
    ("GET", "/compte/mot-de-passe"): SIGNED_IN,
    ("POST", "/compte/mot-de-passe"): "login 400 400 400 400 400 400 400 400",
    # A sign-in of advisor A, already ended: ending it again changes nothing; it is nobody else's.
    ("POST", "/compte/connexions/<int:sign_in_id>/terminer"): "login >/compte 404 404 404 404 404 404 404",
    ("POST", "/compte"): SIGNED_IN,  # no language chosen: the page again
    ("GET", "/confidentialite"): EVERYONE,
    ("GET", "/favicon.ico"): EVERYONE,
    ("GET", "/healthz"): EVERYONE,
    ("GET", "/hors-ligne"): EVERYONE,
    ("POST", "/langue"): ">/ >/ >/ >/ >/ >/ >/ >/ >/",
    ("GET", "/langues/<code>/textes.json"): EVERYONE,
    ("GET", "/login"): "200 >/ >/ >/ >/ >/ >/ >/ >/",
    ("POST", "/login"): "400 >/ >/ >/ >/ >/ >/ >/ >/",
    ("POST", "/logout"): ">/login >/login >/login >/login >/login >/login >/login >/login >/login",
    ("GET", "/manifest.webmanifest"): EVERYONE,
    ("GET", "/static/<path:filename>"): EVERYONE,
    ("GET", "/sw.js"): EVERYONE,
    ("GET", "/synchronisation"): SIGNED_IN,
    ("GET", "/tableau-de-bord"): FIGURES,
    ("GET", "/tableau-de-bord/appareils"): "login 403 403 200 200 200 403 200 403",
    ("GET", "/tableau-de-bord/rapport"): FIGURES,
}
IGNORED_METHODS = {"HEAD", "OPTIONS"}  # answered by Werkzeug from GET and the rule's methods


def routes(url_map) -> list[tuple[str, str]]:
    """Every (method, rule) the app answers."""
    return sorted((method, rule.rule) for rule in url_map.iter_rules() for method in rule.methods - IGNORED_METHODS)


def missing_from_matrix(url_map) -> list[str]:
    return [f"{method} {rule}" for method, rule in routes(url_map) if (method, rule) not in MATRIX]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    yield from build_world(str(tmp_path_factory.mktemp("matrix")))


def fill(rule, world) -> str:
    """The rule's URL with real objects in its parameters."""
    values = {}
    for name in rule.arguments - set(rule.defaults or {}):
        if name == "record_id":
            values[name] = world.record_a
        elif name == "code" and rule.endpoint.startswith("records."):
            values[name] = world.card
        elif name == "code" and rule.endpoint == "pwa.script_strings":
            values[name] = "en"
        elif name == "code" and rule.rule.startswith("/admin/agences/"):
            values[name] = "TADINE"
        elif name == "code" and rule.rule.startswith("/admin/referentiels/"):
            values[name] = "HEALTH"
        elif name == "slug":
            values[name] = "themes"
        elif name == "code":
            values[name] = world.language
        elif name == "catalogue_id":  # publishing the refused upload changes nothing
            values[name] = world.refused_catalogue if rule.endpoint.endswith("publish_catalogue") \
                else world.accepted_catalogue
        elif name == "user_id":  # an account with no open sign-in
            values[name] = world.idle_user
        elif name == "sign_in_id":
            values[name] = world.ended_sign_in
        elif name == "filename":
            values[name] = "css/app.css"
        else:
            raise AssertionError(f"{rule.rule}: no real object for <{name}>; add one in fill()")
    return rule.build(values, append_unknown=False)[1]


def send(world, who: str, method: str, rule, url: str):
    """One request as ``who``, with a body that changes nothing even when allowed."""
    client = world.fresh_client(who) if rule.endpoint == "auth.logout" else world.client_of(who)
    if rule.endpoint == "api.sync":
        pushed = {"id": world.record_a, "base_version": 1,
                  "data": record(agency="TADINE", beneficiary__card=world.card)}
        return client.post(url, json={"records": [pushed]})
    form = {"records.delete": {"version": "999999"}, "records.restore": {"version": "999999"},
            "admin.toggle_language": {"enabled": "peut-être"}}.get(rule.endpoint, {})
    response = client.open(url, method=method, data=form if method == "POST" else None)
    response.get_data()  # a streamed download, read to its end
    response.close()
    return response


def answer(world, rule, response) -> str:
    """The response in the table's words, or what it was when it is none of them."""
    status, location = response.status_code, response.headers.get("Location", "")
    is_api = rule.rule.startswith("/api/")
    if is_api and status >= 400:
        body = response.get_json(silent=True) or {}
        if not (isinstance(body.get("message"), str) and body["message"]):
            return f"{status} without a JSON message"
        if status == 401 and body.get("error") != "auth_required" or status == 403 and body.get("error") != "forbidden":
            return f"{status} {body.get('error')}"
    if not is_api and status in (403, 404) and response.mimetype != "text/html":
        return f"{status} as {response.mimetype}"
    if status == 302:
        if location.startswith("/login?next="):
            return "login"
        return ">" + location.replace(f"/accompagnements/{world.record_a}", RECORD).replace(
            f"/admin/langues/{world.language}", LANGUAGE)
    if rule.endpoint == "api.pull" and status == 200:
        ids = {item["id"] for item in response.json["records"]}
        return "200:" + (("A" if world.record_a in ids else "") + ("B" if world.record_b in ids else "") or "none")
    if rule.endpoint == "api.sync" and status == 200:
        return "200:" + response.json["results"][0]["status"]
    return str(status)


def matches(expected: str, got: str) -> bool:
    # A redirect after a write goes to the record or language page; the report page's URL ends
    # with the upload's number, so ">…/catalogues/" is a prefix.
    return got == expected or expected.endswith("/") and expected.startswith(">") and got.startswith(expected)


def test_every_route_is_in_the_matrix(world):
    missing = missing_from_matrix(world.app.url_map)
    assert not missing, "routes missing from the access matrix (write who may open them): " + ", ".join(missing)
    stale = sorted(f"{method} {rule}" for method, rule in set(MATRIX) - set(routes(world.app.url_map)))
    assert not stale, "the matrix names routes the app no longer has: " + ", ".join(stale)


def test_a_new_route_is_caught():
    """Guard the guard: a route added to the app, and not to the table, is named."""
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert isinstance(app, Flask) and missing_from_matrix(app.url_map) == []
    app.add_url_rule("/accompagnements/<uuid:record_id>/exporter", "records.export", lambda record_id: "",
                     methods=["GET", "POST"])
    assert missing_from_matrix(app.url_map) == ["GET /accompagnements/<uuid:record_id>/exporter",
                                                "POST /accompagnements/<uuid:record_id>/exporter"]


def test_each_role_gets_the_expected_answer_on_every_route(world):
    """One loop over every route and every role; the failure lists every mismatch at once."""
    mismatches = []
    for rule in sorted(world.app.url_map.iter_rules(), key=lambda rule: rule.rule):
        for method in sorted(rule.methods - IGNORED_METHODS):
            expected = MATRIX.get((method, rule.rule))
            if expected is None:
                continue  # named by test_every_route_is_in_the_matrix
            cells = expected.split()
            assert len(cells) == len(WHO), f"{method} {rule.rule}: {len(cells)} cells for {len(WHO)} columns"
            url = fill(rule, world)
            for who, cell in zip(WHO, cells):
                got = answer(world, rule, send(world, who, method, rule, url))
                if not matches(cell, got):
                    mismatches.append(f"{method} {url} as {who}: expected {cell}, got {got}")
    assert not mismatches, "\n".join(mismatches)
