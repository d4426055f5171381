"""The demo county's oversight and accountability (齐云山镇2024 四、2–3; 平桥区2025 三（四）), made through the
services: in 青山镇 an incident in 青山社区 with its retrospective review (倒查), last quarter's inspection
report with a rectification item now overdue, and measures — a 约谈 of 青山社区's village committee resting on
the incident (open, past its deadline), a 责任追究 of the township health centre on the reviewed incident
(open), a 通报 of the police station on the inspection (closed); in 雪城街道 a 挂牌督办 by the county on an
incident there. 青山镇's quarterly joint consultation then has its record frozen again, so that it shows
the open measures and the overdue rectification among its shortcomings, and a task decided there."""

import datetime as dt

from django.utils import timezone

from jingfang.registry.models import Patient

from .quiet import quietly

QINGSHAN, QINGSHAN_VILLAGE = "990102001000", "990102001001"
XUECHENG, XUECHENG_VILLAGE = "990102004000", "990102004001"


def _incident(police, village: str, day: dt.date, kind: str, place: str):
    from jingfang.care import services

    patient = Patient.objects.filter(region_id=village, status="at_home").order_by("pk").first()
    if patient is None:
        return None
    return quietly("incident", services.record_incident, police, patient, {
        "date": day.isoformat(), "place": place, "kind": kind, "description": "情绪激动，在村道上打砸邻居门窗",
        "injuries": 0, "deaths": 0, "property_loss_yuan": "800", "police_response": "民警十分钟内到场控制",
        "onsite_handling": "综治中心协调村委会疏散围观群众", "aftermath": "监护人赔偿邻居损失"})


def make_accountability(users: dict, today: dt.date) -> dict:
    from jingfang.accountability import consultation
    from jingfang.accountability import services as measures
    from jingfang.care import services as care
    from jingfang.care.models import Meeting
    from jingfang.stats import inspections

    office, police, county = users["office1"], users["police1"], users["county"]
    counts = {"incidents": 0, "measures": 0, "consultations_refrozen": 0}
    incident = _incident(police, QINGSHAN_VILLAGE, today - dt.timedelta(days=50), "trouble", "青山社区村道")
    if incident is not None:
        counts["incidents"] += 1
        quietly("review", care.save_review, office, incident,
                "事发前两个月随访两次逾期，监护协议未续签；关爱帮扶小组例会未研究该患者。")
    quarter = (today.month - 1) // 3 + 1
    year, last = (today.year, quarter - 1) if quarter > 1 else (today.year - 1, 4)
    report = quietly("inspection", inspections.create_report, county, QINGSHAN, year, last)
    if report is not None:
        quietly("inspection findings", inspections.save_findings, county, report,
                "部分村失访患者查找记录不全；监护协议到期未续签。")
        item = quietly("rectification", inspections.add_item, county, report, "补全失访患者查找记录", "青山镇卫生院",
                       today - dt.timedelta(days=25))
        if item is not None:  # dated when the inspection would have taken place, before the consultation
            back = timezone.now() - dt.timedelta(days=55)
            type(report).objects.filter(pk=report.pk).update(created_at=back, generated_at=back)
            type(item).objects.filter(pk=item.pk).update(created_at=back)

    def issue(actor, **data):
        m = quietly("measure", measures.issue, actor, data=data)
        counts["measures"] += m is not None
        return m

    linked = [incident.pk] if incident else []
    issue(office, kind="interview", target_region_code=QINGSHAN_VILLAGE, target_unit="village_committee",
          reason="青山社区发生肇事事件，事发前随访逾期、监护协议未续签，包保责任落实不到位。",
          rectification="30日内补签监护协议，逐户落实包保责任，每月报告重点人员管控情况。",
          incident_ids=linked, issued_on=(today - dt.timedelta(days=45)).isoformat())
    if incident:
        issue(office, kind="liability", target_region_code=QINGSHAN, target_unit="health_centre",
              reason="倒查发现事发前两个月随访两次逾期，未按规定报告病情变化。",
              rectification="对责任人员进行约谈问责，健全随访逾期预警和报告制度。",
              incident_ids=linked, issued_on=(today - dt.timedelta(days=40)).isoformat())
    notice = issue(office, kind="notice", target_region_code=QINGSHAN, target_unit="police_station",
                   reason="督导检查发现失访患者查找记录不全。", rectification="补全查找记录，协助村委会查找失访患者。",
                   inspection_ids=[report.pk] if report else [], issued_on=(today - dt.timedelta(days=60)).isoformat(),
                   deadline=(today - dt.timedelta(days=30)).isoformat())
    if notice is not None:
        quietly("close measure", measures.close, office, measure=notice, data={
            "closed_on": (today - dt.timedelta(days=33)).isoformat(), "version": notice.version,
            "closing_text": "已补全查找记录，2名失访患者找回并恢复随访。"})
    far = _incident(users["police4"], XUECHENG_VILLAGE, today - dt.timedelta(days=30), "disaster", "雪城社区菜市场")
    if far is not None:
        counts["incidents"] += 1
        issue(county, kind="supervision", target_region_code=XUECHENG, target_unit="township_government",
              reason="雪城社区发生肇祸事件，监护包保责任制落实不到位。",
              rectification="60日内完成五位一体监护包保责任制排查整改，每半月报送进展。",
              incident_ids=[far.pk], issued_on=(today - dt.timedelta(days=25)).isoformat())
    for meeting in Meeting.objects.filter(kind=consultation.KIND, region_id=QINGSHAN):
        if quietly("consultation", consultation.regenerate, office, meeting):
            counts["consultations_refrozen"] += 1
    return counts
