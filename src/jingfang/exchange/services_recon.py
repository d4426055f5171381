"""Writes of list reconciliation: upload a department's list, confirm its column mapping (remembered
per department and township), compute the differences, resolve each line (link, lead, note).

Audit rows name the run and count things; never a name or an ID number.
"""

from django.db import transaction
from django.utils import timezone

from jingfang.audit import log as audit
from jingfang.core import clock, errors, uploads
from jingfang.regions import codes
from jingfang.regions.models import Region
from jingfang.registry import disclosure
from jingfang.registry.selectors import patients_for

from . import matching, selectors, sheet
from . import permissions as perms
from .models import (
    LIST_DEPARTMENTS,
    OUR_FIELDS,
    RESOLUTIONS,
    ColumnMapping,
    ReconciliationLine,
    ReconciliationRun,
    Resolution,
)

LINK_KINDS = ("theirs_only",)  # link and lead make sense only for a person we do not have


def _require(actor, action: str, audit_action: str, request=None, target: str = "") -> None:
    if not perms.can(actor, action):
        audit.record(actor, audit_action, request=request, outcome="denied", target=target)
        raise errors.Forbidden("您的角色无权执行此操作")


def _invalid(actor, audit_action: str, request, target: str, problems: list[errors.FieldError]) -> errors.Invalid:
    audit.record(actor, audit_action, request=request, outcome="invalid", target=target,
                 detail={"fields": sorted({p.field for p in problems})})
    return errors.Invalid(problems)


def clean_mapping(mapping: dict | None, headers: list[str]) -> tuple[dict, list[errors.FieldError]]:
    """Keep our fields mapped to one of their headers; name is required, and an ID number or village
    column is needed to tell people apart."""
    out, problems = {}, []
    for key, header in (mapping or {}).items():
        header = (header or "").strip() if isinstance(header, str) else ""
        if not header:
            continue
        if key not in OUR_FIELDS:
            problems.append(errors.FieldError(f"mapping.{key}", f"不是可对应的字段：{key}"))
        elif header not in headers:
            problems.append(errors.FieldError(f"mapping.{key}", f"表格中没有“{header[:50]}”这一列"))
        else:
            out[key] = header
    if len(set(out.values())) < len(out):
        problems.append(errors.FieldError("mapping", "同一列不能对应两个字段"))
    if "name" not in out:
        problems.append(errors.FieldError("mapping.name", "请指定“姓名”所在的列"))
    elif "id_number" not in out and "village" not in out:
        problems.append(errors.FieldError("mapping.id_number", "请指定“身份证号”或“所在村（社区）”所在的列"))
    return out, problems


def remembered(department: str, township_code: str, headers: list[str]) -> dict | None:
    """The mapping chosen last time, if every column it names is in this sheet too."""
    saved = ColumnMapping.objects.filter(department=department, township_id=township_code).first()
    if saved is None:
        return None
    mapping, problems = clean_mapping(saved.mapping, headers)
    return mapping if not problems and len(mapping) == len(saved.mapping) else None


def upload(actor, uploaded, township_code: str = "", *, mapping: dict | None = None, request=None) -> ReconciliationRun:
    """Parse the department's xlsx; with a given or remembered mapping, reconcile at once, else the run
    waits on the mapping page (state "mapping")."""
    _require(actor, perms.UPLOAD_LISTS, "import", request, "reconciliation")
    department = perms.department_of(actor)
    township = selectors.township_for(actor, township_code)
    if township is None:
        raise _invalid(actor, "import", request, "reconciliation",
                       [errors.FieldError("township", "乡镇（街道）不存在或不在您的辖区内")])
    if uploaded is None:
        raise _invalid(actor, "import", request, "reconciliation", [errors.FieldError("file", "请选择要上传的名单文件")])
    name = getattr(uploaded, "name", "") or ""
    try:
        data, _ = uploads.read_bytes(uploaded, max_bytes=sheet.MAX_BYTES)
        parsed = sheet.read(data, name)
    except sheet.SheetError as exc:
        raise _invalid(actor, "import", request, "reconciliation", [errors.FieldError("file", str(exc))]) from None
    chosen, problems = (clean_mapping(mapping, parsed.headers) if mapping else (None, []))
    if problems:
        raise _invalid(actor, "import", request, "reconciliation", problems)
    with transaction.atomic():  # the run, the mapping remembered and their audit row together or not at all
        run = ReconciliationRun.objects.create(
            township=township, department=department, filename=name[-200:], sheet=parsed.sheet,
            header_rows=parsed.header_rows, headers=parsed.headers, rows=parsed.rows, row_count=len(parsed.rows),
            warnings=parsed.warnings, uploaded_by=actor,
        )
        if chosen is None:
            chosen = remembered(department, township.code, parsed.headers)
        else:
            _remember(actor, department, township, chosen)
        audit.record(actor, "import", request=request, target=f"reconciliation:{run.pk}", detail={
            "township": township.code, "department": department, "rows": run.row_count,
            "mapping": "given" if mapping else ("remembered" if chosen else "needed")})
    if chosen:
        compute(actor, run, chosen, request)
    return run


