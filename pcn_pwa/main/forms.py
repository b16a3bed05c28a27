"""Forms of the user's own settings."""

from wtforms import SelectField

from ..forms import PCNForm
from ..i18n import _l


class LanguageForm(PCNForm):
    """Choose the interface language; the choice is kept on the account and follows the user."""

    locale = SelectField(_l("Langue de l’interface"), choices=[])
