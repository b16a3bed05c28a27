"""Follow-up card codes."""


import pytest

from pcn_pwa.accompaniments import cards


def test_new_codes_are_valid_and_distinct():
    codes = {cards.new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(cards.is_valid(code) for code in codes)
    assert all(len(code) == 8 for code in codes)


def test_every_single_character_typo_is_caught():
    for _ in range(200):
        code = cards.new_code()
        for position in range(len(code)):
            for wrong in cards.ALPHABET:
                if wrong != code[position]:
                    typo = code[:position] + wrong + code[position + 1:]
                    assert not cards.is_valid(typo), (code, typo)


def test_most_swaps_of_neighbours_are_caught():
    caught = total = 0
    for _ in range(500):
        code = cards.new_code()
        for position in range(len(code) - 1):
            if code[position] != code[position + 1]:
                swapped = code[:position] + code[position + 1] + code[position] + code[position + 2:]
                total += 1
                caught += not cards.is_valid(swapped)
    assert caught / total > 0.95


@pytest.mark.parametrize("typed", ["k7m4-qxp2", " K7M4 QXP2 ", "K7M4QXP2"])
def test_normalise_accepts_how_people_type(typed):
    assert cards.normalise(typed) == "K7M4QXP2"


def test_lookalike_letters_read_as_digits():
    code = "0" * 7
    code += cards.check_character(code)
    assert cards.is_valid(cards.normalise(code.replace("0", "O")))


@pytest.mark.parametrize("bad", ["", "K7M4", "K7M4QXP2Z", "K7M4QXU2", "********"])
def test_malformed_codes_are_invalid(bad):
    assert not cards.is_valid(cards.normalise(bad))


def test_display_groups_by_four():
    assert cards.display("K7M4QXP2") == "K7M4-QXP2"
