"""Interface language: which locale a request gets, its catalogue, and locale-safe formatting.

We do not use Flask-Babel: for the Kanak languages of the pilot sites (``nen``, ``dhv``…)
CLDR has no data, ``babel.Locale.parse`` raises, and Flask-Babel turns that into a 500.
Here the catalogue is chosen by the language code alone, and dates and numbers fall back
to ``fr_NC`` formatting when CLDR does not know the language.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.support import LazyProxy, NullTranslations
from flask import current_app, g, has_request_context, request, session
from flask_login import current_user
from markupsafe import Markup
from wtforms.i18n import get_translations as wtforms_get_translations

from .markup import as_html

SESSION_KEY = "locale"

def N_(message: str) -> str:
    """Mark a string for extraction without translating it now (reference-data labels)."""
    return message


def available_locales() -> list[str]:
    """Interface languages a user may choose: French (the source), then every enabled language
    that has a catalogue, by name (accents ignored)."""
    from . import catalogues

    return catalogues.offered_codes()


def language_name(code: str) -> str:
    """The language's own name, as an admin set it, else from CLDR, else the code."""
    from . import catalogues

    info = catalogues.languages().get(code)
    if info is not None:
        return info.native_name
    try:
        return Locale.parse(code).get_display_name(code).capitalize()
    except (UnknownLocaleError, ValueError):
        return code


def _best_accept_language(supported: list[str]) -> str | None:
    if not has_request_context():
        return None
    return request.accept_languages.best_match(supported)


PREVIEW_ROLES = ("admin", "coordinator", "translator")


def _preview_catalogue():
    """``?apercu=<id>``: an admin sees pages in an unpublished upload before publishing it."""
    from ..models import Catalogue
    from ..extensions import db

    from ..forms import typed_int

    wanted = typed_int(request.args.get("apercu"))
    if wanted is None or not (current_user and current_user.is_authenticated
                              and current_user.role in PREVIEW_ROLES):
        return None
    catalogue = db.session.get(Catalogue, wanted)
    if catalogue is None or not catalogue.accepted:
        return None
    if current_user.role == "translator" and not current_user.may_translate(catalogue.language_code):
        return None  # a translator previews the languages assigned to them only
    return catalogue


def select_locale() -> str:
    """The request's language: a catalogue preview, the user's preference, then the session,
    then the browser, then French."""
    supported = available_locales()
    candidates = []
    if has_request_context():
        preview = _preview_catalogue()
        if preview is not None:
            from .catalogues import translations_of

            g.preview_catalogue, g.preview_translations = preview, translations_of(preview)
            return preview.language_code
        if current_user and current_user.is_authenticated and current_user.locale:
            candidates.append(current_user.locale)
        candidates.append(session.get(SESSION_KEY))
        candidates.append(_best_accept_language(supported))
    for code in candidates:
        if code and code in supported:
            return code
    return current_app.config["DEFAULT_LOCALE"]


def get_locale() -> str:
    """The current request's language code, chosen once per request."""
    if not has_request_context():
        return current_app.config["DEFAULT_LOCALE"]
    locale = g.get("locale")
    if locale is None:
        locale = g.locale = select_locale()
    return locale


def get_translations() -> NullTranslations:
    """The message catalogue of the current language (French needs none unless one was uploaded).

    Kept in ``g`` for the request's language: a page asks for it at every string (hundreds of
    times), and finding it again each time was a tenth of a page's rendering."""
    code = get_locale()
    if not has_request_context():
        return NullTranslations()
    kept = g.get("translations_kept")
    if kept is not None and kept[0] == code:
        return kept[1]
    if "preview_translations" in g:
        found = g.preview_translations
    else:
        from .catalogues import translations_for

        found = translations_for(code)
    g.translations_kept = (code, found)
    return found


