"""What kinds of background job exist: each app registers its own in ``AppConfig.ready``.

A handler is ``handler(job, report) -> dict``: it does the work, calls ``report(done, total,
message)`` as it goes (see ``progress.Reporter``) and returns the result summary shown on the job
page (``{"message": "…", "summary": [[label, value], …]}``). It raises ``JobFailed`` for a failure
the user can act on (the message is shown as is); any other exception is shown as an internal error.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.module_loading import import_string


class JobFailed(Exception):
    """A failure explained to the user: ``message`` (Chinese) and an optional result summary."""

    def __init__(self, message: str, *, result: dict | None = None, retryable: bool = False):
        super().__init__(message)
        self.message = message
        self.result = result or {}
        self.retryable = retryable


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    handler_path: str
    # Whether a job that failed through no fault of its input (the worker died, the database went
    # away) may simply be run again; such handlers write nothing unless they finish.
    rerunnable: bool = False
    # Started by the system (nightly), not by a user: shown to administrators.
    system: bool = False

    @property
    def handler(self) -> Callable:
        return import_string(self.handler_path)


_KINDS: dict[str, Kind] = {}


def register(name: str, label: str, handler_path: str, *, rerunnable: bool = False, system: bool = False) -> Kind:
    kind = Kind(name, label, handler_path, rerunnable=rerunnable, system=system)
    _KINDS[name] = kind
    return kind


def get(name: str) -> Kind:
    try:
        return _KINDS[name]
    except KeyError:
        raise LookupError(f"unknown job kind {name!r}") from None


def label(name: str) -> str:
    kind = _KINDS.get(name)
    return kind.label if kind else name
