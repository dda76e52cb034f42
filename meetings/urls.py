from django.http import HttpResponse
from django.urls import path

app_name = "meetings"
urlpatterns = [path("", lambda request: HttpResponse("todo"), name="list")]
