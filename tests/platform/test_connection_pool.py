"""A burst of concurrent requests to a real server: no 500s, and the process never holds more
PostgreSQL connections than its pool allows (issue 12: CONN_MAX_AGE kept one per thread)."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from django.db import connection

from mentoring.accounts.services.tokens import create_api_token

POOL_MAX = 5
APP_NAME = "staffroom-pool-test"


def _connections_of_the_server() -> int:
    params = connection.get_connection_params()
    params.pop("pool", None)
    with psycopg.connect(**params, autocommit=True) as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = %s",
            [connection.settings_dict["NAME"], APP_NAME],
        ).fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_requests_stay_within_the_pool(start_server, cohort, tutor):
    token = create_api_token(user=tutor)
    # libpq names every connection the server opens after PGAPPNAME, so they can be counted.
    server = start_server({"DB_POOL_MAX": str(POOL_MAX), "PGAPPNAME": APP_NAME})
    paths = ["/api/v1/me", "/api/v1/cohorts", f"/api/v1/cohorts/{cohort.pk}/boards", "/healthz"]

    def call(i: int) -> int:
        request = urllib.request.Request(
            server.url + paths[i % len(paths)], headers={"Authorization": f"Bearer {token}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                response.read()
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    seen: list[int] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            seen.append(_connections_of_the_server())
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        barrier = threading.Barrier(50)

        def burst(i: int) -> int:
            barrier.wait()
            return call(i)

        with ThreadPoolExecutor(max_workers=50) as pool:
            statuses = list(pool.map(burst, range(50)))
    finally:
        done.set()
        sampler.join()

    assert statuses == [200] * 50
    assert 0 < max(seen) <= POOL_MAX, seen
