"""Reading a ledger workbook into registrations (registry.services_bulk.Registration), with every
cell that cannot be read reported by row and column. The registry then checks the registrations
themselves (``check_registrations``); ``problem_rows`` puts both kinds of problem in one list."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings

from jingfang.core import idnumber, uploads
from jingfang.regions import codes
from jingfang.regions.models import Region
from jingfang.registry.services import Registration

from . import columns as cols
from . import fastsheet

MISSING = "缺少必填的列：{names}。请使用导入模板，或把表头改为模板中的列名"


@dataclass
class Sheet:
    registrations: list = field(default_factory=list)
    problems: list = field(default_factory=list)  # (row, column header, message)
    headers: dict = field(default_factory=dict)  # registry field -> the header that supplied it
    ignored: list = field(default_factory=list)  # headers not recognised
    same_household: set = field(default_factory=set)  # rows whose household region is the residence's
    rows: int = 0


def limits() -> uploads.Limits:
    """Ledgers are bigger than the lists other uploads take: a county's ledger may hold 100,000 rows."""
    return uploads.limits(
        max_bytes=getattr(settings, "JINGFANG_IMPORT_MAX_BYTES", 40 * uploads.MB),
        max_unzipped=getattr(settings, "JINGFANG_IMPORT_MAX_UNZIPPED", 600 * uploads.MB),
        max_rows=getattr(settings, "JINGFANG_IMPORT_MAX_ROWS", 100_000),
        max_cols=60,
    )


class Villages:
    """The actor's villages by name, to read a ledger that names the village instead of coding it."""

    def __init__(self, actor):
        lo, hi = codes.code_range(actor.region_id)
        self.by_name: dict[str, list[str]] = {}
        rows = Region.objects.filter(level=codes.VILLAGE, code__gte=lo, code__lte=hi).values_list(
            "code", "name", "parent__name"
        )
        for code, name, township in rows:
            for key in {name, f"{township or ''}{name}"}:
                self.by_name.setdefault(cols.fold(key), []).append(code)

    def code_for(self, name: str) -> str:
        found = self.by_name.get(cols.fold(name), [])
        if not found:
            raise cols.CellError(f"您的辖区内没有名为“{name[:30]}”的村（社区）")
        if len(found) > 1:
            raise cols.CellError(f"您的辖区内有{len(found)}个名为“{name[:30]}”的村（社区），请填写区划代码")
        return found[0]


def read(data: bytes, actor, *, progress: Callable[[int], None] | None = None) -> Sheet:
    """The ledger's first visible sheet: header row (the first row naming at least two ledger columns;
    rows above it are titles), then one patient per non-blank row. Raises ``uploads.UploadRejected``
    for a file that cannot be read at all or lacks required columns."""
    lim = limits()
    uploads.check_xlsx(data, "ledger.xlsx", lim=lim)
    sheet = Sheet()
    villages: Villages | None = None
    found: dict[int, cols.Column] | None = None
    plan: list = []
    for row in fastsheet.rows(data, max_rows=lim.max_rows, max_cols=lim.max_cols, leading=5):
        if found is None:
            matched, unknown = cols.match_headers(row.cells)
            if len(matched) >= 2:
                found, sheet.ignored = matched, unknown
                _require_columns(found)
                sheet.headers = {c.key: c.header for c in found.values()}
                plan = _plan(found)
            elif row.number > 5:
                break
            continue
        if villages is None:
            villages = Villages(actor)
        sheet.rows += 1
        _read_row(row, plan, villages, sheet)
        if progress and not sheet.rows % 64:
            progress(sheet.rows)
    if progress and sheet.rows % 64:
        progress(sheet.rows)
    if found is None:
        raise uploads.UploadRejected("前5行中没有找到表头（姓名、身份证号等列名），请使用导入模板")
    return sheet


def _require_columns(found: dict) -> None:
    keys = {c.key for c in found.values()}
    missing = [c.header for c in cols.COLUMNS if c.required and c.key not in keys]
    if "region_code" not in keys and "region_name" not in keys:
        missing.append("现住址所在村（社区）区划代码或村（社区）名称")
    if missing:
        raise uploads.UploadRejected(MISSING.format(names="、".join(missing)))


GUARDIAN, EXTRA, DATA = 0, 1, 2
MEMO_KINDS = ("choice", "bool", "code")  # few distinct values, read the same way every time
MEMO_LIMIT = 5000


