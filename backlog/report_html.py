"""The report as one self-contained, printable HTML page.

No scripts, no external assets, no links: inline CSS (with print rules) and an inline SVG
chart drawn here. Every interpolated value goes through :func:`esc`, and a
Content-Security-Policy forbids scripts and fetches even if something slipped through.
"""

from __future__ import annotations

import html

from sfogo.inbox.text import excerpt

from .report import Report
from .report_text import (
    Words,
    backlog_lines,
    item_label,
    language,
    summary_lines,
    tables,
)

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

CSS = """
:root { --ink: #1d2433; --muted: #5b6475; --line: #d9dde5; --bar: #4a78c2;
        --wait: #d9822b; --gap: #f3d3d3; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
       font: 15px/1.5 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 820px; margin: 0 auto; padding: 28px 24px 48px; }
h1 { font-size: 1.6em; margin: 0 0 4px; }
h2 { font-size: 1.15em; margin: 28px 0 8px; padding-bottom: 4px;
     border-bottom: 1px solid var(--line); }
.period { color: var(--muted); margin: 0; }
ul.summary { padding-left: 1.2em; } ul.summary li { margin: 3px 0; }
table { border-collapse: collapse; width: 100%; font-size: 0.93em; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line);
         vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.gap td { background: #fbeeee; }
figure { margin: 8px 0 0; }
figcaption { color: var(--muted); font-size: 0.85em; }
svg { width: 100%; height: auto; display: block; }
svg text { font-size: 11px; fill: var(--muted); }
ol.waiting { padding-left: 1.4em; } ol.waiting li { margin: 6px 0; }
.meta { color: var(--muted); font-size: 0.88em; }
.quote { white-space: pre-wrap; overflow-wrap: anywhere; }
.method { color: var(--muted); font-size: 0.88em; }
@media print {
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  section, figure, table { break-inside: avoid; }
  h2 { break-after: avoid; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  @page { margin: 14mm; }
}
"""


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _table(
    headers: list[str],
    rows: list[list[str]],
    *,
    numeric_from: int = 1,
    numeric_to: int | None = None,
    marks: list[bool] | None = None,
) -> str:
    numeric = range(numeric_from, len(headers) if numeric_to is None else numeric_to)

    def cls(i: int) -> str:
        return ' class="n"' if i in numeric else ""

    head = "".join(f"<th{cls(i)}>{esc(h)}</th>" for i, h in enumerate(headers))
    body = []
    for r, row in enumerate(rows):
        mark = ' class="gap"' if marks and marks[r] else ""
        cells = "".join(f"<td{cls(i)}>{esc(c)}</td>" for i, c in enumerate(row))
        body.append(f"<tr{mark}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _nice_max(value: int) -> int:
    """A round axis top at or above ``value``: four steps of 1, 2 or 5 × 10^k."""
    step = 1
    while True:
        for m in (1, 2, 5):
            if 4 * m * step >= value:
                return 4 * m * step
        step *= 10


def _legend_svg(words: Words, left: int) -> list[str]:
    """The chart's key, in a row above the plot from ``left``: a swatch and a word each."""
    parts = []
    legend = [
        ("#4a78c2", words["legend_received"]),
        ("#d9822b", words["legend_waiting"]),
        ("#f3d3d3", words["legend_incident"]),
    ]
    lx = left
    for color, label in legend:
        parts.append(f'<rect x="{lx}" y="10" width="12" height="12" fill="{color}"/>')
        parts.append(f'<text x="{lx + 17}" y="20">{esc(label)}</text>')
        lx += 30 + 8 * len(label)
    return parts


def chart_svg(report: Report, words: Words) -> str:
    """Bars of messages received, a line of messages waiting, incidents shaded."""
    width, height = 760, 280
    left, right, top, bottom = 52, 16, 34, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    span = max(1, report.until - report.since)
    buckets = report.buckets
    peak = max([b.received for b in buckets] + [b.waiting for b in buckets] + [1])
    ymax = _nice_max(peak)

    def x(ts: int) -> float:
        return left + (min(max(ts, report.since), report.until) - report.since) / span * plot_w

    def y(v: int) -> float:
        return top + plot_h - v / ymax * plot_h

    title = words["chart_title_week" if report.weekly else "chart_title"]
    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-labelledby="chart-title">',
        f'<title id="chart-title">{esc(title)}</title>',
    ]
    for lo, hi in report.period_gaps:  # incidents behind everything
        parts.append(
            f'<rect x="{x(lo):.1f}" y="{top}" width="{max(1.0, x(hi) - x(lo)):.1f}"'
            f' height="{plot_h}" fill="#f3d3d3"/>'
        )
    for i in range(5):  # gridlines and the count axis
        value = ymax * i // 4
        yy = y(value)
        parts.append(
            f'<line x1="{left}" y1="{yy:.1f}" x2="{left + plot_w}" y2="{yy:.1f}"'
            f' stroke="#d9dde5" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end">'
            f"{esc(words.num(value))}</text>"
        )
    for b in buckets:
        x0, x1 = x(b.start), x(b.end)
        gap = max(0.5, (x1 - x0) * 0.15)
        h = b.received / ymax * plot_h
        parts.append(
            f'<rect x="{x0 + gap:.1f}" y="{top + plot_h - h:.1f}"'
            f' width="{max(0.5, x1 - x0 - 2 * gap):.1f}" height="{h:.1f}"'
            f' fill="#4a78c2"><title>{esc(words.day(b.day))}: '
            f"{esc(words.num(b.received))} {esc(words['legend_received'])}, "
            f"{esc(words.num(b.waiting))} {esc(words['legend_waiting'])}"
            f"</title></rect>"
        )
    points = " ".join(f"{x(b.end):.1f},{y(b.waiting):.1f}" for b in buckets)
    if points:
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="#d9822b"'
            f' stroke-width="2.5" stroke-linejoin="round"/>'
        )
        for b in buckets:
            parts.append(
                f'<circle cx="{x(b.end):.1f}" cy="{y(b.waiting):.1f}" r="2.5" fill="#d9822b"/>'
            )
    every = max(1, -(-len(buckets) // 10))  # at most ten date labels
    full = max((x(b.end) - x(b.start) for b in buckets), default=0)
    for i, b in enumerate(buckets):
        # A partial first or last day is too narrow for its label.
        if i % every == 0 and x(b.end) - x(b.start) >= full * 0.6:
            cx = (x(b.start) + x(b.end)) / 2
            parts.append(
                f'<text x="{cx:.1f}" y="{top + plot_h + 16}" text-anchor="middle">'
                f"{esc(words.day(b.day))}</text>"
            )
    parts.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}"'
        f' y2="{top + plot_h}" stroke="#5b6475" stroke-width="1"/>'
    )
    parts.extend(_legend_svg(words, left))
    parts.append("</svg>")
    return "".join(parts)


