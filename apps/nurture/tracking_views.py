"""The open pixel and the click redirect of sequence emails (apps/nurture/tracking.py): no
login and nothing written while the reader waits; a hit is handed over and answered.

Every link of a tracked email comes through here, so `bare_wsgi` serves these paths without
Django's middleware (sessions, users, CSRF, messages, CSP: nothing these answers use; they set
the headers they need themselves), a fraction of a request's cost; `config/wsgi.py` wraps the
application with it. Through Django's full stack (tests, `runserver`) they answer the same.
"""

from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_safe

from apps.nurture import tracking
from apps.nurture.models import TrackingHit

# Every fetch must reach us (no cache keeps the image), and the target learns nothing of it.
_HEADERS = {
    "Cache-Control": "no-store, private",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def _enqueue(request: HttpRequest, signed: tracking.Signed, *, kind: str, url: str = "") -> None:
    if signed.current:
        hit = tracking.hit_from_request(
            signed,
            kind=kind,
            url=url,
            method=request.method,
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
        tracking.hit_enqueue(hit)


@require_safe
def open_pixel(request: HttpRequest, token: str) -> HttpResponse:
    """The image, whatever the token: a broken or old one only records nothing."""
    signed = tracking.open_signed(token)
    if signed is not None:
        _enqueue(request, signed, kind=TrackingHit.Kind.OPEN)
    return HttpResponse(tracking.PIXEL, content_type="image/gif", headers=_HEADERS)


@require_safe
def click(request: HttpRequest, token: str) -> HttpResponse:
    """To the signed address; a link whose token or address was changed goes nowhere."""
    address = request.GET.get("u", "")
    signed = tracking.click_signed(token, address)
    if signed is None:
        return HttpResponse(
            render_to_string("nurture/broken_link.html"),
            status=400,
            headers=_HEADERS
            | {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"},
        )
    _enqueue(request, signed, kind=TrackingHit.Kind.CLICK, url=address)
    return HttpResponseRedirect(address, headers=_HEADERS)


class _BareHandler(WSGIHandler):
    """Django's WSGI handler with no middleware."""

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware, self._template_response_middleware = [], []
        self._exception_middleware = []
        self._middleware_chain = convert_exception_to_response(self._get_response)


def bare_wsgi(application):
    """`application`, with the tracking paths answered by a handler without middleware."""
    from apps.nurture.tracking_urls import urlpatterns

    bare = _BareHandler()
    prefix = reverse("tracking:open", args=["0"]).removesuffix("o/0.gif")

    def serve(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith(prefix) and any(p.resolve(path[len(prefix) :]) for p in urlpatterns):
            return bare(environ, start_response)
        return application(environ, start_response)  # anything else, a 404 page included

    return serve
