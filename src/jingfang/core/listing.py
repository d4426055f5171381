"""What list pages share: which filters were used, the audit row of a list or search, and the
status code a page answers with when a service refused the input."""

from jingfang.audit import log as audit

from . import errors


def used_filters(filters: dict) -> list[str]:
    """Names of the filters given (never their values: a value may be an ID number)."""
    return sorted(k for k, v in filters.items() if v not in ("", None, False))


def audit_list(request, filters: dict, count: int, target: str) -> None:
    used = used_filters(filters)
    audit.record_request(request, "search" if used else "list", target=target,
                         detail={"count": count, "filters": used})


def status_for(problem) -> int:
    if problem is None:
        return 200
    return problem.status if isinstance(problem, errors.ServiceError) else 422
