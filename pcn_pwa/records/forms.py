"""The accompaniment form: renders the fields and turns them into the contract's ``data``.

The form checks only what belongs to HTML (a date typed as a date); every rule of the
record itself is the judge's (``validation.judge``), whose messages come back onto the fields.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from wtforms import BooleanField, HiddenField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.widgets import CheckboxInput, ListWidget

from ..accompaniments import fields
from ..accompaniments.judge import message as judge_message
from ..accompaniments import vocabulary as vocab
from ..extensions import db
from ..forms import PCNForm, typed_int
from ..i18n import _, _l, display_timezone, gettext, reading_order
from ..models import Agency, Commune, Partner, Procedure, Topic
from ..accompaniments.display import FIELD_LABELS as L


class ChipsField(SelectMultipleField):
    """Several choices shown as touch-friendly checkboxes ("chips")."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        pass  # the judge says which codes are unknown, with the rule's message


class ChoiceField(RadioField):
    """One choice among big buttons; unknown values are the judge's to report."""

    def pre_validate(self, form):
        pass


class CodeSelectField(SelectField):
    def pre_validate(self, form):
        pass


def labelled(vocabulary: dict) -> list[tuple[str, str]]:
    return [(code, gettext(label)) for code, label in vocabulary.items()]


def accent_free(text: str) -> str:
    """Lower case without accents, to match "Mare" with "Maré"."""
    decomposed = unicodedata.normalize("NFD", text.strip().lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


RETURNING = {"": "", "first": False, "returning": True}

# Where the judge's message for a contract field is shown, when the form asks for it under
# another name; else under the last part of its path (beneficiary.card: card).
ERROR_FIELDS = {"occurred_at": "occurred_date", "duration_minutes": "duration"}
WIDGETS = {"buttons": ChoiceField, "select": CodeSelectField, "chips": ChipsField, "line": StringField,
           "textarea": TextAreaField, "number": StringField}
# What only the browser needs of some fields (the length limits come from the table).
RENDER_KW = {
    "participants": {"inputmode": "numeric"},
    "beneficiary.card": {"autocapitalize": "characters", "autocomplete": "off"},
    "notes": {"rows": 3},
}
# The sections of the form (``data-section`` in records/form.html) each kind shows, in its
# order: ``main`` at once, ``details`` behind « Ajouter des détails », ``end`` after them.
# A quick question or free access is one tap on a topic; an individual accompaniment reads as
# an advisor tells it (what was done, how autonomous, how long, who, the rest); a workshop is
# its title, level, participants and topics. No kind chosen yet: the quick question's topics.
LAYOUT = {
    "": {"main": ["quick"], "details": [], "end": []},
    "individual": {"main": ["procedures", "outcome", "moment", "person", "topics", "equipment", "notes"],
                   "details": [], "end": ["actions"]},
    "quick_help": {"main": ["quick"], "details": ["procedures", "moment", "topics", "equipment", "person", "notes",
                                                  "actions"], "end": []},
    "free_access": {"main": ["quick"], "details": ["moment", "topics", "equipment", "person", "notes", "actions"],
                    "end": []},
    "workshop": {"main": ["workshop", "moment", "topics"], "details": ["procedures", "equipment", "notes"],
                 "end": ["actions"]},
}
# The fields the form asks for through its widget, mapped to and from data by type.
TABLE_FIELDS = tuple(field for field in fields.FIELDS if field.widget)


def form_field(field: fields.Field):
    """The WTForms field that asks for one field of the table."""
    render_kw = dict(RENDER_KW.get(field.path, {}))
    if field.max_length:
        render_kw["maxlength"] = field.max_length
    options = {}
    if field.widget in ("buttons", "select", "chips"):
        options["choices"] = []
        if field.default is not None:
            options["default"] = field.default
    return WIDGETS[field.widget](_l(field.label), render_kw=render_kw or None, **options)


def retired_mark(label: str, active: bool) -> str:
    """An entry's label in the user's language, said to be retired when it is (shown only on a
    record that already cites it)."""
    if active:
        return gettext(label)
    return _("%(label)s (retiré)", label=gettext(label))


def error_field(path: str) -> str:
    """The name of the form field that shows messages about ``path``."""
    return ERROR_FIELDS.get(path) or path.rpartition(".")[2]


class AccompanimentForm(PCNForm):
    """The fields of the table with a widget, added below, and those the form asks in its own way."""

    LAYOUT = LAYOUT
    occurred_date = StringField(_l("Date"), render_kw={"type": "date", "min": fields.PILOT_START[:10]})
    occurred_time = StringField(_l("Heure"), render_kw={"type": "time"})
    duration = ChoiceField(L["duration_minutes"], choices=[])
    duration_other = StringField(_l("Autre durée (minutes)"), render_kw={"inputmode": "numeric"})
    commune = StringField(L["beneficiary.commune"], render_kw={"list": "communes", "autocomplete": "off"})
    returning = ChoiceField(L["beneficiary.returning"], choices=[], default="")
    new_card = BooleanField(_l("Remettre une nouvelle carte de suivi"))
    version = HiddenField()

    def __init__(self, *args, agencies: list[Agency] | None = None, kept: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.choose_from_catalogues(agencies or [], kept or {})
        # The date picker offers nothing past tomorrow (the judge refuses more than a day ahead).
        tomorrow = (datetime.now(display_timezone()) + fields.MAX_FUTURE).strftime("%Y-%m-%d")
        self.occurred_date.render_kw = dict(self.occurred_date.render_kw, max=tomorrow)
        self.moment_unreadable = False

    def choose_from_catalogues(self, agencies: list[Agency], kept: dict) -> None:
        """Fill the choices, translated, from the vocabulary and the reference tables: the entries
        offered (not retired), and the retired ones the record being corrected (``kept``) cites."""
        session = db.session
        kept_partners = [*(kept.get("partners") or []), kept.get("redirected_to")]
        partners = session.scalars(sa.select(Partner).where(Partner.active | Partner.code.in_(kept_partners))
                                   .order_by(Partner.position, Partner.code)).all()
        self.partner_list = partners
        self.procedure_list = session.scalars(
            sa.select(Procedure).where(Procedure.active | Procedure.code.in_(kept.get("procedures") or []))
            .order_by(Procedure.partner_code, Procedure.position, Procedure.code)
        ).all()
        topics = session.scalars(sa.select(Topic).where(Topic.active | Topic.code.in_(kept.get("topics") or []))
                                 .order_by(Topic.position, Topic.code)).all()
        self.commune_list = sorted(session.scalars(sa.select(Commune)), key=lambda c: reading_order(c.name))
        for field in TABLE_FIELDS:
            if field.vocabulary:
                self[field.leaf].choices = labelled(field.vocabulary)
        self.agency.choices = [(a.code, a.name) for a in agencies]
        self.duration.choices = [(str(m), f"{m} min") for m in vocab.DURATION_PRESETS] + [("other", _("Autre"))]
        self.partners.choices = [(p.code, retired_mark(p.name, p.active)) for p in partners]
        self.procedures.choices = [(p.code, retired_mark(p.label, p.active)) for p in self.procedure_list]
        self.topics.choices = [(t.code, retired_mark(t.label, t.active)) for t in topics]
        self.returning.choices = [("", _("Non communiqué")), ("first", _("Première visite")),
                                  ("returning", _("Déjà venu"))]
        self.language.choices = [("", _("Non communiqué"))] + self.language.choices
        self.redirected_to.choices = (
            [("", "—")] + [(p.code, retired_mark(p.name, p.active)) for p in partners] + labelled(vocab.REDIRECT_PLACES)
        )

    def procedure_groups(self) -> list[tuple[Partner, list]]:
        """Each partner offered with its procedures' options, in order. The options are made once:
        WTForms builds every option anew at each pass over the field, and a pass per partner made
        the record form the slowest page to render."""
        by_partner: dict[str, list] = {}
        for procedure, option in zip(self.procedure_list, self.procedures):
            by_partner.setdefault(procedure.partner_code, []).append(option)
        return [(partner, by_partner.get(partner.code, [])) for partner in self.partner_list]

    @staticmethod
    def page_layout() -> dict:
        """``LAYOUT`` as the page carries it, short: "main|details|end", names apart by spaces."""
        return {kind: "|".join(" ".join(parts[part]) for part in ("main", "details", "end"))
                for kind, parts in LAYOUT.items()}

    @staticmethod
    def client_mapping() -> dict:
        """What record-form.js needs to map the same fields offline: the page's copy of the table."""
        return {"fields": [{"path": field.path, "name": field.leaf, "type": field.type, "widget": field.widget,
                            "empty": field.empty} for field in TABLE_FIELDS],
                "error_fields": ERROR_FIELDS}

    @staticmethod
    def shown_for(*paths: str) -> str:
        """The kinds whose form shows these fields (a path, or a parent such as "beneficiary"),
        as the page's ``data-kinds``."""
        chosen = [field for field in fields.FIELDS if field.path in paths or field.parent in paths]
        return " ".join(kind for kind in fields.KINDS if any(kind in field.kinds for field in chosen))

    # --- form -> contract data ---------------------------------------------------------

    def occurred_at(self) -> str | None:
        """The local date and time typed, as ISO 8601 with Nouméa's offset; an empty date is
        today and an empty time is now (the advisor records what just happened)."""
        now = datetime.now(display_timezone())
        day = (self.occurred_date.data or "").strip() or now.strftime("%Y-%m-%d")
        clock = (self.occurred_time.data or "").strip() or now.strftime("%H:%M")
        try:
            local = datetime.strptime(f"{day} {clock}", "%Y-%m-%d %H:%M")
        except ValueError:
            self.occurred_date.errors = list(self.occurred_date.errors) + [judge_message("datetime")]
            self.moment_unreadable = True
            return None
        # Whole minutes: before 1912 Nouméa's zone has a local mean time of +11:05:48, which
        # the judge's grammar (ISO 8601's) cannot write; such a date is refused as too old.
        offset = local.replace(tzinfo=display_timezone()).utcoffset()
        return local.replace(tzinfo=timezone(offset - offset % timedelta(minutes=1))).isoformat()

    @staticmethod
    def _number(text: str | None):
        """A whole number typed, negative too (the judge then says what is allowed), else the text."""
        text = (text or "").strip()
        if not text:
            return None
        number = typed_int(text.removeprefix("-"))
        if number is None:
            return text
        return -number if text.startswith("-") else number

    def _commune_code(self):
        typed = (self.commune.data or "").strip()
        if not typed:
            return None
        for commune in self.commune_list:
            if accent_free(commune.name) == accent_free(typed) or commune.code == typed:
                return commune.code
        return typed

    def to_data(self, agency_code: str) -> dict:
        """The contract's ``data`` object for what was typed; the judge decides if it is valid."""
        data: dict = {}
        for field in TABLE_FIELDS:
            fields.put(data, field.path, self._typed(field, self[field.leaf].data))
        duration = self.duration.data
        data.update(
            agency=agency_code,
            occurred_at=self.occurred_at(),
            duration_minutes=self._number(self.duration_other.data if duration == "other" else duration),
        )
        data["beneficiary"].update(commune=self._commune_code(),
                                   returning=RETURNING.get(self.returning.data or "", None))
        return data

    @classmethod
    def _typed(cls, field: fields.Field, typed):
        """One value of the form as the contract has it (the judge says whether it is valid)."""
        if field.type == "codes":
            return list(typed or [])
        if field.type == "text":
            return typed
        if field.type == "integer":
            return cls._number(typed)  # blank stays absent: a workshop's count is never a default
        return typed or field.empty

    # --- contract data -> form ---------------------------------------------------------

    def fill(self, data: dict, *, with_moment: bool = True) -> None:
        """Show a stored record's data in the form (edit, or "same as my last record")."""
        for field in TABLE_FIELDS:
            value = fields.get(data, field.path)
            if field.type == "codes":
                value = list(value or [])
            elif field.type == "integer":
                value = str(value or field.empty)
            else:
                value = value or field.empty or ""
            self[field.leaf].data = value
        if with_moment and data.get("occurred_at"):
            local = datetime.fromisoformat(data["occurred_at"]).astimezone(display_timezone())
            self.occurred_date.data, self.occurred_time.data = local.strftime("%Y-%m-%d"), local.strftime("%H:%M")
        minutes = data.get("duration_minutes")
        if minutes in vocab.DURATION_PRESETS:
            self.duration.data = str(minutes)
        elif minutes:
            self.duration.data, self.duration_other.data = "other", str(minutes)
        beneficiary = data.get("beneficiary") or {}
        commune = next((c for c in self.commune_list if c.code == beneficiary.get("commune")), None)
        self.commune.data = commune.name if commune else ""
        returning = beneficiary.get("returning")
        self.returning.data = "" if returning is None else ("returning" if returning else "first")

    @property
    def person_given(self) -> bool:
        """Whether anything about the person is filled in: their section then shows unfolded."""
        return any(self[field.leaf].data not in (None, "", [], field.default) or self[field.leaf].errors
                   for field in TABLE_FIELDS if field.parent == "beneficiary") or bool(
            self.commune.errors or self.returning.errors or
            (self.commune.data or "").strip() or self.returning.data or self.new_card.data)

    def attach_errors(self, errors: dict[str, list[str]]) -> None:
        """Show the judge's messages under the fields they concern."""
        for path, messages in errors.items():
            if path == "occurred_at" and self.moment_unreadable:
                continue  # the form said already what is wrong with the date
            field = self._fields.get(error_field(path))
            # The agency is asked only of admins (several to choose from); for the others its
            # message (a deactivated agency) goes at the top of the form, where it is seen.
            if field is None or field is self.agency and len(self.agency.choices) <= 1:
                self.form_errors.extend(messages)
            else:
                field.errors = list(field.errors) + list(messages)

    @property
    def has_errors(self) -> bool:
        return bool(self.form_errors) or any(field.errors for field in self)


for _field in TABLE_FIELDS:
    setattr(AccompanimentForm, _field.leaf, form_field(_field))
del _field
