"""The one judge of an accompaniment: the HTML form, the sync API and the tablets all use it.

``FIELDS`` (each field's rule, read from the table in ``fields``) and ``CROSS_RULES``
describe every rule of the sync contract as data; ``judge`` applies them here, and
``client_rules`` hands the same description (with the messages in the user's language) to the
tablets through /api/v1/reference, so a record is checked the same way before it is queued
offline and when the server receives it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from . import vocabulary as vocab
from ..extensions import db
from ..i18n import N_, gettext
from ..models import Agency, Commune, Partner, Procedure, Topic
from . import cards, fields
from .fields import MAX_FUTURE, PILOT_START
from .text import ECHO_LENGTH, FORBIDDEN_CHARS, SPACES, clean_text, echo, trim

# Field path -> rule, from the table of fields. "choices" names a list: a vocabulary, or a
# reference catalogue.
FIELDS = {field.path: field.rule() for field in fields.FIELDS}

# Rules across fields, by name; tablets implement the same names.
CROSS_RULES = {
    # A field counts as given when the record has it, not when its default fills it in: a
    # workshop's count of participants is never taken as the default 1.
    "required_by_kind": {"individual": ["autonomy", "outcome"], "workshop": ["workshop_title", "participants"]},
    "participants_by_kind": {"individual": {"min": 1, "max": 1}},
    "only_for_kind": {"workshop_title": "workshop", "workshop_level": "workshop"},
    "topic_or_procedure": ["topics", "procedures"],
    "procedure_of_listed_partner": True,
    "required_when": {"redirected_to": {"outcome": "redirected"}},
    # A deactivated agency takes no record (Reference.closed_agencies; its past records stay).
    "open_agency": True,
}

MESSAGES = {
    "required": N_("Ce champ est obligatoire."),
    # I18N: %(value)s is a code the tablet sent, such as CAFAT or HEALTH: keep it as it is.
    "choice": N_("Choix inconnu : %(value)s."),
    "code": N_("Un code est attendu."),
    "list": N_("Une liste est attendue."),
    "object": N_("Un objet est attendu."),
    "integer": N_("Indiquez un nombre entier."),
    "boolean": N_("Une réponse oui ou non est attendue."),
    "range": N_("Indiquez un nombre entre %(min)s et %(max)s."),
    "duration_min": N_("Une durée dure au moins 1 minute."),
    "too_long": N_("%(max)s caractères au plus."),
    # Read by advisors (the sync page shows what the server refused): words, never a format.
    "datetime": N_("Date ou heure illisible : indiquez le jour et l’heure de l’accompagnement."),
    "timezone": N_("L’heure est arrivée sans son fuseau horaire : mettez l’application à jour sur cet appareil."),
    "future": N_("Cette date est plus d’un jour dans le futur : vérifiez le jour et l’heure."),
    "past": N_("Cette date est avant le 1er janvier 2025, début du programme."),
    "text": N_("Un texte est attendu."),
    # I18N: invisible characters such as NUL, often pasted from another program.
    "control": N_("Ce texte contient un caractère invisible non autorisé : retapez-le."),
    # I18N: %(value)s is the agency's code, such as TADINE: keep it as it is.
    "agency_closed": N_("L’agence %(value)s est fermée : elle ne prend plus d’accompagnement."),
    "clock": N_("L’horloge de la tablette est déréglée : corrigez sa date et son heure, puis enregistrez à nouveau."),
    "card": N_("Numéro de carte invalide : vérifiez chaque caractère."),
    "individual_one": N_("Un accompagnement individuel concerne une seule personne."),
    "topic_or_procedure": N_("Choisissez au moins un thème ou une démarche."),
    "procedure_partner": N_("La démarche %(value)s ne relève d’aucun partenaire choisi."),
    "required_for_kind": N_("Obligatoire pour ce type d’accompagnement."),
    "required_redirected": N_("Indiquez vers qui la personne a été orientée."),
    # I18N: %(value)s is the entry's label, such as « Payer son loyer ».
    "retired": N_("« %(value)s » n’est plus proposé : choisissez une autre entrée."),
}


def message(code: str, **params) -> str:
    """A rule's message in the current language."""
    return gettext(MESSAGES[code], **params)


