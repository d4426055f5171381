"""Helpers shared by support's pages: guards, exports, the period pickers."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from jingfang.audit import log as audit
from jingfang.core import errors, xlsx
from jingfang.exports import guard

from . import permissions


def deny(request, audit_action: str = "view", patient_id=None, message: str = "您的角色无权访问此页面"):
    audit.record_request(request, audit_action, outcome="denied", patient_id=patient_id,
                         target=f"page:{request.path[:100]}")
    raise PermissionDenied(message)


def login_needed(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped


def roles_required(role_set: frozenset[str]):
    """List pages: signed in and one of ``role_set`` (support.permissions); a refusal is audited.

    Pages of one object check the jurisdiction first (404) and the role after (``require``)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not permissions.has(request.user, role_set):
                deny(request, "export" if request.path.endswith(".xlsx") else "view")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def require(request, role_set: frozenset[str], audit_action: str = "view", patient_id=None) -> None:
    if not permissions.has(request.user, role_set):
        deny(request, audit_action, patient_id)


def who(user) -> str:
    return f"{user.get_full_name() or user.username}（{user.role_label}）"


def export(request, title: str, filename: str, headers: list[str], rows, *, count: int | None = None,
           detail: dict | None = None, personal: bool = True):
    """Build the workbook (stamped with who/when), audit the export, send it; through the export guard
    (exports.guard: large exports of personal rows need approval; ``personal=False`` for totals)."""
    rows = list(rows)
    return guard.send(request, count=len(rows) if count is None else count, filename=filename, target=filename[:200],
                      title=title, build=lambda: xlsx.build_workbook(title, headers, rows, who(request.user)),
                      detail=detail, personal=personal)


def status_of(problem) -> int:
    return problem.status if isinstance(problem, errors.ServiceError) else 200


def int_param(request, name: str, default: int, lo: int, hi: int) -> int:
    try:
        value = int(request.GET.get(name, default))
    except (TypeError, ValueError):
        return default
    return value if lo <= value <= hi else default



@login_needed
def home(request):
    """The support section's landing page: what this role may open here."""
    from django.shortcuts import render

    user = request.user
    links = [
        ("support:relief_list", "住院救助申请", "申请、村委会初审、乡镇审批、定点医院办理、打印审批表（平桥区2025附件）",
         permissions.has(user, permissions.RELIEF_VIEW)),
        ("support:reward_runs", "监护人以奖代补", "按月（或按年）计算、停发、发放花名册（平桥区2025 二（四）；薛城区2016 二（三）5）",
         permissions.has(user, permissions.REWARD_VIEW)),
        ("support:insurance", "监护人责任保险", "年度参保名册，每人保费与乡镇承担部分（平桥区2025 二（四））",
         permissions.has(user, permissions.INSURANCE_VIEW)),
        ("support:benefit_gaps", "应享未享待遇", "医保、慢病证、低保、五保/特困、残疾人两项补贴、免费服药、监护补贴（齐云山镇2024 三（九））",
         permissions.has(user, permissions.GAPS_VIEW)),
        ("support:cost_list", "医疗费用负担", "贫困患者门诊和住院自付比例、医保支付比例、费用负担较重名单（薛城区2016 一（二）3、二（三）1）",
         permissions.has(user, permissions.COSTS_VIEW)),
        ("support:relief_fund", "住院救助基金", "年度预算与台账（平桥区2025 二）", permissions.has(user, permissions.FUND_VIEW)),
    ]
    shown = [(name, title, text) for name, title, text, ok in links if ok]
    if not shown:
        deny(request)
    return render(request, "support/home.html", {"links": shown})
