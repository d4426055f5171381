"""Fixtures of the follow-up area's page tests."""

import pytest


@pytest.fixture
def three(make_patient):
    """甲患者 in 甲村 and 乙患者 in 乙村 (both 东镇), 丙患者 in 丙村 (西镇)."""
    return (
        make_patient("990102001001", name="甲患者"),
        make_patient("990102001002", name="乙患者"),
        make_patient("990102002001", name="丙患者"),
    )
