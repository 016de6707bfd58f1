//! `GET /login`: the sign-in form.

use std::fmt::Write;

use super::escape;
use super::layout::{Section, page};

/// The form; `csrf` is the double-submit value also set as the login cookie, `next` where to
/// go after signing in, `error` what went wrong last time.
pub fn render(csrf: &str, next: &str, name: &str, error: Option<&str>) -> String {
    let mut body = String::from("<h1>Sign in</h1>\n");
    if let Some(error) = error {
        let _ = writeln!(
            body,
            "<p class=\"error\" role=\"alert\">{}</p>",
            escape(error)
        );
    }
    let _ = write!(
        body,
        "<form class=\"stack card\" method=\"post\" action=\"/login\">\n\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\n\
         <input type=\"hidden\" name=\"next\" value=\"{next}\">\n\
         <label>Name <input name=\"name\" autocomplete=\"username\" required value=\"{name}\"></label>\n\
         <label>Password <input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>\n\
         <button type=\"submit\">Sign in</button>\n</form>\n\
         <p class=\"muted\">Accounts are made by an admin (<code>csv-analyzer user add</code>).</p>\n",
        csrf = escape(csrf),
        next = escape(next),
        name = escape(name),
    );
    page("Sign in", Section::SignIn, None, &body)
}
