"""The one Server object of this process, made from the settings."""
from __future__ import annotations

import functools

from django.conf import settings

from .repos import Server


@functools.cache
def server() -> Server:
    return Server(settings.SERVER, settings.DATA)
