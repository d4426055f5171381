"""Demo logins: every role in every township, plus the county's roles, all with one published password.

Usernames follow one scheme: a prefix for the role and the township's number (1 青山镇, 2 平川镇,
3 中岭乡, 4 雪城街道): ``office``, ``doctor``, ``police``, ``civil``, ``dpf`` and ``judicial`` at the
township, ``vdoc`` and ``cadre`` in the township's first village (``doctor3``, ``vdoc4``); the county's
are ``county``, ``admin``, ``secadmin`` and ``auditor``. These exist only in demo data. The password is
public, so never load the demo into a system that holds real patients.
"""

import unicodedata

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from jingfang.accounts import roles
from jingfang.policies.profiles import DEFAULT_PROFILE, load_profile

from . import regions as demo_regions

DEMO_PASSWORD = "Jingfang@2026"

_COUNTY = demo_regions.COUNTY[0]

# (prefix, role, where): "township" is the township itself, "village" its first village.
TOWNSHIP_ROLES: list[tuple[str, str, str]] = [
    ("office", roles.TOWNSHIP_OFFICE, "township"),
    ("doctor", roles.TOWNSHIP_DOCTOR, "township"),
    ("police", roles.POLICE, "township"),
    ("civil", roles.CIVIL_AFFAIRS, "township"),
    ("dpf", roles.DPF, "township"),
    ("judicial", roles.JUDICIAL, "township"),
    ("vdoc", roles.VILLAGE_DOCTOR, "village"),
    ("cadre", roles.VILLAGE_CADRE, "village"),
]
COUNTY_USERS: list[tuple[str, str]] = [
    ("county", roles.COUNTY_SUPERVISOR),
    ("admin", roles.ADMIN),
    ("secadmin", roles.SECURITY_ADMIN),
    ("auditor", roles.AUDIT_ADMIN),
]

# Display names, drawn once from Faker zh_CN and kept here so that every install shows the same ones:
# the county's four, then eight per township in TOWNSHIP_ROLES order.
_NAMES = [
    "杨旭", "伍婷婷", "高建军", "刘晓燕",
    "崔丽丽", "王浩", "陈帅", "王小红", "张娟", "封兰英", "李桂兰", "孙婷",
    "陈洁", "植宇", "莫柳", "樊敏", "洪梅", "刘霞", "赖琳", "杨鑫",
    "甘琴", "黎春梅", "许博", "蒋玉兰", "张冬梅", "任颖", "杨桂荣", "龚英",
    "卢强", "牛玲", "廖丽丽", "李建", "胡丹丹", "谷健", "周柳", "谢利",
]


def username(prefix: str, township_number: int) -> str:
    return f"{prefix}{township_number}"


def township_number(code: str) -> int:
    """The number of the demo township a region code lies in (1 for 青山镇), as in the usernames."""
    return next(n for n, (t, _, _) in enumerate(demo_regions.TOWNSHIPS, start=1) if t[:9] == code[:9])


def first_village(township_code: str) -> str:
    return f"{township_code[:9]}001"


def _demo_users() -> list[tuple[str, str, str, str]]:
    names = iter(_NAMES)
    out = [(name, role, _COUNTY, next(names)) for name, role in COUNTY_USERS]
    for n, (code, _, _) in enumerate(demo_regions.TOWNSHIPS, start=1):
        for prefix, role, where in TOWNSHIP_ROLES:
            out.append((username(prefix, n), role, code if where == "township" else first_village(code), next(names)))
    return out


# (username, role, region code, display name), the county's users first, then township by township.
DEMO_USERS: list[tuple[str, str, str, str]] = _demo_users()


def township_of(code: str) -> str | None:
    """The demo township a region code lies in (None for the county)."""
    return code[:9] + "000" if code[6:9] != "000" else None


def profile_name(code: str) -> str:
    """The profile in force for a demo region: its own, else its township's, else the county's."""
    for candidate in (code, township_of(code) or "", _COUNTY):
        if candidate in demo_regions.POLICIES:
            return demo_regions.POLICIES[candidate]
    return DEFAULT_PROFILE


def profile_label(code: str) -> str:
    """“薛城区2016（xuecheng-2016）”: the profile's short title and its name."""
    name = profile_name(code)
    return f"{load_profile(name).title}（{name}）"


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


def users_by_township() -> list[tuple[str, list[str]]]:
    """(region code, usernames): the county's users, then each township's, in DEMO_USERS order."""
    groups = [(_COUNTY, [u for u, _, c, _ in DEMO_USERS if township_of(c) is None])]
    for code, _, _ in demo_regions.TOWNSHIPS:
        groups.append((code, [u for u, _, c, _ in DEMO_USERS if township_of(c) == code]))
    return groups


def login_groups() -> list[tuple[str, list[tuple[str, str, str, str]]]]:
    """The login rows by township: (heading with the region and its profile, rows), the county first."""
    rows = dict(zip([u[0] for u in DEMO_USERS], login_rows(), strict=True))
    numbers = {code: n for n, (code, _, _) in enumerate(demo_regions.TOWNSHIPS, start=1)}
    names = {code: name for code, name, _ in demo_regions.TOWNSHIPS}
    out = []
    for code, usernames in users_by_township():
        where = f"{numbers[code]} {names[code]}" if code in numbers else f"{demo_regions.COUNTY[1]}（县级）"
        out.append((f"{where} 政策配置：{profile_label(code)}", [rows[u] for u in usernames]))
    return out


def print_logins(stdout) -> None:
    """Write the demo logins as aligned tables, one per township, to ``stdout`` (any object with ``write``)."""
    header = ("用户名", "角色", "所属区划", "密码")
    every = [header, *login_rows()]
    widths = [max(_width(row[i]) for row in every) for i in range(len(header))]

    def line(row) -> str:
        return "  " + "  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip() + "\n"

    stdout.write(f"演示账号（仅用于演示数据，密码公开，切勿用于真实数据；密码均为 {DEMO_PASSWORD}）：\n")
    stdout.write("用户名 = 角色前缀 + 乡镇序号：office 综治中心、doctor 卫生院精防人员、police 民警、civil 民政、"
                 "dpf 残联、judicial 司法所、vdoc 村医、cadre 村干部（后两者在该乡镇第一个村/社区）\n")
    stdout.write(line(header))
    stdout.write("  " + "  ".join("-" * w for w in widths) + "\n")
    for heading, rows in login_groups():
        stdout.write(f"【{heading}】\n")
        for row in rows:
            stdout.write(line(row))