@dataclass
class Reference:
    """The catalogue codes a record may cite, loaded once per request or sync batch.

    Retired entries stay valid: a tablet offline for weeks may still send them. ``retired`` holds
    them per list (code -> French label), for the form, which offers them no more (``judge``).
    """

    agencies: set[str]
    partners: set[str]
    procedures: dict[str, str]  # procedure code -> partner code
    topics: set[str]
    communes: set[str]
    closed_agencies: set[str] = field(default_factory=set)  # deactivated: known, but take no record
    retired: dict[str, dict[str, str]] = field(default_factory=dict)  # list name -> {code: label}

    @classmethod
    def load(cls) -> Reference:
        session = db.session
        agencies = dict(session.execute(sa.select(Agency.code, Agency.active)).all())
        # One read a list serves both its codes and its retired entries (a push loads these).
        partners = session.execute(sa.select(Partner.code, Partner.name, Partner.active)).all()
        procedures = session.execute(
            sa.select(Procedure.code, Procedure.label, Procedure.active, Procedure.partner_code)).all()
        topics = session.execute(sa.select(Topic.code, Topic.label, Topic.active)).all()

        def retired(rows) -> dict[str, str]:
            return {row[0]: row[1] for row in rows if not row[2]}

        retired_partners = retired(partners)
        return cls(
            retired={"partners": retired_partners, "redirect_targets": retired_partners,
                     "procedures": retired(procedures), "topics": retired(topics)},
            agencies=set(agencies),
            closed_agencies={code for code, active in agencies.items() if not active},
            partners={row.code for row in partners},
            procedures={row.code: row.partner_code for row in procedures},
            topics={row.code for row in topics},
            communes=set(session.scalars(sa.select(Commune.code))),
        )

    def __post_init__(self):
        # Built once: a sync batch asks for these lists some fifty thousand times.
        self._lists = {
            "agencies": self.agencies,
            "partners": self.partners,
            "procedures": self.procedures,
            "topics": self.topics,
            "communes": self.communes,
            "redirect_targets": self.partners | set(vocab.REDIRECT_PLACES),
            **fields.VOCABULARY_LISTS,
        }

    def choices(self, name: str):
        """The allowed codes of a named list."""
        return self._lists[name]


@dataclass
class Judgement:
    clean: dict | None
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.errors


