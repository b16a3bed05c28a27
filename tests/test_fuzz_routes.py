"""No request gets a server error: every route of the URL map, hostile parameters, every role.

Each route's parameters are found, not listed by hand: what its view's module reads from
``request.args`` and ``request.form``, the fields of the WTForms forms it builds, and those read
by helpers of many views (the figures' scope, the catalogue preview ``apercu``, ``next``). Values
are what broke the app before or could: digits that are not ASCII ("²" passes ``str.isdigit``,
not ``int``), NUL (PostgreSQL refuses it in any query), huge numbers, lone surrogates as the
bytes a client may send, very long text, 50,000 nested JSON arrays in a push. Each request goes
as nobody or as a user of some role (mostly one the route admits, so its view is reached).

Every answer is below 500; an /api/ error is JSON with a ``message``; and an answer of 4xx
changed nothing stored. Runs on the suite's database (SQLite, or PostgreSQL with
TEST_DATABASE_URL): the NUL only breaks PostgreSQL.
"""

import inspect
import io
import json
import re
import sys
import uuid
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import FileStorage
from werkzeug.routing import Rule
from werkzeug.test import encode_multipart
from wtforms.fields.core import UnboundField

from pcn_pwa import create_app
from pcn_pwa.extensions import db
from pcn_pwa.models import Accompaniment, Catalogue, Language, User

from .records_data import record
from .route_world import USERS, WHO, build_world

IGNORED_METHODS = {"HEAD", "OPTIONS"}
FUZZ_SETTINGS = settings(max_examples=8, deadline=None, database=None, derandomize=True,
                         suppress_health_check=list(HealthCheck))

# Read by helpers shared by many views, so not seen in the view's own module.
SCOPE = ["from", "to", "agency", "partner", "kind", "interval", "periode"]  # figures/scope.py, dashboard.py
EVERY_PAGE = ["apercu"]  # i18n: an admin's preview of an uploaded catalogue
SHARED = {"figures": SCOPE, "dashboard": SCOPE, "auth": ["next"], "main": ["next"]}
READS = re.compile(r"""(?:request\.(?:args|form|values)|\bargs)\.get(?:list)?\(\s*["']([^"']+)["']""")
FORM_CLASS = re.compile(r"\b([A-Z]\w*Form)\(")


def _routes(app):
    return sorted(((rule, method) for rule in app.url_map.iter_rules() for method in rule.methods - IGNORED_METHODS),
                  key=lambda pair: (pair[0].rule, pair[1]))


def parameters(app, rule: Rule) -> list[str]:
    """The names a route's view may read: its module's reads, its forms' fields, shared helpers'."""
    view = inspect.unwrap(app.view_functions[rule.endpoint])
    module = sys.modules[view.__module__]
    source = inspect.getsource(module)
    names = set(READS.findall(source)) | set(EVERY_PAGE) | set(SHARED.get(rule.endpoint.split(".")[0], []))
    for form_name in FORM_CLASS.findall(inspect.getsource(view)):
        form_class = getattr(module, form_name, None)
        if form_class is not None:
            names |= {name for name in dir(form_class) if isinstance(getattr(form_class, name), UnboundField)}
    return sorted(names)


ROUTE_APP = create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
ROUTES = [pytest.param(rule.rule, method, id=f"{method} {rule.rule}") for rule, method in _routes(ROUTE_APP)]


def test_parameters_are_found_from_the_views():
    """Guard the finder: the parameters of the issue's 500s, and a form's fields, are found."""
    rules = {rule.endpoint: rule for rule in ROUTE_APP.url_map.iter_rules()}
    assert {"since", "limit"} <= set(parameters(ROUTE_APP, rules["api.pull"]))
    assert {"conseiller", "jour", "agence", "page", "supprimes", "version"} <= \
        set(parameters(ROUTE_APP, rules["records.index"]))
    assert {"kind", "notes", "card", "new_card", "version", "quick_topic", "modele"} <= \
        set(parameters(ROUTE_APP, rules["records.new"]))
    assert {"username", "password", "next"} <= set(parameters(ROUTE_APP, rules["auth.login"]))
    assert {"code", "native_name", "french_name", "enabled"} <= set(parameters(ROUTE_APP, rules["admin.languages"]))
    assert "po_file" in parameters(ROUTE_APP, rules["admin.upload_catalogue"])
    assert set(SCOPE) <= set(parameters(ROUTE_APP, rules["dashboard.index"]))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    # Sign-in limits out of the way: tries past them get a 429 and the form would not be read.
    yield from build_world(str(tmp_path_factory.mktemp("fuzz")),LOGIN_LIMIT_PER_USER_ADDRESS="100000/minute",
                           LOGIN_LIMIT_PER_ADDRESS="100000/minute", LOGIN_LIMIT_PER_USER="100000/minute")


