"""Revocation for changes made outside the services (the Django admin, the shell)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import pre_save
from django.dispatch import receiver

from accounts.models import User


@receiver(pre_save, sender=User)
def close_sockets_of_deactivated_user(sender: type[User], instance: User, **kwargs: Any) -> None:
    if instance.pk is None or instance.is_active:
        return
    was_active = User.objects.filter(pk=instance.pk, is_active=True).exists()
    if was_active:
        from realtime.connections import close_user_sockets

        user_id = instance.pk
        transaction.on_commit(lambda: close_user_sockets(user_id))
