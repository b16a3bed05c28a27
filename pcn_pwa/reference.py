"""Reference data of the pilot: communes, agencies, partners, procedures and topics.

Codes are stable forever: records cite them. A retired entry is marked inactive, never
deleted, and its code never changes. Labels are French source strings, translated at display
time. These are the lists a new database starts with; after that, an admin manages partners,
procedures and topics in the browser (reference_admin.py), and ``flask seed`` keeps their edits.
"""

from .i18n import N_

# The 33 communes of New Caledonia: INSEE code, name, province.
COMMUNES = [
    ("98801", "Bélep", "nord"),
    ("98802", "Bouloupari", "sud"),
    ("98803", "Bourail", "sud"),
    ("98804", "Canala", "nord"),
    ("98805", "Dumbéa", "sud"),
    ("98806", "Farino", "sud"),
    ("98807", "Hienghène", "nord"),
    ("98808", "Houaïlou", "nord"),
    ("98809", "L’Île-des-Pins", "sud"),
    ("98810", "Kaala-Gomen", "nord"),
    ("98811", "Koné", "nord"),
    ("98812", "Koumac", "nord"),
    ("98813", "La Foa", "sud"),
    ("98814", "Lifou", "iles"),
    ("98815", "Maré", "iles"),
    ("98816", "Moindou", "sud"),
    ("98817", "Le Mont-Dore", "sud"),
    ("98818", "Nouméa", "sud"),
    ("98819", "Ouégoa", "nord"),
    ("98820", "Ouvéa", "iles"),
    ("98821", "Païta", "sud"),
    ("98822", "Poindimié", "nord"),
    ("98823", "Ponérihouen", "nord"),
    ("98824", "Pouébo", "nord"),
    ("98825", "Pouembout", "nord"),
    ("98826", "Poum", "nord"),
    ("98827", "Poya", "nord"),
    ("98828", "Sarraméa", "sud"),
    ("98829", "Thio", "sud"),
    ("98830", "Touho", "nord"),
    ("98831", "Voh", "nord"),
    ("98832", "Yaté", "sud"),
    ("98833", "Kouaoua", "nord"),
]

# The six pilot agencies: code, name, commune, province.
AGENCIES = [
    ("TONTOUTA", "Païta-Tontouta", "98821", "sud"),
    ("BOURAIL", "Bourail", "98803", "sud"),
    ("YATE", "Yaté", "98832", "sud"),
    ("KOUMAC", "Koumac", "98812", "nord"),
    ("KONE", "Koné", "98811", "nord"),
    ("TADINE", "Tadine (Maré)", "98815", "iles"),
]

PARTNERS = [
    ("OPT", "OPT-NC"),
    ("EEC", "EEC"),
    ("CDE", "CDE"),
    ("CAFAT", "Cafat"),
    ("SIC", "SIC"),
    ("GNC", N_("Gouvernement de la Nouvelle-Calédonie")),
    ("PSUD", N_("Province Sud")),
    ("OTHER", N_("Autre partenaire")),
]

