"""The base of every form: CSRF from Flask-WTF, WTForms' messages in the interface language."""

from flask_wtf import FlaskForm

from .i18n import WTFormsTranslations


class PCNForm(FlaskForm):
    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return WTFormsTranslations()
