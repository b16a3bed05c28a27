"""Translated strings as HTML: every character of a translation is text, except the tags its
French source has.

Jinja's gettext marks what the catalogue returns as safe HTML, so a translation could close an
attribute (``Menu" hidden inert data-x="``) or add a tag; and catalogues already published, or
the compiled files of ``translations/``, never went through the upload checks. Escaping here, at
every rendering, holds whatever the catalogue contains.
"""

from __future__ import annotations

import re
from collections import Counter

from markupsafe import Markup, escape

# A tag as written, attributes included; an unclosed ``<tag`` runs to the end. Also what the upload
# checks compare (i18n/po.py).
TAG = re.compile(r"<(?:/?[A-Za-z]|[!?])[^>]*>?")


def tags(text: str) -> Counter:
    return Counter(TAG.findall(text))


def as_html(translated: str, *sources: str) -> Markup:
    """``translated`` escaped, but for tags written exactly as in one of the French ``sources``."""
    allowed = set().union(*(tags(source) for source in sources))
    if not allowed:
        return escape(translated)
    pieces, start = [], 0
    for match in TAG.finditer(translated):
        pieces.append(escape(translated[start:match.start()]))
        pieces.append(Markup(match[0]) if match[0] in allowed else escape(match[0]))
        start = match.end()
    pieces.append(escape(translated[start:]))
    return Markup("").join(pieces)
