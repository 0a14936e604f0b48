"""The report's words in English and Italian, and its Markdown rendering.

Durations and numbers come from humanize in the report's language (its Italian locale is
activated for the rendering only, then deactivated); dates use our own month and weekday
names so the output does not depend on the system locale.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

from sfogo.inbox.text import excerpt

from .report import Incident, Item, Report, Stat

_MONTHS = {
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
    "it": ["gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic"],
}
_WEEKDAYS = {
    "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    "it": ["lun", "mar", "mer", "gio", "ven", "sab", "dom"],
}

CHANNEL_NAMES = {
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
    "facebook": "Facebook",
    "instagram": "Instagram",
    "x": "X",
    "youtube": "YouTube",
    "wordpress": "WordPress",
    "email": "E-mail",
    "import": "Import",
}

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Activity report: {client}",
        "period": "{since} to {until} (times in {tz}) · prepared {now}",
        "summary": "Summary",
        "sum_received": "{received} messages received: {answered} answered, {waiting} still "
        "waiting, {ignored} needed no answer.",
        "sum_response": "Median response time {median} (target {target}); 90% were answered "
        "within {p90}.",
        "sum_no_response": "No message of this period has been answered yet (target {target}).",
        "sum_incidents": "{n} incidents: at least one account was affected for {total} "
        "({work} of working time).",
        "sum_incident_one": "1 incident: at least one account was affected for {total} "
        "({work} of working time).",
        "sum_no_incidents": "No incidents: every account was reachable the whole time.",
        "sum_lost": "Time lost: {sync} when messages could not be fetched, {away} when "
        "the manager was unavailable.",
        "incidents": "Incidents",
        "incidents_none": "None in this period.",
        "h_what": "What",
        "h_accounts": "Accounts",
        "h_from": "From",
        "h_to": "To",
        "h_duration": "Duration",
        "h_during": "Messages during it",
        "still_open": "still ongoing",
        "all_accounts": "all accounts",
        "channels": "Volume by channel",
        "h_channel": "Channel",
        "h_received": "Received",
        "h_answered": "Answered",
        "h_waiting": "Waiting",
        "h_sent": "Replies sent",
        "h_median": "Median response",
        "response": "Response times",
        "h_group": "Messages",
        "h_p90": "90% within",
        "h_within": "Within target",
        "g_all": "All",
        "g_gap": "Arrived during an incident",
        "g_outside": "Arrived otherwise",
        "backlog": "Backlog",
        "backlog_none": "No backlog: nothing arrived during an incident or waited through one.",
        "backlog_line": "{total} messages arrived during an incident or were waiting when one "
        "began: {answered} answered, {open} still open.",
        "backlog_cleared": "The backlog was cleared on {at}.",
        "backlog_eta": "At the current pace the backlog will be cleared by {at}.",
        "backlog_never": "At the current pace the backlog will not clear: new messages take "
        "all the working time.",
        "backlog_unknown": "The remaining messages are being worked through.",
        "days": "Day by day",
        "weeks": "Week by week",
        "h_day": "Day",
        "h_week": "Week of",
        "h_waiting_end": "Waiting at the end",
        "h_incident": "Incident",
        "yes": "yes",
        "no": "",
        "waiting": "Still waiting (oldest first)",
        "waiting_none": "Nothing from this period is waiting for an answer.",
        "chart_title": "Messages received per day, and messages waiting at the end of each day",
        "chart_title_week": "Messages received per week, and messages waiting at the end of "
        "each week",
        "legend_received": "received",
        "legend_waiting": "waiting",
        "legend_incident": "incident",
        "method": "How these figures are measured",
        "method_text": (
            "A response time runs from a message's arrival to our first reply to it, or to "
            "the moment it was marked as handled, whichever came first. Medians and 90th "
            "percentiles are real response times, not averages. An incident is a period when "
            "an account could not be read (connection down, platform down, account blocked, "
            "login expired) or the manager was unavailable. The backlog is what arrived "
            "during an incident or was still waiting when one began."
        ),
        "under_minute": "under a minute",
        "none": "–",
    },
    "it": {
        "title": "Resoconto attività: {client}",
        "period": "dal {since} al {until} (orari {tz}) · preparato il {now}",
        "summary": "In breve",
        "sum_received": "{received} messaggi ricevuti: {answered} con risposta, {waiting} "
        "ancora in attesa, {ignored} senza bisogno di risposta.",
        "sum_response": "Tempo di risposta mediano {median} (obiettivo {target}); il 90% ha "
        "avuto risposta entro {p90}.",
        "sum_no_response": "Nessun messaggio di questo periodo ha ancora avuto risposta "
        "(obiettivo {target}).",
        "sum_incidents": "{n} interruzioni: almeno un account è stato coinvolto per {total} "
        "({work} in orario di lavoro).",
        "sum_incident_one": "1 interruzione: almeno un account è stato coinvolto per {total} "
        "({work} in orario di lavoro).",
        "sum_no_incidents": "Nessuna interruzione: tutti gli account sono stati raggiungibili "
        "per tutto il periodo.",
        "sum_lost": "Tempo perso: {sync} senza poter scaricare i messaggi, {away} con il "
        "gestore non disponibile.",
        "incidents": "Interruzioni",
        "incidents_none": "Nessuna in questo periodo.",
        "h_what": "Cosa",
        "h_accounts": "Account",
        "h_from": "Dal",
        "h_to": "Al",
        "h_duration": "Durata",
        "h_during": "Messaggi arrivati nel frattempo",
        "still_open": "ancora in corso",
        "all_accounts": "tutti gli account",
        "channels": "Volumi per canale",
        "h_channel": "Canale",
        "h_received": "Ricevuti",
        "h_answered": "Con risposta",
        "h_waiting": "In attesa",
        "h_sent": "Risposte inviate",
        "h_median": "Risposta mediana",
        "response": "Tempi di risposta",
        "h_group": "Messaggi",
        "h_p90": "90% entro",
        "h_within": "Entro l'obiettivo",
        "g_all": "Tutti",
        "g_gap": "Arrivati durante un'interruzione",
        "g_outside": "Arrivati in altri momenti",
        "backlog": "Arretrato",
        "backlog_none": "Nessun arretrato: nulla è arrivato durante un'interruzione né è "
        "rimasto in attesa durante una.",
        "backlog_line": "{total} messaggi sono arrivati durante un'interruzione o erano in "
        "attesa quando è iniziata: {answered} con risposta, {open} ancora "
        "aperti.",
        "backlog_cleared": "L'arretrato è stato smaltito il {at}.",
        "backlog_eta": "Al ritmo attuale l'arretrato sarà smaltito entro il {at}.",
        "backlog_never": "Al ritmo attuale l'arretrato non si smaltisce: i nuovi messaggi "
        "occupano tutto il tempo di lavoro.",
        "backlog_unknown": "I messaggi rimasti sono in lavorazione.",
        "days": "Giorno per giorno",
        "weeks": "Settimana per settimana",
        "h_day": "Giorno",
        "h_week": "Settimana dal",
        "h_waiting_end": "In attesa a fine giornata",
        "h_incident": "Interruzione",
        "yes": "sì",
        "no": "",
        "waiting": "Ancora in attesa (dal più vecchio)",
        "waiting_none": "Nessun messaggio di questo periodo è in attesa di risposta.",
        "chart_title": "Messaggi ricevuti al giorno e messaggi in attesa a fine giornata",
        "chart_title_week": "Messaggi ricevuti a settimana e messaggi in attesa a fine settimana",
        "legend_received": "ricevuti",
        "legend_waiting": "in attesa",
        "legend_incident": "interruzione",
        "method": "Come sono calcolati questi dati",
        "method_text": (
            "Il tempo di risposta va dall'arrivo di un messaggio alla nostra prima risposta, "
            "o al momento in cui è stato segnato come gestito, se precedente. Mediane e 90° "
            "percentile sono tempi di risposta reali, non medie. Un'interruzione è un periodo "
            "in cui un account non era leggibile (connessione assente, piattaforma non "
            "disponibile, account bloccato, accesso scaduto) o il gestore non era "
            "disponibile. L'arretrato è ciò che è arrivato durante un'interruzione o era "
            "ancora in attesa quando è iniziata."
        ),
        "under_minute": "meno di un minuto",
        "none": "–",
    },
}

# What each kind of message, and each gap (source, kind), is called in a language.
KIND_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "mention": "mention",
        "comment": "comment",
        "reply": "reply",
        "dm": "private message",
        "email": "e-mail",
        "review": "review",
    },
    "it": {
        "mention": "menzione",
        "comment": "commento",
        "reply": "risposta",
        "dm": "messaggio privato",
        "email": "e-mail",
        "review": "recensione",
    },
}
GAP_WORDS: dict[str, dict[tuple[str, str], str]] = {
    "en": {
        ("sync", "offline"): "No internet connection",
        ("sync", "down"): "Platform down",
        ("sync", "rate_limited"): "Platform rate limit",
        ("sync", "auth"): "Login expired",
        ("sync", "blocked"): "Account blocked by the platform",
        ("sync", "broken"): "Platform sent unreadable data",
        ("away", "away"): "Manager away",
        ("away", "sick"): "Manager ill",
        ("away", "offline"): "Manager without a connection",
    },
    "it": {
        ("sync", "offline"): "Connessione internet assente",
        ("sync", "down"): "Piattaforma non disponibile",
        ("sync", "rate_limited"): "Limite di richieste della piattaforma",
        ("sync", "auth"): "Accesso scaduto",
        ("sync", "blocked"): "Account bloccato dalla piattaforma",
        ("sync", "broken"): "Dati illeggibili dalla piattaforma",
        ("away", "away"): "Gestore assente",
        ("away", "sick"): "Gestore in malattia",
        ("away", "offline"): "Gestore senza connessione",
    },
}

_HUMANIZE_LOCALES = {"it": "it_IT"}


@contextmanager
def language(lang: str) -> Iterator[None]:
    """humanize speaks ``lang`` inside the block (per thread), English again after."""
    import humanize

    locale = _HUMANIZE_LOCALES.get(lang)
    if locale:
        humanize.i18n.activate(locale)
    try:
        yield
    finally:
        if locale:
            humanize.i18n.deactivate()


class Words:
    """Labels, sentences, dates, durations and numbers in one language and time zone."""

    def __init__(self, lang: str, tz_name: str) -> None:
        self.lang = lang
        self.w = WORDS[lang]
        self.kinds = KIND_WORDS[lang]
        self.gaps = GAP_WORDS[lang]
        self.tz = ZoneInfo(tz_name)

    def __getitem__(self, key: str) -> str:
        return self.w[key]

    def say(self, key: str, **values: object) -> str:
        return self.w[key].format(**values)

    def num(self, n: int) -> str:
        import humanize

        return humanize.intcomma(n)

    def when(self, ts: int | None, *, year: bool = False) -> str:
        if ts is None:
            return self.w["none"]
        local = dt.datetime.fromtimestamp(ts, self.tz)
        text = (
            f"{_WEEKDAYS[self.lang][local.weekday()]} {local.day} "
            f"{_MONTHS[self.lang][local.month - 1]}"
        )
        if year:
            text += f" {local.year}"
        return f"{text}, {local:%H:%M}"

    def day(self, day: dt.date) -> str:
        weekday = _WEEKDAYS[self.lang][day.weekday()]
        return f"{weekday} {day.day} {_MONTHS[self.lang][day.month - 1]}"

    def date(self, ts: int) -> str:
        local = dt.datetime.fromtimestamp(ts, self.tz)
        return f"{local.day} {_MONTHS[self.lang][local.month - 1]} {local.year}"

    def duration(self, seconds: int | None) -> str:
        """'35 minutes', '30 hours', '5 days and 3 hours' in the report's language."""
        import humanize

        if seconds is None:
            return self.w["none"]
        if seconds < 60:
            return self.w["under_minute"]
        delta = dt.timedelta(seconds=seconds)
        if seconds < 2 * 3600:
            return humanize.precisedelta(delta, minimum_unit="minutes", format="%0.0f")
        if seconds < 72 * 3600:
            return humanize.precisedelta(
                delta, minimum_unit="hours", suppress=["days"], format="%0.0f"
            )
        return humanize.precisedelta(delta, minimum_unit="hours", format="%0.0f")

    def gap(self, incident: Incident) -> str:
        return self.gaps.get((incident.source, incident.kind), incident.kind)

    def kind(self, kind: str) -> str:
        return self.kinds.get(kind, kind)

    def pct(self, part: int, whole: int) -> str:
        return self.w["none"] if not whole else f"{round(100 * part / whole)}%"


