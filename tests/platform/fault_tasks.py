"""A task for the fault tests: the worker subprocess imports it by this path."""

from pathlib import Path

from django_tasks import task


@task()
def leave_a_mark(path: str) -> None:
    Path(path).write_text("ran")
