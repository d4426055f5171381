"""Reading a ledger workbook into registrations (registry.services_bulk.Registration), with every
cell that cannot be read reported by row and column. The registry then checks the registrations
themselves (``check_registrations``); ``problem_rows`` puts both kinds of problem in one list.

``reading(data, actor)`` reads the sheet in a child process and hands the registrations over a part
at a time, so that the job checks (and writes) one part while the next is being read: reading the
sheet XML is pure Python, as long as the checking, and the two then share the machine's cores
instead of taking turns on one. ``read`` does the same in this process, all at once.
"""

import logging
import multiprocessing
import os
import signal
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connections

from jingfang.core import idnumber, uploads
from jingfang.regions import codes
from jingfang.regions.models import Region
from jingfang.registry.services_bulk import Registration

from . import columns as cols
from . import fastsheet

log = logging.getLogger(__name__)
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
        self.region_code = actor.region_id
        self._by_name: dict[str, list[str]] | None = None  # read when first needed (or by load())

    def load(self) -> "Villages":
        lo, hi = codes.code_range(self.region_code)
        by_name: dict[str, list[str]] = {}
        rows = Region.objects.filter(level=codes.VILLAGE, code__gte=lo, code__lte=hi).values_list(
            "code", "name", "parent__name"
        )
        for code, name, township in rows:
            for key in {name, f"{township or ''}{name}"}:
                by_name.setdefault(cols.fold(key), []).append(code)
        self._by_name = by_name
        return self

    def code_for(self, name: str) -> str:
        if self._by_name is None:
            self.load()
        found = self._by_name.get(cols.fold(name), [])
        if not found:
            raise cols.CellError(f"您的辖区内没有名为“{name[:30]}”的村（社区）")
        if len(found) > 1:
            raise cols.CellError(f"您的辖区内有{len(found)}个名为“{name[:30]}”的村（社区），请填写区划代码")
        return found[0]


PART = 1000  # registrations handed over at a time by reading()


def read(data: bytes, actor, *, progress: Callable[[int], None] | None = None) -> Sheet:
    """The whole ledger, read in this process: see ``_parts`` for what is read."""
    lim = limits()
    uploads.check_xlsx(data, "ledger.xlsx", lim=lim)
    sheet = Sheet()
    for part in _parts(data, Villages(actor), sheet, lim, PART):
        sheet.registrations += part
        if progress:
            progress(sheet.rows)
    return sheet


def _parts(data: bytes, villages: Villages, sheet: Sheet, lim: uploads.Limits, size: int,
           on_count: Callable[[int], None] | None = None) -> Iterator[list]:
    """The ledger's first visible sheet: header row (the first row naming at least two ledger columns;
    rows above it are titles), then one patient per non-blank row, yielded ``size`` registrations at a
    time while ``sheet`` collects the rest (problems, headers, row count). Raises
    ``uploads.UploadRejected`` for a file that cannot be read at all or lacks required columns.
    ``on_count``: told the sheet's row count (titles and header included) before the first row."""
    found: dict[int, cols.Column] | None = None
    plan: list = []
    part: list = []
    for row in fastsheet.rows(data, max_rows=lim.max_rows, max_cols=lim.max_cols, leading=5, on_count=on_count):
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
        sheet.rows += 1
        part.append(_read_row(row, plan, villages, sheet))
        if len(part) >= size:
            yield part
            part = []
    if found is None:
        raise uploads.UploadRejected("前5行中没有找到表头（姓名、身份证号等列名），请使用导入模板")
    if part:
        yield part


class ReaderFailed(RuntimeError):
    """The child process reading the ledger died or failed unexpectedly (not the file's fault)."""


@contextmanager
def reading(data: bytes, actor, *, size: int | None = None):
    """``with reading(data, actor) as r: for part in r: ...``: the ledger read in a child process
    (forked: it inherits the data and the actor's villages, read here first, and never touches the
    database), ``size`` registrations at a time; ``r.sheet`` holds the problems, headers and row count
    read so far, and everything once the parts are exhausted. Where no child process can be started
    (``JINGFANG_IMPORT_READ_PROCESS`` off, or no fork on this platform) it reads in this process, part
    by part all the same. ``r.expected``: about how many data rows the sheet has (for a progress bar:
    the size the sheet declares, else the rows its first pass counted as soon as it has), or None.
    Leaving the block stops the child."""
    lim = limits()
    uploads.check_xlsx(data, "ledger.xlsx", lim=lim)
    villages = Villages(actor).load()
    size = size or PART
    reader = _ChildReader(data, villages, lim, size) if _use_child() else None
    if reader is None or not reader.start():
        reader = _LocalReader(data, villages, lim, size)
    reader.count(fastsheet.last_row(data))  # declared by Excel and WPS; else counted by the first pass
    try:
        yield reader
    finally:
        reader.close()


def _use_child() -> bool:
    return bool(getattr(settings, "JINGFANG_IMPORT_READ_PROCESS", True)) and (
        "fork" in multiprocessing.get_all_start_methods())


class _Expected:
    expected: int | None = None
    _max_rows = 0

    def count(self, rows: int | None) -> None:
        """Rows of the sheet, header included (the first estimate wins: the declared size comes first)."""
        if self.expected is None and rows and rows > 1:
            self.expected = min(rows - 1, self._max_rows) if self._max_rows else rows - 1


