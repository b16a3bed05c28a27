"""One table of fields (accompaniments/fields.py): every field it holds is in the OpenAPI schema,
the tablets' rules, the form page, the record page, the exports and the row, and a field added
to the table reaches all of them without another line written."""

import csv
import io
import json
import re
import subprocess
import sys
import textwrap
import html
from html.parser import HTMLParser

import pytest

from pcn_pwa.accompaniments import fields
from pcn_pwa.accompaniments.judge import Reference, judge
from pcn_pwa.accompaniments import store
from pcn_pwa.models import Accompaniment
from pcn_pwa.records.forms import AccompanimentForm

from .conftest import ROOT
from .records_data import NOW, record

# Every field set: an individual accompaniment redirected elsewhere, and a workshop.
FULL = [
    record(outcome="redirected", redirected_to="social_services", blockers=["no_email", "language"],
           beneficiary__card="2C0RYW2V", beneficiary__situations=["disability", "no_internet_at_home"]),
    record("workshop", equipment=["agency_tablet"], procedure_detail="Espace client OPT", partners=["OPT"],
           notes="Salle pleine"),
]


def leaf_schema(document, path):
    node = document["components"]["schemas"]["Data"]
    for part in path.split("."):
        node = node["properties"][part]
    return node


def test_every_field_is_in_the_openapi_schema_with_its_limits(client):
    document = client.get("/api/v1/openapi.json").json
    data = document["components"]["schemas"]["Data"]
    documented = {name for name in data["properties"] if name != "beneficiary"}
    documented |= {f"beneficiary.{name}" for name in data["properties"]["beneficiary"]["properties"]}
    assert documented == {field.path for field in fields.FIELDS}
    for field in fields.FIELDS:
        schema = leaf_schema(document, field.path)
        if field.vocabulary:
            codes = schema["items"]["enum"] if field.type == "codes" else schema["enum"]
            assert set(codes) - {None} == set(field.vocabulary), field.path
        if field.max_length:
            assert schema["maxLength"] == field.max_length
        if field.type == "integer":
            assert (schema["minimum"], schema["maximum"]) == (field.min, field.max)
    assert leaf_schema(document, "beneficiary.language")["enum"][:2] == ["fr", "dhv"]
    assert "null" not in leaf_schema(document, "kind")["type"]
    assert "null" in leaf_schema(document, "autonomy")["type"]


def test_the_tablets_get_the_rule_of_every_field(client, signed_in):
    signed_in("advisor")
    rules = client.get("/api/v1/reference").json["rules"]
    assert set(rules["fields"]) == {field.path for field in fields.FIELDS}
    assert rules["fields"]["beneficiary.age_band"] == {"type": "code", "choices": "age_bands", "default": "unknown"}
    for field in fields.FIELDS:
        if field.choices:
            assert rules["lists"][field.choices], field.path
        if field.vocabulary:
            assert rules["lists"][field.choices] == sorted(field.vocabulary)


def test_every_field_has_its_column_or_link_table():
    columns = Accompaniment.__table__.c
    for field in fields.STORED:
        assert field.column_name in columns, field.path
    for field in fields.LINKED:
        assert Accompaniment.__mapper__.relationships[field.path].secondary is not None


class Controls(HTMLParser):
    """The names of a page's form controls, each with the kinds of the innermost section with
    ``data-kinds`` around it (every kind when there is none)."""

    VOID = {"input", "br", "img", "meta", "link", "hr", "source", "col", "wbr", "area", "base", "embed", "track"}

    def __init__(self):
        super().__init__()
        self.open: list[tuple[str, str | None]] = []
        self.controls: dict[str, set[str]] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("input", "select", "textarea") and attrs.get("name"):
            kinds = [kinds for _tag, kinds in self.open if kinds is not None]
            self.controls.setdefault(attrs["name"], set(kinds[-1].split()) if kinds else set(fields.KINDS))
        if tag not in self.VOID:
            self.open.append((tag, attrs.get("data-kinds")))

    def handle_endtag(self, tag):
        while self.open and self.open.pop()[0] != tag:
            pass


def test_the_form_page_asks_for_every_field_for_the_kinds_the_table_gives(client, signed_in):
    signed_in("admin")  # chooses among agencies: the agency list shows
    page = client.get("/accompagnements/nouveau").get_data(as_text=True)
    parser = Controls()
    parser.feed(page)
    names = {"occurred_at": "occurred_date", "duration_minutes": "duration"}
    for field in fields.FIELDS:
        name = names.get(field.path, field.leaf)
        assert name in parser.controls, f"{field.path}: no control {name} on the form page"
        assert parser.controls[name] == set(field.kinds), field.path
        if field.path != "occurred_at":  # asked as « Date » and « Heure »
            assert field.label in page, field.path
    mapping = json.loads(html.unescape(re.search(r"data-fields='([^']+)'", page)[1]))
    assert [item["path"] for item in mapping["fields"]] == [field.path for field in fields.FIELDS if field.widget]