def _remember(actor, department: str, township: Region, mapping: dict) -> None:
    ColumnMapping.objects.update_or_create(department=department, township=township,
                                           defaults={"mapping": mapping, "updated_by": actor})


def apply_mapping(actor, run: ReconciliationRun, mapping: dict, *, request=None) -> ReconciliationRun:
    """The uploader confirms which of their columns is which: remembered, then the list is reconciled."""
    target = f"reconciliation:{run.pk}"
    _require(actor, perms.UPLOAD_LISTS, "update", request, target)
    if run.state != "mapping":
        raise errors.Conflict([errors.FieldError("state", "该名单已核对完成；如需更改列对应，请重新上传")])
    chosen, problems = clean_mapping(mapping, run.headers)
    if problems:
        raise _invalid(actor, "update", request, target, problems)
    with transaction.atomic():  # the mapping and its audit row together or not at all
        _remember(actor, run.department, run.township, chosen)
        audit.record(actor, "update", request=request, target=target, detail={"mapping": sorted(chosen)})
    return compute(actor, run, chosen, request)


def ours_for(actor, township: Region) -> list[matching.Ours]:
    lo, hi = codes.code_range(township.code)
    names = dict(Region.objects.filter(code__gte=lo, code__lte=hi, level=codes.VILLAGE).values_list("code", "name"))
    return [
        matching.Ours(p.pk, p.name, p.id_number, p.birth_date, p.region_id, names.get(p.region_id, ""), p.address,
                      p.status, p.risk_level)
        for p in patients_for(actor).filter(region_id__gte=lo, region_id__lte=hi).order_by("region_id", "name", "id")
    ]


def _elsewhere(actor, numbers: set[str], ours: set[str], request=None) -> tuple[set[str], set[str]]:
    """(registered outside the township and the uploader may know it, 需县级核实): through the one gate
    (registry.disclosure). Files inside the uploader's jurisdiction are theirs to see; outside it the
    department roles are never told, so such a line reads like any other "theirs only" line (and may be
    turned into a lead that the township doctor resolves)."""
    answer = disclosure.check(actor, sorted(numbers - ours), purpose="reconciliation", request=request)
    return set(answer.inside | answer.elsewhere), set(answer.unverified)


def compute(actor, run: ReconciliationRun, mapping: dict, request=None) -> ReconciliationRun:
    township = run.township
    lo, hi = codes.code_range(township.code)
    villages = dict(Region.objects.filter(code__gte=lo, code__lte=hi, level=codes.VILLAGE).values_list("code", "name"))
    ours = ours_for(actor, township)
    numbers = set()
    if "id_number" in mapping:
        i = run.headers.index(mapping["id_number"])
        for row in run.rows:
            parsed = matching.parse_id(row["cells"][i] if i < len(row["cells"]) else None)
            if parsed.usable:
                numbers.add(parsed.number)
    elsewhere, unverified = _elsewhere(actor, numbers, {p.id_number for p in ours}, request)
    places = Region.objects.filter(code__in=codes.ancestor_codes(township.code) + [township.code]).values_list("name", flat=True)
    result = matching.reconcile(run.rows, run.headers, mapping, ours, villages, elsewhere, unverified,
                                places=list(places))
    with transaction.atomic():
        run.lines.all().delete()
        ReconciliationLine.objects.bulk_create([
            ReconciliationLine(run=run, kind=ln["kind"], row_number=ln["row"], patient_id=ln["patient_id"],
                               theirs=ln["theirs"], ours=ln["ours"], diffs=ln["diffs"], warnings=ln["warnings"])
            for ln in result["lines"]
        ], batch_size=500)
        run.state, run.mapping, run.counts = "done", mapping, result["counts"]
        run.warnings = list(dict.fromkeys([*run.warnings, *result["warnings"]]))
        run.rows = []  # their raw cells are not kept once the lines hold what is needed
        run.completed_at = timezone.now()
        run.save()
    return run