def item_label(item: Item, words: Words) -> str:
    """'Instagram private message', 'E-mail' (not 'E-mail e-mail')."""
    channel = CHANNEL_NAMES.get(item.channel, item.channel)
    if item.kind == "email" and item.channel == "email":
        return channel
    return f"{channel} {words.kind(item.kind)}"


def incident_accounts(report: Report, incident: Incident, words: Words) -> str:
    """'all accounts', or the channels a client knows ('Instagram, E-mail'), with the
    handle only when the client has two accounts on that channel."""
    if not incident.accounts or set(incident.accounts) >= set(report.accounts):
        return words["all_accounts"]
    channels = [a.partition(":")[0] for a in report.accounts]
    names = []
    for label in incident.accounts:
        channel, _, handle = label.partition(":")
        name = CHANNEL_NAMES.get(channel, channel)
        names.append(f"{name} {handle}" if channels.count(channel) > 1 else name)
    return ", ".join(names)


def summary_lines(report: Report, words: Words) -> list[str]:
    """The summary's sentences (plain text: the caller escapes them for its format)."""
    lines = [
        words.say(
            "sum_received",
            received=words.num(report.received),
            answered=words.num(report.answered),
            waiting=words.num(report.waiting_now),
            ignored=words.num(report.ignored),
        )
    ]
    stat = report.response["all"]
    target = words.duration(report.target_s)
    if stat.answered:
        lines.append(
            words.say(
                "sum_response",
                median=words.duration(stat.median_s),
                target=target,
                p90=words.duration(stat.p90_s),
            )
        )
    else:
        lines.append(words.say("sum_no_response", target=target))
    n = len(report.incidents)
    if n:
        key = "sum_incident_one" if n == 1 else "sum_incidents"
        lines.append(
            words.say(
                key,
                n=n,
                total=words.duration(report.affected_s),
                work=words.duration(report.affected_work_s),
            )
        )
        lines.append(
            words.say(
                "sum_lost", sync=words.duration(report.sync_s), away=words.duration(report.away_s)
            )
        )
    else:
        lines.append(words["sum_no_incidents"])
    lines += backlog_lines(report, words)
    return lines


