from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from jingfang.accounts import roles
from jingfang.audit.models import AuditEvent
from jingfang.regions.models import Region

pytestmark = pytest.mark.django_db

User = get_user_model()
GOOD_PASSWORD = "Qingshan#2026x"


@pytest.fixture
def township():
    province = Region.objects.create(code="990000000000", name="示范省", level=1)
    city = Region.objects.create(code="990100000000", name="示范市", level=2, parent=province)
    county = Region.objects.create(code="990102000000", name="示范县", level=3, parent=city)
    return Region.objects.create(code="990102001000", name="青山镇", level=4, parent=county)


def run(*args, **kwargs):
    out = StringIO()
    call_command("create_user", *args, stdout=out, **kwargs)
    return out.getvalue()


def test_creates_user(township):
    output = run(
        "zhangsan",
        role=roles.TOWNSHIP_DOCTOR,
        region=township.code,
        password=GOOD_PASSWORD,
        name="张三",
        phone="13800000000",
    )
    user = User.objects.get(username="zhangsan")
    assert user.role == roles.TOWNSHIP_DOCTOR
    assert user.region_id == township.code
    assert user.get_full_name() == "张三"
    assert user.phone == "13800000000"
    assert user.check_password(GOOD_PASSWORD)
    assert not user.is_staff and not user.is_superuser
    assert "已创建用户“zhangsan”" in output
    event = AuditEvent.objects.get(target="create_user:zhangsan")
    assert event.action == "admin"
    assert event.username == "console"
    assert event.detail == {"role": roles.TOWNSHIP_DOCTOR, "region": township.code}


def test_admin_role_is_staff_but_not_superuser(township):
    run("sysadmin", "--role", roles.ADMIN, "--region", township.code, "--password", GOOD_PASSWORD)
    user = User.objects.get(username="sysadmin")
    assert user.is_staff
    assert not user.is_superuser


def test_invalid_role_lists_valid_roles(township):
    with pytest.raises(CommandError) as excinfo:
        run("lisi", role="doctor", region=township.code, password=GOOD_PASSWORD)
    message = str(excinfo.value)
    assert "角色“doctor”无效" in message
    for role in roles.ROLES:
        assert role in message
    assert not User.objects.filter(username="lisi").exists()


def test_unknown_region(township):
    with pytest.raises(CommandError, match="区划“990102009000”不存在"):
        run("lisi", role=roles.POLICE, region="990102009000", password=GOOD_PASSWORD)
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("password", "expected"),
    [("Ab1!", "密码太短"), ("12345678", "只包含数字"), ("password", "太常见")],
)
def test_weak_password_is_refused_with_reasons(township, password, expected):
    with pytest.raises(CommandError) as excinfo:
        run("wangwu", role=roles.POLICE, region=township.code, password=password)
    assert "密码不符合要求" in str(excinfo.value)
    assert expected in str(excinfo.value)
    assert not User.objects.exists()
    assert not AuditEvent.objects.exists()


def test_password_similar_to_username_is_refused(township):
    with pytest.raises(CommandError, match="密码不符合要求"):
        run("qingshanpolice", role=roles.POLICE, region=township.code, password="qingshanpolice")


def test_duplicate_username(township):
    run("zhaoliu", role=roles.DPF, region=township.code, password=GOOD_PASSWORD)
    with pytest.raises(CommandError, match="用户名“zhaoliu”已存在"):
        run("zhaoliu", role=roles.JUDICIAL, region=township.code, password=GOOD_PASSWORD)
    assert User.objects.get(username="zhaoliu").role == roles.DPF
    assert AuditEvent.objects.filter(target="create_user:zhaoliu").count() == 1


def test_invalid_username(township):
    with pytest.raises(CommandError, match="用户名“bad name”无效"):
        run("bad name", role=roles.DPF, region=township.code, password=GOOD_PASSWORD)


def test_bad_phone(township):
    with pytest.raises(CommandError, match="联系电话"):
        run("sunqi", role=roles.DPF, region=township.code, password=GOOD_PASSWORD, phone="call me")


def test_missing_password_without_terminal(township, monkeypatch):
    monkeypatch.setattr("sys.stdin", StringIO(""))
    with pytest.raises(CommandError, match="--password"):
        run("zhouba", role=roles.DPF, region=township.code)
    assert not User.objects.exists()
