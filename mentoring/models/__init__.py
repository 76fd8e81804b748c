"""Every model of the mentoring app, one module per feature, re-exported here.

``from mentoring.models import Post`` keeps working; the app label and the migrations are those
of the single ``models.py`` this package replaced. Writes go through each feature's services,
reads shared by pages and the API through its selectors; rows here only guard invariants that
belong to a single row.
"""

from mentoring.models.accounts import ApiToken, User
from mentoring.models.attachments import PostAttachment
from mentoring.models.boards import (
    MAX_POST_LENGTH,
    MAX_PROMPTS,
    Board,
    Post,
    PostFlag,
    PostQuerySet,
    PostRevision,
    Reaction,
    Thread,
    ThreadReadState,
)
from mentoring.models.cohorts import (
    DEFAULT_GRACE_SECONDS,
    MAX_GRACE_SECONDS,
    NUDGE_PLACEHOLDERS,
    Cohort,
    Membership,
    nudge_placeholder_help,
)
from mentoring.models.erasure import COOLING_OFF, ErasureRequest
from mentoring.models.invitations import (
    Invitation,
    InvitationBatch,
    JoinConfirmation,
    JoinLink,
    JoinRequest,
)
from mentoring.models.live import LiveEvent, LiveStream
from mentoring.models.lti import (
    LtiCourse,
    LtiGrade,
    LtiGradebook,
    LtiNonce,
    LtiRosterEntry,
)
from mentoring.models.notifications import Notification
from mentoring.models.outbox import OutgoingMail
from mentoring.models.participation import (
    MemberWeek,
    Nudge,
    ParticipationStatus,
    ReadEvent,
    ResourceView,
)
from mentoring.models.privacy import DataExport
from mentoring.models.retention import AccessLogEntry, RetentionRun
from mentoring.models.signin import SignInPolicy
from mentoring.models.subscriptions import Draft, Subscription

__all__ = [
    "AccessLogEntry",
    "COOLING_OFF",
    "DEFAULT_GRACE_SECONDS",
    "MAX_GRACE_SECONDS",
    "MAX_POST_LENGTH",
    "MAX_PROMPTS",
    "NUDGE_PLACEHOLDERS",
    "ApiToken",
    "Board",
    "Cohort",
    "DataExport",
    "Draft",
    "ErasureRequest",
    "Invitation",
    "InvitationBatch",
    "JoinConfirmation",
    "JoinLink",
    "JoinRequest",
    "LiveEvent",
    "LtiCourse",
    "LtiGrade",
    "LtiGradebook",
    "LtiNonce",
    "LtiRosterEntry",
    "LiveStream",
    "MemberWeek",
    "Membership",
    "Notification",
    "Nudge",
    "OutgoingMail",
    "ParticipationStatus",
    "Post",
    "PostAttachment",
    "PostFlag",
    "PostQuerySet",
    "PostRevision",
    "Reaction",
    "ReadEvent",
    "ResourceView",
    "RetentionRun",
    "SignInPolicy",
    "Subscription",
    "Thread",
    "ThreadReadState",
    "User",
    "nudge_placeholder_help",
]
