"""st-link-analysis with its side panel and toolbar in Chinese, a side panel that reads, and the look
of the 实体关系 page's graphs (layout, node and edge styles).

The component's static build (index.html in the wheel) carries fixed English: the empty side panel's
"No selected elements" and the toolbar buttons' titles, with no option to change them. `localize()`
copies that build once into the user's cache directory with those strings replaced and declares the
copy as the component the library's `st_link_analysis()` calls; nothing is fetched from anywhere.
"""
from __future__ import annotations

import hashlib
import shutil
from functools import cache
from importlib.metadata import version
from pathlib import Path

from reports.shared.atomic import atomic_dir
from reports.shared.paths import cache_dir
from ui.web import render

__all__ = ["LAYOUT", "PANEL_CSS", "STRINGS", "edge_styles", "localize", "localized_build", "styles"]

# English in the component's index.html -> what users read.
STRINGS: dict[str, str] = {
    ">No selected elements<": ">单击节点或连线查看详情<",
    'title="Remove Nodes"': 'title="移除所选节点"',
    'title="Expand Node"': 'title="展开所选节点"',
    'title="Refresh Layout"': 'title="重新布局"',
    'title="Download as JSON"': 'title="下载为 JSON"',
    'title="Fullscreen"': 'title="全屏"',
    'title="Zoom In"': 'title="放大"',
    'title="Fit to Screen"': 'title="适应窗口"',
    'title="Recenter Veiw"': 'title="居中"',
    'title="Zoom Out"': 'title="缩小"',
    "<title>Streamlit Link Analysis</title>": "<title>知识图谱</title>",
}

# The side panel: closed, the library draws a 0-width strip with its hint turned 90 degrees (a thin
# strip of vertical text); here it closes to a one-line hint in the corner, and opens as before.
PANEL_CSS = """<style>
.infopanel:not([data-expanded="true"]) { width: auto !important; top: auto !important; padding: 0.25rem 0.6rem !important;
  box-shadow: none !important; background: rgba(255, 255, 255, 0.85) !important; pointer-events: none; }
.infopanel:not([data-expanded="true"]) .infopanel__label,
.infopanel:not([data-expanded="true"]) .infopanel__props { display: none !important; }
.infopanel__help { position: static !important; transform: none !important; white-space: nowrap;
  font-size: 0.8rem; color: #666; }
.infopanel[data-expanded="true"] { width: 19rem !important; }
.infopanel__name { width: auto !important; height: auto !important; min-height: 2rem; padding: 0.2rem 0.5rem;
  white-space: normal; line-height: 1.4; }
#nodeActions[data-expanded="true"] { left: 19.5rem !important; }
</style></head>"""


def _source_build() -> Path:
    import st_link_analysis.component.component as component
    return (Path(component.__file__).resolve().parent.parent / "frontend" / "build").resolve()


def _cache_root() -> Path:
    return cache_dir("components")


def localized_build(cache_root: Path | None = None) -> Path:
    """The component's build with STRINGS replaced, written once per library version (and per table)
    under `cache_root` and reused; built in a temp directory and renamed, so a crash leaves nothing half-made."""
    source = _source_build()
    digest = hashlib.sha1(repr((sorted(STRINGS.items()), PANEL_CSS)).encode("utf-8")).hexdigest()[:10]
    target = (cache_root or _cache_root()) / f"st_link_analysis-{version('st-link-analysis')}-{digest}"
    if (target / "index.html").is_file():
        return target
    with atomic_dir(target, is_complete=lambda made: (made / "index.html").is_file()) as tmp:
        shutil.copytree(source, tmp, dirs_exist_ok=True)
        html = (source / "index.html").read_text("utf-8")
        for english, chinese in STRINGS.items():
            html = html.replace(english, chinese)
        html = html.replace("</head>", PANEL_CSS, 1)
        (tmp / "index.html").write_text(html, "utf-8")
    return target


@cache
def localize() -> bool:
    """Point st-link-analysis at the Chinese build (once per process). False, with the English build
    left in place, when the cache directory cannot be written: the graph still works."""
    import st_link_analysis.component.component as component
    import streamlit.components.v1 as components
    try:
        path = localized_build()
    except OSError:
        return False
    component._component_func = components.declare_component("st_link_analysis", path=str(path))
    return True


# -- the look of the 实体关系 page's graphs -------------------------------------------------------

class _Style:
    """A raw Cytoscape style rule (st-link-analysis accepts anything with `dump()`)."""

    def __init__(self, selector: str, style: dict):
        self.selector, self.style = selector, style

    def dump(self) -> dict:
        return {"selector": self.selector, "style": self.style}


# fcose packs a graph's separate parts (the overview: one per unit) into the canvas's wide shape instead
# of stacking them, so the fitted zoom stays near 0.6-0.8 and a 16 px label is drawn at 10-13 px; cose's
# stack fitted at 0.5, where the library's `min-zoomed-font-size` (10 px) hid every label.
LAYOUT = {"name": "fcose", "quality": "proof", "randomize": True, "packComponents": True,
          "nodeDimensionsIncludeLabels": True, "idealEdgeLength": 50, "nodeRepulsion": 4500, "animate": False,
          "fit": True, "padding": 12}
LABEL_PX = 16  # 14 drew at 8.8 px when the randomised layout fitted at zoom 0.63 (more nodes after issue 23)


def styles(types: list[str]) -> list[_Style]:
    rules = [_Style("node", {"label": "data(label)", "font-size": LABEL_PX, "text-valign": "bottom", "text-margin-y": 3,
                             "width": 22, "height": 22, "text-wrap": "wrap", "text-max-width": 150,
                             "min-zoomed-font-size": 0})]
    for t in types:
        rules.append(_Style(f"node[kind = '{t}']", {"background-color": render.TYPE_COLORS.get(t, "#999")}))
    rules.append(_Style("node[center = 1]", {"width": 36, "height": 36, "font-size": LABEL_PX + 2, "font-weight": "bold",
                                              "border-width": 3, "border-color": "#333"}))
    rules.append(_Style("node[onpath = 1]", {"border-width": 4, "border-color": "#d62728"}))
    return rules


def edge_styles() -> list[_Style]:
    return [_Style("edge", {"label": "data(label)", "font-size": 11, "curve-style": "bezier", "color": "#666",
                            "target-arrow-shape": "triangle", "width": 1.2}),
            _Style("edge[onpath = 1]", {"line-color": "#d62728", "target-arrow-color": "#d62728", "width": 3})]
