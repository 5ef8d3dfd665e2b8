"""Top-level commands of ``flask --app housing``: users, tokens, demo data."""

import sys

import click
from flask import current_app
from sqlalchemy import func, select

from .auth.roles import Role
from .errors import DomainError
from .extensions import db


def register(app):
    from .benchdata import register as register_bench_data

    for command in (create_user_command, create_token_command, demo_data_command):
        app.cli.add_command(command)
    register_bench_data(app)


def _fail(message: str):
    raise click.ClickException(message)


@click.command("create-user")
@click.argument("email")
@click.option("--name", required=True, help="Full name as shown in the application.")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role]),
              help="A role; repeat for several.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
def create_user_command(email, name, roles, password_stdin):
    """Create a user account with one or more roles."""
    from .auth.services import create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(email, name, roles, password)
    except DomainError as error:
        db.session.rollback()
        details = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error.fields.items())
        _fail(f"{error.message}" + (f" ({details})" if details and details not in error.message else ""))
    db.session.commit()
    click.echo(f"Created user {user.email} with roles {', '.join(sorted(user.roles))}.")


@click.command("create-token")
@click.argument("email")
@click.option("--name", default="CLI", show_default=True, help="What the token is for.")
def create_token_command(email, name):
    """Create a personal API token for EMAIL and print it once (only its hash is stored)."""
    from .auth.models import User
    from .auth.services import create_api_token

    user = User.by_email(email)
    if user is None or not user.is_active:
        _fail(f"No active user with e-mail {email}.")
    _token, secret = create_api_token(user, name)
    db.session.commit()
    click.echo(secret)


@click.command("demo-data")
def demo_data_command():
    """Load believable demo records for every area (idempotent) and print the demo logins.

    Refuses to touch a production database that already holds data.
    """
    from .auth.models import User
    from .demo import load_all

    if current_app.config["ENV"] == "production" and db.session.scalar(select(func.count(User.id))):
        _fail("Refusing to load demo data into a production database that already has users.")
    logins = load_all()
    db.session.commit()
    click.echo("Demo logins (e-mail / password):")
    for role, email, password in logins:
        click.echo(f"  {role:<16} {email:<36} {password}")
