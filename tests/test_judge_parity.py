"""One judge, proven the same on both sides.

Every case of ``judge_cases.json`` goes through the server's judge (``accompaniments/judge.py``)
here, and through the tablets' (``static/js/rules.js``) in ``js/judge_parity.test.mjs`` with
Node, fed the rules the server hands out: same verdicts, same fields, same French messages.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pcn_pwa.accompaniments import cards
from pcn_pwa.accompaniments.text import FORBIDDEN_CHARS
from pcn_pwa.accompaniments.judge import CROSS_RULES, FIELDS, MESSAGES, Reference, client_rules, judge, parse_datetime

TESTS = Path(__file__).resolve().parent
CASES = json.loads((TESTS / "judge_cases.json").read_text(encoding="utf-8"))

# The message each rule across fields gives; only_for_kind gives none: it drops fields.
CROSS_MESSAGES = {
    "required_by_kind": "required_for_kind",
    "participants_by_kind": "individual_one",
    "only_for_kind": None,
    "topic_or_procedure": "topic_or_procedure",
    "procedure_of_listed_partner": "procedure_partner",
    "required_when": "required_redirected",
    "open_agency": "agency_closed",
}
# "clock" is the sync envelope's (client_updated_at, in sync/merge.py): the judge never gives it.
# "retired" only the server's form asks for (judge(..., refuse_retired=True)): a push, as these
# shared cases are judged, takes a retired entry (tests/test_catalogues_admin.py).
NEVER_FROM_THE_JUDGE = {"clock", "retired"}


def message_codes(text: str) -> set[str]:
    """The codes of ``MESSAGES`` whose French text, parameters filled in, reads ``text``."""
    return {code for code, template in MESSAGES.items()
            if re.fullmatch(".*".join(map(re.escape, re.split(r"%\(\w+\)s", template))), text, re.S)}


@pytest.fixture(autouse=True)
def closed_agency(app):
    """The deactivated agency the cases name (FERMEE): known, but it takes no record."""
    from pcn_pwa.extensions import db
    from pcn_pwa.models import Agency

    db.session.add(Agency(code="FERMEE", name="Agence fermée", commune_code="98815", province="iles", active=False))
    db.session.commit()


def test_the_server_judge_gives_every_expected_verdict(app):
    reference = Reference.load()
    wrong = []
    with app.test_request_context("/"):
        for case in CASES:
            verdict = judge(case["data"], reference, now=parse_datetime(case["now"]))
            if (verdict.valid, verdict.errors) != (case["valid"], case["errors"]):
                wrong.append(f"{case['name']}: {verdict.valid} {verdict.errors}")
    assert not wrong, "\n".join(wrong)


def test_the_tablet_judge_gives_the_same_verdicts(app, tmp_path):
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("node is missing: the tablets' judge (static/js/rules.js) cannot be checked")
        pytest.skip("node is not installed: the tablets' judge (static/js/rules.js) was not checked")
    with app.test_request_context("/"):
        rules = client_rules()
    rules_file = tmp_path / "rules.json"
    rules_file.write_text(json.dumps(rules), encoding="utf-8")
    result = subprocess.run(
        [node, "--test", "--test-reporter=dot", str(TESTS / "js")],
        cwd=TESTS.parent, env={**os.environ, "PCN_RULES_JSON": str(rules_file)},
        capture_output=True, text=True, timeout=100,
    )
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]


def test_the_cases_cover_every_field_rule_and_message():
    names = [case["name"] for case in CASES]
    assert len(CASES) >= 150
    assert len(set(names)) == len(names)
    assert all(case["valid"] == (not case["errors"]) for case in CASES)
    failed = {path for case in CASES for path in case["errors"]}
    assert set(FIELDS) - failed == set()
    codes = [message_codes(text) for case in CASES for texts in case["errors"].values() for text in texts]
    assert all(len(found) == 1 for found in codes), "a message that is not exactly one of MESSAGES"
    assert set(MESSAGES) - set().union(*codes) == NEVER_FROM_THE_JUDGE
    assert set(CROSS_MESSAGES) == set(CROSS_RULES)
    assert {code for code in CROSS_MESSAGES.values() if code} <= set().union(*codes)
    for name, kind in CROSS_RULES["only_for_kind"].items():  # shown dropped from another kind
        assert any(case["valid"] and isinstance(case["data"], dict) and case["data"].get(name) is not None
                   and case["data"].get("kind") != kind for case in CASES), name


def test_the_tablets_get_the_servers_text_and_card_lists(app):
    """The lists reach rules.js as data; what they mean must be what the server applies."""
    with app.test_request_context("/"):
        rules = json.loads(json.dumps(client_rules()))  # as a tablet reads them
    every_character = "".join(map(chr, range(sys.maxunicode + 1)))  # lone surrogates too
    portable = re.compile(rules["text"]["forbidden"])
    assert portable.pattern.isascii()
    assert portable.findall(every_character) == FORBIDDEN_CHARS.findall(every_character)
    removed = {char for char in every_character if not cards.normalise(char)}
    assert set(rules["card"]["separators"]) == removed
