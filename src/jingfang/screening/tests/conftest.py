"""Screening fixtures: leads made through the service, a campaign with the 当阳乡2022 phases."""

import datetime as dt
import json

import pytest

from jingfang.accounts.services import issue_token
from jingfang.core import clock

TODAY = clock.today()
V11, V12, V21, V31 = "990102001001", "990102001002", "990102002001", "990103001001"


def lead_data(region_code=V11, **over) -> dict:
    data = {
        "name": "李疑似",
        "sex": "M",
        "birth_date": "1985-04-02",
        "region_code": region_code,
        "address": "3组8号",
        "signs": ["3", "5"],
        "source": "door_to_door",
        "found_on": TODAY.isoformat(),
    }
    data.update(over)
    return data


@pytest.fixture
def make_lead(users, make_user):
    """Report a lead through the service, as a township doctor of the lead's township."""
    from jingfang.accounts.models import User
    from jingfang.screening import services_leads

    def make(region_code=V11, *, allow_duplicates=True, state="reported", reporter=None, **over):
        township = region_code[:9] + "000"
        actor = reporter or User.objects.filter(role="township_doctor", region_id=township).first() or make_user(
            "township_doctor", township)
        lead = services_leads.create_lead(actor, lead_data(region_code, **over), allow_duplicates=allow_duplicates)
        if state in ("referred", "confirmed_ready"):
            lead = services_leads.refer(actor, lead, {"referred_to": "县精神卫生中心"})
        elif state == "excluded":
            lead = services_leads.exclude(actor, lead, {"exclusion_reason": "经诊断不符合"})
        return lead

    return make


# 当阳乡2022's phases (三): 9月15日前 / 9.15–9.30 / 10.1–10.31 / 11.1–12.30.
SEED_PHASES = {
    "plan_start": "2022-09-01", "plan_end": "2022-09-14",
    "implement_start": "2022-09-15", "implement_end": "2022-09-30",
    "fill_gaps_start": "2022-10-01", "fill_gaps_end": "2022-10-31",
    "consolidate_start": "2022-11-01", "consolidate_end": "2022-12-30",
}


def current_phases(today=TODAY) -> dict:
    """Phases around today: implementing now, filling gaps in 10 days."""
    d = dt.timedelta
    return {
        "plan_start": (today - d(30)).isoformat(), "plan_end": (today - d(11)).isoformat(),
        "implement_start": (today - d(10)).isoformat(), "implement_end": (today + d(9)).isoformat(),
        "fill_gaps_start": (today + d(10)).isoformat(), "fill_gaps_end": (today + d(20)).isoformat(),
        "consolidate_start": (today + d(21)).isoformat(), "consolidate_end": (today + d(40)).isoformat(),
    }


@pytest.fixture
def make_campaign(users):
    from jingfang.screening import services_campaigns

    def make(actor=None, **over):
        data = {"name": "2022年摸排", "risk_since": "2022-01-01", **SEED_PHASES, **over}
        return services_campaigns.create_campaign(actor or users["doctor"], data)

    return make


def api(client, user, method, url, body=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user)}"}
    if body is None:
        return getattr(client, method)(url, **headers)
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json", **headers)
