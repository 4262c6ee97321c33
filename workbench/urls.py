from __future__ import annotations

from django.urls import include, path, re_path

from . import duty, reminder_pages, reportsview, reviewfiles, views

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("account/password/", views.password_view, name="password"),
    path("", views.home, name="home"),
    path("items/", views.mine_view, name="mine"),
    path("items/new/", views.new_item, name="new"),
    path("items/revise/", views.revise, name="revise"),
    path("drafts/<int:pk>/", views.draft_view, name="draft"),
    path("drafts/<int:pk>/preview/", views.preview_view, name="preview"),
    path("drafts/<int:pk>/files/<str:name>", views.draft_file, name="draft_file"),
    path("queue/", views.queue_view, name="queue"),
    path("review/", views.review_view, name="review"),
    path("review/decide/", views.decide_view, name="decide"),
    path("review/form/", views.trail_view, name="trail"),
    path("review/file/", reviewfiles.file_view, name="review_file"),  # 发布后页面中的图片与附件（审核分支上的）
    path("merge/", views.merge_list, name="merge_list"),
    path("merge/do/", views.merge_view, name="merge"),
    path("duty/", duty.duty_view, name="duty"),
    path("duty/check/", duty.check_view, name="duty_check"),
    path("duty/restore/", duty.restore_view, name="duty_restore"),
    path("reports/", reportsview.reports_view, name="reports"),
    path("reports/doc/", reportsview.document_view, name="report_doc"),
    path("reports/file/", reportsview.file_view, name="report_file"),
    path("reports/report.css", reportsview.style_view, name="report_css"),
    path("", include("workbench.configurls")),  # 栏目与名册配置、操作日志
    path("reminders/", reminder_pages.reminders_view, name="reminders"),
    path("scheduled/", reminder_pages.scheduled_view, name="scheduled"),
    path("", include("workbench.peopleurls")),  # 人员：邀请、重置、换钥、停用、名册历史
    re_path(r"^static/(?P<path>.+)$", views.static_file, name="static"),
    re_path(r"^site/(?P<path>.*)$", views.site_file, name="site"),
]
handler403 = "workbench.views.forbidden"
handler400 = "workbench.views.bad_request"
