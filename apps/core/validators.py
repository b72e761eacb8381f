"""Single-line text: names, titles and subjects that end up in email headers, CSV cells and
page titles hold no line break or control character.

`single_line` is attached to those model fields, so every path that validates a record (API,
admin, forms, imports through the services) refuses them; `fold_to_single_line` cleans a value
that is put into a header anyway (a merged subject, a row stored before the rule).
"""

import re

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

# C0 and C1 control characters (line feed, carriage return, tab, NUL, …), DEL, and the Unicode
# line and paragraph separators: everything that breaks a line or a header.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_RUNS = re.compile(_CONTROL.pattern + "+")


@deconstructible
class SingleLineValidator:
    message = "Keep this on one line: no line breaks, tabs or other control characters."
    code = "single_line"

    def __call__(self, value: str) -> None:
        if _CONTROL.search(value):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SingleLineValidator)

    def __hash__(self) -> int:
        return hash(self.code)


single_line = SingleLineValidator()


def fold_to_single_line(value: str) -> str:
    """Each run of line breaks and control characters becomes one space."""
    return _CONTROL_RUNS.sub(" ", value)
