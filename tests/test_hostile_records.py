"""A bad record never fails its batch, and no value in any field gives a server error.

Hypothesis pushes arbitrary values into every field of a record (and of its envelope) beside
a valid record, on the suite's database (SQLite, or PostgreSQL in CI): the answer is always a
200 with one result per record, the valid record is stored, the others are judged alone, and
what is stored is exactly what was acknowledged. The HTML form gets the same treatment.
"""

import string
import uuid

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pcn_pwa.extensions import db
from pcn_pwa.models import Accompaniment
from pcn_pwa.accompaniments.judge import FIELDS

from .records_data import record

RESULT_STATUSES = {"created", "updated", "unchanged", "conflict", "invalid", "forbidden"}
PROPERTY_SETTINGS = settings(max_examples=120, deadline=None, database=None, derandomize=True,
                             suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# Text as a tablet, a broken keyboard or an attacker may send it: NUL and every control
# character, lone surrogates, combining marks, right-to-left marks, very long strings.
hostile_text = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF)),
    st.text(alphabet=st.sampled_from("\x00\x01\x1b\x7f\x85\u200e\u202e\ufeff\ud800\udfff\r\n\te\u0301'\"<>&%{}"),
            max_size=30),
    st.builds(lambda char, size: char * size, st.sampled_from("x\x00é"), st.integers(0, 3000)),
)


def _moment(year, month, day, hour, minute, second, fraction, offset, separator):
    return f"{year:04d}-{month:02d}-{day:02d}{separator}{hour:02d}:{minute:02d}:{second:02d}{fraction}{offset}"


# Moments near every edge: years 0 to 9999, impossible days, offsets up to ±99:99.
hostile_moment = st.builds(
    _moment,
    year=st.one_of(st.integers(0, 9999), st.sampled_from([1, 2024, 2025, 2026, 9999])),
    month=st.integers(0, 13), day=st.integers(0, 32), hour=st.integers(0, 25), minute=st.integers(0, 61),
    second=st.integers(0, 61),
    fraction=st.one_of(st.just(""), st.builds(lambda n: "." + n, st.text(string.digits, min_size=1, max_size=9))),
    offset=st.one_of(st.sampled_from(["", "Z", "z", "+11:00", "-14:00", "+14:00", "-23:59", "+24:00", "+1100",
                                      "+11", "+99:99", "-00:00"]),
                     st.builds(lambda s, h, m: f"{s}{h:02d}:{m:02d}", st.sampled_from("+-"), st.integers(0, 30),
                               st.integers(0, 70))),
    separator=st.sampled_from(["T", " ", "t"]),
)

json_scalar = st.one_of(
    st.none(), st.booleans(), hostile_text,
    st.integers(min_value=-(2 ** 70), max_value=2 ** 70),
    st.floats(allow_nan=False, allow_infinity=False),
    hostile_moment,
)
json_value = st.recursive(json_scalar, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)), max_leaves=8)


def field_value(path):
    """Any JSON for a field, weighted towards what its type almost accepts."""
    kind = FIELDS[path]["type"]
    near = {
        "datetime": hostile_moment,
        "text": hostile_text,
        "integer": st.one_of(st.integers(-(2 ** 70), 2 ** 70), st.floats(allow_nan=False)),
        "codes": st.lists(st.one_of(hostile_text, json_scalar), max_size=5),
        "card": st.one_of(hostile_text, st.text("0123456789ABCDEFGHJKMNPQRSTVWXYZ-OIL ", max_size=12)),
    }.get(kind, hostile_text)
    return st.one_of(near, json_value)


@st.composite
def hostile_record(draw):
    """A valid record with some of its fields (any of them, nested ones too) replaced."""
    data = record(draw(st.sampled_from(["individual", "workshop", "quick_help", "free_access"])), agency="TADINE")
    for path in draw(st.lists(st.sampled_from(sorted(FIELDS)), min_size=1, max_size=5, unique=True)):
        parent, _, leaf = path.rpartition(".")
        target = data.setdefault(parent, {}) if parent else data
        if isinstance(target, dict):
            target[leaf] = draw(field_value(path))
    if draw(st.booleans()):
        data[draw(st.sampled_from(["beneficiary", "unknown_field", "data"]))] = draw(json_value)
    pushed = {"id": str(uuid.uuid4()), "base_version": 0, "data": data}
    for key in draw(st.lists(st.sampled_from(["base_version", "client_updated_at", "deleted"]), unique=True)):
        pushed[key] = draw(st.one_of(json_value, hostile_moment))
    return pushed


