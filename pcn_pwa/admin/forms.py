"""Forms of the admin area."""

import re
import unicodedata

import sqlalchemy as sa
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, SelectMultipleField, StringField, ValidationError
from wtforms.validators import DataRequired, Length, Optional

from ..extensions import db
from ..forms import PCNForm
from ..i18n import _, _l, reading_order
from .. import people
from ..accompaniments import cards
from ..accompaniments.text import FORBIDDEN_CHARS
from ..labels import role_label
from ..records.forms import ChipsField
from ..models import ROLES, Agency, Commune, Language, Partner, Procedure, User

# ISO 639-1 (two letters) or 639-2/639-3 (three letters), as gettext and Accept-Language write them.
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")


def _name(value):
    """Names as typed, composed (NFC): "Nêlêmwa" typed on any keyboard is one string."""
    return unicodedata.normalize("NFC", (value or "").strip())


def visible_text(form, field):
    """No control character or half a surrogate pair in a name (PostgreSQL refuses NUL)."""
    if field.data and FORBIDDEN_CHARS.search(field.data):
        raise ValidationError(_("Ce texte contient un caractère invisible non autorisé : retapez-le."))


class ConfirmForm(PCNForm):
    """A button that changes something: only its CSRF token (checked app-wide before the view)."""


class NewLanguageForm(PCNForm):
    code = StringField(_l("Code ISO 639"), [DataRequired(), Length(max=3)],
                       filters=[lambda value: (value or "").strip().lower()])
    native_name = StringField(_l("Nom dans la langue"), [DataRequired(), Length(max=80), visible_text],
                              filters=[_name])
    french_name = StringField(_l("Nom en français"), [DataRequired(), Length(max=80), visible_text],
                              filters=[_name])

    def validate_code(self, field):
        if not LANGUAGE_CODE.fullmatch(field.data):
            raise ValidationError(_("Deux ou trois lettres minuscules, par exemple « dhv » pour le drehu."))
        if db.session.scalar(sa.select(Language.code).where(Language.code == field.data)):
            raise ValidationError(_("Cette langue existe déjà."))


class UploadForm(PCNForm):
    po_file = FileField(_l("Fichier .po"), [FileRequired(_l("Choisissez un fichier .po."))])


class AuditFilterForm(PCNForm):
    """Filters of the audit trail, read from the URL (a link to a filtered list can be shared)."""

    class Meta:
        csrf = False

    actor = SelectField(_l("Qui"), choices=[], default="")
    action = SelectField(_l("Action"), choices=[], default="")
    start = DateField(_l("Du"), [Optional()])
    end = DateField(_l("Au"), [Optional()])

    def validate_end(self, field):
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError(_("La fin doit venir après le début."))


# people.placement_problem's keys, said at the field they concern.
PLACEMENT_ERRORS = {
    "agency_required": ("agency", _l("Un conseiller ou un responsable travaille dans une agence : choisissez-la.")),
    "agency_unknown": ("agency", _l("Agence inconnue.")),
    "agency_inactive": ("agency", _l("Cette agence est désactivée : choisissez-en une active.")),
    "agency_not_for_role": ("agency", _l("Ce rôle ne travaille pas dans une seule agence : laissez l’agence vide.")),
    "partner_required": ("partner", _l("Un compte partenaire appartient à un partenaire : choisissez-le.")),
    "partner_unknown": ("partner", _l("Partenaire inconnu.")),
    "partner_retired": ("partner", _l("Ce partenaire est retiré : choisissez-en un actif.")),
    "partner_not_for_role": ("partner", _l("Seuls les comptes partenaires ont un partenaire : laissez-le vide.")),
}


def agency_choices(active_only: bool = True) -> list[tuple[str, str]]:
    query = sa.select(Agency).order_by(Agency.name)
    if active_only:
        query = query.where(Agency.active)
    return [("", "—")] + [(agency.code, agency.name) for agency in db.session.scalars(query)]


class PlacedForm(PCNForm):
    """A form whose role, agency and partner must agree (people.placement_problem)."""

    def placement_ok(self, role: str) -> bool:
        problem = people.placement_problem(role, self.agency.data or None,
                                           getattr(self, "partner", None) and self.partner.data or None)
        if problem is None:
            return True
        name, message = PLACEMENT_ERRORS[problem]
        getattr(self, name).errors.append(str(message))
        return False


