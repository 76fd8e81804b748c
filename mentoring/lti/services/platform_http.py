"""How Staffroom calls a platform (token, member list, gradebook, key set).

PyLTI1p3 makes its own ``requests.Session`` when given none, and requests waits for ever by
default: a platform that accepts the connection and never answers would hold a web or worker
thread for good. Every call here gives up after ``TIMEOUT`` seconds instead, which the caller
reports as the platform being unavailable."""

from __future__ import annotations

import requests
from pylti1p3.service_connector import REQUESTS_USER_AGENT, ServiceConnector

# Seconds to connect and, separately, to wait between bytes of the answer.
TIMEOUT = 15


class PlatformSession(requests.Session):
    def __init__(self) -> None:
        super().__init__()
        self.headers["User-Agent"] = REQUESTS_USER_AGENT

    def request(self, method, url, *args, **kwargs):  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = TIMEOUT
        return super().request(method, url, *args, **kwargs)


def connector(registration) -> ServiceConnector:
    """PyLTI1p3's service connector for ``registration`` (a PyLTI1p3 ``Registration``), its
    calls bounded in time."""
    return ServiceConnector(registration, requests_session=PlatformSession())
