"""Log lines cannot be forged: user input that reaches a log message (an e-mail typed at login, a path) has
its line breaks and other control characters escaped, so it cannot start a fake entry of its own."""

import logging

_CONTROL = {code: f"\\x{code:02x}" for code in range(32) if code not in (9,)}
_CONTROL.update({10: "\\n", 13: "\\r", 0x7F: "\\x7f", 0x2028: "\\u2028", 0x2029: "\\u2029", 0x85: "\\x85"})


def neutralise(value):
    return value.translate(_CONTROL) if isinstance(value, str) else value


def install() -> None:
    """Wrap the log record factory once: every record's arguments are neutralised (the message templates are
    the code's own)."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "housing_safe", False):
        return

    def safe_factory(*args, **kwargs):
        record = factory(*args, **kwargs)
        if isinstance(record.args, tuple):
            record.args = tuple(neutralise(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: neutralise(value) for key, value in record.args.items()}
        return record

    safe_factory.housing_safe = True
    logging.setLogRecordFactory(safe_factory)
