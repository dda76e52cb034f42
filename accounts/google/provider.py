from allauth.socialaccount.providers.google.provider import GoogleProvider as BaseGoogleProvider

from .views import ConfiguredGoogleOAuth2Adapter


class GoogleProvider(BaseGoogleProvider):
    oauth2_adapter_class = ConfiguredGoogleOAuth2Adapter
    # Urls come from accounts.google.urls, with the same names and paths as allauth's own.
    package = "accounts.google"
