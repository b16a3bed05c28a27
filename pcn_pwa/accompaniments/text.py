"""Text as both judges see it (here and in static/js/rules.js, character for character).

Python's and JavaScript's own ideas of white space and of "control character" differ, so the
judges use these explicit lists instead of ``str.strip`` or ``String.prototype.trim``.
"""

import re
import unicodedata

# Trimmed from both ends of text and codes, and removed from card codes.
SPACES = (" \t\n\r\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
          "\u2028\u2029\u202f\u205f\u3000\ufeff")
# Control characters but tab and newline, and lone surrogates: PostgreSQL refuses NUL, and
# no database can store half a UTF-16 pair.
FORBIDDEN_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
ECHO_LENGTH = 40


def trim(text: str) -> str:
    """``text`` without the white space of ``SPACES`` at either end."""
    return text.strip(SPACES)


def clean_text(value: str) -> str | None:
    """NFC-normalised, trimmed text with every line end as ``\\n``; empty means absent."""
    text = trim(unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n"))
    return text or None


def echo(value: str) -> str:
    """A refused code as a message may show it: short, and with nothing invisible."""
    shown = FORBIDDEN_CHARS.sub("\ufffd", value)
    return shown if len(shown) <= ECHO_LENGTH else shown[:ECHO_LENGTH] + "…"
