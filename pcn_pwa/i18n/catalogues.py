"""Catalogues in the database: the one truth for every gunicorn worker and every server.

A published upload replaces the shipped file of its language (``translations/``); French, the
source, needs none. Each worker keeps what it loaded together with the generation it came from,
reads the generation once per request (a primary-key lookup) and reloads when an admin added,
enabled, published or restored something. The cache lives on the app, so two app instances in
one process (the tests) are two workers.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import unicodedata
from dataclasses import dataclass, field

import sqlalchemy as sa
from babel.support import NullTranslations, Translations
from flask import current_app, g, has_request_context

from ..accompaniments.text import FORBIDDEN_CHARS
from ..extensions import db
from ..models import Catalogue, CatalogueGeneration, Language, utcnow
from .po import Message, build_translations, check_upload, read_template

# Known before any row exists (a database without seed data still speaks French and English).
BUILTIN_LANGUAGES = {"fr": ("Français", "français"), "en": ("English", "anglais")}


@dataclass(frozen=True)
class LanguageInfo:
    code: str
    native_name: str
    french_name: str
    enabled: bool
    catalogue_id: int | None  # published upload
    shipped: bool  # a compiled catalogue in translations/

    @property
    def has_catalogue(self) -> bool:
        return self.catalogue_id is not None or self.shipped


@dataclass
class CatalogueCache:
    """One worker's view: languages and loaded catalogues, valid for ``generation``."""

    generation: int | None = None
    languages: dict[str, LanguageInfo] = field(default_factory=dict)
    translations: dict[str, NullTranslations] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def init_app(app) -> None:
    app.extensions["pcn_catalogues"] = CatalogueCache()


