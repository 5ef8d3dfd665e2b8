import factory
from factory.alchemy import SQLAlchemyModelFactory

from housing.auth.models import User
from housing.auth.passwords import hash_password
from housing.auth.roles import Role
from housing.extensions import db

PASSWORD = "Korrekt-Pferd-Batterie"


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class UserFactory(BaseFactory):
    class Meta:
        model = User
        exclude = ("password",)

    email = factory.Sequence(lambda n: f"person{n}@housing.example")
    name = factory.Sequence(lambda n: f"Şükrü Łukasz Person {n}")
    password = PASSWORD
    password_hash = factory.LazyAttribute(lambda o: hash_password(o.password))

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        self.set_roles(extracted or [Role.HOUSING_OFFICER])
