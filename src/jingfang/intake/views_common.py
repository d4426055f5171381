"""Helpers shared by the intake pages: the rule line atop each page, errors, exports, dates."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse

from jingfang.audit import log as audit
from jingfang.core import clock, xlsx
from jingfang.core.worklist_hub import STATE_LABELS
from jingfang.exports import guard

from . import deadlines
from . import permissions as perms

STATES = STATE_LABELS  # overdue / due / upcoming, in words


def rules(user) -> dict:
    """The rule lines, with the working-day numbers of the user's policy profile."""
    n = deadlines.intake_rule_numbers(user.region_id)
    return {
        "reports": (
            f"规则：卫生院应在{n['accept']}个工作日内接收精神卫生医疗机构转来的报告卡或出院信息单；"
            f"{n['enter']}个工作日内建立或补充健康档案并录入信息系统；住址不明或有误的，"
            f"{n['police']}个工作日内联系派出所查找，仍无法明确住址的将信息转至县疾控中心"
            f"（{n['cite']}）。工作日按国务院节假日安排（含调休）计算。"
        ),
        "releases": (
            "规则：被解除强制医疗、解除强制隔离戒毒、刑满释放或解除社区矫正的患者，相关机构要及时告知所在乡，"
            "由乡平安办统筹，跟进开展患者服务管理（当阳乡2022，四（三））。"
            f"文件未规定天数，本系统默认{n['release']}个工作日内登记接管并提示。"
        ),
        "transfers": (
            "规则：对知晓动向的患者，精防人员将患者信息流转至现居住地卫生院；信息未被接收前，"
            "原居住地精防人员继续电话随访并定期沟通（齐云山镇2024，三（五）3）；"
            "患者离开居住地后，原小组向实际居住地小组提供信息（中梁乡2022，三6）。"
        ),
        "dual": (
            "规则：以居住地为主、户籍地为辅的“双列管”：户籍地只查看在外居住患者的概要，"
            "日常服务管理由现居住地负责（齐云山镇2024，三（五）3）。"
        ),
    }


def base_context(request, key: str) -> dict:
    return {"rule": rules(request.user)[key], "today": clock.today(), **perms.flags(request.user)}


def deny(request, audit_action: str = "view"):
    audit.record_request(request, audit_action, outcome="denied", target=f"page:{request.path[:100]}")
    raise PermissionDenied("您的角色无权执行此操作")


def done(request, message: str, url_name: str, pk: int) -> HttpResponseRedirect:
    messages.success(request, message)
    return HttpResponseRedirect(reverse(url_name, args=[pk]))


def status_for(problem) -> int:
    return problem.status if problem is not None else 200


def parse_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def who(user) -> str:
    return f"{user.get_full_name() or user.username}（{user.role_label}）"


def export(request, title: str, filename: str, headers: list[str], rows, filters: list[str]):
    rows = list(rows)
    return guard.send(request, count=len(rows), filename=filename, target=filename, title=title,
                      build=lambda: xlsx.build_workbook(title, headers, rows, who(request.user)),
                      detail={"filters": filters})


def list_audit(request, target: str, count: int, filters: list[str]) -> None:
    audit.record_request(request, "search" if filters else "list", target=target,
                         detail={"count": count, "filters": filters})
