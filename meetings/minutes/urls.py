"""Minutes routes, included by nexochat/urls.py: the pages of a meeting's minutes (`urlpatterns`, under
/meetings/<id:pk>/minutes/, namespace "minutes"), the organization's minutes settings
(`settings_urlpatterns`, under /meetings/minutes-settings/, namespace "minutes_settings"), and the API of
both (`api_urlpatterns` under /api/v1/meetings/<id:pk>/minutes/, `api_settings_urlpatterns` under
/api/v1/organizations/<id:org_id>/minutes-settings/)."""

from django.urls import path

from meetings.minutes import api, views

app_name = "minutes"
urlpatterns = [
    path("", views.minutes_panel, name="panel"),
    path("progress/", views.minutes_progress, name="progress"),
    path("generate/", views.minutes_generate, name="generate"),
    path("edit/", views.minutes_edit, name="edit"),
    path("review/", views.minutes_review, name="review"),
    path("export/<str:fmt>/", views.minutes_export, name="export"),
]

settings_urlpatterns = [
    path("", views.minutes_settings, name="settings"),
    path("templates/", views.template_create, name="template_create"),
    path("templates/<id:template_id>/", views.template_edit, name="template_edit"),
    path("templates/<id:template_id>/delete/", views.template_delete, name="template_delete"),
]

api_urlpatterns = [
    path("", api.MinutesView.as_view(), name="minutes"),
    path("versions/", api.MinutesVersionsView.as_view(), name="minutes-versions"),
    path("generate/", api.MinutesGenerateView.as_view(), name="minutes-generate"),
    path("job/", api.MinutesJobView.as_view(), name="minutes-job"),
    path("review/", api.MinutesReviewView.as_view(), name="minutes-review"),
    path("export/<str:fmt>/", api.MinutesExportView.as_view(), name="minutes-export"),
    path("action-items/<id:item_id>/", api.ActionItemView.as_view(), name="minutes-action-item"),
]

api_settings_urlpatterns = [
    path("", api.AISettingsView.as_view(), name="minutes-settings"),
    path("templates/", api.TemplateListView.as_view(), name="minutes-templates"),
    path("templates/<id:template_id>/", api.TemplateDetailView.as_view(), name="minutes-template"),
]
