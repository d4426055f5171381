"""The demo county shows the workforce register with the README's logins: 4 psychiatrists for 120,420
residents (target ≥ 3 per 100,000 met), three township health centres staffed and 中岭乡 short of a trained GP."""

from io import StringIO

import pytest
from django.core.management import call_command

from jingfang.accounts.models import User
from jingfang.regions.models import Region
from jingfang.workforce import compute


@pytest.fixture
def demo(db):
    call_command("demo", patients=40, seed=11, stdout=StringIO())


def test_demo_workforce(demo, client):
    board = compute.board(Region.objects.get(code="990102000000"))
    assert board.psychiatrists.numerator == 4 and board.psychiatrists.met is True
    assert (board.staffing.numerator, board.staffing.denominator, board.staffing.met) == (3, 4, False)
    assert [name for _c, name, _l in board.staffing.shortfalls] == ["中岭乡"]
    client.force_login(User.objects.get(username="county"))
    assert "中岭乡" in client.get("/workforce/").content.decode()
    client.force_login(User.objects.get(username="doctor3"))
    page = client.get("/workforce/institutions/").content.decode()
    assert "中岭乡卫生院" in page and "青山镇卫生院" not in page
    client.force_login(User.objects.get(username="office1"))
    assert "各镇街均已配齐" in client.get("/workforce/").content.decode()
