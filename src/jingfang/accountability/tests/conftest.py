"""Fixtures of the accountability tests: a patient in 甲村 (东镇), an incident there (reviewed or not), an
inspection report of 东镇, and helpers to issue measures and record joint consultations."""

import datetime as dt

import pytest

from jingfang.core import clock
from jingfang.registry.models import Patient

TODAY = clock.today()


@pytest.fixture
def patient(make_patient):
    p = make_patient("990102001001", name="甲患者")
    Patient.objects.filter(pk=p.pk).update(registered_on=TODAY - dt.timedelta(days=400))
    p.refresh_from_db()
    return p


@pytest.fixture
def incident(users, patient):
    from jingfang.care import services

    return services.record_incident(users["police"], patient, {
        "date": (TODAY - dt.timedelta(days=10)).isoformat(), "place": "村委会门口", "kind": "trouble",
        "description": "打砸门窗", "injuries": 0, "deaths": 0, "property_loss_yuan": "100",
        "police_response": "到场控制", "onsite_handling": "疏散", "hospital": "县精神卫生中心", "aftermath": ""})


@pytest.fixture
def reviewed(users, incident):
    from jingfang.care import services

    return services.save_review(users["office"], incident, "事发前两个月未按期随访，监护人未签订监护协议。")


@pytest.fixture
def inspection(users, tree):
    from jingfang.stats import inspections

    quarter = (TODAY.month - 1) // 3 + 1
    report = inspections.create_report(users["county"], "990102001000", TODAY.year, quarter)
    inspections.add_item(users["county"], report, "补签监护协议", "东镇卫生院", TODAY - dt.timedelta(days=1))
    return report


def measure_data(**over) -> dict:
    data = {"kind": "interview", "target_region_code": "990102001001", "target_unit": "village_committee",
            "reason": "甲村随访逾期较多，安全隐患突出", "rectification": "一个月内补齐随访，落实监护责任"}
    data.update(over)
    return data


def consultation_data(users, **over) -> dict:
    data = {"kind": "joint_consultation_quarterly", "region_code": "990102001000", "date": TODAY.isoformat(),
            "minutes": "政法委、卫健委、派出所联合会商", "decisions": "补齐失访患者查找",
            "attendees": [{"name": "王主任", "unit": "镇政法委"}, {"user_id": users["police"].pk}],
            "tasks": [{"text": "核实失访患者去向", "owner_id": users["police"].pk,
                       "due_date": (TODAY + dt.timedelta(days=14)).isoformat()}]}
    data.update(over)
    return data
