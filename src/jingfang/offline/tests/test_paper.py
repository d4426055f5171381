"""Paper follow-up forms (offline/paper.py): the codes (random, bound to patient and township, expiring
with the profile's [offline] paper_token_days), the print page (A4, pre-filled, no ID number or phone,
audited), the package carrying the codes, and resolving a code on the server through the jurisdiction
gate, audited and bounded."""

import datetime as dt
import json
import re

import pytest
from django.utils import timezone

from jingfang.audit.models import AuditEvent
from jingfang.followups import engine
from jingfang.offline import paper_code, paper_tokens
from jingfang.offline.models import PackagedPatient, PaperLookup, PaperToken

pytestmark = pytest.mark.django_db

RESOLVE = "/api/v1/offline/paper/resolve"
PAPER = "/offline/paper/"


def resolve(client, user, code):
    client.force_login(user)
    return client.post(RESOLVE, data=json.dumps({"code": code}), content_type="application/json")


def printed(client, user, village="990102001001"):
    client.force_login(user)
    return client.get(PAPER, {"village": village} if village else {})


def codes_on(html: str) -> list[str]:
    return re.findall(r'data-code="([0-9A-Z-]{11})"', html)


# ---- the codes --------------------------------------------------------------------------------------

def test_a_code_is_random_encrypted_and_bound_to_patient_and_township(users, jia):
    token = paper_tokens.tokens_for(users["vdoc"], [jia.pk], 14)[jia.pk]
    assert paper_code.problem(token.code) is None
    assert token.township_id == "990102001000" and token.patient_id == jia.pk and token.issued_by == users["vdoc"]
    for digits in (str(jia.pk), jia.id_number, jia.id_number[-4:]):
        assert digits not in token.code
    raw = PaperToken.objects.filter(pk=token.pk).values_list("code", flat=True).query
    from django.db import connection
    with connection.cursor() as cursor:
        cursor.execute(*raw.sql_with_params())
        stored = cursor.fetchone()[0]
    assert token.code not in stored and stored.startswith("v1:")  # encrypted at rest, looked up by blind index


def test_expiry_follows_the_profile_and_codes_are_reused_through_the_window(users, jia):
    days = engine.profile_for(jia.region_id).offline.paper_token_days
    assert days == 30  # national-2018 [offline] paper_token_days
    first = paper_tokens.tokens_for(users["vdoc"], [jia.pk], 14)[jia.pk]
    expected = timezone.now() + dt.timedelta(days=days)
    assert abs((first.expires_at - expected).total_seconds()) < 60
    # the township doctor prints for the same window: the same code (the phone's package has it)
    assert paper_tokens.tokens_for(users["doctor"], [jia.pk], 14)[jia.pk].code == first.code
    # a code that would lapse within the window is not reused: a new one, the old one still valid
    PaperToken.objects.filter(pk=first.pk).update(expires_at=timezone.now() + dt.timedelta(days=3))
    second = paper_tokens.tokens_for(users["vdoc"], [jia.pk], 14)[jia.pk]
    assert second.code != first.code
    assert set(paper_tokens.codes_for(users["vdoc"], [jia.pk], 14)) == {first.code, second.code}


def test_the_package_carries_its_patients_codes(users, jia, make_patient, download):
    other = make_patient("990102002001", name="丙患者")
    paper_tokens.tokens_for(users["doctor2"], [other.pk], 14)  # 西镇's code for its own patient
    body = download(users["vdoc"]).json()
    codes = body["paper_codes"]
    assert set(codes.values()) == {p["id"] for p in body["patients"]} and jia.pk in codes.values()
    assert other.pk not in codes.values()
    token = PaperToken.objects.get(patient=jia)
    assert codes == {token.code: jia.pk}


# ---- the print page ---------------------------------------------------------------------------------

