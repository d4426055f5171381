"""The demo county shows accountability: 青山镇's joint consultation with its record (indicators, the open
measures and the overdue rectification among the shortcomings) and its task on the owner's worklist;
measures of every kind, one overdue, one closed, one from the county in 雪城街道."""

from io import StringIO

import pytest
from django.core.management import call_command

from jingfang.accountability.models import ConsultationRecord, Measure
from jingfang.accounts.models import User
from jingfang.core import clock
from jingfang.followups import worklist

pytestmark = pytest.mark.django_db


def test_demo_shows_a_consultation_and_measures(client):
    call_command("demo", patients=160, seed=11, stdout=StringIO())
    today = clock.today()
    measures = {m.kind: m for m in Measure.objects.all()}
    assert set(measures) == {"notice", "interview", "supervision", "liability"}
    assert measures["interview"].state_on(today) == "overdue" and measures["notice"].closed_on
    assert measures["supervision"].target_region_id == "990102004000" and measures["liability"].incidents.exists()
    record = ConsultationRecord.objects.get(meeting__region_id="990102001000")
    snap = record.snapshot
    assert {m["kind"] for m in snap["measures"]} == {"interview", "liability"}
    assert [r["text"] for r in snap["rectifications"]] == ["补全失访患者查找记录"]
    assert snap["kpis"]
    doctor = User.objects.get(username="doctor1")
    items = worklist.items_for(doctor, today, kind="deadline", horizon=30)
    assert any(i.label == "会议任务：逾期未销号的整改事项逐项落实并报综治中心" for i in items)
    client.force_login(User.objects.get(username="office1"))
    html = client.get(f"/care/meetings/{record.meeting_id}/").content.decode()
    assert "会商材料" in html and "督办问责未销号" in html and "督导整改逾期" in html
    html = client.get("/accountability/").content.decode()
    assert "青山社区" in html and "已逾期" in html
    client.force_login(User.objects.get(username="cadre1"))
    items = worklist.items_for(User.objects.get(username="cadre1"), today, kind="deadline", horizon=30)
    assert any(i.label == "约谈整改：青山社区" and i.state == "overdue" for i in items)
