"""Proof of encryption at rest: with patients, guardians, leads, campaign persons, report cards,
release notices, care teams, relief applications and a department's uploaded list stored, no ID
number or phone appears in clear in any column of any table (every database), nor anywhere in the
bytes of the SQLite database file."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.db import connection

from conftest import id_for
from jingfang.core import clock
from jingfang.registry import services as registry_services
from jingfang.registry.models import Patient

IDS = {
    "patient": id_for(dt.date(1961, 7, 8), "M"),
    "lead": id_for(dt.date(1962, 8, 9), "F"),
    "person": id_for(dt.date(1963, 9, 10), "M"),
    "card": id_for(dt.date(1964, 10, 11), "F"),
    "notice": id_for(dt.date(1965, 11, 12), "M"),
    "their_list": id_for(dt.date(1966, 12, 13), "F"),
}
PHONES = {
    "patient": "13811110001", "patient_new": "13811110002", "guardian": "13911110003", "village": "13711110004",
    "lead": "13611110005", "lead_guardian": "13511110006", "member": "13411110007", "applicant": "13311110008",
}


def store_everything(users, make_patient):
    from jingfang.care.models import CareTeam, TeamMember
    from jingfang.exchange.models import ReconciliationLine, ReconciliationRun
    from jingfang.intake import services as intake_services
    from jingfang.intake.models import ReleaseNotice
    from jingfang.screening import services_leads
    from jingfang.screening.models import Campaign, Person
    from jingfang.support.models import ReliefApplication

    doctor = users["doctor"]
    patient = make_patient(id_number=IDS["patient"], phone=PHONES["patient"], village_contact_phone=PHONES["village"],
                           guardian={"name": "王监护", "relation": "parent", "phone": PHONES["guardian"]})
    patient = registry_services.update_patient(doctor, patient, {"phone": PHONES["patient_new"]}, version=patient.version)
    services_leads.create_lead(doctor, {
        "name": "李疑似", "id_number": IDS["lead"], "phone": PHONES["lead"], "region_code": "990102001001",
        "address": "3组8号", "signs": ["3"], "source": "door_to_door", "found_on": clock.today().isoformat(),
        "guardian_name": "李监护", "guardian_relation": "parent", "guardian_phone": PHONES["lead_guardian"],
    })
    campaign = Campaign.objects.create(name="摸排", region_id="990102001000", risk_since=dt.date(2024, 1, 1))
    Person.objects.create(campaign=campaign, name="张摸排", id_number=IDS["person"], region_id="990102001001")
    intake_services.receive_card(doctor, {
        "kind": "discharge", "hospital": "测试市精神卫生中心", "received_on": clock.today().isoformat(),
        "patient_name": "赵报告", "id_number": IDS["card"], "address": "甲村5组", "diagnosis": "schizophrenia",
    })
    ReleaseNotice.objects.create(kind="custody", released_on=clock.today(), notifying_unit="看守所",
                                 notified_on=clock.today(), township_id="990102001000", person_name="钱释放",
                                 id_number=IDS["notice"])
    team = CareTeam.objects.create(patient=patient)
    TeamMember.objects.create(team=team, role="guardian", name="王监护", phone=PHONES["member"])
    ReliefApplication.objects.create(patient=patient, township_code="990102001000", applicant_name="王监护",
                                     applicant_phone=PHONES["applicant"], insurance_type="resident", facts="住院")
    run = ReconciliationRun.objects.create(township_id="990102001000", department="police", headers=["姓名", "身份证号"],
                                           rows=[{"row": 2, "cells": ["孙对方", IDS["their_list"]]}])
    ReconciliationLine.objects.create(run=run, kind="theirs_only", row_number=2,
                                      theirs={"name": "孙对方", "id_number": IDS["their_list"]})
    return patient


def secrets_in(text: str) -> set[str]:
    return {v for v in [*IDS.values(), *PHONES.values()] if v in text}


def clear_columns() -> dict[str, set[str]]:
    """Every table.column whose raw stored value contains one of the identifiers in clear."""
    q = connection.ops.quote_name
    found = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {q(table)}")
            columns = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if hits := secrets_in(str(value)):
                        found[f"{table}.{column}"] = hits
    return found


@pytest.mark.django_db
def test_no_identifier_in_clear_in_any_column(users, make_patient):
    patient = store_everything(users, make_patient)
    assert patient.phone == PHONES["patient_new"]  # stored, and read back through the model
    assert clear_columns() == {}
    # The scan does see a value written in clear (here into an ordinary column).
    Patient.objects.filter(pk=patient.pk).update(address=f"核对 {IDS['patient']}")
    assert clear_columns() == {"registry_patient.address": {IDS["patient"]}}
    Patient.objects.filter(pk=patient.pk).update(address="甲村3组12号")
    # The same values are there, decrypted, for whoever reads them through the application.
    assert {patient.id_number, patient.phone, patient.village_contact_phone, patient.guardians.get().phone} == {
        IDS["patient"], PHONES["patient_new"], PHONES["village"], PHONES["guardian"]
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "sqlite", reason="the file check is for SQLite (PostgreSQL: column check)")
def test_the_sqlite_file_holds_no_identifier_in_clear(users, make_patient, tmp_path):
    store_everything(users, make_patient)
    copy = Path(tmp_path) / "copy.sqlite3"
    with connection.cursor() as cursor:
        cursor.execute("VACUUM INTO %s", [str(copy)])
    data = copy.read_bytes()
    assert len(data) > 100_000 and b"registry_patient" in data
    assert {v for v in [*IDS.values(), *PHONES.values()] if v.encode() in data} == set()
    # nor the UTF-16 form, nor any other 18-character ID number of the test area in clear
    assert not any(v.encode("utf-16-le") in data for v in IDS.values())
    assert not re.search(rb"(?<![0-9a-f])990102(19|20)\d{9}[\dX](?![0-9a-f])", data)
