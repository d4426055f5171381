"""Writing the demo data set: regions, patients (with guardians and status history) and users.

``generate`` is what ``jingfang demo`` runs, inside one transaction. The pieces are separate so later
work can add more (e.g. follow-up records) for the same patients: ``iter_patient_specs`` gives the
plain specs and ``write_patients`` returns each spec with its stored Patient.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction

from jingfang.audit.log import record
from jingfang.core import clock
from jingfang.regions.loading import LoadReport, load_regions_csv
from jingfang.registry.models import Guardian, Patient, StatusChange

from . import regions as demo_regions
from .accounts import create_demo_users
from .people import REGISTRATION_END, PatientSpec, iter_patient_specs

DEFAULT_PATIENTS = 720
DEFAULT_SEED = 20261001
BATCH = 1000


@dataclass
class DemoSummary:
    regions: int = 0
    villages: int = 0
    townships: int = 0
    population: int = 0
    patients: int = 0
    key_persons: int = 0
    followups: int = 0
    activity: dict = field(default_factory=dict)
    users_created: list[str] = field(default_factory=list)
    users_skipped: list[str] = field(default_factory=list)


def default_as_of(today: dt.date | None = None) -> dt.date:
    """The demo's reference date: the end of October 2026, or today when that is earlier."""
    return min(REGISTRATION_END, today or clock.today())


def load_demo_regions() -> LoadReport:
    report = load_regions_csv(demo_regions.as_csv())
    if report.errors:  # the demo tree is fixed data; this would be a programming error
        raise RuntimeError("\n".join(report.errors))
    return report


def _batches(items: Iterable, size: int):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def write_patients(
    specs: Iterable[PatientSpec], batch_size: int = BATCH
) -> list[tuple[PatientSpec, Patient]]:
    """Store the specs (patients, guardians, status history) with bulk inserts."""
    written: list[tuple[PatientSpec, Patient]] = []
    for batch in _batches(specs, batch_size):
        patients = Patient.objects.bulk_create(
            [Patient(**spec.fields) for spec in batch], batch_size=batch_size
        )
        if any(p.pk is None for p in patients):  # databases that cannot return ids from bulk inserts
            ids = dict(
                Patient.objects.filter(id_number__in=[p.id_number for p in patients]).values_list(
                    "id_number", "pk"
                )
            )
            for patient in patients:
                patient.pk = ids[patient.id_number]
        guardians, changes = [], []
        for spec, patient in zip(batch, patients, strict=True):
            guardians += [
                Guardian(
                    patient=patient,
                    name=g.name,
                    relation=g.relation,
                    phone=g.phone,
                    address=g.address,
                    is_primary=g.is_primary,
                )
                for g in spec.guardians
            ]
            changes += [
                StatusChange(patient=patient, status=s.status, detail=s.detail, since=s.since, note=s.note)
                for s in spec.history
            ]
            written.append((spec, patient))
        Guardian.objects.bulk_create(guardians, batch_size=batch_size)
        StatusChange.objects.bulk_create(changes, batch_size=batch_size)
    return written


def generate(
    patients: int = DEFAULT_PATIENTS, seed: int = DEFAULT_SEED, as_of: dt.date | None = None
) -> DemoSummary:
    """Load the whole demo data set in one transaction. The caller checks that the system is empty."""
    as_of = as_of or default_as_of()
    tree = demo_regions.tree()
    summary = DemoSummary(
        regions=len(tree),
        villages=len(demo_regions.villages()),
        townships=len(demo_regions.TOWNSHIPS),
        population=tree[0].population,
    )
    with transaction.atomic():
        load_demo_regions()
        written = write_patients(iter_patient_specs(patients, seed, as_of))
        summary.patients = len(written)
        summary.users_created, summary.users_skipped = create_demo_users()
        from .followups import write_followups

        summary.followups = write_followups(written, max(as_of, clock.today()))
        summary.key_persons = Patient.objects.filter(key_person=True).count()
        from .activity import make_activity

        summary.activity = make_activity(seed)
        record(
            None,
            "admin",
            target="demo",
            detail={"patients": summary.patients, "seed": seed, "users": len(summary.users_created)},
            username="console",
        )
    return summary
