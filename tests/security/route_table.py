"""Who may call each URL pattern and API operation: the permission matrix's expectations.

HOW TO ADD AN ENTRY (a new page or API operation without one fails
``tests/security/test_permission_matrix.py::test_every_route_has_an_entry``):

- Pages are keyed by their URL name (``"app:name"``) in ``PAGES``; API operations by their OpenAPI
  operationId without the ``jingfang_`` prefix in ``API`` (``.venv/bin/pytest tests/security -k entry``
  prints the missing keys).
- ``page(who, obj=…, post=…)``: GET is allowed to the roles in ``who``; POST follows the same rule
  unless ``post=`` gives another set (``post=None``: POST is not accepted, 405). ``action(who, obj=…)``
  is a POST-only page (GET answers 405). ``op(who, obj=…, body=…)`` is an API operation (its method comes
  from the OpenAPI document). ``public(...)``: no sign-in needed.
- ``who`` is a set of role names. Build it from the permission that governs the route, never by hand
  where a permission exists: ``can(roles.EXPORT)`` (accounts.roles), ``of(intake_perms, "VIEW_REPORTS")``
  (an app's ``permissions.PERMISSIONS``), ``EVERYONE``, ``NOBODY``, set operations ``| & -``.
- ``query`` is appended to the URL; ``{region}``/``{township}``/``{county}`` in it (and in ``body``) name
  the place's village/township/county codes, which also makes the route jurisdiction-scoped.
- ``empty_for``: roles without patient data that a list answers with an empty page (200, count 0)
  instead of 403 (the registry's list answers the three administrators so, by design).
- ``obj`` names the world object (tests/security/world.py) whose id fills the path: ``"patient"`` for a
  route with one id, or ``{"pk": "patient", "mid": "measure"}``; ``lit("paid")`` is a literal value.
  With ``obj`` the route is jurisdiction-scoped: every allowed role gets 200/302/4xx-validation for the
  object inside its jurisdiction and exactly 404 for the one outside (``outside=`` overrides).
- Expected outcomes: "allow" (2xx, or a redirect that is not to the login page) or "invalid" (a
  400/409/422 validation answer): authorization passed; "deny" (403), "hide" (404), "login"
  (anonymous: redirect to the login page, or 401 from the API), "method" (405). A role outside
  ``who`` must get "deny" or "hide"; anonymous must get "login" on every non-public route; nobody ever
  gets a 5xx; and no answer to a non-health role carries clinical data.
- Write bodies: pages are POSTed empty; an API write gets the smallest body its OpenAPI schema accepts
  (so that authorization, not the schema, decides), with ``body=`` overriding fields (values may name
  world objects, ``"{patient}"``). Each request runs in a savepoint that is rolled back.
- A new kind of object: add one per place in ``world._objects`` (made through the app's services).
- The "audited" column: a route that shows patient data (a patient's file or part of it, a list or
  export of patients, suspected patients, persons listed in a campaign, report cards, releases,
  transfers) is named in ``audited_routes.AUDITED_PAGES`` / ``AUDITED_API``; each GET of it by any role must write
  exactly one audit row (also its 404 for the object outside the jurisdiction).
"""

import datetime as dt
from dataclasses import dataclass, field

from jingfang.accountability import permissions as acc_perms
from jingfang.accounts import roles
from jingfang.care import permissions as care_perms
from jingfang.core import clock
from jingfang.exchange import permissions as exchange_perms
from jingfang.intake import permissions as intake_perms
from jingfang.rehab import permissions as rehab_perms
from jingfang.screening import permissions as screening_perms
from jingfang.stats import permissions as stats_perms
from jingfang.support import permissions as support_perms
from jingfang.support import vocab as support_vocab
from jingfang.workforce import permissions as workforce_perms

CS, TO, TD, VD, VC = (roles.COUNTY_SUPERVISOR, roles.TOWNSHIP_OFFICE, roles.TOWNSHIP_DOCTOR,
                      roles.VILLAGE_DOCTOR, roles.VILLAGE_CADRE)
PO, CA, DPF, JU, AD = roles.POLICE, roles.CIVIL_AFFAIRS, roles.DPF, roles.JUDICIAL, roles.ADMIN
SA, AU = roles.SECURITY_ADMIN, roles.AUDIT_ADMIN
ADMINS = frozenset(roles.ADMIN_ROLES)  # 三员分立: the system, security and audit administrators

