//! `GET /status`: the page as server-rendered HTML — readable without JavaScript, on a 360 px
//! phone, every text escaped — and its stylesheet (`GET /status/status.css`: the server's
//! Content-Security-Policy allows styles from `'self'` only, no inline `style`).

use std::fmt::Write;

use super::maintenance::rfc3339;
use super::{History, Snapshot};

/// `text` with `& < > " '` escaped, fit for HTML text and quoted attributes (and XML).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A share as a percentage for people: `99.2%`, `100%`.
pub fn percent(share: f64) -> String {
    let value = (share * 1000.0).floor() / 10.0;
    if value >= 100.0 {
        "100%".to_string()
    } else {
        format!("{value:.1}%")
    }
}

/// The CSS class of a day by its availability.
fn day_class(availability: Option<f64>) -> &'static str {
    match availability {
        None => "d-none",
        Some(a) if a >= 0.999 => "d-good",
        Some(a) if a >= 0.99 => "d-fair",
        Some(a) if a >= 0.95 => "d-poor",
        Some(_) => "d-bad",
    }
}

/// The whole page.
pub fn render(
    page_name: &str,
    snapshot: &Snapshot,
    histories: &[History],
    incidents: &[super::incidents::StatusIncident],
) -> String {
    let name = escape(page_name);
    let mut html = String::with_capacity(32 * 1024);
    let overall = snapshot.overall;
    let _ = write!(
        html,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{name} status</title>\n\
         <link rel=\"stylesheet\" href=\"/status/status.css\">\n\
         <link rel=\"alternate\" type=\"application/atom+xml\" title=\"{name} status changes\" \
         href=\"/status/feed.atom\">\n</head>\n<body>\n<main>\n<header>\n<h1>{name} status</h1>\n\
         <p class=\"overall s-{state}\" role=\"status\">{description}</p>\n\
         <p class=\"muted\">Updated <time datetime=\"{at}\">{at}</time>. States come from \
         synthetic probes; a probe changes state after several runs in a row agree.</p>\n\
         </header>\n",
        state = overall.as_str(),
        description = escape(overall.description()),
        at = rfc3339(snapshot.at_ms),
    );
    html.push_str(
        "<section aria-labelledby=\"components\">\n<h2 id=\"components\">Components</h2>\n\
         <ul class=\"components\">\n",
    );
    for (i, c) in snapshot.components.iter().enumerate() {
        let empty = History::default();
        let history = histories.get(i).unwrap_or(&empty);
        component(&mut html, c, history);
    }
    html.push_str("</ul>\n</section>\n");
    chart(&mut html, snapshot, histories);
    incident_section(&mut html, incidents);
    maintenance(&mut html, snapshot);
    html.push_str(
        "<footer class=\"muted\"><p>Also as <a href=\"/api/status\">JSON</a> and as an \
         <a href=\"/status/feed.atom\">Atom feed</a> of state changes.</p></footer>\n\
         </main>\n</body>\n</html>\n",
    );
    html
}

/// Active incidents (with every public update, newest first), then those resolved lately.
fn incident_section(html: &mut String, incidents: &[super::incidents::StatusIncident]) {
    let (active, recent): (Vec<_>, Vec<_>) = incidents.iter().partition(|i| i.is_active());
    for (id, title, list, empty) in [
        (
            "incidents",
            "Active incidents",
            &active,
            "No incident in progress.",
        ),
        (
            "past-incidents",
            "Recently resolved",
            &recent,
            "No incident resolved in the last 7 days.",
        ),
    ] {
        let _ = write!(
            html,
            "<section aria-labelledby=\"{id}\">\n<h2 id=\"{id}\">{title}</h2>\n"
        );
        if list.is_empty() {
            let _ = writeln!(html, "<p>{empty}</p>");
        }
        for incident in list.iter() {
            let _ = write!(
                html,
                "<article class=\"incident impact-{impact}\">\n<h3>{name}</h3>\n\
                 <p class=\"muted\">{status} · impact {impact}{components}</p>\n<ol class=\"updates\">\n",
                impact = incident.impact,
                name = escape(&incident.name),
                status = incident.status,
                components = if incident.components.is_empty() {
                    String::new()
                } else {
                    format!(" · {}", escape(&incident.components.join(", ")))
                },
            );
            for update in &incident.incident_updates {
                let _ = writeln!(
                    html,
                    "<li><time datetime=\"{at}\">{at}</time> {body}</li>",
                    at = escape(&update.created_at),
                    body = escape(&update.body),
                );
            }
            html.push_str("</ol>\n</article>\n");
        }
        html.push_str("</section>\n");
    }
}