# A generic catalogue of online procedures per partner: code, partner, label.
PROCEDURES = [
    ("OPT_ACCOUNT", "OPT", N_("Créer ou ouvrir son espace client")),
    ("OPT_BILL", "OPT", N_("Consulter ou payer une facture")),
    ("OPT_TOPUP", "OPT", N_("Recharger un mobile prépayé")),
    ("OPT_BANKING", "OPT", N_("Consulter ses comptes et faire un virement")),
    ("OPT_PARCEL", "OPT", N_("Suivre un colis")),
    ("EEC_ACCOUNT", "EEC", N_("Créer ou ouvrir son espace client")),
    ("EEC_BILL", "EEC", N_("Consulter ou payer une facture")),
    ("EEC_METER", "EEC", N_("Transmettre un relevé de compteur")),
    ("EEC_CONTRACT", "EEC", N_("Souscrire, modifier ou résilier un contrat")),
    ("CDE_ACCOUNT", "CDE", N_("Créer ou ouvrir son espace client")),
    ("CDE_BILL", "CDE", N_("Consulter ou payer une facture")),
    ("CDE_CONTRACT", "CDE", N_("Souscrire, modifier ou résilier un contrat")),
    ("CAFAT_ACCOUNT", "CAFAT", N_("Créer ou ouvrir son compte en ligne")),
    ("CAFAT_CERTIFICATE", "CAFAT", N_("Télécharger une attestation de droits")),
    ("CAFAT_REIMBURSEMENT", "CAFAT", N_("Suivre ses remboursements")),
    ("CAFAT_UNEMPLOYMENT", "CAFAT", N_("Demander ou actualiser ses allocations chômage")),
    ("CAFAT_FAMILY", "CAFAT", N_("Demander une prestation familiale")),
    ("CAFAT_DETAILS", "CAFAT", N_("Mettre à jour ses coordonnées")),
    ("SIC_HOUSING_REQUEST", "SIC", N_("Déposer ou renouveler une demande de logement")),
    ("SIC_TENANT_ACCOUNT", "SIC", N_("Ouvrir son espace locataire")),
    ("SIC_RENT", "SIC", N_("Payer son loyer")),
    ("SIC_REPAIR", "SIC", N_("Signaler une réparation")),
    ("GNC_TAX_RETURN", "GNC", N_("Déclarer ses revenus")),
    ("GNC_TAX_PAYMENT", "GNC", N_("Payer un impôt ou une taxe")),
    ("GNC_VEHICLE", "GNC", N_("Démarche de carte grise")),
    ("GNC_CERTIFICATE", "GNC", N_("Télécharger un document officiel")),
    ("GNC_APPOINTMENT", "GNC", N_("Prendre rendez-vous")),
    ("PSUD_SOCIAL_AID", "PSUD", N_("Demander une aide sociale")),
    ("PSUD_SCHOLARSHIP", "PSUD", N_("Demander une bourse scolaire")),
    ("PSUD_JOB_SEEKER", "PSUD", N_("S’inscrire ou s’actualiser comme demandeur d’emploi")),
    ("PSUD_APPOINTMENT", "PSUD", N_("Prendre rendez-vous")),
    ("OTHER_ACCOUNT", "OTHER", N_("Créer un compte en ligne")),
    ("OTHER_REQUEST", "OTHER", N_("Déposer une demande en ligne")),
    ("OTHER_DETAILS", "OTHER", N_("Mettre à jour ses coordonnées")),
]

# Digital skills worked on with the person: code, label.
TOPICS = [
    ("DEVICE", N_("Prendre en main un appareil")),
    ("BROWSING", N_("Naviguer sur internet")),
    ("EMAIL", N_("Utiliser une messagerie électronique")),
    ("OFFICE", N_("Outils de bureautique")),
    ("ONLINE_SAFETY", N_("Sécurité en ligne et arnaques")),
    ("BANKING_SHOPPING", N_("Banque et achats en ligne")),
    ("JOB_SEARCH", N_("Recherche d’emploi")),
    ("SOCIAL_NETWORKS", N_("Réseaux sociaux et appels vidéo")),
    ("HEALTH", N_("Santé en ligne")),
    ("SCHOOLING", N_("Scolarité en ligne")),
    ("ADMIN_PROCEDURES", N_("Démarches administratives en ligne")),
    ("DOCUMENTS", N_("Scanner, enregistrer et envoyer un document")),
]

# Interface languages (code, native name, French name, enabled). French is the source and
# English ships complete; the local languages of the six sites (and Drehu, Wallisian) are
# known but stay hidden until an admin uploads a real catalogue and enables them.
LANGUAGES = [
    ("fr", "Français", "français", True),
    ("en", "English", "anglais", True),
    ("nen", "Nengone", "nengone", False),  # Tadine, Maré
    ("duf", "Drubea", "drubéa", False),  # Païta-Tontouta
    ("kdk", "Numèè", "numèè", False),  # Yaté
    ("bpk", "Orowe", "orowe", False),  # Bourail
    ("nee", "Nêlêmwa-Nixumwak", "nêlêmwa-nixumwak", False),  # Koumac
    ("aek", "Haeke", "haeke", False),  # Koné
    ("pri", "Paicî", "paicî", False),  # Koné
    ("dhv", "Drehu", "drehu", False),  # Lifou, the most spoken Kanak language
    ("wls", "Fakaʻuvea", "wallisien", False),  # Païta-Tontouta's Wallisian community
]
