import pytest

from jingfang.jobs import kinds

for name, rerunnable in (("count", False), ("fail", False), ("crash", True), ("write_then_crash", True)):
    kinds.register(name, f"测试：{name}", f"jingfang.jobs.tests.handlers.{name}", rerunnable=rerunnable)

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture(autouse=True)
def _var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path


@pytest.fixture
def immediate(settings):
    settings.TASKS = IMMEDIATE


@pytest.fixture
def database_backend(settings):
    settings.TASKS = DATABASE
