"""A Sphinx extension: the site's front page, index.html, sends the reader on to the first chapter -- with the
book's icon.

The book has no index page of its own, so sphinx-external-toc writes index.html as a bare redirect (a single
<meta> tag).  That is the page a first-time reader opens (the site's address), and a browser that finds no icon
declared there asks for /favicon.ico, gets a 404 and logs it as a console error.  This writes the same redirect
as a small page with the book's title and icon (`html.favicon` in _config.yml) before sphinx-external-toc looks,
which then leaves the existing file alone.  The icon is written into the page (a data: URL): the browser leaves
the page at once, and would abort a request for it.
"""

from __future__ import annotations

import base64
import mimetypes
from html import escape
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import isurl

PAGE = """<!DOCTYPE html>
<html lang="{language}">
<head>
<meta charset="utf-8">
<title>{title}</title>
{icon}<meta http-equiv="Refresh" content="0; url={first}">
</head>
<body>
<p><a href="{first}">{title}</a></p>
</body>
</html>
"""


def write_index(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html" or app.config.root_doc == "index":
        return
    first = app.builder.get_target_uri(app.config.root_doc)
    favicon = app.config.html_favicon
    icon = ""
    if favicon:
        href = favicon
        if not isurl(favicon):
            path = Path(app.confdir) / favicon
            kind = mimetypes.guess_type(path.name)[0] or "image/x-icon"
            href = f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"
        icon = f'<link rel="icon" href="{escape(href)}">\n'
    title = app.config.html_title or app.config.project or ""
    page = PAGE.format(
        language=escape(app.config.language or "en"), title=escape(title), icon=icon, first=escape(first)
    )
    (Path(app.outdir) / "index.html").write_text(page, encoding="utf-8")


def setup(app: Sphinx) -> dict:
    # Before sphinx-external-toc's own build-finished handler (default priority 500), which writes a bare
    # redirect only when index.html does not exist yet.
    app.connect("build-finished", write_index, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
