"""The conference management API under /api/v1/ (routes in meetings/conference/urls.py, api_urlpatterns),
one module per concern as in the services: scheduling, items, sharing, calendars. Bodies are in
meetings/conference/serializers.py."""
