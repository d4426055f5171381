"""The one django-tasks task: run a Job. Enqueued by ``services.submit``; executed by the worker
(`jingfang worker`, django-tasks-db's database backend) or, with the immediate backend, at once."""

from django_tasks import TaskContext, task

from . import runner


@task(takes_context=True)
def run_job(context: TaskContext, job_id: int) -> dict:
    return runner.execute(job_id, task_id=str(context.task_result.id))
