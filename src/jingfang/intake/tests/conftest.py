"""Fixtures of the intake tests: report cards, release notices and transfers made through the services."""

import pytest
from django.utils.timezone import localdate as today


@pytest.fixture(autouse=True)
def _only_intake_providers(monkeypatch):
    """The worklist with this app's providers only: other apps' providers (built concurrently, their
    tables possibly not migrated yet) are not what these tests are about."""
    from jingfang.core import worklist_hub

    mine = [p for p in worklist_hub.PROVIDERS if p.__module__.startswith("jingfang.intake")]
    monkeypatch.setattr(worklist_hub, "PROVIDERS", mine)


@pytest.fixture
def card_for(users):
    """A report card received by the township of ``user`` (default: the township-1 doctor)."""
    from jingfang.intake import services

    def make(user=None, **over):
        data = {"kind": "discharge", "hospital": "测试市精神卫生中心", "received_on": today().isoformat(),
                "patient_name": "赵报告", "id_number": "", "address": "甲村5组", "diagnosis": "schizophrenia"}
        data.update(over)
        return services.receive_card(user or users["doctor"], data)

    return make


@pytest.fixture
def send(users):
    """Send ``patient`` to township 2 (or ``destination``) as the township-1 doctor."""
    from jingfang.intake import services_movement

    def make(patient, destination="990102002000", user=None, **over):
        data = {"destination_code": destination, "reason": "随子女迁居", **over}
        return services_movement.send_transfer(user or users["doctor"], patient, data)

    return make
