"""Request-level protections shared by all areas."""

from urllib.parse import urlsplit


def safe_next(target: str | None) -> str | None:
    """Only same-site paths: ``/cases?x=1`` passes, ``//evil.example`` and ``https://…`` do not."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


NUL = "\x00"


def refuse_nul_characters():
    """A NUL character (0x00) in a query or form value is refused (422) before any view reads it: PostgreSQL can
    neither store nor compare text that holds one, and nobody types it. The API checks its own parameters
    (``api.core``), where it can name the field."""
    from flask import render_template, request
    from flask_babel import gettext as _

    if request.path.startswith("/api/") or request.endpoint == "static":
        return None
    for values in (request.args, request.form):
        for name, value in values.items(multi=True):
            if NUL in name or NUL in value:
                message = _("Die Eingabe enthält ein unzulässiges Steuerzeichen (NUL).")
                return render_template("errors/generic.html", status=422, message=message), 422
    return None


def set_security_headers(response):
    from flask import current_app, request

    if current_app.config["ENV"] == "production":
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    # Pages and files shown to a logged-in user carry personal data, and the steps of a login its secrets (the
    # enrolment shows the new TOTP secret before the login is complete): nothing but the static files is ever
    # kept by the browser or a proxy.
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'",
    )
    return response
