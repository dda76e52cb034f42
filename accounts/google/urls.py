from allauth.socialaccount.providers.google.views import login_by_token
from allauth.socialaccount.providers.oauth2.urls import default_urlpatterns
from django.urls import path

from .provider import GoogleProvider

urlpatterns = default_urlpatterns(GoogleProvider)
urlpatterns += [path("google/login/token/", login_by_token, name="google_login_by_token")]