@pytest.mark.parametrize("data", FULL, ids=["individual", "workshop"])
def test_the_form_maps_every_field_to_and_from_a_record(app, make_user, data):
    """A stored record shown in the edit form and sent back unchanged is the same record."""
    clean = judge(data, Reference.load(), NOW).clean
    created = store.create(make_user("admin"), clean)
    with app.test_request_context("/", method="POST"):
        form = AccompanimentForm(agencies=[created.agency], meta={"csrf": False})
        form.fill(created.to_data())
        again = judge(form.to_data(created.agency_code), Reference.load(), NOW)
    assert again.valid, again.errors
    assert store.comparable(store.data_of(again.clean)) == store.comparable(created.to_data())


def test_the_full_records_set_every_field(app):
    """So that the tests above, which go through them, miss no field."""
    judged = [judge(data, Reference.load(), NOW).clean for data in FULL]
    for field in fields.FIELDS:
        assert any(fields.get(clean, field.path) not in (None, [], "") for clean in judged), field.path


def test_the_record_page_and_the_export_name_every_field(client, signed_in, db):
    user = signed_in("admin")
    named = set()
    for data in FULL:
        created = store.create(user, judge(data, Reference.load(), NOW).clean)
        db.session.commit()
        page = client.get(f"/accompagnements/{created.id}").get_data(as_text=True)
        for field in fields.FIELDS:
            # A field its kind's form never asks is not shown (a workshop has no person's age).
            if fields.get(data, field.path) not in (None, [], "") and data["kind"] in field.kinds:
                assert field.label in page, field.path
                named.add(field.path)
    assert named == {field.path for field in fields.FIELDS}
    response = client.get("/api/v1/exports/accompaniments.csv?from=2026-01-01&to=2026-12-31")
    header = next(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert header == ["id"] + [field.label for field in fields.FIELDS if field.exported]
    assert "Notes" not in header  # notes never leave the server


ADDED_FIELD = '''
    Field("beneficiary.transport", N_("Moyen de transport"), "code", "transports",
          {"walk": N_("À pied"), "bus": N_("En bus")}, widget="buttons", kinds=_PEOPLE),
'''

# Run with the table as a maintainer would change it: one more line, nothing else.
SCRIPT = textwrap.dedent('''
    import importlib.util, json, sys
    spec = importlib.util.find_spec("pcn_pwa.accompaniments.fields")
    source = spec.loader.get_source(spec.name)
    marker = "\\n)\\n\\nBY_PATH"
    assert source.count(marker) == 1
    source = source.replace(marker, ADDED + ")\\n\\nBY_PATH")
    import pcn_pwa.accompaniments
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    exec(compile(source, spec.origin, "exec"), module.__dict__)

    from pcn_pwa import create_app
    from pcn_pwa.extensions import db
    from pcn_pwa.seed import seed_reference
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_STORAGE_URL": "memory://"})
    with app.app_context():
        db.create_all()
        seed_reference()
        from pcn_pwa.accompaniments.display import describe
        from pcn_pwa.accompaniments.judge import Reference, client_rules, judge
        from pcn_pwa.figures.exports import header
        from pcn_pwa.records.forms import AccompanimentForm
        from pcn_pwa.sync.openapi import openapi_document
        from pcn_pwa.sync.reference import build_reference
        with app.test_request_context("/", method="POST", data={"kind": "individual", "transport": "bus"}):
            form = AccompanimentForm(meta={"csrf": False})
            data = form.to_data("TADINE")
            rules = client_rules()
            reference = build_reference()
            bad = dict(data, beneficiary=dict(data["beneficiary"], transport="car"))
            print(json.dumps({
                "rule": rules["fields"].get("beneficiary.transport"),
                "list": rules["lists"].get("transports"),
                "choices": reference["choices"].get("beneficiary.transport"),
                "schema": openapi_document()["components"]["schemas"]["Data"]["properties"]["beneficiary"]
                          ["properties"].get("transport"),
                "form_choices": [list(choice) for choice in form.transport.choices],
                "form_data": data["beneficiary"].get("transport"),
                "mapping": [f["path"] for f in form.client_mapping()["fields"]][-1:],
                "judged": judge(data, Reference.load()).errors.get("beneficiary.transport"),
                "refused": judge(bad, Reference.load()).errors.get("beneficiary.transport"),
                "described": [row[1:] for row in describe({"beneficiary": {"transport": "bus"}})],
                "exported": header()[-1:],
                "shown_for": form.shown_for("beneficiary.transport"),
            }))
''')


def test_a_field_added_to_the_table_reaches_every_place():
    script = f"ADDED = {ADDED_FIELD!r}\n" + SCRIPT
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["rule"] == {"type": "code", "choices": "transports"}
    assert found["list"] == ["bus", "walk"]
    assert found["choices"] == [{"code": "walk", "label": "À pied"}, {"code": "bus", "label": "En bus"}]
    assert found["schema"] == {"type": ["string", "null"], "enum": ["walk", "bus", None]}
    assert found["form_choices"] == [["walk", "À pied"], ["bus", "En bus"]]
    assert found["form_data"] == "bus"
    assert found["judged"] is None  # a known code passes
    assert found["refused"] == ["Choix inconnu : car."]
    assert found["described"] == [["Moyen de transport", "En bus"]]
    assert found["exported"] == ["Moyen de transport"]
    assert found["shown_for"] == "individual quick_help free_access"
    assert found["mapping"] == ["beneficiary.transport"]  # read and filled by the page's script
