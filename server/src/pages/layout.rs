//! The frame of every on-call page.

use std::fmt::Write;

use super::escape;
use crate::auth::{Principal, Role};

/// Which entry of the navigation is the current page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Incidents,
    Actions,
    Audit,
    SignIn,
}

/// The page: `<head>`, the navigation (with the signed-in user and a sign-out form), `body`
/// (already HTML: its texts escaped by the caller), the end.
pub fn page(title: &str, section: Section, who: Option<&Principal>, body: &str) -> String {
    let mut html = String::with_capacity(body.len() + 2048);
    let _ = write!(
        html,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} · CSV Analyzer</title>\n\
         <link rel=\"stylesheet\" href=\"/pages/pages.css\">\n</head>\n<body>\n\
         <header class=\"top\"><nav aria-label=\"On call\">",
        title = escape(title)
    );
    let mut links = vec![
        ("/incidents", "Incidents", Section::Incidents),
        ("/actions", "Actions", Section::Actions),
    ];
    if who.is_some_and(|p| p.role.allows(Role::Admin)) {
        links.push(("/admin/audit", "Audit", Section::Audit));
    }
    for (href, label, at) in links {
        let current = if at == section {
            " aria-current=\"page\""
        } else {
            ""
        };
        let _ = write!(html, "<a href=\"{href}\"{current}>{label}</a>");
    }
    html.push_str("<a href=\"/alerts\">Alerts</a><a href=\"/status\">Status</a>");
    match who {
        Some(principal) => {
            let _ = write!(
                html,
                "<span class=\"who\"><span>{name} ({role})</span>",
                name = escape(&principal.name),
                role = principal.role
            );
            if let Some(csrf) = principal.csrf_token() {
                let _ = write!(
                    html,
                    "<form method=\"post\" action=\"/logout\">\
                     <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
                     <button type=\"submit\">Sign out</button></form>",
                    csrf = escape(csrf)
                );
            }
            html.push_str("</span>");
        }
        None if section != Section::SignIn => {
            html.push_str("<span class=\"who\"><a href=\"/login\">Sign in</a></span>");
        }
        None => {}
    }
    html.push_str("</nav></header>\n<main>\n");
    html.push_str(body);
    html.push_str("</main>\n</body>\n</html>\n");
    html
}

/// A hidden CSRF field for a form of `who`'s session (empty for a token, which posts no forms).
pub fn csrf_field(who: &Principal) -> String {
    who.csrf_token()
        .map(|csrf| {
            format!(
                "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
                escape(csrf)
            )
        })
        .unwrap_or_default()
}
