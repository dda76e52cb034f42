"""Minutes pages. `urlpatterns` is included under /meetings/<int:pk>/minutes/ (namespace "minutes");
`settings_urlpatterns` under /meetings/minutes-settings/ (namespace "minutes_settings"):

    path("meetings/minutes-settings/", include((minutes_urls.settings_urlpatterns, "minutes_settings"))),
    path("meetings/<int:pk>/minutes/", include("meetings.minutes.urls")),
"""

from django.urls import path

from meetings.minutes import views

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
    path("templates/<int:template_id>/", views.template_edit, name="template_edit"),
    path("templates/<int:template_id>/delete/", views.template_delete, name="template_delete"),
]
