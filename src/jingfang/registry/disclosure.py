"""The one gate for "is this ID number a registered patient anywhere?" (PIPL art. 28: being registered
is itself health information; 《中华人民共和国精神卫生法》第四条).

Every answer about a registration outside the asking user's jurisdiction passes through ``check``:
the lead duplicate check (page, htmx and API), patient creation (page, API, confirming a lead), list
reconciliation, and the ledger import (check and import). Emergency access (紧急查阅) finds the patient
through ``find_for_emergency`` and counts its own daily limit under ``user_lock``.

- Inside the user's jurisdiction the answer is free: the user may see those files anyway.
- Roles in ``DISCLOSING_ROLES`` (health staff who may also break the glass: the township and village
  doctors, who handle transfers) are told, and each distinct number costs one unit of a per-user daily
  quota (``JINGFANG_DISCLOSURE_PER_DAY``; the same number again that day costs nothing). Past the quota
  the answer is "需县级核实" and says nothing either way.
- Every other role is never told: its answer is the same whether the number is registered elsewhere
  or not at all (a lead it reports is resolved by the township doctor, whose own quota applies).
- A look-up (``colliding=False``: nothing is written, e.g. the duplicate check) spends on every number
  not registered inside the jurisdiction, registered or not, so the spending says nothing. A
  registration (``colliding=True``) spends only on a number that collides with a file elsewhere: a
  fresh number becomes a file in the user's own jurisdiction, an audited act, not a look-up.
- Counting is atomic: one transaction that holds the user's advisory lock (PostgreSQL; SQLite
  transactions are IMMEDIATE and serialise anyway), counts, and inserts the day's rows. Each check is
  audited with counts only (never a number).
"""

from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from jingfang.accounts import roles
from jingfang.audit import log as audit
from jingfang.core import bulk, clock, crypto, idnumber

from .models import Disclosure, Patient

DISCLOSING_ROLES = frozenset(r for r in roles.HEALTH_ROLES if roles.can(r, roles.BREAK_GLASS))
_CHUNK = 1000
_LOCK_SPACE = 0x6A66  # the first key of this module's advisory locks (PostgreSQL)


@dataclass(frozen=True)
class Answer:
    inside: frozenset  # registered inside the user's jurisdiction (free: the user may see them)
    elsewhere: frozenset  # registered outside it, and the user was told (quota spent)
    told: frozenset  # numbers the user was answered about outside the jurisdiction (quota spent)
    unverified: frozenset  # past the quota: "需县级核实", nothing said (disclosing roles only)
    asked: int = 0  # numbers outside the jurisdiction that were asked about (told or not)


def may_learn(user) -> bool:
    """May this user be told that a number is registered outside their jurisdiction (within quota)?"""
    return bool(user is not None and user.is_authenticated and user.is_active and user.role in DISCLOSING_ROLES)


def _digest(number: str) -> str:
    return crypto.blind_index(number, Patient._meta.get_field("id_number_index").purpose)


def _normalized(numbers: Iterable[str]) -> list[str]:
    """Distinct valid whole numbers, in the order given (one that fails its checksum has no file and
    costs nothing)."""
    out = {}
    for n in numbers:
        n = idnumber.normalize(n or "")
        if len(n) == 18 and n not in out and idnumber.is_valid(n):
            out[n] = None
    return list(out)


def registered_later(numbers: Iterable[str]) -> Callable[[], dict[str, str]]:
    """{number: village code of its file} for those of ``numbers`` any patient anywhere has, asked now
    and answered by calling what it returns (compared by blind index: nothing is decrypted). Inside
    ``core.bulk.copied_behind`` the question goes ahead of the copies still queued. Private to the
    gate's callers in this app: never show the result as such; pass it to ``check``."""
    index = Patient._meta.get_field("id_number_index")
    wanted = _normalized(numbers)
    by_digest = {d: n for n in wanted for d in crypto.blind_indexes(n, index.purpose)}
    digests = list(by_digest)
    asked = [bulk.fetch_behind(Patient.objects.filter(id_number_index__in=digests[i : i + _CHUNK])
                               .values_list("id_number_index", "region_id"))
             for i in range(0, len(digests), _CHUNK)]
    return lambda: {by_digest[d]: region for question in asked for (d, region) in question.result()}


