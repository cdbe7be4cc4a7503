"""JSON API for the cooperative's settings and its sites: list, read, create, update."""

from __future__ import annotations

from flask import Blueprint, g, jsonify

from coop.auth.permissions import roles_required
from coop.cooperatives import service
from coop.cooperatives.forms import COOPERATIVE_FIELDS, SITE_FIELDS, parse_site
from coop.cooperatives.models import Cooperative, Site
from coop.db import get_session
from coop.forms import form_values

bp = Blueprint("cooperatives_api", __name__, url_prefix="/api/v1/coops/<slug>")


def cooperative_json(coop: Cooperative) -> dict:
    return {"id": coop.id, "slug": coop.slug, "name": coop.name, "language": coop.language,
            "timezone": coop.timezone}


def site_json(site: Site, hours: dict) -> dict:
    return {
        "id": site.id, "name": site.name, "address": site.address, "capacity": site.capacity,
        "beds": site.beds, "is_always_open": site.is_always_open,
        "hours": [{"weekday": d, "opens_minute": h.opens_minute, "closes_minute": h.closes_minute}
                  for d, h in sorted(hours.items())],
    }


@bp.get("/settings")
@roles_required("coordinator")
def get_settings(slug: str):
    return jsonify(cooperative_json(g.coop))


@bp.put("/settings")
@roles_required("coordinator")
def update_settings(slug: str):
    session = get_session()
    coop = service.update_cooperative(session, coop=g.coop, **form_values(COOPERATIVE_FIELDS))
    session.commit()
    return jsonify(cooperative_json(coop))


@bp.get("/sites")
@roles_required("coordinator", "parent", "staff", "professional")
def list_sites(slug: str):
    session = get_session()
    return jsonify({"sites": [site_json(s, service.site_hours(session, site_id=s.id))
                              for s in service.list_sites(session, coop_id=g.coop.id)]})


@bp.get("/sites/<int:site_id>")
@roles_required("coordinator", "parent", "staff", "professional")
def get_site(slug: str, site_id: int):
    session = get_session()
    site = service.get_site(session, coop_id=g.coop.id, site_id=site_id)
    return jsonify(site_json(site, service.site_hours(session, site_id=site.id)))


@bp.post("/sites")
@roles_required("coordinator")
def create_site(slug: str):
    session = get_session()
    site = service.save_site(session, coop_id=g.coop.id, site_id=None, **parse_site(form_values(SITE_FIELDS)))
    session.commit()
    return jsonify(site_json(site, service.site_hours(session, site_id=site.id))), 201


@bp.put("/sites/<int:site_id>")
@roles_required("coordinator")
def update_site(slug: str, site_id: int):
    session = get_session()
    site = service.save_site(session, coop_id=g.coop.id, site_id=site_id, **parse_site(form_values(SITE_FIELDS)))
    session.commit()
    return jsonify(site_json(site, service.site_hours(session, site_id=site.id)))
