"""Writes of meetings and their tasks (齐云山镇2024 三（一）1, 四、2; 中梁乡2022 三、1): one function per
action; each validates fully, writes in one transaction and audits (counts only in the detail)."""

from django.db import transaction
from django.utils import timezone

from jingfang.audit import log as audit
from jingfang.core import errors, ids
from jingfang.regions import codes
from jingfang.regions.models import Region
from jingfang.registry import selectors as patient_selectors

from . import hooks, permissions, vocab
from .forms import AttendeeForm, MeetingForm, TaskForm
from .models import Meeting, MeetingAttendee, MeetingTask
from .selectors import eligible_users, in_meeting_region
from .services_team import require

LEVELS = {"village": codes.VILLAGE, "township": codes.TOWNSHIP}
MAX_ROWS = 50


def _user_for(user_id, region_code: str):
    """An active user who may see patients and whose region lies within or above the meeting's."""
    return eligible_users(region_code).filter(pk=user_id).first()


def _rows(items, form_class, label: str, key: str) -> tuple[list[dict], list]:
    out, problems = [], []
    for i, raw in enumerate(items[:MAX_ROWS]):
        form = form_class(data={k: v for k, v in raw.items() if v is not None})
        if form.is_valid():
            out.append(dict(form.cleaned_data))
        else:
            problems += [errors.FieldError(f"{key}.{i}.{e.field}", f"{label}第{i + 1}行：{e.message}")
                         for e in errors.from_form(form)]
    if len(items) > MAX_ROWS:
        problems.append(errors.FieldError(key, f"{label}最多{MAX_ROWS}行"))
    return out, problems


def _validate(actor, data: dict, meeting: Meeting | None):
    form = MeetingForm(data={k: v for k, v in data.items() if k in MeetingForm.base_fields and v is not None})
    problems = [] if form.is_valid() else errors.from_form(form)
    cd = dict(form.cleaned_data)
    region = None
    code = str(data.get("region_code") or "")
    scope = patient_selectors.jurisdiction_range(actor)
    if "region_code" in cd:
        region = Region.objects.filter(code=code).first() if codes.is_valid_code(code) else None
        if region is None or scope is None or not scope[0] <= code <= scope[1]:
            problems.append(errors.FieldError("region_code", "所属区划不存在或不在您的辖区内"))
            region = None
        elif cd.get("kind") and region.level != LEVELS[vocab.MEETING_LEVEL[cd["kind"]]]:
            level = "村（社区）" if vocab.MEETING_LEVEL[cd["kind"]] == "village" else "乡镇（街道）"
            problems.append(errors.FieldError("region_code", f"{vocab.MEETING_KINDS[cd['kind']]}的所属区划应为{level}"))
            region = None
    attendees, more = _rows(data.get("attendees") or [], AttendeeForm, "参加人员", "attendees")
    problems += more
    tasks, more = _rows(data.get("tasks") or [], TaskForm, "任务", "tasks")
    problems += more
    patient_ids = [pk for pk in map(ids.parse, data.get("patient_ids") or []) if pk is not None]
    if len(patient_ids) != len(data.get("patient_ids") or []):
        problems.append(errors.FieldError("patient_ids", "患者编号应为正整数（不超过15位）"))
    if region is not None:
        problems += _check_people(actor, region.code, cd, attendees, tasks, patient_ids, meeting)
    return cd, region, attendees, tasks, patient_ids, problems


def _check_people(actor, code, cd, attendees, tasks, patient_ids, meeting) -> list:
    problems = []
    lo, hi = codes.code_range(code)
    allowed = set(patient_selectors.patients_for(actor).filter(region_id__gte=lo, region_id__lte=hi, pk__in=patient_ids)
                  .values_list("pk", flat=True))
    if meeting is not None:  # patients discussed earlier and outside the editor's view stay as they were
        allowed |= set(meeting.patients.filter(pk__in=patient_ids).values_list("pk", flat=True))
    for pid in patient_ids:
        if pid not in allowed:
            problems.append(errors.FieldError("patient_ids", f"患者{pid}不存在或不在本会议所属区划内"))
    named = [a for a in attendees if a["name"] or a["user_id"]]
    if not named:
        problems.append(errors.FieldError("attendees", "请填写参加人员"))
    for i, a in enumerate(attendees):
        if a["user_id"]:
            a["user"] = _user_for(a["user_id"], code)
            if a["user"] is None:
                problems.append(errors.FieldError(f"attendees.{i}.user_id", f"参加人员第{i + 1}行：账号不存在或不属于会议所属区划"))
            elif not a["name"]:
                a["name"] = a["user"].get_full_name() or a["user"].username
        else:
            a["user"] = None
    known = set(meeting.tasks.values_list("pk", flat=True)) if meeting else set()
    for i, t in enumerate(tasks):
        t["owner"] = _user_for(t["owner_id"], code)
        if t["owner"] is None:
            problems.append(errors.FieldError(f"tasks.{i}.owner_id", f"任务第{i + 1}行：责任人不存在或不属于会议所属区划"))
        if cd.get("date") and t["due_date"] < cd["date"]:
            problems.append(errors.FieldError(f"tasks.{i}.due_date", f"任务第{i + 1}行：完成期限不能早于会议日期"))
        if t["id"] and t["id"] not in known:
            problems.append(errors.FieldError(f"tasks.{i}.id", f"任务第{i + 1}行：任务编号不属于该会议"))
    return problems


