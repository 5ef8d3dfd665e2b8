"""Markup that pages repeat many times, written in Python: a Jinja macro call costs about as much as the rest of a
table row, and a list of fifty rows calls a few of them per row."""

from markupsafe import Markup


def badge(text, tone: str = "neutral") -> Markup:
    """A coloured label (``badge--neutral``, ``success``, ``warning``, ``danger``, ``muted``)."""
    return Markup('<span class="badge badge--%s">%s</span>') % (tone, text)  # noqa: S704 (both escaped by %)


def register(app) -> None:
    app.jinja_env.globals["badge_html"] = badge

