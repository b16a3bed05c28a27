"""Sign-in form."""

from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..forms import PCNForm
from ..i18n import _l


class LoginForm(PCNForm):
    username = StringField(
        _l("Identifiant"),
        validators=[DataRequired(), Length(max=64)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Mot de passe"),
        validators=[DataRequired(), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )
