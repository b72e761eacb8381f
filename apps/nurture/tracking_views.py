"""The open pixel and the click redirect of sequence emails (apps/nurture/tracking.py): no
login and nothing written while the reader waits; a hit is handed over and answered.

Every link of a tracked email comes through here, so `tracking_wsgi` answers these paths
straight from WSGI, before Django builds a request (no middleware, no URL resolver, no
signals: nothing these answers use; they set the headers they need themselves), for a
fraction of a request's cost; `config/wsgi.py` wraps the application with it. Through
Django's full stack (tests, `runserver`) the views below give the same answers.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from http import HTTPStatus
from urllib.parse import parse_qsl

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import iri_to_uri
from django.views.decorators.http import require_safe

from apps.nurture import tracking
from apps.nurture.models import TrackingHit

# Every fetch must reach us (no cache keeps the image), and the target learns nothing of it.
_HEADERS = {
    "Cache-Control": "no-store, private",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
_PIXEL_HEADERS = _HEADERS | {"Content-Type": "image/gif"}
_BROKEN_HEADERS = _HEADERS | {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
}


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes = b""


@cache
def _broken_link_page() -> bytes:
    return render_to_string("nurture/broken_link.html").encode()


HandOver = Callable[[tracking.Hit], None]


def _enqueue(meta, signed: tracking.Signed, hand_over: HandOver, *, kind: str, url="") -> None:
    if signed.current:
        hit = tracking.hit_from_request(
            signed,
            kind=kind,
            url=url,
            method=meta.get("REQUEST_METHOD", ""),
            user_agent=meta.get("HTTP_USER_AGENT", ""),
        )
        hand_over(hit)


def open_answer(token: str, meta, hand_over: HandOver) -> Answer:
    """The image, whatever the token: a broken or old one only records nothing. `meta` is
    the WSGI environ (a request's META); `hand_over` takes the hit."""
    signed = tracking.open_signed(token)
    if signed is not None:
        _enqueue(meta, signed, hand_over, kind=TrackingHit.Kind.OPEN)
    return Answer(HTTPStatus.OK, _PIXEL_HEADERS, tracking.PIXEL)


def click_answer(token: str, meta, hand_over: HandOver) -> Answer:
    """To the signed address; a link whose token or address was changed goes nowhere."""
    # The last `u`, as Django's QueryDict reads it.
    query = parse_qsl(meta.get("QUERY_STRING", ""), keep_blank_values=True, errors="replace")
    address = next((value for name, value in reversed(query) if name == "u"), "")
    signed = tracking.click_signed(token, address)
    if signed is None:
        return Answer(HTTPStatus.BAD_REQUEST, _BROKEN_HEADERS, _broken_link_page())
    _enqueue(meta, signed, hand_over, kind=TrackingHit.Kind.CLICK, url=address)
    return Answer(HTTPStatus.FOUND, _HEADERS | {"Location": iri_to_uri(address)})


def _response(answer: Answer) -> HttpResponse:
    return HttpResponse(answer.body, status=answer.status, headers=answer.headers)


# Through Django (tests, `runserver`) each hit is in Redis when the answer leaves.
@require_safe
def open_pixel(request: HttpRequest, token: str) -> HttpResponse:
    return _response(open_answer(token, request.META, tracking.hit_enqueue))


@require_safe
def click(request: HttpRequest, token: str) -> HttpResponse:
    return _response(click_answer(token, request.META, tracking.hit_enqueue))


_ANSWERS = {"open": open_answer, "click": click_answer}


def tracking_wsgi(application):
    """`application`, with GET and HEAD of the tracking paths (`tracking_urls`, matched by
    their own patterns) answered directly, their hits sent to Redis together by the process's
    `tracking.OUTBOX`; anything else, a 404 included, goes to it."""
    from apps.nurture.tracking_urls import urlpatterns

    prefix = reverse("tracking:open", args=["0"]).removesuffix("o/0.gif")
    routes = [(pattern.pattern, _ANSWERS[pattern.name]) for pattern in urlpatterns]

    def serve(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith(prefix) and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            for pattern, answer_for in routes:
                if (found := pattern.match(path[len(prefix) :])) and not found[0]:
                    answer = answer_for(found[2]["token"], environ, tracking.OUTBOX.put)
                    headers = [*answer.headers.items(), ("Content-Length", str(len(answer.body)))]
                    status = HTTPStatus(answer.status)
                    start_response(f"{status.value} {status.phrase}", headers)
                    return [answer.body]  # gunicorn sends no body for a HEAD
        return application(environ, start_response)

    return serve
