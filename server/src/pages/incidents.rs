//! `GET /incidents` and `GET /incidents/{id}`: the incident list with its filters and the
//! incident page (state, roles, playbook with steps to tick, status updates, timeline, linked
//! alerts), each change a plain form posting the session's CSRF token.

use std::fmt::Write;

use super::escape;
use super::layout::{Section, csrf_field, page};
use crate::auth::{Principal, Role as AccessRole};
use crate::incidents::lifecycle::ALL_STATES;
use crate::incidents::roles::ALL_ROLES;
use crate::incidents::severity::ALL_SEVERITIES;
use crate::routes::incidents::Figures;
use crate::routes::incidents::{IncidentDetail, IncidentView, ListQuery, StepView};
use crate::routes::oncall::OnCallNow;

fn time(text: &str) -> String {
    format!("<time datetime=\"{t}\">{t}</time>", t = escape(text))
}

fn duration(seconds: Option<f64>) -> String {
    match seconds {
        None => "–".to_string(),
        Some(s) if s < 120.0 => format!("{s:.0} s"),
        Some(s) if s < 7_200.0 => format!("{:.0} min", s / 60.0),
        Some(s) => format!("{:.1} h", s / 3_600.0),
    }
}

fn severity_badge(severity: &str) -> String {
    format!(
        "<span class=\"badge sev-{s}\">{s}</span>",
        s = escape(severity)
    )
}

fn options(values: &[&str], selected: &str) -> String {
    let mut html = String::new();
    for value in values {
        let mark = if *value == selected { " selected" } else { "" };
        let _ = write!(
            html,
            "<option value=\"{v}\"{mark}>{v}</option>",
            v = escape(value)
        );
    }
    html
}

/// The list page.
pub fn render_list(
    who: &Principal,
    query: &ListQuery,
    incidents: &[IncidentView],
    on_call: &OnCallNow,
    figures: &Figures,
    error: Option<&str>,
) -> String {
    let mut body = String::from("<h1>Incidents</h1>\n");
    match &on_call.now {
        Some(now) => {
            let _ = writeln!(
                body,
                "<p class=\"notice\" id=\"on-call\">On call now: <strong>{person}</strong> until {until}{over}{commander}</p>",
                person = escape(&now.person),
                until = time(&now.until),
                over = if now.overridden { " (override)" } else { "" },
                commander = on_call
                    .commander
                    .as_deref()
                    .map(|c| format!(" · commander: {}", escape(c)))
                    .unwrap_or_default(),
            );
        }
        None => body.push_str(
            "<p class=\"notice\" id=\"on-call\">No on-call rotation is configured \
             (<code>[incidents.oncall]</code>).</p>\n",
        ),
    }
    if let Some(error) = error {
        let _ = writeln!(
            body,
            "<p class=\"error\" role=\"alert\">{}</p>",
            escape(error)
        );
    }
    let states: Vec<&str> = std::iter::once("")
        .chain(ALL_STATES.iter().map(|s| s.as_str()))
        .collect();
    let severities: Vec<&str> = std::iter::once("")
        .chain(ALL_SEVERITIES.iter().map(|s| s.as_str()))
        .collect();
    let _ = write!(
        body,
        "<form class=\"inline card\" method=\"get\" action=\"/incidents\" role=\"search\">\n\
         <label>State <select name=\"state\">{states}</select></label>\n\
         <label>Severity <select name=\"severity\">{severities}</select></label>\n\
         <label>Component <input name=\"component\" value=\"{component}\"></label>\n\
         <label>Open only <select name=\"open\">{open}</select></label>\n\
         <button type=\"submit\">Filter</button>\n</form>\n",
        states = options(&states, query.state.as_deref().unwrap_or("")),
        severities = options(&severities, query.severity.as_deref().unwrap_or("")),
        component = escape(query.component.as_deref().unwrap_or("")),
        open = options(
            &["false", "true"],
            if query.open == Some(true) {
                "true"
            } else {
                "false"
            }
        ),
    );
    if incidents.is_empty() {
        body.push_str("<p class=\"card\">No incident matches.</p>\n");
    } else {
        body.push_str(
            "<div class=\"scroll\"><table>\n<thead><tr><th scope=\"col\">#</th>\
             <th scope=\"col\">Incident</th><th scope=\"col\">Severity</th>\
             <th scope=\"col\">State</th><th scope=\"col\">Components</th>\
             <th scope=\"col\">Detected</th><th scope=\"col\">Acknowledged</th></tr></thead>\n<tbody>\n",
        );
        for incident in incidents {
            let _ = writeln!(
                body,
                "<tr><td>{id}</td><td><a href=\"/incidents/{id}\">{title}</a></td><td>{severity}</td>\
                 <td>{state}</td><td>{components}</td><td>{detected}</td><td>{ack}</td></tr>",
                id = incident.id,
                title = escape(&incident.title),
                severity = severity_badge(&incident.severity),
                state = escape(&incident.state),
                components = escape(&incident.components.join(", ")),
                detected = time(&incident.detected_at),
                ack = incident
                    .acknowledged_by
                    .as_deref()
                    .map_or_else(|| "–".to_string(), escape),
            );
        }
        body.push_str("</tbody></table></div>\n");
    }
    figures_section(&mut body, figures);
    if who.role.allows(AccessRole::Responder) {
        let _ = write!(
            body,
            "<h2 id=\"open\">Open an incident</h2>\n\
             <form class=\"stack card\" method=\"post\" action=\"/incidents\">{csrf}\n\
             <label>Title <input name=\"title\" required maxlength=\"200\"></label>\n\
             <label>Severity <select name=\"severity\">{severities}</select></label>\n\
             <label>Components (comma-separated) <input name=\"components\"></label>\n\
             <label>Playbook (optional) <input name=\"playbook\" placeholder=\"application-down\"></label>\n\
             <button type=\"submit\">Open</button>\n</form>\n",
            csrf = csrf_field(who),
            severities = options(
                &ALL_SEVERITIES
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>(),
                "SEV3"
            ),
        );
    }
    page("Incidents", Section::Incidents, Some(who), &body)
}

