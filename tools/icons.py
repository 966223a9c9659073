"""The theme's icons as a subset: the site serves Font Awesome's SVG core and only the icons its pages use.

pydata-sphinx-theme loads _static/scripts/fontawesome.js on every page, Font Awesome Free's all.js: the SVG core
(which turns each `<i class="fa-solid fa-sun">` into an inline `<svg>`) and the data of every icon Font Awesome
Free has, 1.49 MB, for the seventeen that the headers, the sidebars and the download menu show.  After the site is built
(Sphinx's `build-finished`, builder "html"), this extension writes in its place the core of the same release from
npm (@fortawesome/fontawesome-free, pinned in package-lock.json), followed by the definitions of the icons the
site names, read from that package's metadata and added with `FontAwesome.library.add`, the core's public way
to add icons.  The icons are found in the built pages' class attributes and in the theme's scripts (which make a
few at run time), in every style Font Awesome Free has: solid (`fa-solid`, `fas`, `fa`), regular (`fa-regular`,
`far`) and brands (`fa-brands`, `fab`); an alias such as `fa-file-download` names the icon it stands for.

The theme's CSS icons (admonitions' titles, drawn with the webfonts) do not use this file and are left as they
are.  tests/test_devices.py checks in the browser that every icon a page shows is drawn.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from sphinx.util import logging

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "node_modules" / "@fortawesome" / "fontawesome-free"
CORE = PACKAGE / "js" / "fontawesome.min.js"
METADATA = PACKAGE / "metadata" / "icon-families.json"
TARGET = Path("_static") / "scripts" / "fontawesome.js"
# Each style class and the icon prefix and metadata style it stands for.
STYLES = {
    "fa": ("fas", "solid"),
    "fas": ("fas", "solid"),
    "fa-solid": ("fas", "solid"),
    "far": ("far", "regular"),
    "fa-regular": ("far", "regular"),
    "fab": ("fab", "brands"),
    "fa-brands": ("fab", "brands"),
}
# A class attribute in a page, or a string in a script that holds a style class and an icon's class.
CLASS_ATTRIBUTE = re.compile(r"""class\s*=\s*(?:"([^"]*)"|'([^']*)')""")
SCRIPT_STRING = re.compile(
    r"""["'`]((?:[\w-]+\s+)*(?:fa|fas|far|fab|fa-solid|fa-regular|fa-brands)\s+fa-[\w\s-]*)["'`]"""
)

logger = logging.getLogger(__name__)


def _names() -> dict[str, tuple[str, dict]]:
    """Every icon's name and alias: (its name, its metadata)."""
    icons = json.loads(METADATA.read_text(encoding="utf-8"))
    names = {}
    for name, data in icons.items():
        names[name] = (name, data)
        for alias in data.get("aliases", {}).get("names", []):
            names.setdefault(alias, (name, data))
    return names


def _classes(site: Path) -> list[str]:
    """The class lists of the site's pages and the icon classes its scripts write."""
    found = []
    for page in site.rglob("*.html"):
        found += [a or b for a, b in CLASS_ATTRIBUTE.findall(page.read_text(encoding="utf-8", errors="replace"))]
    for script in (site / "_static").rglob("*.js"):
        if script.name != "fontawesome.js" and script.stat().st_size < 2_000_000:
            found += SCRIPT_STRING.findall(script.read_text(encoding="utf-8", errors="replace"))
    return found


def used_icons(site: Path) -> dict[tuple[str, str], list]:
    """The icons the site names: {(prefix, name): [width, height, aliases, unicode, path]}, as the core takes them."""
    names = _names()
    icons: dict[tuple[str, str], list] = {}
    for classes in _classes(site):
        tokens = classes.split()
        style = next((STYLES[t] for t in tokens if t in STYLES), None)
        if style is None:
            continue
        prefix, family_style = style
        for token in tokens:
            if not token.startswith("fa-") or token in STYLES or token[3:] not in names:
                continue
            name, data = names[token[3:]]
            svg = data.get("svgs", {}).get("classic", {}).get(family_style)
            if svg is None:
                continue
            aliases = data.get("aliases", {}).get("names", [])
            icons[(prefix, name)] = [svg["width"], svg["height"], aliases, data["unicode"], svg["path"]]
    return icons


def subset_script(icons: dict[tuple[str, str], list]) -> str:
    """Font Awesome's SVG core followed by the definitions of `icons`."""
    definitions = [{"prefix": prefix, "iconName": name, "icon": icon} for (prefix, name), icon in sorted(icons.items())]
    return (
        CORE.read_text(encoding="utf-8").rstrip()
        + "\n/* The icons the site's pages use (tools/icons.py). */\n"
        + f"FontAwesome.library.add(...{json.dumps(definitions, separators=(',', ':'))});\n"
    )


def check_package(app) -> None:
    if app.builder.name == "html" and not (CORE.is_file() and METADATA.is_file()):
        logger.warning(
            f"Font Awesome is not installed ({PACKAGE.relative_to(ROOT)} is missing): run `make setup`, which "
            "installs it with `npm ci`",
            type="icons",
            subtype="package",
        )


def write_subset(app, exception: Exception | None) -> None:
    site = Path(app.outdir)
    if exception is not None or app.builder.name != "html" or not (site / TARGET).is_file():
        return
    if not (CORE.is_file() and METADATA.is_file()):
        return
    (site / TARGET).write_text(subset_script(used_icons(site)), encoding="utf-8")
    # The theme's source map describes the file replaced.
    (site / TARGET).with_name(TARGET.name + ".map").unlink(missing_ok=True)


def setup(app) -> dict:
    app.connect("builder-inited", check_package)
    app.connect("build-finished", write_subset)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
