"""The query a Bitrix24 frame's address carries, kept by every link and form inside it.

Bitrix24 opens a frame at ``handler?DOMAIN=..&PROTOCOL=..&LANG=..&APP_SID=..`` (EN
apidocs.bitrix24.com widgets/_includes/widget_data) and its JS SDK reads DOMAIN and APP_SID
from the page's own address (b24jssdk initializeB24Frame), so the frames' forms
(``backend.web.bitrix24``) and the workspace's links and forms (``backend.web.workspace.pages``)
keep them.
"""

from __future__ import annotations

FRAME_QUERY = ("DOMAIN", "PROTOCOL", "LANG", "APP_SID")