fn form(who: &Principal, id: i64, action: &str, fields: &str, button: &str) -> String {
    format!(
        "<form class=\"inline\" method=\"post\" action=\"/incidents/{id}/{action}\">{csrf}{fields}\
         <button type=\"submit\">{button}</button></form>",
        csrf = csrf_field(who),
    )
}

fn step_line(who: &Principal, id: i64, step: &StepView, can_tick: bool) -> String {
    let mark = if step.checked { "☑" } else { "☐" };
    let control = if can_tick {
        form(
            who,
            id,
            "steps",
            &format!(
                "<input type=\"hidden\" name=\"step\" value=\"{s}\">\
                 <input type=\"hidden\" name=\"checked\" value=\"{c}\">",
                s = escape(&step.id),
                c = !step.checked
            ),
            if step.checked { "Untick" } else { "Done" },
        )
    } else {
        String::new()
    };
    format!(
        "<li id=\"step-{sid}\"><span aria-label=\"{label}\">{mark}</span> {text} {control}</li>",
        sid = escape(&step.id),
        label = if step.checked { "done" } else { "to do" },
        text = escape(&step.text),
    )
}

/// The incident page.
pub fn render_detail(who: &Principal, detail: &IncidentDetail, error: Option<&str>) -> String {
    let incident = &detail.incident;
    let id = incident.id;
    let responder = who.role.allows(AccessRole::Responder);
    let commander = who.role.allows(AccessRole::Commander);
    let closed = incident.state == "closed";
    let mut body = String::new();
    let _ = writeln!(
        body,
        "<p class=\"muted\"><a href=\"/incidents\">Incidents</a> › #{id}</p>\n\
         <h1>{title}</h1>",
        title = escape(&incident.title)
    );
    if let Some(error) = error {
        let _ = writeln!(
            body,
            "<p class=\"error\" role=\"alert\">{}</p>",
            escape(error)
        );
    }
    let _ = write!(
        body,
        "<section class=\"card\" aria-label=\"State\"><dl>\
         <dt>Severity</dt><dd>{severity}</dd>\
         <dt>State</dt><dd id=\"state\">{state}</dd>\
         <dt>Components</dt><dd>{components}</dd>\
         <dt>Opened by</dt><dd>{created_by}</dd>\
         <dt>Detected</dt><dd>{detected}</dd>\
         <dt>Acknowledged</dt><dd id=\"acknowledged\">{ack}</dd>\
         <dt>Time to acknowledge</dt><dd>{mtta}</dd>\
         <dt>Time to resolve</dt><dd>{mttr}</dd>",
        severity = severity_badge(&incident.severity),
        state = escape(&incident.state),
        components = escape(&incident.components.join(", ")),
        created_by = escape(&incident.created_by),
        detected = time(&incident.detected_at),
        ack = match (&incident.acknowledged_by, &incident.acknowledged_at) {
            (Some(by), Some(at)) => format!("{} at {}", escape(by), time(at)),
            _ => "not yet".to_string(),
        },
        mtta = duration(incident.time_to_acknowledge_seconds),
        mttr = duration(incident.time_to_resolve_seconds),
    );
    for (label, at) in [
        ("Notified", &incident.notified_at),
        ("Triaged", &incident.triaged_at),
        ("Diagnosing", &incident.diagnosing_at),
        ("Resolved", &incident.resolved_at),
        ("Closed", &incident.closed_at),
    ] {
        if let Some(at) = at {
            let _ = write!(body, "<dt>{label}</dt><dd>{}</dd>", time(at));
        }
    }
    body.push_str("</dl></section>\n");

    if responder && !closed {
        body.push_str(
            "<section class=\"card\" aria-labelledby=\"h-act\"><h2 id=\"h-act\">Act</h2>\n",
        );
        if incident.acknowledged_by.is_none() {
            body.push_str(&form(who, id, "ack", "", "Acknowledge"));
        }
        let states: Vec<&str> = ALL_STATES
            .iter()
            .map(|s| s.as_str())
            .filter(|s| *s != "detected" && (commander || *s != "closed"))
            .collect();
        body.push_str(&form(
            who,
            id,
            "state",
            &format!(
                "<label>Move to <select name=\"state\">{}</select></label>",
                options(&states, "")
            ),
            "Move",
        ));
        body.push_str(&form(
            who,
            id,
            "severity",
            &format!(
                "<label>Severity <select name=\"severity\">{}</select></label>",
                options(
                    &ALL_SEVERITIES
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>(),
                    &incident.severity
                )
            ),
            "Change",
        ));
        body.push_str("</section>\n");
    }

    body.push_str("<section aria-labelledby=\"h-roles\"><h2 id=\"h-roles\">Roles</h2>\n");
    if detail.roles.is_empty() {
        body.push_str("<p class=\"card\">Nobody is assigned.</p>\n");
    } else {
        body.push_str("<ul class=\"card\">\n");
        for role in &detail.roles {
            let remove = if commander && !closed {
                form(
                    who,
                    id,
                    "roles/remove",
                    &format!(
                        "<input type=\"hidden\" name=\"role\" value=\"{r}\">\
                         <input type=\"hidden\" name=\"person\" value=\"{p}\">",
                        r = escape(&role.role),
                        p = escape(&role.person)
                    ),
                    "Remove",
                )
            } else {
                String::new()
            };
            let _ = writeln!(
                body,
                "<li>{role}: <strong>{person}</strong> <span class=\"muted\">since {at}, by {by}</span> {remove}</li>",
                role = escape(&role.role),
                person = escape(&role.person),
                at = time(&role.assigned_at),
                by = escape(&role.assigned_by),
            );
        }
        body.push_str("</ul>\n");
    }
    if commander && !closed {
        body.push_str(&form(
            who,
            id,
            "roles",
            &format!(
                "<label>Role <select name=\"role\">{}</select></label>\
                 <label>Person <input name=\"person\" required maxlength=\"100\"></label>",
                options(
                    &ALL_ROLES.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
                    ""
                )
            ),
            "Assign",
        ));
    }
    body.push_str("</section>\n");

    if let Some(playbook) = &detail.playbook {
        let can_tick = responder && !closed;
        let _ = writeln!(
            body,
            "<section aria-labelledby=\"h-playbook\"><h2 id=\"h-playbook\">Playbook: {}</h2>\n<div class=\"card\">",
            escape(&playbook.title)
        );
        if !playbook.symptoms.is_empty() {
            body.push_str("<h3>Symptoms</h3><ul>");
            for symptom in &playbook.symptoms {
                let _ = write!(body, "<li>{}</li>", escape(symptom));
            }
            body.push_str("</ul>\n");
        }
        for (title, steps) in [
            ("Diagnosis", &playbook.diagnosis),
            ("Resolution", &playbook.resolution),
        ] {
            let _ = write!(body, "<h3>{title}</h3><ol class=\"steps\">");
            for step in steps {
                body.push_str(&step_line(who, id, step, can_tick));
            }
            body.push_str("</ol>\n");
        }
        if !playbook.escalation.is_empty() {
            body.push_str("<h3>Escalation</h3><ul>");
            for line in &playbook.escalation {
                let _ = write!(body, "<li>{}</li>", escape(line));
            }
            body.push_str("</ul>\n");
        }
        body.push_str("</div></section>\n");
    }

    body.push_str(
        "<section aria-labelledby=\"h-updates\"><h2 id=\"h-updates\">Status updates</h2>\n",
    );
    if detail.updates.is_empty() {
        body.push_str("<p class=\"card\">No update yet.</p>\n");
    }
    for update in &detail.updates {
        let _ = writeln!(
            body,
            "<article class=\"card update\"><p class=\"muted\">{visibility} · {at} · {author}</p><p>{text}</p></article>",
            visibility = escape(&update.visibility),
            at = time(&update.at),
            author = escape(&update.author),
            text = escape(&update.body),
        );
    }
    if responder {
        let visibilities: &[&str] = if commander {
            &["internal", "public"]
        } else {
            &["internal"]
        };
        body.push_str(&form(
            who,
            id,
            "updates",
            &format!(
                "<label>Visibility <select name=\"visibility\">{}</select></label>\
                 <label>Update <textarea name=\"body\" required maxlength=\"10000\"></textarea></label>",
                options(visibilities, "internal")
            ),
            "Post update",
        ));
    }
    body.push_str("</section>\n");

    body.push_str("<section aria-labelledby=\"h-timeline\"><h2 id=\"h-timeline\">Timeline</h2>\n");
    if responder {
        body.push_str(&form(
            who,
            id,
            "notes",
            "<label>Note <textarea name=\"text\" required maxlength=\"10000\"></textarea></label>",
            "Add note",
        ));
    }
    body.push_str("<ol class=\"timeline card\">\n");
    for event in &detail.timeline {
        let _ = writeln!(
            body,
            "<li>{at} <strong>{actor}</strong> {text}</li>",
            at = time(&event.at),
            actor = escape(&event.actor),
            text = escape(&event.text),
        );
    }
    body.push_str("</ol></section>\n");

    postmortem_section(&mut body, who, detail);

    if !detail.alerts.is_empty() {
        body.push_str("<section aria-labelledby=\"h-alerts\"><h2 id=\"h-alerts\">Alerts</h2><ul class=\"card\">\n");
        for alert in &detail.alerts {
            let _ = writeln!(
                body,
                "<li><code>{rule}</code> linked {at}{resolved}</li>",
                rule = escape(&alert.rule),
                at = time(&alert.linked_at),
                resolved = alert
                    .resolved_at
                    .as_deref()
                    .map(|r| format!(", resolved {}", time(r)))
                    .unwrap_or_default(),
            );
        }
        body.push_str("</ul></section>\n");
    }
    page(
        &format!("#{id} {}", incident.title),
        Section::Incidents,
        Some(who),
        &body,
    )
}

