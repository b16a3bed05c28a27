"""Forms of the user's own settings."""

from wtforms import PasswordField, SelectField, ValidationError
from wtforms.validators import DataRequired, EqualTo, Length

from ..forms import PCNForm
from .. import people
from ..i18n import _, _l


class LanguageForm(PCNForm):
    """Choose the interface language; the choice is kept on the account and follows the user."""

    locale = SelectField(_l("Langue de l’interface"), choices=[])


class PasswordForm(PCNForm):
    """The user's own password. ``current`` is asked unless they just signed in with a
    one-time password (the view removes it then)."""

    current = PasswordField(_l("Mot de passe actuel"), [DataRequired()])
    new = PasswordField(_l("Nouveau mot de passe"), [DataRequired(), Length(min=people.MIN_PASSWORD_LENGTH, max=200)])
    again = PasswordField(_l("Nouveau mot de passe, encore"),
                          [DataRequired(), EqualTo("new", _l("Les deux mots de passe ne sont pas les mêmes."))])

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def validate_current(self, field):
        if not self.user.check_password(field.data):
            raise ValidationError(_("Mot de passe incorrect."))

    def validate_new(self, field):
        if self.user.check_password(field.data):
            raise ValidationError(_("Le mot de passe remis ne peut pas servir de nouveau mot de passe : choisissez-en un autre.")
                                  if self.user.must_change_password else
                                  _("C’est le mot de passe actuel : choisissez-en un autre."))
