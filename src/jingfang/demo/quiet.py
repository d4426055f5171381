"""Running one step of the demo's activity: a step that the rules refuse is logged and skipped."""

import logging

from jingfang.core import errors

log = logging.getLogger("jingfang.demo.activity")


def quietly(step: str, fn, *args, **kwargs):
    """Demo activity is a garnish: a step that the rules refuse is logged and skipped."""
    try:
        return fn(*args, **kwargs)
    except errors.ServiceError as exc:
        log.warning("demo %s skipped: %s", step, exc)
        return None
