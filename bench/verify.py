"""Check that the bulk loader wrote what the application would: for a sample of patients, the
identifiers decrypt and are found through their blind index, every field of the file and of its
follow-ups is a value the models accept, and the schedule engine's refresh
(``followups.engine.refresh``) leaves the stored due items and cached flags exactly as loaded."""

import random

from django.db import transaction


def _snapshot(patient_id: int) -> tuple:
    from jingfang.followups.models import DueItem
    from jingfang.registry.models import Patient

    p = Patient.objects.values("next_due_date", "key_person", "grade", "lost", "last_followup_date",
                               "last_seen_date", "risk_level", "condition", "key_reasons").get(pk=patient_id)
    items = sorted(DueItem.objects.filter(patient_id=patient_id).values_list(
        "kind", "due_date", "window_start", "rule_id", "mode", "key_person", "region_code"))
    return p, items


def check(sample: int = 200, seed: int = 1) -> dict:
    from django.core.exceptions import ValidationError

    from jingfang.followups import engine
    from jingfang.followups.models import FollowUp
    from jingfang.registry.models import Guardian, Patient

    ids = list(Patient.objects.order_by("?").values_list("id", flat=True)[: sample * 3])
    random.Random(seed).shuffle(ids)
    mismatches, invalid, checked = [], [], 0
    for pid in ids[:sample]:
        patient = Patient.objects.get(pk=pid)
        assert Patient.objects.filter(id_number=patient.id_number).values_list("id", flat=True).first() == pid
        if patient.phone:
            assert Patient.objects.filter(phone=patient.phone).filter(pk=pid).exists()
        for g in Guardian.objects.filter(patient_id=pid):
            assert not g.phone or Guardian.objects.filter(phone=g.phone, pk=g.pk).exists()
        try:  # every value is one the application accepts (choices, lengths)
            patient.clean_fields(exclude=["id_number_index", "phone_index"])
            for f in FollowUp.objects.filter(patient_id=pid):
                f.clean_fields()
        except ValidationError as exc:
            invalid.append({"patient": pid, "errors": exc.message_dict})
        before = _snapshot(pid)
        with transaction.atomic():
            engine.refresh(patient)
            after = _snapshot(pid)
            transaction.set_rollback(True)
        checked += 1
        if before != after:
            mismatches.append({"patient": pid, "loaded": before, "refreshed": after})
    return {"checked": checked, "mismatches": len(mismatches), "examples": mismatches[:3],
            "invalid": len(invalid), "invalid_examples": invalid[:3]}
