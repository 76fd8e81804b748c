"""Signals other apps listen to, so that ``mentoring`` never imports them.

They also let one feature react to another's change without the lower one importing the higher
(a cohort does not know that it has boards: boards make theirs when told one was created).
"""

from django.dispatch import Signal

# Sent inside the creating transaction with ``cohort`` (its tutors already enrolled), so a
# receiver's failure rolls the cohort back: a cohort never exists without what receivers make.
cohort_created = Signal()

# Sent inside the enrolment transaction with ``cohort`` and ``users`` (the newly enrolled).
members_enrolled = Signal()

# Sent after the commit that records a member's request to delete their account, with
# ``request`` (an ``ErasureRequest``): ``mentoring.privacy`` queues the erasure for when it is due.
erasure_requested = Signal()

# A tutor or staff member opened a thread (``reader``, ``thread``); privacy logs it for the
# author when it is a member's question on "Ask a tutor" (boards need not know the access log).
thread_opened = Signal()

# A tutor exported the participation of ``subject_ids`` in ``cohort`` (the dashboard's CSV, sent
# before its first byte); privacy logs it for each of them.
participation_exported = Signal()

# A scenario group submitted its solution, or a tutor gave feedback on one (sent inside that
# transaction): ``cohort``, ``users`` (the group's members), ``key`` (``release:<id>``),
# ``label`` (the scenario's title) and ``comment`` (the feedback, or ""). The LTI gradebook
# (mentoring.lti) sends the group's score to the courses the cohort runs in.
solution_graded = Signal()
