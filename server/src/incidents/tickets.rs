//! Ticket requests sent in the background (§13.2): a request may take seconds with its retries,
//! so neither a person's change nor the auto-open task waits for it. The ticket's key, when the
//! ticketing system answers one, is kept: on the incident's timeline (a note by `ticketing`),
//! and on the corrective action (`ticket_ref`). A failure (after the attempts of
//! [`Ticketing::send`]) is logged and noted on the incident's timeline with its reason, so the
//! people working it see that the ticket must be filed by hand; there is no outbox, so a
//! request that failed is not retried later.

use std::collections::BTreeMap;

use super::actions::CorrectiveAction;
use super::ticketing::{TicketEvent, Ticketing, TicketingSettings};
use crate::storage::Store;
use crate::storage::incidents::Incident;

/// The actor the timeline names for ticket keys.
pub const TICKETING_ACTOR: &str = "ticketing";
/// Longest ticketing note, in characters.
const MAX_NOTE_CHARS: usize = 1_000;

/// Notes `text` on incident `id`'s timeline as [`TICKETING_ACTOR`], on one line and at most
/// [`MAX_NOTE_CHARS`] characters (it may quote what the ticketing system answered); a failure
/// (a closed incident, the database) is logged.
async fn note(store: &Store, id: i64, text: &str) {
    let mut line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_NOTE_CHARS)
        .collect();
    if text.chars().count() > MAX_NOTE_CHARS {
        line.push('…');
    }
    if let Err(error) = store
        .incidents()
        .add_note(id, &line, TICKETING_ACTOR, crate::probes::unix_now_ms())
        .await
    {
        tracing::warn!(%error, incident = id, "the ticketing note could not be written");
    }
}

/// Sends the ticket requests of one server. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Tickets {
    ticketing: Option<Ticketing>,
    /// This server's address, for `{{incident.url}}`.
    base_url: String,
    store: Store,
}

impl Tickets {
    /// `None` inside when ticketing is off; the error names the setting.
    pub fn new(settings: &TicketingSettings, base_url: &str, store: Store) -> Result<Self, String> {
        Ok(Tickets {
            ticketing: settings.compile()?,
            base_url: base_url.trim_end_matches('/').to_string(),
            store,
        })
    }

    fn extra(&self, incident: &Incident) -> BTreeMap<String, String> {
        BTreeMap::from([(
            "incident.url".to_string(),
            format!("{}/incidents/{}", self.base_url, incident.id),
        )])
    }

    /// Sends `event` about `incident` in the background.
    pub fn incident(&self, event: TicketEvent, incident: Incident) {
        let Some(ticketing) = self.ticketing.clone() else {
            return;
        };
        let extra = self.extra(&incident);
        let store = self.store.clone();
        tokio::spawn(async move {
            match ticketing.send(event, &incident, &extra).await {
                Ok(Some(key)) => {
                    let text = format!("ticket {key} ({} event)", event.as_str());
                    note(&store, incident.id, &text).await;
                }
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(%error, incident = incident.id, event = event.as_str(), "ticket request failed");
                    let text = format!(
                        "ticket request failed ({} event): {error}. File the ticket by hand.",
                        event.as_str()
                    );
                    note(&store, incident.id, &text).await;
                }
            }
        });
    }

    /// Sends `action_added` for `action` in the background, keeping the ticket's key on it.
    pub fn action(&self, incident: Incident, action: CorrectiveAction) {
        let Some(ticketing) = self.ticketing.clone() else {
            return;
        };
        let mut extra = self.extra(&incident);
        extra.insert("action.title".to_string(), action.title.clone());
        extra.insert("action.owner".to_string(), action.owner.clone());
        extra.insert(
            "action.due".to_string(),
            action.due_date.format("%Y-%m-%d").to_string(),
        );
        let store = self.store.clone();
        tokio::spawn(async move {
            match ticketing
                .send(TicketEvent::ActionAdded, &incident, &extra)
                .await
            {
                Ok(Some(key)) => {
                    if let Err(error) = store
                        .postmortems()
                        .set_ticket_ref(
                            action.id,
                            &key,
                            TICKETING_ACTOR,
                            crate::probes::unix_now_ms(),
                        )
                        .await
                    {
                        tracing::warn!(%error, action = action.id, "the ticket key could not be kept");
                    }
                }
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(%error, action = action.id, "ticket request failed");
                    let text = format!(
                        "ticket request failed (action_added event, action {} \"{}\"): {error}. \
                         File the ticket by hand.",
                        action.id, action.title
                    );
                    note(&store, action.incident_id, &text).await;
                }
            }
        });
    }
}
