"""Cases of the statistics and support (benefits, relief, rewards) writes."""

from jingfang.accounts import roles

from .common import TODAY, D, inside, u


# stats
def c_create_report(w):
    from jingfang.stats import inspections

    quarter = (TODAY.month - 1) // 3 + 1
    year, quarter = (TODAY.year, quarter - 1) if quarter > 1 else (TODAY.year - 1, 4)
    return lambda: inspections.create_report(u(w, roles.COUNTY_SUPERVISOR), "990102001000", year, quarter)


def c_regenerate(w):
    from jingfang.stats import inspections

    return lambda: inspections.regenerate(u(w, roles.COUNTY_SUPERVISOR), inside(w, "inspection"))


def c_save_findings(w):
    from jingfang.stats import inspections

    return lambda: inspections.save_findings(u(w, roles.COUNTY_SUPERVISOR), inside(w, "inspection"), "协议签订不全")


def c_add_item(w):
    from jingfang.stats import inspections

    return lambda: inspections.add_item(u(w, roles.COUNTY_SUPERVISOR), inside(w, "inspection"), "补录随访",
                                        "东镇卫生院", TODAY + D(15))


def c_close_item(w):
    from jingfang.stats import inspections

    return lambda: inspections.close_item(u(w, roles.COUNTY_SUPERVISOR), inside(w, "item"), "已补签")


# support
def c_save_benefit(w):
    from jingfang.support import benefits

    return lambda: benefits.save_benefit(u(w, roles.CIVIL_AFFAIRS), inside(w, "patient"), {
        "kind": "dibao", "since": (TODAY - D(30)).isoformat()}, inside(w, "benefit"))


def c_delete_benefit(w):
    from jingfang.support import benefits

    return lambda: benefits.delete_benefit(u(w, roles.CIVIL_AFFAIRS), inside(w, "benefit"))


RELIEF = {"applicant_name": "王监护", "applicant_relation": "parent", "applicant_phone": "13900004321",
          "insurance_type": "resident", "facts": "患者近月病情反复，需住院治疗，家庭无力承担费用。"}


def c_relief_create(w):
    from jingfang.support import services_relief

    return lambda: services_relief.create(u(w, roles.VILLAGE_DOCTOR), inside(w, "patient"), dict(RELIEF))


def c_relief_update(w):
    from jingfang.support import services_relief

    return lambda: services_relief.update_draft(u(w, roles.VILLAGE_DOCTOR), inside(w, "relief"),
                                                {**RELIEF, "facts": "患者病情加重，家庭确实无力承担住院费用。"})


def c_relief_step(w):
    from jingfang.support import services_relief

    return lambda: services_relief.step(u(w, roles.VILLAGE_DOCTOR), inside(w, "relief"), "submit")


def c_relief_approve_over_budget(w):
    from jingfang.support import services_relief
    from jingfang.support.models import ReliefFund

    app = services_relief.step(u(w, roles.VILLAGE_DOCTOR), inside(w, "relief"), "submit")
    app = services_relief.step(u(w, roles.VILLAGE_CADRE), app, "village_review",
                               {"opinion": "该患者家庭确实困难，建议予以救助", "option": "both_half"})
    fund = services_relief.fund_for(app.patient.region_id, TODAY.year)
    ReliefFund.objects.filter(pk=fund.pk).update(budget_yuan=100)
    return lambda: services_relief.step(u(w, roles.TOWNSHIP_OFFICE), app, "approve", {
        "option": "both_half", "amount": "3000", "budget_override": True, "override_reason": "病情危重须立即住院"})


def c_set_budget(w):
    from jingfang.support import services_relief

    fund = services_relief.fund_for("990102001001", TODAY.year)
    return lambda: services_relief.set_budget(u(w, roles.COUNTY_SUPERVISOR), fund, {"budget_yuan": "500000",
                                                                                     "note": "追加预算"})


def c_recompute(w):
    from jingfang.support import services_rewards

    return lambda: services_rewards.recompute(u(w, roles.TOWNSHIP_OFFICE), inside(w, "reward_run"))


def c_compute_run(w):
    from jingfang.support import services_rewards

    month = TODAY.replace(day=1) - D(1)
    month = month.replace(day=1) - D(1)  # a month with no run yet: the run is created
    return lambda: services_rewards.compute_run(u(w, roles.TOWNSHIP_OFFICE), {
        "township": "990102001000", "year": str(month.year), "month": str(month.month)})


def c_withhold(w):
    from jingfang.support import services_rewards

    run = inside(w, "reward_run")
    line = run.lines.order_by("pk").first()
    assert line is not None
    return lambda: services_rewards.withhold(u(w, roles.TOWNSHIP_OFFICE), run,
                                            {"patient": line.patient_id, "reason": "未按时督促服药"})


def c_restore(w):
    from jingfang.support import services_rewards

    run = inside(w, "reward_run")
    pid = run.lines.order_by("pk").first().patient_id
    run = services_rewards.withhold(u(w, roles.TOWNSHIP_OFFICE), run, {"patient": pid, "reason": "未按时督促服药"})
    return lambda: services_rewards.restore(u(w, roles.TOWNSHIP_OFFICE), run, pid)


def c_mark_paid(w):
    from jingfang.support import services_rewards

    return lambda: services_rewards.mark_paid(u(w, roles.TOWNSHIP_OFFICE), inside(w, "reward_run"))


# treatment cost burden
def c_cost_create(w):
    from jingfang.support import costs

    return lambda: costs.save_episode(u(w, roles.TOWNSHIP_DOCTOR), inside(w, "patient"), {
        "kind": "inpatient", "hospital": "县人民医院", "start": (TODAY - D(40)).isoformat(), "total_cost": "8000",
        "policy_cost": "7000", "insurance_paid": "4900", "assistance_paid": "2000"})


def c_cost_update(w):
    from jingfang.support import costs

    e = inside(w, "cost")
    return lambda: costs.save_episode(u(w, roles.CIVIL_AFFAIRS), e.patient, {
        "kind": e.kind, "hospital": e.hospital, "start": e.start.isoformat(), "total_cost": "300",
        "insurance_paid": "200", "assistance_paid": "60"}, e)


def c_cost_delete(w):
    from jingfang.support import costs

    return lambda: costs.delete_episode(u(w, roles.CIVIL_AFFAIRS), inside(w, "cost"))
