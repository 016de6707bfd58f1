//! `GET /status/feed.atom`: the components' state changes as an Atom 1.0 feed (RFC 4287),
//! newest first, every text escaped.

use std::fmt::Write;

use super::ComponentState;
use super::maintenance::rfc3339;
use super::page::escape;
use crate::storage::StatusChangeRow;

/// Entries in the feed.
pub const FEED_ENTRIES: i64 = 50;

/// A state as words, also for a stored value this version does not know.
fn label(state: &str) -> String {
    ComponentState::parse(state).map_or_else(|| state.to_string(), |s| s.label().to_lowercase())
}

/// The feed. `base` is the page's public URL (may be empty: links are then relative);
/// `changes` newest first; `now_ms` is the feed's `updated` when there is no change.
pub fn render(page_name: &str, base: &str, changes: &[StatusChangeRow], now_ms: i64) -> String {
    let base = base.trim_end_matches('/');
    let updated = changes.first().map_or(now_ms, |c| c.changed_ms);
    let mut xml = String::with_capacity(1024 + changes.len() * 512);
    let _ = write!(
        xml,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <feed xmlns=\"http://www.w3.org/2005/Atom\">\n\
         <id>urn:csv-analyzer:status</id>\n\
         <title>{name} status</title>\n\
         <subtitle>Changes of the components' states</subtitle>\n\
         <updated>{updated}</updated>\n\
         <author><name>{name}</name></author>\n\
         <link rel=\"self\" type=\"application/atom+xml\" href=\"{base}/status/feed.atom\"/>\n\
         <link rel=\"alternate\" type=\"text/html\" href=\"{base}/status\"/>\n",
        name = escape(page_name),
        updated = rfc3339(updated),
        base = escape(base),
    );
    for change in changes {
        let title = match &change.previous {
            Some(previous) => format!(
                "{}: {} (was {})",
                change.name,
                label(&change.state),
                label(previous)
            ),
            None => format!("{}: {}", change.name, label(&change.state)),
        };
        let at = rfc3339(change.changed_ms);
        let _ = write!(
            xml,
            "<entry>\n<id>urn:csv-analyzer:status:change:{id}</id>\n\
             <title>{title}</title>\n<updated>{at}</updated>\n\
             <link rel=\"alternate\" type=\"text/html\" href=\"{base}/status#c-{component}\"/>\n\
             <content type=\"text\">{content}</content>\n</entry>\n",
            id = change.id,
            title = escape(&title),
            base = escape(base),
            component = escape(&change.component),
            content = escape(&format!("{title} since {at}.")),
        );
    }
    xml.push_str("</feed>\n");
    xml
}
