"""GET /api/v1/stats against records counted by hand (figures contract): scope by local date,
filters, reach per role, breakdowns with their zeros, series, autonomy progress, small cells."""

import pytest

from pcn_pwa.accompaniments import cards, store
from pcn_pwa.accompaniments.judge import Reference, judge
from pcn_pwa.extensions import db
from pcn_pwa.figures.small_cells import hide_small_cells

from .records_data import record

CARD = "K7M4QXP" + cards.check_character("K7M4QXP")
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def write(author, data, deleted=False):
    judgement = judge(data, Reference.load())
    assert judgement.valid, judgement.errors
    saved = store.create(author, judgement.clean)
    if deleted:
        store.set_deleted(saved, author, True)
    db.session.commit()
    return saved


@pytest.fixture
def march(make_user):
    """Six records, counted by hand below."""
    tadine = make_user("advisor", username="writer-tadine", agency="TADINE")
    kone = make_user("advisor", username="writer-kone", agency="KONE")
    write(tadine, record(occurred_at="2026-03-02T09:41:00+11:00", beneficiary__card=CARD, autonomy="guided",
                         beneficiary__returning=True, duration_minutes=30))
    write(tadine, record(occurred_at="2026-03-16T10:00:00+11:00", beneficiary__card=CARD, autonomy="autonomous",
                         beneficiary__returning=True, duration_minutes=45))
    write(tadine, record("workshop", agency="TADINE", occurred_at="2026-03-03T14:00:00+11:00", participants=8,
                         duration_minutes=90))
    # 00:15 in Nouméa on the 4th is still the 3rd in UTC: it counts on the 4th.
    write(kone, record("quick_help", agency="KONE", occurred_at="2026-03-04T00:15:00+11:00", topics=["EMAIL"],
                       duration_minutes=5))
    write(tadine, record(occurred_at="2026-03-05T09:00:00+11:00"), deleted=True)  # never counted
    write(tadine, record(occurred_at="2026-02-28T23:59:00+11:00"))  # the day before March


def stats(client, **params):
    return client.get("/api/v1/stats", query_string=params)


def row(answer, dimension, code):
    return next(item for item in answer["breakdowns"][dimension] if item["code"] == code)


def test_totals_breakdowns_and_progress_of_a_month(client, signed_in, march):
    signed_in("coordinator")
    answer = stats(client, **MARCH).json
    assert answer["filters"] == {"from": "2026-03-01", "to": "2026-03-31", "partner": [], "kind": [],
                                 "agency": ["BOURAIL", "KONE", "KOUMAC", "TADINE", "TONTOUTA", "YATE"]}
    assert answer["totals"] == {"records": 4, "people": 11, "minutes": 170, "returning": 2, "cards": 1}
    assert [(r["code"], r["records"], r["people"]) for r in answer["breakdowns"]["kind"]] == [
        ("individual", 2, 2), ("quick_help", 1, 1), ("workshop", 1, 8), ("free_access", 0, 0)]
    agencies = answer["breakdowns"]["agency"]
    assert [(r["code"], r["records"]) for r in agencies[:2]] == [("TADINE", 3), ("KONE", 1)]
    assert len(agencies) == 6 and all(r["records"] == 0 for r in agencies[2:])  # zeros included
    assert row(answer, "agency", "TADINE")["label"] == "Tadine (Maré)"
    assert (row(answer, "autonomy", "guided")["records"], row(answer, "autonomy", "autonomous")["records"],
            row(answer, "autonomy", "none")["records"]) == (1, 1, 2)
    assert row(answer, "autonomy", "none")["label"] == "Non renseigné"
    assert row(answer, "partner", "CAFAT")["records"] == 2 and row(answer, "partner", "none")["records"] == 2
    assert [r["code"] for r in answer["breakdowns"]["topic"]] == ["ADMIN_PROCEDURES", "EMAIL", "ONLINE_SAFETY"]
    assert {r["code"]: r["records"] for r in answer["breakdowns"]["duration_band"]} == {
        "30_59": 2, "lt30": 1, "60_119": 1, "120_plus": 0}
    assert answer["autonomy_progress"] == {"cards": 1, "up": 1, "same": 0, "down": 0}
    assert answer["generated_at"].endswith("Z")


def test_weeks_start_on_monday_and_every_week_is_listed(client, signed_in, march):
    signed_in("coordinator")
    series = stats(client, **MARCH).json["series"]
    assert series["interval"] == "week"  # 31 days: week by week
    assert [(p["start"], p["records"], p["people"]) for p in series["points"]] == [
        ("2026-02-23", 0, 0), ("2026-03-02", 3, 10), ("2026-03-09", 0, 0), ("2026-03-16", 1, 1),
        ("2026-03-23", 0, 0), ("2026-03-30", 0, 0)]
    months = stats(client, interval="month", **MARCH).json["series"]["points"]
    assert months == [{"start": "2026-03-01", "records": 4, "people": 11}]
    year = stats(client, **{"from": "2026-01-01", "to": "2026-12-31"}).json["series"]
    assert year["interval"] == "month" and len(year["points"]) == 12


