"""Demo logins: one user per role, all with the same published password.

These exist only in demo data. The password is public, so never load the demo into a system that
holds real patients.
"""

import unicodedata

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from jingfang.accounts import roles

from . import regions as demo_regions

DEMO_PASSWORD = "Jingfang@2026"

_COUNTY = demo_regions.COUNTY[0]
_TOWNSHIP_1 = "990102001000"
_TOWNSHIP_2 = "990102002000"
_VILLAGE_1 = "990102001001"

# (username, role, region code, display name). Display names were drawn from Faker zh_CN.
DEMO_USERS: list[tuple[str, str, str, str]] = [
    ("county", roles.COUNTY_SUPERVISOR, _COUNTY, "杨旭"),
    ("admin", roles.ADMIN, _COUNTY, "伍婷婷"),
    ("secadmin", roles.SECURITY_ADMIN, _COUNTY, "高建军"),
    ("auditor", roles.AUDIT_ADMIN, _COUNTY, "刘晓燕"),
    ("office1", roles.TOWNSHIP_OFFICE, _TOWNSHIP_1, "崔丽丽"),
    ("doctor1", roles.TOWNSHIP_DOCTOR, _TOWNSHIP_1, "王浩"),
    ("police1", roles.POLICE, _TOWNSHIP_1, "陈帅"),
    ("civil1", roles.CIVIL_AFFAIRS, _TOWNSHIP_1, "王小红"),
    ("dpf1", roles.DPF, _TOWNSHIP_1, "张娟"),
    ("judicial1", roles.JUDICIAL, _TOWNSHIP_1, "封兰英"),
    ("vdoc1", roles.VILLAGE_DOCTOR, _VILLAGE_1, "李桂兰"),
    ("cadre1", roles.VILLAGE_CADRE, _VILLAGE_1, "孙婷"),
    ("doctor2", roles.TOWNSHIP_DOCTOR, _TOWNSHIP_2, "植宇"),
]


def create_demo_users() -> tuple[list[str], list[str]]:
    """Create the demo users that do not exist yet; returns (created, skipped) usernames.

    An existing user of the same name is left exactly as it is. The password is hashed once and
    shared by all demo users (it is public anyway), which keeps demo loading fast.
    """
    User = get_user_model()
    existing = set(
        User.objects.filter(username__in=[u[0] for u in DEMO_USERS]).values_list("username", flat=True)
    )
    hashed = make_password(DEMO_PASSWORD)
    new = [
        User(
            username=username,
            role=role,
            region_id=code,
            first_name=display_name,
            password=hashed,
            is_staff=roles.is_admin_role(role),
            is_superuser=False,
        )
        for username, role, code, display_name in DEMO_USERS
        if username not in existing
    ]
    User.objects.bulk_create(new)
    return [u.username for u in new], sorted(existing)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _region_names() -> dict[str, str]:
    from jingfang.regions.models import Region

    names = demo_regions.full_names()
    for region in Region.objects.filter(code__in=[u[2] for u in DEMO_USERS]).select_related("parent__parent"):
        names[region.code] = region.full_name() or region.name
    return names


def login_rows() -> list[tuple[str, str, str, str]]:
    """(username, role label, region name, password) for each demo user."""
    names = _region_names()
    return [(u, roles.label(role), names.get(code, code), DEMO_PASSWORD) for u, role, code, _ in DEMO_USERS]


def print_logins(stdout) -> None:
    """Write the demo logins as an aligned table to ``stdout`` (any object with ``write``)."""
    header = ("用户名", "角色", "所属区划", "密码")
    rows = [header, *login_rows()]
    widths = [max(_width(row[i]) for row in rows) for i in range(len(header))]
    stdout.write("演示账号（仅用于演示数据，密码公开，切勿用于真实数据）：\n")
    for n, row in enumerate(rows):
        stdout.write(
            "  " + "  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip() + "\n"
        )
        if n == 0:
            stdout.write("  " + "  ".join("-" * w for w in widths) + "\n")
