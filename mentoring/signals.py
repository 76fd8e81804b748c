"""Signals other apps listen to, so that ``mentoring`` never imports them."""

from django.dispatch import Signal

# Sent inside the enrolment transaction with ``cohort`` and ``users`` (the newly enrolled).
members_enrolled = Signal()

# Sent after the commit that records a member's request to delete their account, with
# ``request`` (an ``ErasureRequest``): ``mentoring.privacy`` queues the erasure for when it is due.
erasure_requested = Signal()
