from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def root(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=404)
