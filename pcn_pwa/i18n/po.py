"""Checking a gettext catalogue (.po) uploaded by an admin, before anything is stored or compiled.

The catalogues are for languages CLDR does not know (Drehu ``dhv``, Nengone ``nen``, Wallisian
``wls``…), written by hand or in any editor, so nothing here calls ``babel.Locale.parse`` and the
file is read by our own strict parser: Babel's ``read_po`` silently accepts an unterminated string,
and its checkers miss ``{name}`` placeholders and markup. A file that cannot be read safely is
refused as a whole; an entry that would break a page (a lost placeholder, an added tag or script,
a wrong number of plural forms) is refused on its own and the rest of the file is kept.

No database and no Flask route here: the reasons are French sentences through ``gettext``, so an
application context is needed (a request, or a ``flask`` command).
"""

from __future__ import annotations

import codecs
import gettext as python_gettext
import html
import re
import unicodedata
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import accumulate

from babel.support import Translations

from . import gettext as _
from .markup import tags as markup_tags

MAX_UPLOAD_BYTES = 1024 * 1024
MAX_PLURAL_FORMS = 6
DEFAULT_PLURAL_FORMS = "nplurals=2; plural=(n != 1);"

# Charsets whose bytes keep the ASCII meaning of quotes, backslashes and newlines, which the
# parser relies on; Python codec names.
ACCEPTED_CHARSETS = frozenset({"utf-8", "ascii", "iso8859-1", "iso8859-15", "cp1252"})


@dataclass(frozen=True)
class Message:
    """One accepted translation."""

    context: str | None
    msgid: str
    msgid_plural: str | None
    strings: tuple[str, ...]  # msgstr, or msgstr[0..n-1]


@dataclass(frozen=True)
class Problem:
    """Why a file or one of its entries is refused; ``line`` is 1-based in the uploaded file."""

    line: int | None
    msgid: str | None
    reason: str


@dataclass
class UploadReport:
    """What the admin is shown after an upload, and what is kept when the file is ``ok``."""

    language: str
    template_size: int
    errors: list[Problem] = field(default_factory=list)  # fatal: the whole file is refused
    messages: list[Message] = field(default_factory=list)  # accepted translations
    plural_forms: str = ""
    nplurals: int = 0
    fuzzy: int = 0
    untranslated: int = 0
    refused: list[Problem] = field(default_factory=list)  # entries refused one by one
    unknown: int = 0  # translated entries whose msgid is not in the template
    text: str = ""  # the file decoded (NFC, LF newlines, no BOM, declared UTF-8): what is stored

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def translated(self) -> int:
        return len(self.messages)

    @property
    def coverage(self) -> float:
        """Percent of the template's entries that have an accepted translation."""
        return 100.0 * self.translated / self.template_size if self.template_size else 0.0


class FatalError(ValueError):
    """The file cannot be read safely: nothing in it is used."""

    def __init__(self, *problems: Problem):
        super().__init__("; ".join(f"line {p.line}: {p.reason}" for p in problems))
        self.problems = list(problems)


def _fatal(line: int | None, reason: str) -> FatalError:
    return FatalError(Problem(line, None, reason))


def _quote(text: str | bytes, limit: int = 60) -> str:
    """User text inside a reason: decoded if need be, and short."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- Strict syntax, on bytes: the charset is only known once the header has been read ---------

_KEYWORD = re.compile(rb'(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?(?=\s|"|$)\s*(.*)')
_STRING = re.compile(rb'"((?:[^"\\]|\\.)*)"')
_ESCAPE = re.compile(rb"\\(?:([ntr\"\\abfv])|([0-7]{1,3})|x([0-9A-Fa-f]+)|(.))")
_SIMPLE_ESCAPES = {b"n": b"\n", b"t": b"\t", b"r": b"\r", b'"': b'"', b"\\": b"\\",
                   b"a": b"\a", b"b": b"\b", b"f": b"\f", b"v": b"\v"}


@dataclass
class _Field:
    """A keyword's string as written: its pieces (keyword line, then continuation lines)."""

    line: int
    pieces: list[tuple[int, bytes]]

    @property
    def value(self) -> bytes:
        return b"".join(piece for _, piece in self.pieces)

    @cached_property
    def _ends(self) -> list[int]:
        return list(accumulate(len(piece) for _, piece in self.pieces))

    def line_at(self, offset: int) -> int:
        """The file line holding byte ``offset`` of the value (asked once the entry is read)."""
        index = bisect_right(self._ends, offset)
        return self.pieces[min(index, len(self.pieces) - 1)][0]


