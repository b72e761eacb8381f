"""The open pixel and the click redirect of sequence emails (apps/nurture/tracking.py): no
login and nothing written while the reader waits; a hit is handed over and answered.

Every link of a tracked email comes through here, so a server answers these paths before
Django builds a request (no middleware, no URL resolver, no signals: nothing these answers
use; they set the headers they need themselves), for a fraction of a request's cost:
`tracking_asgi` wraps the ASGI application (`config/asgi.py`, the tracking server: gunicorn's
uvicorn worker), `tracking_wsgi` the WSGI one (`config/wsgi.py`); both route through
`direct_answer`. Through Django's full stack (tests, `runserver`) the views below give the
same answers.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache, cached_property, partial
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

    def header_items(self) -> list[tuple[str, str]]:
        return [*self.headers.items(), ("Content-Length", str(len(self.body)))]

    @cached_property
    def asgi_headers(self) -> list[tuple[bytes, bytes]]:
        return [(name.lower().encode(), value.encode()) for name, value in self.header_items()]


_PIXEL_ANSWER = Answer(HTTPStatus.OK, _PIXEL_HEADERS, tracking.PIXEL)  # its headers encoded once


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
    return _PIXEL_ANSWER


def click_answer(token: str, meta, hand_over: HandOver) -> Answer:
    """To the signed address; a link whose token or address was changed goes nowhere."""
    address = _last_address(meta.get("QUERY_STRING", ""))
    signed = tracking.click_signed(token, address)
    if signed is None:
        return Answer(HTTPStatus.BAD_REQUEST, _BROKEN_HEADERS, _broken_link_page())
    _enqueue(meta, signed, hand_over, kind=TrackingHit.Kind.CLICK, url=address)
    return Answer(HTTPStatus.FOUND, _HEADERS | {"Location": iri_to_uri(address)})


def _last_address(query: str) -> str:
    """The last `u` of the query, as Django's QueryDict reads it."""
    fields = parse_qsl(query, keep_blank_values=True, errors="replace")
    return next((value for name, value in reversed(fields) if name == "u"), "")


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


@cache
def _routes() -> tuple[str, list]:
    """The tracking paths' prefix, and each path's own pattern (`tracking_urls`) with its answer."""
    from apps.nurture.tracking_urls import urlpatterns

    prefix = reverse("tracking:open", args=["0"]).removesuffix("o/0.gif")
    return prefix, [(pattern.pattern, _ANSWERS[pattern.name]) for pattern in urlpatterns]


def direct_answer(method: str, path: str) -> Callable[[Mapping], Answer] | None:
    """For GET or HEAD of a tracking path, what answers it given the request's WSGI-named
    `meta`, handing its hit to the process's `tracking.OUTBOX` (sent to Redis with others of
    the moment); None for anything else, a 404 included: that is the full stack's."""
    prefix, routes = _routes()
    if path.startswith(prefix) and method in ("GET", "HEAD"):
        for pattern, answer_for in routes:
            if (found := pattern.match(path[len(prefix) :])) and not found[0]:
                return partial(answer_for, found[2]["token"], hand_over=tracking.OUTBOX.put)
    return None


def tracking_wsgi(application):
    """The WSGI `application`, with the tracking paths answered directly (`direct_answer`)."""

    def serve(environ, start_response):
        answer_for = direct_answer(environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", ""))
        if answer_for is None:
            return application(environ, start_response)
        answer = answer_for(environ)
        status = HTTPStatus(answer.status)
        start_response(f"{status.value} {status.phrase}", answer.header_items())
        return [answer.body]  # gunicorn sends no body for a HEAD

    return serve


def tracking_asgi(application):
    """The ASGI `application`, with the tracking paths answered directly (`direct_answer`)."""

    async def serve(scope, receive, send):
        answer_for = None
        if scope["type"] == "http":
            # As Django's ASGI request reads it: the path below the root path.
            path = scope["path"].removeprefix(scope.get("root_path", ""))
            answer_for = direct_answer(scope["method"], path)
        if answer_for is None:
            return await application(scope, receive, send)
        answer = answer_for(_asgi_meta(scope))
        await send(
            {"type": "http.response.start", "status": answer.status, "headers": answer.asgi_headers}
        )
        await send({"type": "http.response.body", "body": answer.body})  # uvicorn drops it for HEAD

    return serve


def _asgi_meta(scope) -> dict[str, str]:
    """What the answers read of a request, named and decoded as WSGI has it (latin-1)."""
    agent = next((value for name, value in scope["headers"] if name == b"user-agent"), b"")
    return {
        "REQUEST_METHOD": scope["method"],
        "QUERY_STRING": scope["query_string"].decode("latin-1"),
        "HTTP_USER_AGENT": agent.decode("latin-1"),
    }