def _plan(found: dict) -> list[tuple]:
    """Per sheet column: (index, column, reader, where the value goes, its key there, memo or None)."""
    plan = []
    for i, column in found.items():
        if column.key.startswith("guardian."):
            where, key = GUARDIAN, column.key[9:]
        elif column.key in ("sex", "region_name"):
            where, key = EXTRA, column.key
        else:
            where, key = DATA, column.key
        memo = {} if column.kind in MEMO_KINDS else None
        plan.append((i, column, cols.READERS[column.kind], where, key, memo))
    return plan


def _read_row(row: uploads.Row, plan: list, villages: Villages, sheet: Sheet) -> None:
    data: dict = {}
    guardian: dict = {}
    extra: dict = {}
    cells, width = row.cells, len(row.cells)
    for i, column, reader, where, key, memo in plan:
        value = cells[i] if i < width else None
        if value is None and column.kind == "text":
            parsed = None
        elif memo is not None and type(value) is str and value in memo:
            parsed = memo[value]  # only text cells are remembered: 1, 1.0 and True are equal keys
        else:
            try:
                parsed = reader(value, column)
            except cols.CellError as exc:
                sheet.problems.append((row.number, column.header, str(exc)))
                continue
            if memo is not None and type(value) is str and len(memo) < MEMO_LIMIT:
                memo[value] = parsed
        if where == DATA:
            if parsed not in ("", None, False):
                data[key] = parsed
        elif where == GUARDIAN:
            guardian[key] = parsed
        else:
            extra[key] = parsed
    region_name = extra.get("region_name", "")
    if region_name:
        try:
            code = villages.code_for(region_name)
        except cols.CellError as exc:
            sheet.problems.append((row.number, cols.BY_KEY["region_name"].header, str(exc)))
        else:
            given = data.get("region_code")
            if given and given != code:
                sheet.problems.append((row.number, cols.BY_KEY["region_code"].header,
                                       f"区划代码与村（社区）名称“{region_name[:30]}”不符"))
            data["region_code"] = code
    if not data.get("household_region_code"):  # blank: the same as the residence
        sheet.same_household.add(row.number)
        if data.get("region_code"):
            data["household_region_code"] = data["region_code"]
    sex = extra.get("sex")
    derived = _sex_of(data["id_number"]) if sex and data.get("id_number") else None
    if derived is not None:
        if derived != sex:
            sheet.problems.append((row.number, cols.BY_KEY["sex"].header,
                                   f"性别与身份证号不符（身份证号显示为{'男' if derived == 'M' else '女'}）"))
    # A row with unreadable cells is still checked by the registry, so that all its problems are
    # reported at once (the import is refused anyway).
    sheet.registrations.append(Registration(line=row.number, data=data, guardian=guardian or None))


def _sex_of(number: str) -> str | None:
    """The sex a valid ID number shows; None for an invalid one (the registry reports it)."""
    try:
        return idnumber.parse(number)[2]
    except idnumber.InvalidIdNumber:
        return None


def header_for(sheet: Sheet, field_name: str) -> str:
    """The sheet's header for a registry field named in a problem."""
    key = field_name
    if key == "region_code" and "region_code" not in sheet.headers:
        key = "region_name"
    column = cols.BY_KEY.get(key)
    return sheet.headers.get(key) or (column.header if column else field_name)


REGION_HEADERS = {cols.BY_KEY["region_code"].header, cols.BY_KEY["region_name"].header}


def problem_rows(sheet: Sheet, registry_problems) -> list[tuple[int, str, str]]:
    """Both kinds of problem, by row then column order. A cell that could not be read is reported once
    (not again as "必填" by the registry, which never saw its value)."""
    out = list(sheet.problems)
    unread = {(row, header) for row, header, _ in sheet.problems}
    unread |= {(row, h) for row, header, _ in sheet.problems if header in REGION_HEADERS for h in REGION_HEADERS}
    for p in registry_problems:
        if p.field == "household_region_code" and p.line in sheet.same_household:
            continue  # a blank household region took the residence's: its problem is reported there
        header = header_for(sheet, p.field)
        if (p.line, header) not in unread:
            out.append((p.line, header, p.message))
    order = {c.header: i for i, c in enumerate(cols.COLUMNS)}
    return sorted(set(out), key=lambda p: (p[0], order.get(p[1], 99), p[2]))
