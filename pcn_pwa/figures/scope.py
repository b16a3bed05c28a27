"""Which records a figure counts: the period, the filters, and the user's reach.

Parameters come from a URL (a dashboard link can be shared); each error names its parameter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa

from ..accompaniments import vocabulary as vocab
from ..extensions import db
from ..i18n import _, display_timezone
from ..models import Agency, Partner, User

PILOT_START = date(2025, 1, 1)
LAST_DAY = date(2099, 12, 31)
WEEKLY_UP_TO_DAYS = 182  # a range of at most 26 weeks is shown week by week, longer by month
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class ScopeError(Exception):
    """A parameter the figures cannot take: ``status`` 400 (bad value) or 403 (out of reach)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class Scope:
    start: date  # first local day counted
    end: date  # last local day counted
    agencies: tuple[str, ...]
    partners: tuple[str, ...]  # a record counts when it lists any of them; empty: all
    kinds: tuple[str, ...]  # empty: all
    interval: str  # "week" or "month"
    hide_small_cells: bool
    # ``agencies`` is every agency there is: no record is left out by agency, so the queries of
    # the records need not test it (at a million records the test was half of the cards' time).
    every_agency: bool = False

    @property
    def utc_bounds(self) -> tuple[datetime, datetime]:
        """``occurred_at`` from the first local midnight (included) to the one after the end."""
        zone = display_timezone()
        first = datetime.combine(self.start, time.min, tzinfo=zone).astimezone(timezone.utc)
        after = datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=zone).astimezone(timezone.utc)
        return first, after

    def filters(self) -> dict:
        """The scope as the answer states it: after defaults and the user's reach, codes sorted."""
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "agency": sorted(self.agencies),
                "partner": sorted(self.partners), "kind": sorted(self.kinds)}


def _day(args, name: str, default: date) -> date:
    text = args.get(name)
    if text is None or text == "":
        return default
    try:
        if not _DAY.fullmatch(text):
            raise ValueError
        day = date.fromisoformat(text)
    except ValueError:
        raise ScopeError(400, _("« %(name)s » doit être une date AAAA-MM-JJ.", name=name)) from None
    if not PILOT_START <= day <= LAST_DAY:
        raise ScopeError(400, _("« %(name)s » doit être entre le %(first)s et le %(last)s.", name=name,
                                first=PILOT_START.isoformat(), last=LAST_DAY.isoformat()))
    return day


def _codes(args, name: str, known) -> tuple[str, ...]:
    values = tuple(dict.fromkeys(args.getlist(name)))
    for value in values:
        if value not in known:
            shown = value if len(value) <= 40 else value[:40] + "…"
            raise ScopeError(400, _("« %(name)s » : code inconnu « %(value)s ».", name=name, value=shown))
    return values


def today() -> date:
    """Today in Nouméa."""
    return datetime.now(timezone.utc).astimezone(display_timezone()).date()


def read_scope(args, user: User) -> Scope:
    """The scope of a request for ``user``: defaults, checks, and the reach of their role."""
    now = today()
    end = _day(args, "to", min(max(now, PILOT_START), LAST_DAY))
    start = _day(args, "from", max(date(end.year, 1, 1), PILOT_START))
    if start > end:
        raise ScopeError(400, _("« from » doit être au plus tard le jour de « to »."))
    all_agencies = list(db.session.scalars(sa.select(Agency.code).order_by(Agency.code)))
    all_partners = set(db.session.scalars(sa.select(Partner.code)))
    agencies = _codes(args, "agency", set(all_agencies))
    partners = _codes(args, "partner", all_partners)
    kinds = _codes(args, "kind", vocab.KINDS)
    interval = args.get("interval") or ("week" if (end - start).days + 1 <= WEEKLY_UP_TO_DAYS else "month")
    if interval not in ("week", "month"):
        raise ScopeError(400, _("« interval » doit être « week » ou « month »."))

    if user.role in ("advisor", "manager"):
        if any(code != user.agency_code for code in agencies):
            raise ScopeError(403, _("Vous ne voyez que les chiffres de votre agence."))
        agencies = (user.agency_code,)
    elif user.role == "partner":
        if any(code != user.partner_code for code in partners):
            raise ScopeError(403, _("Vous ne voyez que les chiffres de vos propres démarches."))
        partners = (user.partner_code,)
    elif user.role not in ("coordinator", "admin"):
        raise ScopeError(403, _("Votre rôle ne permet pas cette action."))
    agencies = agencies or tuple(all_agencies)
    return Scope(start=start, end=end, agencies=agencies, partners=partners, kinds=kinds,
                 interval=interval, hide_small_cells=user.role == "partner",
                 every_agency=set(agencies) == set(all_agencies))
