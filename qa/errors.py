"""Domain errors. Each message says what went wrong and what to do about it."""

from __future__ import annotations


class QAError(Exception):
    """Base class: the CLI and app show ``str(error)`` as one line, never a traceback."""


class IndexNotFound(QAError):
    def __init__(self, index_dir: object) -> None:
        super().__init__(f"no index at {index_dir}/ - run `qa index corpus/` to build one")


class IndexCorrupt(QAError):
    def __init__(self, index_dir: object, detail: str) -> None:
        super().__init__(
            f"the index at {index_dir}/ is damaged ({detail}) - rebuild it with `qa index --full`"
        )


class IndexMismatch(QAError):
    """The index was built with another model or an incompatible format."""


class IndexBusy(QAError):
    def __init__(self, index_dir: object) -> None:
        super().__init__(
            f"another build is updating {index_dir}/ - wait for it to finish and try again"
        )


class EmptyCorpus(QAError):
    pass


class EmptyQuestion(QAError):
    def __init__(self) -> None:
        super().__init__("the question is empty - type a question to search for")


class ModelUnavailable(QAError):
    pass


class BadSetting(QAError, ValueError):
    """A :class:`~qa.settings.Settings` value out of range; the message names the setting
    and what it allows."""


class BadRequest(QAError, ValueError):
    """A search request out of bounds: k, question length, mode, dates."""


class IndexChanged(QAError):
    def __init__(self, index_dir: object) -> None:
        super().__init__(
            f"the index at {index_dir}/ changed while it was being opened - try again"
        )


class IndexWriteFailed(QAError):
    def __init__(self, index_dir: object, error: BaseException) -> None:
        detail = getattr(error, "strerror", None) or str(error)
        super().__init__(
            f"could not write the index at {index_dir}/ ({detail}) - free disk space or fix "
            "the folder's permissions and run again; the previous index keeps serving"
        )


class FetchRefused(QAError):
    """A URL that was not fetched, or a response that was not read; the message says why.
    ``status``: the HTTP status when the server answered with an error."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class AddressRefused(FetchRefused):
    """The host does not resolve, or resolves to an address the policy does not allow."""


def bounded(name: str, value: object, limit: int) -> str | None:
    """``value`` if it is text of at most ``limit`` characters (or None), else a
    :class:`BadRequest` naming ``name`` and showing at most a short prefix of it.
    (``limit`` is given by the caller, usually ``Settings.max_field_chars``: settings
    imports this module, so this module cannot import settings.)"""
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be text, not {type(value).__name__}")
    if len(value) > limit:
        raise BadRequest(f"{name} is {len(value):,} characters long - at most {limit:,} "
                         f"(it begins {prefix(value)})")
    return value


def prefix(value: str, size: int = 20) -> str:
    """The start of ``value``, quoted, for an error message."""
    return repr(value[:size]) + ("…" if len(value) > size else "")
