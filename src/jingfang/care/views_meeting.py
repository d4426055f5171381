"""Meeting pages: monthly team and township group meetings and the quarterly joint consultation
(齐云山镇2024 三（一）1, 四、2; 中梁乡2022 三、1), with attendees, patients discussed, decisions and tasks."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from jingfang.accounts import roles
from jingfang.accounts.decorators import permission_required
from jingfang.audit import log as audit
from jingfang.core import clock, errors, picker
from jingfang.core import ids as core_ids
from jingfang.core.paging import paginate
from jingfang.regions import codes
from jingfang.regions import selectors as region_selectors
from jingfang.registry import picker as patient_picker
from jingfang.registry import selectors as patient_selectors

from . import hooks, permissions, selectors, services, vocab
from .forms import MeetingForm
from .models import MeetingTask
from .views_common import (
    base_context,
    deny,
    int_or_none,
    list_audit,
    region_param,
    require_page,
    rows_from_post,
    status_for,
    user_label,
)

BLANK_ATTENDEES = 4
BLANK_TASKS = 3
MAX_ROWS = 50


@permission_required(roles.VIEW_PATIENTS)
def meeting_list(request):
    kind = request.GET.get("kind", "")
    filters = {"kind": kind if kind in vocab.MEETING_KINDS else "", "region_code": region_param(request),
               "mine": request.GET.get("mine") == "1"}
    page = paginate(request, selectors.meetings_for(request.user, **filters))
    tasks = (MeetingTask.objects.filter(owner=request.user, done=False).select_related("meeting__region")
             .order_by("due_date", "id"))
    list_audit(request, filters, page.paginator.count, "meetings")
    return render(request, "care/meeting_list.html", {
        **base_context(request, filters), "page": page, "kinds": vocab.MEETING_KINDS, "tasks": tasks,
        "today": clock.today(), "cite": vocab.MEETING_CITE,
    })


def _region_choices(user) -> list[tuple[str, str, int]]:
    """The user's own township or village and the ones beneath it: where a meeting may be held."""
    regions = region_selectors.subregions_for(user)
    if user.region.level in (codes.TOWNSHIP, codes.VILLAGE) and user.region_id not in {r.code for r in regions}:
        regions = [user.region, *regions]
    return [(r.code, r.name, r.level) for r in regions if r.level in (codes.TOWNSHIP, codes.VILLAGE)]


PATIENT_PICK = "patient_pick"  # the picker that adds a patient to the list of patients discussed


def _chosen_patients(post) -> list[str]:
    """The patients discussed as posted: those already listed (hidden ``patient_ids``), without the one
    whose 移除 button was pressed without JavaScript (``unpick``), and the one just chosen in the patient
    picker (added by the form without JavaScript; with it, the script has already moved it to the list)."""
    ids = [p.strip() for p in post.getlist("patient_ids")[:MAX_ROWS] if p.strip()]
    removed = post.get("unpick", "").strip()
    ids = [p for p in ids if p != removed]
    picked = post.get(PATIENT_PICK, "").strip()
    if picked and picked not in ids:
        ids.append(picked)
    return list(dict.fromkeys(ids))


def _posted(post) -> dict:
    data = {k: post.get(k, "").strip() for k in ("kind", "region_code", "date", "place", "minutes", "decisions")}
    data["patient_ids"] = _chosen_patients(post)
    attendees = rows_from_post(post, "a", ("name", "unit", "user_id"), min(int_or_none(post.get("a_rows")) or 0, MAX_ROWS))
    data["attendees"] = [{**a, "user_id": int_or_none(a["user_id"])} for a in attendees]
    tasks = rows_from_post(post, "t", ("id", "text", "owner_id", "due_date"),
                           min(int_or_none(post.get("t_rows")) or 0, MAX_ROWS))
    data["tasks"] = [{**t, "id": int_or_none(t["id"]), "owner_id": int_or_none(t["owner_id"]) or t["owner_id"] or None}
                     for t in tasks if t["text"]]  # a cleared text removes an open task
    return data


def _initial(meeting) -> dict:
    return {
        "kind": meeting.kind, "region_code": meeting.region_id, "date": meeting.date.isoformat(),
        "place": meeting.place, "minutes": meeting.minutes, "decisions": meeting.decisions,
        "patient_ids": [str(p) for p in meeting.patients.values_list("pk", flat=True)],
        "attendees": [{"name": a.name, "unit": a.unit, "user_id": a.user_id} for a in meeting.attendees.all()],
        "tasks": [{"id": t.pk, "text": t.text, "owner_id": t.owner_id, "due_date": t.due_date.isoformat(), "done": t.done}
                  for t in meeting.tasks.all()],
    }


def _meeting_region(user, data: dict) -> str:
    """The region whose staff may own the tasks: the meeting's, or before one is chosen the user's own
    township or village (where the meetings they record are held)."""
    code = str(data.get("region_code") or "")
    if code:
        return code
    return user.region_id if user.region.level in (codes.TOWNSHIP, codes.VILLAGE) else ""


