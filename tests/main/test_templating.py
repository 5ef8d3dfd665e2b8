"""Markup helpers shared by the areas (housing/templating.py)."""

from flask import url_for

from housing.templating import path_for


def test_the_shells_links_are_url_fors_links_under_each_script_root(app):
    """Built once and kept, per script root: an app mounted under /wohnen links there, one at / links there."""
    for base_url, index in (("http://localhost/wohnen/", "/wohnen/"), ("http://localhost/", "/"), (
            "http://localhost/wohnen/", "/wohnen/")):
        with app.test_request_context("/", base_url=base_url):
            assert path_for("main.index") == url_for("main.index") == index
            assert path_for("static", filename="css/housing.css") == url_for("static", filename="css/housing.css")
            assert path_for("static", filename="img/favicon.svg").endswith("/static/img/favicon.svg")
