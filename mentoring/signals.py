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
