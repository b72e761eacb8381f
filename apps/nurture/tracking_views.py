"""The open pixel and the click redirect of sequence emails (apps/nurture/tracking.py): no
login and nothing written while the reader waits; a hit is handed over and answered."""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_safe

from apps.nurture import tracking
from apps.nurture.models import TrackingHit

# Every fetch must reach us (no cache keeps the image), and the target learns nothing of it.
_HEADERS = {"Cache-Control": "no-store, private", "Referrer-Policy": "no-referrer"}


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
        broken = render(request, "nurture/broken_link.html", status=400)
        for name, value in _HEADERS.items():
            broken[name] = value
        return broken
    _enqueue(request, signed, kind=TrackingHit.Kind.CLICK, url=address)
    return HttpResponseRedirect(address, headers=_HEADERS)
