"""The URLs of the configuration forms and the operations log (included by workbench.urls)."""
from __future__ import annotations

from django.urls import path

from . import configforms, oplogview

urlpatterns = [
    path("config/", configforms.config_home, name="config"),
    path("config/columns/new/", configforms.column_edit, name="config_column_new"),
    path("config/columns/<str:cid>/", configforms.column_edit, name="config_column"),
    path("config/people/<str:pid>/", configforms.person_edit, name="config_person"),
    path("config/departments/new/", configforms.department_edit, name="config_department_new"),
    path("config/departments/<str:did>/", configforms.department_edit, name="config_department"),
    path("oplog/", oplogview.oplog_view, name="oplog"),
    path("oplog/export.csv", oplogview.export_view, name="oplog_export"),
]
