"""Agencies as an admin manages them: add, rename, attach to a commune, deactivate. Each action is
one transaction with its audit entry (the caller commits). The tablets see every change at their
next refresh: the reference document's version is a hash of its content, agencies included.

A deactivated agency keeps its records, which still count; it takes no record: the judge refuses
one for it (accompaniments/judge.py, "agency_closed"), from the form as from a tablet's push.
"""

from __future__ import annotations

from . import audit
from .extensions import db
from .models import Agency, Commune, User


def facts(agency: Agency) -> dict:
    return {"name": agency.name, "commune": agency.commune_code, "province": agency.province,
            "active": agency.active}


def add(actor: User, code: str, name: str, commune_code: str) -> Agency:
    commune = db.session.get(Commune, commune_code)
    agency = Agency(code=code, name=name, commune_code=commune.code, province=commune.province, active=True)
    db.session.add(agency)
    audit.record(actor, "agency.add", f"agency/{code}", after=facts(agency))
    return agency


def update(actor: User, agency: Agency, name: str, commune_code: str) -> bool:
    """Rename, or attach to another commune (the province follows); False when nothing changed."""
    before = facts(agency)
    commune = db.session.get(Commune, commune_code)
    agency.name, agency.commune_code, agency.province = name, commune.code, commune.province
    if facts(agency) == before:
        return False
    audit.record(actor, "agency.update", f"agency/{agency.code}", before=before, after=facts(agency))
    return True


def set_active(actor: User, agency: Agency, active: bool) -> None:
    before = facts(agency)
    agency.active = active
    audit.record(actor, "agency.activate" if active else "agency.deactivate", f"agency/{agency.code}",
                 before=before, after=facts(agency))