class _LocalReader(_Expected):
    def __init__(self, data, villages, lim, size):
        self.sheet = Sheet()
        self._max_rows = lim.max_rows
        self._parts = _parts(data, villages, self.sheet, lim, size, on_count=self.count)

    def __iter__(self) -> Iterator[list]:
        return self._parts

    def close(self) -> None:
        self._parts.close()


class _ChildReader(_Expected):
    """The parent's side: parts arrive over a pipe as plain tuples (cheaper to pickle than dataclasses)
    with the problems and same-household rows found since the previous part."""

    def __init__(self, data, villages, lim, size):
        self.sheet = Sheet()
        self._max_rows = lim.max_rows
        self._args = (data, villages, lim, size)
        self._process = self._pipe = None

    def start(self) -> bool:
        context = multiprocessing.get_context("fork")
        receive, send = context.Pipe(duplex=False)
        inherited = [receive.fileno(), *_database_sockets()]
        try:
            process = context.Process(target=_child, args=(send, inherited, os.getpid(), *self._args), daemon=True,
                                      name="ledger-reader")
            process.start()
        except (OSError, AssertionError):  # AssertionError: a daemonic process may not have children
            log.warning("ledger: no reader process could be started; reading in this process", exc_info=True)
            receive.close()
            return False
        finally:
            send.close()
        self._process, self._pipe, self._args = process, receive, None
        return True

    def __iter__(self) -> Iterator[list]:
        sheet = self.sheet
        while True:
            try:
                message = self._pipe.recv()
            except EOFError:
                raise ReaderFailed("读取文件的子进程意外退出") from None
            kind = message[0]
            if kind == "count":
                self.count(message[1])
            elif kind == "part":
                _, rows, problems, same, count = message
                sheet.problems += problems
                sheet.same_household.update(same)
                sheet.rows = count
                yield [Registration(line, data, guardian) for line, data, guardian in rows]
            elif kind == "end":
                _, problems, same, sheet.headers, sheet.ignored, sheet.rows = message
                sheet.problems += problems
                sheet.same_household.update(same)
                return
            elif kind == "rejected":
                raise uploads.UploadRejected(message[1])
            else:  # the traceback goes to the log, not to the uploader
                log.error("ledger reader process failed:\n%s", message[1])
                raise ReaderFailed("读取文件的子进程出错")

    def close(self) -> None:
        if self._pipe is not None:
            self._pipe.close()
        if self._process is not None:
            if self._process.is_alive():
                self._process.terminate()
            self._process.join(5)
            if not self._process.is_alive():
                self._process.close()


def _database_sockets() -> list[int]:
    """The file descriptors of this process's open database connections."""
    found = []
    for conn in connections.all(initialized_only=True):
        driver = conn.connection
        fileno = getattr(driver, "fileno", None)  # psycopg; sqlite3 has none (and no server to fool)
        if driver is not None and fileno is not None:
            try:
                found.append(fileno())
            except Exception:  # noqa: BLE001 - a broken connection has no socket to worry about
                pass
    return found


def _let_go(inherited: list[int], parent: int) -> None:
    """First thing in the child: close (at the OS level only: the server must not be told anything)
    its copies of the parent's database sockets and of the pipe's reading end. Otherwise a parent
    killed mid-import would leave its transaction open, locks held, for as long as the child lived,
    and the child, still holding a reader of its own pipe, would wait for ever to send. Then ask to
    be killed with the parent (Linux)."""
    for fd in inherited:
        try:
            os.close(fd)
        except OSError:
            pass
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before that: nobody to read for
        os._exit(0)


def _child(pipe, inherited, parent, data, villages, lim, size) -> None:
    """The reader process: sends ("part", rows, problems, same-household lines, rows so far) per part,
    then ("end", ...), or ("rejected", message) for the uploader's file, ("crash", traceback) otherwise."""
    _let_go(inherited, parent)
    sheet = Sheet()
    try:
        for part in _parts(data, villages, sheet, lim, size, on_count=lambda n: pipe.send(("count", n))):
            pipe.send(("part", [(r.line, r.data, r.guardian) for r in part], sheet.problems,
                       list(sheet.same_household), sheet.rows))
            sheet.problems, sheet.same_household = [], set()
        pipe.send(("end", sheet.problems, list(sheet.same_household), sheet.headers, sheet.ignored, sheet.rows))
    except uploads.UploadRejected as exc:
        _tell(pipe, ("rejected", str(exc)))
    except BrokenPipeError:
        pass  # the parent stopped listening (it failed or was killed): nothing to tell
    except Exception:  # noqa: BLE001 - reported to the parent, which fails the job with it
        _tell(pipe, ("crash", traceback.format_exc(limit=5)))
    finally:
        pipe.close()


def _tell(pipe, message) -> None:
    try:
        pipe.send(message)
    except OSError:  # the parent is gone: nobody to tell
        pass


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


def _read_row(row: uploads.Row, plan: list, villages: Villages, sheet: Sheet) -> Registration:
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
    return Registration(line=row.number, data=data, guardian=guardian or None)


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