def backlog_lines(report: Report, words: Words) -> list[str]:
    if not report.backlog_total:
        return [words["backlog_none"]]
    lines = [
        words.say(
            "backlog_line",
            total=words.num(report.backlog_total),
            answered=words.num(report.backlog_answered),
            open=words.num(report.backlog_open),
        )
    ]
    if report.backlog_cleared_at is not None:
        lines.append(
            words.say("backlog_cleared", at=words.when(report.backlog_cleared_at, year=True))
        )
    elif report.backlog_open:
        status = report.eta.get("status")
        if status == "eta":
            lines.append(words.say("backlog_eta", at=words.when(report.eta["at"], year=True)))
        elif status == "never":
            lines.append(words["backlog_never"])
        else:
            lines.append(words["backlog_unknown"])
    return lines


def stat_row(words: Words, label: str, stat: Stat) -> list[str]:
    return [
        label,
        words.num(stat.answered),
        words.duration(stat.median_s),
        words.duration(stat.p90_s),
        words.pct(stat.within_target, stat.answered),
    ]


def tables(report: Report, words: Words) -> dict[str, tuple[list[str], list[list[str]]]]:
    """Every table of the report as (headers, rows) of plain, unescaped text."""
    incidents = [
        [
            words.gap(i),
            incident_accounts(report, i, words),
            words.when(i.started_at),
            words.when(i.ended_at) if i.ended_at is not None else words["still_open"],
            words.duration(i.duration(report.now)),
            words.num(i.arrived),
        ]
        for i in report.incidents
    ]
    channels = [
        [
            CHANNEL_NAMES.get(c.channel, c.channel),
            words.num(c.received),
            words.num(c.answered),
            words.num(c.waiting),
            words.num(c.replies_sent),
            words.duration(c.median_s),
        ]
        for c in report.channels
    ]
    response = [
        stat_row(words, words[f"g_{key}"], report.response[key])
        for key in ("all", "gap", "outside")
    ]
    days = [
        [
            words.day(b.day),
            words.num(b.received),
            words.num(b.waiting),
            words["yes"] if b.in_gap else words["no"],
        ]
        for b in report.buckets
    ]
    return {
        "incidents": (
            [
                words["h_what"],
                words["h_accounts"],
                words["h_from"],
                words["h_to"],
                words["h_duration"],
                words["h_during"],
            ],
            incidents,
        ),
        "channels": (
            [
                words["h_channel"],
                words["h_received"],
                words["h_answered"],
                words["h_waiting"],
                words["h_sent"],
                words["h_median"],
            ],
            channels,
        ),
        "response": (
            [
                words["h_group"],
                words["h_answered"],
                words["h_median"],
                words["h_p90"],
                words["h_within"],
            ],
            response,
        ),
        "days": (
            [
                words["h_week"] if report.weekly else words["h_day"],
                words["h_received"],
                words["h_waiting_end"],
                words["h_incident"],
            ],
            days,
        ),
    }


