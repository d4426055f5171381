"""Writing audit rows. Every read, search, change and export of a patient's data calls one of these.

Detail must never hold an ID number, a phone number or a diagnosis: field names and counts only.
"""

import contextlib
import contextvars
import functools
import ipaddress
import json
import logging
import re

from django.conf import settings
from django.core import mail

from .models import AuditEvent

log = logging.getLogger(__name__)

ID_NUMBER_RE = re.compile(r"\d{17}[\dXx]")
SCRUBBED = "[已屏蔽]"


def _diagnosis_words() -> tuple[set[str], set[str]]:
    from jingfang.core.vocab import DIAGNOSES

    return set(DIAGNOSES.values()), set(DIAGNOSES)


def _strict() -> bool:
    """Refuse (rather than scrub) forbidden text in debug and under a test runner (which sets mail.outbox)."""
    explicit = getattr(settings, "JINGFANG_AUDIT_STRICT", None)
    return bool(explicit) if explicit is not None else settings.DEBUG or hasattr(mail, "outbox")


def _forbidden(text: str) -> bool:
    labels, codes = _diagnosis_words()
    return bool(ID_NUMBER_RE.search(text)) or text in codes or any(label in text for label in labels)


def _scrub(text: str) -> str:
    text = text.replace("\x00", "")  # a NUL sent by a client: PostgreSQL stores no NUL in text
    labels, codes = _diagnosis_words()
    if text in codes:
        return SCRUBBED
    text = ID_NUMBER_RE.sub(SCRUBBED, text)
    for label in labels:
        text = text.replace(label, SCRUBBED)
    return text


def _clean(value, where: str, strict: bool):
    """Audit text may name fields and count rows, never hold an ID number or a diagnosis."""
    if isinstance(value, dict):
        return {_clean(str(k), where, strict): _clean(v, where, strict) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v, where, strict) for v in value]
    if isinstance(value, str):
        value = value.replace("\x00", "")  # a NUL sent by a client: PostgreSQL stores no NUL in text
    if isinstance(value, str) and _forbidden(value):
        if strict:
            raise ValueError(f"审计{where}不得包含证件号或诊断：{_scrub(value)[:80]}")
        return _scrub(value)
    return value


def client_ip(request) -> str | None:
    """The client's address: behind the proxy (``JINGFANG_BEHIND_PROXY``), on a connection from one of
    the proxy's addresses (``JINGFANG_PROXY_IPS``), the last address of X-Forwarded-For, the one the
    proxy itself saw (nginx replaces the header with it); otherwise the connection's own address,
    whatever the client put in that header."""
    if request is None:
        return None
    remote = request.META.get("REMOTE_ADDR")
    trusted = settings.JINGFANG_BEHIND_PROXY and _is_proxy(remote, tuple(settings.JINGFANG_PROXY_IPS))
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "") if trusted else ""
    ip = forwarded.split(",")[-1].strip() if forwarded else remote
    try:
        return ipaddress.ip_address(ip).compressed if ip else None
    except ValueError:  # a forged header: not an address (PostgreSQL's inet column would refuse it)
        return None


def _is_proxy(remote: str | None, proxies: tuple) -> bool:
    if "*" in proxies:
        return True
    try:
        address = ipaddress.ip_address(remote or "")
    except ValueError:
        return False
    return any(address in network for network in _networks(proxies))


@functools.lru_cache(maxsize=8)
def _networks(proxies: tuple) -> list:
    found = []
    for entry in proxies:
        try:
            found.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            log.warning("JINGFANG_PROXY_IPS: %r is not an address or network; ignored", entry)
    return found


# The patients named by the audit rows written inside ``patients_named()``: core.idempotency keeps them
# with a kept answer, so that a replay shows that answer only to someone who may still see each of them.
_named_patients: contextvars.ContextVar[set | None] = contextvars.ContextVar("jingfang_named_patients",
                                                                            default=None)


@contextlib.contextmanager
def patients_named():
    """Collect the ids of the patients the audit rows written in the block name (their outcome ok)."""
    named: set[int] = set()
    token = _named_patients.set(named)
    try:
        yield named
    finally:
        _named_patients.reset(token)


def record(
    user,
    action: str,
    *,
    request=None,
    outcome: str = "ok",
    patient_id: int | None = None,
    target: str = "",
    detail: dict | None = None,
    username: str = "",
) -> AuditEvent:
    """Append one row to the audit hash chain (inside the caller's transaction, if any).

    Target and detail holding an ID number or a diagnosis raise ValueError in debug and tests and are
    scrubbed in production; the username (typed by whoever failed to sign in) and path are always scrubbed.
    """
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    region = getattr(user, "region_id", "") if authenticated else ""
    strict = _strict()
    detail = _clean(json.loads(json.dumps(detail or {})), "详情", strict)
    target = _clean(str(target or ""), "对象", strict)[:200]
    name = _scrub((user.get_username() if authenticated else username) or "")[:150]
    path = _scrub(request.path)[:300] if request is not None else ""  # never the query: it may hold an ID number
    event = AuditEvent(
        user_id=user.pk if authenticated else None,
        username=name,
        role=(getattr(user, "role", "") or "") if authenticated else "",
        region_code=region or "",
        action=action,
        outcome=outcome,
        patient_id=None if patient_id is None else int(patient_id),
        target=target,
        detail=detail,
        ip=client_ip(request),
        path=path,
    )
    event.save(force_insert=True)  # appends to the hash chain under the chain head's row lock
    named = _named_patients.get()
    if named is not None and event.patient_id is not None and outcome == "ok":
        named.add(event.patient_id)
    return event


def record_request(request, action: str, **kwargs) -> AuditEvent:
    """Audit an action taken through a web page or API call by its authenticated user."""
    return record(getattr(request, "user", None), action, request=request, **kwargs)


ADMIN_CHANGES = {1: "added", 2: "changed", 3: "deleted"}

# The Django admin request being served (set by accounts.admin around every admin view), so that the
# rows of its LogEntries carry the client's address and path like every other audit row.
_admin_request = contextvars.ContextVar("jingfang_admin_request", default=None)


@contextlib.contextmanager
def admin_request(request):
    token = _admin_request.set(request)
    try:
        yield
    finally:
        _admin_request.reset(token)


def _changed_fields(entry) -> list[str]:
    """The names of the fields a LogEntry says were changed (never their values)."""
    try:
        message = json.loads(entry.change_message or "[]")
    except ValueError:
        return []
    fields = []
    for item in message if isinstance(message, list) else []:
        changed = item.get("changed") if isinstance(item, dict) else None
        if isinstance(changed, dict):
            fields += [str(f) for f in changed.get("fields", [])]
    return fields


def record_admin_entry(entry) -> AuditEvent:
    """Audit one Django admin LogEntry (an admin adding, changing or deleting a user, region…)."""
    model = entry.content_type.model if entry.content_type_id else "unknown"
    detail = {"change": ADMIN_CHANGES.get(entry.action_flag, str(entry.action_flag))}
    fields = _changed_fields(entry)
    if fields:
        detail["fields"] = fields
    return record(
        entry.user,
        "admin",
        request=_admin_request.get(),
        target=f"{model}:{entry.object_id or ''}",
        detail=detail,
    )


def on_log_entry_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        record_admin_entry(instance)
