"""Browser pages, one module per part of the app (events, settings, moderation, ...)."""
