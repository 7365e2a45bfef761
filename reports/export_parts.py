"""The building blocks of the HTML export: escaped text, cards, sections, tables, footer, the document.

Owns how the export's HTML is written: every value from the data goes
through `esc` (chat text is untrusted, and links are never made clickable),
chat text keeps its line breaks and language, and the document is one file
with one `<style>` block (screen and print) and a Content-Security-Policy
that forbids every fetch. The footer names the warehouse file, the run and
the checks the figures come from and how names are shown.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import pandas as pd

from classchat.reports.export_data import Data, quality_summary
from classchat.reports.fmt import missing
from classchat.reports.privacy import Privacy

TOP_PEOPLE = 10
CHART_WIDTH = 640  # the plot width of a single chart on the page (reports.chart_svg)


def esc(value: object) -> str:
    """`value` as HTML text (a missing value is empty): every user text on the page goes through this."""
    return html.escape("" if missing(value) else str(value), quote=True)


def shorten(text: object, limit: int) -> str:
    s = "" if missing(text) else " ".join(str(text).split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


MAX_LIST_ROWS = 300  # longer lists (unanswered questions of a big course) are cut, and say so
MAX_TEXT_CHARS = 1000


def is_true(value: object) -> bool:
    """A nullable boolean from a frame: True only when it is set and true."""
    return not missing(value) and bool(value)


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (words or word + 's')}"




_LANG = {"zh": "zh-Hans", "en": "en", "ru": "ru"}


def chat_text(text: object, language: object = None) -> str:
    """A message's text as escaped HTML (line breaks kept by CSS), tagged with its language."""
    s = "" if missing(text) else str(text)
    if len(s) > MAX_TEXT_CHARS:
        s = s[: MAX_TEXT_CHARS - 1] + "…"
    lang = _LANG.get(str(language)) if not missing(language) else None
    attr = f' lang="{lang}"' if lang else ""
    return f'<span class="chat"{attr}>{esc(s)}</span>'


def role_badge(role: object) -> str:
    if missing(role) or role in ("student", "unknown", "system"):
        return ""
    label = "TA" if role == "ta" else str(role)
    return f' <span class="badge badge-{esc(role)}">{esc(label)}</span>'


def session_name(row: pd.Series) -> str:
    title = row.get("title")
    return str(title) if isinstance(title, str) and title.strip() else str(row["session_id"])


# --- page parts ----------------------------------------------------------------------


def kpi_cards(items: Sequence[tuple[str, str, str, str]]) -> str:
    """Key-figure cards: (key, label, value, note). `data-kpi` names the figure for scripts and tests."""
    cards = "".join(
        f'<div class="kpi" data-kpi="{esc(key)}"><div class="kpi-value">{esc(value)}</div>'
        f'<div class="kpi-label">{esc(name)}</div>'
        + (f'<div class="kpi-note">{esc(note)}</div>' if note else "")
        + "</div>"
        for key, name, value, note in items
    )
    return f'<div class="kpis">{cards}</div>'


def section(title: str, body: str, *, note: str = "", cls: str = "") -> str:
    note_html = f'<p class="note">{note}</p>' if note else ""
    attr = f' class="{cls}"' if cls else ""
    return f"<section{attr}><h2>{esc(title)}</h2>{note_html}{body}</section>"


