"""The base of every form: CSRF from Flask-WTF, WTForms' messages in the interface language."""

from flask_wtf import FlaskForm

from .i18n import WTFormsTranslations


def typed_int(text: str | None, max_digits: int = 9) -> int | None:
    """A whole number typed in a field or a URL, else None.

    ASCII digits only ("²" is a digit to ``str.isdigit`` but not to ``int``), and short enough
    for ``int`` and for any database integer: longer input must give an error, never a 500.
    """
    text = (text or "").strip()
    if text.isascii() and text.isdigit() and len(text) <= max_digits:
        return int(text)
    return None


class PCNForm(FlaskForm):
    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return WTFormsTranslations()
