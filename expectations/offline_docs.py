"""Data Docs that never reach the network: the rewrite of GX's pages after each Data Docs build.

Great Expectations' Data Docs pages load jQuery, Bootstrap, bootstrap-table, Vega and Font Awesome
from public CDNs, and their logo from GX's S3 bucket with the data context's id in the address, so
opening the page a run points at would contact seven hosts. classchat promises no network at run time,
so after every build `make_offline` rewrites each page of the site once:
- every external script, stylesheet and image tag is removed, every external `url(...)` in a style
  (pages and the site's stylesheets), and a footer whose link carries tracking parameters (GX's
  newsletter);
- a Content-Security-Policy in the page forbids any fetch outside the local files, so a tag a later
  GX version adds cannot reach the network either;
- a small local script and stylesheet (written to `static/classchat/` in the site) stand in for what
  the pages used those libraries for: drawing each table from the data GX embeds in the page
  (bootstrap-table's call; rows that link to a page stay clickable), a validation page's "failed
  only" filter, keeping Bootstrap's hidden elements hidden, and the pass/fail icons, as ✓ and ✗.

The pages look plainer than GX's, and show the same tables and results. Rewritten pages carry a
marker, so a page is rewritten once however often the site is rebuilt.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from classchat.files import atomic_path

MARKER = '<meta name="classchat-offline" content="1">'
ASSETS = "static/classchat"

# Anything of scheme http(s) or protocol-relative (//host/...).
_EXTERNAL = r"""(?:https?:)?//[^"'\s>]+"""
_EXTERNAL_TAGS = [
    re.compile(rf"""<script\b[^>]*\bsrc\s*=\s*["']?{_EXTERNAL}[^>]*>\s*</script\s*>""", re.IGNORECASE),
    re.compile(rf"""<link\b[^>]*\bhref\s*=\s*["']?{_EXTERNAL}[^>]*>""", re.IGNORECASE),
    re.compile(rf"""<img\b[^>]*\bsrc\s*=\s*["']?{_EXTERNAL}[^>]*>""", re.IGNORECASE),
]
_EXTERNAL_URL_IN_CSS = re.compile(rf"""url\(\s*["']?{_EXTERNAL}["']?\s*\)""", re.IGNORECASE)
_TRACKING_FOOTER = re.compile(r"<footer\b(?:(?!</footer>).)*?[?&]utm_[a-z]+=.*?</footer\s*>", re.IGNORECASE | re.DOTALL)
_HEAD = re.compile(r"<head\b[^>]*>", re.IGNORECASE)
# GX links a validation page's icon one folder short of the site's root: point it at the real file.
_FAVICON = re.compile(r"""(<link\b[^>]*\bhref=["'])[^"']*static/images/favicon\.ico(["'])""", re.IGNORECASE)

# No fetch beyond the page's own files; inline scripts and styles stay (GX's pages are built of them).
CSP = (
    "default-src 'none'; script-src 'self' file: 'unsafe-inline'; style-src 'self' file: 'unsafe-inline'; "
    "img-src 'self' file: data:; font-src 'self' file: data:"
)