def _lead_data(actor, run: ReconciliationRun, line: ReconciliationLine, data: dict) -> dict:
    theirs = line.theirs or {}
    number = theirs.get("id_number", "") if theirs.get("id_usable") else ""
    dept = LIST_DEPARTMENTS.get(run.department, run.department)
    return {
        "name": (data.get("name") or theirs.get("name") or "").strip(),
        "id_number": (data.get("id_number") or number or "").strip(),
        "sex": data.get("sex") or "",
        "birth_date": data.get("birth_date") or theirs.get("birth_date") or "",
        "region_code": data.get("region_code") or theirs.get("village") or "",
        "address": (theirs.get("address") or "")[:200],
        "signs": [str(s) for s in data.get("signs") or []],
        "source": "info_exchange",
        "dangerous": "on" if data.get("dangerous") else "",
        "found_on": clock.today().isoformat(),
        "reporter_unit": f"{run.township.name}{dept}"[:100],
        "notes": (f"月度信息交换名单核对发现：{dept}名单第{line.row_number}行，我方无此人。"
                  f"{data.get('note') or ''}")[:1000],
    }


def resolve(actor, run: ReconciliationRun, line: ReconciliationLine, data: dict, *, request=None) -> Resolution:
    """Resolve one line: link it to one of our patients, turn it into a suspected-case lead (through
    screening.services_leads), or write down what was found. Every resolution is kept."""
    from jingfang.screening import services_leads

    target = f"reconciliation_line:{line.pk}"
    _require(actor, perms.RESOLVE_LINES, "update", request, target)
    action = (data.get("action") or "").strip()
    note = (data.get("note") or "").strip()
    problems = []
    if action not in RESOLUTIONS:
        problems.append(errors.FieldError("action", "处理方式应为：" + "、".join(f"{k}（{v}）" for k, v in RESOLUTIONS.items())))
    elif action != "note" and line.kind not in LINK_KINDS:
        problems.append(errors.FieldError("action", "只有“对方名单有、我方无”的人员可以关联或转为线索；其余请填写核实说明"))
    if action == "note" and not note:
        problems.append(errors.FieldError("note", "请填写核实说明"))
    if len(note) > 300:
        problems.append(errors.FieldError("note", "说明不能超过300个字符"))
    patient = lead = None
    if not problems and action == "link":
        lo, hi = codes.code_range(run.township_id)
        try:
            pk = int(str(data.get("patient_id") or "").strip())
        except ValueError:
            pk = None
        patient = patients_for(actor).filter(pk=pk, region_id__gte=lo, region_id__lte=hi).first() if pk else None
        if patient is None:
            problems.append(errors.FieldError("patient_id", "患者编号不存在或不在本乡镇"))
    if problems:
        raise _invalid(actor, "update", request, target, problems)
    refused = None
    # the lead, the resolution and their audit rows together or not at all; a lead refused (its refusal
    # audited by screening, before it writes anything) is raised once that refusal row is stored
    with transaction.atomic():
        if action == "lead":
            try:
                lead = services_leads.create_lead(actor, _lead_data(actor, run, line, data),
                                                  allow_duplicates=bool(data.get("allow_duplicates")), request=request)
            except errors.ServiceError as exc:
                refused = exc
        if refused is None:
            resolution = Resolution.objects.create(line=line, action=action, note=note[:300], patient=patient,
                                                   lead=lead, resolved_by=actor)
            line.resolution = action
            if patient is not None:
                line.patient = patient
            line.save(update_fields=["resolution", "patient"])
            audit.record(actor, "update", request=request, target=target,
                         detail={"run": run.pk, "action": action, "lead": lead.pk if lead else None})
    if refused is not None:
        raise refused
    return resolution
