"""The test harness turns a hang into an error: a lock waited for fails after two minutes, and a
server left idle in a transaction cannot keep the next flush waiting."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection

from tests.conftest import _end_stray_transactions, database_url_for_servers


@pytest.mark.django_db
def test_every_session_on_the_test_database_has_a_lock_timeout():
    with psycopg.connect(database_url_for_servers()) as other:  # as a server subprocess would
        assert other.execute("SHOW lock_timeout").fetchone()[0] == "2min"
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone()[0] == "2min"


@pytest.mark.django_db
def test_a_session_idle_in_a_transaction_is_ended():
    stray = psycopg.connect(database_url_for_servers())
    busy = psycopg.connect(database_url_for_servers(), autocommit=True)
    try:
        stray.execute("SELECT 1")  # opens a transaction and leaves it open
        busy.execute("SELECT 1")  # idle, not in a transaction: left alone
        _end_stray_transactions(idle_for="0 seconds")
        with pytest.raises(psycopg.OperationalError):
            stray.execute("SELECT 1")
        assert busy.execute("SELECT 1").fetchone() == (1,)
    finally:
        stray.close()
        busy.close()
