"""Interface strings used by the page scripts, from the same catalogue as the pages.

Scripts load them as a JSON file whose URL carries a digest of the strings: it changes exactly
when a catalogue publish changes them, so browsers and the service worker may keep each version
for good (no inline JSON: the offline shell of every language shares one cached copy).
"""

from flask import g, url_for

from ..i18n import N_, get_locale, gettext
from ..i18n.catalogues import strings_digest

JS_STRINGS = {
    "online": N_("En ligne"),
    "offline": N_("Hors ligne"),
    "waiting": N_("%(num)s en attente"),
    "all_sent": N_("Tout est envoyé"),
    "last_sync": N_("Dernier envoi : %(when)s"),
    "nothing_to_send": N_("Rien à envoyer"),
    "progress": N_("%(sent)s / %(total)s envoyés"),
    "error_auth": N_("Session expirée : reconnectez-vous. Vos enregistrements restent sur la tablette."),
    "error_network": N_("Pas de réseau : nouvel essai automatique."),
    "error_server": N_("Le serveur ne répond pas correctement : nouvel essai automatique."),
    "error_refused": N_("Envoi refusé par le serveur : nouvel essai plus tard."),
    "finish_first": N_("Terminez d’abord l’enregistrement en cours, puis mettez à jour."),
    "logout_unsent": N_("%(num)s accompagnement(s) pas encore envoyé(s). Ils resteront sur cette tablette et "
                        "partiront à votre prochaine connexion. Se déconnecter quand même ?"),
    "saved_on_device": N_("Enregistré sur la tablette."),
    "sent_to_server": N_("Envoyé au serveur."),
    "not_saved_fix": N_("L’accompagnement n’est pas enregistré : corrigez les champs signalés."),
    "not_saved_device": N_("L’accompagnement n’a pas pu être gardé sur la tablette (stockage plein ou refusé). "
                           "Rien n’est effacé du formulaire : réessayez."),
    "sync_now": N_("Synchroniser"),
    "state_pending": N_("En attente"),
    # I18N: a mark on a record still on the tablet, not yet sent to the server.
    "waiting_badge": N_("en attente"),
    "state_sending": N_("Envoi en cours"),
    "state_synced": N_("Envoyé"),
    "state_conflict": N_("Modifié ailleurs : à vous de choisir"),
    "state_invalid": N_("À corriger"),
    "state_forbidden": N_("Refusé"),
    "keep_mine": N_("Garder ma version"),
    "keep_theirs": N_("Garder la version du serveur"),
    "fix": N_("Corriger"),
    "mine": N_("Ma version"),
    "theirs": N_("Version du serveur"),
    "storage_persisted": N_("Stockage protégé : le navigateur ne l’effacera pas de lui-même."),
    "storage_not_persisted": N_("Stockage non protégé : le navigateur pourrait l’effacer s’il manque de place."),
    # I18N: sizes already written with their unit, e.g. "0,4 Mo utilisés sur 10 Go".
    "storage_usage": N_("%(used)s utilisés sur %(quota)s"),
    "storage_low": N_("Attention : il reste moins d’un cinquième de l’espace. Synchronisez dès que possible."),
    "nothing_here": N_("Aucun enregistrement sur cette tablette."),
    "card_given": N_("Carte de suivi à remettre : %(code)s"),
    "language_not_offline": N_("Cette langue n’est pas encore disponible hors ligne."),
    "language_loses_input": N_("Changer de langue efface ce qui n’est pas encore enregistré. Changer quand même ?"),
    # A record in words on the tablet (static/js/record-view.js), as accompaniments/display.py writes it.
    "minutes": N_("%(num)s min"),
    "returning": N_("Déjà venu"),
    "first_visit": N_("Première visite"),
    "field": N_("Champ"),
    "card_history": N_("Suivi de la carte %(code)s"),
    "visits": N_("Visites : %(num)s"),
    "copy_of": N_("Copie reçue le %(when)s."),
    "never_pulled": N_("Pas encore de copie reçue sur cette tablette."),
    "edit_title": N_("Modifier l’accompagnement"),
    "edit_on_device": N_("Hors ligne : la modification reste sur la tablette et partira dès que le réseau revient."),
    # The sync bar: what the advisor should do, if anything (static/js/strings.js).
    "advice_sending": N_("Rien à faire : l’envoi se termine tout seul."),
    "advice_offline": N_("Rien à faire : ils partiront d’eux-mêmes au retour du réseau."),
    "advice_waiting": N_("Rien à faire : ils partent tout seuls dans un instant (ou touchez « Synchroniser »)."),
    "advice_to_fix": N_("%(num)s à revoir : ouvrez la page Synchronisation pour corriger ou choisir la version "
                        "à garder."),
    # I18N: on the home page, after a count: part of it is still on this tablet, not yet sent.
    "home_waiting": N_("dont %(num)s en attente sur cet appareil"),
    "edit_missing": N_("Cet accompagnement n’est pas sur cette tablette : il ne peut pas être modifié hors ligne."),
}


def js_strings() -> dict[str, str]:
    """The strings above, in the current language."""
    return {key: gettext(text) for key, text in JS_STRINGS.items()}


def js_strings_url() -> str:
    """Where this page's scripts load the strings: the page's language at its current version
    (with the preview's number when an admin previews an upload, so scripts show it too)."""
    preview = g.get("preview_catalogue")
    return url_for("pwa.script_strings", code=get_locale(), v=strings_digest(js_strings()),
                   apercu=preview.id if preview is not None else None)