SURROGATES = "\ud800\udfff\udc80"
hostile_text = st.one_of(
    st.sampled_from(["²", "٣", "１２", "²³", "1²", "-1", "0", "1", "2", "9" * 30, "-" + "9" * 30, "1e999", "0x1F",
                     "NaN", "∞", "\x00", "a\x00b", "1\x00", " 1 ", "", " ", "2026-02-30", "9999-12-31", "0001-01-01",
                     "2026-03-02", "10:00", "24:61", "TADINE", "KONE", "CAFAT", "individual", "workshop", "week",
                     "month", "dates", "annee", "fr", "en", "dhv", "other", "true", "on", "/", "//evil.example",
                     "http://evil.example/", "%", "%00", "../..", "<script>", "{", "[]", "null"]),
    st.text(max_size=20),
    st.text(alphabet=st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF), max_size=20),
    st.text(alphabet=st.sampled_from("0123456789²٣\x00" + SURROGATES + "-. "), max_size=12),
    st.builds(lambda char, size: char * size, st.sampled_from(["x", "\x00", "é", "²", "9", SURROGATES[0]]),
              st.integers(0, 5000)),
)


def encode(value: str) -> str:
    """Percent-encoded UTF-8, a lone surrogate as its three bytes (what a broken client sends)."""
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def readable(value: str) -> str:
    """A lone surrogate as the character a multipart body can carry (U+FFFD)."""
    return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def urlencoded(pairs) -> str:
    return "&".join(f"{encode(name)}={encode(value)}" for name, value in pairs)


def known_values(world) -> list[str]:
    users = [str(user.id) for user in world.users.values()]
    return [world.record_a, world.record_b, world.card, str(world.accepted_catalogue), str(world.refused_catalogue),
            *users]


@st.composite
def pairs_for(draw, names, world):
    """Some of the route's parameters (a name may repeat), now and then one it does not read."""
    value = st.one_of(hostile_text, st.sampled_from(known_values(world)))
    name = st.one_of(st.sampled_from(names), st.sampled_from(names), hostile_text) if names else hostile_text
    return draw(st.lists(st.tuples(name, value), max_size=6))


def converter(rule: Rule, name: str) -> str:
    """``string``, ``path``, ``uuid``, ``int``…: the converter of a parameter, as the rule writes it."""
    return re.search(r"<(?:(\w+):)?" + name + ">", rule.rule).group(1) or "string"


def path_value(draw, world, rule: Rule, name: str):
    kind = converter(rule, name)
    choices = st.sampled_from(real_values(world, name))
    if kind in ("string", "path"):
        choices = st.one_of(choices, hostile_text.filter(bool))
    elif kind == "uuid":
        choices = st.one_of(choices, st.uuids().map(str))
    else:
        choices = st.one_of(choices, st.integers(0, 2 ** 70).map(str))
    text = draw(choices)
    return quote(text.encode("utf-8", "surrogatepass"), safe="/" if kind == "path" else "")


def real_values(world, name: str) -> list[str]:
    return {"record_id": [world.record_a, world.record_b],
            "catalogue_id": [str(world.accepted_catalogue), str(world.refused_catalogue)],
            "filename": ["css/app.css", "js/app.js"],
            "code": [world.card, world.language, "en", "fr"],
            "user_id": [str(world.idle_user)], "sign_in_id": [str(world.ended_sign_in)]}.get(name, ["x"])


def fill_real(world, rule: Rule, **overrides) -> str:
    """The rule's path with the first real object of each parameter, or an encoded override."""
    path = rule.rule
    for name in rule.arguments - set(rule.defaults or {}):
        value = overrides.get(name)
        if value is None:
            value = world.card if rule.endpoint.startswith("records.") and name == "code" else real_values(world, name)[0]
            value = world.language if rule.endpoint.startswith("admin.") and name == "code" else value
        path = re.sub(r"<(?:[a-z]+:)?" + name + ">", lambda _match: value, path)
    return path


def build_path(draw, world, rule: Rule) -> str:
    """The rule's path, each parameter a real object or not (text encoded by hand, as sent)."""
    path = rule.rule
    for name in rule.arguments - set(rule.defaults or {}):
        path = re.sub(r"<(?:[a-z]+:)?" + name + ">", lambda _match: path_value(draw, world, rule, name), path)
    return path


