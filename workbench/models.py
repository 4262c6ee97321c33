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


class Operation(models.Model):
    """The operations log (操作日志): who did what to what, and when. Kept outside the site and outside git."""

    when = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.CharField(max_length=150, db_index=True)  # person id ('' : the system, e.g. a scheduled job)
    action = models.CharField(max_length=40, db_index=True)  # login, logout, invite, enrol, submit, approve, ...
    target = models.CharField(max_length=300, blank=True)  # a branch, an item path, a person id, a release ...
    detail = models.JSONField(default=dict, blank=True)
    address = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-when", "-id"]


class Invite(models.Model):
    """A one-time link: an invitation to a new account, or a password reset. Only the token's hash is kept."""

    INVITE, RESET = "invite", "reset"
    token_hash = models.CharField(max_length=64, unique=True)
    person = models.CharField(max_length=150, db_index=True)
    purpose = models.CharField(max_length=10, default=INVITE)
    created_by = models.CharField(max_length=150)
    created = models.DateTimeField(auto_now_add=True)
    expires = models.DateTimeField()
    used = models.DateTimeField(null=True, blank=True)


class Notice(models.Model):
    """A reminder given to a person (in the app, and by mail when configured); `key` makes it given once."""

    person = models.CharField(max_length=150, db_index=True)
    kind = models.CharField(max_length=30)  # waiting, returned, deadline, stale, quota, ...
    key = models.CharField(max_length=300)  # what it is about, e.g. "waiting:review/sun.lixin/x@<sha>"
    text = models.TextField()
    link = models.CharField(max_length=300, blank=True)
    due = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    mailed = models.DateTimeField(null=True, blank=True)  # when it went out in a mail ('' : not yet / no mail)
    seen = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [models.UniqueConstraint(fields=["person", "key"], name="notice_once")]


class SiteCheck(models.Model):
    """One run of the duty checks on the live site (verify-site, audit): what was found, for the duty page."""

    when = models.DateTimeField(auto_now_add=True, db_index=True)
    kind = models.CharField(max_length=20)  # verify, audit, publish, restore
    ok = models.BooleanField()
    summary = models.TextField(blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-when", "-id"]
