"""What advice tells the parts that watch it (the alert rules, the dashboard).

``checked_in(check_in_id, customer_id, kind, audience, mood)``: a customer logged a
check-in that is not a measurement (a habit done, a mood, a meal, symptoms), sent after
the commit, with what a receiver needs to decide without reading it again (``audience``:
``care_team`` or ``private``; ``mood``: 1 to 5 or None). A measurement is a result:
``profiles.signals.results_written`` tells of it. A receiver decides for itself what the
care team may see (``CheckIn.audience``).
"""

from __future__ import annotations

from django.dispatch import Signal

checked_in = Signal()
