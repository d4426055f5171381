"""The hand-written key-person reason (security review M2): free text may speak of the illness, so it is
health-only. Other roles read it only when it is one of the listed non-clinical reasons, and write only
those."""

import pytest

from jingfang.core import vocab
from jingfang.followups import engine
from jingfang.registry import flags, services
from jingfang.registry.models import Patient

from .test_api import Api, fields_of

pytestmark = pytest.mark.django_db

FREE_TEXT = "病情不稳定，拒绝服药"
LISTED = vocab.KEY_PERSON_PUBLIC_REASONS[0]
NON_HEALTH = ("office", "police", "cadre", "civil", "dpf", "judicial")


@pytest.mark.parametrize("reasons,shown", [
    ([], []),
    (["公安列管"], ["公安列管"]),
    (["病情不稳定", "公安列管"], ["公安列管", flags.HIDDEN_CLINICAL_REASON]),
    (["病情反复", "病情不稳定"], [flags.HIDDEN_CLINICAL_REASON]),
    ([flags.MANUAL_PREFIX + FREE_TEXT], ["人工标记", flags.HIDDEN_CLINICAL_REASON]),
    ([flags.MANUAL_PREFIX + LISTED], [flags.MANUAL_PREFIX + LISTED]),
    ([flags.MANUAL_PREFIX + flags.UNSTATED], ["人工标记"]),
    (["病情不稳定", flags.MANUAL_PREFIX + FREE_TEXT], ["人工标记", flags.HIDDEN_CLINICAL_REASON]),
])
def test_public_reasons(reasons, shown):
    assert flags.public_reasons(reasons) == shown


@pytest.fixture
def marked(users, make_patient):
    """A key person marked by a township doctor with a reason in the doctor's own words."""
    p = make_patient()
    p = services.update_patient(users["doctor"], p, {"key_person_manual": True, "key_person_reason": FREE_TEXT},
                                version=p.version)
    engine.refresh(p)
    p.refresh_from_db()
    assert p.key_person and p.key_person_reason == FREE_TEXT
    return p


@pytest.mark.parametrize("who", NON_HEALTH)
def test_non_health_roles_never_read_the_free_text(client, users, marked, who):
    api = Api(client, users[who])
    body = api.get(f"/patients/{marked.pk}").json()
    assert body["key_person_reason"] == ""
    assert "人工标记" in body["key_person_reasons"] and flags.HIDDEN_CLINICAL_REASON in body["key_person_reasons"]
    assert FREE_TEXT not in api.get(f"/patients/{marked.pk}").content.decode()
    client.force_login(users[who])
    for url in (f"/patients/{marked.pk}/", f"/patients/{marked.pk}/plan/", "/keypersons/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "拒绝服药" not in response.content.decode(), url


def test_health_roles_read_the_free_text(client, users, marked):
    body = Api(client, users["vdoc"]).get(f"/patients/{marked.pk}").json()
    assert body["key_person_reason"] == FREE_TEXT and flags.MANUAL_PREFIX + FREE_TEXT in body["key_person_reasons"]


def test_a_listed_reason_is_read_by_everyone(client, users, marked):
    services.update_patient(users["doctor"], marked, {"key_person_reason": LISTED}, version=marked.version)
    body = Api(client, users["police"]).get(f"/patients/{marked.pk}").json()
    assert body["key_person_reason"] == LISTED and flags.MANUAL_PREFIX + LISTED in body["key_person_reasons"]


def test_the_office_may_not_write_free_text_through_the_api(client, users, make_patient):
    p = make_patient()
    api = Api(client, users["office"])
    r = api.patch(f"/patients/{p.pk}", {"version": p.version, "key_person_manual": True,
                                         "key_person_reason": FREE_TEXT})
    assert r.status_code == 422 and fields_of(r) == ["key_person_reason"]
    assert "重点人员原因" in r.json()["errors"][0]["message"]
    p.refresh_from_db()
    assert not p.key_person_manual and p.key_person_reason == ""
    r = api.patch(f"/patients/{p.pk}", {"version": p.version, "key_person_manual": True, "key_person_reason": LISTED})
    assert r.status_code == 200
    p.refresh_from_db()
    assert p.key_person_manual and p.key_person_reason == LISTED


def test_the_office_editing_other_fields_keeps_the_doctors_reason(client, users, marked):
    r = Api(client, users["office"]).patch(f"/patients/{marked.pk}", {"version": marked.version, "address": "新址9号"})
    assert r.status_code == 200, r.content
    marked.refresh_from_db()
    assert marked.address == "新址9号" and marked.key_person_reason == FREE_TEXT and marked.key_person_manual


def test_the_office_edit_page_offers_the_list_and_hides_the_free_text(client, users, marked):
    client.force_login(users["office"])
    html = client.get(f"/patients/{marked.pk}/edit/").content.decode()
    assert "拒绝服药" not in html and LISTED in html
    form = client.get(f"/patients/{marked.pk}/edit/").context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, (list, dict))}
    assert data.get("key_person_reason", "") == ""
    assert Patient.objects.get(pk=marked.pk).key_person_reason == FREE_TEXT
