"""Search-as-you-type pickers: a text box and a <select> whose options htmx refreshes as one types.

The template ``core/_picker.html`` draws one picker inside a form: the box ``<field>_q``, a 查找
button and the ``<select name="<field>">`` that the form submits. With JavaScript the box (and the
button) fetch ``core/_picker_options.html`` from a small view and replace the select's options;
without it the 查找 button submits the form with ``pick=<field>``, and the page answers the same
form again with the matches as options (``finding()``), saving nothing.

A query is text to look for, never an identifier: a run of seven or more digits (a whole ID number
or phone number, which would end up in the address bar, history and logs) is refused, like the
patient list refuses it in its address; the shortest query is one Chinese character or two others.
"""

import re
from dataclasses import dataclass

from django.shortcuts import render

from . import idnumber

MAX_RESULTS = 20  # options offered at once: a longer list is a reason to type more, not to scroll
MAX_QUERY = 30
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_FIELD = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,39}$")

NUMBER_REFUSED = "为保护隐私，不能按完整身份证号或电话号码查找；请输入姓名、身份证号后4位或脱敏身份证号"
TOO_SHORT = "请至少输入1个汉字或2个字符"
NONE_FOUND = "未找到匹配项"


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Query:
    text: str  # what to look for ("" when nothing may be searched)
    problem: str = ""  # why nothing is searched (shown in place of the options)


def query(raw: str | None, *, required: bool = True) -> Query:
    """The cleaned query, or an empty one and why. ``required=False``: an empty query is a query
    (pickers whose whole candidate list is short, e.g. a township's staff)."""
    text = " ".join((raw or "").split())[:MAX_QUERY]
    if not text:
        return Query("", TOO_SHORT if required else "")
    if idnumber.holds_identifier(text):
        return Query("", NUMBER_REFUSED)
    if not _CJK.search(text) and len(text) < 2:
        return Query("", TOO_SHORT)
    return Query(text)


def field_name(raw: str | None) -> str:
    """The picker's form field named by a request (echoed into the page only after this check)."""
    raw = raw or ""
    return raw if _FIELD.match(raw) else ""


def finding(post) -> str:
    """The field whose 查找 button submitted the form (no JavaScript), or ""."""
    return field_name(post.get("pick"))


def hint(options: list, more: bool, q: Query, *, empty: str = "请选择") -> str:
    if q.problem:
        return q.problem
    if not options:
        return NONE_FOUND if q.text else empty
    if more:
        return f"仅列出前{len(options)}项，请输入更多字符缩小范围"
    return f"找到{len(options)}项，请选择" if q.text else empty


def limited(items, limit: int = MAX_RESULTS) -> tuple[list, bool]:
    """At most ``limit`` items of an iterable or queryset, and whether there were more."""
    found = list(items[: limit + 1]) if hasattr(items, "__getitem__") else list(items)
    return found[:limit], len(found) > limit


def options_response(request, options: list[Option], *, chosen: str = "", hint_text: str = ""):
    """The fragment that replaces a picker's options."""
    return render(request, "core/_picker_options.html", {"options": options, "chosen": chosen, "hint": hint_text})
