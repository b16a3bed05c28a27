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

from ..accompaniments import vocabulary as vocab
from ..extensions import db
from ..forms import PCNForm, typed_int
from ..i18n import _, _l, display_timezone, gettext
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

# Where the judge's message for a contract field is shown on the form.
ERROR_FIELDS = {
    "occurred_at": "occurred_date",
    "duration_minutes": "duration",
    "beneficiary.age_band": "age_band",
    "beneficiary.gender": "gender",
    "beneficiary.status": "status",
    "beneficiary.situations": "situations",
    "beneficiary.commune": "commune",
    "beneficiary.returning": "returning",
    "beneficiary.language": "language",
    "beneficiary.card": "card",
}


class AccompanimentForm(PCNForm):
    kind = ChoiceField(L["kind"], choices=[])
    agency = CodeSelectField(L["agency"], choices=[])
    occurred_date = StringField(_l("Date"), render_kw={"type": "date"})
    occurred_time = StringField(_l("Heure"), render_kw={"type": "time"})
    duration = ChoiceField(L["duration_minutes"], choices=[])
    duration_other = StringField(_l("Autre durée (minutes)"), render_kw={"inputmode": "numeric"})
    participants = StringField(L["participants"], render_kw={"inputmode": "numeric"})
    partners = ChipsField(L["partners"], choices=[])
    procedures = ChipsField(L["procedures"], choices=[])
    procedure_detail = StringField(L["procedure_detail"], render_kw={"maxlength": 200})
    topics = ChipsField(L["topics"], choices=[])
    equipment = ChipsField(L["equipment"], choices=[])
    age_band = ChoiceField(L["beneficiary.age_band"], choices=[], default="unknown")
    gender = ChoiceField(L["beneficiary.gender"], choices=[], default="unknown")
    status = ChoiceField(L["beneficiary.status"], choices=[], default="unknown")
    situations = ChipsField(L["beneficiary.situations"], choices=[])
    commune = StringField(L["beneficiary.commune"], render_kw={"list": "communes", "autocomplete": "off"})
    returning = ChoiceField(L["beneficiary.returning"], choices=[], default="")
    language = CodeSelectField(L["beneficiary.language"], choices=[])
    card = StringField(L["beneficiary.card"], render_kw={"autocapitalize": "characters", "autocomplete": "off"})
    new_card = BooleanField(_l("Remettre une nouvelle carte de suivi"))
    autonomy = ChoiceField(L["autonomy"], choices=[])
    outcome = ChoiceField(L["outcome"], choices=[])
    blockers = ChipsField(L["blockers"], choices=[])
    redirected_to = CodeSelectField(L["redirected_to"], choices=[])
    workshop_title = StringField(L["workshop_title"], render_kw={"maxlength": 200})
    workshop_level = ChoiceField(L["workshop_level"], choices=[])
    notes = TextAreaField(L["notes"], render_kw={"maxlength": 1000, "rows": 3})
    version = HiddenField()

    def __init__(self, *args, agencies: list[Agency] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.choose_from_catalogues(agencies or [])

    def choose_from_catalogues(self, agencies: list[Agency]) -> None:
        """Fill the choices, translated, from the vocabulary and the reference tables."""
        session = db.session
        partners = session.scalars(sa.select(Partner).where(Partner.active).order_by(Partner.position)).all()
        self.partner_list = partners
        self.procedure_list = session.scalars(
            sa.select(Procedure).where(Procedure.active).order_by(Procedure.partner_code, Procedure.position)
        ).all()
        topics = session.scalars(sa.select(Topic).where(Topic.active).order_by(Topic.position)).all()
        self.commune_list = session.scalars(sa.select(Commune).order_by(Commune.name)).all()
        self.kind.choices = labelled(vocab.KINDS)
        self.agency.choices = [(a.code, a.name) for a in agencies]
        self.duration.choices = [(str(m), f"{m} min") for m in vocab.DURATION_PRESETS] + [("other", _("Autre"))]
        self.partners.choices = [(p.code, gettext(p.name)) for p in partners]
        self.procedures.choices = [(p.code, gettext(p.label)) for p in self.procedure_list]
        self.topics.choices = [(t.code, gettext(t.label)) for t in topics]
        self.equipment.choices = labelled(vocab.EQUIPMENT)
        self.age_band.choices = labelled(vocab.AGE_BANDS)
        self.gender.choices = labelled(vocab.GENDERS)
        self.status.choices = labelled(vocab.STATUSES)
        self.situations.choices = labelled(vocab.SITUATIONS)
        self.returning.choices = [("", _("Non communiqué")), ("first", _("Première visite")),
                                  ("returning", _("Déjà venu"))]
        self.language.choices = [("", _("Non communiqué"))] + labelled(vocab.SPOKEN_LANGUAGES)
        self.autonomy.choices = labelled(vocab.AUTONOMY)
        self.outcome.choices = labelled(vocab.OUTCOMES)
        self.blockers.choices = labelled(vocab.BLOCKERS)
        self.redirected_to.choices = (
            [("", "—")] + [(p.code, gettext(p.name)) for p in partners] + labelled(vocab.REDIRECT_PLACES)
        )
        self.workshop_level.choices = labelled(vocab.WORKSHOP_LEVELS)

    # --- form -> contract data ---------------------------------------------------------

    def occurred_at(self) -> str | None:
        """The local date and time typed, as ISO 8601 with Nouméa's offset."""
        day, clock = (self.occurred_date.data or "").strip(), (self.occurred_time.data or "").strip()
        if not day and not clock:
            return None
        try:
            local = datetime.strptime(f"{day} {clock}", "%Y-%m-%d %H:%M")
        except ValueError:
            self.occurred_date.errors = list(self.occurred_date.errors) + [_("Date ou heure invalide.")]
            return None
        # Whole minutes: before 1912 Nouméa's zone has a local mean time of +11:05:48, which
        # the judge's grammar (ISO 8601's) cannot write; such a date is refused as too old.
        offset = local.replace(tzinfo=display_timezone()).utcoffset()
        return local.replace(tzinfo=timezone(offset - offset % timedelta(minutes=1))).isoformat()

    @staticmethod
    def _number(text: str | None):
        text = (text or "").strip()
        if not text:
            return None
        number = typed_int(text)
        return text if number is None else number

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
        duration = self.duration.data
        participants = self._number(self.participants.data)
        return {
            "agency": agency_code,
            "kind": self.kind.data or None,
            "occurred_at": self.occurred_at(),
            "duration_minutes": self._number(self.duration_other.data if duration == "other" else duration),
            "participants": 1 if participants is None else participants,
            "partners": list(self.partners.data or []),
            "procedures": list(self.procedures.data or []),
            "procedure_detail": self.procedure_detail.data,
            "topics": list(self.topics.data or []),
            "equipment": list(self.equipment.data or []),
            "beneficiary": {
                "age_band": self.age_band.data or "unknown",
                "gender": self.gender.data or "unknown",
                "status": self.status.data or "unknown",
                "situations": list(self.situations.data or []),
                "commune": self._commune_code(),
                "returning": RETURNING.get(self.returning.data or "", None),
                "language": self.language.data or None,
                "card": self.card.data or None,
            },
            "autonomy": self.autonomy.data or None,
            "outcome": self.outcome.data or None,
            "blockers": list(self.blockers.data or []),
            "redirected_to": self.redirected_to.data or None,
            "workshop_title": self.workshop_title.data,
            "workshop_level": self.workshop_level.data or None,
            "notes": self.notes.data,
        }

    # --- contract data -> form ---------------------------------------------------------

    def fill(self, data: dict, *, with_moment: bool = True) -> None:
        """Show a stored record's data in the form (edit, or "same as my last record")."""
        beneficiary = data.get("beneficiary") or {}
        self.kind.data = data.get("kind")
        self.agency.data = data.get("agency")
        if with_moment and data.get("occurred_at"):
            local = datetime.fromisoformat(data["occurred_at"]).astimezone(display_timezone())
            self.occurred_date.data, self.occurred_time.data = local.strftime("%Y-%m-%d"), local.strftime("%H:%M")
        minutes = data.get("duration_minutes")
        if minutes in vocab.DURATION_PRESETS:
            self.duration.data = str(minutes)
        elif minutes:
            self.duration.data, self.duration_other.data = "other", str(minutes)
        self.participants.data = str(data.get("participants") or 1)
        for name in ("partners", "procedures", "topics", "equipment", "blockers"):
            getattr(self, name).data = list(data.get(name) or [])
        for name in ("procedure_detail", "workshop_title", "notes"):
            getattr(self, name).data = data.get(name) or ""
        for name in ("autonomy", "outcome", "redirected_to", "workshop_level"):
            getattr(self, name).data = data.get(name) or ""
        self.age_band.data = beneficiary.get("age_band") or "unknown"
        self.gender.data = beneficiary.get("gender") or "unknown"
        self.status.data = beneficiary.get("status") or "unknown"
        self.situations.data = list(beneficiary.get("situations") or [])
        commune = next((c for c in self.commune_list if c.code == beneficiary.get("commune")), None)
        self.commune.data = commune.name if commune else ""
        returning = beneficiary.get("returning")
        self.returning.data = "" if returning is None else ("returning" if returning else "first")
        self.language.data = beneficiary.get("language") or ""
        self.card.data = beneficiary.get("card") or ""

    def attach_errors(self, errors: dict[str, list[str]]) -> None:
        """Show the judge's messages under the fields they concern."""
        for path, messages in errors.items():
            name = ERROR_FIELDS.get(path, path)
            field = self._fields.get(name)
            if field is None:
                self.form_errors.extend(messages)
            else:
                field.errors = list(field.errors) + list(messages)

    @property
    def has_errors(self) -> bool:
        return bool(self.form_errors) or any(field.errors for field in self)
