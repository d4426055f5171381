"""Cases of the offline app's writes."""

from jingfang.accounts import roles

from .common import TODAY, fresh, inside, u


def c_build_package(w):
    from jingfang.offline import package

    return lambda: package.build(u(w, roles.VILLAGE_DOCTOR), None)


def c_sync_visit_held(w):
    from jingfang.offline import services

    patient = fresh(w["inside"]["held"].patient)  # died: a visit after the death is held
    form = {"date": TODAY.isoformat(), "mode": "home_visit", "seen": True, "risk_level": 1, "insight": "full",
            "social_function": "good", "adherence": "regular", "adverse_reaction": "none", "physical_illness": "none"}
    return lambda: services.sync_visit(u(w, roles.VILLAGE_DOCTOR), services.Visit("atomic-held", patient.pk, form))


def c_apply_held(w):
    from jingfang.offline import services
    from jingfang.registry.models import Patient

    entry = inside(w, "held")
    Patient.objects.filter(pk=entry.patient_id).update(status="at_home", death_date=None, death_cause="")
    return lambda: services.apply_held(u(w, roles.TOWNSHIP_DOCTOR), entry)


def c_forward_held(w):
    from jingfang.offline import services
    from jingfang.registry.models import Patient

    entry = inside(w, "held")
    Patient.objects.filter(pk=entry.patient_id).update(region_id="990102002001")  # moved to 西镇
    return lambda: services.forward_held(u(w, roles.TOWNSHIP_DOCTOR), entry)


def c_dismiss_held(w):
    from jingfang.offline import services

    entry = inside(w, "held")
    return lambda: services.dismiss_held(u(w, roles.TOWNSHIP_DOCTOR), entry, "患者已死亡，随访不再录入")


def c_resolve_paper(w):
    from jingfang.offline import paper

    return lambda: paper.resolve(u(w, roles.VILLAGE_DOCTOR), w["inside"]["paper_code"])


def c_print_paper(w):
    from jingfang.offline import paper

    vdoc = u(w, roles.VILLAGE_DOCTOR)
    return lambda: paper.sheets(vdoc, vdoc.region_id)
