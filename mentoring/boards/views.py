"""Board pages: cohort home, boards, threads, editing and retracting, tags, search, moderation.

Thin: selectors read, services write, refused requests come back as messages or field errors.
Pages work without JavaScript; ``thread.js`` adds live updates and the grace-period countdown.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from mentoring.boards import selectors
from mentoring.boards.forms import (
    EditPostForm,
    FlagPostForm,
    HidePostForm,
    PostForm,
    PromptSeriesForm,
    RescheduleForm,
    SearchForm,
    ThreadForm,
)
from mentoring.boards.services import (
    drafts,
    moderation,
    posts,
    reactions,
    scheduling,
    subscriptions,
)
from mentoring.boards.services.sections import arrange_boards
from mentoring.cohorts.selectors import has_members, visible_cohort
from mentoring.core.errors import NotFound, ServiceError
from mentoring.core.files import private_file_response
from mentoring.core.pagination import page_for_template
from mentoring.core.refusals import form_page, refused_text
from mentoring.core.rendering import EXTERNAL_IMAGE_NOTE, ShownImage, render_post
from mentoring.core.validation import safe_next
from mentoring.models import MAX_POST_LENGTH, Board, Cohort, Post, Subscription, Thread
from mentoring.notifications.decorators import reads_notifications
from mentoring.participation.services.counters import record_thread_read
from mentoring.rules.permissions import can_moderate, is_tutor
from mentoring.signals import thread_opened


def _found(obj):
    if obj is None:
        raise Http404
    return obj


def _cohort(request: HttpRequest, cohort_id: int) -> Cohort:
    return _found(visible_cohort(user=request.user, cohort_id=cohort_id))


def grace_text(seconds: int) -> str:
    """``1800`` → "30 minutes": the grace period as the thread page states it."""
    if seconds % 3600 == 0 and seconds >= 3600:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''}"
    if seconds % 60 == 0 and seconds >= 60:
        minutes = seconds // 60
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def _offers_anonymity(board: Board, cohort: Cohort, *, viewer_is_tutor: bool) -> bool:
    """Anonymity hides a member from peers; on "Ask a tutor" no peer sees the post, so the
    choice would only confuse. Tutors always post under their name."""
    return (
        cohort.allow_anonymous_to_peers and not viewer_is_tutor and board.kind != Board.Kind.PRIVATE
    )


AT_POST = "at-post-"


def _refused(request: HttpRequest, error: ServiceError, post: Post | None = None):
    """A refused edit/retract/flag: say why at the post it is about (or a 404 for what one
    cannot see)."""
    if isinstance(error, NotFound):
        raise error  # the 404 page (mentoring.core.refusals)
    if post is None:
        messages.error(request, error.detail)
        return redirect("/")
    messages.error(request, error.detail, extra_tags=f"{AT_POST}{post.pk}")
    # No #post-N here: a browser does not autofocus on a page opened at a fragment, and the
    # error, shown at the post, takes the keyboard and scrolls there itself.
    return redirect(post.get_absolute_url().partition("#")[0])


def _said_at_post(request: HttpRequest, page: selectors.ThreadPage) -> None:
    """Messages about one post (``_refused``, a flag's thanks) are shown at that post when it is
    on this page, not at the top of a long thread far from where the person acted."""
    on_page = {post.pk: post for post in page.posts}
    for message in messages.get_messages(request):
        post_id = (message.extra_tags or "").removeprefix(AT_POST)
        if post_id.isdigit() and int(post_id) in on_page:
            on_page[int(post_id)].notice = message
            message.shown_at_post = True  # base.html leaves it out of the messages on top


@login_required
def cohort_home(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = _cohort(request, cohort_id)
    tutor = is_tutor(request.user, cohort)
    boards = selectors.boards_with_counts(user=request.user, cohort=cohort)
    own_boards, sections = arrange_boards(boards)
    activity, activity_pager = page_for_template(
        request, selectors.activity_page, user=request.user, cohort=cohort
    )
    return render(
        request,
        "mentoring/cohort_home.html",
        {
            "cohort": cohort,
            "boards": own_boards,
            "sections": sections,
            "private_board": next((b for b in boards if b.kind == Board.Kind.PRIVATE), None),
            "is_tutor": tutor,
            # A tutor of a new, empty cohort is shown the next step: bringing people in.
            "has_members": has_members(cohort=cohort) if tutor else True,
            "can_moderate": can_moderate(request.user, cohort),
            "activity": activity.items,
            "pager": activity_pager,
            "unread_threads": selectors.unread_in_cohort(user=request.user, cohort=cohort),
            "search_form": SearchForm(),
        },
    )


@login_required
def ask_a_tutor(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = _cohort(request, cohort_id)
    board = _found(
        selectors.visible_boards(user=request.user, cohort=cohort)
        .filter(kind=Board.Kind.PRIVATE)
        .first()
    )
    return redirect("board", board_id=board.pk)


@login_required
@require_POST
def preview(request: HttpRequest, board_id: int) -> HttpResponse:
    """A post's Markdown as it would appear, rendered and sanitised exactly as a post is (same
    renderer, same hashtag links), for the preview under the thread and reply forms."""
    board = _found(selectors.visible_board(user=request.user, board_id=board_id))
    body = request.POST.get("body", "")
    if len(body) > MAX_POST_LENGTH:
        return HttpResponse(
            f"A post can be at most {MAX_POST_LENGTH:,} characters.",
            status=400,
            content_type="text/plain",
        )
    images = {}
    post_id = request.POST.get("post", "")
    if post_id.isdigit() and len(post_id) < 19:  # editing: the post's own images show
        post = selectors.visible_post(user=request.user, post_id=int(post_id))
        if post is not None and post.is_own and post.thread.board_id == board.pk:
            images = {
                a.pk: ShownImage(url=a.url, width=a.width, height=a.height)
                for a in post.attachments_shown
                if a.is_image
            }
    html = render_post(
        body, tag_url=lambda tag: posts.tag_url(board.cohort_id, tag), images=images
    ).html
    return render(
        request,
        "mentoring/includes/preview.html",
        {"html": html, "empty": not body.strip(), "external_images": EXTERNAL_IMAGE_NOTE in html},
    )


@login_required
def board(request: HttpRequest, board_id: int) -> HttpResponse:
    board = _found(selectors.visible_board(user=request.user, board_id=board_id))
    cohort = board.cohort
    tutor = is_tutor(request.user, cohort)
    allow_anonymous = _offers_anonymity(board, cohort, viewer_is_tutor=tutor)
    draft = None
    initial = {}
    if request.method != "POST":
        draft = selectors.draft_for(user=request.user, board=board, thread=None)
        if draft is not None:  # a new thread left unsent: back in the form
            initial = {"title": draft.title, "body": draft.body}
    form = ThreadForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        allow_anonymous=allow_anonymous,
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                thread = posts.create_thread(
                    board=board,
                    author=request.user,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    anonymous=form.cleaned_data.get("anonymous", False),
                    files=form.cleaned_data["attachments"],
                )
            except ServiceError as error:
                form.add_service_error(error)
            else:
                return redirect("thread", thread_id=thread.pk)
        # Refused: what was written is kept as a draft too (a closed tab loses nothing).
        drafts.keep_failed(
            user=request.user,
            board=board,
            thread=None,
            title=request.POST.get("title", ""),
            body=request.POST.get("body", ""),
        )
    return form_page(
        request,
        "mentoring/board.html",
        {
            **_threads_context(request, board),
            "cohort": cohort,
            "is_tutor": tutor,
            "form": form,
            "draft": draft,
            **_following_context(
                selectors.board_following(user=request.user, board=board),
                reverse("board_subscription", kwargs={"board_id": board.pk}),
                "this board",
            ),
        },
        form=form,
    )


def _threads_context(request: HttpRequest, board: Board) -> dict[str, object]:
    """What ``includes/board_threads.html`` draws for this request's page of the board (the
    page and its fragment alike); the pager's links open the board's page."""
    threads, threads_pager = page_for_template(
        request,
        selectors.board_threads_page,
        path=reverse("board", args=[board.pk]),
        user=request.user,
        board=board,
        limit=selectors.THREADS_PAGE.default,
    )
    return {"board": board, "threads": threads.items, "pager": threads_pager}


@login_required
@require_GET
def board_threads(request: HttpRequest, board_id: int) -> HttpResponse:
    """A board's list of threads (a page of it, ``?cursor=`` as the board's), as the board
    page renders it: the live page swaps it in when the reader asks to see new threads, and
    leaves the rest of the page (a thread being written) alone."""
    board = _found(selectors.visible_board(user=request.user, board_id=board_id))
    return render(
        request, "mentoring/includes/board_threads.html", _threads_context(request, board)
    )


def _wanted_page(request: HttpRequest, thread_id: int) -> int | None:
    """Which page of the thread to show: ``?page=N`` (or ``last``), else the page holding
    ``?post=`` or ``?reply_to=`` (links to a post land where it is), else the first."""
    raw = request.GET.get("page")
    if raw == "last" or (raw is None and request.method == "POST"):
        return None
    if raw is not None:
        if not raw.isdigit():
            raise Http404("No such page.")
        return int(raw)
    for name in ("post", "reply_to"):
        post_id = request.GET.get(name, "")
        if post_id.isdigit():
            number = selectors.page_of_post(
                user=request.user, thread_id=thread_id, post_id=int(post_id)
            )
            if number is not None:
                return number
    return 1


@login_required
@reads_notifications
def thread(request: HttpRequest, thread_id: int) -> HttpResponse:
    page = _found(
        selectors.thread_page(
            user=request.user, thread_id=thread_id, number=_wanted_page(request, thread_id)
        )
    )
    cohort = page.thread.cohort
    allow_anonymous = _offers_anonymity(
        page.thread.board, cohort, viewer_is_tutor=page.viewer_is_tutor
    )
    reply_to = request.GET.get("reply_to")
    initial = {"reply_to": reply_to} if reply_to and reply_to.isdigit() else {}
    opening = page.posts[0] if page.posts else None
    # In a thread one opened anonymously, a reply stays anonymous unless its author unticks it.
    initial["anonymous"] = bool(
        opening and opening.is_own and opening.anonymous and not opening.reply_to_id
    )
    draft = None
    if request.method != "POST":
        draft = selectors.draft_for(user=request.user, board=page.thread.board, thread=page.thread)
        if draft is not None:  # a reply left unsent (a closed tab, a failed submit): back
            initial["body"] = draft.body
            if draft.reply_to_id and "reply_to" not in initial:
                initial["reply_to"] = draft.reply_to_id
    quote = request.GET.get("quote")
    if request.method != "POST" and quote and quote.isdigit() and len(quote) < 19:
        quoted = selectors.quote_markdown(
            user=request.user,
            thread=page.thread,
            post_id=int(quote),
            viewer_is_tutor=page.viewer_is_tutor,
            selection=request.GET.get("text", ""),
        )
        # After the draft, if there is one: quoting never throws away what was written.
        initial["body"] = f"{initial['body'].rstrip()}\n\n{quoted}" if draft else quoted
    form = _reply_form(
        page.thread, request.POST or None, initial, allow_anonymous, files=request.FILES or None
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                post = posts.create_post(
                    thread=page.thread,
                    author=request.user,
                    body=form.cleaned_data["body"],
                    reply_to=form.cleaned_data.get("reply_to"),
                    anonymous=form.cleaned_data.get("anonymous", False),
                    files=form.cleaned_data["attachments"],
                )
            except NotFound:
                raise  # the 404 page (mentoring.core.refusals)
            except ServiceError as error:
                form.add_service_error(error)
            else:
                messages.success(request, "Posted. You can edit or retract it for a while.")
                return redirect(post.get_absolute_url())
        # Refused: what was written is kept as a draft too (a closed tab loses nothing).
        reply_to_raw = request.POST.get("reply_to", "")
        drafts.keep_failed(
            user=request.user,
            board=page.thread.board,
            thread=page.thread,
            body=request.POST.get("body", ""),
            reply_to=int(reply_to_raw)
            if reply_to_raw.isdigit() and len(reply_to_raw) < 19
            else None,
        )
    else:
        record_thread_read(user=request.user, thread=page.thread)
        thread_opened.send(sender=Thread, reader=request.user, thread=page.thread)
    replying_to = next((p for p in page.posts if str(p.pk) == str(form["reply_to"].value())), None)
    _said_at_post(request, page)
    return form_page(
        request,
        "mentoring/thread.html",
        {
            "page": page,
            "thread": page.thread,
            "viewer_is_tutor": page.viewer_is_tutor,
            "cohort": cohort,
            "form": form,
            "replying_to": replying_to,
            "draft": draft,
            **_following_context(
                selectors.thread_following(user=request.user, thread=page.thread),
                reverse("thread_subscription", kwargs={"thread_id": page.thread.pk}),
                "this thread",
            ),
            "grace_text": grace_text(cohort.edit_grace_seconds),
            "fragment_url": reverse(
                "post_fragment", kwargs={"thread_id": page.thread.pk, "post_id": 0}
            ),
        },
        form=form,
    )


def _reply_form(thread: Thread, data, initial: dict, allow_anonymous: bool, files=None) -> PostForm:
    form = PostForm(data, files, initial=initial, allow_anonymous=allow_anonymous)
    form.fields["body"].widget.attrs.update(
        {
            "data-mention-url": reverse("mention_options", kwargs={"thread_id": thread.pk}),
            "data-mention-list": "mention-options",
        }
    )
    return form


@login_required
@require_GET
def thread_state(request: HttpRequest, thread_id: int) -> HttpResponse:
    """What a tutor's pin or lock changes on a thread page, as the page's own includes render
    it for this reader: the badges, the tutors' buttons, the closed or locked notice and the
    reply form. The live page fetches it on ``thread.moderated``."""
    thread = _found(selectors.visible_thread(user=request.user, thread_id=thread_id))
    cohort = thread.cohort
    allow_anonymous = _offers_anonymity(
        thread.board, cohort, viewer_is_tutor=thread.viewer_is_tutor
    )
    opened_anonymously = Post.objects.filter(
        pk=thread.first_post_id, author=request.user, anonymous=True
    ).exists()
    return render(
        request,
        "mentoring/includes/thread_state.html",
        {
            "thread": thread,
            "viewer_is_tutor": thread.viewer_is_tutor,
            "cohort": cohort,
            "form": _reply_form(thread, None, {"anonymous": opened_anonymously}, allow_anonymous),
            "grace_text": grace_text(cohort.edit_grace_seconds),
        },
    )


LEVEL_SAID = {
    Subscription.Level.WATCHING: "You are watching {what}: you are told of every new post.",
    Subscription.Level.TRACKING: "You are tracking {what}: unread counts are shown, and you are "
    "told when someone replies to you or mentions you.",
    Subscription.Level.NORMAL: "{What} is set to normal: you are told when someone replies to you "
    "or mentions you; no unread counts.",
    Subscription.Level.MUTED: "You have muted {what}: you are told nothing about it.",
}


LEVEL_OPTIONS = [
    (Subscription.Level.WATCHING, "Watching: every new post"),
    (Subscription.Level.TRACKING, "Tracking: unread counts and replies"),
    (Subscription.Level.NORMAL, "Normal: replies and mentions"),
    (Subscription.Level.MUTED, "Muted: nothing"),
]


def level_said(level: str, what: str) -> str:
    """What a level means, in a sentence about ``what`` ("this thread")."""
    return LEVEL_SAID[level].format(what=what, What=what[:1].upper() + what[1:])


def _following_context(following, action: str, what: str) -> dict[str, object]:
    """What ``includes/following.html`` draws: the level in force, where it comes from, the
    form's target and the sentence that says what it means."""
    said = level_said(following.level, what)
    if following.source == "board":
        said += " (as for its board)"
    elif following.source == "thread" and not following.chosen:
        said += " (you started or replied to it)"
    return {
        "following": following,
        "levels": LEVEL_OPTIONS,
        "following_action": action,
        "following_said": said,
        "following_what": what,
    }


