"""Threads under load.

1. A thread of 300 posts rendered (selector + template; and the whole page request in-process,
   read recording included) against the raw SQL that fetches the same rows, as a ratio.
2. Posting and reading over loopback by 50 concurrent API clients against a real uvicorn
   server: throughput and p95, against ``GET /healthz`` under the same load in the same run.

Every loop is bounded and every connection goes to 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import time

from tests.bench.common import median, percentile, report, setup_django, timed

POSTS_IN_THREAD = 300
CLIENTS = 50
REQUESTS_PER_CLIENT = 12  # half posts, half reads
LOAD_THREADS = 10

RAW_THREAD_SQL = """
SELECT p.id, p.reply_to_id, p.author_id, p.body_html, p.anonymous, p.created_at,
       p.editable_until, p.edited_at, p.retracted_at, p.hidden_at, p.hidden_reason,
       u.username, u.display_name, u.first_name, u.last_name
FROM mentoring_post p JOIN mentoring_user u ON u.id = p.author_id
WHERE p.thread_id = %s
ORDER BY p.created_at, p.id
"""


def _people(prefix: str, count: int):
    from mentoring.models import User

    users = []
    for i in range(count):
        user, _ = User.objects.get_or_create(
            username=f"{prefix}{i}", defaults={"display_name": f"Bench {prefix} {i}"}
        )
        users.append(user)
    return users


def _bench_cohort():
    """A fresh cohort (its name carries the time) with one tutor and CLIENTS members."""
    from mentoring.cohorts.services import add_membership, create_cohort
    from mentoring.models import Membership

    tutor = _people("bench_tutor", 1)[0]
    members = _people("bench_member", CLIENTS)
    cohort = create_cohort(name=f"Bench threads {time.time():.0f}", tutors=[tutor])
    for member in members:
        add_membership(cohort=cohort, user=member, role=Membership.Role.MEMBER)
    return cohort, tutor, members


def _long_thread(cohort, members):
    from mentoring.boards import posts
    from mentoring.models import Board

    board = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
    thread = posts.create_thread(
        board=board, author=members[0], title="A long thread", body="Where do we start? #bench"
    )
    first = thread.posts.get()
    for i in range(POSTS_IN_THREAD - 1):
        posts.create_post(
            thread=thread,
            author=members[i % len(members)],
            body=f"Post {i}: **seating plans**, [a link](https://example.org/{i}) and #tag{i % 7}",
            reply_to=first if i % 4 == 0 else None,
        )
    return thread


def _render_figures(thread, reader) -> None:
    from django.db import connection
    from django.template.loader import render_to_string
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from mentoring.boards.selectors import thread_page

    def raw_sql():
        with connection.cursor() as cursor:
            cursor.execute(RAW_THREAD_SQL, [thread.pk])
            return cursor.fetchall()

    def selector_and_template():
        page = thread_page(user=reader, thread_id=thread.pk)
        return render_to_string(
            "mentoring/thread.html",
            {
                "page": page,
                "thread": page.thread,
                "cohort": page.thread.cohort,
                "form": None,
                "fragment_url": "/",
            },
        )

    client = Client()
    client.force_login(reader)

    def whole_request():
        response = client.get(f"/threads/{thread.pk}/")
        assert response.status_code == 200
        return response

    assert len(raw_sql()) == POSTS_IN_THREAD
    reference = median(timed(raw_sql, repeat=30))
    render = median(timed(selector_and_template, repeat=15))
    request = median(timed(whole_request, repeat=15))
    with CaptureQueriesContext(connection) as queries:
        whole_request()
    report(
        f"thread of {POSTS_IN_THREAD} posts, selector + template (median)",
        render,
        reference,
        reference_name="raw SQL for the same rows",
    )
    report(
        f"thread of {POSTS_IN_THREAD} posts, whole page request in-process with its "
        f"{len(queries)} queries (median)",
        request,
        reference,
        reference_name="raw SQL for the same rows",
    )


async def _load(url: str, plan: list[tuple[str, str, dict | None]], tokens: list[str]):
    """Run each client's requests in sequence, all clients at once; returns (seconds,
    {method: latencies}, failures)."""
    import httpx

    latencies: dict[str, list[float]] = {"GET": [], "POST": []}
    failures = 0
    limits = httpx.Limits(max_connections=CLIENTS + 10, max_keepalive_connections=CLIENTS + 10)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as http:

        async def client(token: str, index: int) -> None:
            nonlocal failures
            headers = {"Authorization": f"Bearer {token}"}
            for n in range(REQUESTS_PER_CLIENT):
                method, path, body = plan[(index + n) % len(plan)]
                started = time.perf_counter()
                if method == "POST":
                    response = await http.post(path, json=body, headers=headers)
                else:
                    response = await http.get(path, headers=headers)
                latencies[method].append(time.perf_counter() - started)
                if response.status_code >= 400:
                    failures += 1

        started = time.perf_counter()
        await asyncio.gather(*(client(token, i) for i, token in enumerate(tokens)))
        return time.perf_counter() - started, latencies, failures


def _load_figures(cohort, members) -> None:
    from mentoring.accounts.tokens import create_api_token
    from mentoring.boards import posts
    from mentoring.models import Board
    from tests.bench.common import start_server

    board = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
    threads = [
        posts.create_thread(
            board=board, author=members[i], title=f"Load {i}", body=f"Thread {i} opening"
        )
        for i in range(LOAD_THREADS)
    ]
    for thread in threads:
        for j in range(20):
            posts.create_post(thread=thread, author=members[j], body=f"Earlier post {j}")
    tokens = [create_api_token(user=m, name="bench") for m in members]
    thread_ids = [t.pk for t in threads]

    server = start_server()
    try:
        healthz_plan = [("GET", "/healthz", None)]
        work_plan = []
        for n in range(REQUESTS_PER_CLIENT):
            tid = thread_ids[n % LOAD_THREADS]
            if n % 2:
                work_plan.append(("GET", f"/api/v1/threads/{tid}", None))
            else:
                work_plan.append(
                    (
                        "POST",
                        f"/api/v1/threads/{tid}/posts",
                        {"body": f"Under load, client {{i}} says **hello** #load{n}"},
                    )
                )
        # The plan's body strings carry "{i}" literally: keep them as they are (harmless).
        asyncio.run(_load(server.url, healthz_plan, tokens[:5]))  # warm up
        ref_seconds, ref_latencies, ref_failures = asyncio.run(
            _load(server.url, healthz_plan, tokens)
        )
        seconds, latencies, failures = asyncio.run(_load(server.url, work_plan, tokens))
        reference = ref_latencies["GET"]
        total = CLIENTS * REQUESTS_PER_CLIENT
        label = f"{CLIENTS} clients posting and reading threads over loopback"
        report(
            f"{label}: throughput ({total} requests, {failures} failed)",
            total / seconds,
            total / ref_seconds,
            unit="req/s",
            reference_name="GET /healthz under the same load",
            higher_is_better=True,
        )
        for method, what in (("POST", "posting"), ("GET", "reading a thread")):
            for name, fraction in (("p95", 0.95), ("median", 0.5)):
                report(
                    f"{label}: {what} {name} latency",
                    percentile(latencies[method], fraction),
                    percentile(reference, fraction),
                    reference_name=f"GET /healthz {name} under the same load",
                )
        if failures or ref_failures:
            raise RuntimeError(f"{failures + ref_failures} requests failed under load")
    finally:
        server.stop()


def main() -> None:
    import logging

    setup_django()
    logging.disable(logging.WARNING)
    cohort, _tutor, members = _bench_cohort()
    started = time.perf_counter()
    thread = _long_thread(cohort, members)
    print(f"(wrote a thread of {POSTS_IN_THREAD} posts in {time.perf_counter() - started:.1f}s)")
    _render_figures(thread, members[1])
    _load_figures(cohort, members)


if __name__ == "__main__":
    main()
