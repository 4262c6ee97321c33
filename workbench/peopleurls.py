"""URLs of the people pages (workbench/people.py), included by workbench/urls.py."""
from __future__ import annotations

from django.urls import path

from . import people

urlpatterns = [
    path("people/", people.people_view, name="people"),
    path("people/invite/", people.invite_view, name="people_invite"),
    path("people/reset/", people.reset_view, name="people_reset"),
    path("people/deactivate/", people.deactivate_view, name="people_deactivate"),
    path("people/key/", people.replace_key_view, name="people_key"),
    path("people/history/", people.history_view, name="people_history"),
    path("people/accept/<str:token>/", people.accept_view, name="people_accept"),
]
