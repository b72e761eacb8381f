"""Real Celery workers in tests: their processes."""

from pathlib import Path


def pool_children(pid: int) -> list[int]:
    """The prefork pool's processes of the worker `pid` (the ones that run the tasks)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children]
