"""What profiles tells the floors above it.

``results_written(customer_id, result_ids)``: results were added or amended for a customer
(each id a current result, derived ones included), sent after the commit. Apps above
(advice's alert rules, goals) react to it; a receiver decides for itself what the care
team may see.
"""

from __future__ import annotations

from django.dispatch import Signal

results_written = Signal()