fn component(html: &mut String, c: &super::ComponentStatus, history: &History) {
    let state = c.state;
    let _ = write!(
        html,
        "<li class=\"component\" id=\"c-{id}\">\n<div class=\"row\"><h3>{name}</h3>\
         <span class=\"state s-{class}\">{label}</span></div>\n",
        id = escape(&c.component.id),
        name = escape(&c.component.name),
        class = state.as_str(),
        label = state.label(),
    );
    if !c.component.description.is_empty() {
        let _ = writeln!(
            html,
            "<p class=\"muted\">{}</p>",
            escape(&c.component.description)
        );
    }
    if c.component.probes.is_empty() {
        html.push_str("<p class=\"muted\">No probe is assigned to this component: no data.</p>\n");
    } else {
        let probes: Vec<String> = c.component.probes.iter().map(|p| escape(p)).collect();
        let _ = writeln!(html, "<p class=\"muted\">Probes: {}</p>", probes.join(", "));
    }
    if let Some(w) = &c.maintenance {
        let _ = writeln!(
            html,
            "<p class=\"note\">Maintenance “{}” until <time datetime=\"{end}\">{end}</time>.</p>",
            escape(&w.name),
            end = rfc3339(w.end_ms),
        );
    }
    if !c.component.probes.is_empty() {
        let uptime = history
            .uptime()
            .map_or("no data".to_string(), |u| format!("{} uptime", percent(u)));
        let _ = write!(
            html,
            "<div class=\"bars\" role=\"list\" aria-label=\"Availability per day, last 90 days: \
             {uptime}\">",
        );
        for day in &history.days {
            let date = rfc3339(day.day_ms);
            let date = date.get(..10).unwrap_or(&date);
            let text = match day.availability() {
                Some(a) => format!("{} on {date}", percent(a)),
                None => format!("no data on {date}"),
            };
            let _ = write!(
                html,
                "<span role=\"listitem\" class=\"bar {}\" title=\"{text}\" aria-label=\"{text}\"></span>",
                day_class(day.availability()),
            );
        }
        let _ = writeln!(
            html,
            "</div>\n<p class=\"axis muted\"><span>90 days ago</span><span>{uptime}</span>\
             <span>today</span></p>"
        );
    }
    html.push_str("</li>\n");
}

