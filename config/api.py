"""The JSON API under /api/v1/, assembled from each app's router."""

from ninja import NinjaAPI

from mentoring.accounts import api as accounts
from mentoring.accounts.auth import BearerTokenAuth, SessionWithCsrfAuth
from mentoring.boards import api as boards
from mentoring.cohorts import api as cohorts
from mentoring.core.api import BoundedParser, install_error_handlers
from mentoring.inbox import api as inbox
from mentoring.invitations import api as invitations_api
from mentoring.notifications import api as notifications
from mentoring.participation import api as participation
from mentoring.privacy import api as privacy
from scenarios import api as scenarios_api

api = NinjaAPI(
    title="Staffroom API",
    version="1",
    description="Cohorts, boards, scenarios and participation. Errors are "
    '{"code": "...", "detail": "..."} with a 4xx status; what you may not see answers 404.',
    auth=[BearerTokenAuth(), SessionWithCsrfAuth()],
    urls_namespace="api-v1",
    parser=BoundedParser(),
)
install_error_handlers(api)
api.add_router("", accounts.router)
api.add_router("", cohorts.router)
api.add_router("", boards.router)
api.add_router("", participation.router)
api.add_router("", inbox.router)
api.add_router("", notifications.router)
api.add_router("", scenarios_api.router)
api.add_router("", invitations_api.router)
api.add_router("", privacy.router)