def test_the_print_page_prefills_one_a4_form_per_due_patient(client, users, jia, make_patient):
    yi = make_patient("990102001002", name="乙患者")  # 乙村: another village
    res = printed(client, users["doctor"], "990102001001")
    assert res.status_code == 200 and res["Cache-Control"].startswith("no-store")
    html = res.content.decode()
    assert "@page { size: A4" in html and "break-after: page" in html
    assert "严重精神障碍患者随访服务记录表" in html
    assert "甲患者" in html and "甲村5组8号" in html and "王监护" in html
    assert "乙患者" not in html
    assert jia.id_number not in html and jia.id_number[-4:] not in html and "13900004321" not in html
    assert jia.phone not in html
    assert html.count('class="sheet"') == 1 and "<svg" in html
    assert not re.search(r"(src|href)=\"https?://", html)  # nothing from elsewhere
    [shown] = codes_on(html)
    assert PaperToken.objects.get(patient=jia).code == paper_code.normalize(shown)
    # the national form's boxes, in the follow-up form's words
    for words in ("家庭访视", "自知力缺失", "个人生活料理", "轻度滋事", "关锁已解除", "按医嘱规律服药", "基本稳定"):
        assert words in html
    event = AuditEvent.objects.filter(target="offline_paper").latest("id")
    assert event.action == "export" and event.detail["patients"] == [jia.pk] and event.detail["days"] == 14
    assert yi.pk not in event.detail["patients"]


def test_printing_again_prints_the_same_codes(client, users, jia):
    first = codes_on(printed(client, users["doctor"]).content.decode())
    again = codes_on(printed(client, users["vdoc"], "").content.decode())  # the village doctor's own village
    assert first == again and len(first) == 1
    assert PaperToken.objects.count() == 1


def test_a_township_doctor_chooses_a_village(client, users, jia, make_patient):
    make_patient("990102001002", name="乙患者")
    res = printed(client, users["doctor"], "")
    html = res.content.decode()
    assert res.status_code == 200 and "甲村" in html and "乙村" in html and "甲患者" not in html
    assert "?village=990102001001" in html
    assert not PaperToken.objects.exists()  # nothing issued before printing
    assert AuditEvent.objects.filter(target="offline_paper", action="list").count() == 1


@pytest.mark.parametrize("village", ["990102002001", "990103001001", "990102001000", "abc", "990102001099",
                                     "9901020010011", "110101199003077777"])
def test_a_village_outside_the_jurisdiction_is_404_like_a_missing_one(client, users, make_patient, village):
    make_patient("990102002001", name="丙患者")
    res = printed(client, users["doctor"], village)
    assert res.status_code == 404 and "丙患者" not in res.content.decode()
    assert AuditEvent.objects.filter(target="offline_paper", outcome="not_found").count() == 1
    assert not PaperToken.objects.exists()


@pytest.mark.parametrize("who", ["police", "cadre", "office", "civil", "dpf", "judicial", "county", "admin"])
def test_other_roles_may_not_print(client, users, jia, who):
    res = printed(client, users[who])
    assert res.status_code == 403 and "甲患者" not in res.content.decode()
    assert not PaperToken.objects.exists()


# ---- resolving a code on the server -----------------------------------------------------------------

def test_resolving_opens_the_patient_like_the_package(client, users, jia, download):
    code = paper_tokens.tokens_for(users["doctor"], [jia.pk], 14)[jia.pk].code
    res = resolve(client, users["vdoc"], paper_code.qr_text(code))
    assert res.status_code == 200
    body = res.json()
    assert body["code"] == code and body["patient"]["id"] == jia.pk and body["patient"]["name"] == "甲患者"
    package_entry = next(p for p in download(users["vdoc"]).json()["patients"] if p["id"] == jia.pk)
    assert set(body["patient"]) == set(package_entry)
    assert jia.id_number not in res.content.decode() and "13900004321" not in res.content.decode()
    event = AuditEvent.objects.filter(target__startswith="paper_token:").latest("id")
    assert event.action == "view" and event.outcome == "ok" and event.patient_id == jia.pk
    assert code not in json.dumps(event.detail) and code not in event.target
    assert PackagedPatient.objects.filter(user=users["vdoc"], patient=jia).exists()  # a held visit stays possible