def html_table(headers: Sequence[tuple[str, str]], rows: Sequence[Sequence[str]], *, cls: str = "") -> str:
    """A table from already-escaped cells; headers are (text, css class)."""
    head = "".join(f'<th class="{c}">{esc(h)}</th>' for h, c in headers)
    body = "".join(
        "<tr>" + "".join(f'<td class="{headers[j][1]}">{cell}</td>' for j, cell in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def empty_note(text: str) -> str:
    return f'<p class="empty">{esc(text)}</p>'


def hidden_private(n: int, what: str) -> str:
    return f" {plural(n, 'private ' + what)} counted above; their text is not shown." if n else ""


# --- footer and document ------------------------------------------------------------------


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("classchat")
    except Exception:  # noqa: BLE001 - not installed as a distribution: no version to show
        return ""


def _fmt_versions(versions: object) -> str:
    if isinstance(versions, str):
        try:
            versions = json.loads(versions)
        except ValueError:
            return versions
    if isinstance(versions, dict):
        return ", ".join(f"{k} {v}" for k, v in versions.items())
    return "" if missing(versions) else str(versions)


def _run_line(run: dict) -> str:
    """The run the figures came from: id, command, end, outcome, versions, inputs."""
    bits = [f"Run <b>{esc(run.get('run_id') or '?')}</b>"]
    if not missing(run.get("command")):
        bits[0] += f" ({esc(run['command'])})"
    ended = run.get("ended_at")
    if not missing(ended):
        try:
            bits.append(f"ended {esc(pd.Timestamp(ended).strftime('%Y-%m-%d %H:%M'))}")
        except (TypeError, ValueError):
            bits.append(f"ended {esc(ended)}")
    outcome = run.get("outcome", run.get("status"))
    if not missing(outcome):
        bits.append(f"outcome {esc(outcome)}")
    if not missing(run.get("n_input_files")):
        inputs = plural(int(run["n_input_files"]), "input file")
        if not missing(run.get("inputs_sha256")):
            inputs += f" (sha256 {str(run['inputs_sha256'])[:12]}…)"
        bits.append(esc(inputs))
    versions = _fmt_versions(run.get("versions"))
    if versions:
        bits.append(f"versions: {esc(versions)}")
    return ", ".join(bits) + "."


def page_footer(warehouse: Path, privacy: Privacy, run: dict | None, data: Data) -> str:
    now = datetime.now().astimezone()
    built = ""
    try:
        built = datetime.fromtimestamp(warehouse.stat().st_mtime).astimezone().strftime("%Y-%m-%d %H:%M")
    except OSError:
        pass
    version = _version()
    lines = [
        f"Generated {esc(now.strftime('%Y-%m-%d %H:%M %Z').strip())} "
        f"by classchat{(' ' + esc(version)) if version else ''} "
        f"from <b>{esc(warehouse.name)}</b>" + (f" (built {esc(built)})" if built else "") + "."
    ]
    if run:
        lines.append(_run_line(run))
    quality = quality_summary(data)
    if quality is not None:
        n, ok = int(quality["n"]), int(quality["n_passed"])
        checked = quality["checked_at"]
        when = "" if missing(checked) else f" on {pd.Timestamp(checked):%Y-%m-%d %H:%M}"
        lines.append(f"Data checks{esc(when)}: {ok} of {n} expectations passed.")
    if privacy.named:
        lines.append("Names are shown as they appear in the chat exports.")
    else:
        lines.append(
            "Names are pseudonymised: each person appears as a stable pseudonym (P-…), also in @mentions "
            "and where their name is written in message text."
        )
    lines.append(
        "Times are the session's local time. The text of private (direct) messages is not shown; they are "
        "counted. Chat text is reproduced as written: links are not clickable."
    )
    paragraphs = "".join(f"<p>{line}</p>" for line in lines)
    return f'<footer data-privacy="{esc(privacy.mode)}">{paragraphs}</footer>'


CSS = """
:root { --ink:#1f2430; --muted:#5f6673; --line:#dde1e7; --soft:#f4f6f9; --blue:#4a78b0; --red:#d1495b;
  --orange:#e8892b; --green:#2e8b57; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0 auto; max-width: 980px; padding: 28px 28px 40px; color: var(--ink); background: #fff;
  font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK SC", "PingFang SC",
    "Hiragino Sans GB", "Microsoft YaHei", "Source Han Sans SC", sans-serif;
  font-size: 14px; line-height: 1.5; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
header { border-bottom: 3px solid var(--blue); padding-bottom: 10px; margin-bottom: 18px; }
.kicker { margin: 0; color: var(--muted); text-transform: uppercase; letter-spacing: .06em; font-size: 11px; }
h1 { margin: 2px 0 2px; font-size: 26px; line-height: 1.25; }
h2 { font-size: 18px; margin: 0 0 6px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 14px; margin: 16px 0 4px; color: var(--muted); }
.sub { margin: 0; color: var(--muted); }
.id { color: var(--muted); font-size: 11px; margin: 2px 0 0; overflow-wrap: anywhere;
  font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
section { margin: 26px 0; }
.note, .caption { color: var(--muted); margin: 2px 0 10px; font-size: 12.5px; }
.caption { margin-top: 4px; }
.empty { color: var(--muted); font-style: italic; }
.muted { color: var(--muted); }
.evidence { color: var(--muted); font-size: 0.85em; }
.kpis { display: grid; grid-template-columns: repeat(4, 1fr); gap: 10px; }
.kpi { background: var(--soft); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.kpi-value { font-size: 24px; font-weight: 650; line-height: 1.2; font-variant-numeric: tabular-nums; }
.kpi-label { font-size: 12px; font-weight: 600; color: var(--ink); }
.kpi-note { font-size: 11.5px; color: var(--muted); }
.facts { margin: 4px 0 8px; padding-left: 20px; }
.facts li { margin: 2px 0; }
table { width: 100%; border-collapse: collapse; font-size: 13px; }
th { text-align: left; font-weight: 600; color: var(--muted); font-size: 12px; padding: 5px 6px;
  border-bottom: 2px solid var(--line); vertical-align: bottom; }
td { border-bottom: 1px solid var(--line); padding: 5px 6px; vertical-align: top; }
tbody tr:nth-child(even) td { background: #fafbfc; }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
.nowrap { white-space: nowrap; }
td.who { white-space: nowrap; max-width: 180px; overflow: hidden; text-overflow: ellipsis; }
td.wide { min-width: 180px; }
.chat { white-space: pre-wrap; overflow-wrap: anywhere; }
span.who { color: var(--muted); }
.status { display: inline-block; padding: 0 6px; border-radius: 9px; font-size: 11.5px; font-weight: 600; }
.status.yes { background: #e3f2e9; color: var(--green); }
.status.no { background: #fbe5e8; color: var(--red); }
.tag { display: inline-block; padding: 0 5px; border-radius: 4px; background: var(--soft);
  border: 1px solid var(--line); font-size: 11px; color: var(--muted); }
.badge { font-size: 10.5px; padding: 0 5px; border-radius: 4px; color: #fff; background: var(--blue);
  vertical-align: 1px; }
.badge-ta { background: #7a5cb0; }
svg.chart { display: block; max-width: 100%; height: auto; margin: 6px 0 2px; }  /* drawn by Vega: its own fonts and sizes */
footer { margin-top: 36px; padding-top: 10px; border-top: 1px solid var(--line); color: var(--muted);
  font-size: 11.5px; }
footer p { margin: 2px 0; }
@media (max-width: 720px) { .kpis { grid-template-columns: repeat(2, 1fr); } body { padding: 16px; } }
@media print {
  @page { size: A4; margin: 14mm 12mm; }
  body { max-width: none; padding: 0; font-size: 11.5px; }
  .kpis { grid-template-columns: repeat(4, 1fr); }
  .kpi { break-inside: avoid; }
  section { break-inside: auto; }
  h2, h3 { break-after: avoid; }
  svg.chart, .kpis, header { break-inside: avoid; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
  tbody tr:nth-child(even) td { background: none; }
}
"""

# Forbid every fetch: the document needs nothing from outside itself.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def html_document(title: str, body: str, footer: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="classchat export">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n{footer}\n</body>\n</html>\n"
    )
