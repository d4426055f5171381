"""The short code of a paper follow-up form (offline/paper_code.py): enough entropy, an alphabet without
look-alikes, and a check character that catches every single typo and every swap before a look-up."""

import itertools
import math

import pytest

from jingfang.offline import paper_code as pc


def test_alphabet_and_entropy():
    assert pc.BASE == 31 and len(set(pc.ALPHABET)) == 31  # prime: the check catches swaps too
    assert not set("01IOZ") & set(pc.ALPHABET)  # no look-alikes of each other
    assert pc.LENGTH == 10
    assert pc.RANDOM_LENGTH * math.log2(pc.BASE) > 44  # ≈ 2.6×10^13 codes


def test_made_codes_are_valid_random_and_never_repeat():
    codes = {pc.make() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(pc.problem(c) is None and len(c) == pc.LENGTH for c in codes)
    first = [c[0] for c in codes]  # every symbol turns up in the first position
    assert set(first) == set(pc.ALPHABET)


@pytest.mark.parametrize("typed, problem", [
    ("", pc.BAD_LENGTH),
    ("ABCDE", pc.BAD_LENGTH),
    ("ABCDE-FGHJK-2", pc.BAD_LENGTH),
    ("ABCDE-FGHJ0", pc.BAD_CHARACTER),  # 0 is not in the alphabet
    ("ABCDE-FGHJI", pc.BAD_CHARACTER),
    ("患者姓名ABCDEF", pc.BAD_CHARACTER),
])
def test_malformed_codes_say_what_is_wrong(typed, problem):
    assert pc.problem(typed) == problem


def test_every_single_substitution_and_every_swap_is_caught():
    for _ in range(30):
        code = pc.make()
        for i, c in itertools.product(range(pc.LENGTH), pc.ALPHABET):
            if c != code[i]:
                assert pc.problem(code[:i] + c + code[i + 1:]) == pc.BAD_CHECK
        for i, j in itertools.combinations(range(pc.LENGTH), 2):
            if code[i] != code[j]:
                swapped = list(code)
                swapped[i], swapped[j] = swapped[j], swapped[i]
                assert pc.problem("".join(swapped)) == pc.BAD_CHECK


def test_typed_forms_of_one_code_are_the_same_code():
    code = pc.make()
    shown = pc.shown(code)
    assert shown == f"{code[:5]}-{code[5:]}"
    for typed in (code, code.lower(), shown, f" {shown.lower()} ", f"{code[:3]} {code[3:7]} {code[7:]}",
                  "".join(chr(ord(c) + 0xFEE0) for c in code)):  # full-width
        assert pc.normalize(typed) == code and pc.problem(typed) is None


def test_qr_text_and_scan():
    code = pc.make()
    assert pc.qr_text(code) == f"JF:{pc.shown(code)}"
    assert pc.from_scan(pc.qr_text(code)) == code
    assert pc.from_scan(code) is None  # a QR code that is not one of ours (no prefix)
    assert pc.from_scan("https://example.invalid/") is None
    assert pc.from_scan("JF:" + code[:-1] + ("2" if code[-1] != "2" else "3")) is None
