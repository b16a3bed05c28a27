"""The reference lists as an admin manages them: partners, procedures and digital-skill topics.

An admin adds an entry, renames it, moves it up or down its list, retires it and restores it. Codes
never change: records cite them. Each action is one transaction with its audit entry, values before
and after (the caller commits). Every change reaches the tablets at their next refresh: the reference
document's version is a hash of its content, which holds every entry's label, place and state.

A retired entry leaves the record form for new records but stays valid and labelled: old records
keep it, an edited record keeps showing it, and a tablet's push citing it is ``created`` (see
``accompaniments/judge.py``, ``judge(..., refuse_retired=...)``, for why pushes accept it). A
retired partner keeps its figures and its partner accounts; its procedures leave the form with it
(they are grouped under their partner) and come back when it is restored.

Labels are French, the source language: they are shown through ``gettext`` like the seed's, so a
translation catalogue that holds them translates them, else the French shows (``label_msgids``).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so
from babel.messages.pofile import escape

from . import audit, reference
from .extensions import db
from .i18n import N_, catalogues
from .models import Partner, Procedure, Topic, User


@dataclass(frozen=True)
class Kind:
    """One reference list: its model, the column of its label, its words and its URL segment."""

    name: str  # "partner": the audit target's prefix
    slug: str  # the admin page's URL segment, in French
    model: type
    label_column: str  # Partner.name, Procedure.label, Topic.label
    max_code: int
    max_label: int
    title: str
    singular: str


KINDS = {
    "partenaires": Kind("partner", "partenaires", Partner, "name", 16, 120,
                        N_("Partenaires"), N_("partenaire")),
    "demarches": Kind("procedure", "demarches", Procedure, "label", 48, 160,
                      N_("Démarches"), N_("démarche")),
    "themes": Kind("topic", "themes", Topic, "label", 48, 160,
                   N_("Compétences numériques"), N_("compétence numérique")),
}


def label_of(entry) -> str:
    """An entry's French label, whatever its kind calls it."""
    return entry.name if isinstance(entry, Partner) else entry.label


def facts(entry) -> dict:
    """What the audit trail keeps of an entry, before and after an action."""
    values = {"label": label_of(entry), "position": entry.position, "active": entry.active}
    if isinstance(entry, Procedure):
        values["partner"] = entry.partner_code
    return values


def _target(kind: Kind, code: str) -> str:
    return f"{kind.name}/{code}"


def siblings(kind: Kind, entry) -> list:
    """The entries an entry is ordered among, in order: its list, or its partner's procedures."""
    model = kind.model
    query = sa.select(model)
    if model is Procedure:
        query = query.where(Procedure.partner_code == entry.partner_code)
    return db.session.scalars(query.order_by(model.position, model.code)).all()


def entries(kind: Kind) -> list:
    """Every entry of a kind, in the form's order (procedures grouped by partner, in the partners' order)."""
    model = kind.model
    if model is Procedure:
        return db.session.scalars(sa.select(Procedure).join(Partner).options(so.contains_eager(Procedure.partner))
                                  .order_by(Partner.position, Partner.code, Procedure.position,
                                            Procedure.code)).all()
    return db.session.scalars(sa.select(model).order_by(model.position, model.code)).all()


def add(actor: User, kind: Kind, code: str, label: str, partner_code: str | None = None):
    """A new entry, active, at the end of its list (of its partner's procedures)."""
    model = kind.model
    values = {"code": code, kind.label_column: label, "active": True}
    group = sa.select(sa.func.max(model.position))
    if model is Procedure:
        values["partner_code"] = partner_code
        group = group.where(Procedure.partner_code == partner_code)
    last = db.session.scalar(group)
    entry = model(**values, position=0 if last is None else last + 1)
    db.session.add(entry)
    audit.record(actor, "reference.add", _target(kind, code), after=facts(entry))
    return entry


def rename(actor: User, kind: Kind, entry, label: str) -> bool:
    """A new label (the code stays); False when it is the same."""
    if label_of(entry) == label:
        return False
    before = facts(entry)
    setattr(entry, kind.label_column, label)
    audit.record(actor, "reference.rename", _target(kind, entry.code), before=before, after=facts(entry))
    return True


def move(actor: User, kind: Kind, entry, step: int) -> bool:
    """Move an entry one place up (-1) or down (+1) its list; False at either end.

    The list is numbered again 0, 1, 2… so that places stay distinct whatever they were."""
    ordered = siblings(kind, entry)
    index = ordered.index(entry)
    other = index + step
    if step not in (-1, 1) or not 0 <= other < len(ordered):
        return False
    before = {**facts(entry), "order": [item.code for item in ordered]}
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, item in enumerate(ordered):
        item.position = position
    audit.record(actor, "reference.move", _target(kind, entry.code), before=before,
                 after={**facts(entry), "order": [item.code for item in ordered]})
    return True


def set_active(actor: User, kind: Kind, entry, active: bool) -> bool:
    """Retire an entry (it leaves the form, stays valid for records) or restore it; False if unchanged."""
    if entry.active == active:
        return False
    before = facts(entry)
    entry.active = active
    audit.record(actor, "reference.restore" if active else "reference.retire", _target(kind, entry.code),
                 before=before, after=facts(entry))
    return True


def label_msgids() -> list[str]:
    """The labels of the three lists that the translators' template (messages.pot) lacks: those an
    admin typed, French as stored. They live only in the database, so the template downloaded by
    translators and the check of their uploads add them (admin/routes.py)."""
    known = {msgid for context, msgid in catalogues.template() if context is None}
    labels = set(db.session.scalars(sa.select(Partner.name)))
    labels |= set(db.session.scalars(sa.select(Procedure.label)))
    labels |= set(db.session.scalars(sa.select(Topic.label)))
    # The seed's labels are in messages.pot, or are names never translated (OPT-NC, Cafat).
    seeded = {row[-1] for rows in (reference.PARTNERS, reference.PROCEDURES, reference.TOPICS) for row in rows}
    return sorted(label for label in labels if label not in known and label not in seeded)


def pot_entries(msgids) -> str:
    """``msgids`` as entries of a .pot file, each with a word for the translator."""
    return "".join(f"\n#. I18N: an entry of the reference lists (partner, procedure or digital skill), "
                   f"named by an admin.\nmsgid {escape(msgid)}\nmsgstr \"\"\n" for msgid in msgids)