def _following_done(request: HttpRequest, back: str, what: str, set_level) -> HttpResponse:
    """A watch/track/mute form: set it, then back to the page (``back``) with what it means,
    or, asked by ``following.js``, only the sentence saying so, for its status line."""
    fetched = request.headers.get("X-Requested-With") == "fetch"
    try:
        following = set_level(level=request.POST.get("level"))
    except NotFound:
        raise  # the 404 page (mentoring.core.refusals)
    except ServiceError as error:
        if fetched:
            return refused_text(error)
        messages.error(request, error.detail)
        return redirect(back)
    said = level_said(following.level, what)
    if fetched:  # the sentence alone, drawn by the server, for the control's status line
        return HttpResponse(
            _following_context(following, request.path, what)["following_said"],
            content_type="text/plain; charset=utf-8",
        )
    messages.success(request, said)
    return redirect(back)


@login_required
@require_POST
def thread_subscription(request: HttpRequest, thread_id: int) -> HttpResponse:
    """Watch, track, mute (or set to normal) a thread: the control on its page."""
    return _following_done(
        request,
        reverse("thread", kwargs={"thread_id": thread_id}),
        "this thread",
        lambda level: subscriptions.set_thread_level(
            user=request.user, thread_id=thread_id, level=level
        ),
    )


