"""What the workbench keeps besides git: accounts' encrypted keys, drafts not yet submitted, failed logins."""
from __future__ import annotations

from django.conf import settings
from django.db import models


class SigningKey(models.Model):
    """A person's SSH key: the private half only in OpenSSH's passphrase-protected format."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signing_key")
    private = models.TextField()
    public = models.TextField()
    created = models.DateTimeField(auto_now_add=True)


class Draft(models.Model):
    """An item being written in the browser: the whole file text, and what it was based on."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="drafts")
    path = models.CharField(max_length=300)  # content/<column>/<date>-<slug>.md
    branch = models.CharField(max_length=300, blank=True)  # the review branch it revises ('' : a new submission)
    base_blob = models.CharField(max_length=40, blank=True)  # blob of `path` it started from ('' : new file)
    version = models.PositiveIntegerField(default=1)  # bumped on every save: a stale form is a conflict
    text = models.TextField()
    submitted_branch = models.CharField(max_length=300, blank=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated"]


class FailedLogin(models.Model):
    username = models.CharField(max_length=150, db_index=True)
    address = models.CharField(max_length=64, db_index=True)
    when = models.DateTimeField(auto_now_add=True, db_index=True)
