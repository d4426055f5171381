import pytest

from jingfang.imports import synthetic

VILLAGES = ["990102001001", "990102001002"]  # the first township's villages (conftest.tree)


@pytest.fixture(autouse=True)
def immediate_tasks(settings, tmp_path):
    """Jobs run at once, inside the test (the worker path has its own test in jobs/tests)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
    settings.VAR_DIR = tmp_path


@pytest.fixture
def ledger():
    """ledger(n, **overrides_for_first_row) -> xlsx bytes; ledger.rows(n) -> the row dicts."""

    def build(n=3, *, rows=None, headers=None, start=0):
        data = rows if rows is not None else synthetic.rows(n, VILLAGES, start=start)
        return synthetic.workbook(data, headers)

    build.rows = lambda n=3, start=0: synthetic.rows(n, VILLAGES, start=start)
    return build


def upload(data: bytes, name: str = "台账.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
