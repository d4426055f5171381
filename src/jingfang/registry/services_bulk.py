"""Registering many patients at once (the ledger import, ``jingfang.imports``).

The rules are create_patient's (registry.forms.PatientForm and GuardianForm): the same ID-number
parser, name pattern, phone check, jurisdiction, vocabularies and date rules, called directly on
plain values instead of through a Django form per row (a form costs milliseconds; a county's ledger
has tens of thousands of rows). ``test_services_bulk`` checks that both accept and refuse the same
rows.

Two steps, so that the caller can report on every row before anything is written:

1. ``check_registrations(actor, registrations)`` validates every row (regions fetched once), finds
   ID numbers repeated within the rows and those already registered (through the one gate,
   ``registry.disclosure``: inside the jurisdiction and, for a doctor within the daily quota, outside
   it "已在系统中登记", never where; otherwise "需县级核实"), and returns a ``Checked`` holding unsaved
   patients. Writing, only numbers that collide with a file elsewhere spend the quota; checking only
   (``lookup=True``, nothing written) spends it on every number, so past the quota a row says
   "需县级核实" whether it is registered or not.
2. ``bulk_register_patients(actor, checked)`` (in ``services_bulk_write``) writes them in batches
   inside one transaction (``core.bulk.insert``: blind indexes and encryption are filled by the fields
   themselves), with their guardians and first status rows; each batch is announced with ``patients_registering`` first (the
   schedule engine sets the patients' cached schedule fields and then stores their due items), and
   one audit row records the import.

Both also work a part at a time, for rows that arrive in parts (a ledger read in another process):
``Checker.add(part)`` checks a part with what the earlier parts established (numbers seen, regions
fetched), and ``Registrar.add(checked_part)`` writes one inside the caller's transaction. The ledger
import checks and writes each part as it arrives, stops writing at the first problem, checks on to
report every problem, and then rolls the transaction back: all or nothing, as before.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django import forms as djforms

from jingfang.accounts import roles
from jingfang.audit import log as audit
from jingfang.core import bulk, clock, errors, idnumber, vocab
from jingfang.regions import codes
from jingfang.regions.models import Region

from . import disclosure
from .forms import NAME_RE, clean_phone
from .models import Guardian, Patient
from .standing import refresh_flags

TEXT_LIMITS = {"address": 200, "household_address": 200, "diagnosis_hospital": 100, "village_contact_name": 50}
CHOICES = {
    "household_type": vocab.HOUSEHOLD_TYPES, "employment": vocab.EMPLOYMENT, "education": vocab.EDUCATION,
    "marital_status": vocab.MARITAL, "economic_status": vocab.ECONOMIC, "informed_consent": vocab.CONSENT,
}
DATES = ("consent_date", "diagnosis_date", "first_onset_date")
FLAGS = ("police_listed", "disability_certificate")
FIELDS = frozenset({
    "name", "id_number", "phone", "region_code", "household_region_code", "address", "diagnosis", "status",
    "status_detail", "village_contact_phone", "disability_grade", *TEXT_LIMITS, *CHOICES, *DATES, *FLAGS,
})
GUARDIAN_FIELDS = frozenset({"name", "relation", "phone", "address"})
REGISTERED = "已在系统中登记，本次不重复导入"
UNVERIFIED = "需县级核实（今日可核对的身份证号已达上限，未核对是否已登记），本次不导入"
_REGION, _HOUSEHOLD, _CREATED_BY = (Patient._meta.get_field(n) for n in ("region", "household_region", "created_by"))


@dataclass
class Registration:
    line: int  # where the row came from (the sheet's row number), for messages
    data: dict  # create_patient's field names; dates as date or ISO text, flags as bool
    guardian: dict | None = None


@dataclass(frozen=True)
class Problem:
    line: int
    field: str  # a field name of ``Registration.data``, or "guardian.<name>"
    message: str


@dataclass
class Checked:
    actor_id: int
    patients: list = field(default_factory=list)  # unsaved Patient, valid and not yet registered
    guardians: list = field(default_factory=list)  # unsaved Guardian or None, by patient
    lines: list = field(default_factory=list)  # the line of each patient
    problems: list = field(default_factory=list)
    skipped: list = field(default_factory=list)  # (line, message): already registered

    @property
    def ok(self) -> bool:
        return not self.problems


def require_right(actor, request=None) -> None:
    if not actor.can(roles.CREATE_PATIENT):
        audit.record(actor, "import", request=request, outcome="denied")
        raise errors.Forbidden("您的角色无权登记患者")


def _region_codes(registrations) -> set[str]:
    return {str(r.data.get(k) or "").strip() for r in registrations for k in ("region_code", "household_region_code")}


def _regions(wanted: set) -> dict[str, Region]:
    """The regions of these codes (codes not found are left out)."""
    wanted = sorted(wanted - {""})
    found: dict[str, Region] = {}
    for i in range(0, len(wanted), 500):
        found.update({r.code: r for r in Region.objects.filter(code__in=wanted[i : i + 500])})
    return found


def check_registrations(
    actor, registrations: list[Registration], *, progress: Callable[[int, int], None] | None = None,
    lookup: bool = False,
) -> Checked:
    """Validate every row as create_patient would; see the module docstring."""
    checker = Checker(actor, lookup=lookup)
    checker.add(registrations, progress=progress)
    return checker.checked


class Checker:
    """``check_registrations`` a part at a time. ``checked`` accumulates the problems and skipped rows
    of every part, and the accepted patients too when ``keep`` is set (the import writes each part's
    patients as it goes and need not hold them all). ``lookup``: only checking, nothing will be written
    (the gate's look-up mode)."""

    def __init__(self, actor, *, keep: bool = True, lookup: bool = False):
        require_right(actor)
        self.lookup = lookup
        self.disclosed = {"asked": 0, "told": 0, "unverified": 0, "inside": 0}  # audited once: record_disclosures
        self.ctx = _Context(actor, clock.today())
        self.checked = Checked(actor_id=actor.pk)
        self.keep = keep
        self.rows = 0  # registrations checked so far
        self._first_line: dict[str, int] = {}
        self._looked: set[str] = set()  # region codes asked for (found or not)

    def add(self, registrations: list[Registration], *,
            progress: Callable[[int, int], None] | None = None) -> Checked:
        """Check one part; returns the part's own ``Checked`` (its problems are also in ``checked``)."""
        ctx, first_line = self.ctx, self._first_line
        self._learn_regions(registrations)
        registered = disclosure.registered_later([_text(r.data, "id_number") for r in registrations])
        part = Checked(actor_id=self.checked.actor_id)
        total = len(registrations)
        for i, reg in enumerate(registrations, start=1):
            patient, guardian, problems = _check_one(ctx, reg)
            number = patient.id_number if patient is not None else None
            if number and number in first_line:
                problems.append(Problem(reg.line, "id_number", f"与第{first_line[number]}行的身份证号重复"))
            elif number:
                first_line[number] = reg.line
            if problems:
                part.problems += problems
            else:
                part.patients.append(patient)
                part.guardians.append(guardian)
                part.lines.append(reg.line)
            if progress and (i % 64 == 0 or i == total):
                progress(i, total)
        self.rows += total
        _skip_registered(part, self._verdicts(part, registered()))
        checked = self.checked
        checked.problems += part.problems
        checked.skipped += part.skipped
        if self.keep:
            checked.patients += part.patients
            checked.guardians += part.guardians
            checked.lines += part.lines
        return part

    def _verdicts(self, part: Checked, registered: dict[str, str]) -> dict[str, str]:
        """{number: why the row is skipped} for the part's accepted rows, through the one gate."""
        numbers = [p.id_number for p in part.patients]
        if not numbers or not (registered or self.lookup):
            return {}
        answer = disclosure.check(self.ctx.actor, numbers, purpose=self._purpose, colliding=not self.lookup,
                                  registered=registered, audited=False)
        for key, n in (("asked", answer.asked), ("told", len(answer.told)),
                       ("unverified", len(answer.unverified)), ("inside", len(answer.inside))):
            self.disclosed[key] += n
        out = dict.fromkeys(answer.unverified, UNVERIFIED)
        if not self.lookup:  # a number with a file elsewhere cannot be written, told or not
            out.update(dict.fromkeys(registered, UNVERIFIED))
        out.update(dict.fromkeys(answer.inside | answer.elsewhere, REGISTERED))
        return out

    @property
    def _purpose(self) -> str:
        return "import_check" if self.lookup else "import"

    def record_disclosures(self, request=None) -> None:
        """One audit row for what the gate answered over every part (once the caller's transaction, if
        any, has ended: the audit chain's lock is not held for the length of an import)."""
        disclosure.record(self.ctx.actor, self._purpose, self.disclosed, request=request)

    def _learn_regions(self, registrations) -> None:
        wanted = _region_codes(registrations) - self._looked
        self.ctx.learn(_regions(wanted))
        self._looked |= wanted


def _skip_registered(part: Checked, verdicts: dict[str, str]) -> None:
    """Rows the gate says are registered or unverified: moved from the patients to ``skipped``."""
    if not verdicts:
        return
    keep = [k for k, p in enumerate(part.patients) if p.id_number not in verdicts]
    part.skipped = [(part.lines[k], verdicts[p.id_number]) for k, p in enumerate(part.patients)
                    if p.id_number in verdicts]
    part.patients = [part.patients[k] for k in keep]
    part.guardians = [part.guardians[k] for k in keep]
    part.lines = [part.lines[k] for k in keep]


def _text(data: dict, key: str) -> str:
    value = data.get(key)
    return "" if value is None else str(value).strip()


class _Context:
    """What every row of one check shares: the actor and what follows from it, the regions named by
    the rows (only well-formed codes: a malformed one is never found), the day, and the verdict on each
    residence code (rows name a few hundred villages at most)."""

    def __init__(self, actor, on: dt.date):
        self.actor, self.on = actor, on
        self.regions: dict[str, Region] = {}  # learnt part by part (Checker._learn_regions)
        self.clinical = roles.sees_clinical(actor.role)
        self.residences: dict[str, tuple] = {}

    def learn(self, regions: dict) -> None:
        self.regions.update((code, r) for code, r in regions.items() if codes.is_valid_code(code))

    def residence(self, code: str, bad):
        verdict = self.residences.get(code)
        if verdict is None:
            found: list = []
            region = _residence(code, self.actor, self.regions, lambda *p: found.append(p))
            verdict = self.residences[code] = (region, found)
        for problem in verdict[1]:
            bad(*problem)
        return verdict[0]


def _check_one(ctx: _Context, reg: Registration):
    actor, regions, on = ctx.actor, ctx.regions, ctx.on
    data, line = reg.data, reg.line
    problems: list[Problem] = []

    def bad(name: str, message: str) -> None:
        problems.append(Problem(line, name, message))

    if not FIELDS.issuperset(data):
        for name in sorted(set(data) - FIELDS):
            bad(name, "批量登记不支持此字段")
    if not ctx.clinical:  # roles.visible is true of every field for the clinical roles
        for name in sorted(k for k in data if not roles.visible(actor.role, k)):
            bad(name, "您的角色无权填写此字段")
    values: dict = {}
    name = _text(data, "name")
    if not NAME_RE.match(name):
        bad("name", "姓名应为2至50个汉字或字母")
    values["name"] = name
    birth = None
    try:
        values["id_number"], birth, values["sex"] = idnumber.parse(_text(data, "id_number"), on)
        values["birth_date"] = birth
    except idnumber.InvalidIdNumber as exc:
        bad("id_number", str(exc))
    for key, label in (("phone", "本人电话"), ("village_contact_phone", "村（居）委会联系电话")):
        try:
            values[key] = clean_phone(_text(data, key), label)
        except djforms.ValidationError as exc:
            bad(key, exc.messages[0])
    code = _text(data, "region_code")
    values["region"] = ctx.residence(code, bad) if code else _residence(code, actor, regions, bad)
    household = _text(data, "household_region_code")
    values["household_region"] = regions.get(household)
    if values["household_region"] is None:
        bad("household_region_code", f"户籍地区划代码{household[:12]}不存在" if household else "户籍地区划代码必填")
    values["address"] = _text(data, "address")
    if not values["address"]:
        bad("address", "现住址必填")
    for key, limit in TEXT_LIMITS.items():
        values[key] = _text(data, key)
        if len(values[key]) > limit:
            bad(key, f"不能超过{limit}个字")
    for key, mapping in CHOICES.items():
        values[key] = _text(data, key) or ("unknown" if key == "informed_consent" else "")
        if values[key] and values[key] not in mapping:
            bad(key, "不是规定的选项之一")
    values["diagnosis"] = _text(data, "diagnosis")
    if values["diagnosis"] not in vocab.DIAGNOSES and ctx.clinical:
        bad("diagnosis", "目前诊断必填，且应为规定的六类之一" if values["diagnosis"] else "目前诊断必填")
    for key in DATES:
        value = _date(data.get(key))
        if value in (None, ""):
            values[key] = None
        elif not isinstance(value, dt.date):
            bad(key, "日期格式不正确，应如2015-03-01")
        elif value > on:
            bad(key, "日期不能晚于今天")
        elif birth and value < birth:
            bad(key, "日期不能早于出生日期")
        else:
            values[key] = value
    if values.get("first_onset_date") and values.get("diagnosis_date") and values["first_onset_date"] > values["diagnosis_date"]:
        bad("first_onset_date", "初次发病时间不能晚于确诊日期")
    for key in FLAGS:
        values[key] = bool(data.get(key))
    values["disability_grade"] = _grade(data.get("disability_grade"), values["disability_certificate"], bad)
    values["status"] = _text(data, "status") or "at_home"
    values["status_detail"] = _text(data, "status_detail")
    if values["status"] not in vocab.STATUSES:
        bad("status", "不是规定的在管状态之一")
    elif values["status"] == "deceased":
        bad("status", "死亡的患者请逐个登记（须填写死亡日期与原因）")
    elif values["status_detail"] and values["status_detail"] not in vocab.STATUS_DETAILS.get(values["status"], {}):
        bad("status_detail", "状态细分与在管状态不符")
    guardian = _guardian(reg.guardian, bad)
    if problems:
        return None if "id_number" not in values else Patient(id_number=values["id_number"]), None, problems
    region, household = values.pop("region"), values.pop("household_region")
    patient = _new_patient({
        **values, "region_id": region.code, "household_region_id": household.code, "registered_on": on,
        "status_since": on, "created_by_id": actor.pk, "past_dangerous_acts": {}, "past_symptoms": [],
    })
    # what assigning patient.region etc. does once region_id is set: the related objects cached
    _REGION.set_cached_value(patient, region)
    _HOUSEHOLD.set_cached_value(patient, household)
    _CREATED_BY.set_cached_value(patient, actor)
    refresh_flags(patient, has_guardian=guardian is not None)
    return patient, guardian, problems


def _new_patient(values: dict) -> Patient:
    """An unsaved Patient from attribute names (``region_id``); fields not given take their defaults
    (``core.bulk.build``: what the constructor sets, at a fraction of its cost)."""
    return bulk.build(Patient, values)


def _date(value):
    """A date, or an ISO date string as the API and create_patient take it; anything else as is."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str) and value.strip():
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return value
    return value


def _residence(code: str, actor, regions: dict, bad):
    if not code:
        bad("region_code", "现住址所在村（社区）必填")
        return None
    region = regions.get(code) if codes.is_valid_code(code) else None
    if region is None:
        bad("region_code", f"区划代码{code[:12]}不存在")
    elif not codes.is_within(code, actor.region_id):
        bad("region_code", f"{region.name}（{code}）不在您的辖区内")
    elif region.level != codes.VILLAGE:
        bad("region_code", "现住址应选择到村（社区）一级")
    else:
        return region
    return None


def _grade(value, certificate: bool, bad):
    if value in (None, ""):
        return None
    try:
        grade = int(value)
    except (TypeError, ValueError):
        bad("disability_grade", "残疾等级应为1至4级")
        return None
    if not 1 <= grade <= 4:
        bad("disability_grade", "残疾等级应为1至4级")
    elif not certificate:
        bad("disability_grade", "未持残疾证时不应填写残疾等级")
    return grade


def _guardian(data: dict | None, bad) -> Guardian | None:
    if not data or not any(str(v or "").strip() for v in data.values()):
        return None
    for name in sorted(set(data) - GUARDIAN_FIELDS):
        bad(f"guardian.{name}", "批量登记不支持此字段")
    name = _text(data, "name")
    if not NAME_RE.match(name):
        bad("guardian.name", "监护人姓名应为2至50个汉字或字母")
    relation = _text(data, "relation") or "other"
    if relation not in vocab.GUARDIAN_RELATIONS:
        bad("guardian.relation", "与患者关系不是规定的选项之一")
    try:
        phone = clean_phone(_text(data, "phone"), "监护人电话")
    except djforms.ValidationError as exc:
        bad("guardian.phone", exc.messages[0])
        phone = ""
    address = _text(data, "address")
    if len(address) > 200:
        bad("guardian.address", "不能超过200个字")
    return bulk.build(Guardian, {"name": name, "relation": relation, "phone": phone, "address": address,
                                 "is_primary": True})
