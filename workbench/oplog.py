"""The operations log: one call records what a person (or the system) did. Read by the 操作日志 page."""
from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .models import Operation


def address(request: HttpRequest | None) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))[:64] if request is not None else ""


def record(actor: str, action: str, target: str = "", request: HttpRequest | None = None,
           **detail: Any) -> Operation:
    """Record `actor` doing `action` to `target`; `detail` must be JSON-serialisable (strings, numbers, lists)."""
    return Operation.objects.create(actor=actor[:150], action=action[:40], target=target[:300],
                                    detail=detail, address=address(request))
