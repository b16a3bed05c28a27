"""The menu, by role: each area adds its entries here, so the header never links to a page a user cannot open."""

from flask import current_app, request
from flask_login import current_user

from .i18n import N_, gettext

# Every role that sees figures; translators see only the catalogues of their languages.
ALL_ROLES = ("advisor", "manager", "partner", "coordinator", "admin")
EVERYONE = (*ALL_ROLES, "translator")

# (endpoint, label, roles allowed)
MENU = [
    ("main.home", N_("Accueil"), EVERYONE),
    ("dashboard.index", N_("Tableau de bord"), ALL_ROLES),
    ("dashboard.devices", N_("Appareils"), ("manager", "coordinator", "admin")),
    ("records.new", N_("Nouvel accompagnement"), ("advisor", "manager", "admin")),
    ("records.index", N_("Accompagnements"), ("advisor", "manager", "coordinator", "admin")),
    ("records.follow_up_search", N_("Suivi d’une carte"), ("advisor", "manager", "coordinator", "admin")),
    ("pwa.sync_status", N_("Synchronisation"), ("advisor", "manager", "admin")),
    ("admin.users", N_("Utilisateurs"), ("admin",)),
    ("admin.agencies", N_("Agences"), ("admin",)),
    ("admin.reference_lists", N_("Référentiels"), ("admin",)),
    ("admin.languages", N_("Langues"), ("admin", "coordinator", "translator")),
    ("admin.audit_trail", N_("Journal"), ("admin",)),
    ("admin.erase_card", N_("Effacer une carte"), ("coordinator", "admin")),
    ("main.account", N_("Mon compte"), EVERYONE),
]


def menu_for_current_user() -> list[dict]:
    """The entries the signed-in user may open, with the current one marked."""
    if not current_user.is_authenticated:
        return []
    return [
        {"endpoint": endpoint, "label": gettext(label), "current": request.endpoint == endpoint}
        for endpoint, label, roles in MENU
        if current_user.role in roles
    ]


def may_open(endpoint: str) -> bool:
    """Whether the signed-in user may open a page (the roles its guard allows)."""
    roles = getattr(current_app.view_functions[endpoint], "allowed_roles", ())
    return not roles or current_user.role in roles


def init_app(app) -> None:
    app.context_processor(lambda: {"menu": menu_for_current_user()})
