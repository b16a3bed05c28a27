"""The advisor's home page (issue 13): their own day and week and their agency's, in Nouméa days
and weeks from Monday; another agency's records, deleted ones and last week's never count."""

import re
from datetime import datetime, timedelta

from pcn_pwa.accompaniments import store
from pcn_pwa.accompaniments.judge import Reference, judge
from pcn_pwa.extensions import db
from pcn_pwa.i18n import display_timezone

from .records_data import record


def store_at(user, moment, agency):
    clean = judge(record("quick_help", agency=agency, occurred_at=moment.isoformat()), Reference.load()).clean
    created = store.create(user, clean)
    db.session.commit()
    return created


def counts(page: str) -> dict:
    """``{(who, period): number}`` as the page's table says them to the server-side reader."""
    found = {}
    for who, row in re.findall(r'<tr data-who="(\w+)">(.*?)</tr>', page, re.S):
        for period, number in re.findall(r'data-period="(\w+)" data-count="(\d+)"', row):
            found[who, period] = int(number)
    return found


def test_home_counts_the_advisors_day_and_week_and_their_agencys(client, make_user, auth):
    me = make_user("advisor", username="moi", agency="TADINE")
    colleague = make_user("advisor", username="collegue", agency="TADINE")
    elsewhere = make_user("advisor", username="ailleurs", agency="KONE")
    now = datetime.now(display_timezone()).replace(microsecond=0)
    midnight = now.replace(hour=0, minute=0, second=0)
    today = max(now - timedelta(minutes=5), midnight)
    monday = midnight - timedelta(days=now.weekday())
    earlier_this_week = now.weekday() > 0  # on a Monday there is no earlier day in the week
    for _ in range(2):
        store_at(me, today, "TADINE")
    if earlier_this_week:
        store_at(me, monday + timedelta(hours=9), "TADINE")
    store_at(me, monday - timedelta(hours=1), "TADINE")  # Sunday of last week
    gone = store_at(me, today, "TADINE")
    store.set_deleted(gone, me, True)
    db.session.commit()
    store_at(colleague, today, "TADINE")
    store_at(elsewhere, today, "KONE")

    auth.login("moi")
    page = client.get("/").get_data(as_text=True)
    week_extra = 1 if earlier_this_week else 0
    assert counts(page) == {("mine", "day"): 2, ("mine", "week"): 2 + week_extra,
                            ("agency", "day"): 3, ("agency", "week"): 3 + week_extra}
    assert "Cette semaine" in page and "L’agence (Tadine (Maré))" in page


def _partner_home_figure(client, auth) -> str:
    auth.login("partenaire-test")
    page = client.get("/").get_data(as_text=True)
    return re.search(r'<span class="stat-value">(.*?)</span>', page, re.S).group(1)


def test_a_partners_home_hides_a_count_from_one_to_four_like_the_dashboard(client, make_user, auth):
    """The partner's month on the home page follows the figures' rule for partners (no count
    from 1 to 4, which could point at a person), as their dashboard does."""
    make_user("partner", username="partenaire-test", partner="CAFAT")
    advisor = make_user("advisor", username="conseillere", agency="TADINE")
    yesterday = datetime.now(display_timezone()).replace(microsecond=0) - timedelta(days=1)
    for _ in range(3):
        store_at_partner(advisor, yesterday)
    figure = _partner_home_figure(client, auth)
    assert "moins de 5" in figure and "3" not in figure
    for _ in range(3):
        store_at_partner(advisor, yesterday)
    auth.logout()
    assert _partner_home_figure(client, auth) == "6"


def store_at_partner(user, moment):
    """An individual accompaniment about a Cafat procedure."""
    clean = judge(record("individual", agency="TADINE", occurred_at=moment.isoformat()), Reference.load()).clean
    assert clean["partners"] == ["CAFAT"]
    store.create(user, clean)
    db.session.commit()
