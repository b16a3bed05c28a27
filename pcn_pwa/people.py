"""The people who sign in, as an admin manages them: create, hand over a one-time password,
reset it, deactivate, move to another agency. Each action is one transaction with its audit
entry (the caller commits); ``flask users`` shares the rules of where a role works.
"""

from __future__ import annotations

import secrets

from . import audit
from .auth import sign_ins
from .extensions import db
import sqlalchemy as sa

from .models import AGENCY_ROLES, Agency, Language, Partner, SignIn, User

MIN_PASSWORD_LENGTH = 10
# One-time passwords are read aloud or copied from a screen: no 0/o, 1/l/i.
ONE_TIME_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def one_time_password() -> str:
    """Three groups of four characters (about 59 bits): ``k7pm-x3qa-9dtr``."""
    return "-".join("".join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(4)) for _ in range(3))


def placement_problem(role: str, agency_code: str | None, partner_code: str | None) -> str | None:
    """What is wrong with where an account of ``role`` works, as a key each front words in its
    language (the page in French at its field, ``flask users`` in English); None when right."""
    if role in AGENCY_ROLES:
        if not agency_code:
            return "agency_required"
        agency = db.session.get(Agency, agency_code)
        if agency is None:
            return "agency_unknown"
        if not agency.active:
            return "agency_inactive"
    elif agency_code:
        return "agency_not_for_role"
    if role == "partner":
        if not partner_code:
            return "partner_required"
        partner = db.session.get(Partner, partner_code)
        if partner is None:
            return "partner_unknown"
        if not partner.active:
            return "partner_retired"
    elif partner_code:
        return "partner_not_for_role"
    return None


def facts(user: User) -> dict:
    """An account as the audit trail keeps it (never a password)."""
    return {"username": user.username, "display_name": user.display_name, "role": user.role,
            "agency": user.agency_code, "partner": user.partner_code, "active": user.active}


def create(actor: User, username: str, display_name: str, role: str, agency_code: str | None,
           partner_code: str | None) -> tuple[User, str]:
    """A new account with a one-time password to hand over; returns both."""
    password = one_time_password()
    user = User(username=User.normalise_username(username), display_name=display_name or username, role=role,
                agency_code=agency_code if role in AGENCY_ROLES else None,
                partner_code=partner_code if role == "partner" else None, must_change_password=True)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()  # its id, for the trail
    audit.record(actor, "user.create", f"user/{user.id}", after=facts(user))
    return user, password


def reset_password(actor: User, user: User) -> str:
    """A new one-time password; every sign-in of the account ends."""
    password = one_time_password()
    user.set_password(password)
    user.must_change_password = True
    ended = sign_ins.end_all(user)
    audit.record(actor, "user.reset_password", f"user/{user.id}", after={"username": user.username,
                                                                         "sign_ins_ended": ended})
    return password


def set_active(actor: User, user: User, active: bool) -> None:
    """Deactivate (every sign-in ends; records stay) or reactivate an account."""
    before = facts(user)
    user.active = active
    if not active:
        sign_ins.end_all(user)
    audit.record(actor, "user.activate" if active else "user.deactivate", f"user/{user.id}", before=before,
                 after=facts(user))


def move(actor: User, user: User, agency_code: str) -> None:
    """Move an advisor or manager to another agency. Their past records stay with the agency
    where they were made (a record names its agency; nothing is rewritten)."""
    before = facts(user)
    user.agency_code = agency_code
    audit.record(actor, "user.move", f"user/{user.id}", before=before, after=facts(user))


def assign_languages(actor: User, user: User, codes: list[str]) -> bool:
    """The languages a translator works on; False when nothing changed."""
    before = sorted(language.code for language in user.languages)
    if sorted(codes) == before:
        return False
    user.languages = list(db.session.scalars(sa.select(Language).where(Language.code.in_(codes))))
    audit.record(actor, "user.languages", f"user/{user.id}", before={"languages": before},
                 after={"languages": sorted(codes)})
    return True


def change_own_password(user: User, new_password: str, keep: SignIn | None) -> None:
    """The user's own choice of password: the one-time password is spent, and every other
    sign-in of theirs ends (the one here stays)."""
    user.set_password(new_password)
    user.must_change_password = False
    sign_ins.end_all(user, keep=keep)
