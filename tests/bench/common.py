"""What every benchmark shares: its own database, a real server, and how figures are printed.

Benchmarks run against ``staffroom_bench`` on the project-local cluster (never the demo
database), migrated on first use. Each figure is printed next to a reference measured in the
same run, as a ratio, so results compare across machines.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# ``STAFFROOM_BENCH_DB`` names another (e.g. one per worktree, so parallel runs do not collide).
BENCH_DB = os.environ.get("STAFFROOM_BENCH_DB", "staffroom_bench")
_ready = False


def setup_django(database: str = BENCH_DB) -> None:
    """Point Django at the bench database (created and migrated if needed) and set it up."""
    global _ready
    if _ready:
        return
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    base_url = os.environ.get("DATABASE_URL")
    if not base_url:
        for line in (ROOT / "var" / "services.env").read_text().splitlines():
            if line.startswith("DATABASE_URL="):
                base_url = line.split("=", 1)[1].strip()
    parsed = urllib.parse.urlsplit(base_url)
    bench_url = urllib.parse.urlunsplit(parsed._replace(path=f"/{database}"))
    _create_database_if_missing(base_url, database)
    os.environ["DATABASE_URL"] = bench_url
    os.environ["BENCH_DATABASE_URL"] = bench_url
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    _ready = True


def admin_conninfo(url: str | None = None) -> str:
    """A psycopg connection string for ``url`` (default: the bench database)."""
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url or os.environ["BENCH_DATABASE_URL"])
    return psycopg.conninfo.make_conninfo(
        host=cfg["HOST"] or None,
        port=cfg["PORT"] or None,
        user=cfg["USER"] or None,
        password=cfg["PASSWORD"] or None,
        dbname=cfg["NAME"],
    )


def _create_database_if_missing(base_url: str, database: str) -> None:
    import psycopg

    conninfo = admin_conninfo(base_url)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')


def start_server(env: dict[str, str] | None = None, *, server: str = "uvicorn"):
    """A real ASGI server process on the bench database; call ``.stop()`` when done."""
    from tests.conftest import ServerProcess

    extra = {"DATABASE_URL": os.environ["BENCH_DATABASE_URL"], **(env or {})}
    return ServerProcess(extra, server=server)


def timed(function: Callable[[], object], repeat: int = 20, warmup: int = 3) -> list[float]:
    """Seconds per call, after a few warm-up calls."""
    for _ in range(warmup):
        function()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return samples


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def report(
    name: str,
    value: float,
    reference: float,
    *,
    unit: str = "ms",
    reference_name: str = "reference",
    higher_is_better: bool = False,
) -> None:
    """Print one figure and its ratio to the reference measured in the same run."""
    scale = 1000.0 if unit == "ms" else 1.0
    ratio = (value / reference) if reference else float("inf")
    better = "higher is better" if higher_is_better else "lower is better"
    print(
        f"{name}: {value * scale:.2f} {unit} vs {reference_name} {reference * scale:.2f} {unit}"
        f" → ratio {ratio:.2f} ({better})",
        flush=True,
    )


def scale_cohorts(members: int):
    """Cohorts an earlier run seeded with ``seed_scale`` at ``members`` members, newest first."""
    from django.db.models import Count, Q

    from mentoring.models import Cohort

    return (
        Cohort.objects.filter(name__startswith="Scale cohort")
        .annotate(n=Count("memberships", filter=Q(memberships__role="member")))
        .filter(n=members)
        .order_by("-pk")
    )
