"""Idempotent writes: a request retried with the same key is done once and answered as the first time.

A client (a phone on a bad network, an offline queue sending its backlog) gives each write a key of
its own choosing (``Idempotency-Key``, e.g. a UUID) and sends it again unchanged with every retry.
``run_once`` does the write at most once per user and key:

- the first request with a key runs ``execute`` inside one transaction together with the insertion
  of the key's row (``IdempotentRequest``); an answer worth keeping (``keep``: by default a success)
  is stored in that row, encrypted, in the same transaction as the write and its audit row. So either
  the write, its audit row and the kept answer are all committed, or none of them;
- a repeat by the same user with the same key, method, path and body gets the kept answer back
  (``Answer.replayed``) and runs nothing: no second write, no second audit row of it;
- a repeat with another method, path or body is refused (``KeyReused``, 422): the client reused a key
  for another request;
- a concurrent duplicate (the same key while the first is still running) waits for the first one's
  transaction: on PostgreSQL the insertion of the key's row waits on the unique index, on SQLite the
  writer lock (``transaction_mode IMMEDIATE``) serialises the two. It is then answered with the first
  one's kept answer. If the first one kept nothing (a refusal, an error: nothing was written) the
  second one runs as if it came first;
- refusals (4xx) and errors are not kept: the request did not take effect, and the same key may be
  sent again, with the same or a corrected body;
- a kept answer is shown again only to the access it was made for: the row holds the user's role and
  region when it was kept (``scope_of``), and a repeat after either changed is refused (409, the write
  is not done again). The row also holds the patients the request's own audit rows named
  (``audit.patients_named``); a replay sends each through the check the registry registers
  (``register_replay_check``: its jurisdiction gate, 404 and audited like any other look-up, an audited
  view when it passes), so a patient transferred away is not shown again, whatever the path. Reads sent
  by POST (searches, reveals) are never kept (``api_support.READ_BY_POST``): they run again and are
  audited again.

Keys are per user (another user's same key is another key), bounded (1 to ``MAX_KEY_LENGTH`` visible
ASCII characters) and stored only as their SHA-256, as is the request body. Kept answers are deleted
after ``JINGFANG_IDEMPOTENCY_DAYS`` by the worker's nightly run (``purge``).

The API applies this to every signed-in write (``jingfang.core.api_support.guard_writes``); other code
(e.g. a queue of writes made offline) calls ``run_once`` with its own ``execute``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from jingfang.audit import log as audit

from . import errors
from .models import IdempotentRequest

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 200
MAX_PATH_LENGTH = 500  # IdempotentRequest.path
KEY_PATTERN = rf"^[\x21-\x7e]{{1,{MAX_KEY_LENGTH}}}$"
_KEY = re.compile(KEY_PATTERN)
BAD_KEY = f"{HEADER}：应为1至{MAX_KEY_LENGTH}个可见的ASCII字符（字母、数字、标点，不含空格），例如一个UUID"
REUSED = (f"{HEADER}：此键已用于另一个请求（方法、路径或内容不同）。重试时请原样重发同一请求；"
          "新的请求请使用新的键")
IN_PROGRESS = "请求正在处理，请稍后用同一键重试"


PERMISSION_CHANGED = ("此请求此前已经完成，不会重复执行；但您的角色或辖区已变更，不再显示当时的答复。"
                      "如需查看结果，请重新查询")

# Checks a replay must pass besides the user and the request: ``check(user, patient_ids, request)`` raises
# (e.g. Http404 for a patient the user may no longer see) or returns None.
_REPLAY_CHECKS: list[Callable[[Any, list[int], Any], None]] = []


def register_replay_check(check: Callable[[Any, list[int], Any], None]) -> Callable[[Any, list[int], Any], None]:
    """Called by the app that owns the objects some paths name (in its ``AppConfig.ready``)."""
    if check not in _REPLAY_CHECKS:
        _REPLAY_CHECKS.append(check)
    return check


def scope_of(user) -> str:
    """The access a kept answer was made for: the user's role and region."""
    return f"{getattr(user, 'role', '')}|{getattr(user, 'region_id', '') or ''}"


