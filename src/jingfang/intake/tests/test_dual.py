"""Dual listing (双列管, 齐云山镇2024 三（五）3): the household-registration place reads a summary of its
patients living elsewhere; residence primary, so no clinical data and no file."""

import pytest

from jingfang.accounts.roles import CLINICAL_FIELDS
from jingfang.audit.models import AuditEvent
from jingfang.intake import selectors
from jingfang.registry.models import Patient

pytestmark = pytest.mark.django_db

SUMMARY_KEYS = {"name", "sex", "sex_label", "age", "id_number_masked", "phone_masked", "residence_township", "status",
                "status_label", "risk_level", "key_person"}


@pytest.fixture
def away(make_patient):
    """曹 registered in 甲村 (township 1) living in 丙村 (township 2); 魏 registered in 甲村 living in 乙村."""
    p = make_patient("990102002001", name="曹外居", household_region_code="990102001001", clinical_notes="幻听明显")
    Patient.objects.filter(pk=p.pk).update(risk_level=2, key_person=True, condition="unstable")
    make_patient("990102001002", name="魏邻村", household_region_code="990102001001")
    make_patient("990102001001", name="孔本地")
    return Patient.objects.get(pk=p.pk)


def names(client):
    return [s["name"] for s in client.get("/intake/dual/").context["page"].object_list]


def test_household_township_reads_a_summary_only(client, users, away):
    client.force_login(users["doctor"])
    r = client.get("/intake/dual/")
    rows = r.context["page"].object_list
    assert [s["name"] for s in rows] == ["曹外居"]
    row = rows[0]
    assert set(row) == SUMMARY_KEYS and not set(row) & CLINICAL_FIELDS
    assert row["residence_township"] == "测试县西镇" and row["risk_level"] == 2 and row["key_person"]
    assert row["id_number_masked"] == away.id_number[:3] + "*" * 11 + away.id_number[-4:]
    html = r.content.decode()
    assert away.id_number not in html and f"/patients/{away.pk}/" not in html
    assert "不稳定" not in html and "幻听" not in html and "精神分裂症" not in html
    assert "齐云山镇2024" in html and "seeds/" not in html and "双列管" in html
    assert AuditEvent.objects.filter(user_id=users["doctor"].pk, action="list", target="dual_listing",
                                     detail__count=1).exists()
    assert client.get(f"/patients/{away.pk}/").status_code == 404  # the file stays with the residence


def test_nobody_else_sees_it(client, users, away):
    for who, expected in (("doctor2", []), ("outsider", []), ("vdoc", ["曹外居", "魏邻村"]), ("county", [])):
        client.force_login(users[who])
        assert names(client) == expected, who
    client.force_login(users["admin"])
    assert client.get("/intake/dual/").status_code == 403
    assert list(selectors.dual_listed_for(users["admin"])) == []


def test_after_moving_back_the_patient_leaves_the_dual_list(client, users, away):
    Patient.objects.filter(pk=away.pk).update(region_id="990102001002")
    client.force_login(users["doctor"])
    assert names(client) == []
