"""The tenant cabinet at ``/cabinet/`` (seed 003, issue 20): tenants sign in with a one-time
code or link sent to an address their landlord has on file, and see their leases, accruals,
payments and documents, and edit their contacts. Russian, Ukrainian and English.

How to add a page (other features plug in here, e.g. requests and announcements):

1. Write ``backend/web/cabinet/<page>.py``::

       from flask import render_template
       from flask_babel import lazy_gettext as _
       from backend.web.cabinet.blueprint import bp
       from backend.web.cabinet.nav import NavEntry, add
       from backend.web.cabinet.session import cabinet_view, container, current_tenant

       add(NavEntry("cabinet.requests", _("Requests"), order=40))

       @bp.get("/requests")
       @cabinet_view()                      # signed in, tenant chosen, CSRF on posts
       def requests() -> ResponseReturnValue:
           tenant = current_tenant()        # TenantRef: portal_id, tenant_id, ids (rows)
           rows = some_service.list(container().uow, tenant)   # scope every read by it
           return render_template("cabinet/requests.html", rows=rows)

   Templates extend ``cabinet/base.html`` (block ``content``); every form posts the hidden
   field ``csrf`` = ``{{ csrf }}`` (or ``fetch`` sends the header ``X-CSRF-Token`` read
   from ``<meta name="csrf">``). ``cabinet_view(tenant=False)`` serves a page before a
   tenant is chosen. Nav entries are shown in ``order`` (leases 10, documents 30,
   contacts 80). ``current_person()`` is the session (address, tenants, chosen one); a
   tenant's rows are ``tenant.ids`` (one company may have a row per lease). The cabinet's
   Content-Security-Policy (``pages.POLICY``) allows no inline script or style: styles go
   in ``backend/web/static/cabinet.css``, scripts in a file under ``backend/web/static``.
2. Import the module in ``PAGES`` below (the import registers its routes and nav entry).
3. Put its texts in ``backend/web/translations/{ru,uk}/LC_MESSAGES/messages.po``.
"""

from __future__ import annotations

from importlib import import_module

from backend.web.cabinet.blueprint import bp

PAGES = (
    "backend.web.cabinet.pages",
    "backend.web.cabinet.signin",
    "backend.web.cabinet.leases",
    "backend.web.cabinet.files",
    "backend.web.cabinet.contacts",
    "backend.web.cabinet.requests",
    "backend.web.cabinet.announcements",
    "backend.web.cabinet.notifications",
)

for _page in PAGES:
    import_module(_page)

__all__ = ["bp"]
