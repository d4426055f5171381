"""Cases of community rehabilitation's writes."""

from jingfang.accounts import roles

from .common import TODAY, inside, u


def c_create_facility(w):
    from jingfang.rehab import services

    return lambda: services.create_facility(u(w, roles.COUNTY_SUPERVISOR), data={
        "region_code": "990102001000", "name": "东镇职业康复中心", "kind": "vocational_centre", "operator": "social_org",
        "address": "东镇1号", "places": "12", "opened_on": "2024-01-01"})


def c_update_facility(w):
    from jingfang.rehab import services

    return lambda: services.update_facility(u(w, roles.TOWNSHIP_DOCTOR), facility=inside(w, "facility"),
                                            data={"places": "30"})


def c_create_team(w):
    from jingfang.rehab import services

    return lambda: services.create_team(u(w, roles.COUNTY_SUPERVISOR), data={
        "region_code": "990102000000", "name": "县多功能服务团队", "host": "县精神病防治院", "formed_on": "2024-01-01"})


def c_add_member(w):
    from jingfang.rehab import services

    return lambda: services.add_member(u(w, roles.COUNTY_SUPERVISOR), team=inside(w, "rehab_team"),
                                       data={"name": "孙康复", "role": "rehab_therapist"})


def c_enrol(w):
    from jingfang.rehab import services

    return lambda: services.enrol(u(w, roles.TOWNSHIP_DOCTOR), patient=inside(w, "patient"), data={
        "programme": "facility", "facility_id": str(w["inside"]["facility"].pk), "start": TODAY.isoformat()})


def c_record_attendance(w):
    from jingfang.rehab import services

    return lambda: services.record_attendance(u(w, roles.DPF), enrolment=inside(w, "enrolment"),
                                              data={"month": f"{TODAY:%Y-%m}", "days": "4"})


def c_end_enrolment(w):
    from jingfang.rehab import services

    return lambda: services.end_enrolment(u(w, roles.DPF), enrolment=inside(w, "enrolment"),
                                          data={"end": TODAY.isoformat(), "end_reason": "completed"})