def gettext(message: str, **variables) -> str:
    """Translate ``message`` into the request's language, then fill ``%(name)s`` placeholders."""
    text = get_translations().ugettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    """Translate with the catalogue's plural rule; ``num`` is available as ``%(num)s``."""
    variables.setdefault("num", num)
    return get_translations().ungettext(singular, plural, num) % variables


def lazy_gettext(message: str, **variables) -> LazyProxy:
    """Translate when the string is used, not when the module is imported (form labels)."""
    return LazyProxy(gettext, message, enable_cache=False, **variables)


_ = gettext
_l = lazy_gettext


def _template_gettext(message: str) -> Markup:
    """``_()`` in templates: the translation as text (Jinja then fills the escaped variables)."""
    return as_html(get_translations().ugettext(message), message)


def _template_ngettext(singular: str, plural: str, num: int) -> Markup:
    return as_html(get_translations().ungettext(singular, plural, num), singular, plural)


def formatting_locale() -> Locale:
    """The CLDR locale for dates and numbers: the language's own, else fr_NC."""
    code = get_locale()
    fallback = current_app.config["FORMAT_FALLBACK_LOCALE"]
    if code == "fr":
        code = fallback
    try:
        return Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(fallback)


def reading_order(name: str) -> str:
    """A sort key for names as people look them up: accents and case ignored (« Bélep » before
    « Bourail »), where a plain sort of the letters' codes puts every accented name last."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def display_timezone() -> ZoneInfo:
    return ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])


def to_local(moment: datetime) -> datetime:
    """A stored UTC moment seen on the clock of New Caledonia."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(display_timezone())


def local_midnight(day: date) -> datetime:
    """The moment ``day`` starts in New Caledonia (aware; compare it with stored UTC moments)."""
    return datetime.combine(day, datetime.min.time(), tzinfo=display_timezone())


def format_datetime(moment: datetime | None, format: str = "medium") -> str:
    """Date and time in Pacific/Noumea, formatted for the current language."""
    if moment is None:
        return ""
    return babel_dates.format_datetime(to_local(moment), format=format, locale=formatting_locale())


def format_date(moment: datetime | date | None, format: str = "medium") -> str:
    """Date in Pacific/Noumea (a plain date is already local), formatted for the current language."""
    if moment is None:
        return ""
    day = to_local(moment).date() if isinstance(moment, datetime) else moment
    return babel_dates.format_date(day, format=format, locale=formatting_locale())


def format_time(moment: datetime | None, format: str = "short") -> str:
    """Time of day in Pacific/Noumea, formatted for the current language."""
    if moment is None:
        return ""
    return babel_dates.format_time(to_local(moment), format=format, locale=formatting_locale())


def format_number(value) -> str:
    """A number with the current language's separators (fr_NC: narrow no-break space)."""
    return babel_numbers.format_decimal(value, locale=formatting_locale())


class WTFormsTranslations:
    """WTForms' own messages ("This field is required.") in the interface language.

    Languages WTForms has no catalogue for fall back to French, the interface's source.
    """

    def gettext(self, string):
        return self._pick().gettext(string)

    def ngettext(self, singular, plural, n):
        return self._pick().ngettext(singular, plural, n)

    @staticmethod
    def _pick():
        code = get_locale()
        return _wtforms_catalogue(code)


@lru_cache(maxsize=32)
def _wtforms_catalogue(code: str):
    if code == "en":
        return NullTranslations()
    translations = wtforms_get_translations([code, "fr"])
    return translations


def init_app(app) -> None:
    """Give templates the translation functions and formatting filters."""
    from . import catalogues

    catalogues.init_app(app)
    app.jinja_env.add_extension("jinja2.ext.i18n")
    # Not gettext itself: Jinja would take its answer for safe HTML.
    app.jinja_env.install_gettext_callables(_template_gettext, _template_ngettext, newstyle=True)
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["time"] = format_time
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["language_name"] = language_name

    @app.context_processor
    def language_choices():
        return {
            "interface_languages": [(code, language_name(code)) for code in available_locales()],
        }