# -- Markdown -------------------------------------------------------------------------------

# Only what can start markup inside a line: emphasis, code, links/images, HTML, table pipes.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


def md_escape(text: str) -> str:
    """Untrusted text as inert Markdown: one line, punctuation that means something escaped
    (so ``<script>`` or ``[link](…)`` stays text if a mail client renders Markdown)."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _md_table(
    headers: list[str], rows: list[list[str]], numeric_from: int = 1, numeric_to: int | None = None
) -> list[str]:
    """A pipe table padded to line up in plain text too (a pasted e-mail is read as text);
    columns ``numeric_from`` to ``numeric_to`` (exclusive) hold numbers, right-aligned."""
    cells = [[md_escape(h) for h in headers]] + [[md_escape(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    numeric = range(numeric_from, len(headers) if numeric_to is None else numeric_to)

    def line(row: list[str]) -> str:
        out = [
            c.rjust(widths[i]) if i in numeric and row is not cells[0] else c.ljust(widths[i])
            for i, c in enumerate(row)
        ]
        return "| " + " | ".join(out) + " |"

    rule = (
        "|"
        + "|".join(
            "-" * (w + 1) + ":" if i in numeric else "-" * (w + 2) for i, w in enumerate(widths)
        )
        + "|"
    )
    return [line(cells[0]), rule] + [line(r) for r in cells[1:]]


def render_md(report: Report, lang: str = "en") -> str:
    with language(lang):
        words = Words(lang, report.tz_name)
        tabs = tables(report, words)
        out = [f"# {md_escape(words.say('title', client=report.client.name))}", ""]
        out.append(
            md_escape(
                words.say(
                    "period",
                    since=words.date(report.since),
                    until=words.date(report.until - 1),
                    tz=report.tz_name,
                    now=words.when(report.now, year=True),
                )
            )
        )
        out += ["", f"## {words['summary']}", ""]
        out += [f"- {md_escape(line)}" for line in summary_lines(report, words)]
        out += ["", f"## {words['incidents']}", ""]
        if report.incidents:
            out += _md_table(*tabs["incidents"], numeric_from=5)
        else:
            out.append(words["incidents_none"])
        out += ["", f"## {words['channels']}", ""]
        out += _md_table(*tabs["channels"])
        out += ["", f"## {words['response']}", ""]
        out += _md_table(*tabs["response"])
        out += ["", f"## {words['backlog']}", ""]
        out += [md_escape(line) for line in backlog_lines(report, words)]
        out += ["", f"## {words['weeks' if report.weekly else 'days']}", ""]
        out += _md_table(*tabs["days"], numeric_from=1, numeric_to=3)
        from .report_posts import render_md as posts_md

        out += posts_md(report, words, lang)
        out += ["", f"## {words['waiting']}", ""]
        if report.waiting:
            for it in report.waiting:
                head = f"{words.when(it.created_at)} · {item_label(it, words)} · {it.author}"
                out.append(f"- {md_escape(head)}: {md_escape(excerpt(it.text, 100))}")
        else:
            out.append(words["waiting_none"])
        out += ["", f"## {words['method']}", "", md_escape(words["method_text"]), ""]
        return "\n".join(out)
