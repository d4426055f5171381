"""Errors raised by services, shaped for both the pages and the API ({"errors": [{field, message}]})."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class ServiceError(Exception):
    status = 400

    def __init__(self, errors: list[FieldError] | str, **extra):
        if isinstance(errors, str):
            errors = [FieldError("", errors)]
        self.errors = errors
        self.extra = extra
        super().__init__("; ".join(f"{e.field}: {e.message}" if e.field else e.message for e in errors))

    def as_payload(self) -> dict:
        return {"errors": [{"field": e.field, "message": e.message} for e in self.errors], **self.extra}


class Invalid(ServiceError):
    status = 422


class Forbidden(ServiceError):
    status = 403


class Conflict(ServiceError):
    status = 409


class TooMany(ServiceError):
    """Refused for now: the user has asked this too often within a period."""

    status = 429


def from_form(form, prefix: str = "", field_map: dict | None = None) -> list[FieldError]:
    """Turn a bound, invalid Django form's errors into FieldErrors naming the field in Chinese."""
    errors = []
    for name, messages in form.errors.items():
        key = (field_map or {}).get(name, name)
        label = form.fields[name].label if name in form.fields else ""
        for message in messages:
            text = f"{label}：{message}" if label and not message.startswith(label) else message
            errors.append(FieldError(f"{prefix}{key}" if name != "__all__" else prefix.rstrip("."), text))
    return errors


@dataclass
class Page:
    """A page of results."""

    items: list
    count: int
    number: int
    size: int
    extra: dict = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // self.size))
