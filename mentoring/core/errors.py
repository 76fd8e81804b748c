"""Errors the services raise; views turn them into messages, the API into JSON."""

from __future__ import annotations


class ServiceError(Exception):
    """A refused request: ``code`` is machine-readable, ``detail`` tells a person why."""

    status = 400

    def __init__(self, code: str, detail: str, *, status: int | None = None, **extra):
        super().__init__(detail)
        self.code = code
        self.detail = detail
        if status is not None:
            self.status = status
        self.extra = extra


class NotFound(ServiceError):
    status = 404

    def __init__(self, detail: str = "Not found.", code: str = "not_found"):
        super().__init__(code, detail)


class Forbidden(ServiceError):
    status = 403