def test_a_record_is_counted_on_its_local_date(client, signed_in, march):
    signed_in("coordinator")
    assert stats(client, **{"from": "2026-03-04", "to": "2026-03-04"}).json["totals"]["records"] == 1
    third = stats(client, **{"from": "2026-03-03", "to": "2026-03-03"}).json
    assert (third["totals"]["records"], row(third, "kind", "quick_help")["records"]) == (1, 0)
    assert stats(client, **{"from": "2026-02-28", "to": "2026-02-28"}).json["totals"]["records"] == 1


def test_filters_by_agency_partner_and_kind(client, signed_in, march):
    signed_in("admin")
    assert stats(client, agency="KONE", **MARCH).json["totals"]["records"] == 1
    answer = client.get("/api/v1/stats?from=2026-03-01&to=2026-03-31&kind=workshop&kind=quick_help").json
    assert (answer["totals"]["records"], answer["filters"]["kind"]) == (2, ["quick_help", "workshop"])
    cafat = stats(client, partner="CAFAT", **MARCH).json
    assert (cafat["totals"]["records"], cafat["filters"]["partner"]) == (2, ["CAFAT"])


def test_each_role_sees_its_reach(client, signed_in, auth, make_user, march):
    signed_in("manager", agency="TADINE")
    answer = stats(client, **MARCH).json
    assert (answer["filters"]["agency"], answer["totals"]["records"]) == (["TADINE"], 3)
    refused = stats(client, agency="KONE", **MARCH)
    assert refused.status_code == 403 and refused.json["error"] == "forbidden"
    auth.logout()
    signed_in("partner", partner="CAFAT")
    answer = stats(client, **MARCH).json
    assert answer["filters"]["partner"] == ["CAFAT"]
    assert answer["totals"] == {"records": None, "people": None, "minutes": 75, "returning": None, "cards": None,
                                "suppressed": True}  # 2 records: small cells hidden
    assert stats(client, partner="OPT", **MARCH).status_code == 403
    auth.logout()
    assert stats(client, **MARCH).status_code == 401


@pytest.mark.parametrize("params,name", [
    ({"from": "2026-13-01"}, "from"), ({"to": "demain"}, "to"), ({"from": "2024-12-31"}, "from"),
    ({"from": "2026-03-02", "to": "2026-03-01"}, "from"), ({"kind": "group"}, "kind"),
    ({"agency": "NOUMEA"}, "agency"), ({"partner": "BANK"}, "partner"), ({"interval": "day"}, "interval"),
    ({"from": "2026-03-01\x00"}, "from"),
])
def test_a_bad_parameter_is_a_400_naming_it(client, signed_in, params, name):
    signed_in("coordinator")
    response = stats(client, **params)
    assert response.status_code == 400 and response.json["error"] == "bad_request"
    assert f"« {name} »" in response.json["message"]


def test_an_empty_period_gives_zeros_and_every_point(client, signed_in):
    signed_in("coordinator")
    answer = stats(client, **MARCH).json
    assert answer["totals"] == {"records": 0, "people": 0, "minutes": 0, "returning": 0, "cards": 0}
    assert len(answer["series"]["points"]) == 6 and all(p["records"] == 0 for p in answer["series"]["points"])
    assert all(r["records"] == 0 for r in answer["breakdowns"]["kind"])
    assert answer["breakdowns"]["topic"] == [] and answer["autonomy_progress"]["cards"] == 0


def test_one_hidden_row_also_hides_the_smallest_other_one():
    answer = {"totals": {"records": 30, "people": 40, "minutes": 900, "returning": 0, "cards": 3},
              "breakdowns": {"kind": [{"code": "individual", "records": 20, "people": 20},
                                      {"code": "workshop", "records": 7, "people": 17},
                                      {"code": "quick_help", "records": 3, "people": 3},
                                      {"code": "free_access", "records": 0, "people": 0}],
                             "gender": [{"code": "f", "records": 28, "people": 38},
                                        {"code": "m", "records": 1, "people": 1},
                                        {"code": "unknown", "records": 1, "people": 1}]},
              "series": {"interval": "week", "points": [{"start": "2026-03-02", "records": 4, "people": 5}]},
              "autonomy_progress": {"cards": 6, "up": 4, "same": 2, "down": 0}}
    hide_small_cells(answer)
    assert answer["totals"] == {"records": 30, "people": 40, "minutes": 900, "returning": 0, "cards": None,
                                "suppressed": True}
    kind = {r["code"]: (r["records"], r["people"], r.get("suppressed", False)) for r in answer["breakdowns"]["kind"]}
    # quick_help (3) is hidden, so the smallest other non-zero row (workshop, 7) goes too; zeros stay.
    assert kind == {"individual": (20, 20, False), "workshop": (None, None, True),
                    "quick_help": (None, None, True), "free_access": (0, 0, False)}
    gender = {r["code"]: r["records"] for r in answer["breakdowns"]["gender"]}
    assert gender == {"f": 28, "m": None, "unknown": None}  # two hidden: nothing more to hide
    assert answer["series"]["points"][0] == {"start": "2026-03-02", "records": None, "people": 5,
                                             "suppressed": True}
    assert answer["autonomy_progress"] == {"cards": 6, "up": None, "same": None, "down": 0, "suppressed": True}