class NewUserForm(PlacedForm):
    username = StringField(_l("Identifiant"), [DataRequired(), Length(max=64)],
                           filters=[lambda value: User.normalise_username(value or "")])
    display_name = StringField(_l("Nom affiché"), [DataRequired(), Length(max=120), visible_text], filters=[_name])
    role = SelectField(_l("Rôle"), choices=[])
    agency = SelectField(_l("Agence"), choices=[], default="")
    partner = SelectField(_l("Partenaire"), choices=[], default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [(code, role_label(code)) for code in ROLES]
        self.agency.choices = agency_choices()
        self.partner.choices = [("", "—")] + [(partner.code, _(partner.name)) for partner in db.session.scalars(
            sa.select(Partner).where(Partner.active).order_by(Partner.position))]

    def validate_username(self, field):
        if FORBIDDEN_CHARS.search(field.data) or any(char.isspace() for char in field.data):
            raise ValidationError(_("Un identifiant ne contient que des caractères visibles, sans espace."))
        if db.session.scalar(sa.select(User.id).where(User.username == field.data)):
            raise ValidationError(_("Cet identifiant est déjà pris."))

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        return self.placement_ok(self.role.data) and valid


class MoveForm(PlacedForm):
    agency = SelectField(_l("Nouvelle agence"), choices=[], default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.agency.choices = agency_choices()


# Agency codes are written in URLs, tablets and exports: capitals, digits and "_", never changed.
AGENCY_CODE = re.compile(r"[A-Z][A-Z0-9_]{1,31}")


def commune_choices() -> list[tuple[str, str]]:
    communes = sorted(db.session.scalars(sa.select(Commune)), key=lambda commune: reading_order(commune.name))
    return [("", "—")] + [(commune.code, commune.name) for commune in communes]


class AgencyForm(PCNForm):
    """An agency's name and commune (its province follows from the commune)."""

    name = StringField(_l("Nom"), [DataRequired(), Length(max=100), visible_text], filters=[_name])
    commune = SelectField(_l("Commune"), choices=[], default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.commune.choices = commune_choices()

    def validate_commune(self, field):
        if not field.data:
            raise ValidationError(_("Choisissez la commune de l’agence."))


class NewAgencyForm(AgencyForm):
    code = StringField(_l("Code"), [DataRequired(), Length(max=32)],
                       filters=[lambda value: (value or "").strip().upper()])

    def validate_code(self, field):
        if not AGENCY_CODE.fullmatch(field.data):
            raise ValidationError(_("Des majuscules sans accent, des chiffres ou « _ », par exemple LIFOU_WE."))
        if db.session.get(Agency, field.data) is not None:
            raise ValidationError(_("Ce code est déjà celui d’une agence."))


class LanguageChips(ChipsField):
    """Touch-friendly checkboxes whose codes are checked against the choices."""

    pre_validate = SelectMultipleField.pre_validate


class TranslatorLanguagesForm(PCNForm):
    """The languages whose catalogues a translator uploads and publishes (never French, the source)."""

    languages = LanguageChips(_l("Langues confiées"), choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        rows = db.session.scalars(sa.select(Language).where(Language.code != "fr")).all()
        self.languages.choices = sorted(((language.code, f"{language.native_name} ({language.french_name})")
                                         for language in rows), key=lambda pair: pair[1].casefold())


# Reference codes (partners, procedures, topics) are cited by records, tablets and exports, as
# agency codes are: capitals, digits and "_", never changed (OPT, CAFAT_FAMILY, ONLINE_SAFETY).
REFERENCE_CODE = re.compile(r"[A-Z][A-Z0-9_]*")


class ReferenceLabelForm(PCNForm):
    """An entry's French label (the source language: catalogues translate it)."""

    label = StringField(_l("Libellé en français"), [DataRequired(), visible_text], filters=[_name])

    def __init__(self, *args, kind=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.label.validators = [*self.label.validators, Length(max=kind.max_label)]


class NewReferenceForm(ReferenceLabelForm):
    """A new entry: its code (never changed), its label and, for a procedure, its partner."""

    code = StringField(_l("Code"), [DataRequired()], filters=[lambda value: (value or "").strip().upper()])
    partner = SelectField(_l("Partenaire"), choices=[], default="")

    def __init__(self, *args, kind=None, **kwargs):
        super().__init__(*args, kind=kind, **kwargs)
        self.code.validators = [*self.code.validators, Length(max=kind.max_code)]
        if kind.model is Procedure:
            # A procedure belongs to a partner of the form: a retired one is restored first.
            self.partner.choices = [("", "—")] + [(partner.code, _(partner.name)) for partner in db.session.scalars(
                sa.select(Partner).where(Partner.active).order_by(Partner.position, Partner.code))]
        else:
            del self.partner

    def validate_code(self, field):
        if not REFERENCE_CODE.fullmatch(field.data):
            raise ValidationError(_("Des majuscules sans accent, des chiffres ou « _ », par exemple CAFAT_FAMILY."))
        if db.session.get(self.kind.model, field.data) is not None:
            raise ValidationError(_("Ce code existe déjà dans cette liste, peut-être retiré : rétablissez cette entrée."))

    def validate_partner(self, field):
        if not field.data:
            raise ValidationError(_("Choisissez le partenaire de la démarche."))


class CardErasureForm(PCNForm):
    """The code of the card whose data a person asked to erase (read as people type it)."""

    code = StringField(_l("Numéro de la carte"), [DataRequired(_l("Indiquez le numéro de la carte."))],
                       filters=[lambda value: cards.normalise(value or "")])

    def validate_code(self, field):
        if not cards.is_valid(field.data):
            raise ValidationError(_("Numéro de carte invalide : vérifiez chaque caractère."))
