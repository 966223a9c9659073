"""A Sphinx extension: the notebook behind each chapter's download and launch buttons; no script twice.

sphinx-book-theme offers a MyST chapter for download as the notebook the build executed, and builds its Colab
and Binder links from the chapter's own file, book/<chapter>.md, which Colab cannot open.  This extension
points all three at notebooks/<chapter>.ipynb instead (see tools/notebooks.py): the notebook that carries
its snapshot of `micrograd` in its first cell and so runs on its own.  A page without such a notebook keeps no
launch button (a build with launch buttons warns about it, and the strict build fails).

Sphinx 7.4 also puts an inline script added after the builder started (sphinx-thebe's, sphinx-togglebutton's)
into every page twice, and the second copy of sphinx-thebe's throws "Identifier 'THEBE_JS_URL' has already
been declared" in the reader's console; each page keeps one copy of each script.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

FOLDER = "notebooks"  # tools.notebooks.FOLDER (not imported: this module must load without the tools)


def _notebook(app: Sphinx, pagename: str) -> Path | None:
    """notebooks/<page>.ipynb for a page that is a chapter with a generated notebook."""
    if pagename not in app.env.all_docs:
        return None
    source = Path(app.env.doc2path(pagename))
    path = Path(app.srcdir) / FOLDER / (source.stem + ".ipynb")
    return path if source.suffix == ".md" and path.is_file() else None


def offer_notebook(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Before the theme makes its buttons: the download menu offers the page's notebook."""
    if _notebook(app, pagename):
        context["ipynb_source"] = pagename + ".ipynb"


def point_buttons_at_notebook(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """After the theme made its buttons: ship the notebook, and launch it rather than the markdown file."""
    notebook = _notebook(app, pagename)
    if notebook:
        target = Path(app.outdir) / "_sources" / (pagename + ".ipynb")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(notebook, target)  # replaces the executed copy the theme may have put there

    for group in context.get("header_buttons", []):
        if group.get("label") != "launch-buttons":
            continue
        if not notebook:
            logger.warning(
                f"{pagename}: no notebook {FOLDER}/{Path(pagename).name}.ipynb for the launch buttons "
                "(run `make notebooks`)",
                type="sphinx_site",
                subtype="notebook",
            )
            context["header_buttons"] = [b for b in context["header_buttons"] if b is not group]
            return
        theme = app.config.html_theme_options
        prefix = (theme.get("path_to_docs") or "").strip("/")
        prefix = prefix + "/" if prefix else ""
        page_file = f"{prefix}{pagename}{Path(app.env.doc2path(pagename)).suffix}"
        notebook_file = notebook.relative_to(Path(app.srcdir)).as_posix()
        for button in group.get("buttons", []):
            url = button.get("url", "")
            if page_file not in url:
                logger.warning(
                    f"{pagename}: cannot point the {button.get('text')} button at {notebook_file}: {url}",
                    type="sphinx_site",
                    subtype="notebook",
                )
                continue
            button["url"] = url.replace(page_file, notebook_file)


def one_of_each_script(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    seen, scripts = set(), []
    for script in context.get("script_files", []):
        attributes = getattr(script, "attributes", {})
        key = (
            getattr(script, "filename", None) or "",
            getattr(script, "priority", 500),
            tuple(sorted((k, str(v)) for k, v in attributes.items())),
        )
        if key not in seen:
            seen.add(key)
            scripts.append(script)
    context["script_files"] = scripts


def setup(app: Sphinx) -> dict:
    # sphinx-book-theme adds its launch, source and download buttons at priority 501.
    app.connect("html-page-context", offer_notebook, priority=500)
    app.connect("html-page-context", point_buttons_at_notebook, priority=600)
    app.connect("html-page-context", one_of_each_script, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
