from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, str_enum, utcnow
from ..extensions import db
from .roles import Role


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str | None] = mapped_column(String(5))
    # TOTP (RFC 6238): the base32 secret once enrolled, sealed (twofactor.seal), and the last time step used (a
    # code works once).
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    role_links: Mapped[list["UserRole"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    api_tokens: Mapped[list["ApiToken"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="raise", order_by="ApiToken.created_at"
    )

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"

    def get_id(self) -> str:
        """Flask-Login's identity in the cookie is the server-side session's id (see auth/sessions.py), set
        at login; the user id alone never logs anyone in."""
        return f"user:{self.id}"

    @property
    def has_two_factor(self) -> bool:
        return self.totp_enabled_at is not None

    @property
    def roles(self) -> set[Role]:
        return {link.role for link in self.role_links}

    def has_role(self, *roles: Role | str) -> bool:
        return bool(self.roles & {Role(role) for role in roles})

    def set_roles(self, roles) -> None:
        wanted = {Role(role) for role in roles}
        self.role_links = [link for link in self.role_links if link.role in wanted]
        for role in sorted(wanted - self.roles):
            self.role_links.append(UserRole(role=role))

    @classmethod
    def by_email(cls, email: str) -> "User | None":
        return db.session.scalar(select(cls).where(func.lower(cls.email) == email.strip().lower()))


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(str_enum(Role), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_links")

    def __repr__(self) -> str:
        return f"<UserRole {self.user_id} {self.role}>"


class ApiToken(db.Model):
    """A personal bearer token; only its SHA-256 digest is stored (the token is shown once)."""

    __tablename__ = "api_tokens"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64))
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="api_tokens")

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.prefix}… of user {self.user_id}>"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class UserSession(db.Model):
    """A login on the server: the cookie carries its random id (only the SHA-256 digest is stored), so logging
    out, an idle timeout, the absolute lifetime, a password change or deactivation end it for good."""

    __tablename__ = "user_sessions"
    __table_args__ = (UniqueConstraint("token_hash"), Index("ix_user_sessions_user_open", "user_id", "ended_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(20))  # logout, idle, expired, password, deactivated…
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(200))

    user: Mapped[User] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<UserSession {self.id} of user {self.user_id}>"


class LoginFailure(db.Model):
    """A failed login, counted per account and per address for the throttle; in the database, so every web
    worker and every app host sees the same counts."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_time", "kind", "key", "failed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # account, address
    key: Mapped[str] = mapped_column(String(254))
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecoveryCode(db.Model):
    """A one-time code for when the authenticator is lost; only its digest is stored."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