@dataclass
class _RawEntry:
    flags: set[bytes]
    context: _Field | None = None
    msgid: _Field | None = None
    msgid_plural: _Field | None = None
    msgstr: list[_Field] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return bool(self.msgstr)

    @property
    def line(self) -> int:
        """The entry's line for the admin: its msgid's."""
        return (self.msgid or self.context).line


def _unescape(body: bytes, line: int) -> bytes:
    """C escapes, as GNU gettext reads them; octal and hex escapes give bytes of the file's charset."""

    def one(match: re.Match) -> bytes:
        simple, octal, hexa = match.group(1, 2, 3)
        if simple is not None:
            return _SIMPLE_ESCAPES[simple]
        code = int(octal, 8) if octal is not None else int(hexa, 16) if hexa is not None else None
        if code is None or code > 0xFF:
            raise _fatal(line, _("Séquence d’échappement invalide : « %(escape)s ».", escape=_quote(match[0])))
        return bytes([code])

    return _ESCAPE.sub(one, body)


def _read_string(text: bytes, line: int) -> bytes:
    """One quoted string filling the rest of the line."""
    match = _STRING.match(text)
    if match is None:
        raise _fatal(line, _("Chaîne non terminée : il manque le guillemet fermant."))
    tail = text[match.end():].strip()
    if tail:
        raise _fatal(line, _("Texte après le guillemet fermant : « %(text)s ».", text=_quote(tail)))
    return _unescape(match[1], line)