YEAR = clock.today().year
LAST_MONTH = (clock.today().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
EVERYONE = frozenset(roles.ROLES)
NOBODY = frozenset()
HEALTH = frozenset(roles.HEALTH_ROLES)


def can(action: str) -> frozenset[str]:
    """The roles that accounts.roles lets perform ``action``."""
    return frozenset(r for r in roles.ROLES if roles.can(r, action))


def of(module, name: str) -> frozenset[str]:
    """The roles an app's permissions module lets perform its action ``name`` (e.g. intake VIEW_REPORTS)."""
    return frozenset(module.PERMISSIONS[getattr(module, name)])


def care(name: str) -> frozenset[str]:
    """care.permissions also requires VIEW_PATIENTS."""
    return of(care_perms, name) & can(roles.VIEW_PATIENTS)


def support(role_set: frozenset[str]) -> frozenset[str]:
    """support.permissions.has(): the role set, for roles that view patients."""
    return frozenset(role_set) & can(roles.VIEW_PATIENTS)


@dataclass(frozen=True)
class Lit:
    value: str


def lit(value) -> Lit:
    return Lit(str(value))


@dataclass(frozen=True)
class Rule:
    get: frozenset | None  # roles allowed to GET (None: GET answers 405)
    post: frozenset | None  # roles allowed to POST/PUT/PATCH/DELETE (None: 405)
    obj: object = None  # world object(s) filling the path: jurisdiction-scoped
    public: bool = False
    outside: str = "hide"  # what an allowed role gets for the object outside its jurisdiction
    body: dict | None = None  # API: a valid JSON body
    query: str = ""  # appended to the URL
    overrides: dict = field(default_factory=dict)  # {(role, place): outcome} for documented exceptions
    fixed: str = ""  # one outcome for everyone, anonymous included (e.g. "hide")
    refused: frozenset = frozenset({"deny", "hide"})  # what a role outside ``who`` may get
    empty_for: frozenset = frozenset()  # roles outside ``who`` answered 200 with an empty list ({"count": 0})
    any_for: frozenset = frozenset()  # roles for which any answer but a server error will do
    schema: bool = False  # the API's own description: field names are not data (no leak check)


SAME = object()


def page(who, obj=None, post=SAME, **kw) -> Rule:
    return Rule(frozenset(who), frozenset(who) if post is SAME else (None if post is None else frozenset(post)),
                obj, **kw)


def action(who, obj=None, **kw) -> Rule:
    return Rule(None, frozenset(who), obj, **kw)


def public(post=True, **kw) -> Rule:
    return Rule(EVERYONE, EVERYONE if post else None, public=True, **kw)


def op(who, obj=None, **kw) -> Rule:
    """An API operation (one method): the same roles for whatever its method is."""
    return Rule(frozenset(who), frozenset(who), obj, **kw)


VIEW = can(roles.VIEW_PATIENTS)
EXPORT = can(roles.EXPORT)
WORK = can(roles.VIEW_WORKLIST)
STATS = stats_perms.STATS_ROLES
INSPECT = stats_perms.INSPECTOR_ROLES
CLOSE = stats_perms.CLOSER_ROLES
# workforce register: counts for the township office, names for the supervisor and the township doctor
WF_COUNT, WF_READ, WF_WRITE = (workforce_perms.COUNT_READERS, workforce_perms.NAME_READERS,
                               workforce_perms.WRITERS)
# community rehabilitation: the register and KPIs (not patient data) and enrolments (patient data, by the
# department that runs the programme). The world's enrolment is the DPF's home training: civil affairs,
# which runs no such programme, gets 404 for it like for a missing one.
RH_VIEW, RH_FAC, RH_TEAM = (support(rehab_perms.REGISTER_VIEW), support(rehab_perms.FACILITY_EDIT),
                            support(rehab_perms.TEAM_EDIT))
RH_KPI = support(rehab_perms.KPI_VIEW)
RH_ENROL, RH_RECORD = support(rehab_perms.ENROL_VIEW), support(rehab_perms.ENROL_EDIT)
RH_HOME = frozenset({CS, TD, VD, DPF}) & RH_ENROL  # who reads the DPF's home training
RH_HOME_RECORD = RH_HOME & RH_RECORD
# Reconciliation runs are read by the governance office and the uploading department (the world's
# runs are the police's); other departments get 404.
RECON_RUN = frozenset({TO, PO})
# Roles that record at least one kind of benefit (support.vocab.BENEFIT_EDITORS).
# accountability measures: issuers and health staff read those on targets in their region, a target unit its
# own (the world's measure is on 甲村's village committee: its cadre); the world's joint consultation is the
# township's meeting, which village staff do not see
ACC_VIEW, ACC_ISSUE = acc_perms.VIEWERS & VIEW, acc_perms.ISSUERS & VIEW
ACC_SEE = (acc_perms.READERS | {VC}) & VIEW
TOWNSHIP_MEETING = VIEW - {VD, VC}
BENEFIT_EDITORS = support(frozenset(r for editors in support_vocab.BENEFIT_EDITORS.values() for r in editors))

PAGES: dict[str, Rule] = {
    # core, accounts
    "core:home": page(EVERYONE),
    "core:healthz": public(),
    "accounts:login": public(),
    "accounts:login_otp": public(),
    "accounts:logout": Rule(None, EVERYONE, public=True),
    "accounts:password_change": page(EVERYONE),
    "accounts:totp_enrol": page(EVERYONE),
    # the phone app: the shell (no data in it) for those who work offline; its manifest and
    # service worker are code, fetched by the browser without the session
    "mobile:shell": page(can(roles.OFFLINE_FIELD), post=None),
    "mobile:manifest": public(post=False),
    "mobile:service_worker": public(post=False),
    # registry
    "registry:patient_list": page(VIEW),
    "registry:patient_export": page(EXPORT),
    "registry:patient_pick": page(VIEW, post=None, query="?field=patient&patient_q=患者"),
    "registry:patient_create": page(can(roles.CREATE_PATIENT)),
    "registry:patient_detail": page(VIEW, "patient"),
    "registry:patient_edit": page(can(roles.EDIT_PATIENT), "patient"),
    "registry:patient_status": page(can(roles.CHANGE_STATUS), "patient"),
    "registry:patient_reveal": action(can(roles.REVEAL_IDENTIFIERS), "patient"),
    # audit
    "audit:list": page(can(roles.VIEW_AUDIT)),
    "audit:export": page(can(roles.VIEW_AUDIT) & EXPORT),
    # follow-ups, worklist, key persons, plans
    "followups:create": page(can(roles.RECORD_FOLLOWUP), "patient"),
    "followups:classify": action(can(roles.RECORD_FOLLOWUP), "patient"),
    "followups:list": page(VIEW, "patient"),
    "followups:worklist": page(WORK),
    "followups:worklist_export": page(WORK & EXPORT),
    "followups:roll_call": action(can(roles.ROLL_CALL), "patient"),
    "followups:keypersons": page(VIEW),
    "followups:keypersons_export": page(EXPORT),
    "followups:plan": page(VIEW, "patient", post=can(roles.MANAGE_PLANS)),
    "followups:plan_measure_done": action(can(roles.MANAGE_PLANS), {"pk": "patient", "mid": "measure"}),
    "followups:plan_flag": action(can(roles.EDIT_PATIENT), "patient"),
    "followups:lost": page(WORK),
    "followups:lost_export": page(WORK & EXPORT),
    "followups:search": page(WORK, "patient", post=WORK & can(roles.LOG_SEARCH)),
    "followups:medication": page(VIEW & HEALTH),
    "followups:medication_export": page(VIEW & HEALTH & EXPORT),
    "followups:sensitive_periods": page(WORK, post=WORK & can(roles.SET_SENSITIVE_PERIODS)),
    "followups:sensitive_periods_export": page(WORK & EXPORT),
    # screening
    "screening:lead_list": page(of(screening_perms, "VIEW_SCREENING")),
    "screening:lead_export": page(of(screening_perms, "EXPORT")),
    "screening:lead_create": page(of(screening_perms, "REPORT_LEAD")),
    "screening:lead_duplicates": action(of(screening_perms, "REPORT_LEAD")),
    "screening:lead_detail": page(of(screening_perms, "VIEW_SCREENING"), "lead"),
    "screening:lead_refer": action(of(screening_perms, "MANAGE_LEADS"), "lead"),
    "screening:lead_exclude": action(of(screening_perms, "MANAGE_LEADS"), "lead"),
    "screening:lead_confirm": page(of(screening_perms, "CONFIRM_LEAD"), "lead"),
    "screening:campaign_list": page(of(screening_perms, "VIEW_SCREENING")),
    "screening:campaign_create": page(of(screening_perms, "MANAGE_CAMPAIGNS")),
    "screening:campaign_detail": page(of(screening_perms, "VIEW_SCREENING"), "campaign"),
    "screening:listing_add": action(of(screening_perms, "LIST_PERSONS"), "campaign"),
    "screening:campaign_import": action(of(screening_perms, "MANAGE_CAMPAIGNS"), "campaign"),
    "screening:campaign_report": page(of(screening_perms, "EXPORT"), "campaign"),
    "screening:person_edit": page(of(screening_perms, "VIEW_SCREENING"), {"pk": "campaign", "person_pk": "person"},
                                  post=of(screening_perms, "ASSESS_PERSONS")),
    # intake
    "intake:home": page(VIEW),
    "intake:dual_list": page(VIEW),
    "intake:report_list": page(of(intake_perms, "VIEW_REPORTS")),
    "intake:report_export": page(of(intake_perms, "VIEW_REPORTS") & EXPORT),
    "intake:report_create": page(of(intake_perms, "RECEIVE_REPORTS")),
    "intake:report_detail": page(of(intake_perms, "VIEW_REPORTS"), "card"),
    "intake:report_accept": action(of(intake_perms, "RECEIVE_REPORTS"), "card"),
    "intake:report_police_query": action(of(intake_perms, "RECEIVE_REPORTS"), "card"),
    "intake:report_refer_cdc": action(of(intake_perms, "RECEIVE_REPORTS"), "card"),
    "intake:report_enter": action(of(intake_perms, "ENTER_REPORTS"), "card"),
    "intake:release_list": page(of(intake_perms, "VIEW_RELEASES")),
    "intake:release_create": page(of(intake_perms, "RECORD_RELEASE")),
    "intake:release_detail": page(of(intake_perms, "VIEW_RELEASES"), "release"),
    "intake:release_takeover": action(of(intake_perms, "TAKE_OVER_RELEASE"), "release"),
    "intake:transfer_list": page(of(intake_perms, "VIEW_TRANSFERS")),
    "intake:transfer_create": page(of(intake_perms, "SEND_TRANSFER")),
    "intake:destination_pick": page(of(intake_perms, "SEND_TRANSFER"), post=None,
                                    query="?field=destination_code&destination_code_q=镇"),
    "intake:transfer_inbox": page(of(intake_perms, "VIEW_TRANSFERS")),
    "intake:transfer_detail": page(of(intake_perms, "VIEW_TRANSFERS"), "transfer"),
    "intake:transfer_accept": action(of(intake_perms, "ACCEPT_TRANSFER"), "incoming"),
    "intake:transfer_return": action(of(intake_perms, "ACCEPT_TRANSFER"), "incoming"),
    # care
    "care:home": public(),
    "care:teams": page(VIEW),
    "care:team": page(VIEW, "patient", post=care("MANAGE_TEAM")),
    "care:team_reveal": action(VIEW & can(roles.REVEAL_IDENTIFIERS), "patient"),
    "care:directory": page(VIEW),
    "care:directory_reveal": action(VIEW & can(roles.REVEAL_IDENTIFIERS)),
    "care:meetings": page(VIEW),
    "care:meeting_create": page(care("RECORD_MEETING")),
    # A picker's options: a region outside the jurisdiction answers like one where nobody matches (no options).
    "care:meeting_owners": page(care("RECORD_MEETING"), post=None, outside="allow",
                                query="?field=t-0-owner_id&region_code={township}"),
    "care:meeting": page(VIEW, "meeting"),
    "care:meeting_edit": page(care("RECORD_MEETING"), "meeting"),
    "care:task_done": action(care("RECORD_MEETING"), {"pk": "meeting", "task_pk": "task"}),
    "care:guardianship": page(VIEW, "patient", post=care("MANAGE_AGREEMENT")),
    "care:guardianship_revoke": page(care("REVOKE_AGREEMENT"), "agreement"),
    "care:incidents": page(VIEW),
    "care:incident_create": page(care("RECORD_INCIDENT")),
    "care:incident": page(VIEW, "incident"),
    "care:incident_review": page(VIEW, "incident", post=care("REVIEW_INCIDENT")),
    # support
    "support:home": page(support(support_perms.REWARD_VIEW | support_perms.INSURANCE_VIEW | support_perms.GAPS_VIEW
                                    | support_perms.RELIEF_VIEW | support_perms.FUND_VIEW)),
    "support:reward_runs": page(support(support_perms.REWARD_VIEW)),
    "support:reward_compute": action(support(support_perms.REWARD_MANAGE)),
    "support:reward_run": page(support(support_perms.REWARD_VIEW), "reward_run"),
    "support:reward_roster": page(support(support_perms.REWARD_VIEW) & EXPORT, "reward_run"),
    "support:reward_run_action": action(support(support_perms.REWARD_MANAGE), {"pk": "reward_run", "op": lit("recompute")}),
    "support:insurance": page(support(support_perms.INSURANCE_VIEW)),
    "support:insurance_export": page(support(support_perms.INSURANCE_VIEW) & EXPORT),
    "support:patient_benefits": page(VIEW, "patient", post=BENEFIT_EDITORS),
    "support:benefit_edit": page(support(frozenset(support_vocab.BENEFIT_EDITORS["dibao"])),
                                 {"pk": "patient", "bid": "benefit"}),  # the world's benefit is a dibao
    "support:benefit_gaps": page(support(support_perms.GAPS_VIEW)),
    "support:benefit_gaps_export": page(support(support_perms.GAPS_VIEW) & EXPORT),
    "support:relief_list": page(support(support_perms.RELIEF_VIEW)),
    "support:relief_new": page(support(support_perms.RELIEF_FILE)),
    "support:relief_fund": page(support(support_perms.FUND_VIEW), post=support(support_perms.FUND_EDIT)),
    "support:relief_quarterly": page(support(support_perms.SUMMARY_VIEW)),
    "support:relief_detail": page(support(support_perms.RELIEF_VIEW), "relief"),
    "support:relief_edit": page(support(support_perms.RELIEF_FILE), "relief"),
    "support:relief_print": page(support(support_perms.RELIEF_VIEW), "relief"),
    "support:relief_step": action(support(support_perms.RELIEF_STEP_ROLES["submit"]),
                                  {"pk": "relief", "action": lit("submit")}),
    # treatment cost burden (support.permissions.COSTS_VIEW / COSTS_EDIT)
    "support:cost_list": page(support(support_perms.COSTS_VIEW)),
    "support:cost_export": page(support(support_perms.COSTS_VIEW) & EXPORT),
    "support:cost_burden": page(support(support_perms.COSTS_VIEW)),
    "support:cost_burden_export": page(support(support_perms.COSTS_VIEW) & EXPORT),
    "support:cost_edit": page(support(support_perms.COSTS_VIEW), "cost", post=support(support_perms.COSTS_EDIT)),
    "support:patient_costs": page(support(support_perms.COSTS_VIEW), "patient", post=support(support_perms.COSTS_EDIT)),
    # stats and oversight
    "stats:dashboard": page(STATS, query="?region={region}"),
    "stats:dashboard_export": page(STATS & EXPORT, query="?region={region}"),
    "stats:kpis": page(STATS, query="?region={region}"),
    "stats:kpi_export": page(STATS & EXPORT, query="?region={region}"),
    # "stable" is a clinical list (stats.permissions.CLINICAL_LISTS): health roles only
    "stats:kpi_patients": page(STATS & HEALTH, {"key": lit("stable")}, query="?region={region}"),
    "stats:inspections": page(CLOSE, post=INSPECT),
    "stats:items": page(CLOSE),
    "stats:inspection": page(CLOSE, "inspection"),
    "stats:inspection_findings": action(INSPECT, "inspection"),
    "stats:inspection_regenerate": action(INSPECT, "inspection"),
    "stats:item_add": action(INSPECT, "inspection"),
    "stats:item_close": action(CLOSE, "item"),
    # exchange
    "exchange:tables": page(of(exchange_perms, "VIEW_TABLES")),
    "exchange:table_generate": action(of(exchange_perms, "GENERATE_TABLES")),
    "exchange:table": page(of(exchange_perms, "VIEW_TABLES"), "table"),
    "exchange:table_xlsx": page(of(exchange_perms, "EXPORT_TABLES"), "table"),
    "exchange:receipt": page(of(exchange_perms, "RECORD_RECEIPTS"), "table"),
    "exchange:runs": page(of(exchange_perms, "VIEW_RECONCILIATIONS")),
    "exchange:run_upload": action(of(exchange_perms, "UPLOAD_LISTS")),
    "exchange:run": page(RECON_RUN, "recon"),
    # the world's run is reconciled already: the mapping page sends whoever may read the run to it
    "exchange:run_mapping": page(RECON_RUN, "recon"),
    "exchange:line_resolve": page(RECON_RUN & of(exchange_perms, "RESOLVE_LINES"), {"pk": "recon", "line_pk": "line"}),
    # emergency access (break the glass): grants on the place's patient, by staff of another place
    "emergency:request": page(can(roles.BREAK_GLASS)),
    "emergency:notices": page(can(roles.ACKNOWLEDGE_EMERGENCY), post=None),
    "emergency:notice_ack": action(can(roles.ACKNOWLEDGE_EMERGENCY), "grant"),
    "emergency:queue": page(can(roles.REVIEW_EMERGENCY), post=None),
    "emergency:queue_export": page(can(roles.REVIEW_EMERGENCY) & EXPORT, post=None),
    "emergency:review": page(can(roles.REVIEW_EMERGENCY), "grant"),
    # the township doctor's review of visits an offline sync held (the place's held visit)
    "offline:held": page(can(roles.REVIEW_OFFLINE), post=None),
    "offline:held_detail": page(can(roles.REVIEW_OFFLINE), "held"),
    # paper follow-up forms of a village (the place's village) for those who work offline
    "offline:paper": page(can(roles.OFFLINE_FIELD), post=None, query="?village={region}"),
    # export approval: a pending request in each place by a village doctor who is not a matrix user;
    # the place's township office and its county supervisor see and decide it, only the requester submits
    "exports:mine": page(EVERYONE, post=None),
    "exports:queue": page({TO, CS}, post=None),
    "exports:detail": page({TO, CS}, "export_request", post=None),
    "exports:submit": action(NOBODY, "export_request"),
    "exports:decide": action({TO, CS}, "export_request"),
    # background jobs: each place's job belongs to its township doctor; only the owner sees it
    "jobs:list": page(EVERYONE, post=None),
    "jobs:detail": page({TD}, "job", post=None),
    "jobs:card": page({TD}, "job", post=None),
    "jobs:file": page({TD}, {"pk": "job", "purpose": lit("report")}, post=None),
    "jobs:rerun": action({TD}, "job"),
    # ledger import: the roles that register patients
    "imports:upload": page(can(roles.CREATE_PATIENT)),
    "imports:template": page(can(roles.CREATE_PATIENT), post=None),
    # workforce (精神卫生人员): the place's township health centre and its 精防人员
    "workforce:overview": page(WF_COUNT, query="?region={township}"),
    "workforce:institutions": page(WF_READ, post=WF_WRITE),
    "workforce:institution": page(WF_READ, "institution", post=WF_WRITE),
    "workforce:staff": page(WF_READ, "staff", post=WF_WRITE),
    "workforce:training_add": action(WF_WRITE, "staff"),
    "workforce:export": page(WF_READ & EXPORT, query="?region={township}"),
    # accountability (通报、约谈、挂牌督办、责任追究) and the joint consultation's record
    "accountability:measures": page(ACC_VIEW, post=None),
    "accountability:measure_create": page(ACC_ISSUE),
    "accountability:measure_export": page(ACC_VIEW & EXPORT, post=None),
    "accountability:measure": page(ACC_SEE, "accountability", post=None),
    "accountability:measure_close": action(ACC_ISSUE, "accountability"),
    "accountability:consultation_regenerate": action(care("RECORD_MEETING") & TOWNSHIP_MEETING, "consultation"),
    "accountability:consultation_export": page(TOWNSHIP_MEETING & EXPORT, "consultation", post=None),
    # community rehabilitation (rehab.permissions)
    "rehab:overview": page(RH_KPI),
    "rehab:facilities": page(RH_VIEW, post=RH_FAC),
    "rehab:facility": page(RH_VIEW, "facility", post=RH_FAC),
    "rehab:teams": page(RH_VIEW, post=RH_TEAM),
    "rehab:team": page(RH_VIEW, "rehab_team", post=RH_TEAM),
    "rehab:export": page(RH_VIEW & EXPORT),
    "rehab:enrolments": page(RH_ENROL),
    "rehab:enrolment_export": page(RH_ENROL & EXPORT),
    "rehab:enrolment": page(RH_HOME, "enrolment", post=RH_HOME_RECORD),
    "rehab:patient": page(RH_ENROL, "patient", post=RH_RECORD),
    # the API's own pages
    "api:openapi-json": public(schema=True),  # ninja answers any method with the document
    "api:openapi-view": public(schema=True),
    "api:api-root": Rule(NOBODY, NOBODY, fixed="hide"),  # ninja's bare prefix: nothing there
}

# The Django admin: the three administrators only (accounts.admin._admin_role_only), every pattern; other
# roles are sent to the login page. What each administrator may do inside depends on the model admins'
# permissions (users and regions: system; requests and credentials: security; audit rows: audit,
# read-only; accounts/tests/test_access_requests.py): any answer but a server error.
ADMIN_SITE = page(ADMINS, refused=frozenset({"deny", "hide", "login"}), any_for=ADMINS)
# Signing in and out of the admin go through the accounts pages for everyone.
ADMIN_OPEN = {"admin:login": public(), "admin:logout": public()}

API: dict[str, Rule] = {
    "accounts_api_obtain_token": Rule(None, EVERYONE, public=True, body={"username": "nobody", "password": "x"}),
    "accounts_api_me": op(EVERYONE),
    "accounts_api_revoke_current_token": op(EVERYONE),  # the caller's own token (a session: 400, nothing to revoke)
    # Regions are not personal data: any signed-in user reads any (regions/api.py).
    "regions_api_region_detail": op(EVERYONE, {"code": "region"}, outside="allow"),
    "regions_api_region_children": op(EVERYONE, {"code": "region"}, outside="allow"),
    "registry_api_list_patients": op(VIEW, empty_for=ADMINS),
    "registry_api_create_patient": op(can(roles.CREATE_PATIENT)),
    "registry_api_search_patients": op(VIEW, empty_for=ADMINS),
    "registry_api_get_patient": op(VIEW, "patient"),
    "registry_api_update_patient": op(can(roles.EDIT_PATIENT), "patient"),
    "registry_api_reveal": op(can(roles.REVEAL_IDENTIFIERS), "patient"),
    "registry_api_change_status": op(can(roles.CHANGE_STATUS), "patient"),
    "registry_api_status_history": op(VIEW, "patient"),
    "followups_api_create_followup": op(can(roles.RECORD_FOLLOWUP), "patient"),
    "followups_api_list_followups": op(VIEW & HEALTH, "patient"),  # visits are health records
    "followups_api_get_worklist": op(WORK),
    "screening_api_leads_list_leads": op(of(screening_perms, "VIEW_SCREENING")),
    "screening_api_leads_create_lead": op(of(screening_perms, "REPORT_LEAD")),
    "screening_api_leads_get_lead": op(of(screening_perms, "VIEW_SCREENING"), "lead"),
    "screening_api_leads_refer_lead": op(of(screening_perms, "MANAGE_LEADS"), "lead"),
    "screening_api_leads_exclude_lead": op(of(screening_perms, "MANAGE_LEADS"), "lead"),
    "screening_api_leads_confirm_lead": op(of(screening_perms, "CONFIRM_LEAD"), "lead"),
    "screening_api_campaigns_list_campaigns": op(of(screening_perms, "VIEW_SCREENING")),
    "screening_api_campaigns_create_campaign": op(of(screening_perms, "MANAGE_CAMPAIGNS")),
    "screening_api_campaigns_get_campaign": op(of(screening_perms, "VIEW_SCREENING"), "campaign"),
    "screening_api_campaigns_list_persons": op(of(screening_perms, "VIEW_SCREENING"), "campaign"),
    "screening_api_campaigns_add_listing": op(of(screening_perms, "LIST_PERSONS"), "campaign"),
    "screening_api_campaigns_import_group": op(of(screening_perms, "MANAGE_CAMPAIGNS"), "campaign"),
    "screening_api_campaigns_update_person": op(of(screening_perms, "ASSESS_PERSONS"),
                                                {"id": "campaign", "person_id": "person"}),
    "screening_api_campaigns_report": op(of(screening_perms, "EXPORT"), "campaign"),
    "intake_api_reports_list_cards": op(of(intake_perms, "VIEW_REPORTS")),
    "intake_api_reports_create_card": op(of(intake_perms, "RECEIVE_REPORTS")),
    "intake_api_reports_get_card": op(of(intake_perms, "VIEW_REPORTS"), "card"),
    "intake_api_reports_accept": op(of(intake_perms, "RECEIVE_REPORTS"), "card"),
    "intake_api_reports_police_query": op(of(intake_perms, "RECEIVE_REPORTS"), "card"),
    "intake_api_reports_refer_cdc": op(of(intake_perms, "RECEIVE_REPORTS"), "card"),
    "intake_api_reports_enter": op(of(intake_perms, "ENTER_REPORTS"), "card"),
    "intake_api_movement_list_releases": op(of(intake_perms, "VIEW_RELEASES")),
    "intake_api_movement_create_release": op(of(intake_perms, "RECORD_RELEASE")),
    "intake_api_movement_get_release": op(of(intake_perms, "VIEW_RELEASES"), "release"),
    "intake_api_movement_takeover": op(of(intake_perms, "TAKE_OVER_RELEASE"), "release"),
    "intake_api_movement_list_transfers": op(of(intake_perms, "VIEW_TRANSFERS")),
    "intake_api_movement_create_transfer": op(of(intake_perms, "SEND_TRANSFER"),
                                               body={"patient_id": "{patient}", "destination_code": "990103002000"}),
    "intake_api_movement_inbox": op(of(intake_perms, "VIEW_TRANSFERS")),
    "intake_api_movement_get_transfer": op(of(intake_perms, "VIEW_TRANSFERS"), "transfer"),
    "intake_api_movement_accept": op(of(intake_perms, "ACCEPT_TRANSFER"), "incoming"),
    "intake_api_movement_return_transfer": op(of(intake_perms, "ACCEPT_TRANSFER"), "incoming"),
    "care_api_team_get_team": op(VIEW, "patient"),
    "care_api_team_put_team": op(care("MANAGE_TEAM"), "patient"),
    "care_api_team_reveal_team": op(VIEW & can(roles.REVEAL_IDENTIFIERS), "patient"),
    "care_api_team_get_directory": op(VIEW),
    "care_api_meeting_list_meetings": op(VIEW, empty_for=ADMINS),
    "care_api_meeting_create_meeting": op(care("RECORD_MEETING")),
    "care_api_meeting_get_meeting": op(VIEW, "meeting"),
    "care_api_meeting_update_meeting": op(care("RECORD_MEETING"), "meeting"),
    "care_api_meeting_complete_task": op(care("RECORD_MEETING"), {"id": "meeting", "task_id": "task"}),
    "care_api_guardianship_list_agreements": op(VIEW, "patient"),
    "care_api_guardianship_create_agreement": op(care("MANAGE_AGREEMENT"), "patient"),
    "care_api_guardianship_revoke_agreement": op(care("REVOKE_AGREEMENT"), "agreement"),
    "care_api_guardianship_replace_guardian": op(care("REVOKE_AGREEMENT"), "agreement"),
    "care_api_incident_list_incidents": op(VIEW, empty_for=ADMINS),
    "care_api_incident_create_incident": op(care("RECORD_INCIDENT"), body={"patient_id": "{patient}"}),
    "care_api_incident_get_incident": op(VIEW, "incident"),
    "care_api_incident_save_review": op(care("REVIEW_INCIDENT"), "incident"),
    "care_api_incident_get_timeline": op(VIEW, "incident"),
    "support_api_rewards_list_runs": op(support(support_perms.REWARD_VIEW)),
    "support_api_rewards_compute_run": op(support(support_perms.REWARD_MANAGE)),
    "support_api_rewards_get_run": op(support(support_perms.REWARD_VIEW), "reward_run"),
    "support_api_rewards_recompute_run": op(support(support_perms.REWARD_MANAGE), "reward_run"),
    "support_api_rewards_withhold": op(support(support_perms.REWARD_MANAGE), "reward_run"),
    "support_api_rewards_restore": op(support(support_perms.REWARD_MANAGE), {"id": "reward_run", "patient_id": "patient"}),
    "support_api_rewards_mark_paid": op(support(support_perms.REWARD_MANAGE), "reward_run"),
    "support_api_rewards_insurance": op(support(support_perms.INSURANCE_VIEW), query=f"?township_code={{township}}&year={YEAR}"),
    "support_api_rewards_list_benefits": op(VIEW, "patient"),
    "support_api_rewards_create_benefit": op(support(frozenset(support_vocab.BENEFIT_EDITORS["dibao"])), "patient",
                                             body={"kind": "dibao"}),
    "support_api_rewards_update_benefit": op(support(frozenset(support_vocab.BENEFIT_EDITORS["dibao"])), "benefit"),
    "support_api_rewards_delete_benefit": op(support(frozenset(support_vocab.BENEFIT_EDITORS["dibao"])), "benefit"),
    "support_api_rewards_benefit_gaps": op(support(support_perms.GAPS_VIEW)),
    "support_api_relief_list_applications": op(support(support_perms.RELIEF_VIEW)),
    "support_api_relief_create_application": op(support(support_perms.RELIEF_FILE), body={"patient_id": "{patient}"}),
    "support_api_relief_get_application": op(support(support_perms.RELIEF_VIEW), "relief"),
    "support_api_relief_update_application": op(support(support_perms.RELIEF_FILE), "relief"),
    "support_api_relief_submit": op(support(support_perms.RELIEF_STEP_ROLES["submit"]), "relief"),
    "support_api_relief_village_review": op(support(support_perms.RELIEF_STEP_ROLES["village_review"]), "relief"),
    "support_api_relief_village_reject": op(support(support_perms.RELIEF_STEP_ROLES["village_reject"]), "relief"),
    "support_api_relief_approve": op(support(support_perms.RELIEF_STEP_ROLES["approve"]), "relief"),
    "support_api_relief_reject": op(support(support_perms.RELIEF_STEP_ROLES["reject"]), "relief"),
    "support_api_relief_admit": op(support(support_perms.RELIEF_STEP_ROLES["admit"]), "relief"),
    "support_api_relief_close": op(support(support_perms.RELIEF_STEP_ROLES["close"]), "relief"),
    "support_api_relief_get_fund": op(support(support_perms.FUND_VIEW)),
    "support_api_relief_put_budget": op(support(support_perms.FUND_EDIT), {"county_code": "county", "year": lit(YEAR)}),
    "support_api_relief_summary": op(support(support_perms.SUMMARY_VIEW), query=f"?year={YEAR}&quarter=1"),
    # treatment cost burden
    "support_api_costs_list_episodes": op(support(support_perms.COSTS_VIEW)),
    "support_api_costs_create_episode": op(support(support_perms.COSTS_EDIT), body={"patient_id": "{patient}"}),
    "support_api_costs_get_episode": op(support(support_perms.COSTS_VIEW), "cost"),
    "support_api_costs_update_episode": op(support(support_perms.COSTS_EDIT), "cost"),
    "support_api_costs_delete_episode": op(support(support_perms.COSTS_EDIT), "cost"),
    "support_api_costs_burden": op(support(support_perms.COSTS_VIEW)),
    "stats_api_get_kpis": op(STATS, query="?region_code={region}"),
    "stats_api_get_trend": op(STATS, query="?region_code={region}"),
    "stats_api_get_ranking": op(STATS, query="?region_code={region}"),
    "stats_api_list_reports": op(STATS),
    "stats_api_create_report": op(INSPECT),
    "stats_api_get_report": op(CLOSE, "inspection"),
    "stats_api_patch_report": op(INSPECT, "inspection"),
    "stats_api_add_item": op(INSPECT, "inspection"),
    "stats_api_close_item": op(CLOSE, "item"),
    "exchange_api_list_tables": op(of(exchange_perms, "VIEW_TABLES")),
    # a township outside the jurisdiction is a 422 naming the field ("不存在或不在您的辖区内"), like a wrong code
    "exchange_api_generate_table": op(of(exchange_perms, "GENERATE_TABLES"),
                                     body={"township": "{township}", "month": LAST_MONTH}, outside="invalid"),
    "exchange_api_get_table": op(of(exchange_perms, "VIEW_TABLES"), "table"),
    "exchange_api_add_receipt": op(of(exchange_perms, "RECORD_RECEIPTS"), "table"),
    "exchange_api_recon_list_runs": op(of(exchange_perms, "VIEW_RECONCILIATIONS")),
    "exchange_api_recon_upload": op(of(exchange_perms, "UPLOAD_LISTS")),
    "exchange_api_recon_confirm_mapping": op(RECON_RUN & of(exchange_perms, "UPLOAD_LISTS"), "recon"),
    "exchange_api_recon_get_run": op(RECON_RUN, "recon"),
    "exchange_api_recon_resolve_line": op(RECON_RUN & of(exchange_perms, "RESOLVE_LINES"), {"id": "recon", "line_id": "line"}),
    # a valid body whose reason is too short: the service checks the role (403) before the reason (422)
    "emergency_api_create_grant": op(can(roles.BREAK_GLASS),
                                     body={"id_number": "990102198001010011", "category": "other", "reason": "短"}),
    "emergency_api_list_grants": op(can(roles.BREAK_GLASS) | can(roles.ACKNOWLEDGE_EMERGENCY)
                                    | can(roles.REVIEW_EMERGENCY)),
    "emergency_api_acknowledge": op(can(roles.ACKNOWLEDGE_EMERGENCY), "grant"),
    "emergency_api_review": op(can(roles.REVIEW_EMERGENCY), "grant", body={"outcome": "reasonable", "note": ""}),
    # the offline field app: the user's own package, sync and outcomes
    "offline_api_get_package": op(can(roles.OFFLINE_FIELD)),
    "offline_api_sync": op(can(roles.OFFLINE_FIELD)),
    "offline_api_outcomes": op(can(roles.OFFLINE_FIELD)),
    # a paper form's code (the place's): other roles get the answer of an unknown code (404)
    "offline_api_resolve_paper": op(can(roles.OFFLINE_FIELD), body={"code": "{paper_code}"}),
    "exports_api_own_requests": op(EVERYONE),
    "exports_api_approval_queue": op({TO, CS}),
    "exports_api_get_request": op({TO, CS}, {"id": "export_request"}),
    "exports_api_submit": op(NOBODY, {"id": "export_request"}, body={"reason": "核对全村在册患者名单"}),
    # a rejection without a note: 422 once the approver is recognised
    "exports_api_decide": op({TO, CS}, {"id": "export_request"}, body={"decision": "reject", "note": ""}),
    "jobs_api_list_jobs": op(EVERYONE),
    "jobs_api_get_job": op({TD}, {"id": "job"}),
    "jobs_api_get_file": op({TD}, {"id": "job", "purpose": lit("report")}),
    "jobs_api_rerun_job": op({TD}, {"id": "job"}),
    "imports_api_import_patients": op(can(roles.CREATE_PATIENT)),
    "imports_api_template": op(can(roles.CREATE_PATIENT)),
    # workforce
    "workforce_api_get_kpis": op(WF_COUNT, query="?region_code={township}"),
    "workforce_api_list_institutions": op(WF_READ),
    "workforce_api_create_institution": op(WF_WRITE),
    "workforce_api_list_staff": op(WF_READ),
    "workforce_api_get_staff": op(WF_READ, {"id": "staff"}),
    "workforce_api_create_staff": op(WF_WRITE, {"id": "institution"}),
    "workforce_api_update_staff": op(WF_WRITE, {"id": "staff"}),
    "workforce_api_add_training": op(WF_WRITE, {"id": "staff"}),
    # accountability
    "accountability_api_list_measures": op(ACC_VIEW),
    "accountability_api_create_measure": op(ACC_ISSUE),
    "accountability_api_get_measure": op(ACC_SEE, {"id": "accountability"}),
    "accountability_api_close_measure": op(ACC_ISSUE, {"id": "accountability"}),
    "accountability_api_get_consultation": op(TOWNSHIP_MEETING, {"meeting_id": "consultation"}),
    # community rehabilitation
    "rehab_api_get_kpis": op(RH_KPI),
    "rehab_api_list_facilities": op(RH_VIEW),
    # a township outside is refused like any other bad field (regions are not secret)
    "rehab_api_create_facility": op(RH_FAC, body={"region_code": "{township}"}, outside="invalid"),
    "rehab_api_update_facility": op(RH_FAC, {"id": "facility"}),
    "rehab_api_list_teams": op(RH_VIEW),
    "rehab_api_create_team": op(RH_TEAM),
    "rehab_api_add_member": op(RH_TEAM, {"id": "rehab_team"}),
    "rehab_api_list_enrolments": op(RH_ENROL),
    "rehab_api_create_enrolment": op(RH_HOME_RECORD, body={"patient_id": "{patient}", "programme": "home"}),
    "rehab_api_get_enrolment": op(RH_HOME, {"id": "enrolment"}),
    "rehab_api_record_attendance": op(RH_HOME_RECORD, {"id": "enrolment"}),
    "rehab_api_end_enrolment": op(RH_HOME_RECORD, {"id": "enrolment"}),
}
