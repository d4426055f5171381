from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import TestCase

from jingfang.audit.models import AuditEvent
from jingfang.core import clock
from jingfang.demo.regions import SAMPLE_CSV
from jingfang.regions.loading import load_regions_csv
from jingfang.regions.models import Region

pytestmark = pytest.mark.django_db

HEADER = "code,name,parent_code,population,policy\n"
TOP = (
    "990000000000,示范省,,0,\n"
    "990100000000,示范市,990000000000,0,\n"
    "990102000000,示范县,990100000000,0,\n"
    "990102001000,青山镇,990102000000,31420,\n"
)


def sample_text() -> str:
    return SAMPLE_CSV.read_text(encoding="utf-8")


def test_sample_file_loads_and_builds_the_tree():
    report = load_regions_csv(SAMPLE_CSV)
    assert report.ok, report.errors
    assert (report.created, report.updated, report.unchanged) == (31, 0, 0)
    assert Region.objects.count() == 31
    village = Region.objects.get(code="990102001002")
    assert village.name == "东坡村"
    assert village.level == 5
    assert village.parent_id == "990102001000"
    assert village.population == 5480
    assert Region.objects.get(code="990000000000").parent_id is None


def test_loading_twice_changes_nothing():
    load_regions_csv(sample_text())
    second = load_regions_csv(sample_text())
    assert (second.created, second.updated, second.unchanged) == (0, 0, 31)


def test_changed_rows_are_updated():
    load_regions_csv(sample_text())
    text = sample_text().replace(
        "990102001002,东坡村,990102001000,5480,", "990102001002,东坡社区,990102001000,5500,"
    )
    report = load_regions_csv(text)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 30)
    village = Region.objects.get(code="990102001002")
    assert (village.name, village.population) == ("东坡社区", 5500)