/// The mean response time per hour over the last 24 hours, one line per component with runs:
/// a hand-written SVG (presentation attributes and classes only, no inline style).
fn chart(html: &mut String, snapshot: &Snapshot, histories: &[History]) {
    html.push_str("<section aria-labelledby=\"latency\">\n<h2 id=\"latency\">Response time</h2>\n");
    let lines: Vec<(usize, &str, &History)> = snapshot
        .components
        .iter()
        .zip(histories)
        .filter(|(_, h)| !h.hours.is_empty())
        .enumerate()
        .map(|(i, (c, h))| (i, c.component.name.as_str(), h))
        .collect();
    if lines.is_empty() {
        html.push_str("<p class=\"muted\">No probe ran in the last 24 hours.</p>\n</section>\n");
        return;
    }
    const W: f64 = 600.0;
    const H: f64 = 180.0;
    const LEFT: f64 = 72.0;
    const BOTTOM: f64 = 26.0;
    let end = snapshot.at_ms;
    let start = end - 24 * 60 * 60 * 1000;
    let max = lines
        .iter()
        .flat_map(|(_, _, h)| h.hours.iter().map(|(_, ms)| *ms))
        .fold(1.0_f64, f64::max)
        * 1.1;
    let x = |t: i64| {
        LEFT + (W - LEFT - 8.0) * ((t - start) as f64 / (end - start) as f64).clamp(0.0, 1.0)
    };
    let y = |ms: f64| 8.0 + (H - BOTTOM - 8.0) * (1.0 - (ms / max).clamp(0.0, 1.0));
    let summary: Vec<String> = lines
        .iter()
        .map(|(_, name, h)| {
            let last = h.hours.last().map_or(0.0, |(_, ms)| *ms);
            format!("{}: {last:.0} ms in the latest hour", escape(name))
        })
        .collect();
    let _ = write!(
        html,
        "<svg class=\"chart\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-labelledby=\"chart-t chart-d\">\
         <title id=\"chart-t\">Mean response time per hour, last 24 hours</title>\
         <desc id=\"chart-d\">{}</desc>\
         <line class=\"axis-line\" x1=\"{LEFT}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\"/>\
         <line class=\"axis-line\" x1=\"{LEFT}\" y1=\"8\" x2=\"{LEFT}\" y2=\"{b}\"/>\
         <text class=\"tick\" x=\"{lx}\" y=\"22\" text-anchor=\"end\">{top:.0} ms</text>\
         <text class=\"tick\" x=\"{lx}\" y=\"{b}\" text-anchor=\"end\">0</text>\
         <text class=\"tick\" x=\"{LEFT}\" y=\"{tb}\">24 h ago</text>\
         <text class=\"tick\" x=\"{r}\" y=\"{tb}\" text-anchor=\"end\">now</text>",
        summary.join("; "),
        b = H - BOTTOM,
        r = W - 8.0,
        lx = LEFT - 4.0,
        tb = H - 4.0,
        top = max,
    );
    for (i, _, h) in &lines {
        let points: Vec<String> = h
            .hours
            .iter()
            .map(|(t, ms)| format!("{:.1},{:.1}", x(*t + 30 * 60 * 1000), y(*ms)))
            .collect();
        let class = format!("line c{}", i % 6);
        if points.len() == 1 {
            let (px, py) = points[0].split_once(',').unwrap_or(("0", "0"));
            let _ = write!(
                html,
                "<circle class=\"{class}\" cx=\"{px}\" cy=\"{py}\" r=\"3\"/>"
            );
        } else {
            let _ = write!(
                html,
                "<polyline class=\"{class}\" fill=\"none\" points=\"{}\"/>",
                points.join(" ")
            );
        }
    }
    html.push_str("</svg>\n<ul class=\"legend\">");
    for ((i, _, _), text) in lines.iter().zip(&summary) {
        let _ = write!(
            html,
            "<li><span class=\"swatch c{}\" aria-hidden=\"true\"></span>{}</li>",
            i % 6,
            text
        );
    }
    html.push_str("</ul>\n</section>\n");
}

fn maintenance(html: &mut String, snapshot: &Snapshot) {
    html.push_str(
        "<section aria-labelledby=\"maintenance\">\n<h2 id=\"maintenance\">Maintenance</h2>\n",
    );
    if snapshot.windows.is_empty() {
        html.push_str("<p class=\"muted\">None scheduled.</p>\n</section>\n");
        return;
    }
    html.push_str("<ul class=\"windows\">\n");
    for w in &snapshot.windows {
        let status = match w.status_at(snapshot.at_ms) {
            "in_progress" => "In progress",
            "scheduled" => "Scheduled",
            _ => "Completed",
        };
        let names: Vec<String> = w.components.iter().map(|c| escape(c)).collect();
        let _ = write!(
            html,
            "<li><strong>{}</strong> — {status}, <time datetime=\"{s}\">{s}</time> to \
             <time datetime=\"{e}\">{e}</time>; affects {}.",
            escape(&w.name),
            names.join(", "),
            s = rfc3339(w.start_ms),
            e = rfc3339(w.end_ms),
        );
        if !w.comment.is_empty() {
            let _ = write!(html, " {}", escape(&w.comment));
        }
        html.push_str("</li>\n");
    }
    html.push_str("</ul>\n</section>\n");
}

