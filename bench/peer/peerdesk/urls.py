"""django-helpdesk at the root (its API is /api/tickets/...), and /healthz for readiness."""

from django.http import HttpResponse
from django.urls import include, path


def healthz(request):
    """Answers without touching the database, so waiting for it costs the server nothing."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("healthz", healthz),
    path("", include("helpdesk.urls", namespace="helpdesk")),
]
