from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from accounts.identity import normalized_or_none
from accounts.models import User


class EmailBackend(ModelBackend):
    """Email and password, the email normalised as every door does
    (``accounts.identity``); an address not verified yet does not sign in. The doors
    people use go through ``accounts.signin.check_credentials`` (with its limits)."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        email = normalized_or_none(kwargs.get("email") or username)
        if not email or password is None:
            return None
        user = User.objects.filter(email=email).first()
        if user is None or not user.check_password(password):
            return None
        if user.email_verified_at is None or not self.user_can_authenticate(user):
            return None
        return user