def test_typed_forms_resolve_too(client, users, jia):
    code = paper_tokens.tokens_for(users["doctor"], [jia.pk], 14)[jia.pk].code
    for typed in (code.lower(), paper_code.shown(code), f" {code[:4]} {code[4:]} "):
        assert resolve(client, users["doctor"], typed).status_code == 200


def test_a_malformed_code_is_refused_before_any_lookup(client, users, jia):
    code = paper_tokens.tokens_for(users["doctor"], [jia.pk], 14)[jia.pk].code
    typo = code[:3] + ("2" if code[3] != "2" else "3") + code[4:]
    res = resolve(client, users["vdoc"], typo)
    assert res.status_code == 422 and res.json()["errors"][0]["message"] == paper_code.BAD_CHECK
    assert res.json()["errors"][0]["field"] == "code"
    assert not PaperLookup.objects.exists()  # not counted: nothing was looked up


def _unknown_answer(client, user):
    res = resolve(client, user, paper_code.make())
    assert res.status_code == 404
    return res.json()


@pytest.mark.parametrize("case", ["other_township", "outside", "expired", "police", "cadre", "office", "county",
                                  "moved"])
def test_anything_but_an_own_valid_code_answers_like_an_unknown_one(client, users, jia, make_patient, case):
    west = make_patient("990102002001", name="丙患者")
    if case == "other_township":  # 西镇's code for 西镇's patient, typed by 东镇's village doctor
        user, code = users["vdoc"], paper_tokens.tokens_for(users["doctor2"], [west.pk], 14)[west.pk].code
    elif case == "outside":  # 北镇's doctor with 东镇's code
        user, code = users["outsider"], paper_tokens.tokens_for(users["doctor"], [jia.pk], 14)[jia.pk].code
    elif case == "expired":
        token = paper_tokens.tokens_for(users["doctor"], [jia.pk], 14)[jia.pk]
        PaperToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
        user, code = users["vdoc"], token.code
    elif case == "moved":  # transferred to 西镇 after printing: 东镇's code no longer opens the form
        code = paper_tokens.tokens_for(users["doctor"], [jia.pk], 14)[jia.pk].code
        from jingfang.registry.models import Patient
        Patient.objects.filter(pk=jia.pk).update(region_id="990102002001")
        user = users["vdoc"]
    else:  # roles that do not work offline, with a valid code of their own township
        user, code = users[case], paper_tokens.tokens_for(users["doctor"], [jia.pk], 14)[jia.pk].code
    res = resolve(client, user, code)
    assert res.status_code == 404
    assert res.json() == _unknown_answer(client, user)
    assert "甲患者" not in res.content.decode() and "丙患者" not in res.content.decode()
    assert PaperLookup.objects.filter(user=user).count() == 2
    # audited: a code found but refused names the token and the patient; an expired one is just not found
    refused = AuditEvent.objects.filter(user_id=user.pk, action="view").exclude(outcome="ok").order_by("id")[0]
    if case == "expired":
        assert (refused.outcome, refused.target, refused.patient_id) == ("not_found", "paper_code", None)
    else:
        assert refused.outcome == "denied" and refused.target.startswith("paper_token:")


def test_misses_are_bounded_per_user_and_day(client, users, jia, settings):
    settings.JINGFANG_PAPER_MISSES_PER_DAY = 3
    code = paper_tokens.tokens_for(users["doctor"], [jia.pk], 14)[jia.pk].code
    for _ in range(3):
        _unknown_answer(client, users["vdoc"])
    res = resolve(client, users["vdoc"], code)  # even a valid code: nothing more is looked up today
    assert res.status_code == 429 and "上限" in res.json()["errors"][0]["message"]
    assert AuditEvent.objects.filter(target="paper_code", outcome="denied").count() == 1
    assert resolve(client, users["doctor"], code).status_code == 200  # per user
    PaperLookup.objects.update(at=timezone.now() - dt.timedelta(hours=25))
    assert resolve(client, users["vdoc"], code).status_code == 200  # the window passed
