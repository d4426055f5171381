"""Writing what ``services_bulk`` checked (the ledger import): ``bulk_register_patients`` all at once,
or ``Registrar`` a part at a time inside the caller's transaction (see ``services_bulk``'s docstring)."""

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

from django.db import IntegrityError, transaction

from jingfang.audit import log as audit
from jingfang.core import bulk, errors

from .models import Guardian, Patient, StatusChange
from .services_bulk import Checked, require_right
from .signals import patients_registering


@dataclass
class Registered:
    created: int
    ids: list
    skipped: int



def id_ranges(ids: list[int]) -> list[list[int]]:
    """[1,2,3,7,8] -> [[1,3],[7,8]]: which patients an import created, compactly, for its audit row."""
    out: list[list[int]] = []
    for i in sorted(ids):
        if out and i == out[-1][1] + 1:
            out[-1][1] = i
        else:
            out.append([i, i])
    return out


class Registrar:
    """``bulk_register_patients`` a part at a time, inside the caller's transaction:

        with transaction.atomic(), Registrar(actor) as registrar:
            registrar.add(checked_part)   # as often as parts come
            done = registrar.finish()     # the audit row; returns what was written

    Each part's patients get their ids, then are written batch by batch (announced first with
    ``patients_registering``); the server stores a batch while the caller prepares the next
    (``core.bulk.copied_behind``), so nothing written may be read back before the block ends."""

    def __init__(self, actor, *, batch_size: int = 1000, note: str = "建档（台账导入）", request=None,
                 progress: Callable[[int, int], None] | None = None, total: int | None = None):
        require_right(actor, request)
        self.actor, self.batch_size, self.note, self.request, self.progress = actor, batch_size, note, request, progress
        self.context: dict = {}  # kept by receivers across the batches (e.g. policy profiles)
        self.ids: list[int] = []
        self.skipped = 0
        self.total = total  # for progress, when the caller knows it
        self._behind = None
        self._spare: list[int] = []  # ids reserved and not used yet
        self._ahead = None  # ids being reserved for the next part (core.bulk.reserve_ids_later)

    def __enter__(self) -> "Registrar":
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("Registrar must run inside a transaction")
        self._behind = bulk.copied_behind()
        self._behind.__enter__()
        return self

    def __exit__(self, *exc) -> bool:
        behind, self._behind = self._behind, None
        try:
            return bool(behind.__exit__(*exc))
        except IntegrityError:
            raise errors.Conflict(CONFLICT) from None

    def add(self, checked: Checked, *, more: bool = True) -> None:
        """Write one checked part. ``more``: another part of about this size is expected, and its ids
        are asked for now, answered while this part is written (an import leaves the ids of at most
        one part unused: a gap in the numbering, nothing more)."""
        if checked.actor_id != self.actor.pk or not checked.ok:
            raise errors.Invalid("批量登记须先通过校验（check_registrations），且由同一用户提交")
        self.skipped += len(checked.skipped)
        if not checked.patients:
            return
        for patient, pk in zip(checked.patients, self._reserve(len(checked.patients), more), strict=True):
            patient.pk = pk
        try:
            for start in range(0, len(checked.patients), self.batch_size):
                self._write(checked.patients[start : start + self.batch_size],
                            checked.guardians[start : start + self.batch_size])
        except IntegrityError:
            raise errors.Conflict(CONFLICT) from None

    def _reserve(self, count: int, more: bool) -> list[int]:
        ids, self._spare = self._spare, []
        if self._ahead is not None:
            ids, self._ahead = ids + self._ahead.result(), None
        if len(ids) < count:
            ids += bulk.reserve_ids(Patient, count - len(ids))
        ids, self._spare = ids[:count], ids[count:]
        if more:
            self._ahead = bulk.reserve_ids_later(Patient, count)
        return ids

    def _write(self, batch: list, guardians: list) -> None:
        """One batch: announced (the schedule engine plans it), then the patients, their guardians and
        first status rows, then what the receivers write."""
        actor = self.actor
        after = [r for _, r in patients_registering.send(sender=Patient, patients=batch, guardians=guardians,
                                                         context=self.context)
                 if callable(r)]
        bulk.insert(Patient, batch, with_ids=True)
        for patient, guardian in zip(batch, guardians, strict=True):
            if guardian is not None:
                guardian.patient = patient
        bulk.insert(Guardian, [g for g in guardians if g is not None])
        # plain rows (nobody reads them back): cheaper to build than model instances
        bulk.insert(StatusChange, [
            SimpleNamespace(patient_id=p.pk, status=p.status, detail=p.status_detail, since=p.status_since,
                            note=self.note, recorded_by_id=actor.pk)
            for p in batch
        ])
        for write in after:
            write()
        self.ids += [p.pk for p in batch]
        if self.progress:
            self.progress(len(self.ids), self.total)

    def finish(self) -> Registered:
        """The audit row of everything added; returns what was written."""
        ids, ranges = self.ids, id_ranges(self.ids)
        audit.record(
            self.actor, "import", request=self.request, target=f"patients:{len(ids)}",
            detail={"created": len(ids), "skipped": self.skipped,
                    "patient_ids": ranges if len(ranges) <= 200 else [[ranges[0][0], ranges[-1][1]]]},
        )
        return Registered(created=len(ids), ids=ids, skipped=self.skipped)


CONFLICT = "导入期间有身份证号已被他人登记，未写入任何数据；请重新导入（已登记的将跳过）"


def bulk_register_patients(
    actor, checked: Checked, *, progress: Callable[[int, int], None] | None = None, batch_size: int = 1000,
    request=None, note: str = "建档（台账导入）",
) -> Registered:
    """Write what ``check_registrations`` accepted, all or nothing (one transaction)."""
    require_right(actor, request)
    if checked.actor_id != actor.pk or not checked.ok:
        raise errors.Invalid("批量登记须先通过校验（check_registrations），且由同一用户提交")
    try:
        with transaction.atomic():
            with Registrar(actor, batch_size=batch_size, note=note, request=request, progress=progress,
                               total=len(checked.patients)) as registrar:
                registrar.add(checked, more=False)
            return registrar.finish()
    except IntegrityError:
        raise errors.Conflict(CONFLICT) from None
