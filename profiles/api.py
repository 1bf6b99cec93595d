"""The HTTP doors of profiles and health records (thin: every rule is in the services)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["profiles"])
