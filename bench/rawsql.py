"""The minimal SQL giving the same answer as each measured page: what PostgreSQL alone needs to take.

Each function runs its statements on Django's connection (same server, same session settings) and
fetches every row, so its time is database work plus the transfer of the result.
"""

import datetime as dt

from django.db import connection

from jingfang.regions import codes

HORIZON = 14  # followups.worklist.DEFAULT_HORIZON


def fetch(sql: str, params: list) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def worklist(code: str, on: dt.date, limit: int | None = None, counts: bool = True) -> list:
    """The worklist's rows: overdue and due items, and upcoming ones within the horizon, of every
    patient living in the region, with the patient's name, grade and village name, in the page's order;
    and (``counts``) what the page shows above them: the number of items per village and state."""
    lo, hi = codes.code_range(code)
    until = on + dt.timedelta(days=HORIZON)
    state = "CASE WHEN d.due_date < %s THEN 0 WHEN d.window_start <= %s THEN 1 ELSE 2 END"
    where = "d.region_code BETWEEN %s AND %s AND (d.window_start <= %s OR d.due_date <= %s)"
    sql = f"""
        SELECT d.patient_id, p.name, d.region_code, r.name, d.key_person, p.grade, d.kind, d.due_date,
               d.window_start, d.rule, d.rule_id, d.mode, d.escalations, d.notes, d.provisional
        FROM followups_dueitem d
        JOIN registry_patient p ON p.id = d.patient_id
        JOIN regions_region r ON r.code = p.region_code
        WHERE {where}
        ORDER BY {state}, d.due_date, d.region_code, p.name"""
    params = [lo, hi, on, until, on, on]
    if limit:
        sql += " LIMIT %s"
        params.append(limit)
    rows = fetch(sql, params)
    if counts:
        fetch(f"""SELECT d.region_code, {state}, count(*) FROM followups_dueitem d WHERE {where}
                  GROUP BY 1, 2""", [on, on, lo, hi, on, until])
    return rows


def past_worklist(code: str, on: dt.date) -> list:
    """What a past date's worklist is computed from (there are no stored rows for it): the patients
    of the region registered by then and not dead before it, with their village's name and what the
    schedule needs of them, and each one's follow-ups up to that date, oldest first."""
    lo, hi = codes.code_range(code)
    where = """p.region_code BETWEEN %s AND %s AND p.registered_on <= %s
               AND NOT (p.status = 'deceased' AND p.death_date IS NOT NULL AND p.death_date < %s)"""
    rows = fetch(f"""
        SELECT p.id, p.name, p.region_code, r.name, p.key_person, p.grade, p.status, p.registered_on,
               p.transfer_pending
        FROM registry_patient p JOIN regions_region r ON r.code = p.region_code
        WHERE {where} ORDER BY p.region_code, p.name, p.id""", [lo, hi, on, on])
    fetch(f"""
        SELECT f.patient_id, f.date, f.mode, f.seen, f.condition, f.risk_level, f.assessment_done,
               f.health_check_done, f.attendee_count, f.guardian_refuses_hospital
        FROM followups_followup f JOIN registry_patient p ON p.id = f.patient_id
        WHERE {where} AND f.date <= %s ORDER BY f.patient_id, f.date, f.id""", [lo, hi, on, on, on])
    return rows


def patient_page(pid: int) -> None:
    """The file with its villages, guardians, status history, revisions, the latest ten follow-ups and
    the due items (the page and its follow-up fragment)."""
    fetch("""SELECT p.*, r.name, r.parent_id, h.name FROM registry_patient p
             JOIN regions_region r ON r.code = p.region_code
             JOIN regions_region h ON h.code = p.household_region_code WHERE p.id = %s""", [pid])
    fetch("""SELECT code, name FROM regions_region WHERE code IN (
             SELECT substr(region_code, 1, 9) || '000' FROM registry_patient WHERE id = %s
             UNION SELECT substr(region_code, 1, 6) || '000000' FROM registry_patient WHERE id = %s)""", [pid, pid])
    fetch("SELECT * FROM registry_guardian WHERE patient_id = %s ORDER BY is_primary DESC, id", [pid])
    fetch("""SELECT s.*, u.username FROM registry_statuschange s LEFT JOIN accounts_user u ON u.id = s.recorded_by_id
             WHERE s.patient_id = %s ORDER BY since DESC, s.id DESC LIMIT 20""", [pid])
    fetch("SELECT * FROM registry_revision WHERE patient_id = %s ORDER BY version DESC LIMIT 10", [pid])
    fetch("""SELECT f.*, u.username FROM followups_followup f LEFT JOIN accounts_user u ON u.id = f.recorded_by_id
             WHERE f.patient_id = %s ORDER BY date DESC, f.id DESC LIMIT 10""", [pid])
    fetch("SELECT count(*) FROM followups_followup WHERE patient_id = %s", [pid])
    fetch("SELECT * FROM followups_dueitem WHERE patient_id = %s ORDER BY due_date", [pid])