json_leaf = st.one_of(st.none(), st.booleans(), hostile_text, st.integers(-(2 ** 70), 2 ** 70),
                      st.floats(allow_nan=False, allow_infinity=False))
json_value = st.recursive(json_leaf, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                               st.dictionaries(hostile_text, inner, max_size=3)),
                          max_leaves=8)


@st.composite
def push_body(draw, world) -> bytes:
    """A push: nested arrays deep past any parser, a record with hostile fields, or raw bytes."""
    kind = draw(st.sampled_from(["deep", "record", "envelope", "bytes"]))
    if kind == "deep":
        depth = draw(st.sampled_from([100, 990, 1000, 5000, 50_000]))
        where = draw(st.sampled_from(['{"records": %s}', '{"records": [{"id": "%s", "data": %%s}]}' % uuid.uuid4(),
                                      '%s']))
        return (where % ("[" * depth + "]" * depth)).encode()
    if kind == "record":
        data = record(agency=draw(st.sampled_from(["TADINE", "KONE"])))
        for key in draw(st.lists(st.sampled_from(sorted(data) + ["beneficiary", "unknown"]), max_size=3)):
            data[key] = draw(json_value)
        pushed = {"id": draw(st.sampled_from([world.record_a, world.record_b, str(uuid.uuid4())])), "data": data}
        for key in draw(st.lists(st.sampled_from(["base_version", "client_updated_at", "deleted"]), unique=True)):
            pushed[key] = draw(json_value)
        return json.dumps({"records": [pushed]}).encode("utf-8", "surrogatepass")
    if kind == "envelope":
        envelope = draw(st.dictionaries(st.sampled_from(["records", "device_id", "pending", "app_version", "x"]),
                                        json_value))
        return json.dumps(envelope).encode("utf-8", "surrogatepass")
    return draw(st.binary(max_size=200))


def snapshot():
    """What a refused request must leave as it was."""
    return (tuple(db.session.execute(sa.select(Accompaniment.id, Accompaniment.version, Accompaniment.deleted)
                                     .order_by(Accompaniment.id)).all()),
            db.session.scalar(sa.select(sa.func.count()).select_from(Catalogue)),
            tuple(db.session.execute(sa.select(Language.code, Language.enabled, Language.catalogue_id)
                                     .order_by(Language.code)).all()),
            tuple(db.session.execute(sa.select(User.id, User.locale).order_by(User.id)).all()))


def who_may(view) -> list[str]:
    """Who reaches the view: nobody too on a public route (the sign-in form reads only theirs)."""
    roles = getattr(view, "allowed_roles", None)
    if roles is None:
        return list(WHO)
    if not roles:
        return list(USERS)
    return [who for who, (role, _agency, _partner) in USERS.items() if role in roles]


def fault(world, rule, method, who, url, options) -> str | None:
    """Send one request; what is wrong with its answer, if anything: a status of 500 or more,
    an /api/ error that is not JSON with a message, or a refusal that changed something."""
    client = world.fresh_client(who) if rule.endpoint == "auth.logout" else world.client_of(who)
    before = snapshot()
    response = client.open(url, method=method, **options)
    body = response.get_data()
    response.close()
    db.session.rollback()  # see what the request committed, not this session's cache
    said = f"{method} {url[:200]} as {who}: {response.status_code}"
    if response.status_code >= 500:
        return f"{said} {body[:200]!r}"
    if rule.rule.startswith("/api/") and response.status_code >= 400:
        answer = response.get_json(silent=True)
        if not (isinstance(answer, dict) and isinstance(answer.get("message"), str) and answer["message"]):
            return f"{said} without a JSON message: {body[:200]!r}"
    if 400 <= response.status_code < 500 and snapshot() != before:
        return f"{said} and something stored changed"
    return None


# Forms the nasty value joins, so that it is read past the fields the form requires.
RECORD_FORM = {"kind": "quick_help", "occurred_date": "2026-03-02", "occurred_time": "09:41", "topics": "BROWSING"}
BASE_FORM = {"auth.login": {"username": "admin", "password": "pas le bon"}, "records.new": RECORD_FORM,
             "records.edit": {**RECORD_FORM, "version": "1"}, "records.delete": {"version": "999999"},
             "records.restore": {"version": "999999"},
             "admin.languages": {"code": "zz", "native_name": "Zz", "french_name": "zz"}}