def name_key(name: str) -> str:
    """Sort key that ignores accents and case: "Îaai" sorts among the I, not after "Xârâcùù"."""
    decomposed = unicodedata.normalize("NFD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _shipped_codes() -> set[str]:
    root = current_app.config["TRANSLATIONS_DIR"]
    if not os.path.isdir(root):
        return set()
    return {code for code in os.listdir(root)
            if os.path.isfile(os.path.join(root, code, "LC_MESSAGES", "messages.mo"))}


def _load_languages() -> dict[str, LanguageInfo]:
    shipped = _shipped_codes()
    found = {code: LanguageInfo(code, native, french, True, None, code in shipped)
             for code, (native, french) in BUILTIN_LANGUAGES.items()}
    for language in db.session.scalars(sa.select(Language)):
        found[language.code] = LanguageInfo(language.code, language.native_name, language.french_name,
                                            language.enabled, language.catalogue_id, language.code in shipped)
    return found


def current_generation() -> int:
    return db.session.scalar(sa.select(CatalogueGeneration.value).where(CatalogueGeneration.id == 1)) or 0


def bump_generation() -> None:
    """Tell every worker to reload (in the caller's transaction, so it moves with the change)."""
    updated = db.session.execute(
        sa.update(CatalogueGeneration).where(CatalogueGeneration.id == 1)
        .values(value=CatalogueGeneration.value + 1)
    ).rowcount
    if not updated:
        db.session.add(CatalogueGeneration(id=1, value=1))


def cache() -> CatalogueCache:
    """This worker's catalogues, reloaded first if the generation moved (checked once per request)."""
    state: CatalogueCache = current_app.extensions["pcn_catalogues"]
    if has_request_context() and g.get("catalogues_checked"):
        return state
    generation = current_generation()
    if generation != state.generation:
        languages = _load_languages()
        with state.lock:
            state.languages, state.translations, state.generation = languages, {}, generation
    if has_request_context():
        g.catalogues_checked = True
    return state


def languages() -> dict[str, LanguageInfo]:
    return cache().languages


def offered_codes() -> list[str]:
    """Languages a user may choose: enabled and translated (French, the source, always), by name."""
    default = current_app.config["DEFAULT_LOCALE"]
    offered = [info for info in languages().values()
               if info.code == default or (info.enabled and info.has_catalogue)]
    offered.sort(key=lambda info: (info.code != default, name_key(info.native_name)))
    return [info.code for info in offered]


def messages_of(catalogue: Catalogue) -> list[Message]:
    return [Message(context, msgid, plural, tuple(strings)) for context, msgid, plural, strings in catalogue.messages]


def translations_of(catalogue: Catalogue) -> Translations:
    return build_translations(messages_of(catalogue), catalogue.plural_forms)


def translations_for(code: str) -> NullTranslations:
    """The catalogue of ``code``: its published upload, else its shipped file, else none."""
    state = cache()
    found = state.translations.get(code)
    if found is not None:
        return found
    generation, info = state.generation, state.languages.get(code)
    if info is not None and info.catalogue_id is not None:
        found = translations_of(db.session.get(Catalogue, info.catalogue_id))
    elif info is not None and info.shipped:
        found = Translations.load(current_app.config["TRANSLATIONS_DIR"], [code])
    else:
        found = NullTranslations()
    with state.lock:
        if state.generation == generation:  # not reloaded meanwhile by another thread
            state.translations[code] = found
    return found


def strings_digest(strings: dict) -> str:
    """A short version of translated strings (the URL of the scripts' JSON changes with them)."""
    return hashlib.sha256(json.dumps(strings, sort_keys=True).encode()).hexdigest()[:12]


# --------------------------------------------------------------------------- admin actions


def publish(catalogue: Catalogue, user) -> None:
    """Make ``catalogue`` its language's live one, in one transaction with the generation."""
    if not catalogue.accepted:
        raise ValueError("a refused upload cannot be published")
    catalogue.language.catalogue_id = catalogue.id
    catalogue.published_at = utcnow()
    catalogue.published_by_id = user.id
    bump_generation()


def previous_catalogue(language: Language) -> Catalogue | None:
    """The catalogue published before the live one (what "restore" brings back)."""
    return db.session.scalar(
        sa.select(Catalogue)
        .where(Catalogue.language_code == language.code, Catalogue.published_at.is_not(None),
               Catalogue.id != language.catalogue_id)
        .order_by(Catalogue.published_at.desc(), Catalogue.id.desc())
        .limit(1)
    )


def restore_previous(language: Language, user) -> Catalogue | None:
    """Bring back the catalogue published before the live one; None when there is none."""
    previous = previous_catalogue(language)
    if previous is not None:
        publish(previous, user)
    return previous


def set_enabled(language: Language, enabled: bool) -> None:
    language.enabled = enabled
    bump_generation()


def add_language(code: str, native_name: str, french_name: str) -> Language:
    language = Language(code=code, native_name=native_name, french_name=french_name, enabled=False)
    db.session.add(language)
    bump_generation()
    return language


# --------------------------------------------------------------------------- files


def template_path() -> str:
    return os.path.join(current_app.config["TRANSLATIONS_DIR"], "messages.pot")


def shipped_po_path(code: str) -> str:
    return os.path.join(current_app.config["TRANSLATIONS_DIR"], code, "LC_MESSAGES", "messages.po")


_templates: dict[tuple[str, float], dict] = {}


def template() -> dict:
    """The template's entries ((context, msgid) -> msgid_plural), read again when the file changes."""
    path = template_path()
    key = (path, os.path.getmtime(path))
    if key not in _templates:
        with open(path, encoding="utf-8") as handle:
            _templates.clear()
            _templates[key] = read_template(handle.read())
    return _templates[key]


def record_upload(language: Language, filename: str, data: bytes, user, extra_msgids=()) -> Catalogue:
    """Check an uploaded file and keep it on record, accepted or not (nothing goes live here).

    ``extra_msgids`` are known besides the template's: the labels an admin typed in the
    reference lists (reference_admin.label_msgids), which live only in the database."""
    report = check_upload(data, language.code, {**template(), **{(None, msgid): None for msgid in extra_msgids}})
    # The name as the browser sent it, without control characters (a NUL was a 500 on PostgreSQL).
    filename = FORBIDDEN_CHARS.sub("", filename or "").strip() or "messages.po"
    catalogue = Catalogue(
        language_code=language.code, uploaded_by_id=user.id, filename=filename[:200],
        accepted=report.ok, text=report.text if report.ok else None,
        plural_forms=report.plural_forms if report.ok else None,
        messages=[[m.context, m.msgid, m.msgid_plural, list(m.strings)] for m in report.messages],
        errors=[[p.line, p.msgid, p.reason] for p in report.errors],
        refused=[[p.line, p.msgid, p.reason] for p in report.refused],
        translated=report.translated, fuzzy=report.fuzzy, untranslated=report.untranslated,
        unknown=report.unknown, template_size=report.template_size,
    )
    db.session.add(catalogue)
    return catalogue


def current_po(language: Language) -> str:
    """The language's live catalogue as a .po file: the published upload as it was sent, else
    the shipped file, else a new file from the template, ready for a translator."""
    if language.catalogue is not None:
        return language.catalogue.text
    path = shipped_po_path(language.code)
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    with open(template_path(), encoding="utf-8") as handle:
        return new_po(handle.read(), language.code)


def new_po(pot_text: str, code: str) -> str:
    """A translator's starting file, as ``msginit`` makes it: the template with the language
    set and a plural rule for the translator to declare (CLDR has none for our languages)."""
    header_end = pot_text.index('msgstr ""\n') + len('msgstr ""\n')
    header, rest = pot_text[:header_end], pot_text[header_end:]
    fields = []
    for line in rest.split("\n\n", 1)[0].splitlines():
        if line.startswith('"Language:') or line.startswith('"Plural-Forms:'):
            continue
        fields.append(line)
        if line.startswith('"Last-Translator:'):
            fields.append(f'"Language: {code}\\n"')
            fields.append('"Plural-Forms: nplurals=2; plural=(n > 1);\\n"')
    body = rest.split("\n\n", 1)[1] if "\n\n" in rest else ""
    header = header.replace("#, fuzzy\n", "# Plural-Forms: the French rule; declare your language's own "
                            "(nplurals=1; plural=0; when nouns do not change with the number).\n")
    return header + "\n".join(fields) + "\n\n" + body


def default_code() -> str:
    return current_app.config["DEFAULT_LOCALE"]