@login_required
@require_POST
def board_subscription(request: HttpRequest, board_id: int) -> HttpResponse:
    """Watch, track, mute (or set to normal) a board: the control on its page."""
    return _following_done(
        request,
        reverse("board", kwargs={"board_id": board_id}),
        "this board",
        lambda level: subscriptions.set_board_level(
            user=request.user, board_id=board_id, level=level
        ),
    )


def _draft_saved(save) -> HttpResponse:
    """``drafts.js``'s autosave: 200 with the status line's sentence when kept, 204 when
    forgotten (an empty box), else the refusal's status with its sentence as text (too long:
    400; too fast: 429; not visible: 404)."""
    try:
        draft = save()
    except ServiceError as error:
        return refused_text(error)
    if draft is None:
        return HttpResponse(status=204)
    saved_at = timezone.localtime(draft.updated_at)
    return HttpResponse(
        f"Draft saved at {saved_at:%H:%M}.", content_type="text/plain; charset=utf-8"
    )


@login_required
@require_POST
def thread_draft(request: HttpRequest, thread_id: int) -> HttpResponse:
    """Autosave of the reply box (``body``, ``reply_to``)."""
    raw = request.POST.get("reply_to", "")
    return _draft_saved(
        lambda: drafts.save_reply_draft(
            user=request.user,
            thread_id=thread_id,
            body=request.POST.get("body", ""),
            reply_to=int(raw) if raw.isdigit() and len(raw) < 19 else None,
        )
    )


