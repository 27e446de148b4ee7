"""The error taxonomy of outgoing HTTP calls: one table from status to action.

Every client of an external system classifies an answer with :func:`classify` and raises a
subclass of :class:`ApiError`. The flags on the error tell the sync what to do with it:

- ``retriable``: transient (5xx, timeouts, dropped connections, 429); try again later;
- ``config_error``: the customer's setup is wrong (credentials, permissions, base URL); a run
  fails with a message the customer can act on and is not retried;
- ``skippable``: one record was refused; the run logs it and goes on with the next record.

Anything else is fatal for the run.
"""

from __future__ import annotations

import enum

from integrations.phrases import Phrase


class ResponseAction(enum.StrEnum):
    SUCCESS = "success"
    RETRY = "retry"  # transient: the same request may succeed later
    RATE_LIMITED = "rate_limited"  # wait for Retry-After, then repeat
    REAUTHENTICATE = "reauthenticate"  # the token is stale: refresh or log in, then repeat
    CONFIG = "config"  # permission or address problem: the customer must change a setting
    REJECT_RECORD = "reject_record"  # this one record was refused; the run goes on
    FAIL = "fail"  # a bug or an unexpected answer: the run fails


# Status codes whose meaning does not depend on the request. Codes not listed fall back to
# their class (2xx success, 5xx retry, other 4xx see classify()).
STATUS_ACTIONS: dict[int, ResponseAction] = {
    401: ResponseAction.REAUTHENTICATE,
    403: ResponseAction.CONFIG,
    408: ResponseAction.RETRY,
    425: ResponseAction.RETRY,
    429: ResponseAction.RATE_LIMITED,
    500: ResponseAction.RETRY,
    502: ResponseAction.RETRY,
    503: ResponseAction.RETRY,
    504: ResponseAction.RETRY,
}

# Answers that refuse the content of one record when we wrote (or addressed) that record.
RECORD_STATUSES = frozenset({400, 404, 409, 422})


def classify(status: int, *, record: bool) -> ResponseAction:
    """The action for an HTTP status.

    ``record`` is true when the request wrote one record or addressed it by id: then a
    400/404/409/422 refuses just that record. On a collection read the same codes mean the
    request itself (or the base URL) is wrong.
    """
    if status < 400:
        return ResponseAction.SUCCESS
    if status in STATUS_ACTIONS:
        return STATUS_ACTIONS[status]
    if status >= 500:
        return ResponseAction.RETRY
    if status == 404:
        # 404 on a record addressed by id: the record is gone. On a collection: wrong address.
        return ResponseAction.REJECT_RECORD if record else ResponseAction.CONFIG
    if record and status in RECORD_STATUSES:
        return ResponseAction.REJECT_RECORD
    return ResponseAction.FAIL


class ApiError(Exception):
    """Base of all errors of outgoing HTTP calls.

    ``message`` is written for the customer; ``sentence`` is the same as a ``Phrase`` when it is
    one (stored as codes, read later in the reader's language). ``str()`` of an error never
    contains a secret: no password, no token, no request body.
    """

    retriable: bool = False
    config_error: bool = False
    skippable: bool = False

    def __init__(self, message: str | Phrase, *, status: int | None = None) -> None:
        super().__init__(str(message))
        self.message = str(message)  # in the language active where it was raised
        # What a stored row keeps (a run's error, a probe's result): the phrase, when it is one.
        self.sentence: str | Phrase = message
        self.status = status

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, message={self.message!r})"
