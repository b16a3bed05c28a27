"""The closed lists of an accompaniment's fields (sync contract), with the words advisors see.

Codes are what records store and tablets send; labels are French source strings,
translated at display time. The order is the order shown in the form.
"""

from ..i18n import N_

KINDS = {
    "individual": N_("Accompagnement individuel"),
    "quick_help": N_("Question rapide"),
    "free_access": N_("Accès libre à un poste"),
    "workshop": N_("Atelier collectif"),
}

# Big buttons on the form; "other" opens a number field.
DURATION_PRESETS = [5, 15, 30, 45, 60, 90, 120]

EQUIPMENT = {
    "agency_computer": N_("Ordinateur de l’agence"),
    "agency_tablet": N_("Tablette de l’agence"),
    "own_phone": N_("Son téléphone"),
    "own_computer": N_("Son ordinateur"),
    "own_tablet": N_("Sa tablette"),
    "none": N_("Aucun"),
}

AGE_BANDS = {
    "unknown": N_("Non communiqué"),
    "lt18": N_("Moins de 18 ans"),
    "18_24": N_("18 à 24 ans"),
    "25_39": N_("25 à 39 ans"),
    "40_59": N_("40 à 59 ans"),
    "60_69": N_("60 à 69 ans"),
    "70_plus": N_("70 ans et plus"),
}

GENDERS = {
    "unknown": N_("Non communiqué"),
    "f": N_("Femme"),
    "m": N_("Homme"),
}

STATUSES = {
    "unknown": N_("Non communiqué"),
    "employed": N_("En emploi"),
    "job_seeker": N_("Demandeur d’emploi"),
    "retired": N_("Retraité"),
    "student": N_("Élève ou étudiant"),
    "other": N_("Autre situation"),
}

SITUATIONS = {
    "social_difficulty": N_("En difficulté sociale"),
    "disability": N_("En situation de handicap"),
    "no_computer_at_home": N_("Pas d’ordinateur à la maison"),
    "no_internet_at_home": N_("Pas d’internet à la maison"),
}

# The programme's rule: accompany, not do in their place. Words an advisor reads at a glance.
AUTONOMY = {
    "done_by_advisor": N_("J’ai fait à sa place"),
    "guided": N_("Guidé pas à pas"),
    "partly_autonomous": N_("Autonome avec un peu d’aide"),
    "autonomous": N_("Autonome"),
}

OUTCOMES = {
    "completed": N_("Démarche terminée"),
    "to_finish_alone": N_("À terminer seul"),
    "must_return": N_("Doit revenir"),
    "redirected": N_("Orienté ailleurs"),
    "not_possible": N_("Pas possible"),
}

BLOCKERS = {
    "missing_document": N_("Document manquant"),
    "no_email": N_("Pas d’adresse e-mail"),
    "lost_credentials": N_("Identifiants perdus"),
    "service_unavailable": N_("Service en ligne indisponible"),
    "network_down": N_("Réseau coupé"),
    "language": N_("Barrière de la langue"),
    "other": N_("Autre blocage"),
}

# Where a person can be sent, besides a partner (partner codes are also accepted).
REDIRECT_PLACES = {
    "social_services": N_("Services sociaux"),
    "employment_services": N_("Services de l’emploi"),
    "town_hall": N_("Mairie"),
    "other": N_("Ailleurs"),
}

WORKSHOP_LEVELS = {
    "beginner": N_("Débutant"),
    "intermediate": N_("Intermédiaire"),
    "advanced": N_("Avancé"),
}

# Languages a person may speak at the counter (not the interface languages).
SPOKEN_LANGUAGES = {
    "fr": N_("Français"),
    "dhv": N_("Drehu"),
    "nen": N_("Nengone"),
    "iai": N_("Iaai"),
    "pri": N_("Paicî"),
    "aji": N_("Ajië"),
    "duf": N_("Drubea"),
    "kdk": N_("Numèè"),
    "bpk": N_("Orowe"),
    "nee": N_("Nêlêmwa-Nixumwak"),
    "aek": N_("Haeke"),
    "cam": N_("Cèmuhî"),
    "wls": N_("Wallisien"),
    "fud": N_("Futunien"),
    "ty": N_("Tahitien"),
    "bi": N_("Bichelamar"),
    "vi": N_("Vietnamien"),
    "id": N_("Indonésien"),
    "en": N_("Anglais"),
    "other": N_("Autre langue"),
}
