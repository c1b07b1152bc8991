from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from gensidig.ops.health import readiness


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """For load balancers and orchestrators: 200 when this process can serve, else 503.
    Names of checks and figures only; nothing about people."""
    ready, checks = readiness()
    return JsonResponse(
        {"status": "ready" if ready else "not ready", **checks}, status=200 if ready else 503
    )


def may_scrape(request: HttpRequest) -> bool:
    token = settings.GENSIDIG_METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if given and hmac.compare_digest(given.encode(), token.encode()):
            return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in settings.GENSIDIG_METRICS_NETWORKS)


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics, for a bearer token (GENSIDIG_METRICS_TOKEN) or an allowed
    network (GENSIDIG_METRICS_NETWORKS); everyone else is refused."""
    if not may_scrape(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    from prometheus_client import CONTENT_TYPE_LATEST

    from gensidig.ops.metrics import exposition

    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