NO_ACCOUNT = "（无系统账号）"


def owner_options(actor, region_code: str, patient_ids, raw_q: str = "", *,
                  empty: str = "请选择责任人") -> tuple[list[picker.Option], str]:
    """The options of a task owner's or an attendee's account picker: the discussed patients' care-team
    members first, then the staff of the meeting's region and above it (care.selectors.owner_candidates,
    the users services_meeting accepts). An empty query lists them all (the options of the form without
    JavaScript); a query narrows them. ``empty``: the first option's text when nothing is chosen."""
    q = picker.query(raw_q, required=False)
    if not region_code:
        return [], "请先选择所属区划"
    found = selectors.owner_candidates(actor, region_code, patient_ids, q.text) if not q.problem else []
    options = [picker.Option(str(u.pk), f"{'【帮扶小组】' if team else ''}{user_label(u)}") for u, team in found]
    more = False
    if q.text:
        options, more = picker.limited(options)
    return options, picker.hint(options, more, q, empty=empty)


def _empty_text(field: str) -> str:
    """An attendee's account is optional; a task's owner is not."""
    return NO_ACCOUNT if field.startswith("a-") else "请选择责任人"


def _chosen_options(request, ids) -> list[picker.Option]:
    """The patients already in the list, labelled as the picker labels them, in the order chosen: only
    those of the user's jurisdiction (an id posted by hand from outside shows nothing; the service refuses
    it). One audit row (a list of patients) when any is shown."""
    wanted = [pk for pk in map(core_ids.parse, ids) if pk is not None][:MAX_ROWS]
    if not wanted:
        return []
    found = {p.pk: p for p in patient_selectors.patients_for(request.user).filter(pk__in=wanted)
             .select_related("region__parent")}
    shown = [found[p] for p in dict.fromkeys(wanted) if p in found]
    audit.record_request(request, "list", target="meeting_form",
                         detail={"count": len(shown), "patients": [p.pk for p in shown]})
    return [picker.Option(str(p.pk), patient_picker.label(p)) for p in shown]


def _account_rows(rows: list[dict], key: str, field: str, options, hint: str, finding: str, post, user, data) -> None:
    """Give each row its account picker: the shared options, or for the row whose 查找 was pressed
    without JavaScript the matches of what was typed."""
    for i, row in enumerate(rows):
        name = f"{field}-{i}-{key}"
        row["pick_field"], row["pick_chosen"] = name, str(row.get(key) or "")
        row["pick_options"], row["pick_hint"], row["pick_q"] = options, hint, ""
        if finding == name:
            row["pick_q"] = post.get(f"{name}_q", "")
            row["pick_options"], row["pick_hint"] = owner_options(
                user, _meeting_region(user, data), data.get("patient_ids") or [], row["pick_q"],
                empty=_empty_text(name))


def _form_context(request, data: dict, *, meeting=None, problem=None, post=None) -> dict:
    user = request.user
    form = MeetingForm(initial={k: data.get(k, "") for k in MeetingForm.base_fields})
    chosen = _chosen_options(request, data.get("patient_ids") or [])
    attendees = [*data.get("attendees", []), *({} for _ in range(BLANK_ATTENDEES))]
    tasks = [*data.get("tasks", []), *({} for _ in range(BLANK_TASKS))]
    region, patient_ids = _meeting_region(user, data), data.get("patient_ids") or []
    owners, owner_hint = owner_options(user, region, patient_ids)
    accounts = list(owners)  # the same people (owner_candidates runs once); only the empty choice differs
    account_hint = (picker.hint(accounts, False, picker.query("", required=False), empty=NO_ACCOUNT) if region
                    else owner_hint)
    if meeting is not None:  # owners and attendees already given keep their place, even if no longer candidates
        known = {o.value for o in owners}
        owners += [picker.Option(str(t.owner_id), user_label(t.owner))
                   for t in meeting.tasks.select_related("owner__region") if str(t.owner_id) not in known]
        known = {o.value for o in accounts}
        accounts += [picker.Option(str(a.user_id), user_label(a.user))
                     for a in meeting.attendees.filter(user__isnull=False).select_related("user__region")
                     if str(a.user_id) not in known]
    finding = picker.finding(post) if post is not None else ""
    _account_rows(attendees, "user_id", "a", accounts, account_hint, finding, post, user, data)
    _account_rows(tasks, "owner_id", "t", owners, owner_hint, finding, post, user, data)
    patient_q = post.get(f"{PATIENT_PICK}_q", "") if finding == PATIENT_PICK else ""
    found, patient_hint = [], "选中后加入上方列表"
    if patient_q:  # the patient picker's 查找 without JavaScript
        found, patient_hint = patient_picker.options(request, patient_q, target="meeting_form")
    return {
        **base_context(request), "form": form, "data": data, "meeting": meeting, "problem": problem,
        "kinds": vocab.MEETING_KINDS, "levels": vocab.MEETING_LEVEL, "region_choices": _region_choices(user),
        "chosen_patients": chosen, "patient_pick": PATIENT_PICK, "patient_options": found,
        "patient_hint": patient_hint, "patient_q": patient_q,
        "attendee_rows": attendees, "task_rows": tasks, "cite": vocab.MEETING_CITE,
    }


