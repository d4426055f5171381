"""Cases of the accountability writes (measures, the joint consultation's record)."""

from jingfang.accounts import roles

from .common import inside, u


def c_issue_measure(w):
    from jingfang.accountability import services

    return lambda: services.issue(u(w, roles.TOWNSHIP_OFFICE), data={
        "kind": "notice", "target_region_code": "990102001000", "target_unit": "police_station",
        "reason": "失访患者查找不力", "rectification": "补全查找记录", "incident_ids": [inside(w, "incident").pk]})


def c_close_measure(w):
    from jingfang.accountability import services

    measure = inside(w, "accountability")
    return lambda: services.close(u(w, roles.TOWNSHIP_OFFICE), measure=measure,
                                  data={"closing_text": "已补齐随访", "version": measure.version})


def c_freeze_consultation(w):
    from jingfang.accountability import consultation

    return lambda: consultation.freeze(u(w, roles.TOWNSHIP_OFFICE), inside(w, "consultation"))