@login_required
@require_POST
def board_draft(request: HttpRequest, board_id: int) -> HttpResponse:
    """Autosave of the new-thread form (``title``, ``body``)."""
    return _draft_saved(
        lambda: drafts.save_thread_draft(
            user=request.user,
            board_id=board_id,
            title=request.POST.get("title", ""),
            body=request.POST.get("body", ""),
        )
    )


@login_required
def thread_unread(request: HttpRequest, thread_id: int) -> HttpResponse:
    """Jump to the first post by someone else since the last visit (or the last page)."""
    thread = _found(selectors.visible_thread(user=request.user, thread_id=thread_id))
    number, post_id = selectors.first_unread(user=request.user, thread=thread)
    url = f"{reverse('thread', kwargs={'thread_id': thread.pk})}?page={number}"
    return redirect(f"{url}#post-{post_id}" if post_id else url)


@login_required
def post_fragment(request: HttpRequest, thread_id: int, post_id: int) -> HttpResponse:
    """One post as this reader sees it, for the live thread page to put in place."""
    post = _found(selectors.visible_post(user=request.user, post_id=post_id))
    if post.thread_id != thread_id:
        raise Http404
    return render(request, "mentoring/includes/post.html", {"post": post, "now": timezone.now()})


def _own_post(request: HttpRequest, post_id: int) -> Post:
    post = _found(selectors.visible_post(user=request.user, post_id=post_id))
    if post.is_retracted:
        raise Http404
    return post


