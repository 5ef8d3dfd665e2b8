"""The web application as gunicorn (``gunicorn wsgi:app``) and other WSGI servers load it."""

import gc

from housing import create_app

app = create_app()
# What exists now (modules, the app, its routes, models and translations) lives as long as the process: out of the
# garbage collector's sight, its collections look only at what requests make. Otherwise a full collection walks
# some 200,000 long-lived objects, a pause of several milliseconds in the middle of a request now and then.
gc.freeze()