def kpis(code: str, start: dt.date, end: dt.date) -> list:
    """The KPI table's counts for a region and period in one statement: registered, managed, standard
    management, face-to-face, medication, regular medication, at home, stable, lost."""
    lo, hi = codes.code_range(code)
    return fetch("""
        WITH p AS (
            SELECT id, registered_on, status, lost FROM registry_patient
            WHERE region_code BETWEEN %(lo)s AND %(hi)s AND registered_on <= %(end)s
              AND NOT (status IN ('deceased', 'moved_out') AND status_since < %(start)s)
        ), v AS (
            SELECT f.patient_id, f.date, f.mode, f.condition, f.adherence, f.hospital,
                   f.date - lag(f.date) OVER w AS gap,
                   row_number() OVER (PARTITION BY f.patient_id ORDER BY f.date DESC, f.id DESC) AS rn
            FROM followups_followup f JOIN p ON p.id = f.patient_id
            WHERE f.seen AND f.date BETWEEN %(start)s AND %(end)s
            WINDOW w AS (PARTITION BY f.patient_id ORDER BY f.date, f.id)
        ), per AS (
            SELECT patient_id, count(*) AS n, bool_or(mode <> 'phone') AS f2f, max(gap) AS maxgap,
                   min(date) AS first, max(date) AS last,
                   max(adherence) FILTER (WHERE rn = 1) AS adherence, max(condition) FILTER (WHERE rn = 1) AS cond,
                   max(hospital) FILTER (WHERE rn = 1) AS hospital
            FROM v GROUP BY patient_id
        )
        SELECT count(*), count(per.patient_id),
               count(*) FILTER (WHERE per.n >= ceil(((%(end)s::date - greatest(%(start)s::date, p.registered_on)) + 1) / 92.0)
                                  AND coalesce(per.maxgap, 0) <= 92
                                  AND per.first - greatest(%(start)s::date, p.registered_on) <= 92
                                  AND %(end)s::date - per.last <= 92),
               count(*) FILTER (WHERE per.f2f),
               count(*) FILTER (WHERE per.adherence IN ('regular', 'intermittent') OR per.hospital = 'current'),
               count(*) FILTER (WHERE per.adherence = 'regular'),
               count(*) FILTER (WHERE p.status = 'at_home'),
               count(*) FILTER (WHERE p.status = 'at_home' AND per.cond = 'stable'),
               count(*) FILTER (WHERE p.lost OR p.status = 'missing'),
               count(*) FILTER (WHERE per.cond = 'unstable')
        FROM p LEFT JOIN per ON per.patient_id = p.id""", {"lo": lo, "hi": hi, "start": start, "end": end})


def exchange_month(township: str, start: dt.date, end: dt.date) -> None:
    """The month's events of the township's patients: whereabouts, risk levels of seen visits (with
    the one before, for changes), key-person and lost flags, searches that found someone."""
    lo, hi = codes.code_range(township)
    params = {"lo": lo, "hi": hi, "start": start, "end": end}
    fetch("""SELECT id, name, id_number, region_code, registered_on FROM registry_patient
             WHERE region_code BETWEEN %(lo)s AND %(hi)s""", params)
    fetch("""SELECT s.patient_id, s.since, s.status, s.note FROM registry_statuschange s
             JOIN registry_patient p ON p.id = s.patient_id
             WHERE p.region_code BETWEEN %(lo)s AND %(hi)s AND s.since <= %(end)s""", params)
    fetch("""SELECT f.patient_id, f.date, f.risk_level FROM followups_followup f
             WHERE f.seen AND f.risk_level IS NOT NULL AND f.date <= %(end)s AND f.patient_id IN (
                 SELECT g.patient_id FROM followups_followup g JOIN registry_patient p ON p.id = g.patient_id
                 WHERE p.region_code BETWEEN %(lo)s AND %(hi)s AND g.seen AND g.risk_level IS NOT NULL
                   AND g.date BETWEEN %(start)s AND %(end)s)""", params)
    fetch("""SELECT c.patient_id, c.date, c.flag, c.value, c.reasons FROM followups_flagchange c
             JOIN registry_patient p ON p.id = c.patient_id
             WHERE p.region_code BETWEEN %(lo)s AND %(hi)s AND c.date BETWEEN %(start)s AND %(end)s""", params)
    fetch("""SELECT a.patient_id, a.date FROM followups_searchattempt a JOIN registry_patient p ON p.id = a.patient_id
             WHERE p.region_code BETWEEN %(lo)s AND %(hi)s AND a.result = 'found'
               AND a.date BETWEEN %(start)s AND %(end)s""", params)


def patient_export(county: str) -> list:
    """Every column of the county's patients with their guardians, in the list's order."""
    lo, hi = codes.code_range(county)
    rows = fetch("""SELECT p.*, r.name FROM registry_patient p JOIN regions_region r ON r.code = p.region_code
                    WHERE p.region_code BETWEEN %s AND %s ORDER BY p.region_code, p.name, p.id""", [lo, hi])
    fetch("""SELECT g.* FROM registry_guardian g JOIN registry_patient p ON p.id = g.patient_id
             WHERE p.region_code BETWEEN %s AND %s""", [lo, hi])
    return rows