def render_html(report: Report, lang: str = "en") -> str:
    with language(lang):
        words = Words(lang, report.tz_name)
        tabs = tables(report, words)
        title = words.say("title", client=report.client.name)
        period = words.say(
            "period",
            since=words.date(report.since),
            until=words.date(report.until - 1),
            tz=report.tz_name,
            now=words.when(report.now, year=True),
        )
        out = [
            "<!DOCTYPE html>",
            f'<html lang="{esc(lang)}"><head><meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{esc(title)}</title><style>{CSS}</style></head><body><main>",
            f"<h1>{esc(title)}</h1>",
            f'<p class="period">{esc(period)}</p>',
            f'<section><h2>{esc(words["summary"])}</h2><ul class="summary">',
        ]
        out += [f"<li>{esc(line)}</li>" for line in summary_lines(report, words)]
        out.append("</ul>")
        caption = words["chart_title_week" if report.weekly else "chart_title"]
        out.append(
            f"<figure>{chart_svg(report, words)}"
            f"<figcaption>{esc(caption)}</figcaption></figure></section>"
        )
        out.append(f"<section><h2>{esc(words['incidents'])}</h2>")
        if report.incidents:
            out.append(_table(*tabs["incidents"], numeric_from=5))
        else:
            out.append(f"<p>{esc(words['incidents_none'])}</p>")
        out.append("</section>")
        out.append(
            f"<section><h2>{esc(words['channels'])}</h2>{_table(*tabs['channels'])}</section>"
        )
        out.append(
            f"<section><h2>{esc(words['response'])}</h2>{_table(*tabs['response'])}</section>"
        )
        out.append(f"<section><h2>{esc(words['backlog'])}</h2>")
        out += [f"<p>{esc(line)}</p>" for line in backlog_lines(report, words)]
        out.append("</section>")
        heading = words["weeks" if report.weekly else "days"]
        days = _table(*tabs["days"], numeric_to=3, marks=[b.in_gap for b in report.buckets])
        out.append(f"<section><h2>{esc(heading)}</h2>{days}</section>")
        from .report_posts import render_html as posts_html

        out.append(posts_html(report, words, lang))
        out.append(f"<section><h2>{esc(words['waiting'])}</h2>")
        if report.waiting:
            out.append('<ol class="waiting">')
            for it in report.waiting:
                meta = f"{words.when(it.created_at)} · {item_label(it, words)} · {it.author}"
                out.append(
                    f'<li><div class="meta">{esc(meta)}</div>'
                    f'<div class="quote">{esc(excerpt(it.text, 160))}</div></li>'
                )
            out.append("</ol>")
        else:
            out.append(f"<p>{esc(words['waiting_none'])}</p>")
        out.append("</section>")
        out.append(
            f"<section><h2>{esc(words['method'])}</h2>"
            f'<p class="method">{esc(words["method_text"])}</p></section>'
        )
        out.append("</main></body></html>\n")
        return "\n".join(out)
