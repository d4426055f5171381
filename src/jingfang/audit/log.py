"""Writing audit rows. Every read, search, change and export of a patient's data calls one of these.

Detail must never hold an ID number, a phone number or a diagnosis: field names and counts only.
"""

from .models import AuditEvent


def client_ip(request) -> str | None:
    if request is None:
        return None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    ip = forwarded.split(",")[0].strip() if forwarded else request.META.get("REMOTE_ADDR")
    return ip or None


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
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    region = getattr(user, "region_id", "") if authenticated else ""
    return AuditEvent.objects.create(
        user_id=user.pk if authenticated else None,
        username=(user.get_username() if authenticated else username)[:150],
        role=getattr(user, "role", "") if authenticated else "",
        region_code=region or "",
        action=action,
        outcome=outcome,
        patient_id=patient_id,
        target=target[:200],
        detail=detail or {},
        ip=client_ip(request),
        path=(request.path[:300] if request is not None else ""),  # never the query: it may hold an ID number
    )


def record_request(request, action: str, **kwargs) -> AuditEvent:
    """Audit an action taken through a web page or API call by its authenticated user."""
    return record(getattr(request, "user", None), action, request=request, **kwargs)
