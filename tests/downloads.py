"""Reading what a download view streamed, as a browser would receive it."""

import csv
import io

from django.http import HttpResponseBase


def body(response: HttpResponseBase) -> str:
    """The whole text of a response, streamed or not (a streamed one is consumed here)."""
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def csv_rows(response: HttpResponseBase) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body(response))))
