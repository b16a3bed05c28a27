"""What a record is: every field of an accompaniment, once.

``FIELDS`` is the one table of the fields of the contract's ``data`` (sync-contract.md), in
reading order. Read from it: the judge's rules (also sent to the tablets), the form's fields
and its mapping to and from ``data``, a record's labels on its page and in comparisons, the
columns of ``Accompaniment``, the OpenAPI schema of ``data`` and the export columns. Adding a
field here (and its column, in a migration) puts it in all of them; rules across fields stay
the judge's own code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ..i18n import N_
from . import vocabulary as vocab
from .cards import ALPHABET, CODE_LENGTH

KINDS = tuple(vocab.KINDS)
MAX_FUTURE = timedelta(days=1)
# The pilot's first day in Nouméa (UTC+11 all year): no record, and no tablet clock, is older.
PILOT_START = "2025-01-01T00:00:00+11:00"


@dataclass(frozen=True)
class Field:
    """One field of a record. ``type`` is the judge's: code, codes, integer, text, boolean,
    datetime or card; ``choices`` names the list of allowed codes (a vocabulary, else a
    reference catalogue the judge loads)."""

    path: str  # in the contract's data: "kind", "beneficiary.age_band"
    label: str  # French msgid: the form, the record's page, conflicts and exports
    type: str
    choices: str | None = None
    vocabulary: dict | None = None  # code -> French label, for a closed list
    required: bool = False
    default: object = None  # what an absent value becomes
    min: int | str | None = None
    max: int | None = None
    max_length: int | None = None
    max_future_seconds: int | None = None
    # The message (a code of the judge's MESSAGES) for a number under ``min``, when the
    # generic range says it less plainly.
    min_message: str | None = None
    # Where the row keeps it: an Accompaniment column (default: the last part of the path),
    # or, for link=True, the relationship of that name (a link table).
    column: str | None = None
    link: bool = False
    # How the form asks for it: buttons, select, chips, line, textarea, number; None when the
    # form maps it by hand (records/forms.py).
    widget: str | None = None
    kinds: tuple[str, ...] = KINDS  # the kinds whose form shows it
    exported: bool = True
    description: str | None = None  # OpenAPI

    @property
    def leaf(self) -> str:
        return self.path.rpartition(".")[2]

    @property
    def parent(self) -> str | None:
        return self.path.rpartition(".")[0] or None

    @property
    def column_name(self) -> str | None:
        return None if self.link else self.column or self.leaf

    @property
    def empty(self):
        """The value an absent field gets."""
        if self.default is not None:
            return self.default
        return [] if self.type == "codes" else None

    def rule(self) -> dict:
        """The judge's rule, as the tablets receive it (only the keys that apply)."""
        rule = {"type": self.type}
        for key in ("required", "choices", "min", "max", "max_length", "max_future_seconds", "min_message",
                    "default"):
            value = getattr(self, key)
            if value not in (None, False):
                rule[key] = value
        return rule


_INDIVIDUAL = ("individual",)
_PEOPLE = ("individual", "quick_help", "free_access")

