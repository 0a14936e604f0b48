"""The report's "scheduled posts" section: what went out on time, late, or not at all, and
which incident each problem fell in, so the client sees why the launch slipped.

A post counts in the period when its time lies in it. Posts still ahead (or still expected
with no verdict) are counted as "still to come". A problem's incident is the first sync
incident of the report that touched its account (or every account) between its time and
when it appeared (or its time plus the grace, for one that never did). In the CSV each post
is one more row after the interactions, with kind ``scheduled_post``: its time in the
received columns, its state in ``status``, when it appeared and its delay in the response
columns, its incident in ``in_gap``/``gap_kinds``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from sfogo.inbox import when
from sfogo.inbox.posts.states import AT_RISK, GRACE_S, PENDING
from sfogo.inbox.store import Store
from sfogo.inbox.text import excerpt

from .posts import ShownPost, shown
from .report import Incident, Report, csv_safe

if TYPE_CHECKING:
    from .report_text import Words

# Shown states the section reports one by one, in this order.
PROBLEMS = ("late", "missed", "vanished", "failed", "held", AT_RISK)

WORDS = {
    "en": {
        "title": "Scheduled posts",
        "none": "No scheduled post was due in this period.",
        "summary": "{due} scheduled posts were due: {on_time} published on time, {late} late, "
        "{missed} missed, {vanished} vanished.",
        "to_come": "{n} more are still to come or waiting for confirmation.",
        "h_when": "Due",
        "h_channel": "Channel",
        "h_post": "Post",
        "h_what": "What happened",
        "h_incident": "Incident",
        "late": "published {delay} late",
        "missed": "never appeared",
        "vanished": "disappeared from {channel}'s queue before its time",
        "failed": "refused by {channel}",
        "held": "held back for a decision",
        "at_risk": "not confirmed yet: due during an incident",
        "no_incident": "–",
    },
    "it": {
        "title": "Post programmati",
        "none": "Nessun post programmato era previsto in questo periodo.",
        "summary": "{due} post programmati erano previsti: {on_time} pubblicati in orario, "
        "{late} in ritardo, {missed} mai usciti, {vanished} spariti.",
        "to_come": "Altri {n} devono ancora uscire o attendono conferma.",
        "h_when": "Previsto",
        "h_channel": "Canale",
        "h_post": "Post",
        "h_what": "Cosa è successo",
        "h_incident": "Interruzione",
        "late": "pubblicato con {delay} di ritardo",
        "missed": "mai uscito",
        "vanished": "sparito dalla coda di {channel} prima dell'orario",
        "failed": "rifiutato da {channel}",
        "held": "trattenuto in attesa di una decisione",
        "at_risk": "non ancora confermato: previsto durante un'interruzione",
        "no_incident": "–",
    },
}


@dataclass(slots=True)
class PostLine:
    post: ShownPost
    incident: Incident | None


@dataclass(slots=True)
class PostsSection:
    due: int = 0
    on_time: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # problem state -> posts
    to_come: int = 0
    problems: list[PostLine] = field(default_factory=list)


def _incident(incidents: list[Incident], now: int, post: ShownPost) -> Incident | None:
    row = post.row
    end = row["published_at"] if row["published_at"] is not None else row["at"] + GRACE_S
    label = f"{row['channel']}:{row['account']}"
    for incident in incidents:
        if incident.source != "sync":
            continue  # a platform publishes whether the manager is in or not
        stop = incident.ended_at if incident.ended_at is not None else now
        touches = not incident.accounts or label in incident.accounts
        if touches and incident.started_at <= end and stop > row["at"] - GRACE_S:
            return incident
    return None


def build_section(store: Store, report: Report) -> PostsSection:
    """The section's facts for the report's client and period."""
    rows = store.posts.listing(client_id=report.client.id, since=report.since, until=report.until)
    section = PostsSection()
    for post in shown(store, rows, now=report.now):
        if post.state == "cancelled":
            continue
        section.due += 1
        if post.state == "published":
            section.on_time += 1
        elif post.state in PROBLEMS:
            section.counts[post.state] = section.counts.get(post.state, 0) + 1
            section.problems.append(PostLine(post, _incident(report.incidents, report.now, post)))
        elif post.state in PENDING:
            section.to_come += 1
    return section


def _what(line: PostLine, words: Words, lang: str) -> str:
    from .report_text import CHANNEL_NAMES

    post = line.post
    w = WORDS[lang]
    channel = CHANNEL_NAMES.get(str(post.row["channel"]), str(post.row["channel"]))
    if post.state == "late":
        published = post.row["published_at"]
        delay = None if published is None else published - post.row["at"]
        text = w["late"].format(delay=words.duration(delay))
    else:
        text = w[post.state].format(channel=channel)
    return text


def _incident_text(incident: Incident | None, words: Words) -> str:
    if incident is None:
        return words["none"]
    end = words.when(incident.ended_at) if incident.ended_at is not None else words["still_open"]
    return f"{words.gap(incident)} ({words.when(incident.started_at)} – {end})"


def section_table(
    report: Report, words: Words, lang: str
) -> tuple[list[str], list[list[str]], list[str]]:
    """(headers, rows, summary lines) of the section, as plain text."""
    from .report_text import CHANNEL_NAMES

    s: PostsSection = report.posts  # type: ignore[assignment]
    w = WORDS[lang]
    if not s.due:
        return [], [], [w["none"]]
    lines = [
        w["summary"].format(
            due=words.num(s.due),
            on_time=words.num(s.on_time),
            late=words.num(s.counts.get("late", 0)),
            missed=words.num(s.counts.get("missed", 0)),
            vanished=words.num(s.counts.get("vanished", 0)),
        )
    ]
    if s.to_come:
        lines.append(w["to_come"].format(n=words.num(s.to_come)))
    headers = [w["h_when"], w["h_channel"], w["h_post"], w["h_what"], w["h_incident"]]
    rows = [
        [
            words.when(line.post.row["at"]),
            CHANNEL_NAMES.get(str(line.post.row["channel"]), str(line.post.row["channel"])),
            excerpt(line.post.row["text"], 60),
            _what(line, words, lang),
            _incident_text(line.incident, words),
        ]
        for line in s.problems
    ]
    return headers, rows, lines


def render_md(report: Report, words: Words, lang: str) -> list[str]:
    from .report_text import _md_table, md_escape

    headers, rows, lines = section_table(report, words, lang)
    out = ["", f"## {WORDS[lang]['title']}", ""]
    if not headers:  # nothing was due
        return [*out, md_escape(lines[0])]
    out += [f"- {md_escape(line)}" for line in lines]
    if rows:
        out += ["", *_md_table(headers, rows, numeric_from=len(headers))]
    return out


def render_html(report: Report, words: Words, lang: str) -> str:
    headers, rows, lines = section_table(report, words, lang)
    esc = html.escape
    out = [f"<section><h2>{esc(WORDS[lang]['title'])}</h2>"]
    out += [f"<p>{esc(line)}</p>" for line in lines]
    if rows:
        out.append("<table><thead><tr>")
        out += [f"<th>{esc(h)}</th>" for h in headers]
        out.append("</tr></thead><tbody>")
        for row in rows:
            out.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>")
        out.append("</tbody></table>")
    out.append("</section>")
    return "".join(out)


def csv_rows(
    store: Store,
    client_id: int,
    period: tuple[int, int],
    now: int,
    incidents: list[Incident],
    tz: tzinfo,
) -> list[list]:
    """One CSV row per post of the period, in the report's columns (module docstring)."""
    rows = []
    posts = store.posts.listing(client_id=client_id, since=period[0], until=period[1])
    for post in shown(store, posts, now=now):
        row = post.row
        incident = _incident(incidents, now, post) if post.state in PROBLEMS else None
        delay = None if row["published_at"] is None else row["published_at"] - row["at"]
        local = datetime.fromtimestamp(row["at"], tz).strftime("%Y-%m-%d %H:%M")
        values = (
            f"post-{row['id']}",
            when.iso(row["at"]),
            local,
            str(row["channel"]),
            f"{row['channel']}:{row['account']}",
            "scheduled_post",
            row["source"],
            post.state,
            when.iso(row["published_at"]) or "",
            "" if delay is None else round(delay / 60, 1),
            "",
            "",
            int(post.state in ("late", "missed", "vanished")),
            int(incident is not None),
            incident.kind if incident is not None else "",
            0,
            0,
            excerpt(row["text"], 500),
        )
        rows.append([csv_safe(v) for v in values])
    return rows
