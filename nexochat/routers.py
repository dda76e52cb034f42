from rest_framework.routers import DefaultRouter


def api_router():
    """A router for an API resource: no root view (the schema documents the API) and no ".json" suffix
    routes, which the extra actions cannot take (they have no `format` argument: a 500, found by the
    isolation matrix test); the API speaks JSON only anyway."""
    router = DefaultRouter(trailing_slash=True)
    router.include_root_view = False
    router.include_format_suffixes = False
    return router
