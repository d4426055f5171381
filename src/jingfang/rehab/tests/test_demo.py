"""The demo county shows community rehabilitation with the README's logins: 3 of 4 townships covered by an
operating facility (75 % against 薛城区2016's 60 %; 中岭乡's 农疗基地 closed), the county hospital's team
complete, enrolments with monthly attendance, and follow-ups' 康复措施 in the participation rate."""

from io import StringIO

import pytest
from django.core.management import call_command

from jingfang.accounts.models import User
from jingfang.regions.models import Region
from jingfang.rehab import compute
from jingfang.rehab.models import Attendance, Enrolment, TeamMember


@pytest.fixture
def demo(db):
    call_command("demo", patients=40, seed=11, stdout=StringIO())


def test_demo_rehab(demo, client):
    board = compute.board(Region.objects.get(code="990102000000"))
    assert (board.coverage.numerator, board.coverage.denominator, board.coverage.met) == (3, 4, True)
    assert [name for _c, name in board.coverage.shortfalls] == ["中岭乡"]
    parts = dict(board.participation.parts)
    assert parts["康复登记"] >= 5 and parts["随访康复措施"] >= 1
    assert Enrolment.objects.filter(end__isnull=False, end_reason="employed").count() == 1
    assert Attendance.objects.count() >= Enrolment.objects.count()
    assert TeamMember.objects.count() == 6
    client.force_login(User.objects.get(username="county"))
    page = client.get("/rehab/").content.decode()
    assert "中岭乡" in page and "75%" in page
    client.force_login(User.objects.get(username="dpf2"))
    page = client.get("/rehab/enrolments/").content.decode()
    assert "平川镇阳光庇护工厂" in page
    client.force_login(User.objects.get(username="office3"))
    assert "中岭乡" in client.get("/rehab/").content.decode()
