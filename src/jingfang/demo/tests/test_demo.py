import datetime as dt
from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from jingfang.accounts import roles
from jingfang.audit.models import AuditEvent
from jingfang.core import clock, idnumber
from jingfang.demo import regions as demo_regions
from jingfang.demo.accounts import DEMO_PASSWORD, DEMO_USERS, print_logins
from jingfang.demo.generate import DEFAULT_PATIENTS, default_as_of
from jingfang.demo.people import iter_patient_specs
from jingfang.followups import engine
from jingfang.followups.models import DueItem
from jingfang.regions import codes
from jingfang.regions.models import Region
from jingfang.registry.models import Guardian, Patient, StatusChange

User = get_user_model()
AS_OF = dt.date(2026, 10, 31)


def run_demo(**options) -> str:
    out = StringIO()
    call_command("demo", stdout=out, **options)
    return out.getvalue()


def counts() -> tuple:
    return (
        Region.objects.count(),
        Patient.objects.count(),
        Guardian.objects.count(),
        StatusChange.objects.count(),
        User.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.mark.django_db
def test_demo_builds_a_consistent_county():
    output = run_demo(patients=120, seed=1)

    assert Region.objects.filter(level=codes.TOWNSHIP).count() >= 3
    assert Region.objects.filter(level=codes.VILLAGE).count() >= 15
    county = Region.objects.get(code="990102000000")
    assert county.name == "示范县"
    assert county.population == sum(
        Region.objects.filter(level=codes.VILLAGE).values_list("population", flat=True)
    )
    assert Patient.objects.count() == 120

    today = clock.today()
    for patient in Patient.objects.select_related("region").prefetch_related("status_history", "guardians"):
        number, birth, sex = idnumber.parse(patient.id_number)
        assert number.startswith("990102")
        assert (birth, sex) == (patient.birth_date, patient.sex)
        assert patient.region.level == codes.VILLAGE
        assert Region.objects.get(code=patient.household_region_id).level == codes.VILLAGE
        assert 16 <= (today - birth).days // 365.25 <= 86
        assert patient.first_onset_date < patient.diagnosis_date <= patient.registered_on
        assert dt.date(2012, 1, 1) <= patient.registered_on <= AS_OF
        # a demo transfer bumps it, and so does a demo incident (counted among the past dangerous acts)
        assert patient.version == 1 + patient.transfer_pending + patient.incidents.count()
        history = sorted(patient.status_history.all(), key=lambda s: s.since)
        assert history, patient.pk
        assert history[0].since == patient.registered_on
        assert history[-1].status == patient.status
        assert history[-1].since == patient.status_since
        assert all(
            a.since < b.since and a.status != b.status for a, b in zip(history, history[1:], strict=False)
        )
        guardians = list(patient.guardians.all())
        assert 1 <= len(guardians) <= 2
        assert guardians[0].is_primary and not any(g.is_primary for g in guardians[1:])
        if patient.status == "deceased":
            assert patient.death_date == patient.status_since
            assert patient.death_cause
        else:
            assert patient.death_date is None
        profile = engine.profile_for(patient.region_id)
        rows = list(patient.followups.order_by("date", "id").values(*engine.CONTACT_FIELDS))
        flags = engine.compute_flags(patient, profile, rows, engine.contacts_for(patient, rows))
        assert patient.key_person == flags["key_person"]
        if patient.risk_level is not None and patient.risk_level >= 3 and patient.status == "at_home":
            assert patient.key_person
        dates = [r["date"] for r in rows]
        assert all(patient.registered_on <= d <= clock.today() for d in dates)
        if patient.status == "at_home":
            assert patient.next_due_date is not None
            assert DueItem.objects.filter(patient=patient, kind="followup").exists()
        if rows and rows[-1]["seen"]:
            assert patient.condition == rows[-1]["condition"]

    assert set(User.objects.values_list("role", flat=True)) == set(roles.ROLES)
    assert User.objects.count() == len(DEMO_USERS)
    assert not User.objects.filter(is_superuser=True).exists()
    assert sorted(User.objects.filter(is_staff=True).values_list("username", flat=True)) == ["admin", "auditor", "secadmin"]
    doctor = User.objects.get(username="doctor1")
    assert doctor.check_password(DEMO_PASSWORD)
    assert (doctor.role, doctor.region_id) == (roles.TOWNSHIP_DOCTOR, "990102001000")
    assert User.objects.get(username="vdoc1").region_id == "990102001001"
    assert User.objects.get(username="doctor2").region_id == "990102002000"

    assert "患者120人" in output
    assert "关爱帮扶小组" in output and "住院救助申请" in output
    for username, role, _, _ in DEMO_USERS:
        assert username in output
        assert roles.label(role) in output
    assert DEMO_PASSWORD in output


@pytest.mark.django_db
def test_rerun_refuses_and_writes_nothing():
    run_demo(patients=30, seed=2)
    before = counts()
    output = run_demo(patients=30, seed=3)
    assert "已有患者数据" in output
    assert counts() == before


@pytest.mark.django_db
def test_if_empty_loads_only_into_an_empty_system():
    run_demo(patients=20, seed=4, if_empty=True)
    assert Patient.objects.count() == 20
    before = counts()
    again = run_demo(patients=20, seed=5, if_empty=True)
    assert "演示数据已生成" not in again and "vdoc1" in again  # only the logins, for `make run`
    assert counts() == before


@pytest.mark.django_db
def test_if_empty_skips_when_regions_exist():
    Region.objects.create(code="110000000000", name="北京市", level=codes.PROVINCE)
    assert run_demo(patients=20, if_empty=True) == ""
    assert Patient.objects.count() == 0
    assert Region.objects.count() == 1


@pytest.mark.django_db
def test_existing_username_is_left_alone():
    province = Region.objects.create(code="110000000000", name="北京市", level=codes.PROVINCE)
    User.objects.create_user("admin", password="Other#Pass2026", role=roles.ADMIN, region=province)
    output = run_demo(patients=10, seed=6)
    admin = User.objects.get(username="admin")
    assert admin.region_id == "110000000000"
    assert admin.check_password("Other#Pass2026")
    assert "已存在" in output
    assert User.objects.count() == len(DEMO_USERS)


@pytest.mark.django_db
def test_logins_only_prints():
    output = run_demo(logins=True)
    assert counts() == (0, 0, 0, 0, 0, 0)
    for username, _, _, _ in DEMO_USERS:
        assert username in output
    assert "示范县青山镇" in output  # region names come from the demo tree even before loading


@pytest.mark.django_db
def test_default_run_has_at_least_600_patients():
    assert DEFAULT_PATIENTS >= 600
    run_demo()
    assert Patient.objects.count() == DEFAULT_PATIENTS
    per_mille = DEFAULT_PATIENTS * 1000 / Region.objects.get(code="990102000000").population
    assert 4 <= per_mille <= 6.5


@pytest.mark.django_db
def test_print_logins_to_a_plain_stream():
    out = StringIO()
    print_logins(out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 4 + len(demo_regions.TOWNSHIPS) + 1 + len(DEMO_USERS)  # intro, header, a heading each
    assert lines[-1].split()[0] == DEMO_USERS[-1][0]


def test_demo_users_cover_every_role():
    assert {role for _, role, _, _ in DEMO_USERS} == set(roles.ROLES)
    tree_codes = {r.code for r in demo_regions.tree()}
    assert all(code in tree_codes for _, _, code, _ in DEMO_USERS)


def test_sample_csv_matches_the_demo_tree():
    assert demo_regions.SAMPLE_CSV.read_text(encoding="utf-8") == demo_regions.as_csv()


def test_demo_tree_shape():
    villages = demo_regions.villages()
    assert len(villages) >= 20
    assert all(1500 <= v.population <= 6000 for v in villages)
    for code, _, members in demo_regions.TOWNSHIPS:
        assert 5 <= len(members) <= 6
        assert codes.level_of(code) == codes.TOWNSHIP
    for region in demo_regions.tree():
        codes.validate(region.code)
        if region.parent_code:
            assert codes.is_within(region.code, region.parent_code)
            assert codes.level_of(region.parent_code) == codes.level_of(region.code) - 1


def test_specs_are_reproducible_and_plausible():
    first = list(iter_patient_specs(720, 7, AS_OF))
    again = list(iter_patient_specs(720, 7, AS_OF))
    other = list(iter_patient_specs(50, 8, AS_OF))
    assert [s.fields for s in first] == [s.fields for s in again]
    assert [s.id_number for s in first[:50]] != [s.id_number for s in other]
    assert len({s.id_number for s in first}) == 720

    n = len(first)
    share = lambda key, value: sum(1 for s in first if s.fields[key] == value) / n  # noqa: E731
    assert 0.62 <= share("diagnosis", "schizophrenia") <= 0.78
    assert 0.52 <= share("risk_level", 0) <= 0.68
    assert 0.78 <= share("status", "at_home") <= 0.92
    assert 0.2 <= share("economic_status", "poor") <= 0.4
    assert 0.04 <= share("police_listed", True) <= 0.14
    assert 0.3 <= share("disability_certificate", True) <= 0.5
    assert 0.05 <= sum(1 for s in first if s.fields["past_dangerous_acts"]) / n <= 0.15
    assert (
        0.05 <= sum(1 for s in first if s.fields["household_region_id"] != s.fields["region_id"]) / n <= 0.15
    )
    for spec in first:
        f = spec.fields
        assert f["condition"] == "unstable" if f["risk_level"] >= 3 else True
        assert f["condition"] == "basically_stable" if f["risk_level"] in (1, 2) else True
        if f["disability_certificate"]:
            assert f["disability_grade"] in (1, 2, 3, 4)
        assert f["diagnosis_date"] >= f["birth_date"].replace(
            year=f["birth_date"].year + 14, day=min(f["birth_date"].day, 28)
        )
        assert 1 <= len(spec.history) <= 4
    villages = Counter(s.fields["region_id"] for s in first)
    assert len(villages) == len(demo_regions.villages())


def test_default_as_of():
    assert default_as_of(dt.date(2030, 1, 1)) == AS_OF
    assert default_as_of(dt.date(2026, 5, 1)) == dt.date(2026, 5, 1)