/// The post-mortem (seed §4.2's template: summary and impact, timeline, 5 whys, corrective
/// actions), with its forms for commanders and the actions' status forms for responders.
fn postmortem_section(body: &mut String, who: &Principal, detail: &IncidentDetail) {
    let id = detail.incident.id;
    let commander = who.role.allows(AccessRole::Commander);
    body.push_str(
        "<section aria-labelledby=\"h-postmortem\"><h2 id=\"h-postmortem\">Post-mortem</h2>\n",
    );
    let Some(postmortem) = &detail.postmortem else {
        body.push_str(
            "<p class=\"card\">No post-mortem yet: SEV1 and SEV2 incidents get a draft when they \
             are resolved.</p>\n",
        );
        if commander {
            body.push_str(&form(who, id, "postmortem", "", "Start a post-mortem"));
        }
        body.push_str("</section>\n");
        return;
    };
    let _ = write!(
        body,
        "<div class=\"card\" id=\"postmortem\"><p class=\"muted\">{status} · by {author} · \
         updated {updated}{published} · <a href=\"/api/incidents/{id}/postmortem.md\">Markdown</a></p>\n\
         <h3>Summary</h3><p>{summary}</p>\n<h3>Impact</h3><p>{impact}</p>\n\
         <h3>Timeline</h3><p class=\"muted\">The incident's timeline above, as it is.</p>\n\
         <h3>Root cause (5 whys)</h3>",
        status = escape(&postmortem.status),
        author = escape(&postmortem.author),
        updated = time(&postmortem.updated_at),
        published = postmortem
            .published_at
            .as_deref()
            .map(|at| format!(" · published {}", time(at)))
            .unwrap_or_default(),
        summary = escape(&postmortem.summary),
        impact = escape(&postmortem.impact),
    );
    if postmortem.whys.is_empty() {
        body.push_str("<p>Not written yet.</p>");
    } else {
        body.push_str("<ol>");
        for why in &postmortem.whys {
            let _ = write!(
                body,
                "<li><strong>{}</strong> {}</li>",
                escape(&why.why),
                escape(&why.answer)
            );
        }
        body.push_str("</ol>");
        if let Some(root) = &postmortem.root_cause {
            let _ = write!(body, "<p>Root cause: <strong>{}</strong></p>", escape(root));
        }
    }
    body.push_str("<h3>Corrective actions</h3>");
    if detail.actions.is_empty() {
        body.push_str("<p>None yet.</p>");
    } else {
        body.push_str(
            "<div class=\"scroll\"><table><thead><tr><th scope=\"col\">Action</th>\
             <th scope=\"col\">Owner</th><th scope=\"col\">Due</th><th scope=\"col\">Status</th>\
             </tr></thead><tbody>",
        );
        let back = format!("/incidents/{id}");
        for action in &detail.actions {
            let status = if who.role.allows(AccessRole::Responder) {
                super::actions::status_form(who, action.id, &action.status, &back)
            } else {
                escape(&action.status)
            };
            let _ = write!(
                body,
                "<tr><td>{title}</td><td>{owner}</td><td>{due}</td><td>{status}</td></tr>",
                title = escape(&action.title),
                owner = escape(&action.owner),
                due = if action.overdue {
                    format!(
                        "<span class=\"overdue\">{} (overdue)</span>",
                        escape(&action.due_date)
                    )
                } else {
                    escape(&action.due_date)
                },
            );
        }
        body.push_str("</tbody></table></div>");
    }
    body.push_str("</div>\n");
    if commander {
        let mut fields = format!(
            "<label>Summary <textarea name=\"summary\" maxlength=\"10000\">{}</textarea></label>\
             <label>Impact <textarea name=\"impact\" maxlength=\"10000\">{}</textarea></label>",
            escape(&postmortem.summary),
            escape(&postmortem.impact)
        );
        for n in 1..=5 {
            let why = postmortem.whys.get(n - 1);
            let _ = write!(
                fields,
                "<label>Why {n}? <input name=\"why{n}\" maxlength=\"2000\" value=\"{q}\"></label>\
                 <label>Because {n} <input name=\"answer{n}\" maxlength=\"2000\" value=\"{a}\"></label>",
                q = escape(why.map_or("", |w| w.why.as_str())),
                a = escape(why.map_or("", |w| w.answer.as_str())),
            );
        }
        body.push_str(&form(
            who,
            id,
            "postmortem/edit",
            &fields,
            "Save post-mortem",
        ));
        body.push_str(&form(
            who,
            id,
            "actions",
            "<label>Action <input name=\"title\" required maxlength=\"200\"></label>\
             <label>Owner <input name=\"owner\" required maxlength=\"64\"></label>\
             <label>Due <input name=\"due_date\" type=\"date\" required></label>",
            "Add action",
        ));
        if postmortem.status == "draft" {
            body.push_str(&form(who, id, "postmortem/publish", "", "Publish"));
        }
    }
    body.push_str("</section>\n");
}

