"""Follow-up card codes: pseudonymous, short, readable aloud, with a check character.

A person keeps a small card; the code on it links their visits without storing who they
are. Codes use Crockford's base-32 alphabet (no I, L, O or U: nothing to confuse with 1,
0 or V) and end with a Luhn mod 32 check character, which catches every single-character
typo and nearly every swap of two neighbours. Tablets make codes offline with the same
algorithm, so codes are random, not sequential: 7 random characters give 34 billion codes.
"""

import secrets

from .text import SPACES

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BASE = len(ALPHABET)
DATA_LENGTH = 7
CODE_LENGTH = DATA_LENGTH + 1
# What people and keyboards write instead (Crockford's decoding rules).
LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
# Blanks and dashes people type between the groups; the tablets receive the same list.
SEPARATORS = SPACES + "-"
_SEPARATORS = str.maketrans(dict.fromkeys(SEPARATORS))


def check_character(data: str) -> str:
    """The Luhn mod 32 check character of ``data`` (already in the alphabet)."""
    total = 0
    factor = 2
    for char in reversed(data):
        addend = factor * ALPHABET.index(char)
        total += addend // BASE + addend % BASE
        factor = 1 if factor == 2 else 2
    return ALPHABET[(BASE - total % BASE) % BASE]


def new_code() -> str:
    """A fresh random card code, in its canonical form (8 characters, no dash)."""
    data = "".join(secrets.choice(ALPHABET) for _ in range(DATA_LENGTH))
    return data + check_character(data)


def normalise(text: str) -> str:
    """Upper case, without blanks or dashes, lookalike letters read as digits."""
    return text.translate(_SEPARATORS).upper().translate(LOOKALIKES)


def is_valid(code: str) -> bool:
    """Is ``code`` (canonical form) a well-formed code whose check character matches?"""
    if len(code) != CODE_LENGTH or any(char not in ALPHABET for char in code):
        return False
    return check_character(code[:-1]) == code[-1]


def display(code: str) -> str:
    """Two groups of four, as printed on the card: ``K7M4-QXP2``."""
    return f"{code[:4]}-{code[4:]}"


def tablet_rules() -> dict:
    """How tablets make and check codes offline (rules.js ``cardTools``), as data."""
    return {"alphabet": ALPHABET, "length": CODE_LENGTH, "check": "luhn_mod_n",
            "lookalikes": {"O": "0", "I": "1", "L": "1"}, "separators": SEPARATORS}