# The one grammar of a moment, shared with rules.js: date, time to the minute at least,
# up to six decimals of a second, and an offset (Z, ±HH, ±HHMM or ±HH:MM).
DAY_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MOMENT_RE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:[.,]([0-9]{1,6}))?)?"
    r"(Z|([+-])([0-9]{2})(?::?([0-9]{2}))?)?"
)
def whole_number(value) -> int | None:
    """``value`` as an int if JSON says it is a whole number (``30`` or ``30.0``), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def parse_datetime(value: str) -> datetime:
    """A moment of the shared grammar (``MOMENT_RE``). Raises ValueError("timezone") when the
    offset is missing, ValueError("datetime") for anything else."""
    match = MOMENT_RE.fullmatch(value)
    if match is None:
        raise ValueError("timezone" if DAY_RE.fullmatch(value) else "datetime")
    year, month, day, hour, minute, second, fraction, zone, sign, off_hours, off_minutes = match.groups()
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0),
                          int((fraction or "0").ljust(6, "0")))
    except ValueError:
        raise ValueError("datetime") from None
    if zone is None:
        raise ValueError("timezone")
    if zone == "Z":
        return moment.replace(tzinfo=timezone.utc)
    if int(off_hours) > 23 or int(off_minutes or 0) > 59:
        raise ValueError("datetime")
    offset = timedelta(hours=int(off_hours), minutes=int(off_minutes or 0))
    return moment.replace(tzinfo=timezone(-offset if sign == "-" else offset))


EARLIEST = parse_datetime(PILOT_START)


def judge_moment(value, now: datetime, earliest: datetime = EARLIEST, max_future: timedelta = MAX_FUTURE):
    """``(moment in UTC, None)`` or ``(None, message code)`` for a moment sent as text.

    The bounds are checked before any conversion, so no value can overflow (year 1 at +11:00
    has no UTC equivalent) and whatever passes can be stored by either database.
    """
    if not isinstance(value, str):
        return None, "datetime"
    try:
        moment = parse_datetime(trim(value))
    except ValueError as error:
        return None, str(error)
    if moment < earliest:
        return None, "past"
    if moment - now > max_future:
        return None, "future"
    return moment.astimezone(timezone.utc), None


class _Checker:
    """Walks one record's data, collecting cleaned values and per-field messages."""

    def __init__(self, data: dict, reference: Reference, now: datetime):
        self.data = data
        self.reference = reference
        self.now = now
        self.clean: dict = {}
        self.errors: dict[str, list[str]] = {}
        self.absent: set[str] = set()  # the fields the record did not give (defaults filled in)

    def fail(self, path: str, code: str, **params) -> None:
        self.errors.setdefault(path, []).append(message(code, **params))

    def check_fields(self) -> None:
        """Every field of ``FIELDS``; the walk is flat because a sync batch does it 500 times."""
        for parent, fields in _PLAN:
            source = self.data if parent is None else self.data.get(parent)
            if not isinstance(source, dict):
                source = {}
            target = self.clean if parent is None else self.clean.setdefault(parent, {})
            for path, leaf, rule, check, blank_is_absent in fields:
                value = source.get(leaf)
                # Blank is what ``trim`` removes, as on the tablets: ``str.strip`` also removes
                # control characters such as \x1c, and keeps U+FEFF.
                if value is None or (blank_is_absent and value.__class__ is str and not trim(value)):
                    if rule.get("required"):
                        self.fail(path, "required")
                    self.absent.add(path)
                    target[leaf] = rule.get("default", [] if rule["type"] == "codes" else None)
                else:
                    target[leaf] = check(self, path, value, rule)

    def check_code(self, path, value, rule):
        if not isinstance(value, str):
            self.fail(path, "code")
            return rule.get("default")
        value = trim(value)
        if value not in self.reference.choices(rule["choices"]):
            self.fail(path, "choice", value=echo(value))
            return rule.get("default")
        return value

    def check_codes(self, path, value, rule):
        if not isinstance(value, list):
            self.fail(path, "list")
            return []
        allowed = self.reference.choices(rule["choices"])
        result = []
        for item in value:
            if not isinstance(item, str):
                self.fail(path, "code")
            elif item not in allowed:
                self.fail(path, "choice", value=echo(item))
            elif item not in result:
                result.append(item)
        return result

    def check_integer(self, path, value, rule):
        value = whole_number(value)
        if value is None:
            self.fail(path, "integer")
            return None
        if value < rule["min"] and "min_message" in rule:
            self.fail(path, rule["min_message"])
        elif not rule["min"] <= value <= rule["max"]:
            self.fail(path, "range", min=rule["min"], max=rule["max"])
        return value

    def check_text(self, path, value, rule):
        if not isinstance(value, str):
            self.fail(path, "text")
            return None
        text = clean_text(value)
        if text and FORBIDDEN_CHARS.search(text):
            self.fail(path, "control")
        if text and len(text) > rule["max_length"]:
            self.fail(path, "too_long", max=rule["max_length"])
        return text

    def check_boolean(self, path, value, rule):
        if not isinstance(value, bool):
            self.fail(path, "boolean")
            return None
        return value

    def check_datetime(self, path, value, rule):
        moment, problem = judge_moment(value, self.now, _EARLIEST[path],
                                       timedelta(seconds=rule["max_future_seconds"]))
        if problem:
            self.fail(path, problem)
        return moment

    def check_card(self, path, value, rule):
        if not isinstance(value, str):
            self.fail(path, "card")
            return None
        code = cards.normalise(value)
        if not code:
            return None
        if not cards.is_valid(code):
            self.fail(path, "card")
        return code

    def check_cross_rules(self) -> None:
        clean = self.clean
        kind = clean.get("kind")
        for name in CROSS_RULES["required_by_kind"].get(kind, []):
            if (clean.get(name) is None or name in self.absent) and name not in self.errors:
                self.fail(name, "required_for_kind")
        bounds = CROSS_RULES["participants_by_kind"].get(kind)
        participants = clean.get("participants")
        if bounds and isinstance(participants, int) and not bounds["min"] <= participants <= bounds["max"]:
            self.fail("participants", "individual_one")
        for name, only_kind in CROSS_RULES["only_for_kind"].items():
            if kind != only_kind:
                clean[name] = None
                self.errors.pop(name, None)
        first, second = CROSS_RULES["topic_or_procedure"]
        if not clean.get(first) and not clean.get(second) and first not in self.errors and second not in self.errors:
            self.fail(first, "topic_or_procedure")
        partners = set(clean.get("partners") or [])
        for code in clean.get("procedures") or []:
            if self.reference.procedures.get(code) not in partners:
                self.fail("procedures", "procedure_partner", value=code)
        for name, condition in CROSS_RULES["required_when"].items():
            applies = all(clean.get(other) == wanted for other, wanted in condition.items())
            if not applies:
                clean[name] = None
                self.errors.pop(name, None)
            elif clean.get(name) is None and name not in self.errors:
                self.fail(name, "required_redirected")
        if CROSS_RULES["open_agency"] and clean.get("agency") in self.reference.closed_agencies:
            self.fail("agency", "agency_closed", value=clean["agency"])

    def check_retired(self, kept: dict) -> None:
        """Refuse a retired entry, unless ``kept`` (the record as stored) cites it already."""
        for path, rule in FIELDS.items():
            retired = self.reference.retired.get(rule.get("choices"))
            if not retired or path in self.errors:
                continue
            value = fields.get(self.clean, path)
            had = fields.get(kept, path)
            had = set(had) if isinstance(had, list) else {had}
            for code in value if isinstance(value, list) else [value]:
                if code in retired and code not in had:
                    self.fail(path, "retired", value=gettext(retired[code]))


