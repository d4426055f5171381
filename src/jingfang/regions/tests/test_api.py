import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def vdoc_client(client, users):
    client.force_login(users["vdoc"])
    return client


def test_region_detail_shape(vdoc_client):
    r = vdoc_client.get("/api/v1/regions/990102001000")
    assert r.status_code == 200
    assert r.json() == {
        "code": "990102001000",
        "name": "东镇",
        "level": "township",
        "level_label": "乡镇（街道）",
        "parent_code": "990102000000",
        "population": 30000,
    }


@pytest.mark.parametrize(
    "code,level,parent",
    [
        ("990000000000", "province", None),
        ("990100000000", "city", "990000000000"),
        ("990102000000", "county", "990100000000"),
        ("990102001001", "village", "990102001000"),
    ],
)
def test_levels_are_keys(vdoc_client, code, level, parent):
    body = vdoc_client.get(f"/api/v1/regions/{code}").json()
    assert body["level"] == level and body["parent_code"] == parent


def test_any_authenticated_user_may_read_any_region(vdoc_client):
    # The village doctor reads a region in another county: regions are not personal data.
    r = vdoc_client.get("/api/v1/regions/990103001001")
    assert r.status_code == 200 and r.json()["name"] == "丁村"


@pytest.mark.parametrize("code", ["990102009000", "123", "abcdefabcdef", "990102001999"])
def test_unknown_region_is_404_in_chinese(vdoc_client, code):
    r = vdoc_client.get(f"/api/v1/regions/{code}")
    assert r.status_code == 404
    assert r.json() == {"detail": "区划不存在"}


def test_children_sorted(vdoc_client):
    r = vdoc_client.get("/api/v1/regions/990102000000/children")
    assert r.status_code == 200
    assert [(c["code"], c["name"], c["level"]) for c in r.json()] == [
        ("990102001000", "东镇", "township"),
        ("990102002000", "西镇", "township"),
    ]
    assert vdoc_client.get("/api/v1/regions/990102001001/children").json() == []
    assert vdoc_client.get("/api/v1/regions/990102009000/children").status_code == 404


def test_regions_need_authentication(client, tree):
    assert client.get("/api/v1/regions/990102000000").status_code == 401
