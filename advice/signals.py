"""..."""

from django.dispatch import Signal

checked_in = Signal()