def stored_ids() -> set[str]:
    return {str(value) for value in db.session.scalars(sa.select(Accompaniment.id))}


@pytest.fixture
def advisor_client(client, signed_in):
    signed_in("advisor", agency="TADINE")
    return client


@PROPERTY_SETTINGS
@given(records=st.lists(hostile_record(), min_size=1, max_size=4))
def test_a_batch_of_hostile_records_never_fails_and_stores_the_good_one(advisor_client, records):
    good = {"id": str(uuid.uuid4()), "base_version": 0, "data": record("quick_help", agency="TADINE"),
            "client_updated_at": "2026-03-02T09:41:00+11:00"}
    batch = [*records, good]
    before = stored_ids()
    response = advisor_client.post("/api/v1/sync", json={"device_id": str(uuid.uuid4()), "records": batch})
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    results = response.json["results"]
    assert [result["id"] for result in results] == [pushed["id"] for pushed in batch]
    assert all(result["status"] in RESULT_STATUSES for result in results)
    assert results[-1] == {"id": good["id"], "status": "created", "version": 1}
    for result in results:
        if result["status"] == "invalid":
            assert result["errors"] and all(isinstance(messages, list) and messages and
                                            all(isinstance(m, str) and m for m in messages)
                                            for messages in result["errors"].values())
    created = {result["id"] for result in results if result["status"] == "created"}
    assert stored_ids() == before | created  # stored exactly what was acknowledged


@PROPERTY_SETTINGS
@given(value=field_value("notes"), field=st.sampled_from(["notes", "procedure_detail", "workshop_title"]))
def test_text_that_cannot_be_stored_is_refused_by_field(advisor_client, value, field):
    data = record("workshop", agency="TADINE", **{field: value})
    pushed = {"id": str(uuid.uuid4()), "base_version": 0, "data": data}
    response = advisor_client.post("/api/v1/sync", json={"records": [pushed]})
    assert response.status_code == 200
    result = response.json["results"][0]
    if result["status"] == "created":
        stored = db.session.get(Accompaniment, uuid.UUID(pushed["id"]))
        text = getattr(stored, field)
        assert text is None or not any(ord(c) < 32 and c not in "\t\n" or 0xD800 <= ord(c) < 0xE000 for c in text)
    else:
        assert result["status"] == "invalid" and field in result["errors"], result


FORM_FIELDS = ["kind", "occurred_date", "occurred_time", "duration", "duration_other", "participants", "partners",
               "procedures", "procedure_detail", "topics", "equipment", "age_band", "gender", "status", "situations",
               "commune", "returning", "language", "card", "autonomy", "outcome", "blockers", "redirected_to",
               "workshop_title", "workshop_level", "notes", "agency", "new_card", "quick_topic"]
# A browser sends a lone surrogate as U+FFFD; raw bytes are tried by their own test below.
form_text = st.one_of(hostile_text, hostile_moment, st.text(string.digits + "²٣", max_size=12),
                      st.sampled_from(["0001-01-01", "9999-12-31", "2026-02-30", "23:59", "24:00", "individual",
                                       "workshop", "CAFAT", "other", "480", "481", "-5", "9" * 5000]),
                      ).map(lambda text: text.encode("utf-8", "surrogatepass").decode("utf-8", "replace"))


@PROPERTY_SETTINGS
@given(values=st.dictionaries(st.sampled_from(FORM_FIELDS), st.lists(form_text, min_size=1, max_size=3), min_size=1))
def test_the_html_form_answers_every_input_without_a_server_error(advisor_client, values):
    base = {"kind": ["quick_help"], "occurred_date": ["2026-03-02"], "occurred_time": ["09:41"],
            "topics": ["BROWSING"]}
    base.update(values)
    before = stored_ids()
    response = advisor_client.post("/accompagnements/nouveau", data=base)
    assert response.status_code in (302, 400), response.get_data(as_text=True)[:2000]
    after = stored_ids()
    assert len(after - before) == (1 if response.status_code == 302 else 0)


