"""Every websocket route, as ``config.urls`` is every HTTP one: each feature lists its sockets
in its ``consumers.py`` (``websocket_urlpatterns``) and they are collected here, so that
``mentoring.realtime`` (the log, the hub, the base consumer) knows no feature.
``tests/security/test_ws_access_matrix.py`` checks who may open each of them."""

from mentoring.boards import consumers as boards
from mentoring.notifications import consumers as notifications
from mentoring.participation import consumers as participation
from scenarios import consumers as scenarios

websocket_urlpatterns = [
    *notifications.websocket_urlpatterns,
    *boards.websocket_urlpatterns,
    *participation.websocket_urlpatterns,
    *scenarios.websocket_urlpatterns,
]