class KeyReused(errors.Invalid):
    """The key was used before, by the same user, for another request."""


@dataclass(frozen=True)
class Answer:
    """An answer as kept: status, body text and its content type; ``replayed`` when sent again."""

    status: int
    body: str
    content_type: str = "application/json; charset=utf-8"
    replayed: bool = False


def check_key(key: str | None) -> str:
    """The key as given, or ``errors.Invalid`` naming the header (empty, too long, not visible ASCII)."""
    if key is None or not _KEY.match(key):
        raise errors.Invalid([errors.FieldError(HEADER, BAD_KEY)])
    return key


def digest(data: bytes | str) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def body_digest(body: bytes | str, content_type: str = "") -> str:
    """The digest of a request body; a JSON body is compared as data (key order and spacing do not count)."""
    if "json" in (content_type or "").lower():
        try:
            body = json.dumps(json.loads(body), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        except ValueError:
            pass
    return digest(body)


def _kept(user, key_digest: str) -> IdempotentRequest | None:
    return IdempotentRequest.objects.filter(user=user, key_digest=key_digest).first()


def _replay(row: IdempotentRequest, method: str, path: str, body_hash: str, user, request) -> Answer:
    if (row.method, row.path, row.body_digest) != (method, path, body_hash):
        raise KeyReused([errors.FieldError(HEADER, REUSED)])
    if row.scope != scope_of(user):
        raise errors.Conflict([errors.FieldError(HEADER, PERMISSION_CHANGED)])
    for check in _REPLAY_CHECKS:
        check(user, row.patients, request)
    answer = row.answer or {}
    return Answer(row.status, answer.get("body", ""), answer.get("content_type", Answer.content_type), replayed=True)


def _keep_success(result: Any) -> Answer | None:
    if isinstance(result, Answer) and 200 <= result.status < 300:
        return result
    return None


def run_once(user, key: str, *, method: str, path: str, body_hash: str, execute: Callable[[], Any],
             keep: Callable[[Any], Answer | None] = _keep_success, failed: Callable[[Any], bool] = lambda r: False,
             request=None):
    """Run ``execute`` once for (user, key); a repeat gets the kept ``Answer`` (``replayed``) instead.

    ``execute`` runs inside the transaction that stores the key; its result goes back to the caller.
    ``keep(result)``: the Answer to keep for repeats, or None (nothing kept, the key may be used again).
    ``failed(result)``: roll the whole transaction back (e.g. an answer 500), the key included.
    Raises ``errors.Invalid`` for a bad key, ``KeyReused`` for a key used for another request and
    ``errors.Conflict`` for a repeat after the user's role or region changed; a replay check registered
    by an app may raise too (``request``, when given, is passed to those checks).
    """
    key_hash = digest(check_key(key))
    method, path = method.upper(), path[:MAX_PATH_LENGTH]
    row = _kept(user, key_hash)
    if row is not None:
        return _replay(row, method, path, body_hash, user, request)
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = IdempotentRequest.objects.create(user=user, key_digest=key_hash, method=method, path=path,
                                                       body_digest=body_hash, scope=scope_of(user))
        except IntegrityError:
            # A duplicate sent at the same time committed first (this insert waited for it): its answer.
            row = _kept(user, key_hash)
            if row is None or row.status is None:
                raise errors.Conflict(IN_PROGRESS) from None
            return _replay(row, method, path, body_hash, user, request)
        with audit.patients_named() as named:
            result = execute()
        if failed(result):
            transaction.set_rollback(True)
            return result
        answer = keep(result)
        if answer is None:
            row.delete()
        else:
            row.status, row.patients = answer.status, sorted(named)
            row.answer = {"body": answer.body, "content_type": answer.content_type}
            row.save(update_fields=["status", "answer", "patients"])
    return result


def purge(now: dt.datetime | None = None, days: int | None = None) -> int:
    """Delete kept keys older than ``days`` (default ``JINGFANG_IDEMPOTENCY_DAYS``); returns how many."""
    days = settings.JINGFANG_IDEMPOTENCY_DAYS if days is None else days
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return deleted
