"""Signals other apps listen to, so that ``mentoring`` never imports them."""

from django.dispatch import Signal

# Sent inside the enrolment transaction with ``cohort`` and ``users`` (the newly enrolled).
members_enrolled = Signal()
