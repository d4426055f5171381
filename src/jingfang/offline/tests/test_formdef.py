"""The form definition the phone validates with agrees with the server: for each sample body, the
definition's fields and rules (evaluated by formdef.check_fields, the Python twin of the phone's
JavaScript) and the server's sync accept and refuse the same bodies, naming the same field."""

import datetime as dt

import pytest

from jingfang.core import clock
from jingfang.followups import formrules
from jingfang.followups.api import FollowupIn
from jingfang.offline import formdef

from .conftest import new_id, sync

pytestmark = pytest.mark.django_db

TODAY = clock.today()
D = dt.timedelta
SEEN = {"date": TODAY.isoformat(), "mode": "home_visit", "seen": True, "risk_level": 0, "insight": "full",
        "social_function": "good", "adherence": "regular", "adverse_reaction": "none", "physical_illness": "none"}
NOT_SEEN = {"date": TODAY.isoformat(), "mode": "phone", "seen": False, "not_seen_reason": "unreachable"}


def without(body, *keys):
    return {k: v for k, v in body.items() if k not in keys}


# (name, body, the failing field(s) or set() when valid)
CASES = [
    ("seen, complete", SEEN, set()),
    ("not seen, with reason", NOT_SEEN, set()),
    ("seen by default", without(SEEN, "seen"), set()),
    ("social function from its parts", {**without(SEEN, "social_function"),
                                        "social_detail": {"work": "poor", "social": "fair"}}, set()),
    ("full form", {**SEEN, "symptoms": ["hallucination"], "medications": [{"name": "利培酮", "dose": "2mg bid"}],
                   "dangerous_acts": {"trouble": 1}, "referral": True, "referral_to": "县精神卫生中心",
                   "condition": "unstable", "condition_reason": "家属反映夜间不眠", "joint": True,
                   "attendees": ["村医", "民警"], "notes": "服药督促"}, set()),
    ("died, not seen", {"date": TODAY.isoformat(), "mode": "home_visit", "seen": False, "died": True,
                        "death_date": (TODAY - D(1)).isoformat(), "death_cause": "accident"}, set()),
    ("no date", without(SEEN, "date"), {"date"}),
    ("no mode", without(SEEN, "mode"), {"mode"}),
    ("unknown mode", {**SEEN, "mode": "by_letter"}, {"mode"}),
    ("date tomorrow", {**SEEN, "date": (TODAY + D(1)).isoformat()}, {"date"}),
    ("date before registration", {**SEEN, "date": (TODAY - D(30)).isoformat()}, {"date"}),
    ("not a date", {**SEEN, "date": "07/12/2026"}, {"date"}),
    ("seen without risk", without(SEEN, "risk_level"), {"risk_level"}),
    ("seen without insight and adherence", without(SEEN, "insight", "adherence"), {"insight", "adherence"}),
    ("risk out of range", {**SEEN, "risk_level": 6}, {"risk_level"}),
    ("seen with a not-seen reason", {**SEEN, "not_seen_reason": "refused"}, {"not_seen_reason"}),
    ("irregular without cause", {**SEEN, "adherence": "intermittent"}, {"adherence_cause"}),
    ("irregular with cause", {**SEEN, "adherence": "none", "adherence_cause": "economic"}, set()),
    ("not seen without reason", without(NOT_SEEN, "not_seen_reason"), {"not_seen_reason"}),
    ("not seen with an assessment", {**NOT_SEEN, "risk_level": 2}, {""}),
    ("not seen, in hospital now", {**NOT_SEEN, "hospitalized": True}, {""}),
    ("not seen with a class", {**NOT_SEEN, "condition": "stable", "condition_reason": "电话了解"}, {"condition"}),
    ("class without reason", {**SEEN, "condition": "stable"}, {"condition_reason"}),
    ("referral without where", {**SEEN, "referral": True}, {"referral_to"}),
    ("discharge after visit", {**SEEN, "hospital": "past", "discharge_date": (TODAY + D(1)).isoformat()},
     {"discharge_date"}),
    ("died without date and cause", {**NOT_SEEN, "died": True}, {"death_date", "death_cause"}),
    ("death tomorrow", {**NOT_SEEN, "died": True, "death_date": (TODAY + D(1)).isoformat(), "death_cause": "other"},
     {"death_date"}),
    ("too many medications", {**SEEN, "medications": [{"name": f"药{i}"} for i in range(4)]}, {"medications"}),
    ("medication name too long", {**SEEN, "medications": [{"name": "药" * 51}]}, {"medications"}),
    ("dangerous acts out of range", {**SEEN, "dangerous_acts": {"trouble": 100}}, {"dangerous_acts"}),
    ("unknown social part", {**SEEN, "social_detail": {"cooking": "good"}}, {"social_detail"}),
    ("notes too long", {**SEEN, "notes": "字" * 2001}, {"notes"}),
    ("unknown field", {**SEEN, "mood": "good"}, {"mood"}),
    # (the server also takes 1 for true and "3" for 3, as the online API does; the phone sends JSON types)
]


def top(field: str) -> str:
    return field.split(".", 1)[0]


@pytest.mark.parametrize(("name", "body", "failing"), CASES, ids=[c[0] for c in CASES])
def test_definition_and_server_agree(client, users, jia, name, body, failing):
    definition = formdef.definition()
    params = {"registered_on": jia.registered_on.isoformat(), "joint_min_members": 1}
    phone = {top(f) for f, _ in formdef.check_fields(definition, body, params, TODAY)}
    [res] = sync(client, users["vdoc"], [{"client_id": new_id(), "patient_id": jia.pk, "form": body}]).json()["results"]
    server = {top(e["field"]) for e in res["errors"]}
    assert phone == failing, f"{name}: the phone's check found {phone}"
    assert server == failing, f"{name}: the server found {server} ({res['message']}; {res['errors']})"
    assert res["status"] == ("applied" if not failing else "refused")


def test_joint_minimum_from_the_patient_params():
    definition = formdef.definition()
    body = {**SEEN, "joint": True, "attendees": ["村医"]}
    params = {"registered_on": (TODAY - D(10)).isoformat(), "joint_min_members": 2}
    [(field, message)] = formdef.check_fields(definition, body, params, TODAY)
    assert field == "attendees" and "至少应有2名" in message and "当前1人" in message
    ok = {**body, "attendees": ["村医", "民警"]}
    assert formdef.check_fields(definition, ok, params, TODAY) == []


def test_the_definition_ships_the_servers_rules_and_every_api_field():
    definition = formdef.definition()
    assert definition["rules"] is formrules.RULES or definition["rules"] == formrules.RULES
    assert set(definition["fields"]) == set(FollowupIn.model_fields)
    assert [g["id"] for g in definition["groups"]][0] == "visit"
    assert definition["fields"]["date"] == {"label": "随访日期", "type": "date", "required": True}
    assert ["home_visit", "家庭访视"] in definition["fields"]["mode"]["choices"]
    assert definition["fields"]["notes"]["max_length"] == 2000
    assert len(definition["version"]) == 16