def _parse(raw: bytes) -> list[_RawEntry]:
    """Every entry of the file, obsolete ones (``#~``) left out; the first syntax error is fatal."""
    entries: list[_RawEntry] = []
    entry: _RawEntry | None = None
    flags: set[bytes] = set()
    current: _Field | None = None  # the string a continuation line extends

    def unexpected(line: int, keyword: bytes) -> FatalError:
        return _fatal(line, _("« %(keyword)s » inattendu à cet endroit.", keyword=_quote(keyword)))

    for number, line in enumerate(raw.split(b"\n"), start=1):
        stripped = line.strip()
        if not stripped:
            current = None
            continue
        if stripped.startswith(b"#"):
            current = None
            if entry is not None and not entry.complete:
                raise _fatal(number, _("Commentaire au milieu d’une entrée, avant son msgstr."))
            entry = None
            if stripped.startswith(b"#~"):
                flags = set()  # the flags were the obsolete entry's
            elif stripped.startswith(b"#,"):
                flags |= {flag.strip() for flag in stripped[2:].split(b",") if flag.strip()}
            continue
        if stripped.startswith(b'"'):
            if current is None:
                raise _fatal(number, _("Chaîne sans mot-clé : elle ne suit ni msgid ni msgstr."))
            current.pieces.append((number, _read_string(stripped, number)))
            continue

        match = _KEYWORD.fullmatch(stripped)
        if match is None or (match[2] is not None and match[1] != b"msgstr"):
            word = stripped.split(None, 1)[0]
            raise _fatal(number, _("Mot-clé inconnu : « %(keyword)s ».", keyword=_quote(word)))
        keyword, index, rest = match.groups()
        written = stripped[: match.start(3)].strip()
        if not rest.startswith(b'"'):
            raise _fatal(number, _("Une chaîne entre guillemets doit suivre « %(keyword)s ».",
                                   keyword=_quote(written)))
        current = _Field(number, [(number, _read_string(rest, number))])

        if keyword in (b"msgctxt", b"msgid"):
            if entry is not None and entry.msgid is not None and not entry.complete:
                raise _fatal(entry.line, _("Entrée sans msgstr."))
            if entry is None or entry.complete:
                entry = _RawEntry(flags)
                entries.append(entry)
                flags = set()
            if keyword == b"msgctxt" and entry.context is None and entry.msgid is None:
                entry.context = current
            elif keyword == b"msgid" and entry.msgid is None:
                entry.msgid = current
            else:
                raise unexpected(number, keyword)
        elif keyword == b"msgid_plural":
            if entry is None or entry.msgid is None or entry.msgid_plural is not None or entry.complete:
                raise unexpected(number, keyword)
            entry.msgid_plural = current
        else:
            if entry is None or entry.msgid is None or (entry.complete and index is None):
                raise _fatal(number, _("« %(keyword)s » sans msgid.", keyword=_quote(written)))
            if index is None and entry.msgid_plural is not None:
                raise _fatal(number, _("« msgstr » dans une entrée au pluriel : "
                                       "utilisez msgstr[0], msgstr[1]…"))
            if index is not None and entry.msgid_plural is None:
                raise _fatal(number, _("« %(keyword)s » sans msgid_plural.", keyword=_quote(written)))
            if index is not None and int(index) != len(entry.msgstr):
                raise _fatal(number, _("« %(keyword)s » hors d’ordre : « msgstr[%(expected)s] » attendu.",
                                       keyword=_quote(written), expected=len(entry.msgstr)))
            entry.msgstr.append(current)

    if entry is not None and not entry.complete:
        raise _fatal(entry.line, _("Entrée sans msgstr."))
    return entries


# --- Charset, header and decoding -----------------------------------------------------------

_BINARY = re.compile(rb"[\x00-\x08\x0e-\x1f\x7f]")
_CHARSET = re.compile(rb"(charset\s*=\s*)([^\s;]+)", re.IGNORECASE)