@pytest.mark.parametrize("moment,why", [("0001-01-01T10:00:00+11:00", "1er janvier 2025"),
                                        ("9999-12-31T23:59:59-14:00", "futur"),
                                        ("0001-01-01T00:00:00Z", "1er janvier 2025"),
                                        ("2024-12-31T23:59:59+11:00", "1er janvier 2025")])
@pytest.mark.parametrize("field", ["occurred_at", "client_updated_at"])
def test_moments_at_the_ends_of_time_are_invalid_not_errors(advisor_client, moment, why, field):
    """Seen in the field: these failed whole batches with OverflowError (both databases)."""
    good = {"id": str(uuid.uuid4()), "base_version": 0, "data": record(agency="TADINE")}
    bad = {"id": str(uuid.uuid4()), "base_version": 0, "data": record(agency="TADINE")}
    if field == "occurred_at":
        bad["data"]["occurred_at"] = moment
    else:
        bad["client_updated_at"] = moment
    response = advisor_client.post("/api/v1/sync", json={"records": [bad, good]})
    assert response.status_code == 200
    first, second = response.json["results"]
    assert first["status"] == "invalid" and list(first["errors"]) == [field]
    message = first["errors"][field][0]
    assert why in message if field == "occurred_at" else "horloge de la tablette" in message
    assert second["status"] == "created"
    assert stored_ids() == {second["id"]}


@pytest.mark.parametrize("field", ["notes", "procedure_detail", "workshop_title"])
def test_a_nul_in_text_is_invalid_and_the_rest_of_the_batch_is_stored(advisor_client, field):
    """Seen in the field: psycopg refused the NUL and the whole batch got a 500, retried forever."""
    bad = {"id": str(uuid.uuid4()), "data": record("workshop", agency="TADINE", **{field: "Atelier\x00 du jeudi"})}
    good = {"id": str(uuid.uuid4()), "data": record("workshop", agency="TADINE")}
    response = advisor_client.post("/api/v1/sync", json={"records": [bad, good]})
    assert response.status_code == 200
    first, second = response.json["results"]
    assert first == {"id": bad["id"], "status": "invalid",
                     "errors": {field: ["Ce texte contient un caractère invisible non autorisé : retapez-le."]}}
    assert second["status"] == "created" and stored_ids() == {good["id"]}


def test_tabs_and_line_ends_stay_and_windows_line_ends_become_newlines(advisor_client):
    pushed = {"id": str(uuid.uuid4()), "data": record(agency="TADINE", notes="Ligne 1\r\nLigne\t2\rFin")}
    assert advisor_client.post("/api/v1/sync", json={"records": [pushed]}).json["results"][0]["status"] == "created"
    assert db.session.get(Accompaniment, uuid.UUID(pushed["id"])).notes == "Ligne 1\nLigne\t2\nFin"


def test_the_form_reads_bytes_that_are_not_utf8_without_a_server_error(advisor_client):
    body = b"kind=quick_help&occurred_date=2026-03-02&occurred_time=09%3A41&topics=BROWSING&notes=%ED%A0%80%FF%00"
    response = advisor_client.post("/accompagnements/nouveau", data=body,
                                   content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "Ce texte contient un caractère invisible non autorisé" in response.get_data(as_text=True)
    assert stored_ids() == set()


def test_the_form_says_a_date_before_the_pilot_is_too_old(advisor_client):
    response = advisor_client.post("/accompagnements/nouveau", data={
        "kind": "quick_help", "occurred_date": "0001-01-01", "occurred_time": "10:00", "topics": "BROWSING"})
    assert response.status_code == 400
    assert "Cette date est avant le 1er janvier 2025, début du programme." in response.get_data(as_text=True)
    assert stored_ids() == set()