_SCRIPT = r"""// classchat (expectations/offline_docs.py): what GX's Data Docs use jQuery and bootstrap-table for,
// without the network: draw each table from the data in the page; everything else does nothing.
(function () {
  "use strict";
  function text(v) { return v === undefined || v === null ? "" : String(v); }
  function sorted(rows, columns, options) {
    var name = options.sortName;
    if (!name) { return rows; }
    var column = columns.filter(function (c) { return c.field === name; })[0];
    var key = (column && column.sortName) || name;
    var sign = options.sortOrder === "desc" ? -1 : 1;
    return rows.slice().sort(function (a, b) {
      var x = a[key], y = b[key];
      return (x > y ? 1 : x < y ? -1 : 0) * sign;
    });
  }
  function draw(table, options) {
    var columns = (options.columns || []).filter(function (c) { return c.visible !== false && c.visible !== "false"; });
    var head = table.createTHead().insertRow();
    columns.forEach(function (c) {
      var th = document.createElement("th");
      th.textContent = text(c.title);
      head.appendChild(th);
    });
    var body = table.createTBody();
    sorted(options.data || [], columns, options).forEach(function (row) {
      var tr = body.insertRow();
      columns.forEach(function (c) { tr.insertCell().innerHTML = text(row[c.field]); });  // GX's own cell markup
      var href = row._table_row_link_path;
      if (href) {
        tr.className = "classchat-link-row";
        tr.addEventListener("click", function () { window.location.href = href; });
      }
    });
  }
  function ready(fn) {
    if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", fn); } else { fn(); }
  }
  var nothing = new Proxy(function () {}, {
    get: function (target, key) { return key === "length" ? 0 : function () { return nothing; }; },
    apply: function () { return nothing; }
  });
  function select(arg) {
    if (Array.isArray(arg)) { return arg; }
    if (typeof arg !== "string") { return arg ? [arg] : []; }
    try { return Array.prototype.slice.call(document.querySelectorAll(arg)); } catch (e) { return []; }
  }
  window.$ = window.jQuery = function (arg) {
    if (typeof arg === "function") { ready(arg); return nothing; }
    var elements = select(arg);
    var self = new Proxy({}, {
      get: function (target, key) {
        if (key === "length") { return elements.length; }
        if (key === "ready") { return function (fn) { ready(fn); return self; }; }
        if (key === "each") { return function (fn) { elements.forEach(function (el, i) { fn.call(el, i, el); }); return self; }; }
        if (key === "parent") {
          return function () { return window.$(elements.map(function (el) { return el.parentElement; }).filter(Boolean)); };
        }
        if (key === "fadeIn" || key === "fadeOut") {  // the "failed only" filter of a validation page
          return function () {
            elements.forEach(function (el) { el.style.display = key === "fadeIn" ? "" : "none"; });
            return self;
          };
        }
        if (key === "bootstrapTable") {
          return function (options) {
            if (options && typeof options === "object") { elements.forEach(function (el) { draw(el, options); }); }
            return self;
          };
        }
        return function () { return self; };
      }
    });
    return self;
  };
  window.vegaEmbed = function () { return Promise.resolve(); };
})();
"""

_STYLE = """/* classchat (expectations/offline_docs.py): a plain, readable Data Docs page without Bootstrap */
body { font-family: system-ui, sans-serif; margin: 1rem 2rem; color: #222; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
.classchat-link-row { cursor: pointer; }
.classchat-link-row:hover { background: #eef; }
.modal, .collapse:not(.show), .d-none, .tooltip, .popover, .cooltip .top { display: none; }
.invisible { visibility: hidden; }
button[onclick^="clearTableFilters"] { display: none; }  /* bootstrap-table's filters are not drawn */
.text-success { color: #1a7f37; }
.text-danger { color: #c62828; }
.fas.fa-check-circle::before { content: "\\2713"; font-style: normal; font-weight: bold; }
.fas.fa-times::before { content: "\\2717"; font-style: normal; font-weight: bold; }
img { max-height: 3rem; }
"""


def make_offline(site: Path) -> int:
    """Rewrite every page of the Data Docs site under `site` not rewritten yet; returns how many were."""
    if not site.is_dir():
        return 0
    assets = site / ASSETS
    assets.mkdir(parents=True, exist_ok=True)
    for name, content in (("offline.js", _SCRIPT), ("offline.css", _STYLE)):
        path = assets / name
        if not path.is_file() or path.read_text(encoding="utf-8") != content:
            path.write_text(content, encoding="utf-8")
    for sheet in (site / "static").rglob("*.css"):  # GX's own stylesheets (a logo in a background image)
        css = sheet.read_text(encoding="utf-8")
        if _EXTERNAL_URL_IN_CSS.search(css):
            sheet.write_text(_EXTERNAL_URL_IN_CSS.sub("none", css), encoding="utf-8")
    rewritten = 0
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        if MARKER in html:
            continue
        with atomic_path(page) as tmp:  # a killed run leaves GX's page or ours, never half of one
            tmp.write_text(offline_page(html, os.path.relpath(site, page.parent)), encoding="utf-8")
        rewritten += 1
    return rewritten


def offline_page(html: str, to_site: str) -> str:
    """`html` without external resources, with the CSP and the local stand-ins (`to_site`: the relative
    path from the page's folder to the site's root)."""
    for tag in _EXTERNAL_TAGS:
        html = tag.sub("", html)
    html = _EXTERNAL_URL_IN_CSS.sub("none", html)
    html = _TRACKING_FOOTER.sub("", html)
    root = to_site.replace(os.sep, "/")
    html = _FAVICON.sub(lambda m: f"{m.group(1)}{root}/static/images/favicon.ico{m.group(2)}", html)
    head = (
        f"{MARKER}\n"
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        f'<link rel="stylesheet" href="{root}/{ASSETS}/offline.css">\n'
        f'<script src="{root}/{ASSETS}/offline.js"></script>\n'
    )
    found = _HEAD.search(html)
    if found is None:
        return head + html
    return html[: found.end()] + "\n" + head + html[found.end() :]
