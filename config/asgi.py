"""ASGI entry point: HTTP through Django, websockets through Channels with our auth."""

import os
from concurrent.futures import Future, ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
# Build the Django app first: it sets up the app registry the routing below imports from.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402
from mentoring.accounts.auth import BrowserOriginValidator, StaffroomAuthMiddlewareStack  # noqa: E402


class _RequestThread(ThreadPoolExecutor):
    """One thread, which knows whether a call it was given is still running."""

    def __init__(self) -> None:
        super().__init__(max_workers=1, thread_name_prefix="request")
        self.pending: set[Future] = set()

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future = super().submit(fn, *args, **kwargs)
        self.pending.add(future)
        future.add_done_callback(self.pending.discard)  # runs on the worker thread
        return future


class RequestThreads:
    """Run each HTTP request's synchronous part (sync middleware, views, signal receivers) on a
    thread kept from an earlier request instead of a thread started for it.

    Django's ASGI handler gives every request a context of asgiref's with a one-thread
    executor of its own, and shuts it down when the request ends, which joins the thread on
    the event loop: about 1 ms after every response with the loop blocked (sockets included),
    and a thread started for the next request. asgiref lets the caller give that context an
    executor it owns (``ThreadSensitiveContext(executor=…)``; Django's context inside then
    uses it). A thread goes back to the idle list only when nothing it was given still runs
    (a request whose client went away can leave its view running); up to ``keep`` are kept.
    Database connections are per request context, not per thread, so nothing else carries
    over. docs/benchmarks.md has the measurement.
    """

    def __init__(self, app, *, keep: int = 32) -> None:
        self.app = app
        self.keep = keep
        self._idle: list[_RequestThread] = []

    async def __call__(self, scope, receive, send) -> None:
        thread = self._idle.pop() if self._idle else _RequestThread()
        try:
            async with ThreadSensitiveContext(executor=thread):
                await self.app(scope, receive, send)
        finally:
            if not thread.pending and len(self._idle) < self.keep:
                self._idle.append(thread)
            else:
                thread.shutdown(wait=False)


application = ProtocolTypeRouter(
    {
        "http": RequestThreads(django_asgi_app),
        "websocket": BrowserOriginValidator(
            StaffroomAuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
