//! `GET /admin/audit`: the audit trail, newest first, filtered by actor, action and time.

use std::fmt::Write;

use super::layout::{Section, page};
use super::{escape, rfc3339};
use crate::auth::Principal;
use crate::storage::AuditRow;

/// The filter as the form shows it (the query's values).
#[derive(Debug, Clone, Default)]
pub struct FilterForm {
    pub actor: String,
    pub action: String,
    pub from: String,
    pub to: String,
}

/// The page: the filter form, the rows, a link to older rows when `more`.
pub fn render(who: &Principal, filter: &FilterForm, rows: &[AuditRow], more: bool) -> String {
    let mut body = String::from("<h1>Audit trail</h1>\n");
    let _ = write!(
        body,
        "<form class=\"inline card\" method=\"get\" action=\"/admin/audit\" role=\"search\">\n\
         <label>Actor <input name=\"actor\" value=\"{actor}\"></label>\n\
         <label>Action <input name=\"action\" value=\"{action}\" placeholder=\"login. or token.create\"></label>\n\
         <label>From <input name=\"from\" value=\"{from}\" placeholder=\"2026-11-26T00:00:00Z\"></label>\n\
         <label>To <input name=\"to\" value=\"{to}\"></label>\n\
         <button type=\"submit\">Filter</button>\n</form>\n",
        actor = escape(&filter.actor),
        action = escape(&filter.action),
        from = escape(&filter.from),
        to = escape(&filter.to),
    );
    body.push_str(
        "<p class=\"muted\">Each row is chained to the one before by its hash: \
         <code>csv-analyzer audit verify</code> finds the first row changed or removed.</p>\n",
    );
    if rows.is_empty() {
        body.push_str("<p class=\"card\">No entry matches.</p>\n");
    } else {
        body.push_str(
            "<div class=\"scroll\"><table>\n<thead><tr><th scope=\"col\">#</th>\
             <th scope=\"col\">When</th><th scope=\"col\">Actor</th><th scope=\"col\">Action</th>\
             <th scope=\"col\">Target</th><th scope=\"col\">Detail</th></tr></thead>\n<tbody>\n",
        );
        for row in rows {
            let at = rfc3339(row.at_ms);
            let _ = writeln!(
                body,
                "<tr><td>{id}</td><td><time datetime=\"{at}\">{at}</time></td><td>{actor}</td>\
                 <td><code>{action}</code></td><td>{target}</td><td><code>{detail}</code></td></tr>",
                id = row.id,
                at = escape(&at),
                actor = escape(&row.actor),
                action = escape(&row.action),
                target = escape(&row.target),
                detail = escape(&row.detail),
            );
        }
        body.push_str("</tbody></table></div>\n");
    }
    if more && let Some(last) = rows.last() {
        let query = serde_urlencoded::to_string([
            ("actor", filter.actor.as_str()),
            ("action", filter.action.as_str()),
            ("from", filter.from.as_str()),
            ("to", filter.to.as_str()),
            ("before", &last.id.to_string()),
        ])
        .unwrap_or_default();
        let _ = writeln!(
            body,
            "<p><a href=\"/admin/audit?{}\">Older entries</a></p>",
            escape(&query)
        );
    }
    page("Audit trail", Section::Audit, Some(who), &body)
}
