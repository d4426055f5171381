"""The follow-up form's preview and the saved visit give the same next date, never one in the past.

A village doctor rang a patient, ticked 危险性3级, saw "下次随访：2026-12-21" in the preview and, once
saved, found the patient overdue since September: the risk made the patient a key person (重点管理对象),
whose phone calls the 齐云山镇2024 rules (三（四）2: 既要面访患者本人，也要面访监护人) do not count, so the
saved schedule restarted from the last face-to-face visit while the preview still counted the call.
Now the preview computes the patient's standing as saving would (`engine.standing`), and a face-to-face
visit still owed after a call is due no earlier than the call and is named as such ("需面访").
"""

import datetime as dt

import pytest

from jingfang.core import clock
from jingfang.core.vocab import CONDITIONS
from jingfang.followups import engine, services
from jingfang.followups.models import DueItem
from jingfang.followups.schedule import CONTACT_MODES, next_followup
from jingfang.policies.profiles import available_profiles, load_profile
from jingfang.regions.models import Region
from jingfang.registry.models import Patient

from . import patient as state
from . import seen

PROFILES = sorted(available_profiles())
TODAY = dt.date(2026, 12, 7)
LAST_FACE_TO_FACE = TODAY - dt.timedelta(days=89)  # 2026-09-09


@pytest.mark.parametrize("name", PROFILES)
@pytest.mark.parametrize("mode", CONTACT_MODES)
@pytest.mark.parametrize("condition", list(CONDITIONS))
@pytest.mark.parametrize("risk", range(6))
@pytest.mark.parametrize("key_person", [False, True])
def test_next_date_is_never_before_the_visit(name, mode, condition, risk, key_person):
    profile = load_profile(name)
    history = [seen(LAST_FACE_TO_FACE.isoformat(), "stable", 0), seen(TODAY.isoformat(), condition, risk, mode=mode)]
    item = next_followup(profile, state(key_person=key_person), history, TODAY)
    assert item.due_date >= TODAY, item
    owed = profile.followup.key_person_face_to_face and key_person and mode == "phone"
    if owed:
        assert item.mode == "face_to_face" and item.notes[0].startswith("需面访"), item
        assert f"{item.due_date:%Y-%m-%d}前面访" in item.notes[0]
    else:
        assert not any(n.startswith("需面访") for n in item.notes), item


def test_a_call_after_a_timely_face_to_face_visit_keeps_its_date():
    """齐云山镇2024 三（四）2: the visit owed stays due when the interval says, named 需面访."""
    profile = load_profile("qiyunshan-2024")
    history = [seen("2026-11-30", "stable", 0), seen("2026-12-07", "unstable", 3, mode="phone")]
    item = next_followup(profile, state(key_person=True), history, TODAY)
    assert item.due_date == dt.date(2026, 12, 14) and item.mode == "face_to_face"  # 2 weeks after 11-30
    assert item.notes[0] == "需面访：电话随访不能代替重点管理对象的面访，请于2026-12-14前面访"


def _answers(mode, risk):
    return {"date": clock.today(), "mode": mode, "seen": True, "risk_level": risk, "insight": "full",
            "social_function": "good", "adherence": "regular", "adverse_reaction": "none",
            "physical_illness": "none"}


@pytest.mark.django_db
@pytest.mark.parametrize("name", PROFILES)
@pytest.mark.parametrize("mode", CONTACT_MODES)
@pytest.mark.parametrize("risk", [0, 3])
def test_preview_and_saved_visit_agree(users, make_patient, name, mode, risk):
    Region.objects.filter(code="990102001000").update(policy=name)
    engine.clear_caches()
    patient = make_patient()
    Patient.objects.filter(pk=patient.pk).update(registered_on=clock.today() - dt.timedelta(days=400))
    patient.refresh_from_db()
    earlier = {**_answers("home_visit", 0), "date": clock.today() - dt.timedelta(days=89)}
    services.record_followup(users["vdoc"], patient, earlier)
    patient.refresh_from_db()
    key_person_before = patient.key_person

    shown = engine.preview(patient, _answers(mode, risk))
    patient.refresh_from_db()
    assert patient.key_person == key_person_before  # the preview changed nothing
    result = services.record_followup(users["vdoc"], patient, _answers(mode, risk))
    patient.refresh_from_db()

    assert shown["next"].due_date == result.next_due_date == patient.next_due_date
    assert patient.next_due_date >= clock.today()
    item = DueItem.objects.get(patient=patient, kind="followup")
    assert item.due_date == patient.next_due_date
    owed = load_profile(name).followup.key_person_face_to_face and patient.key_person and mode == "phone"
    assert (item.mode == "face_to_face" and item.notes[0].startswith("需面访")) if owed else True
    assert (shown["next"].mode or "") == item.mode
