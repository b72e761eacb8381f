class ApplicationError(Exception):
    """The one error services raise for a rule of the domain; the API turns it into a 400.

    `fields` maps a field name to its messages, so clients can show the error where it belongs.
    """

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class NotPermitted(ApplicationError):
    """A rule about who may do something rather than what: the API answers 403, a page shows
    the message. E.g. only a deal's owner or a sales manager moves its stage."""
