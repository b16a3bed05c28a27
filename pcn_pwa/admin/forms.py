"""Forms of the admin area."""

import re
import unicodedata

import sqlalchemy as sa
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, StringField, ValidationError
from wtforms.validators import DataRequired, Length, Optional

from ..extensions import db
from ..forms import PCNForm
from ..i18n import _, _l
from ..models import Language

# ISO 639-1 (two letters) or 639-2/639-3 (three letters), as gettext and Accept-Language write them.
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")


def _name(value):
    """Names as typed, composed (NFC): "Nêlêmwa" typed on any keyboard is one string."""
    return unicodedata.normalize("NFC", (value or "").strip())


class ConfirmForm(PCNForm):
    """A button that changes something: only its CSRF token (checked app-wide before the view)."""


class NewLanguageForm(PCNForm):
    code = StringField(_l("Code ISO 639"), [DataRequired(), Length(max=3)],
                       filters=[lambda value: (value or "").strip().lower()])
    native_name = StringField(_l("Nom dans la langue"), [DataRequired(), Length(max=80)],
                              filters=[_name])
    french_name = StringField(_l("Nom en français"), [DataRequired(), Length(max=80)],
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
