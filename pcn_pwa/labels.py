"""Words shown for stored codes (roles, provinces), translated at display time."""

from .i18n import N_, gettext

ROLE_LABELS = {
    "advisor": N_("Conseiller numérique"),
    "manager": N_("Responsable d’agence"),
    "partner": N_("Partenaire"),
    "coordinator": N_("Coordination (gouvernement)"),
    "admin": N_("Administrateur"),
    "translator": N_("Traduction"),
}

PROVINCE_LABELS = {
    "sud": N_("Province Sud"),
    "nord": N_("Province Nord"),
    "iles": N_("Province des Îles Loyauté"),
}


def role_label(code: str) -> str:
    return gettext(ROLE_LABELS.get(code, code))


def province_label(code: str) -> str:
    return gettext(PROVINCE_LABELS.get(code, code))


def kind_label(code: str) -> str:
    from .accompaniments.vocabulary import KINDS

    return gettext(KINDS.get(code, code))


def autonomy_label(code: str) -> str:
    from .accompaniments.vocabulary import AUTONOMY

    return gettext(AUTONOMY.get(code, code))


def init_app(app) -> None:
    from .accompaniments.cards import display as card_display

    app.jinja_env.globals.update(
        role_label=role_label,
        province_label=province_label,
        kind_label=kind_label,
        autonomy_label=autonomy_label,
        card_display=card_display,
    )
    app.jinja_env.filters["gettext"] = gettext
