"""Loading the region tree from a CSV file (统计用区划代码 with resident populations).

The file has a header row naming the columns ``code,name,parent_code,population`` and optionally
``policy`` (the Chinese labels 区划代码,名称,上级代码,常住人口,政策配置 are accepted too, in any order).
It may be UTF-8 (with or without BOM) or GBK/GB18030. Every row is validated before anything is
written; one bad row means nothing is written and every bad row is reported as
``第N行：<字段>：<问题>`` where N is the physical line in the file (the header is line 1).

Loading is an upsert by code, so loading the same file twice changes nothing the second time.
A ``policy`` cell that is empty stores "" (inherit from the parent region); when the file has no
``policy`` column at all, existing regions keep their policy.
"""

import csv
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from . import codes
from .models import Region
from .signals import policies_changed, policy_problem

COLUMNS = ("code", "name", "parent_code", "population", "policy")
REQUIRED = COLUMNS[:4]
LABELS = dict(zip(COLUMNS, ("区划代码", "名称", "上级代码", "常住人口", "政策配置"), strict=True))
_HEADER_ALIASES = {**{c: c for c in COLUMNS}, **{label: key for key, label in LABELS.items()}}
_HEADER_ALIASES.update({"上级区划代码": "parent_code", "人口": "population", "政策": "policy"})

_FOLD = str.maketrans("０１２３４５６７８９，\u3000", "0123456789, ")
_PLAIN_INT = re.compile(r"^\d+$")
_GROUPED_INT = re.compile(r"^\d{1,3}([, ]\d{3})+$")
_POLICY = re.compile(r"^[A-Za-z0-9_-]+$")
MAX_POPULATION = 2_000_000_000
MAX_NAME = Region._meta.get_field("name").max_length
MAX_POLICY = Region._meta.get_field("policy").max_length
BATCH = 1000


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def summary(self) -> str:
        return (
            f"行政区划导入完成：共{self.total}行，新增{self.created}个，"
            f"更新{self.updated}个，未变化{self.unchanged}个。"
        )


@dataclass
class _Row:
    line: int
    code: str
    name: str
    parent_code: str
    population: int
    policy: str | None  # None: the file has no policy column


def _error(line: int, column: str, problem: str) -> str:
    return f"第{line}行：{LABELS.get(column, column)}：{problem}"


def _decode(data: bytes) -> str | None:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _read_text(source) -> str | None:
    """Text from a str (the CSV itself), bytes, a path (os.PathLike) or an open file."""
    if isinstance(source, os.PathLike):
        source = Path(source).read_bytes()
    elif hasattr(source, "read"):
        source = source.read()
    if isinstance(source, bytes | bytearray):
        return _decode(bytes(source))
    if isinstance(source, str):
        return source.removeprefix("\ufeff")
    raise TypeError("load_regions_csv expects CSV text, bytes, a path or a file object")


def _clean(cell: str) -> str:
    return cell.translate(_FOLD).strip()


def _parse_header(row: list[str], line: int, errors: list[str]) -> list[str] | None:
    names = [_clean(c).lstrip("\ufeff").lower() for c in row]
    while names and not names[-1]:
        names.pop()
    if names and re.fullmatch(r"\d{12}", names[0]):
        errors.append(f"第{line}行：表头：缺少表头，第一行应为 {','.join(REQUIRED)}[,policy]")
        return None
    keys = []
    for name in names:
        key = _HEADER_ALIASES.get(name)
        if key is None:
            errors.append(f"第{line}行：表头：无法识别的列“{name}”，应为 {','.join(REQUIRED)}[,policy]")
            return None
        if key in keys:
            errors.append(f"第{line}行：表头：列“{name}”重复")
            return None
        keys.append(key)
    missing = [LABELS[c] for c in REQUIRED if c not in keys]
    if missing:
        errors.append(f"第{line}行：表头：缺少列{'、'.join(missing)}，应为 {','.join(REQUIRED)}[,policy]")
        return None
    return keys


def _parse_population(raw: str) -> int | str:
    """The population as an int, or a problem description."""
    if raw == "":
        return 0
    if _PLAIN_INT.match(raw) or _GROUPED_INT.match(raw):
        value = int(raw.replace(",", "").replace(" ", ""))
        return value if value <= MAX_POPULATION else f"人口数“{raw}”过大"
    return f"应为非负整数，实际为“{raw}”"


def _parse_row(line: int, keys: list[str], row: list[str], errors: list[str]) -> _Row | None:
    if len(row) != len(keys) and not (len(row) > len(keys) and not any(c.strip() for c in row[len(keys) :])):
        errors.append(f"第{line}行：列数：应为{len(keys)}列，实际为{len(row)}列")
        return None
    cells = {key: _clean(row[i]) for i, key in enumerate(keys)}
    code, code_error = cells["code"], False
    try:
        codes.validate(code)
    except codes.InvalidCode as exc:
        errors.append(_error(line, "code", f"{exc}（“{code}”）"))
        code_error = True
    name = cells["name"]
    if not name:
        errors.append(_error(line, "name", "不能为空"))
    elif "\n" in name or "\r" in name:
        errors.append(_error(line, "name", "不能包含换行"))
    elif len(name) > MAX_NAME:
        errors.append(_error(line, "name", f"不能超过{MAX_NAME}个字"))
    population = _parse_population(cells["population"])
    if isinstance(population, str):
        errors.append(_error(line, "population", population))
    policy = cells.get("policy")
    if policy and (len(policy) > MAX_POLICY or not _POLICY.match(policy)):
        errors.append(
            _error(line, "policy", f"“{policy}”不是有效的政策配置名（只能含字母、数字、连字符、下划线）")
        )
    elif policy:
        problem = policy_problem(policy)
        if problem:
            errors.append(_error(line, "policy", problem))
    if code_error:
        return None
    # A row with other errors is kept so that duplicates and parents still resolve.
    return _Row(
        line, code, name, cells["parent_code"], population if isinstance(population, int) else 0, policy
    )


