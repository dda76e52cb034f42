class KoreanFirstMiddleware:
    """Korean unless the user picked another language (the language menu sets a cookie).

    Django would otherwise follow the browser's Accept-Language, and many Korean teams run
    English-locale browsers. Runs before LocaleMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
