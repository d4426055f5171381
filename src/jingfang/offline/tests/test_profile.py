"""The profile's [offline] keys: set in national-2018 and inherited, checked on load."""

import pytest

from jingfang.policies import profiles


@pytest.mark.parametrize("name", profiles.available_profiles())
def test_every_shipped_profile_has_offline_settings(name):
    offline = profiles.load_profile(name).offline
    assert offline is not None and offline.package_days <= offline.max_package_days and offline.expire_days >= 1


@pytest.mark.parametrize("section, where", [
    ({"package_days": 40, "max_package_days": 31, "expire_days": 7}, "offline.package_days"),
    ({"package_days": 0, "max_package_days": 31, "expire_days": 7}, "offline.package_days"),
    ({"package_days": 14, "max_package_days": 93, "expire_days": 7}, "offline.max_package_days"),
    ({"package_days": 14, "max_package_days": 31, "expire_days": 0}, "offline.expire_days"),
])
def test_offline_keys_are_checked(section, where):
    data = {"name": "t-offline", "title": "t", "source": "t", "version": 1, "extends": "national-2018",
            "offline": section}
    with pytest.raises(profiles.PolicyError, match=where):
        profiles.validate(data, "t-offline")


def test_a_county_may_change_the_window():
    data = {"name": "t-offline", "title": "t", "source": "t", "version": 1, "extends": "national-2018",
            "offline": {"package_days": 7}}
    offline = profiles.validate(data, "t-offline").offline
    assert (offline.package_days, offline.max_package_days, offline.expire_days) == (7, 31, 7)
