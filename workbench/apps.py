from __future__ import annotations

from django.apps import AppConfig


class WorkbenchConfig(AppConfig):
    name = "workbench"
    verbose_name = "编辑审核工作台"
    default_auto_field = "django.db.models.BigAutoField"
