"""Starting a ledger import: the upload is checked (size, kind, zip bomb, entities: core.uploads)
and refused at once if this very file was imported before or is being imported now; then a
background job reads, checks and writes it (imports.jobs)."""

import hashlib

from django.db import transaction

from jingfang.accounts import roles
from jingfang.audit import log as audit
from jingfang.core import errors, uploads, xlsx
from jingfang.jobs import services as jobs
from jingfang.jobs.models import Job, JobFile

from . import ledger
from .models import ImportBatch

KIND = "import_patients"
CHECK, IMPORT = "check", "import"
MODES = {
    IMPORT: "校验并导入（存在错误行时全部不导入）",
    CHECK: "仅校验，不导入",
}


def may_import(user) -> bool:
    return user is not None and user.is_authenticated and roles.can(user.role, roles.CREATE_PATIENT)


def start_import(actor, upload, mode: str, *, request=None) -> Job:
    if not may_import(actor):
        audit.record(actor, "import", request=request, outcome="denied")
        raise errors.Forbidden("您的角色无权导入患者台账（仅可登记患者的角色可以导入）")
    if mode not in MODES:
        raise errors.Invalid([errors.FieldError("mode", "请选择导入方式")])
    lim = ledger.limits()
    try:
        data, name = uploads.read_bytes(upload, max_bytes=lim.max_bytes)
        uploads.check_xlsx(data, name, lim=lim)
    except uploads.UploadRejected as exc:
        audit.record(actor, "import", request=request, outcome="invalid", detail={"reason": "file"})
        raise errors.Invalid([errors.FieldError("file", str(exc))]) from None
    digest = hashlib.sha256(data).hexdigest()
    done = ImportBatch.objects.filter(sha256=digest).first()
    if done is not None:
        audit.record(actor, "import", request=request, outcome="conflict", detail={"reason": "already imported"})
        raise errors.Conflict([errors.FieldError("file", (
            f"这个文件已于{done.created_at:%Y-%m-%d %H:%M}导入过（新建{done.created_count}人），不会重复导入。"
            "如有新增患者，请在原表中增加行后另存为新文件上传：已登记的身份证号会自动跳过。"))])
    if Job.objects.filter(kind=KIND, status__in=Job.ACTIVE, params__sha256=digest).exists():
        raise errors.Conflict([errors.FieldError("file", "这个文件正在导入中，请在“我的任务”中查看进度")])
    name = name or "台账.xlsx"
    with transaction.atomic():  # the job (and its queued task) and its audit row together or not at all
        job = jobs.submit(
            KIND, owner=actor, title=f"{'校验' if mode == CHECK else '导入'}患者台账：{name}"[:200],
            params={"mode": mode, "sha256": digest, "filename": name[:200]},
            files=[(JobFile.INPUT, name, xlsx.XLSX_TYPE, data)],
        )
        audit.record(actor, "import", request=request, target=f"job:{job.pk}",
                     detail={"mode": mode, "bytes": len(data)})
    return job
