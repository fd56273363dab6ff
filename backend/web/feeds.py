"""Feeds of vacant premises for ad sites: ``/feeds/<key>/cian.xml`` (seed 000 «Интеграция с
CIAN»). The key is the portal's secret (its settings page or ``rentflow feeds cian`` shows the
URL); an unknown key is a 404. ETag and Last-Modified let CIAN's robot skip an unchanged feed."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request
from flask.typing import ResponseReturnValue

from backend.services.cian_feed import portal_by_key, rendered_feed
from backend.web.deps import container

bp = Blueprint("feeds", __name__)


@bp.get("/feeds/<key>/cian.xml")
def cian(key: str) -> ResponseReturnValue:
    return _feed(key, "cian")


@bp.get("/feeds/<key>/avito.xml")
def avito(key: str) -> ResponseReturnValue:
    """The same lots as Avito autoload XML (docs/cian-feed.md, "Avito")."""
    return _feed(key, "avito")


def _feed(key: str, site: str) -> ResponseReturnValue:
    built = container()
    portal_id = portal_by_key(built.uow, key)
    if portal_id is None:
        abort(404)
    feed = rendered_feed(built.bulk_ports(), portal_id, site)
    answer = Response(feed.body, mimetype="application/xml")
    answer.set_etag(feed.etag)
    answer.last_modified = feed.changed_at
    answer.cache_control.no_cache = True
    return answer.make_conditional(request)
