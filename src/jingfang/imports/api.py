"""API: ledger import (``/api/v1/imports``). Upload answers 202 with the job; follow it at
``/api/v1/jobs/{id}`` (progress, result, report file)."""

from django.http import HttpResponse
from ninja import File, Form, Router, Status, UploadedFile

from jingfang.audit import log as audit
from jingfang.core import errors, xlsx
from jingfang.jobs.api import Detail, JobOut, job_data

from . import services, sheets

router = Router(tags=["台账导入"])


def _guard(request) -> None:
    if not services.may_import(request.user):
        audit.record_request(request, "import", outcome="denied", target="imports")
        raise errors.Forbidden("您的角色无权导入患者台账（仅可登记患者的角色可以导入）")


@router.post("/imports/patients", response={202: JobOut, 403: dict, 409: dict, 422: dict}, summary="上传患者台账导入")
def import_patients(request, file: File[UploadedFile] = None, mode: Form[str] = services.IMPORT):
    """multipart/form-data：file（.xlsx，格式见模板）、mode（import 校验并导入，存在错误行时全部不导入；
    check 仅校验）。返回后台任务（202），在 GET /api/v1/jobs/{id} 查看进度与结果，
    校验报告在 files 中。同一文件已导入过时409。"""
    _guard(request)  # before the body is judged: a role that may not import learns nothing more
    if file is None:
        raise errors.Invalid([errors.FieldError("file", "请选择要上传的台账文件（.xlsx）")])
    job = services.start_import(request.user, file, mode, request=request)
    return Status(202, job_data(job))


@router.get("/imports/patients/template", response={200: None, 403: Detail}, summary="下载患者台账导入模板")
def template(request) -> HttpResponse:
    _guard(request)
    return xlsx.xlsx_response(sheets.TEMPLATE_NAME, sheets.template())
