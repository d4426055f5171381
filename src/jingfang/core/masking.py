"""Masking of identifiers in lists and details (《中华人民共和国精神卫生法》第四条): 110***********1234, 138****5678."""


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    digits = value.strip()
    if len(digits) == 11:
        return digits[:3] + "****" + digits[-4:]
    if len(digits) <= 4:
        return "*" * len(digits)
    return digits[:2] + "*" * (len(digits) - 4) + digits[-2:]


def mask_name(value: str | None) -> str:
    """张三丰 -> 张**; used where a name must be hinted without being shown."""
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1)
