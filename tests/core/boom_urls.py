from django.urls import path


def explode(request):
    raise RuntimeError("secret internal detail that must not reach the reader")


urlpatterns = [path("boom/", explode)]