def _raw_text(data: bytes) -> bytes:
    """The upload's bytes with LF newlines and no BOM, after the checks that need no parsing."""
    if not data:
        raise _fatal(None, _("Le fichier est vide."))
    if len(data) > MAX_UPLOAD_BYTES:
        raise _fatal(None, _("Le fichier est trop gros : %(limit)s Mo au plus.",
                             limit=MAX_UPLOAD_BYTES // (1024 * 1024)))
    raw = data.removeprefix(codecs.BOM_UTF8).replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    binary = _BINARY.search(raw)
    if binary:
        raise _fatal(raw.count(b"\n", 0, binary.start()) + 1,
                     _("Données binaires (caractère de contrôle %(code)s) : ce n’est pas un fichier .po texte.",
                       code=f"0x{raw[binary.start()]:02X}"))
    return raw


_HeaderFields = dict[bytes, tuple[bytes, int]]


def _header_fields(entries: list[_RawEntry]) -> _HeaderFields:
    """The header's ``Name: value`` lines, by lowercase name, each with its line in the file."""
    header = next((e for e in entries if e.context is None and e.msgid.value == b""), None)
    if header is None:
        raise _fatal(None, _("En-tête manquant : le fichier doit contenir l’entrée msgid \"\" "
                             "(Language, Content-Type, Plural-Forms)."))
    msgstr = header.msgstr[0]
    fields, offset = {}, 0
    for text in msgstr.value.split(b"\n"):
        name, colon, value = text.partition(b":")
        if colon:
            fields.setdefault(name.strip().lower(), (value.strip(), msgstr.line_at(offset)))
        offset += len(text) + 1
    return fields


@dataclass(frozen=True)
class _Charset:
    codec: str  # Python's name
    declared: str | None = None  # as written in the header, when the header names one
    line: int | None = None  # where the header names it

    @property
    def is_utf8_declared(self) -> bool:
        return self.declared is None or self.declared.lower() in ("utf-8", "utf8")


def _declared_charset(fields: _HeaderFields) -> _Charset:
    """The codec the header declares; UTF-8 when it declares none or the template's ``CHARSET``."""
    content_type, line = fields.get(b"content-type", (b"", None))
    match = _CHARSET.search(content_type)
    if match is None:
        return _Charset("utf-8")
    declared = match[2].decode("ascii", "replace")
    if declared.upper() == "CHARSET":
        return _Charset("utf-8", declared, line)
    try:
        codec = codecs.lookup(declared).name
    except LookupError:
        codec = None
    if codec not in ACCEPTED_CHARSETS:
        raise _fatal(line, _("Jeu de caractères inconnu ou non pris en charge : « %(charset)s ». "
                             "Enregistrez le fichier en UTF-8.", charset=_quote(declared)))
    return _Charset(codec, declared, line)


def _invalid_bytes(line: int, charset: _Charset) -> FatalError:
    return _fatal(line, _("Octets invalides pour le jeu de caractères déclaré (%(charset)s) : enregistrez "
                          "le fichier dans l’encodage que déclare son en-tête.", charset=charset.codec.upper()))


def _decode_text(raw: bytes, charset: _Charset) -> str:
    """The whole file as stored and served back: NFC, and declared UTF-8 since it is stored so."""
    try:
        text = raw.decode(charset.codec)
    except UnicodeDecodeError as error:
        raise _invalid_bytes(raw.count(b"\n", 0, error.start) + 1, charset) from None
    if not charset.is_utf8_declared:
        start = sum(len(line) + 1 for line in text.split("\n")[: charset.line - 1])
        declaration = re.compile(r"(charset\s*=\s*)" + re.escape(charset.declared), re.IGNORECASE)
        text = text[:start] + declaration.sub(r"\1UTF-8", text[start:], count=1)
    return unicodedata.normalize("NFC", text)


def _decode_field(string: _Field | None, charset: _Charset) -> str | None:
    """A string of an entry, NFC so that a decomposed msgid still matches the template's."""
    if string is None:
        return None
    try:
        return unicodedata.normalize("NFC", string.value.decode(charset.codec))
    except UnicodeDecodeError as error:  # from an octal or hex escape
        raise _invalid_bytes(string.line_at(error.start), charset) from None


@dataclass(frozen=True)
class _Entry:
    """An entry decoded: ``message.msgid_plural`` is the file's, not yet the template's."""

    line: int
    fuzzy: bool
    message: Message

    @property
    def key(self) -> tuple[str | None, str]:
        return self.message.context, self.message.msgid


def _decode_entry(entry: _RawEntry, charset: _Charset) -> _Entry:
    message = Message(
        context=_decode_field(entry.context, charset),
        msgid=_decode_field(entry.msgid, charset),
        msgid_plural=_decode_field(entry.msgid_plural, charset),
        strings=tuple(_decode_field(string, charset) for string in entry.msgstr),
    )
    return _Entry(entry.line, b"fuzzy" in entry.flags, message)


def _base_language(code: str) -> str:
    """``fr_NC``, ``fr-nc`` and ``FR`` are all ``fr``: the region is not checked."""
    return re.split(r"[_@.]", code.strip().lower().replace("-", "_"), maxsplit=1)[0]


def _check_language(fields: _HeaderFields, charset: _Charset, language: str) -> None:
    declared, line = fields.get(b"language", (b"", None))
    declared = declared.decode(charset.codec, "replace")
    if declared and _base_language(declared) != _base_language(language):
        raise _fatal(line, _("Le fichier est déclaré pour la langue « %(declared)s », pas pour « %(expected)s ».",
                             declared=_quote(declared), expected=language))


def _check_duplicates(entries: list[_Entry]) -> None:
    first_lines: dict[tuple[str | None, str], int] = {}
    duplicates = []
    for entry in entries:
        if entry.key in first_lines:
            duplicates.append(Problem(entry.line, entry.message.msgid, _(
                "Entrée en double : « %(msgid)s » aux lignes %(first)s et %(second)s.",
                msgid=_quote(entry.message.msgid) or '""', first=first_lines[entry.key], second=entry.line)))
        first_lines.setdefault(entry.key, entry.line)
    if duplicates:
        raise FatalError(*duplicates)


# --- Plural rule ----------------------------------------------------------------------------

_PLURAL_FORMS = re.compile(r"nplurals\s*=\s*(\d+)\s*;\s*plural\s*=(.*)")
_PLURAL_SAMPLE = (*range(1001), 10**6, 10**9)


def _plural_rule(plural_forms: str) -> tuple[int, str, Callable[[int], int]]:
    """``(nplurals, normalised header, n -> form index)`` from a ``Plural-Forms`` value.

    ``gettext.c2py`` only accepts C-like expressions in ``n`` (no names, calls or attributes),
    so a hostile header cannot run code; the rule is then tried on sample numbers, so that it
    cannot divide by zero or point at a form the catalogue does not have.
    """
    match = _PLURAL_FORMS.fullmatch(plural_forms.strip())
    expression = match and match[2].strip().removesuffix(";").strip()
    if not expression:
        raise ValueError(f"Plural-Forms {plural_forms!r}: expected 'nplurals=N; plural=EXPRESSION;'")
    nplurals = int(match[1])
    if not 1 <= nplurals <= MAX_PLURAL_FORMS:
        raise ValueError(f"Plural-Forms {plural_forms!r}: nplurals must be 1 to {MAX_PLURAL_FORMS}")
    try:
        rule = python_gettext.c2py(expression)
        for n in _PLURAL_SAMPLE:
            if not 0 <= rule(n) < nplurals:
                raise ValueError(f"form {rule(n)} for n={n}, but nplurals={nplurals}")
    except (ValueError, ZeroDivisionError) as error:
        raise ValueError(f"Plural-Forms {plural_forms!r}: invalid plural expression ({error})") from error
    return nplurals, f"nplurals={nplurals}; plural={expression};", rule


def _declared_plural_forms(fields: _HeaderFields, charset: _Charset) -> tuple[int, str]:
    """``(nplurals, Plural-Forms)``; without the header, the rule of English and most languages."""
    declared, line = fields.get(b"plural-forms", (b"", None))
    if not declared:
        return _plural_rule(DEFAULT_PLURAL_FORMS)[:2]
    declared = declared.decode(charset.codec, "replace")
    try:
        return _plural_rule(declared)[:2]
    except ValueError:
        raise _fatal(line, _("Plural-Forms invalide : « %(value)s ». Il faut nplurals de 1 à %(max)s et une "
                             "expression en n, par exemple « nplurals=2; plural=(n > 1); ».",
                             value=_quote(declared), max=MAX_PLURAL_FORMS)) from None


# --- Checks of one translation --------------------------------------------------------------

# Python %-formatting (the space flag is left out: "50 % de" is text, not a placeholder). Names are
# bounded so that a string of "%(" cannot make the search quadratic.
_PRINTF = re.compile(r"%(?:%|(?:\([^)]{0,100}\))?[#0+\-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?[diouxXeEfFgGcrsa]|)")
_BRACE = re.compile(r"\{\{|\}\}|\{[^{}\s]*\}")
_SCRIPT_URL = re.compile(r"(?:java|vb)script:")
_EVENT_ATTRIBUTE = re.compile(r"\bon[a-z]+\s*=", re.IGNORECASE)


def _is_formatted(sources: list[str]) -> bool:
    """Whether the app fills this message with ``%``: it has ``%`` placeholders, or is plural
    (``ngettext`` always fills ``%(num)s``)."""
    return len(sources) > 1 or any(token not in ("%", "%%") for s in sources for token in _PRINTF.findall(s))


def _placeholders(text: str, formatted: bool) -> Counter:
    """``%(name)s``, ``%s``, ``{name}``; a lone ``%`` counts too where the message is formatted,
    since ``%`` formatting would then fail on it."""
    found = Counter(token for token in _PRINTF.findall(text) if token != "%%" and (formatted or token != "%"))
    found.update(token for token in _BRACE.findall(text) if token not in ("{{", "}}"))
    return found


def _script_urls(text: str) -> Counter:
    """``javascript:`` however it is disguised (entities, spaces, case)."""
    return Counter(_SCRIPT_URL.findall(re.sub(r"[\s\x00-\x1f]", "", html.unescape(text)).lower()))


def _event_attributes(text: str) -> Counter:
    return Counter(re.sub(r"\s", "", a).lower() for a in _EVENT_ATTRIBUTE.findall(html.unescape(text)))


def _listing(tokens) -> str:
    return ", ".join(sorted(tokens)) or _("aucune")


def _placeholder_problem(sources: list[str], forms: tuple[str, ...]) -> str | None:
    """A singular translation keeps exactly the msgid's placeholders. Each plural form uses only
    placeholders of msgid or msgid_plural (a form may drop the count), and all forms together
    keep those of msgid_plural."""
    formatted = _is_formatted(sources)
    if len(sources) == 1:
        wanted, given = _placeholders(sources[0], formatted), _placeholders(forms[0], formatted)
        missing, extra = wanted - given, given - wanted
    else:
        msgid, msgid_plural = sources
        allowed = set(_placeholders(msgid, formatted)) | set(_placeholders(msgid_plural, formatted))
        used = set().union(*(_placeholders(form, formatted) for form in forms))
        missing = set(_placeholders(msgid_plural, formatted)) - used
        extra = used - allowed
    if missing or extra:
        return _("Variables différentes de l’original — manquantes : %(missing)s ; en trop : %(extra)s.",
                 missing=_listing(missing), extra=_listing(extra))
    return None


def _quotes(text: str) -> Counter:
    """Straight double quotes, written or as entities (``&quot;``, ``&#34;``)."""
    return Counter(character for character in html.unescape(text) if character == '"')


def _added(find, sources: list[str], forms: tuple[str, ...]) -> str | None:
    """What a form has more of than the source strings, as a short listing, or None."""
    allowed = Counter()
    for source in sources:
        allowed |= find(source)
    for form in forms:
        added = find(form) - allowed
        if added:
            return _quote(", ".join(sorted(added)), 120)
    return None


def _markup_problem(sources: list[str], forms: tuple[str, ...]) -> str | None:
    """A translation may not add a tag (or change one's attributes), a script link or an event handler:
    the app shows some messages as HTML, or inside an attribute."""
    if tags := _added(markup_tags, sources, forms):
        return _("Balisage ajouté (interdit dans une traduction) : %(tags)s.", tags=tags)
    if links := _added(_script_urls, sources, forms):
        return _("Lien de script ajouté (interdit dans une traduction) : %(links)s.", links=links)
    if attributes := _added(_event_attributes, sources, forms):
        return _("Attribut d’évènement ajouté (interdit dans une traduction) : %(attributes)s.", attributes=attributes)
    if _added(_quotes, sources, forms):
        return _("Guillemet droit \" ajouté (interdit dans une traduction : il fermerait un attribut de la "
                 "page). Écrivez « » ou “ ” à la place.")
    return None


def _entry_problem(message: Message, template_plural: str | None, nplurals: int) -> str | None:
    """Why this translation cannot be used, or None. Placeholders and markup are compared with the
    template's msgid_plural, not the file's: the file could declare one with extra placeholders."""
    if template_plural is not None and message.msgid_plural is None:
        return _("Le modèle attend un pluriel pour ce message (msgid_plural et msgstr[N]).")
    if template_plural is None and message.msgid_plural is not None:
        return _("Le modèle n’a pas de pluriel pour ce message : un seul msgstr est attendu.")
    forms = message.strings
    if template_plural is not None and len(forms) != nplurals:
        return _("%(found)s formes plurielles au lieu des %(nplurals)s que déclare Plural-Forms.",
                 found=len(forms), nplurals=nplurals)
    empty = [f"msgstr[{index}]" for index, form in enumerate(forms) if not form]
    if empty:
        return _("Formes plurielles vides : %(forms)s.", forms=", ".join(empty))
    for form in forms:
        control = next((c for c in form if unicodedata.category(c) == "Cc" and c not in "\n\t"), None)
        if control is not None:
            return _("Caractère de contrôle interdit : %(code)s.", code=f"U+{ord(control):04X}")
    sources = [message.msgid] if template_plural is None else [message.msgid, template_plural]
    return _placeholder_problem(sources, forms) or _markup_problem(sources, forms)


# --- Public API -----------------------------------------------------------------------------


def read_template(pot_text: str) -> dict[tuple[str | None, str], str | None]:
    """``(context, msgid) -> msgid_plural`` for every message of ``translations/messages.pot``."""
    entries = [_decode_entry(entry, _Charset("utf-8")) for entry in _parse(pot_text.encode("utf-8"))]
    return {entry.key: entry.message.msgid_plural for entry in entries if entry.message.msgid}


def check_upload(data: bytes, language: str, template: dict[tuple[str | None, str], str | None]) -> UploadReport:
    """Read an uploaded catalogue for ``language`` against the template, keeping only what is safe."""
    report = UploadReport(language=language, template_size=len(template))
    try:
        raw = _raw_text(data)
        raw_entries = _parse(raw)
        fields = _header_fields(raw_entries)
        charset = _declared_charset(fields)
        text = _decode_text(raw, charset)
        entries = [_decode_entry(entry, charset) for entry in raw_entries]
        _check_language(fields, charset, language)
        nplurals, plural_forms = _declared_plural_forms(fields, charset)
        _check_duplicates(entries)
    except FatalError as error:
        report.errors = error.problems
        return report

    report.text, report.nplurals, report.plural_forms = text, nplurals, plural_forms
    settled = set()  # template entries translated, fuzzy or refused: the others are untranslated
    for entry in entries:
        message = entry.message
        if entry.key == (None, ""):
            continue
        translated = any(message.strings)
        if entry.fuzzy:
            report.fuzzy += 1
        elif entry.key not in template:
            if translated:
                report.unknown += 1
            continue
        elif not translated:
            continue
        else:
            template_plural = template[entry.key]
            problem = _entry_problem(message, template_plural, nplurals)
            if problem:
                report.refused.append(Problem(entry.line, message.msgid, problem))
            else:
                report.messages.append(replace(message, msgid_plural=template_plural))
        settled.add(entry.key)
    report.untranslated = len(template.keys() - settled)
    return report


def build_translations(messages: list[Message], plural_forms: str) -> Translations:
    """A catalogue the app can use without compiling a .mo, with the plural rule the upload
    declared (Babel has none for these languages). Raises ValueError when ``plural_forms`` is
    not a valid rule."""
    rule = _plural_rule(plural_forms)[2]
    translations = Translations(fp=None)
    translations.plural = rule
    for message in messages:
        key = message.msgid if message.context is None else f"{message.context}\x04{message.msgid}"
        if message.msgid_plural is None:
            translations._catalog[key] = message.strings[0]
        else:
            for index, string in enumerate(message.strings):
                translations._catalog[(key, index)] = string
    return translations
