"""The reference data a tablet needs offline: catalogues, choices and the rules of a record."""

import hashlib
import json

import sqlalchemy as sa

from ..accompaniments import vocabulary as vocab
from ..accompaniments.fields import BY_PATH, FIELD_VOCABULARIES, KINDS
from ..extensions import db
from ..i18n import available_locales, get_locale, gettext, language_name, reading_order
from ..models import Agency, Commune, Partner, Procedure, Topic
from ..accompaniments.display import FIELD_LABELS
from ..accompaniments.judge import client_rules

# Contract field -> vocabulary, for the "choices" of every enumerated field.
CHOICE_LISTS = {**FIELD_VOCABULARIES, "redirect_places": vocab.REDIRECT_PLACES}


def build_reference() -> dict:
    """Everything of /api/v1/reference but its version, labels in the current language."""
    session = db.session
    ordered = lambda model: session.scalars(sa.select(model).order_by(model.position, model.code)).all()  # noqa: E731
    choices = {
        name: [{"code": code, "label": gettext(label)} for code, label in vocabulary.items()]
        for name, vocabulary in CHOICE_LISTS.items()
    }
    communes = sorted(session.scalars(sa.select(Commune)), key=lambda c: reading_order(c.name))
    choices["beneficiary.commune"] = [{"code": c.code, "label": c.name} for c in communes]
    choices["duration_presets"] = vocab.DURATION_PRESETS
    return {
        "locale": get_locale(),
        "agencies": [a.to_dict() for a in session.scalars(sa.select(Agency).order_by(Agency.name))],
        "partners": [{"code": p.code, "name": gettext(p.name), "active": p.active} for p in ordered(Partner)],
        "procedures": [
            {"code": p.code, "partner": p.partner_code, "label": gettext(p.label), "active": p.active}
            for p in session.scalars(sa.select(Procedure).order_by(Procedure.partner_code, Procedure.position))
        ],
        "topics": [{"code": t.code, "label": gettext(t.label), "active": t.active} for t in ordered(Topic)],
        "languages": [{"code": code, "name": language_name(code)} for code in available_locales()],
        "choices": choices,
        # The names of a record's fields, in reading order, and for those some kinds never ask, the
        # kinds that do: a tablet shows a record in words offline, without what was never asked.
        "fields": [{"code": path, "label": str(label),
                    **({"kinds": list(BY_PATH[path].kinds)} if BY_PATH[path].kinds != KINDS else {})}
                   for path, label in FIELD_LABELS.items()],
        "rules": client_rules(),
    }


def versioned_reference() -> tuple[dict, str]:
    """The reference document with its version: a hash of its content, so it changes when anything does."""
    body = build_reference()
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]
    body["version"] = digest
    return body, digest
