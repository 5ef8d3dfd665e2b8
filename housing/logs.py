"""Log lines cannot be forged: user input that reaches a log message (an e-mail typed at login, a path) has
its line breaks and other control characters escaped, so it cannot start a fake entry of its own."""

import logging
from decimal import Decimal

_CONTROL = {code: f"\\x{code:02x}" for code in range(32) if code not in (9,)}
_CONTROL.update({10: "\\n", 13: "\\r", 0x7F: "\\x7f", 0x2028: "\\u2028", 0x2029: "\\u2029", 0x85: "\\x85"})


def neutralise(value):
    """Text with its control characters escaped; another object (an exception, say) as such text when its own
    text holds one, else unchanged (numbers keep their ``%d`` formatting)."""
    if isinstance(value, str):
        return value.translate(_CONTROL)
    if value is None or isinstance(value, int | float | Decimal):
        return value
    try:
        text = str(value)
    except Exception:  # the handler reports what cannot be formatted; the log call itself must not fail
        return value
    escaped = text.translate(_CONTROL)
    return value if escaped == text else escaped


# The development server's request log escapes the control characters of a path itself, then colours the line
# with ANSI codes (kept): only the Unicode line separators are left to escape there.
_SEPARATORS = {0x2028: "\\u2028", 0x2029: "\\u2029"}


def _separators_escaped(value):
    return value.translate(_SEPARATORS) if isinstance(value, str) else value


class _Escaped(dict):
    """A log call's mapping of arguments, each escaped as the message reads it. Read through the original, so a
    mapping's own rules stay: gunicorn's access log atoms answer "-" for a header the request lacks and ignore
    the case of a header's name (``%({x-forwarded-for}i)s``); a plain copy made every such line fail."""

    def __init__(self, original: dict, escape):
        super().__init__(original)
        self._original, self._escape = original, escape

    def __getitem__(self, key):
        return self._escape(self._original[key])


def install() -> None:
    """Wrap the log record factory once: every record's arguments are neutralised (the message templates are
    the code's own)."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "housing_safe", False):
        return

    def safe_factory(*args, **kwargs):
        record = factory(*args, **kwargs)
        escape = _separators_escaped if record.name == "werkzeug" else neutralise
        if isinstance(record.args, tuple):
            record.args = tuple(escape(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = _Escaped(record.args, escape)
        return record

    safe_factory.housing_safe = True
    logging.setLogRecordFactory(safe_factory)