def _plan() -> list:
    """``FIELDS`` grouped by parent object ("beneficiary"), each with its checker, worked out once."""
    groups: dict = {}
    for path, rule in FIELDS.items():
        parent, _, leaf = path.rpartition(".")
        check = getattr(_Checker, f"check_{rule['type']}")
        groups.setdefault(parent or None, []).append((path, leaf, rule, check, rule["type"] != "codes"))
    return list(groups.items())


_PLAN = _plan()
_EARLIEST = {path: parse_datetime(rule["min"]) for path, rule in FIELDS.items() if rule["type"] == "datetime"}


def judge(data, reference: Reference, now: datetime | None = None, *, refuse_retired: bool = False,
          kept: dict | None = None) -> Judgement:
    """Decide whether ``data`` (the contract's ``data`` object) is a valid accompaniment.

    Returns the cleaned record (codes checked, text NFC-normalised, times in UTC, unknown
    fields dropped) or the messages of every field that is wrong, in the user's language.

    A retired partner, procedure or topic is valid by default: that is how a tablet's push is
    judged, so a record made offline last week with a procedure retired today is ``created``.
    The push is not compared with the moment of retirement: a record's ``occurred_at`` is typed by
    the advisor (a record made today may tell of last week), a tablet's clock may be wrong, and a
    tablet that has not refreshed its reference still offers the entry in good faith; a tablet
    that has refreshed no longer offers it. The server's form asks ``refuse_retired``: it offers
    retired entries no more, so one can come only from a page opened before the retirement, and
    the advisor is there to choose again. When correcting a record, ``kept`` is the record as
    stored: the retired entries it cites already stay allowed (the form keeps showing them).
    """
    if not isinstance(data, dict):
        return Judgement(None, {"data": [message("object")]})
    beneficiary = data.get("beneficiary")
    checker = _Checker(data, reference, now or datetime.now(timezone.utc))
    if beneficiary is not None and not isinstance(beneficiary, dict):
        checker.fail("beneficiary", "object")
    checker.check_fields()
    checker.check_cross_rules()
    if refuse_retired:
        checker.check_retired(kept or {})
    if checker.errors:
        return Judgement(None, checker.errors)
    return Judgement(checker.clean)


def _portable_pattern(pattern: str) -> str:
    """``pattern`` with every character outside printable ASCII written as ``\\uXXXX``.

    Python's ``re`` and JavaScript's ``RegExp(..., "u")`` read it the same way, and it is
    plain ASCII: a lone surrogate written as itself cannot be encoded to UTF-8 (the reference's
    version hash does so). The pattern must stay within the BMP: JavaScript has no ``\\U``.
    """
    if any(ord(char) > 0xFFFF for char in pattern):
        raise ValueError("pattern beyond the BMP")
    return "".join(char if " " <= char <= "~" else f"\\u{ord(char):04x}" for char in pattern)


def client_rules(reference: Reference | None = None) -> dict:
    """The rules as data, with their messages in the current language, for the tablets.

    ``lists`` holds the exact codes each named list allows, so the tablet needs no mapping.
    """
    reference = reference or Reference.load()
    names = sorted({rule["choices"] for rule in FIELDS.values() if "choices" in rule})
    return {
        "fields": FIELDS,
        "lists": {name: sorted(reference.choices(name)) for name in names},
        "procedure_partners": dict(sorted(reference.procedures.items())),
        "closed_agencies": sorted(reference.closed_agencies),
        "cross": CROSS_RULES,
        "messages": {code: gettext(text) for code, text in MESSAGES.items()},
        "text": {"spaces": SPACES, "forbidden": _portable_pattern(FORBIDDEN_CHARS.pattern),
                 "echo_length": ECHO_LENGTH},
        "card": cards.tablet_rules(),
    }

