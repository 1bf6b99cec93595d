"""The community's topics: each of its parts registers its own topic kinds, events and
actions (``realtime`` imports this module for the app, as every app's ``topics.py``)."""

import community.forum.topics
import community.messaging.topics
import community.surveys.topics  # noqa: F401