def _parent_problem(row: _Row, known: set[str]) -> str | None:
    """What is wrong with the row's parent code, given the codes known to exist."""
    level = codes.level_of(row.code)
    parent = row.parent_code
    if level == codes.PROVINCE:
        return f"省级区划不应填写上级代码（“{parent}”）" if parent else None
    if not parent:
        return f"{codes.LEVEL_NAMES[level]}级区划必须填写上级代码"
    try:
        codes.validate(parent)
    except codes.InvalidCode as exc:
        return f"{exc}（“{parent}”）"
    want = codes.expected_parent_level(level)
    got = codes.level_of(parent)
    if got != want:
        return (
            f"上级区划“{parent}”是{codes.LEVEL_NAMES[got]}级，"
            f"{codes.LEVEL_NAMES[level]}级区划的上级应为{codes.LEVEL_NAMES[want]}级"
        )
    if not codes.is_within(row.code, parent):
        return f"区划代码“{row.code}”不在上级区划“{parent}”的代码范围内"
    if parent not in known:
        return f"上级区划“{parent}”不存在（文件和系统中均未找到）"
    return None


def _parse(text: str, errors: list[str]) -> list[_Row]:
    reader = csv.reader(io.StringIO(text, newline=""))
    keys: list[str] | None = None
    rows: list[_Row] = []
    last_line = 0
    try:
        for raw in reader:
            line, last_line = last_line + 1, reader.line_num
            if not any(cell.strip() for cell in raw):
                continue
            if keys is None:
                keys = _parse_header(raw, line, errors)
                if keys is None:
                    return []
                continue
            row = _parse_row(line, keys, raw, errors)
            if row is not None:
                rows.append(row)
    except csv.Error as exc:
        errors.append(f"第{last_line + 1}行：文件：CSV格式错误（{exc}）")
        return []
    if keys is None:
        errors.append(f"第1行：表头：文件为空，第一行应为 {','.join(REQUIRED)}[,policy]")
    return rows


def _validate_tree(rows: list[_Row], errors: list[str]) -> list[_Row]:
    first_line: dict[str, int] = {}
    unique: list[_Row] = []
    for row in rows:
        if row.code in first_line:
            errors.append(_error(row.line, "code", f"“{row.code}”与第{first_line[row.code]}行重复"))
        else:
            first_line[row.code] = row.line
            unique.append(row)
    outside = {r.parent_code for r in unique if r.parent_code and r.parent_code not in first_line}
    known = set(first_line) | set(Region.objects.filter(code__in=outside).values_list("code", flat=True))
    for row in unique:
        problem = _parent_problem(row, known)
        if problem:
            errors.append(_error(row.line, "parent_code", problem))
    return unique


def _upsert(rows: list[_Row], report: LoadReport, dry_run: bool) -> None:
    existing = Region.objects.in_bulk([r.code for r in rows])
    to_create: list[Region] = []
    to_update: list[Region] = []
    changed_fields: set[str] = set()
    repoliced: list[str] = []
    for row in sorted(rows, key=lambda r: (codes.level_of(r.code), r.code)):
        values = {
            "name": row.name,
            "level": codes.level_of(row.code),
            "parent_id": row.parent_code or None,
            "population": row.population,
        }
        if row.policy is not None:
            values["policy"] = row.policy
        region = existing.get(row.code)
        if region is None:
            to_create.append(Region(code=row.code, **values))
            continue
        changed = [k for k, v in values.items() if getattr(region, k) != v]
        if "policy" in changed:
            repoliced.append(row.code)
        if changed:
            for key in changed:
                setattr(region, key, values[key])
            changed_fields.update(changed)
            to_update.append(region)
        else:
            report.unchanged += 1
    report.created, report.updated = len(to_create), len(to_update)
    if dry_run:
        return
    Region.objects.bulk_create(to_create, batch_size=BATCH)
    if to_update:
        fields = sorted("parent" if f == "parent_id" else f for f in changed_fields)
        Region.objects.bulk_update(to_update, fields, batch_size=BATCH)
    if repoliced:
        transaction.on_commit(lambda: policies_changed.send(sender=Region, codes=repoliced))


def load_regions_csv(source, *, dry_run: bool = False) -> LoadReport:
    """Validate and load a region CSV; see the module docstring.

    ``source`` is the CSV text (str), its raw bytes, a path (pathlib.Path) or an open file.
    With errors, the report lists them and nothing is written. ``dry_run`` validates and counts
    without writing.
    """
    report = LoadReport()
    text = _read_text(source)
    if text is None:
        report.errors.append("文件：无法识别文件编码，请以UTF-8或GBK编码保存")
        return report
    with transaction.atomic():
        rows = _parse(text, report.errors)
        rows = _validate_tree(rows, report.errors)
        if report.errors:
            report.errors.sort(key=lambda message: int(re.match(r"第(\d+)行", message).group(1)))
            return report
        _upsert(rows, report, dry_run)
    return report
