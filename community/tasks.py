"""The community's background jobs live beside the part they serve; Celery discovers
each app's ``tasks`` module, so this one imports the parts'."""

import community.forum.tasks
import community.messaging.tasks  # noqa: F401