# The values of the 500s, together: a digit int() refuses, a NUL, a line end; the same as a
# path of this site (what ``next`` follows); and a number past any integer.
NASTY = ["²\x00\n", "/²\x00\r\n", "9" * 40]


def the_rule(world, rule_text, method):
    return next(rule for rule in world.app.url_map.iter_rules() if rule.rule == rule_text and method in rule.methods)


@pytest.mark.parametrize("rule_text,method", ROUTES)
def test_every_parameter_of_every_route_takes_the_nasty_values(world, rule_text, method):
    """Not left to chance: each parameter and path segment alone gets each of NASTY, sent by
    the user who reaches the most (an admin), and by nobody too where the view names no roles
    (public, or any signed-in user: the API's routes sort roles inside); a number in the path
    goes past a database integer. Every fault of the route is listed at once. (One test per
    route, so that the routes share the workers instead of one test taking them all in turn.)"""
    rule = the_rule(world, rule_text, method)
    faults = []
    view = world.app.view_functions[rule.endpoint]
    senders = ["anonymous", "admin"] if getattr(view, "allowed_roles", None) is None else ["admin"]
    # The record form's fields get hostile values of every kind in test_hostile_records.py.
    values = NASTY[:1] if rule.endpoint in ("records.new", "records.edit") else NASTY
    for who in senders:
        for name in parameters(world.app, rule):
            for value in values:
                query = urlencoded([*((key, text) for key, text in BASE_FORM.get(rule.endpoint, {}).items()
                                      if key != name and method == "POST"), (name, value)])
                options = {"data": query, "content_type": "application/x-www-form-urlencoded"} \
                    if method == "POST" else {}
                faults.append(fault(world, rule, method, who,
                                    fill_real(world, rule) + ("" if method == "POST" else "?" + query), options))
        for name in rule.arguments - set(rule.defaults or {}):
            kind = converter(rule, name)
            if kind in ("string", "path", "int"):
                for value in NASTY if kind != "int" else [str(2 ** 31), "9" * 40]:
                    url = fill_real(world, rule, **{name: encode(value)})
                    faults.append(fault(world, rule, method, who, url, {"data": {}} if method == "POST" else {}))
    faults = [found for found in faults if found]
    assert not faults, "\n".join(faults)


def test_nasty_file_names_and_deep_pushes(world):
    """An uploaded file's name takes each of NASTY; a push gets 50,000 nested arrays."""
    faults = []
    upload = next(world.app.url_map.iter_rules("admin.upload_catalogue"))
    for value in NASTY:
        boundary, body = encode_multipart({"po_file": FileStorage(io.BytesIO(b"msgid \"\""), value)})
        faults.append(fault(world, upload, "POST", "admin", fill_real(world, upload),
                            {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}))
    deep = "[" * 50_000 + "]" * 50_000
    for body in ('{"records": %s}' % deep, '{"records": [{"id": "%s", "data": %s}]}' % (uuid.uuid4(), deep)):
        faults.append(fault(world, next(world.app.url_map.iter_rules("api.sync")), "POST", "advisor_a",
                            "/api/v1/sync", {"data": body, "content_type": "application/json"}))
    faults = [found for found in faults if found]
    assert not faults, "\n".join(faults)


@pytest.mark.parametrize("rule_text,method", ROUTES)
@FUZZ_SETTINGS
@given(data=st.data())
def test_no_route_answers_a_server_error(world, rule_text, method, data):
    rule = the_rule(world, rule_text, method)
    view = world.app.view_functions[rule.endpoint]
    who = data.draw(st.one_of(st.sampled_from(who_may(view)), st.sampled_from(WHO)), label="who")
    names = parameters(world.app, rule)
    path = build_path(data.draw, world, rule)
    query = urlencoded(data.draw(pairs_for(names, world), label="query"))
    url = path + ("?" + query if query else "")
    options = {}
    if rule.endpoint == "api.sync":
        options = {"data": data.draw(push_body(world), label="body"), "content_type": "application/json"}
    elif rule.endpoint == "admin.upload_catalogue":
        upload = FileStorage(io.BytesIO(data.draw(st.binary(max_size=300), label="file")),
                             readable(data.draw(hostile_text, label="filename")))
        fields = {readable(name): readable(value) for name, value in data.draw(pairs_for(names, world), label="form")}
        boundary, body = encode_multipart({**fields, "po_file": upload})
        options = {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}
    elif method == "POST":
        options = {"data": urlencoded(data.draw(pairs_for(names, world), label="form")),
                   "content_type": "application/x-www-form-urlencoded"}
    found = fault(world, rule, method, who, url, options)
    assert found is None, found
