"""Who may use a route, declared at the route. Deny by default: the app refuses any endpoint
that is neither marked public nor protected, and a test walks ``app.url_map`` to prove it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import abort, g
from flask_login import current_user
from sqlmodel import select

from coop.db import get_session
from coop.members.models import Membership

PUBLIC = "public"


@dataclass(frozen=True)
class Access:
    """``roles`` None means any logged-in person; ``in_coop`` routes carry ``<slug>``."""

    roles: frozenset[str] | None
    in_coop: bool


def public(view: Callable[..., Any]) -> Callable[..., Any]:
    """Reachable without logging in (login page, invitation links, static files...)."""
    view.access = PUBLIC  # type: ignore[attr-defined]
    return view


def logged_in(view: Callable[..., Any]) -> Callable[..., Any]:
    """Any logged-in person, outside a cooperative (their own account pages)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            abort(401)
        return view(*args, **kwargs)

    wrapper.access = Access(roles=None, in_coop=False)  # type: ignore[attr-defined]
    return wrapper


def roles_required(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The person must hold one of ``roles`` in the route's cooperative (``slug``).

    Sets ``g.coop``, ``g.roles`` and ``g.memberships``. An unknown cooperative and one where
    the person has no role both answer 404, so slugs of other cooperatives are not revealed.
    """

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                abort(401)
            access = current_user.access_to(kwargs.get("slug"))
            coop, memberships = access.coop, access.memberships
            if coop is None or not memberships:
                abort(404)
            held = {m.role for m in memberships}
            if roles and not held & set(roles):
                abort(403)
            g.coop = coop
            g.roles = held
            g.memberships = memberships
            return view(*args, **kwargs)

        wrapper.access = Access(roles=frozenset(roles) or None, in_coop=True)  # type: ignore[attr-defined]
        return wrapper

    return decorator


def roles_anywhere(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The person must hold one of ``roles`` in at least one cooperative, for a route outside
    any cooperative (founding a new one); others are refused with 403."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                abort(401)
            held = get_session().exec(select(Membership.role).where(Membership.person_id == current_user.id)).all()
            if not set(held) & set(roles):
                abort(403)
            return view(*args, **kwargs)

        wrapper.access = Access(roles=frozenset(roles), in_coop=False)  # type: ignore[attr-defined]
        return wrapper

    return decorator


def own_household_ids() -> frozenset[int]:
    """The households the logged-in person belongs to as a parent in the route's cooperative,
    from the memberships ``roles_required`` loaded (what ``household_ids_of`` would read again)."""
    return frozenset(m.household_id for m in g.memberships if m.role == "parent" and m.household_id)


def access_of(view: Callable[..., Any] | None) -> Access | str | None:
    return getattr(view, "access", None)
