"""Benefits (救助帮扶待遇, 齐云山镇2024 三（九）; 平桥区2025 二; 薛城区2016 二（三）): recording them, and who is eligible but not covered.

The gap rules are pure (``gaps``); ``gap_rows`` reads the user's patients through registry.selectors.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from jingfang.accounts import roles
from jingfang.core import clock, errors
from jingfang.followups import engine
from jingfang.followups.models import FollowUp
from jingfang.regions import codes
from jingfang.registry import selectors as patient_selectors

from . import auditing, permissions, vocab
from .forms import BenefitForm
from .models import Benefit

# code -> (text, source). "clinical" rules use medication data: shown to health roles only.
GAP_RULES = {
    "no_insurance": ("未参加基本医疗保险", "平桥区2025，二（一）：所有精神障碍患者都要参保"),
    "poor_no_premium_aid": ("家庭经济困难，未享受医保个人缴费资助", "平桥区2025，二（一）：困难患者保费按年度全额交纳"),
    "no_chronic_card": ("未办理门诊重症慢性病证", "平桥区2025，二（一）：纳入门诊重症慢性病管理"),
    "poor_no_dibao": ("家庭经济困难，未纳入低保", "薛城区2016，二（三）2：符合低保条件的应保尽保"),
    "disabled_poor_no_living": ("持残疾证且家庭困难，未享受困难残疾人生活补贴", "平桥区2025，二（三）；齐云山镇2024，三（九）"),
    "severe_disabled_no_nursing": ("一、二级残疾，未享受重度残疾人护理补贴", "平桥区2025，二（三）；齐云山镇2024，三（九）"),
    "medicated_no_free_med": ("正在服药，未享受免费服药", "齐云山镇2024，三（九）：精神残疾人药费补助"),
    "risk_no_guardian_subsidy": ("危险性评估{min_risk}级以上，监护人未享受监护补贴", "齐云山镇2024，三（九）；平桥区2025，二（四）"),
}
CLINICAL_GAPS = frozenset({"medicated_no_free_med"})
# Rules whose words tell the risk level: shown to accounts.roles.RISK_ROLES only.
RISK_GAPS = frozenset({"risk_no_guardian_subsidy"})


@dataclass(frozen=True)
class GapFacts:
    economic_status: str
    disability_card: bool
    disability_grade: int | None
    risk_level: int | None
    on_medication: bool
    kinds: frozenset[str]  # active benefit kinds


def gaps(f: GapFacts, *, min_risk: int) -> list[str]:
    """Codes of GAP_RULES that apply to one patient (``min_risk``: the profile's key-person threshold). Pure."""
    has, poor = f.kinds.__contains__, f.economic_status == "poor"
    out = []
    if not has("medical_insurance"):
        out.append("no_insurance")
    if poor and not has("premium_aid"):
        out.append("poor_no_premium_aid")
    if not has("chronic_card"):
        out.append("no_chronic_card")
    if poor and not has("dibao") and not has("wubao_tekun"):
        out.append("poor_no_dibao")
    if f.disability_card and poor and not has("living_subsidy"):
        out.append("disabled_poor_no_living")
    if f.disability_card and f.disability_grade in (1, 2) and not has("nursing_subsidy"):
        out.append("severe_disabled_no_nursing")
    if f.on_medication and not has("free_medication"):
        out.append("medicated_no_free_med")
    if f.risk_level is not None and f.risk_level >= min_risk and not has("guardian_subsidy"):
        out.append("risk_no_guardian_subsidy")
    return out


def gap_text(code: str, *, min_risk: int) -> str:
    return GAP_RULES[code][0].format(min_risk=min_risk)


def visible_gap_codes(role: str) -> list[str]:
    return [c for c in GAP_RULES if (roles.sees_clinical(role) or c not in CLINICAL_GAPS)
            and (roles.sees_risk(role) or c not in RISK_GAPS)]


# ---- reading ----------------------------------------------------------------------------------------

def active_kinds(benefits, on: dt.date) -> set[str]:
    return {b.kind for b in benefits if b.active_on(on)}


def on_medication(patient_ids) -> set[int]:
    """Patients whose latest seen follow-up says they take medication (regular or intermittent)."""
    latest: dict[int, str] = {}
    rows = (FollowUp.objects.filter(patient_id__in=list(patient_ids), seen=True)
            .order_by("patient_id", "-date", "-id").values_list("patient_id", "adherence"))
    for pid, adherence in rows:
        latest.setdefault(pid, adherence)
    return {pid for pid, a in latest.items() if a in ("regular", "intermittent")}


def facts_of(patient, benefits, medicated: bool, on: dt.date) -> GapFacts:
    card = [b for b in benefits if b.kind == "disability_card" and b.active_on(on)]
    grade = (card[0].grade if card and card[0].grade else None) or patient.disability_grade
    return GapFacts(patient.economic_status or "", bool(card) or patient.disability_certificate, grade,
                    patient.risk_level, medicated, frozenset(active_kinds(benefits, on)))


def gap_rows(user, *, region_code: str = "", gap: str = "", on: dt.date | None = None) -> list[dict]:
    """Patients in the user's jurisdiction (living, not moved out) with at least one gap."""
    on = on or clock.today()
    qs = patient_selectors.patients_for(user).exclude(status__in=("deceased",)).select_related("region")
    if region_code and codes.is_valid_code(region_code):
        lo, hi = codes.code_range(region_code)
        qs = qs.filter(region_id__gte=lo, region_id__lte=hi)
    elif region_code:
        qs = qs.none()
    patients = list(qs.prefetch_related("benefits").order_by("region_id", "name", "id"))
    medicated = on_medication([p.pk for p in patients]) if roles.sees_clinical(user.role) else set()
    allowed = set(visible_gap_codes(user.role))
    rows = []
    for p in patients:
        min_risk = engine.profile_for(p.region_id).key_person.risk_threshold
        codes_ = [c for c in gaps(facts_of(p, list(p.benefits.all()), p.pk in medicated, on), min_risk=min_risk)
                  if c in allowed]
        if gap:
            codes_ = [c for c in codes_ if c == gap]
        if codes_:
            rows.append({"p": p, "codes": codes_, "texts": [gap_text(c, min_risk=min_risk) for c in codes_]})
    return rows


def counts_by_village(rows) -> list[dict]:
    by: dict[str, dict] = {}
    for r in rows:
        v = by.setdefault(r["p"].region_id, {"code": r["p"].region_id, "name": r["p"].region.name, "n": 0})
        v["n"] += 1
    return sorted(by.values(), key=lambda v: v["code"])


def patient_benefits(patient, on: dt.date | None = None) -> list[dict]:
    on = on or clock.today()
    return [{"b": b, "active": b.active_on(on)} for b in patient.benefits.select_related("recorded_by", "updated_by")]


# ---- writing ----------------------------------------------------------------------------------------

def _form(actor, data: dict, instance=None) -> BenefitForm:
    return BenefitForm(data=data, instance=instance, kinds=permissions.editable_benefit_kinds(actor))


def save_benefit(actor, patient, data: dict, benefit: Benefit | None = None, *, request=None) -> Benefit:
    """Create (benefit None) or change a benefit. The role must record that kind (vocab.BENEFIT_EDITORS)."""
    action = "benefit_update" if benefit else "benefit_create"
    kind = data.get("kind") or (benefit.kind if benefit else "")
    if not permissions.editable_benefit_kinds(actor) or (benefit and not permissions.may_edit_benefit(actor, benefit.kind)):
        auditing.record(actor, action, request=request, outcome="denied", patient_id=patient.pk)
        raise errors.Forbidden("您的角色无权登记此项待遇")
    if kind in vocab.BENEFIT_KINDS and not permissions.may_edit_benefit(actor, kind):
        auditing.record(actor, action, request=request, outcome="denied", patient_id=patient.pk)
        who = "、".join(roles.label(r) for r in vocab.BENEFIT_EDITORS[kind])
        raise errors.Forbidden(f"“{vocab.BENEFIT_KINDS[kind]}”由{who}登记")
    form = _form(actor, data, benefit)
    if not form.is_valid():
        auditing.record(actor, action, request=request, outcome="invalid", patient_id=patient.pk,
                     detail={"fields": sorted(form.errors)})
        raise errors.Invalid(errors.from_form(form))
    with transaction.atomic():
        obj = form.save(commit=False)
        obj.patient = patient
        if benefit is None:
            obj.recorded_by = actor
        obj.updated_by = actor
        obj.save()
        auditing.record(actor, action, request=request, patient_id=patient.pk, target=f"benefit:{obj.pk}",
                     detail={"kind": obj.kind})
    return obj


def delete_benefit(actor, benefit: Benefit, *, request=None) -> None:
    """Remove a wrongly entered benefit (an ended one is kept with its end date instead)."""
    if not permissions.may_edit_benefit(actor, benefit.kind):
        auditing.record(actor, "benefit_delete", request=request, outcome="denied", patient_id=benefit.patient_id)
        raise errors.Forbidden("您的角色无权删除此项待遇")
    with transaction.atomic():  # the deletion and its audit row together or not at all
        auditing.record(actor, "benefit_delete", request=request, patient_id=benefit.patient_id,
                        target=f"benefit:{benefit.pk}", detail={"kind": benefit.kind})
        benefit.delete()