def save_meeting(actor, data: dict, *, meeting: Meeting | None = None, request=None) -> Meeting:
    """Record a meeting (or change one): kind, region_code, date, place, minutes, decisions,
    patient_ids, attendees [{name, unit, user_id}], tasks [{id?, text, owner_id, due_date}]. On a
    change, open tasks not listed are removed; done tasks are kept."""
    action = "update" if meeting else "create"
    target = f"meeting:{meeting.pk}" if meeting else "meeting"
    require(actor, permissions.RECORD_MEETING, action, request=request, target=target)
    if meeting is not None and not in_meeting_region(actor, meeting):
        audit.record(actor, action, request=request, outcome="denied", target=target)
        raise errors.Forbidden("只有会议所属区划的工作人员可以修改会议记录")
    cd, region, attendees, tasks, patient_ids, problems = _validate(actor, data, meeting)
    if problems:
        audit.record(actor, action, request=request, outcome="invalid", target=target,
                     detail={"fields": sorted({p.field.split(".")[0] for p in problems})})
        raise errors.Invalid(problems)
    created = meeting is None
    before = (None, None) if created else (meeting.date, meeting.region_id)
    with transaction.atomic():
        if meeting is None:
            meeting = Meeting(recorded_by=actor)
        for key in ("kind", "date", "place", "minutes", "decisions"):
            setattr(meeting, key, cd.get(key) or ("" if key in ("place", "minutes", "decisions") else None))
        meeting.region = region
        if meeting.pk:  # patients discussed earlier whom this editor cannot see (e.g. moved away) stay listed
            hidden = meeting.patients.exclude(pk__in=patient_selectors.patients_for(actor).values("pk"))
            patient_ids = [*patient_ids, *hidden.values_list("pk", flat=True)]
        meeting.save()
        meeting.patients.set(patient_ids)
        meeting.attendees.all().delete()
        MeetingAttendee.objects.bulk_create([
            MeetingAttendee(meeting=meeting, name=a["name"][:50], unit=a["unit"], user=a["user"])
            for a in attendees if a["name"]
        ])
        keep = {t["id"] for t in tasks if t["id"]}
        meeting.tasks.filter(done=False).exclude(pk__in=keep).delete()
        for t in tasks:
            values = {"text": t["text"], "owner": t["owner"], "due_date": t["due_date"]}
            if t["id"]:
                MeetingTask.objects.filter(pk=t["id"], meeting=meeting).update(**values)
            else:
                MeetingTask.objects.create(meeting=meeting, **values)
        audit.record(actor, action, request=request, target=f"meeting:{meeting.pk}",
                     detail={"kind": meeting.kind, "patients": len(patient_ids), "tasks": len(tasks)})
        hooks.meeting_saved.send(Meeting, actor=actor, meeting=meeting, created=created, request=request,
                                 moved=before != (meeting.date, meeting.region_id))
    return meeting


def complete_task(actor, task: MeetingTask, *, request=None) -> MeetingTask:
    """Mark a meeting task done: its owner, or a meeting recorder of the meeting's region."""
    target = f"meeting_task:{task.pk}"
    if actor.pk != task.owner_id and not (permissions.can(actor, permissions.RECORD_MEETING)
                                          and in_meeting_region(actor, task.meeting)):
        audit.record(actor, "update", request=request, outcome="denied", target=target)
        raise errors.Forbidden("只有任务责任人或会议所属区划的工作人员可以办结任务")
    if task.done:
        raise errors.Invalid([errors.FieldError("done", "任务已办结")])
    task.done, task.done_at, task.done_by = True, timezone.now(), actor
    with transaction.atomic():  # the task and its audit row together or not at all
        task.save(update_fields=["done", "done_at", "done_by"])
        audit.record(actor, "update", request=request, target=target, detail={"done": True})
    return task
