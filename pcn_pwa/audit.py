"""The audit trail: who did what, to what, when, with the values before and after.

``record`` adds the entry to the session of the action it describes, so both are committed or
both rolled back (one transaction). Entries are never changed or deleted: the session refuses
it, whatever code asks, and no page offers it.
"""

from __future__ import annotations

import sqlalchemy as sa

from .extensions import db
from .i18n import N_, gettext
from .models import AuditEntry, User

# Every action the trail knows, with its words (an unknown one is refused, not written).
ACTIONS = {
    "sign_in.end": N_("Connexion terminée"),
    "sign_in.end_all": N_("Toutes les connexions d’un compte terminées"),
    "user.create": N_("Compte créé"),
    "user.reset_password": N_("Mot de passe réinitialisé"),
    "user.deactivate": N_("Compte désactivé"),
    "user.activate": N_("Compte réactivé"),
    "user.move": N_("Compte changé d’agence"),
    "user.languages": N_("Langues confiées à un traducteur"),
    "agency.add": N_("Agence ajoutée"),
    "agency.update": N_("Agence modifiée"),
    "agency.deactivate": N_("Agence désactivée"),
    "agency.activate": N_("Agence réactivée"),
    "reference.add": N_("Entrée de référentiel ajoutée"),
    "reference.rename": N_("Entrée de référentiel renommée"),
    "reference.move": N_("Entrée de référentiel déplacée"),
    "reference.retire": N_("Entrée de référentiel retirée"),
    "reference.restore": N_("Entrée de référentiel rétablie"),
    "language.add": N_("Langue ajoutée"),
    "language.enable": N_("Langue activée"),
    "language.disable": N_("Langue désactivée"),
    "catalogue.upload": N_("Catalogue téléversé"),
    "catalogue.publish": N_("Catalogue publié"),
    "catalogue.restore": N_("Catalogue précédent restauré"),
    "record.restore": N_("Accompagnement restauré"),
    "records.erase_card": N_("Données d’une carte de suivi effacées"),
    "records.retention": N_("Durée de conservation appliquée"),
    "export.download": N_("Export téléchargé"),
    "audit.export": N_("Journal exporté"),
}


class AuditTrailIsAppendOnly(Exception):
    """Raised when anything tries to change or delete an audit entry."""


def action_label(action: str) -> str:
    return gettext(ACTIONS.get(action, action))


def record(actor: User | None, action: str, target: str, before: dict | None = None,
           after: dict | None = None) -> AuditEntry:
    """Add an entry to the current transaction; the caller commits it with the action."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}: add it to audit.ACTIONS")
    entry = AuditEntry(actor_id=actor.id if actor is not None else None,
                       actor_name=actor.username if actor is not None else "(commande)",
                       action=action, target=target[:200], before=before, after=after)
    db.session.add(entry)
    return entry


def record_download(actor: User, filename: str, filters: dict, action: str = "export.download") -> None:
    """A download is a read: its entry is written and committed before the file is sent, in a
    transaction of its own (the request's read one is ended first: on SQLite a read turned
    write can fail when another worker wrote in between)."""
    db.session.commit()
    record(actor, action, f"export/{filename}", after=filters)
    db.session.commit()


@sa.event.listens_for(AuditEntry, "before_update")
@sa.event.listens_for(AuditEntry, "before_delete")
def _refuse_changes(mapper, connection, entry):
    """An entry once written stays as it was (mapper events: no cost to other tables' flushes)."""
    raise AuditTrailIsAppendOnly("audit entries are never changed or deleted")
