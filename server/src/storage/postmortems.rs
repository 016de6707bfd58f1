//! The post-mortems and corrective actions repository, the same on both engines
//! (docs/incidents.md, "Post-mortems and corrective actions").
//!
//! # Schema (`server/migrations/*/0012_postmortems.sql`)
//!
//! - `postmortems`: at most one per incident — summary, impact, the 5 whys (JSON array),
//!   status (draft, published), author and times.
//! - `corrective_actions`: the actions of an incident — title, owner, due date (`YYYY-MM-DD`),
//!   status, the ticketing system's key.
//!
//! # Invariants
//!
//! - **Every change writes its incident timeline event in the same transaction**
//!   (`incident_events`, kinds of [`crate::incidents::postmortem`]) and sets the incident's
//!   `updated_ms`, as the incidents repository does.
//! - **Changes serialize per incident**: each one starts with the same no-op `UPDATE` of the
//!   incident's row as [`crate::storage::incidents`] (PostgreSQL's row lock, SQLite's write
//!   lock) before it reads anything.
//! - **A closed incident still takes its post-mortem and actions**: that is what is left to do
//!   once it is closed.
//! - The rules (validation, status moves, overdue, order) are in [`crate::incidents::actions`]
//!   and [`crate::incidents::postmortem`]; this module only stores.

use crate::storage::WritePool;
use chrono::NaiveDate;
use serde_json::json;

use super::{Store, with_pool};
use crate::incidents::actions::{
    ActionChange, ActionFilter, ActionStatus, CorrectiveAction, ListedAction, NewAction,
    check_move, checked_owner, checked_ticket_ref, checked_title, listing_order, parse_due_date,
};
use crate::incidents::postmortem::{
    self, ACTION_ADDED, ACTION_UPDATED, DRAFT_AUTHOR, POSTMORTEM_DRAFTED, POSTMORTEM_PUBLISHED,
    POSTMORTEM_UPDATED, Postmortem, PostmortemChange, PostmortemError, PostmortemSettings,
    PostmortemStatus, Why, checked_body, checked_whys, drafts_for,
};
use crate::incidents::{MAX_NAME_CHARS, checked_text};

/// The columns of `postmortems`, in [`PostmortemRow`]'s order.
macro_rules! postmortem_columns {
    () => {
        "incident_id, summary, impact, whys, status, created_ms, updated_ms, published_ms, author"
    };
}

/// The columns of `corrective_actions` (as `a`), in [`ActionRow`]'s order.
macro_rules! action_columns {
    () => {
        "a.id, a.incident_id, a.title, a.owner, a.due_date, a.status, a.ticket_ref, \
         a.created_ms, a.updated_ms, a.created_by"
    };
}

/// Takes incident `$id`'s row lock in `$tx` (the incidents repository's no-op `UPDATE`);
/// returns [`PostmortemError::IncidentNotFound`] from the enclosing function when there is none.
macro_rules! lock_incident {
    ($tx:expr, $id:expr) => {{
        let id: i64 = $id;
        let found = sqlx::query("UPDATE incidents SET updated_ms = updated_ms WHERE id = $1")
            .bind(id)
            .execute(&mut *$tx)
            .await?
            .rows_affected();
        if found == 0 {
            return Err(PostmortemError::IncidentNotFound { id });
        }
    }};
}