@login_required
def edit_post(request: HttpRequest, post_id: int) -> HttpResponse:
    post = _own_post(request, post_id)
    if not post.is_own:
        messages.error(request, "Only its author can edit a post.")
        return redirect(post.get_absolute_url())
    form = EditPostForm(
        request.POST or None,
        request.FILES or None,
        initial={"body": post.body},
        attached=post.attachments_shown,
    )
    if request.method == "POST" and form.is_valid():
        try:
            posts.edit_post(
                post=post.pk,
                by=request.user,
                body=form.cleaned_data["body"],
                files=form.cleaned_data["attachments"],
                remove=form.cleaned_data.get("remove") or (),
            )
        except ServiceError as error:
            if error.extra.get("field") in ("body", "attachments", "remove"):
                form.add_service_error(error)
            else:
                return _refused(request, error, post)
        else:
            messages.success(request, "Your post is updated.")
            return redirect(post.get_absolute_url())
    if request.method == "GET" and not post.can_edit:
        messages.error(request, "The time to edit this post is over.")
        return redirect(post.get_absolute_url())
    return render(
        request,
        "mentoring/post_edit.html",
        {
            "post": post,
            "form": form,
            "thread": post.thread,
            "now": timezone.now(),
            "preview_url": reverse("board_preview", kwargs={"board_id": post.thread.board_id}),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def attachment(request: HttpRequest, attachment_id: int, name: str) -> HttpResponseBase:
    """An attachment's file, to whoever may read its post's text (or, before it is posted, to
    its uploader): images shown inline, other files as downloads. Everyone else: 404."""
    found = _found(selectors.visible_attachment(user=request.user, attachment_id=attachment_id))
    if not found.file or not found.file.storage.exists(found.file.name):
        raise Http404
    return private_file_response(
        found.file, filename=found.name, inline=found.is_image, content_type=found.content_type
    )


@login_required
def retract_post(request: HttpRequest, post_id: int) -> HttpResponse:
    post = _own_post(request, post_id)
    if not post.is_own:
        messages.error(request, "Only its author can retract a post.")
        return redirect(post.get_absolute_url())
    if request.method == "POST":
        try:
            posts.retract_post(post=post.pk, by=request.user)
        except ServiceError as error:
            return _refused(request, error, post)
        messages.success(request, "Your post is retracted: its text is gone for good.")
        if Thread.objects.filter(pk=post.thread_id).exists():
            return redirect("thread", thread_id=post.thread_id)
        return redirect("board", board_id=post.thread.board_id)
    if not post.can_edit:
        messages.error(request, "The time to retract this post is over.")
        return redirect(post.get_absolute_url())
    return render(
        request,
        "mentoring/post_retract.html",
        {"post": post, "thread": post.thread, "now": timezone.now()},
    )


@login_required
@require_POST
def flag_post(request: HttpRequest, post_id: int) -> HttpResponse:
    post = _own_post(request, post_id)
    form = FlagPostForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        moderation.flag_post(post=post.pk, by=request.user, reason=reason)
    except ServiceError as error:
        return _refused(request, error, post)
    messages.success(
        request, "Thank you: the tutors will look at this post.", extra_tags=f"{AT_POST}{post.pk}"
    )
    return redirect(post.get_absolute_url())


@login_required
@require_POST
def react_to_post(request: HttpRequest, post_id: int) -> HttpResponse:
    """A reaction button: react, or (clicked again) take the reaction back. Back to the post
    (thread.js posts it in the background and fetches the post again)."""
    post = _found(selectors.visible_post(user=request.user, post_id=post_id))
    try:
        reactions.toggle_reaction(post=post.pk, by=request.user, kind=request.POST.get("kind"))
    except ServiceError as error:
        return _refused(request, error, post)
    return redirect(post.get_absolute_url())


@login_required
@require_GET
def mention_options(request: HttpRequest, thread_id: int) -> HttpResponse:
    """The autocomplete's options for ``?q=`` (a name's beginning): people who can see the
    thread, as ``role="option"`` items for the reply box's listbox (``mentions.js``)."""
    thread = _found(selectors.visible_thread(user=request.user, thread_id=thread_id))
    users = selectors.mention_suggestions(
        user=request.user, thread=thread, prefix=request.GET.get("q", "")
    )
    return render(request, "mentoring/includes/mention_options.html", {"users": users})


@login_required
def hide_post(request: HttpRequest, post_id: int) -> HttpResponse:
    post = _found(selectors.visible_post(user=request.user, post_id=post_id))
    if not can_moderate(request.user, post.cohort):
        raise Http404
    form = HidePostForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            moderation.hide_post(post=post.pk, by=request.user, reason=form.cleaned_data["reason"])
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "The post is hidden from members.")
            return redirect(safe_next(request, post.get_absolute_url()))
    return render(
        request,
        "mentoring/post_hide.html",
        {"post": post, "form": form, "thread": post.thread},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def unhide_post(request: HttpRequest, post_id: int) -> HttpResponse:
    post = _found(selectors.visible_post(user=request.user, post_id=post_id))
    try:
        moderation.unhide_post(post=post.pk, by=request.user)
    except ServiceError as error:
        return _refused(request, error, post)
    messages.success(request, "The post is shown again.")
    return redirect(safe_next(request, post.get_absolute_url()))


THREAD_ACTIONS = {
    "pin": (moderation.pin_thread, "The thread is pinned to the top of the board."),
    "unpin": (moderation.unpin_thread, "The thread is no longer pinned."),
    "lock": (moderation.lock_thread, "The thread is locked: nobody can add to it."),
    "unlock": (moderation.unlock_thread, "The thread is unlocked."),
}


@login_required
@require_POST
def moderate_thread(request: HttpRequest, thread_id: int) -> HttpResponse:
    """A tutor's pin/unpin/lock/unlock button on the thread page (``action``); back to it."""
    thread = _found(selectors.visible_thread(user=request.user, thread_id=thread_id))
    if not can_moderate(request.user, thread.cohort):
        raise Http404
    action = THREAD_ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        messages.error(request, "Choose pin, unpin, lock or unlock.")
        return redirect(thread.get_absolute_url())
    service, done = action
    try:
        service(thread=thread.pk, by=request.user)
    except ServiceError as error:
        return _refused(request, error)
    messages.success(request, done)
    return redirect(thread.get_absolute_url())


@login_required
@require_POST
def resolve_flag(request: HttpRequest, flag_id: int) -> HttpResponse:
    try:
        flag = moderation.resolve_flag(flag=flag_id, by=request.user)
    except ServiceError as error:
        return _refused(request, error)
    messages.success(request, "Flag resolved.")
    return redirect("moderation_queue", cohort_id=flag.post.cohort_id)


@login_required
def moderation_queue(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = _cohort(request, cohort_id)
    if not can_moderate(request.user, cohort):
        raise Http404
    return render(
        request,
        "mentoring/moderation.html",
        {"cohort": cohort, **selectors.moderation_queue(cohort=cohort)},
    )


@login_required
def tag_search(request: HttpRequest, cohort_id: int, tag: str) -> HttpResponse:
    cohort = _cohort(request, cohort_id)
    results, results_pager = page_for_template(
        request, selectors.tagged_page, user=request.user, cohort=cohort, tag=tag
    )
    return render(
        request,
        "mentoring/search.html",
        {
            "cohort": cohort,
            "tag": tag.lower(),
            "results": results.items,
            "pager": results_pager,
            "search_form": SearchForm(),
        },
    )


@login_required
def search(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = _cohort(request, cohort_id)
    boards = list(selectors.visible_boards(user=request.user, cohort=cohort))
    form = SearchForm(request.GET or None, boards=boards)
    if form.is_bound and not form.is_valid():
        # A bad filter (a date that is not one, a board the searcher cannot see): the form
        # with its field errors, no results.
        return render(
            request,
            "mentoring/search.html",
            {"cohort": cohort, "search_form": form, "results": [], "pager": {}},
            status=400,
        )
    query = form.cleaned_data["q"] if form.is_bound else ""
    filters = form.filters if form.is_bound else {}
    results, results_pager = page_for_template(
        request,
        selectors.search_page,
        size=selectors.RESULTS_PAGE,
        user=request.user,
        cohort=cohort,
        query=query,
        **filters,
    )
    return render(
        request,
        "mentoring/search.html",
        {
            "cohort": cohort,
            "query": query,
            "filtered": any(filters.values()),
            "results": results.items,
            "pager": results_pager,
            "search_form": form,
        },
    )


# --- Scheduled prompts (tutors) ----------------------------------------------------------------
def _tutored(request: HttpRequest, cohort_id: int) -> Cohort:
    cohort = _cohort(request, cohort_id)
    if not is_tutor(request.user, cohort):
        raise Http404
    return cohort


@login_required
def scheduled_prompts(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """What is scheduled, soonest first, and a form for a term's weekly prompts at once."""
    cohort = _tutored(request, cohort_id)
    boards = [
        (b.pk, b.title)
        for b in selectors.visible_boards(user=request.user, cohort=cohort).exclude(
            kind=Board.Kind.PRIVATE
        )
    ]
    form = PromptSeriesForm(request.POST or None, boards=boards)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        board = Board.objects.get(pk=data["board"], cohort=cohort)
        first = data["first_at"]
        prompts = [
            scheduling.Prompt(title, body, first + timedelta(days=data["every_days"] * i))
            for i, (title, body) in enumerate(data["prompts"])
        ]
        try:
            threads = scheduling.schedule_series(board=board, author=request.user, prompts=prompts)
        except ServiceError as error:
            form.add_error(
                error.extra.get("field") if error.extra.get("field") in form.fields else None,
                error.detail,
            )
        else:
            messages.success(
                request, f"Scheduled {len(threads)} prompt{'s' if len(threads) != 1 else ''}."
            )
            return redirect("scheduled_prompts", cohort_id=cohort.pk)
    return render(
        request,
        "mentoring/scheduled.html",
        {
            "cohort": cohort,
            "form": form,
            "scheduled": [
                (
                    t,
                    RescheduleForm(
                        initial={
                            "title": t.title,
                            "body": t.first_post.body if t.first_post_id else "",
                            "publish_at": t.publish_at,
                        },
                        prefix=f"t{t.pk}",
                    ),
                )
                for t in scheduling.scheduled_threads(cohort=cohort)
            ],
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def reschedule_prompt(request: HttpRequest, thread_id: int) -> HttpResponse:
    """A scheduled prompt edited in place on the scheduled prompts page: title, text, time."""
    thread = _found(selectors.visible_thread(user=request.user, thread_id=thread_id))
    form = RescheduleForm(request.POST, prefix=f"t{thread.pk}")
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}: {errors[0]}" if label else errors[0])
    else:
        # A form without the text field (an older page) keeps the text.
        body = form.cleaned_data["body"] if form.add_prefix("body") in request.POST else None
        try:
            scheduling.reschedule_thread(
                thread=thread,
                by=request.user,
                title=form.cleaned_data["title"],
                body=body,
                publish_at=form.cleaned_data["publish_at"],
            )
        except ServiceError as error:
            messages.error(request, error.detail)
        else:
            messages.success(request, f"Saved “{form.cleaned_data['title']}”.")
    return redirect("scheduled_prompts", cohort_id=thread.cohort_id)


@login_required
def cancel_prompt(request: HttpRequest, thread_id: int) -> HttpResponse:
    """Asks first (GET), then cancels (POST) a scheduled prompt: it is deleted. The cohort's
    tutors only (everyone else: 404, so members never learn it existed)."""
    thread = _found(selectors.visible_thread(user=request.user, thread_id=thread_id))
    if not thread.viewer_is_tutor:
        raise Http404
    if not thread.is_scheduled:
        messages.error(request, "This thread is already published.")
        return redirect(thread.get_absolute_url())
    if request.method == "POST":
        try:
            scheduling.cancel_scheduled_thread(thread=thread.pk, by=request.user)
        except ServiceError as error:
            messages.error(request, error.detail)
        else:
            messages.success(request, f"Cancelled “{thread.title}”.")
        return redirect("scheduled_prompts", cohort_id=thread.cohort_id)
    return render(request, "mentoring/scheduled_cancel.html", {"thread": thread})
