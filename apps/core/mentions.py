"""Finding and blanking the places where free text names one person (for GDPR erasure)."""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from django.db.models import Q, QuerySet

ERASED = "[erased]"


@dataclass(frozen=True)
class Mentions:
    """A person's names in text: their email, full name, first and last name.

    Rows are found with a case-insensitive `contains` (an index-free scan, so callers narrow
    the rows first, e.g. to the person's account); text is rewritten only where a term stands
    as a whole word, so "Al" leaves "Also" alone.
    """

    terms: tuple[str, ...]

    @classmethod
    def of(cls, *terms: str) -> "Mentions":
        # Longest first, so that "Ada Lovelace" goes as one before "Ada" would split it.
        kept = {term.strip() for term in terms if term and term.strip()}
        return cls(terms=tuple(sorted(kept, key=lambda term: (-len(term), term))))

    @property
    def _pattern(self) -> re.Pattern:
        words = "|".join(re.escape(term) for term in self.terms)
        return re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.IGNORECASE)

    def q(self, *fields: str) -> Q:
        """Rows where any of `fields` may name the person."""
        where = Q()
        for field in fields:
            for term in self.terms:
                where |= Q(**{f"{field}__icontains": term})
        return where

    def scrub(self, value):
        """`value` (text, or JSON: dicts, lists, strings) with every mention replaced."""
        if not self.terms:
            return value
        if isinstance(value, str):
            return self._pattern.sub(ERASED, value)
        if isinstance(value, list):
            return [self.scrub(item) for item in value]
        if isinstance(value, dict):
            return {self.scrub(key): self.scrub(item) for key, item in value.items()}
        return value

    def scrub_rows(self, queryset: QuerySet, fields: list[str]) -> int:
        """Rewrite `fields` of the rows of `queryset` that mention the person; returns how
        many rows changed."""
        if not self.terms:
            return 0
        changed = []
        for row in queryset.filter(self.q(*fields)).only("pk", *fields):
            before = [getattr(row, field) for field in fields]
            for field in fields:
                setattr(row, field, self.scrub(getattr(row, field)))
            if before != [getattr(row, field) for field in fields]:
                changed.append(row)
        queryset.model.objects.bulk_update(changed, fields, batch_size=500)
        return len(changed)


def url_without_query(url: str) -> str:
    """The page without its query string and fragment, where personal values travel
    (`?email=…`, tracking ids); scheme, host and path stay, so URL rules still match."""
    if not url:
        return url
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
