//! `GET /actions`: the corrective actions of every incident in one list, overdue ones first
//! and flagged (seed §4.3), each with a form to change its status.

use std::fmt::Write;

use super::escape;
use super::layout::{Section, csrf_field, page};
use crate::auth::{Principal, Role};
use crate::incidents::actions::ALL_ACTION_STATUSES;
use crate::routes::postmortems::{ActionQuery, ListedActionView};

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

/// A form changing action `id`'s status, returning to `back`.
pub fn status_form(who: &Principal, id: i64, status: &str, back: &str) -> String {
    let statuses: Vec<&str> = ALL_ACTION_STATUSES.iter().map(|s| s.as_str()).collect();
    format!(
        "<form class=\"inline\" method=\"post\" action=\"/actions/{id}\">{csrf}\
         <input type=\"hidden\" name=\"back\" value=\"{back}\">\
         <label>Status <select name=\"status\">{options}</select></label>\
         <button type=\"submit\" class=\"secondary\">Save</button></form>",
        csrf = csrf_field(who),
        back = escape(back),
        options = options(&statuses, status),
    )
}

/// The page.
pub fn render_actions(
    who: &Principal,
    query: &ActionQuery,
    actions: &[ListedActionView],
    error: Option<&str>,
) -> String {
    let mut body = String::from("<h1>Corrective actions</h1>\n");
    if let Some(error) = error {
        let _ = writeln!(
            body,
            "<p class=\"error\" role=\"alert\">{}</p>",
            escape(error)
        );
    }
    let statuses: Vec<&str> = std::iter::once("")
        .chain(ALL_ACTION_STATUSES.iter().map(|s| s.as_str()))
        .collect();
    let _ = write!(
        body,
        "<form class=\"inline card\" method=\"get\" action=\"/actions\" role=\"search\">\n\
         <label>Status <select name=\"status\">{statuses}</select></label>\n\
         <label>Owner <input name=\"owner\" value=\"{owner}\"></label>\n\
         <label>Overdue only <select name=\"overdue\">{overdue}</select></label>\n\
         <button type=\"submit\">Filter</button>\n</form>\n",
        statuses = options(&statuses, query.status.as_deref().unwrap_or("")),
        owner = escape(query.owner.as_deref().unwrap_or("")),
        overdue = options(
            &["false", "true"],
            if query.overdue == Some(true) {
                "true"
            } else {
                "false"
            }
        ),
    );
    let overdue = actions.iter().filter(|a| a.action.overdue).count();
    let _ = writeln!(
        body,
        "<p class=\"card\" role=\"status\">{} actions, {overdue} overdue</p>",
        actions.len()
    );
    if !actions.is_empty() {
        body.push_str(
            "<div class=\"scroll\"><table>\n<thead><tr><th scope=\"col\">Action</th>\
             <th scope=\"col\">Incident</th><th scope=\"col\">Owner</th><th scope=\"col\">Due</th>\
             <th scope=\"col\">Status</th><th scope=\"col\">Ticket</th></tr></thead>\n<tbody>\n",
        );
        let can_change = who.role.allows(Role::Responder);
        for listed in actions {
            let action = &listed.action;
            let due = if action.overdue {
                format!(
                    "<span class=\"overdue\">{} (overdue)</span>",
                    escape(&action.due_date)
                )
            } else {
                escape(&action.due_date)
            };
            let status = if can_change {
                status_form(who, action.id, &action.status, "/actions")
            } else {
                escape(&action.status)
            };
            let _ = writeln!(
                body,
                "<tr{class}><td>{title}</td><td><a href=\"/incidents/{incident}\">#{incident} {incident_title}</a></td>\
                 <td>{owner}</td><td>{due}</td><td>{status}</td><td>{ticket}</td></tr>",
                class = if action.overdue {
                    " class=\"late\""
                } else {
                    ""
                },
                title = escape(&action.title),
                incident = action.incident_id,
                incident_title = escape(&listed.incident_title),
                owner = escape(&action.owner),
                ticket = escape(action.ticket_ref.as_deref().unwrap_or("–")),
            );
        }
        body.push_str("</tbody></table></div>\n");
    }
    page("Corrective actions", Section::Actions, Some(who), &body)
}