/// `GET /status/status.css`.
pub const STYLESHEET: &str = r#"*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;background:#f6f7f9}
main{max-width:760px;margin:0 auto;padding:16px}
h1{font-size:1.5rem;margin:.5rem 0}
h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
h3{font-size:1rem;margin:0}
a{color:#0b57d0}
.muted{color:#4b5563;font-size:.875rem;margin:.25rem 0}
.note{background:#e8f0fe;border-radius:4px;padding:4px 8px;font-size:.875rem}
.overall{font-weight:600;font-size:1.1rem;padding:12px 16px;border-radius:6px;color:#fff;background:#4b5563}
.overall.s-operational{background:#1a7f37}
.overall.s-degraded_performance{background:#9a6700}
.overall.s-partial_outage{background:#bc4c00}
.overall.s-major_outage{background:#b42318}
.overall.s-under_maintenance{background:#0b57d0}
.components,.legend,.windows{list-style:none;padding:0;margin:0}
.component{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:12px;margin:0 0 12px}
.row{display:flex;flex-wrap:wrap;justify-content:space-between;gap:4px 12px;align-items:baseline}
.state{font-weight:600;font-size:.875rem}
.state.s-operational{color:#1a7f37}
.state.s-degraded_performance{color:#9a6700}
.state.s-partial_outage{color:#bc4c00}
.state.s-major_outage{color:#b42318}
.state.s-under_maintenance{color:#0b57d0}
.state.s-no_data{color:#4b5563}
.bars{display:flex;gap:1px;height:28px;margin-top:8px}
.bar{flex:1 1 0;min-width:1px;border-radius:1px;background:#d0d7de}
.bar.d-good{background:#2da44e}
.bar.d-fair{background:#9be9a8}
.bar.d-poor{background:#d4a72c}
.bar.d-bad{background:#cf222e}
.axis{display:flex;justify-content:space-between;gap:8px}
.chart{width:100%;height:auto;background:#fff;border:1px solid #d0d7de;border-radius:6px}
.axis-line{stroke:#8c959f;stroke-width:1}
.tick{font-size:18px;fill:#4b5563}
.line{stroke-width:2;fill:none}
.c0{stroke:#0b57d0;background:#0b57d0;fill:#0b57d0}
.c1{stroke:#bc4c00;background:#bc4c00;fill:#bc4c00}
.c2{stroke:#1a7f37;background:#1a7f37;fill:#1a7f37}
.c3{stroke:#8250df;background:#8250df;fill:#8250df}
.c4{stroke:#b42318;background:#b42318;fill:#b42318}
.c5{stroke:#4b5563;background:#4b5563;fill:#4b5563}
polyline.line{fill:none}
.legend li{font-size:.875rem;margin:.25rem 0}
.swatch{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:6px;vertical-align:-1px}
.windows li{margin:.5rem 0}
.incident{background:#fff;border:1px solid #d0d7de;border-left:6px solid #4b5563;border-radius:6px;padding:12px;margin:0 0 12px}
.incident h3{margin:0 0 .25rem;font-size:1rem;overflow-wrap:anywhere}
.impact-critical{border-left-color:#b42318}
.impact-major{border-left-color:#bc4c00}
.impact-minor{border-left-color:#9a6700}
.updates{margin:.5rem 0 0;padding-left:1.25rem}
.updates li{margin:.25rem 0;overflow-wrap:anywhere}
"#;