def test_gbk_file(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes(sample_text().encode("gbk"))
    out = StringIO()
    call_command("load_regions", str(path), stdout=out)
    assert Region.objects.get(code="990102004006").name == "柳湾社区"
    assert "新增31个" in out.getvalue()


def test_utf8_bom_file(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(sample_text().encode("utf-8-sig"))
    call_command("load_regions", str(path), stdout=StringIO())
    assert Region.objects.count() == 31
    assert Region.objects.get(code="990000000000").name == "示范省"


def test_command_prints_counts_and_is_audited(tmp_path):
    path = tmp_path / "regions.csv"
    path.write_text(sample_text(), encoding="utf-8")
    out = StringIO()
    call_command("load_regions", str(path), stdout=out)
    call_command("load_regions", str(path), stdout=out)
    assert "新增0个，更新0个，未变化31个" in out.getvalue()
    event = AuditEvent.objects.filter(action="import").first()
    assert event.target == "load_regions:regions.csv"
    assert event.username == "console"


def test_child_before_parent():
    lines = sample_text().splitlines()
    text = "\n".join([lines[0], *reversed(lines[1:])]) + "\n"
    report = load_regions_csv(text)
    assert report.ok, report.errors
    assert Region.objects.count() == 31


def test_parent_already_in_database():
    load_regions_csv(HEADER + TOP)
    report = load_regions_csv(HEADER + "990102001009,新村,990102001000,1200,\n")
    assert report.ok, report.errors
    assert Region.objects.get(code="990102001009").parent_id == "990102001000"


def test_bad_code_on_line_3_and_nothing_written():
    text = HEADER + "990000000000,示范省,,0,\n" + "99010000000,示范市,990000000000,0,\n"
    report = load_regions_csv(text)
    assert report.errors == ["第3行：区划代码：区划代码应为12位数字（“99010000000”）"]
    assert Region.objects.count() == 0


def test_every_bad_row_is_reported_and_the_command_fails(tmp_path):
    text = (
        HEADER
        + TOP
        + "990102001001,东坡村,990102000000,100,\n"  # parent one level too high
        + "990102002001,河西村,990102001000,100,\n"  # outside the parent's range
        + "990102001003,三河村,990102001000,-5,\n"
        + "990102001004,,990102001000,10,\n"
        + "990102001005,杏花村,990102001099,10,\n"  # parent code is a village
        + "990102005001,龙泉村,990102005000,10,\n"  # parent missing
        + "990102001007,石门村,990102001000,10,bad policy!\n"
    )
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError) as excinfo:
        call_command("load_regions", str(path), stdout=StringIO())
    message = str(excinfo.value)
    assert Region.objects.count() == 0
    report = load_regions_csv(text)
    assert [e.split("：")[0:2] for e in report.errors] == [
        ["第6行", "上级代码"],
        ["第7行", "上级代码"],
        ["第8行", "常住人口"],
        ["第9行", "名称"],
        ["第10行", "上级代码"],
        ["第11行", "上级代码"],
        ["第12行", "政策配置"],
    ]
    for error in report.errors:
        assert error in message
    assert "县（区）级" in report.errors[0] and "乡镇（街道）级" in report.errors[0]
    assert "代码范围" in report.errors[1]
    assert "不存在" in report.errors[5]


def test_province_rules():
    report = load_regions_csv(HEADER + "990000000000,示范省,980000000000,0,\n990100000000,示范市,,0,\n")
    assert report.errors[0].startswith("第2行：上级代码：省级区划不应填写上级代码")
    assert report.errors[1].startswith("第3行：上级代码：")
    assert "必须填写上级代码" in report.errors[1]


def test_duplicate_codes():
    report = load_regions_csv(HEADER + TOP + "990102001000,青山乡,990102000000,1,\n")
    assert report.errors == ["第6行：区划代码：“990102001000”与第5行重复"]
    assert Region.objects.count() == 0


def test_population_forms():
    text = (
        HEADER
        + TOP
        + '990102001001,甲村,990102001000,"1,234",\n'
        + "990102001002,乙村,990102001000,１２３４,\n"
        + "990102001003,丙村,990102001000,,\n"
        + '990102001004,丁村,990102001000,"５，６７８",\n'
    )
    report = load_regions_csv(text)
    assert report.ok, report.errors
    populations = dict(Region.objects.filter(level=5).values_list("code", "population"))
    assert populations == {
        "990102001001": 1234,
        "990102001002": 1234,
        "990102001003": 0,
        "990102001004": 5678,
    }


@pytest.mark.parametrize("value", ["abc", "1.5", "12,34", "-1"])
def test_bad_population(value):
    report = load_regions_csv(HEADER + f'990000000000,示范省,,"{value}",\n')
    assert len(report.errors) == 1
    assert report.errors[0].startswith("第2行：常住人口：")


def test_policy_stored_and_empty_means_inherit():
    load_regions_csv(HEADER + "990000000000,示范省,,0,national-2018\n990100000000,示范市,990000000000,0,\n")
    assert Region.objects.get(code="990000000000").policy == "national-2018"
    assert Region.objects.get(code="990100000000").policy == ""
    report = load_regions_csv(HEADER + "990000000000,示范省,,0,\n")
    assert report.updated == 1
    assert Region.objects.get(code="990000000000").policy == ""


def test_without_policy_column_existing_policy_is_kept():
    load_regions_csv(HEADER + "990000000000,示范省,,0,xuecheng-2016\n")
    report = load_regions_csv("code,name,parent_code,population\n990000000000,示范省,,0\n")
    assert (report.updated, report.unchanged) == (0, 1)
    assert Region.objects.get(code="990000000000").policy == "xuecheng-2016"


def test_chinese_header_in_another_order():
    report = load_regions_csv("名称,区划代码,常住人口,上级代码\n示范省,990000000000,100,\n")
    assert report.ok, report.errors
    assert Region.objects.get(code="990000000000").population == 100


def test_missing_header():
    report = load_regions_csv("990000000000,示范省,,0,\n")
    assert len(report.errors) == 1
    assert report.errors[0].startswith("第1行：表头：缺少表头")
    assert Region.objects.count() == 0


def test_header_missing_a_column():
    report = load_regions_csv("code,name,population\n990000000000,示范省,0\n")
    assert report.errors[0].startswith("第1行：表头：缺少列上级代码")


def test_unknown_header_column():
    report = load_regions_csv("code,name,parent_code,population,colour\n")
    assert report.errors[0].startswith("第1行：表头：无法识别的列“colour”")


def test_empty_file():
    report = load_regions_csv(b"")
    assert report.errors and report.errors[0].startswith("第1行：表头：")


def test_wrong_column_count():
    text = HEADER + "990000000000,示范省,,0,,extra\n990100000000,示范市,990000000000\n"
    report = load_regions_csv(text)
    assert report.errors == [
        "第2行：列数：应为5列，实际为6列",
        "第3行：列数：应为5列，实际为3列",
    ]


def test_trailing_empty_cells_are_tolerated():
    report = load_regions_csv(HEADER + "990000000000,示范省,,0,,,\n")
    assert report.ok, report.errors


def test_line_numbers_are_physical_lines():
    text = HEADER + "\n" + '990000000000,"示范\n省",,0,\n' + "990100000000,示范市,990000000000,x,\n"
    report = load_regions_csv(text)
    assert report.errors == [
        "第3行：名称：不能包含换行",
        "第5行：常住人口：应为非负整数，实际为“x”",
    ]


def test_undecodable_file():
    report = load_regions_csv(b"code,name\n\xff\xfe\xff")
    assert report.errors == ["文件：无法识别文件编码，请以UTF-8或GBK编码保存"]


def test_dry_run_writes_nothing(tmp_path):
    path = tmp_path / "regions.csv"
    path.write_text(sample_text(), encoding="utf-8")
    out = StringIO()
    call_command("load_regions", str(path), "--dry-run", stdout=out)
    assert Region.objects.count() == 0
    assert "将新增31个" in out.getvalue()


def test_missing_file(tmp_path):
    with pytest.raises(CommandError, match="无法读取文件"):
        call_command("load_regions", str(tmp_path / "nope.csv"))


def test_unknown_policy_profile_is_refused_with_the_line():
    report = load_regions_csv(HEADER + "990000000000,示范省,,0,no-such-county-2030\n")
    assert not report.ok and Region.objects.count() == 0
    assert report.errors[0].startswith("第2行：政策配置：“no-such-county-2030”不存在")


def test_changing_a_policy_recomputes_the_schedules_below(users, make_patient):
    """A township switching to Zhongliang's rules (中梁乡2022: stable monthly) moves its patients' next dates."""

    from jingfang.followups import services

    patient = make_patient("990102001001")
    Region.objects.filter(code="990102001000").update(policy="")
    services.record_followup(users["doctor"], patient, {
        "date": clock.today().isoformat(), "mode": "home_visit", "seen": "on", "risk_level": 0, "insight": "full",
        "social_function": "good", "adherence": "regular", "adverse_reaction": "none", "physical_illness": "none",
    })
    patient.refresh_from_db()
    national = patient.next_due_date
    with TestCase.captureOnCommitCallbacks(execute=True):
        load_regions_csv(HEADER + "990102001000,东镇,990102000000,30000,zhongliang-2022\n")
    patient.refresh_from_db()
    assert patient.next_due_date < national  # monthly instead of every 3 months
