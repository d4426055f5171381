"""The transfer form's pickers: the patient (of the jurisdiction) and the destination township, found by
its own name or a village's, anywhere in the tree; without JavaScript the 查找 button answers the form."""

import re

import pytest

from jingfang.intake.models import Transfer

pytestmark = pytest.mark.django_db

DESTINATIONS = "/intake/transfers/destinations/"


def values(html) -> list[str]:
    return re.findall(r'<option value="(\d+)"', html)


def destinations(client, q):
    r = client.get(DESTINATIONS, {"field": "destination_code", "destination_code_q": q})
    assert r.status_code == 200
    return r.content.decode()


def test_destinations_by_township_or_village_name_anywhere(client, users):
    client.force_login(users["doctor"])
    assert values(destinations(client, "西镇")) == ["990102002000"]
    html = destinations(client, "丙村")
    assert values(html) == ["990102002000"] and "下辖村含“丙村”" in html and "测试县西镇" in html
    assert values(destinations(client, "北")) == ["990103001000"]  # another county
    assert set(values(destinations(client, "镇"))) == {"990102001000", "990102002000", "990103001000"}
    assert values(destinations(client, "甲村")) == ["990102001000"]  # villages are not destinations, their township is
    assert "请至少输入" in destinations(client, "x")
    assert "不能按完整身份证号" in destinations(client, "990102198005170011")


def test_destinations_only_for_senders(client, users):
    client.force_login(users["judicial"])
    assert client.get(DESTINATIONS, {"field": "destination_code", "destination_code_q": "西镇"}).status_code == 403
    client.force_login(users["doctor"])
    assert client.post(DESTINATIONS, {"destination_code_q": "西镇"}).status_code == 405


def test_transfer_form_without_javascript(client, users, make_patient):
    mine = make_patient("990102001001", name="韩迁居")
    far = make_patient("990102002001", name="韩西镇")
    client.force_login(users["doctor"])
    html = client.get("/intake/transfers/new/").content.decode()
    assert 'name="patient_q"' in html and 'name="destination_code_q"' in html and "韩迁居" not in html
    post = {"reason": "随子女迁居", "patient_q": "韩", "destination_code_q": "丙村"}
    r = client.post("/intake/transfers/new/", {**post, "pick": "patient"})
    html = r.content.decode()
    assert r.status_code == 200 and values(html[html.index('id="patient"'):])[:1] == [str(mine.pk)]
    assert str(far.pk) not in values(html) and not Transfer.objects.exists()
    r = client.post("/intake/transfers/new/", {**post, "pick": "destination_code", "patient": str(mine.pk)})
    html = r.content.decode()
    assert "990102002000" in values(html) and "韩迁居" in html and not Transfer.objects.exists()
    r = client.post("/intake/transfers/new/", {**post, "patient": str(far.pk), "destination_code": "990102002000"})
    assert r.status_code == 422 and "请选择患者" in r.content.decode()  # outside: as if none was chosen
    r = client.post("/intake/transfers/new/", {**post, "patient": str(mine.pk), "destination_code": "990102002000"})
    assert r.status_code == 302 and Transfer.objects.get().destination_id == "990102002000"