/// MTTA and MTTR per severity over the range, then per period (over time).
fn figures_section(body: &mut String, figures: &Figures) {
    let _ = write!(
        body,
        "<h2 id=\"figures\">Response times</h2>\n<p class=\"muted\">Incidents detected from {} to {}.</p>\n\
         <div class=\"scroll\"><table>\n<thead><tr><th scope=\"col\">Severity</th>\
         <th scope=\"col\">Incidents</th><th scope=\"col\">Open now</th>\
         <th scope=\"col\">MTTA</th><th scope=\"col\">MTTR</th></tr></thead>\n<tbody>\n",
        time(&figures.from),
        time(&figures.to)
    );
    for row in &figures.per_severity {
        let _ = writeln!(
            body,
            "<tr><td>{severity}</td><td>{incidents}</td><td>{open}</td><td>{mtta}</td><td>{mttr}</td></tr>",
            severity = severity_badge(&row.severity),
            incidents = row.incidents,
            open = row.open_now,
            mtta = duration(row.mtta.mean_seconds),
            mttr = duration(row.mttr.mean_seconds),
        );
    }
    body.push_str("</tbody></table></div>\n");
    if !figures.over_time.is_empty() {
        body.push_str(
            "<div class=\"scroll\"><table>\n<caption>Over time</caption>\n<thead><tr>\
             <th scope=\"col\">From</th><th scope=\"col\">Incidents</th>\
             <th scope=\"col\">MTTA</th><th scope=\"col\">MTTR</th></tr></thead>\n<tbody>\n",
        );
        for period in &figures.over_time {
            let _ = writeln!(
                body,
                "<tr><td>{from}</td><td>{incidents}</td><td>{mtta}</td><td>{mttr}</td></tr>",
                from = time(&period.from),
                incidents = period.incidents,
                mtta = duration(period.mtta_mean_seconds),
                mttr = duration(period.mttr_mean_seconds),
            );
        }
        body.push_str("</tbody></table></div>\n");
    }
}
