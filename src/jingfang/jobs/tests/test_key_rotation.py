"""Job files (uploaded ledgers, reports, exports) are sealed with the field keys: `jingfang rotate_keys`
seals them again under the new key with the identifier columns, so that the old key can be dropped at
once instead of leaving a week of files unreadable; --check counts them; a file under a key that is
not configured stops the rotation and nothing changes."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from conftest import TEST_FIELD_KEYS
from jingfang.core import crypto
from jingfang.jobs import services
from jingfang.jobs.models import Job, JobFile

pytestmark = pytest.mark.django_db
NEW = crypto.generate_key()


def _rotate(*args) -> str:
    out = io.StringIO()
    call_command("rotate_keys", *args, stdout=out)
    return out.getvalue()


def _key_of(pk) -> bytes:
    return bytes(JobFile.objects.get(pk=pk).data).split(b":")[1]


@pytest.fixture
def files(users):
    job = Job.objects.create(kind="export", owner=users["doctor"], region_code=users["doctor"].region_id, title="导出")
    return [services.attach(job, purpose, f"{purpose}.xlsx", "application/octet-stream", f"内容{purpose}".encode())
            for purpose in (JobFile.INPUT, JobFile.RESULT)]


def test_rotation_seals_job_files_again_under_the_new_key(files, settings):
    assert {_key_of(f.pk) for f in files} == {b"test1"}
    settings.JINGFANG_FIELD_KEYS = f"k2={NEW},{TEST_FIELD_KEYS}"
    out = io.StringIO()
    with pytest.raises(CommandError, match="仍使用旧密钥"):
        call_command("rotate_keys", "--check", stdout=out)
    assert "jobs.JobFile：需更新 2 个" in out.getvalue()
    out = _rotate()
    assert "jobs.JobFile：已更新 2 个" in out
    assert {_key_of(f.pk) for f in files} == {b"k2"}
    assert "jobs.JobFile：已更新 0 个" in _rotate()  # a second run changes nothing
    settings.JINGFANG_FIELD_KEYS = f"k2={NEW}"  # the old key dropped at once
    job = files[0].job
    assert services.file_bytes(job, JobFile.INPUT) == "内容input".encode()
    assert services.file_bytes(job, JobFile.RESULT) == "内容result".encode()


def test_a_job_file_under_a_missing_key_stops_the_rotation(files, settings):
    before = {f.pk: bytes(JobFile.objects.get(pk=f.pk).data) for f in files}
    settings.JINGFANG_FIELD_KEYS = f"k2={NEW}"  # test1 forgotten
    with pytest.raises(CommandError, match="未做任何修改"):
        _rotate()
    assert {f.pk: bytes(JobFile.objects.get(pk=f.pk).data) for f in files} == before
