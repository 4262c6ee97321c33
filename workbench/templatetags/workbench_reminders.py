"""{% open_reminders user as n %}: the number of open reminders, for the 我的提醒 link in the navigation."""
from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag
def open_reminders(user: Any) -> int:
    from ..reminders import open_count

    if not getattr(user, "is_authenticated", False):
        return 0
    return open_count(user.get_username())
