"""Reading the body of a bulk endpoint (a JSON array or NDJSON) as numbered items.

Shared by the bulk intake of events (`apps.engagement.ingestion`) and of accounts, contacts
and opportunities (`apps.imports`). Items come out one at a time, numbered by position in the
array or by line of the NDJSON, so a large body is never held as a list of objects; an item
that cannot be read becomes an `ItemError` of its own and the others still count. `noun` names
what the items are in the messages ("event", "record").
"""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import count
from typing import IO, Any

from apps.core.exceptions import ApplicationError

MAX_BODY_BYTES = 32 * 1024 * 1024
MAX_ITEM_BYTES = 16 * 1024
# How deep an item may nest (its objects and lists); the item itself is level 1.
MAX_NESTING = 16


class OversizePayload(ApplicationError):
    """The request as a whole is too big; nothing of it is stored (HTTP 413)."""


@dataclass(frozen=True)
class ItemError:
    item: int
    errors: dict[str, list[str]]


def ndjson_items(
    stream: IO[bytes], *, limit: int | None, noun: str, item_bytes: int = MAX_ITEM_BYTES
) -> Iterator[tuple[int, Any]]:
    """One JSON value per line, numbered by line; a line that is not JSON yields an ItemError.

    Reads a line at a time, so a big body never sits in memory; blank lines are skipped.
    More than `limit` bytes in all (None for no limit, as for files) raises OversizePayload.
    """
    read = 0
    for number in count(1):
        line = stream.readline(item_bytes + 1)
        if not line:
            return
        read += len(line)
        if len(line) > item_bytes and not line.endswith(b"\n"):
            read += _skip_line(stream, read, limit, noun)
            yield number, ItemError(number, {noun: [f"Longer than {item_bytes} bytes."]})
            continue
        _check_body_size(read, limit, noun)
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except ValueError as error:
            yield number, ItemError(number, {noun: [f"Malformed JSON: {error}."]})
        except RecursionError:
            yield number, _too_deep(number, noun)


def _skip_line(stream: IO[bytes], read: int, limit: int | None, noun: str) -> int:
    """Consume the rest of an oversize line; returns how many bytes that was."""
    skipped = 0
    while chunk := stream.readline(64 * 1024):
        skipped += len(chunk)
        _check_body_size(read + skipped, limit, noun)
        if chunk.endswith(b"\n"):
            break
    return skipped


_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")
# What matters when skipping over a value: its strings (which may hold brackets) and brackets.
_BRACKETS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def json_array_items(
    stream: IO[bytes], *, noun: str, limit: int = MAX_BODY_BYTES
) -> Iterator[tuple[int, Any]]:
    """The items of one JSON array, numbered from 1, decoded one by one: an item nested too deep
    to read is an error of its own. A body that is not a JSON array is refused whole: there are
    no items to tell apart."""
    body = stream.read(limit + 1)
    _check_body_size(len(body), limit, noun)
    try:
        text = body.decode(json.detect_encoding(body), "surrogatepass")
    except UnicodeDecodeError as error:
        raise _malformed(error) from error
    at = _SPACE.match(text).end()
    if at == len(text):
        raise empty_body(noun)
    if text[at] != "[":
        raise ApplicationError(
            f"Send a JSON array of {noun}s.", fields={"body": ["Expected a JSON array."]}
        )
    at = _SPACE.match(text, at + 1).end()
    number = 0
    while not text.startswith("]", at):
        if number:
            if not text.startswith(",", at):
                raise _malformed(f"Expecting ',' or ']' at character {at}")
            at = _SPACE.match(text, at + 1).end()
        number += 1
        try:
            item, at = _DECODER.raw_decode(text, at)
        except ValueError as error:
            raise _malformed(error) from error
        except RecursionError:
            item, at = _too_deep(number, noun), _value_end(text, at)
        yield number, item
        at = _SPACE.match(text, at).end()
    if _SPACE.match(text, at + 1).end() != len(text):
        raise _malformed(f"Extra data after the array at character {at + 1}")


def _value_end(text: str, start: int) -> int:
    """Where the array or object at `start` ends, however deep it nests."""
    depth = 0
    for token in _BRACKETS.finditer(text, start):
        bracket = token.group()
        if bracket in ("[", "{"):
            depth += 1
        elif bracket in ("]", "}"):
            depth -= 1
            if depth == 0:
                return token.end()
    raise _malformed(f"Unterminated value from character {start}")


def _malformed(error: Exception | str) -> ApplicationError:
    return ApplicationError("Malformed JSON.", fields={"body": [f"Not valid JSON: {error}."]})


def _too_deep(number: int, noun: str) -> ItemError:
    return ItemError(number, {noun: [f"Nested more than {MAX_NESTING} levels deep."]})


def empty_body(noun: str) -> ApplicationError:
    return ApplicationError("The body is empty.", fields={"body": [f"Send at least one {noun}."]})


def oversize_body(limit: int, noun: str) -> OversizePayload:
    return OversizePayload(
        f"A request carries at most {limit // (1024 * 1024)} MB of {noun}s.",
        fields={"body": [f"Too large: split the {noun}s over several requests."]},
    )


def _check_body_size(size: int, limit: int | None, noun: str) -> None:
    if limit is not None and size > limit:
        raise oversize_body(limit, noun)
