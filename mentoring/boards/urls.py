"""Board pages. Names are global (no namespace): services build thread and tag links from them."""

from django.urls import path

from mentoring.boards import views as boards

urlpatterns = [
    path("cohorts/<int:cohort_id>/", boards.cohort_home, name="cohort_home"),
    path("cohorts/<int:cohort_id>/ask-a-tutor/", boards.ask_a_tutor, name="ask_a_tutor"),
    path("cohorts/<int:cohort_id>/tags/<str:tag>/", boards.tag_search, name="tag_search"),
    path("cohorts/<int:cohort_id>/search/", boards.search, name="board_search"),
    path("cohorts/<int:cohort_id>/moderation/", boards.moderation_queue, name="moderation_queue"),
    path("boards/<int:board_id>/", boards.board, name="board"),
    path("boards/<int:board_id>/threads/", boards.board_threads, name="board_threads"),
    path("boards/<int:board_id>/preview/", boards.preview, name="board_preview"),
    path("threads/<int:thread_id>/", boards.thread, name="thread"),
    path("threads/<int:thread_id>/moderate/", boards.moderate_thread, name="thread_moderate"),
    path("threads/<int:thread_id>/unread/", boards.thread_unread, name="thread_unread"),
    path("threads/<int:thread_id>/state/", boards.thread_state, name="thread_state"),
    path(
        "threads/<int:thread_id>/subscription/",
        boards.thread_subscription,
        name="thread_subscription",
    ),
    path(
        "boards/<int:board_id>/subscription/", boards.board_subscription, name="board_subscription"
    ),
    path("threads/<int:thread_id>/draft/", boards.thread_draft, name="thread_draft"),
    path("boards/<int:board_id>/draft/", boards.board_draft, name="board_draft"),
    path(
        "threads/<int:thread_id>/posts/<int:post_id>/fragment/",
        boards.post_fragment,
        name="post_fragment",
    ),
    path("posts/<int:post_id>/edit/", boards.edit_post, name="post_edit"),
    path("posts/<int:post_id>/retract/", boards.retract_post, name="post_retract"),
    path("posts/<int:post_id>/flag/", boards.flag_post, name="post_flag"),
    path("posts/<int:post_id>/react/", boards.react_to_post, name="post_react"),
    path("attachments/<int:attachment_id>/<str:name>", boards.attachment, name="attachment"),
    path("threads/<int:thread_id>/mentions/", boards.mention_options, name="mention_options"),
    path("posts/<int:post_id>/hide/", boards.hide_post, name="post_hide"),
    path("posts/<int:post_id>/unhide/", boards.unhide_post, name="post_unhide"),
    path("flags/<int:flag_id>/resolve/", boards.resolve_flag, name="flag_resolve"),
    path("cohorts/<int:cohort_id>/scheduled/", boards.scheduled_prompts, name="scheduled_prompts"),
    path("threads/<int:thread_id>/reschedule/", boards.reschedule_prompt, name="reschedule_prompt"),
    path("threads/<int:thread_id>/cancel-schedule/", boards.cancel_prompt, name="cancel_prompt"),
]