/// Appends an incident timeline event in `$tx` and sets the incident's `updated_ms`, with the
/// columns and conventions of the incidents repository (`detail` a JSON object).
macro_rules! insert_event {
    ($tx:expr, $incident_id:expr, $at_ms:expr, $actor:expr, $kind:expr, $detail:expr) => {{
        let incident_id: i64 = $incident_id;
        let at_ms: i64 = $at_ms;
        let actor: &str = $actor;
        let kind: &str = $kind;
        let detail: serde_json::Value = $detail;
        sqlx::query(
            "INSERT INTO incident_events (incident_id, at_ms, actor, kind, detail) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(incident_id)
        .bind(at_ms)
        .bind(actor)
        .bind(kind)
        .bind(detail.to_string())
        .execute(&mut *$tx)
        .await?;
        sqlx::query("UPDATE incidents SET updated_ms = $2 WHERE id = $1")
            .bind(incident_id)
            .bind(at_ms)
            .execute(&mut *$tx)
            .await?;
    }};
}

/// The post-mortem of incident `$id` read in `$tx`, if any.
macro_rules! read_postmortem {
    ($tx:expr, $id:expr) => {{
        let row: Option<PostmortemRow> = sqlx::query_as(concat!(
            "SELECT ",
            postmortem_columns!(),
            " FROM postmortems WHERE incident_id = $1"
        ))
        .bind($id)
        .fetch_optional(&mut *$tx)
        .await?;
        row.map(PostmortemRow::into_postmortem).transpose()?
    }};
}

/// The corrective action `$id` read in `$tx`, if any.
macro_rules! read_action {
    ($tx:expr, $id:expr) => {{
        let row: Option<ActionRow> = sqlx::query_as(concat!(
            "SELECT ",
            action_columns!(),
            " FROM corrective_actions a WHERE a.id = $1"
        ))
        .bind($id)
        .fetch_optional(&mut *$tx)
        .await?;
        row.map(ActionRow::into_action).transpose()?
    }};
}

/// Inserts a draft in `$tx` unless the incident has a post-mortem; evaluates to whether it did
/// (and then wrote the `postmortem_drafted` event).
macro_rules! insert_draft {
    ($tx:expr, $draft:expr) => {{
        let draft: &Postmortem = $draft;
        let inserted = sqlx::query(
            "INSERT INTO postmortems (incident_id, summary, impact, whys, status, created_ms, \
                 updated_ms, published_ms, author) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8) \
             ON CONFLICT (incident_id) DO NOTHING",
        )
        .bind(draft.incident_id)
        .bind(&draft.summary)
        .bind(&draft.impact)
        .bind(whys_json(&draft.whys)?)
        .bind(draft.status.as_str())
        .bind(draft.created_ms)
        .bind(draft.updated_ms)
        .bind(&draft.author)
        .execute(&mut *$tx)
        .await?
        .rows_affected()
            > 0;
        if inserted {
            insert_event!(
                $tx,
                draft.incident_id,
                draft.created_ms,
                &draft.author,
                POSTMORTEM_DRAFTED,
                json!({"author": draft.author})
            );
        }
        inserted
    }};
}

fn corrupt(incident_id: i64, column: &'static str, reason: impl ToString) -> PostmortemError {
    PostmortemError::Corrupt {
        incident_id,
        column,
        reason: reason.to_string(),
    }
}

fn whys_json(whys: &[Why]) -> Result<String, PostmortemError> {
    serde_json::to_string(whys).map_err(|e| PostmortemError::Invalid {
        field: "whys",
        reason: e.to_string(),
    })
}

fn actor_name(actor: &str) -> Result<String, PostmortemError> {
    Ok(checked_text("actor", actor, MAX_NAME_CHARS, false)?)
}

/// A row of `postmortems`.
#[derive(Debug, Clone, sqlx::FromRow)]
struct PostmortemRow {
    incident_id: i64,
    summary: String,
    impact: String,
    whys: String,
    status: String,
    created_ms: i64,
    updated_ms: i64,
    published_ms: Option<i64>,
    author: String,
}

impl PostmortemRow {
    fn into_postmortem(self) -> Result<Postmortem, PostmortemError> {
        let id = self.incident_id;
        Ok(Postmortem {
            incident_id: id,
            summary: self.summary,
            impact: self.impact,
            whys: serde_json::from_str(&self.whys)
                .map_err(|e| corrupt(id, "postmortems.whys", e))?,
            status: self
                .status
                .parse()
                .map_err(|e| corrupt(id, "postmortems.status", e))?,
            created_ms: self.created_ms,
            updated_ms: self.updated_ms,
            published_ms: self.published_ms,
            author: self.author,
        })
    }
}

/// A row of `corrective_actions`.
#[derive(Debug, Clone, sqlx::FromRow)]
struct ActionRow {
    id: i64,
    incident_id: i64,
    title: String,
    owner: String,
    due_date: String,
    status: String,
    ticket_ref: Option<String>,
    created_ms: i64,
    updated_ms: i64,
    created_by: String,
}

impl ActionRow {
    fn into_action(self) -> Result<CorrectiveAction, PostmortemError> {
        let id = self.incident_id;
        Ok(CorrectiveAction {
            id: self.id,
            incident_id: id,
            title: self.title,
            owner: self.owner,
            due_date: NaiveDate::parse_from_str(&self.due_date, "%Y-%m-%d")
                .map_err(|e| corrupt(id, "corrective_actions.due_date", e))?,
            status: self
                .status
                .parse()
                .map_err(|e| corrupt(id, "corrective_actions.status", e))?,
            ticket_ref: self.ticket_ref,
            created_ms: self.created_ms,
            updated_ms: self.updated_ms,
            created_by: self.created_by,
        })
    }
}

/// An action with its incident's title.
#[derive(Debug, Clone, sqlx::FromRow)]
struct ListedRow {
    #[sqlx(flatten)]
    action: ActionRow,
    incident_title: String,
}

/// The post-mortems and corrective actions repository. Cheap to clone; get one with
/// [`Store::postmortems`].
#[derive(Debug, Clone)]
pub struct Postmortems {
    store: Store,
}

impl Postmortems {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// The post-mortem of incident `incident_id`, if it has one.
    pub async fn get(&self, incident_id: i64) -> Result<Option<Postmortem>, PostmortemError> {
        let row: Option<PostmortemRow> = with_pool!(&self.store, pool => sqlx::query_as(concat!(
            "SELECT ", postmortem_columns!(), " FROM postmortems WHERE incident_id = $1"
        ))
        .bind(incident_id)
        .fetch_optional(pool)
        .await?);
        row.map(PostmortemRow::into_postmortem).transpose()
    }

    /// The post-mortem of incident `incident_id`, or [`PostmortemError::NoPostmortem`].
    pub async fn require(&self, incident_id: i64) -> Result<Postmortem, PostmortemError> {
        self.get(incident_id)
            .await?
            .ok_or(PostmortemError::NoPostmortem { incident_id })
    }

    /// A draft for incident `incident_id`, prefilled from the incident, by `author` (a person
    /// starting a post-mortem for any incident). Refused when it has one already.
    pub async fn create_draft(
        &self,
        incident_id: i64,
        author: &str,
        now_ms: i64,
    ) -> Result<Postmortem, PostmortemError> {
        let author = actor_name(author)?;
        self.draft(incident_id, &author, now_ms)
            .await?
            .ok_or(PostmortemError::AlreadyExists { incident_id })
    }

    /// Creates the draft of incident `incident_id` once, prefilled from the incident (summary:
    /// title, severity, components; impact: detected → resolved and how long), by
    /// [`DRAFT_AUTHOR`]. `Some(draft)` when this call created it, `None` when the incident had
    /// a post-mortem already (calling it again changes nothing).
    pub async fn ensure_draft(
        &self,
        incident_id: i64,
        now_ms: i64,
    ) -> Result<Option<Postmortem>, PostmortemError> {
        self.draft(incident_id, DRAFT_AUTHOR, now_ms).await
    }

    /// What the incident code calls when incident `incident_id` is resolved: its draft, once,
    /// when its severity is one of `settings.severities` ([`drafts_for`]) and it is resolved
    /// or closed. `Some(draft)` when this call created it.
    pub async fn draft_on_resolution(
        &self,
        incident_id: i64,
        settings: &PostmortemSettings,
        now_ms: i64,
    ) -> Result<Option<Postmortem>, PostmortemError> {
        let incident = self.store.incidents().require(incident_id).await?;
        if incident.is_open() || !drafts_for(incident.severity, settings) {
            return Ok(None);
        }
        self.ensure_draft(incident_id, now_ms).await
    }

    /// The drafts a periodic task creates: for every incident resolved at or after
    /// `resolved_since_ms`, now resolved or closed, of a severity in `settings.severities`,
    /// that has no post-mortem yet. Returns the drafts created, by incident id.
    pub async fn draft_missing(
        &self,
        settings: &PostmortemSettings,
        resolved_since_ms: i64,
        now_ms: i64,
    ) -> Result<Vec<Postmortem>, PostmortemError> {
        let rows: Vec<(i64, String)> = with_pool!(&self.store, pool => sqlx::query_as(
            "SELECT i.id, i.severity FROM incidents i \
             WHERE i.state IN ('resolved', 'closed') AND i.resolved_ms >= $1 \
               AND NOT EXISTS (SELECT 1 FROM postmortems p WHERE p.incident_id = i.id) \
             ORDER BY i.id",
        )
        .bind(resolved_since_ms)
        .fetch_all(pool)
        .await?);
        let mut drafts = Vec::new();
        for (id, severity) in rows {
            let severity = severity
                .parse()
                .map_err(|e| corrupt(id, "incidents.severity", e))?;
            if drafts_for(severity, settings)
                && let Some(draft) = self.ensure_draft(id, now_ms).await?
            {
                drafts.push(draft);
            }
        }
        Ok(drafts)
    }

    /// The draft of incident `incident_id` by `author`, unless it has a post-mortem.
    async fn draft(
        &self,
        incident_id: i64,
        author: &str,
        now_ms: i64,
    ) -> Result<Option<Postmortem>, PostmortemError> {
        let incident = self.store.incidents().require(incident_id).await?;
        let draft = Postmortem {
            incident_id,
            summary: postmortem::draft_summary(&incident),
            impact: postmortem::draft_impact(&incident),
            whys: Vec::new(),
            status: PostmortemStatus::Draft,
            created_ms: now_ms,
            updated_ms: now_ms,
            published_ms: None,
            author: author.to_string(),
        };
        with_pool!(&self.store, pool => {
            let mut tx = pool.begin_write().await?;
            lock_incident!(tx, incident_id);
            if !insert_draft!(tx, &draft) {
                return Ok(None);
            }
            tx.commit().await?;
        });
        Ok(Some(draft))
    }

    /// Replaces the summary, impact and/or whys given in `change`; writes a
    /// `postmortem_updated` event naming the fields that changed (none when nothing did).
    /// A published post-mortem can still be amended: it stays published.
    pub async fn update(
        &self,
        incident_id: i64,
        change: &PostmortemChange,
        actor: &str,
        now_ms: i64,
    ) -> Result<Postmortem, PostmortemError> {
        let actor = actor_name(actor)?;
        let summary = change
            .summary
            .as_deref()
            .map(|text| checked_body("summary", text))
            .transpose()?;
        let impact = change
            .impact
            .as_deref()
            .map(|text| checked_body("impact", text))
            .transpose()?;
        let whys = change.whys.as_deref().map(checked_whys).transpose()?;
        with_pool!(&self.store, pool => {
            let mut tx = pool.begin_write().await?;
            lock_incident!(tx, incident_id);
            let mut postmortem: Postmortem = read_postmortem!(tx, incident_id)
                .ok_or(PostmortemError::NoPostmortem { incident_id })?;
            let mut fields: Vec<&str> = Vec::new();
            if let Some(summary) = summary && summary != postmortem.summary {
                postmortem.summary = summary;
                fields.push("summary");
            }
            if let Some(impact) = impact && impact != postmortem.impact {
                postmortem.impact = impact;
                fields.push("impact");
            }
            if let Some(whys) = whys && whys != postmortem.whys {
                postmortem.whys = whys;
                fields.push("whys");
            }
            if fields.is_empty() {
                return Ok(postmortem);
            }
            postmortem.updated_ms = now_ms;
            sqlx::query(
                "UPDATE postmortems SET summary = $2, impact = $3, whys = $4, updated_ms = $5 \
                 WHERE incident_id = $1",
            )
            .bind(incident_id)
            .bind(&postmortem.summary)
            .bind(&postmortem.impact)
            .bind(whys_json(&postmortem.whys)?)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
            insert_event!(tx, incident_id, now_ms, &actor, POSTMORTEM_UPDATED, json!({"fields": fields}));
            tx.commit().await?;
            Ok(postmortem)
        })
    }

    /// Publishes the post-mortem of incident `incident_id`: the incident must be resolved or
    /// closed, and the 5 whys must have at least one answer (the root cause).
    pub async fn publish(
        &self,
        incident_id: i64,
        actor: &str,
        now_ms: i64,
    ) -> Result<Postmortem, PostmortemError> {
        let actor = actor_name(actor)?;
        with_pool!(&self.store, pool => {
            let mut tx = pool.begin_write().await?;
            lock_incident!(tx, incident_id);
            let state: String = sqlx::query_scalar("SELECT state FROM incidents WHERE id = $1")
                .bind(incident_id)
                .fetch_one(&mut *tx)
                .await?;
            let state: crate::incidents::State =
                state.parse().map_err(|e| corrupt(incident_id, "incidents.state", e))?;
            if state.is_open() {
                return Err(PostmortemError::IncidentOpen { incident_id, state });
            }
            let mut postmortem: Postmortem = read_postmortem!(tx, incident_id)
                .ok_or(PostmortemError::NoPostmortem { incident_id })?;
            if postmortem.status == PostmortemStatus::Published {
                return Err(PostmortemError::AlreadyPublished { incident_id });
            }
            if postmortem.root_cause().is_none() {
                return Err(PostmortemError::NoRootCause { incident_id });
            }
            postmortem.status = PostmortemStatus::Published;
            postmortem.published_ms = Some(now_ms);
            postmortem.updated_ms = now_ms;
            sqlx::query(
                "UPDATE postmortems SET status = $2, published_ms = $3, updated_ms = $3 \
                 WHERE incident_id = $1",
            )
            .bind(incident_id)
            .bind(PostmortemStatus::Published.as_str())
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
            insert_event!(tx, incident_id, now_ms, &actor, POSTMORTEM_PUBLISHED, json!({}));
            tx.commit().await?;
            Ok(postmortem)
        })
    }

    /// Adds a corrective action (status open) to incident `incident_id`; an incident may take
    /// actions before its post-mortem exists.
    pub async fn add_action(
        &self,
        incident_id: i64,
        new: &NewAction,
        actor: &str,
        now_ms: i64,
    ) -> Result<CorrectiveAction, PostmortemError> {
        let actor = actor_name(actor)?;
        let checked = new.checked()?;
        let due_date = checked.due_date.format("%Y-%m-%d").to_string();
        with_pool!(&self.store, pool => {
            let mut tx = pool.begin_write().await?;
            lock_incident!(tx, incident_id);
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO corrective_actions (incident_id, title, owner, due_date, status, \
                     ticket_ref, created_ms, updated_ms, created_by) \
                 VALUES ($1, $2, $3, $4, $5, NULL, $6, $6, $7) RETURNING id",
            )
            .bind(incident_id)
            .bind(&checked.title)
            .bind(&checked.owner)
            .bind(&due_date)
            .bind(ActionStatus::Open.as_str())
            .bind(now_ms)
            .bind(&actor)
            .fetch_one(&mut *tx)
            .await?;
            insert_event!(
                tx,
                incident_id,
                now_ms,
                &actor,
                ACTION_ADDED,
                json!({
                    "action_id": id,
                    "title": checked.title,
                    "owner": checked.owner,
                    "due_date": due_date,
                })
            );
            tx.commit().await?;
            Ok(CorrectiveAction {
                id,
                incident_id,
                title: checked.title,
                owner: checked.owner,
                due_date: checked.due_date,
                status: ActionStatus::Open,
                ticket_ref: None,
                created_ms: now_ms,
                updated_ms: now_ms,
                created_by: actor,
            })
        })
    }

    /// Changes the fields of action `id` given in `change` (a finished action only reopens,
    /// see [`crate::incidents::actions`]); writes an `action_updated` event naming the fields
    /// that changed (none when nothing did).
    pub async fn update_action(
        &self,
        id: i64,
        change: &ActionChange,
        actor: &str,
        now_ms: i64,
    ) -> Result<CorrectiveAction, PostmortemError> {
        let actor = actor_name(actor)?;
        let title = change.title.as_deref().map(checked_title).transpose()?;
        let owner = change.owner.as_deref().map(checked_owner).transpose()?;
        let due_date = change.due_date.as_deref().map(parse_due_date).transpose()?;
        self.change_action(id, &actor, now_ms, |action, fields, detail| {
            if let Some(status) = change.status
                && status != action.status
            {
                check_move(action.id, action.status, status)?;
                detail["from_status"] = json!(action.status.as_str());
                detail["to_status"] = json!(status.as_str());
                action.status = status;
                fields.push("status");
            }
            if let Some(title) = title
                && title != action.title
            {
                action.title = title;
                fields.push("title");
            }
            if let Some(owner) = owner
                && owner != action.owner
            {
                detail["owner"] = json!(owner);
                action.owner = owner;
                fields.push("owner");
            }
            if let Some(due_date) = due_date
                && due_date != action.due_date
            {
                detail["due_date"] = json!(due_date.format("%Y-%m-%d").to_string());
                action.due_date = due_date;
                fields.push("due_date");
            }
            Ok(())
        })
        .await
    }

    /// Sets the ticketing system's key of action `id` (the ticketing integration, once the
    /// ticket exists); an `action_updated` event with `ticket_ref`.
    pub async fn set_ticket_ref(
        &self,
        id: i64,
        ticket_ref: &str,
        actor: &str,
        now_ms: i64,
    ) -> Result<CorrectiveAction, PostmortemError> {
        let actor = actor_name(actor)?;
        let ticket_ref = checked_ticket_ref(ticket_ref)?;
        self.change_action(id, &actor, now_ms, |action, fields, detail| {
            if action.ticket_ref.as_deref() != Some(ticket_ref.as_str()) {
                detail["ticket_ref"] = json!(ticket_ref);
                action.ticket_ref = Some(ticket_ref);
                fields.push("ticket_ref");
            }
            Ok(())
        })
        .await
    }

    /// Reads action `id` under its incident's lock, lets `apply` change it (naming the fields
    /// it changed and adding to the event's detail), then writes it and its event.
    async fn change_action<F>(
        &self,
        id: i64,
        actor: &str,
        now_ms: i64,
        apply: F,
    ) -> Result<CorrectiveAction, PostmortemError>
    where
        F: FnOnce(
            &mut CorrectiveAction,
            &mut Vec<&'static str>,
            &mut serde_json::Value,
        ) -> Result<(), PostmortemError>,
    {
        with_pool!(&self.store, pool => {
            let mut tx = pool.begin_write().await?;
            let incident_id: Option<i64> =
                sqlx::query_scalar("SELECT incident_id FROM corrective_actions WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let incident_id = incident_id.ok_or(PostmortemError::ActionNotFound { id })?;
            lock_incident!(tx, incident_id);
            let mut action: CorrectiveAction =
                read_action!(tx, id).ok_or(PostmortemError::ActionNotFound { id })?;
            let mut fields: Vec<&'static str> = Vec::new();
            let mut detail = json!({"action_id": id});
            apply(&mut action, &mut fields, &mut detail)?;
            if fields.is_empty() {
                return Ok(action);
            }
            detail["title"] = json!(action.title);
            detail["fields"] = json!(fields);
            action.updated_ms = now_ms;
            sqlx::query(
                "UPDATE corrective_actions SET title = $2, owner = $3, due_date = $4, \
                     status = $5, ticket_ref = $6, updated_ms = $7 \
                 WHERE id = $1",
            )
            .bind(id)
            .bind(&action.title)
            .bind(&action.owner)
            .bind(action.due_date.format("%Y-%m-%d").to_string())
            .bind(action.status.as_str())
            .bind(&action.ticket_ref)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
            insert_event!(tx, incident_id, now_ms, actor, ACTION_UPDATED, detail);
            tx.commit().await?;
            Ok(action)
        })
    }

    /// The corrective action `id`, if there is one.
    pub async fn action(&self, id: i64) -> Result<Option<CorrectiveAction>, PostmortemError> {
        let row: Option<ActionRow> = with_pool!(&self.store, pool => sqlx::query_as(concat!(
            "SELECT ", action_columns!(), " FROM corrective_actions a WHERE a.id = $1"
        ))
        .bind(id)
        .fetch_optional(pool)
        .await?);
        row.map(ActionRow::into_action).transpose()
    }

    /// The corrective actions of incident `incident_id`, in order of creation.
    pub async fn actions(
        &self,
        incident_id: i64,
    ) -> Result<Vec<CorrectiveAction>, PostmortemError> {
        let rows: Vec<ActionRow> = with_pool!(&self.store, pool => sqlx::query_as(concat!(
            "SELECT ", action_columns!(), " FROM corrective_actions a \
             WHERE a.incident_id = $1 ORDER BY a.id"
        ))
        .bind(incident_id)
        .fetch_all(pool)
        .await?);
        rows.into_iter().map(ActionRow::into_action).collect()
    }

    /// The corrective actions of every incident that match `filter`, each with its incident's
    /// title and whether it is overdue on `today`: the overdue ones first, then by due date,
    /// then by id ([`listing_order`]).
    pub async fn list_actions(
        &self,
        filter: &ActionFilter,
        today: NaiveDate,
    ) -> Result<Vec<ListedAction>, PostmortemError> {
        let status = filter.status.map(ActionStatus::as_str);
        let owner = filter.owner.as_deref().map(str::trim);
        let today_text = today.format("%Y-%m-%d").to_string();
        let rows: Vec<ListedRow> = with_pool!(&self.store, pool => sqlx::query_as(concat!(
            "SELECT ", action_columns!(), ", i.title AS incident_title \
             FROM corrective_actions a JOIN incidents i ON i.id = a.incident_id \
             WHERE ($1 IS NULL OR a.status = $1) AND ($2 IS NULL OR a.owner = $2) \
               AND ($3 = 0 OR (a.status IN ('open', 'in_progress') AND a.due_date < $4)) \
             ORDER BY a.due_date, a.id"
        ))
        .bind(status)
        .bind(owner)
        .bind(i64::from(filter.overdue_only))
        .bind(&today_text)
        .fetch_all(pool)
        .await?);
        let mut listed = rows
            .into_iter()
            .map(|row| {
                let action = row.action.into_action()?;
                Ok(ListedAction {
                    overdue: action.is_overdue(today),
                    action,
                    incident_title: row.incident_title,
                })
            })
            .collect::<Result<Vec<_>, PostmortemError>>()?;
        listed.sort_by(listing_order);
        Ok(listed)
    }

    /// The post-mortem of incident `incident_id` as Markdown ([`postmortem::to_markdown`]):
    /// the incident, its whole timeline, every role ever held, and its actions.
    pub async fn export_markdown(&self, incident_id: i64) -> Result<String, PostmortemError> {
        let incidents = self.store.incidents();
        let incident = incidents.require(incident_id).await?;
        let postmortem = self.require(incident_id).await?;
        let timeline = incidents.timeline(incident_id).await?;
        let roles = incidents.roles(incident_id, true).await?;
        let actions = self.actions(incident_id).await?;
        Ok(postmortem::to_markdown(
            &incident,
            &postmortem,
            &timeline,
            &roles,
            &actions,
        ))
    }
}