@require_GET
@permission_required(roles.VIEW_PATIENTS)
def meeting_owners(request):
    """htmx: the options of a task owner's or an attendee's account picker for the meeting's region and
    discussed patients."""
    require_page(request, permissions.RECORD_MEETING, "view")
    name = picker.field_name(request.GET.get("field"))
    options, hint = owner_options(request.user, request.GET.get("region_code", "").strip()[:12],
                                  request.GET.getlist("patient_ids")[:MAX_ROWS], request.GET.get(f"{name}_q", ""),
                                  empty=_empty_text(name))
    return picker.options_response(request, options, chosen=request.GET.get(name, ""), hint_text=hint)


def _finding(post) -> bool:
    """A picker's 查找 or a chosen patient's 移除 pressed without JavaScript: the form comes back, unsaved."""
    return bool(picker.finding(post) or post.get("unpick"))


def _save(request, meeting=None):
    data = _posted(request.POST)
    try:
        saved = services.save_meeting(request.user, data, meeting=meeting, request=request)
    except errors.ServiceError as exc:
        return None, data, exc
    return saved, data, None


@permission_required(roles.VIEW_PATIENTS)
def meeting_create(request):
    require_page(request, permissions.RECORD_MEETING, "create")
    problem = None
    kind = request.GET.get("kind", "team_monthly")
    data = {"kind": kind if kind in vocab.MEETING_KINDS else "team_monthly", "region_code": region_param(request),
            "date": clock.today().isoformat()}
    finding = request.method == "POST" and _finding(request.POST)
    if finding:  # a picker's 查找 without JavaScript: the same form again, nothing saved
        data = _posted(request.POST)
    elif request.method == "POST":
        saved, data, problem = _save(request)
        if saved is not None:
            messages.success(request, "会议记录已保存")
            return HttpResponseRedirect(reverse("care:meeting", args=[saved.pk]))
    context = _form_context(request, data, problem=problem, post=request.POST if finding else None)
    return render(request, "care/meeting_form.html", context, status=status_for(problem))


@permission_required(roles.VIEW_PATIENTS)
def meeting_edit(request, pk):
    posting = request.method == "POST"
    meeting = selectors.get_meeting_for(request, pk, action="update" if posting else "view", audit_success=not posting)
    require_page(request, permissions.RECORD_MEETING, "update")
    if not selectors.in_meeting_region(request.user, meeting):
        deny(request, "update")  # a task owner elsewhere may read the meeting but not change it
    problem, data = None, _initial(meeting)
    finding = posting and _finding(request.POST)
    if finding:  # a picker's 查找 without JavaScript: the same form again, nothing saved
        data = _posted(request.POST)
    elif posting:
        saved, data, problem = _save(request, meeting)
        if saved is not None:
            messages.success(request, "会议记录已保存")
            return HttpResponseRedirect(reverse("care:meeting", args=[saved.pk]))
    context = _form_context(request, data, meeting=meeting, problem=problem, post=request.POST if finding else None)
    return render(request, "care/meeting_form.html", context, status=status_for(problem))


@permission_required(roles.VIEW_PATIENTS)
def meeting_detail(request, pk):
    meeting = selectors.get_meeting_for(request, pk)
    patients, hidden = selectors.discussed_patients(request.user, meeting)
    can_edit = permissions.can(request.user, permissions.RECORD_MEETING) and selectors.in_meeting_region(
        request.user, meeting)
    tasks = list(meeting.tasks.select_related("owner__region", "done_by"))
    for t in tasks:
        t.can_complete = not t.done and (can_edit or t.owner_id == request.user.pk)
    return render(request, "care/meeting_detail.html", {
        **base_context(request), "m": meeting, "patients": patients, "hidden": hidden, "tasks": tasks,
        "attendees": meeting.attendees.select_related("user"), "can_edit": can_edit, "today": clock.today(),
        "panels": hooks.meeting_panels(request, meeting),
    })


@require_POST
@permission_required(roles.VIEW_PATIENTS)
def task_done(request, pk, task_pk):
    meeting = selectors.get_meeting_for(request, pk, action="update", audit_success=False)
    task = meeting.tasks.filter(pk=task_pk).first()
    if task is None:
        raise Http404("任务不存在")
    try:
        services.complete_task(request.user, task, request=request)
    except errors.Forbidden as exc:
        raise PermissionDenied(exc.errors[0].message) from None  # audited by the service
    except errors.Invalid as exc:
        messages.error(request, exc.errors[0].message)
    else:
        messages.success(request, "任务已办结")
    target = request.POST.get("next", "")
    if not target.startswith("/") or target.startswith("//"):
        target = reverse("care:meeting", args=[meeting.pk])
    return HttpResponseRedirect(target)
