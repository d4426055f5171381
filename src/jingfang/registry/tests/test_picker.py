"""The patient picker (/patients/pick/): patients of the user's jurisdiction only, by name, ID tail or
masked ID; masked ID and village, never clinical data; whole ID and phone numbers refused; audited."""

import re

import pytest

from jingfang.audit.models import AuditEvent
from jingfang.core import picker
from jingfang.core.masking import mask_id_number
from jingfang.registry.models import Patient

pytestmark = pytest.mark.django_db

URL = "/patients/pick/"


def pick(client, q, field="patient"):
    r = client.get(URL, {"field": field, f"{field}_q": q})
    assert r.status_code == 200
    return r.content.decode()


def values(html) -> set[str]:
    return set(re.findall(r'<option value="(\d+)"', html))


@pytest.fixture
def people(make_patient):
    return {
        "a": make_patient("990102001001", name="柏甲一", diagnosis="bipolar", diagnosis_hospital="市精神卫生中心"),
        "b": make_patient("990102001002", name="柏乙二"),
        "west": make_patient("990102002001", name="柏丙三"),
        "far": make_patient("990103001001", name="柏丁四"),
    }


def test_by_name_within_the_jurisdiction_only(client, users, people):
    client.force_login(users["doctor"])
    html = pick(client, "柏")
    assert values(html) == {str(people["a"].pk), str(people["b"].pk)}
    assert "找到2项" in html and mask_id_number(people["a"].id_number) in html and "东镇甲村" in html
    assert people["a"].id_number not in html and "13800001234" not in html
    client.force_login(users["vdoc"])  # a village doctor: their village only
    assert values(pick(client, "柏")) == {str(people["a"].pk)}


@pytest.mark.parametrize("who", ["doctor2", "outsider", "police", "cadre"])
def test_outside_the_jurisdiction_answers_like_no_match(client, users, people, who):
    client.force_login(users[who])
    found = pick(client, "柏甲一")
    nothing = pick(client, "没有这个人")
    if who in ("police", "cadre"):  # inside their jurisdiction: found; another township's patient is not
        assert values(found) == {str(people["a"].pk)}
        assert values(pick(client, "柏丙三")) == set()
        assert pick(client, "柏丙三").replace("柏丙三", "") == nothing.replace("没有这个人", "")
    else:
        assert values(found) == set() and found == nothing
        assert picker.NONE_FOUND in found
        # by the ID tail too
        assert values(pick(client, people["a"].id_number[-4:])) == set()


def test_by_id_tail_and_masked_id(client, users, people):
    client.force_login(users["doctor"])
    a = people["a"]
    assert str(a.pk) in values(pick(client, a.id_number[-4:]))
    assert values(pick(client, mask_id_number(a.id_number))) == {str(a.pk)}
    assert values(pick(client, "000" + "*" * 11 + a.id_number[-4:])) == set()  # another area's masked ID


@pytest.mark.parametrize("q", ["990102198005170011", "13800001234", "1380000"])
def test_whole_numbers_are_refused_and_not_searched(client, users, people, q):
    client.force_login(users["doctor"])
    html = pick(client, q)
    assert values(html) == set() and picker.NUMBER_REFUSED in html
    row = AuditEvent.objects.filter(target="patient_picker").latest("id")
    assert row.outcome == "invalid" and row.detail == {"count": 0, "patients": [], "refused": "number"}
    assert q not in str(row.detail) and q not in row.path


def test_too_short_and_audited_once(client, users, people):
    client.force_login(users["doctor"])
    before = AuditEvent.objects.count()
    assert picker.TOO_SHORT in pick(client, "b")
    html = pick(client, "柏甲")
    assert AuditEvent.objects.count() == before + 2
    row = AuditEvent.objects.filter(target="patient_picker").latest("id")
    assert row.action == "list" and row.detail == {"count": 1, "patients": [people["a"].pk]}
    assert "柏甲" not in str(row.detail) and values(html) == {str(people["a"].pk)}


def test_non_health_roles_get_no_clinical_data(client, users, people):
    client.force_login(users["police"])
    html = pick(client, "柏")
    assert values(html) == {str(people["a"].pk), str(people["b"].pk)}
    assert "市精神卫生中心" not in html and "双相" not in html and "bipolar" not in html


def test_administrators_and_anonymous_get_nothing(client, users, people):
    client.force_login(users["admin"])
    assert client.get(URL, {"field": "patient", "patient_q": "柏"}).status_code == 403
    client.logout()
    assert client.get(URL, {"field": "patient", "patient_q": "柏"}).status_code == 302


def test_at_most_twenty_and_the_deceased_left_out(client, users, make_patient):
    digits = "零一二三四五六七八九"
    names = [f"柏多{digits[i // 10]}{digits[i % 10]}" for i in range(23)]
    for name in names:
        make_patient("990102001001", name=name)
    make_patient("990102001001", name="小柏多")
    Patient.objects.filter(name=names[0]).update(status="deceased")
    client.force_login(users["doctor"])
    html = pick(client, "柏多")
    assert len(values(html)) == picker.MAX_RESULTS and "仅列出前20项" in html
    assert names[0] not in html and "小柏多" not in html  # names beginning with the query first
    assert names[1] in html


def test_a_bad_field_name_is_not_echoed(client, users, people):
    client.force_login(users["doctor"])
    r = client.get(URL, {"field": '"><b>x', "patient_q": "柏甲一"})
    assert r.status_code == 200 and "<b>x" not in r.content.decode()
