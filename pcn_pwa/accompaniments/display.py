"""How a record reads to a person: field names and values in words, for pages and comparisons."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import g

from ..extensions import db
from ..i18n import _, _l, format_datetime, gettext
from ..models import Agency, Commune, Partner, Procedure, Topic
from . import cards, fields
from . import vocabulary as vocab

# Every field of a record, in reading order, with its name in the interface.
FIELD_LABELS = {field.path: _l(field.label) for field in fields.FIELDS}
VOCABULARY_OF = fields.FIELD_VOCABULARIES


def catalogue_labels() -> dict[str, dict[str, str]]:
    """Names of agencies, partners, procedures, topics and communes, loaded once per request."""
    if "catalogue_labels" not in g:
        session = db.session
        g.catalogue_labels = {
            "agency": dict(session.execute(sa.select(Agency.code, Agency.name)).all()),
            "partners": dict(session.execute(sa.select(Partner.code, Partner.name)).all()),
            "procedures": dict(session.execute(sa.select(Procedure.code, Procedure.label)).all()),
            "topics": dict(session.execute(sa.select(Topic.code, Topic.label)).all()),
            "beneficiary.commune": dict(session.execute(sa.select(Commune.code, Commune.name)).all()),
        }
    return g.catalogue_labels


def code_label(path: str, code: str) -> str:
    """The words for one code of field ``path``."""
    if path in VOCABULARY_OF:
        label = VOCABULARY_OF[path].get(code)
        return gettext(label) if label else code
    labels = catalogue_labels()
    if path == "redirected_to":
        label = labels["partners"].get(code) or vocab.REDIRECT_PLACES.get(code)
        return gettext(label) if label else code
    names = labels.get(path, {})
    if path in ("agency", "beneficiary.commune"):
        return names.get(code, code)  # proper names are not translated
    return gettext(names[code]) if code in names else code


def show_value(path: str, value) -> str:
    """A field's value in words ("" when absent)."""
    if value is None or value == [] or value == "":
        return ""
    kind = fields.BY_PATH[path].type
    if isinstance(value, list):
        return ", ".join(code_label(path, code) for code in value)
    if kind == "datetime":
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
        return format_datetime(moment, "short")
    if path == "duration_minutes":
        return _("%(num)s min", num=value)
    if path == "beneficiary.returning":
        return _("Déjà venu") if value else _("Première visite")
    if kind == "card":
        return cards.display(value)
    if kind == "code":
        return code_label(path, value)
    return str(value)


def describe(data: dict, *, skip_empty: bool = True) -> list[tuple[str, str, str]]:
    """``(path, label, value in words)`` for each field of a record's data, but those its kind's
    form never asks (a workshop's « Âge : Non communiqué » would say something never asked)."""
    rows = []
    kind = data.get("kind")
    for path, label in FIELD_LABELS.items():
        if kind in fields.KINDS and kind not in fields.BY_PATH[path].kinds:
            continue
        text = show_value(path, fields.get(data, path))
        if text or not skip_empty:
            rows.append((path, str(label), text))
    return rows


def compare(mine: dict, theirs: dict) -> list[tuple[str, str, str, bool]]:
    """Both versions side by side: ``(label, mine, theirs, differs)`` for every field either has."""
    rows = []
    for path, label in FIELD_LABELS.items():
        left, right = show_value(path, fields.get(mine, path)), show_value(path, fields.get(theirs, path))
        if left or right:
            rows.append((str(label), left, right, left != right))
    return rows
