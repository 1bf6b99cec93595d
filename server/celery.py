"""The Celery app. Tasks live in each app's ``tasks.py``; in embedded mode they run inline."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")

app = Celery("edietitian")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
