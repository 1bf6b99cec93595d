"""Plain helpers for the community tests (and the socket tests of the same features)."""

from __future__ import annotations

# A survey's questions, one of each kind.
QUESTIONS = [
    {"kind": "single", "text": "Breakfast?", "required": True, "options": ["Oats", "Eggs"]},
    {"kind": "multiple", "text": "Fruit?", "options": ["Apple", "Pear", "Kiwi"]},
    {"kind": "scale", "text": "Energy?", "scale_min": 1, "scale_max": 5},
    {"kind": "text", "text": "Anything else?"},
]