FIELDS: tuple[Field, ...] = (
    Field("kind", N_("Type"), "code", "kinds", vocab.KINDS, required=True, widget="buttons"),
    Field("agency", N_("Agence"), "code", "agencies", required=True, column="agency_code", widget="select"),
    Field("occurred_at", N_("Date et heure"), "datetime", required=True, min=PILOT_START,
          max_future_seconds=int(MAX_FUTURE.total_seconds())),
    Field("duration_minutes", N_("Durée"), "integer", min=1, max=480, min_message="duration_min"),
    Field("participants", N_("Nombre de participants"), "integer", min=1, max=200, default=1, widget="number",
          kinds=("workshop", "quick_help", "free_access")),
    Field("partners", N_("Partenaires"), "codes", "partners", link=True, widget="chips",
          kinds=("individual", "quick_help", "workshop")),
    Field("procedures", N_("Démarches"), "codes", "procedures", link=True, widget="chips",
          kinds=("individual", "quick_help", "workshop")),
    Field("procedure_detail", N_("Précision sur la démarche"), "text", max_length=200, widget="line",
          kinds=("individual", "quick_help", "workshop")),
    Field("topics", N_("Thèmes numériques"), "codes", "topics", link=True, widget="chips"),
    Field("equipment", N_("Matériel utilisé"), "codes", "equipment", vocab.EQUIPMENT, widget="chips"),
    Field("beneficiary.age_band", N_("Âge"), "code", "age_bands", vocab.AGE_BANDS, default="unknown",
          widget="buttons", kinds=_PEOPLE),
    Field("beneficiary.gender", N_("Genre"), "code", "genders", vocab.GENDERS, default="unknown",
          widget="buttons", kinds=_PEOPLE),
    Field("beneficiary.status", N_("Situation professionnelle"), "code", "statuses", vocab.STATUSES,
          default="unknown", widget="buttons", kinds=_PEOPLE),
    Field("beneficiary.situations", N_("Situations"), "codes", "situations", vocab.SITUATIONS, widget="chips",
          kinds=_PEOPLE),
    Field("beneficiary.commune", N_("Commune de résidence"), "code", "communes", column="commune_code",
          kinds=_PEOPLE, description="INSEE code of one of the 33 communes."),
    Field("beneficiary.returning", N_("Visite"), "boolean", column="returning_visit",  # an SQL keyword
          kinds=_PEOPLE),
    Field("beneficiary.language", N_("Langue parlée"), "code", "spoken_languages", vocab.SPOKEN_LANGUAGES,
          widget="select", kinds=_PEOPLE),
    Field("beneficiary.card", N_("Carte de suivi"), "card", widget="line", kinds=_PEOPLE,
          description=f"Follow-up card code: {CODE_LENGTH} characters of {ALPHABET}, "
                      "the last a Luhn mod 32 check character."),
    Field("autonomy", N_("Autonomie"), "code", "autonomy", vocab.AUTONOMY, widget="buttons", kinds=_INDIVIDUAL),
    Field("outcome", N_("Résultat"), "code", "outcomes", vocab.OUTCOMES, widget="buttons", kinds=_INDIVIDUAL),
    Field("blockers", N_("Ce qui a bloqué"), "codes", "blockers", vocab.BLOCKERS, widget="chips",
          kinds=_INDIVIDUAL),
    Field("redirected_to", N_("Orienté vers"), "code", "redirect_targets", widget="select", kinds=_INDIVIDUAL),
    Field("workshop_title", N_("Titre de l’atelier"), "text", max_length=200, widget="line", kinds=("workshop",)),
    Field("workshop_level", N_("Niveau de l’atelier"), "code", "workshop_levels", vocab.WORKSHOP_LEVELS,
          widget="buttons", kinds=("workshop",)),
    Field("notes", N_("Notes"), "text", max_length=1000, widget="textarea", exported=False),  # never leave the server
)

BY_PATH = {field.path: field for field in FIELDS}
# Contract field -> its closed list, for every enumerated field (labels and choices).
FIELD_VOCABULARIES = {field.path: field.vocabulary for field in FIELDS if field.vocabulary}
# Named list -> its closed list: what the judge needs besides the reference catalogues.
VOCABULARY_LISTS = {field.choices: field.vocabulary for field in FIELDS if field.vocabulary}
STORED = tuple(field for field in FIELDS if not field.link)
LINKED = tuple(field for field in FIELDS if field.link)


def get(data: dict, path: str):
    """The value at ``path`` ("beneficiary.card") of a record's data, None when absent."""
    node = data
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def put(data: dict, path: str, value) -> None:
    """Set the value at ``path``, making the parent object if needed."""
    parent, _, leaf = path.rpartition(".")
    (data.setdefault(parent, {}) if parent else data)[leaf] = value


def data_of_row(row, links: dict[str, list[str]]) -> dict:
    """The contract's data of a stored row (a model instance or a Core row: its columns as
    attributes), the codes of its link tables given by field; times as stored (UTC)."""
    data: dict = {}
    for field in FIELDS:
        if field.link:
            value = sorted(links.get(field.path) or [])
        else:
            value = getattr(row, field.column_name)
            if field.type == "codes":
                value = list(value or [])
        put(data, field.path, value)
    return data


def columns_of(clean: dict) -> dict:
    """Column values of a judged record (link tables apart)."""
    columns = {}
    for field in STORED:
        value = get(clean, field.path)
        if field.type == "codes":
            value = list(value or [])
        elif value is None:
            value = field.default
        columns[field.column_name] = value
    return columns
