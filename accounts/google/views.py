from allauth.socialaccount.providers.google.views import GoogleOAuth2Adapter
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from django.conf import settings


class ConfiguredGoogleOAuth2Adapter(GoogleOAuth2Adapter):
    @property
    def authorize_url(self):
        return settings.GOOGLE_OAUTH_ENDPOINTS["authorize"]

    @property
    def access_token_url(self):
        return settings.GOOGLE_OAUTH_ENDPOINTS["token"]

    @property
    def identity_url(self):
        return settings.GOOGLE_OAUTH_ENDPOINTS["userinfo"]


oauth2_login = OAuth2LoginView.adapter_view(ConfiguredGoogleOAuth2Adapter)
oauth2_callback = OAuth2CallbackView.adapter_view(ConfiguredGoogleOAuth2Adapter)