@contextmanager
def user_lock(user):
    """One transaction in which this user's counting is serialised: on PostgreSQL a transaction-level
    advisory lock per user (held until the outermost transaction ends; it blocks nothing but this
    user's other counting); SQLite's IMMEDIATE transactions already hold the one write lock."""
    with transaction.atomic():
        connection = transaction.get_connection()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_SPACE, user.pk % 2**31])
        yield


def spent_today(user) -> int:
    return Disclosure.objects.filter(user=user, day=clock.today()).count()


def _spend(user, numbers: list[str], purpose: str) -> tuple[set[str], set[str]]:
    """(told, refused): numbers already spent today are free; new ones while the quota lasts."""
    if not numbers:
        return set(), set()
    limit = settings.JINGFANG_DISCLOSURE_PER_DAY
    day = clock.today()
    by_digest = {_digest(n): n for n in numbers}
    digests = list(by_digest)
    with user_lock(user):
        mine = Disclosure.objects.filter(user=user, day=day)
        done = {d for i in range(0, len(digests), _CHUNK)
                for d in mine.filter(digest__in=digests[i : i + _CHUNK]).values_list("digest", flat=True)}
        new = [d for d in digests if d not in done]
        room = len(new) if not limit else max(0, limit - mine.count())
        take = new[:room]
        Disclosure.objects.bulk_create([Disclosure(user=user, day=day, digest=d, purpose=purpose[:20])
                                        for d in take], batch_size=500)
    told = {by_digest[d] for d in (*done, *take)}
    return told, set(numbers) - told


def check(user, numbers: Iterable[str], *, purpose: str, colliding: bool = False, request=None,
          registered: dict[str, str] | None = None, audited: bool = True) -> Answer:
    """What ``user`` may be told about ``numbers``: see the module docstring. ``registered`` (from
    ``registered_later``) saves asking again when the caller already has it. ``audited=False``: the
    caller audits the counts itself (``record``), e.g. once for a whole ledger, after its transaction,
    so that the audit chain's lock is not held while a long import goes on."""
    wanted = _normalized(numbers)
    if registered is None:
        registered = registered_later(wanted)() if wanted else {}
    from .selectors import jurisdiction_range

    scope = jurisdiction_range(user)
    inside = {n for n in wanted if n in registered and scope and scope[0] <= registered[n] <= scope[1]}
    outside = [n for n in wanted if n not in inside and (n in registered or not colliding)]
    told, refused = set(), set()
    if outside and may_learn(user):
        told, refused = _spend(user, outside, purpose)
    counts = {"asked": len(outside), "told": len(told), "unverified": len(refused), "inside": len(inside)}
    if audited:
        record(user, purpose, counts, request=request)
    return Answer(inside=frozenset(inside), elsewhere=frozenset(n for n in told if n in registered),
                  told=frozenset(told), unverified=frozenset(refused), asked=len(outside))


def record(user, purpose: str, counts: dict, *, request=None) -> None:
    """The audit row of one check (or of several, counts summed): counts only, never a number."""
    if counts.get("asked") or counts.get("inside"):
        audit.record(user, "search", request=request, outcome="denied" if counts.get("unverified") else "ok",
                     target=f"registration_check:{purpose}"[:100],
                     detail={**counts, "disclosing": may_learn(user)})


def find_for_emergency(number: str) -> Patient | None:
    """The patient with this whole ID number anywhere, or None. Unscoped: for emergency access only,
    whose service counts the look-up under ``user_lock`` and decides what the caller may then open;
    never show the result as such (《中华人民共和国精神卫生法》第四条)."""
    number = idnumber.normalize(number)
    return Patient.objects.select_related("region").filter(id_number=number).first() if number else None
