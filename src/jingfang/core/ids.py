"""Object ids read from request text.

``str.isdigit()`` is no guard before ``int()``: it is true for "²", "①" and other digits ``int()``
refuses (ValueError), and says nothing of size (an id beyond 64 bits overflows the database's integer).
An id here is 1 to ``MAX_ID_DIGITS`` ASCII digits and above 0, as ``registry.selectors`` requires of a
patient's id (16 digits and more may be an ID number).
"""

import re

from jingfang.core.middleware import MAX_ID_DIGITS

DIGITS = re.compile(r"[0-9]+")
_ID = re.compile(rf"[0-9]{{1,{MAX_ID_DIGITS}}}")


def parse(value) -> int | None:
    """The id ``value`` names (text or an int), or None when it names none."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    if not _ID.fullmatch(text):
        return None
    pk = int(text)
    return pk if pk > 0 else None


def is_digits(text: str) -> bool:
    """True for ASCII digits only (what ``int()`` reads), unlike ``str.isdigit()``."""
    return DIGITS.fullmatch(text) is not None
