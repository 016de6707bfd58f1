//! The incident pages and their forms (no JavaScript): each form posts `application/x-www-form-urlencoded`
//! with the session's CSRF token (checked by [`crate::auth::principal`] before these run),
//! goes through [`crate::incidents::changes`] like the JSON API, and answers 303 back to the
//! incident page; a refused change shows the page again with the reason and the error's status.
//!
//! | route | what |
//! |---|---|
//! | `GET /incidents` | the list (filters as `GET /api/incidents`) and the "open an incident" form |
//! | `POST /incidents` | opens one: `title`, `severity`, `components` (comma-separated), `playbook` |
//! | `GET /incidents/{id}` | the incident page |
//! | `POST /incidents/{id}/ack`, `/state`, `/severity`, `/roles`, `/roles/remove`, `/notes`, `/updates`, `/steps` | the changes |
//! | `POST /incidents/{id}/postmortem`, `/postmortem/edit`, `/postmortem/publish`, `/actions` | the post-mortem and its corrective actions |
//! | `GET /actions` | every incident's corrective actions, overdue first (filters `status`, `owner`, `overdue`) |
//! | `POST /actions/{id}` | changes an action's status (`status`, and `back` the page to return to) |

use axum::Form;
use axum::extract::rejection::{FormRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::incidents::{IncidentView, ListQuery, detail, filter};
use super::postmortems::{ActionQuery, action_filter, listed_views, today};
use super::session::require_page;
use crate::AppState;
use crate::auth::principal::SignedIn;
use crate::auth::{Principal, Viewer};
use crate::http::ApiError;
use crate::incidents::actions::{ActionChange, ActionStatus, NewAction};
use crate::incidents::changes::{self, Change, api_error, postmortem_error};
use crate::incidents::postmortem::{PostmortemChange, Why};
use crate::incidents::{Role, Severity, State as IncidentState, Visibility};
use crate::pages::actions::render_actions;
use crate::pages::incidents::{render_detail, render_list};

fn see_other(location: &str) -> Response {
    (
        StatusCode::SEE_OTHER,
        [(
            header::LOCATION,
            HeaderValue::from_str(location).unwrap_or_else(|_| HeaderValue::from_static("/")),
        )],
    )
        .into_response()
}

/// `GET /incidents`.
pub async fn list_page(
    signed: SignedIn,
    State(state): State<AppState>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let who = match require_page(signed, "/incidents") {
        Ok(who) => who,
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let query = query.map(|Query(q)| q).unwrap_or_default();
    list_response(&state, &who, &query, None, StatusCode::OK).await
}

async fn list_response(
    state: &AppState,
    who: &Principal,
    query: &ListQuery,
    error: Option<&str>,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let (rows, error) = match filter(query) {
        Ok(filter) => (
            state
                .store()
                .incidents()
                .list(&filter)
                .await
                .map_err(api_error)?,
            error.map(str::to_string),
        ),
        Err(refused) => (Vec::new(), Some(refused.to_string())),
    };
    let views: Vec<IncidentView> = rows.iter().map(IncidentView::from).collect();
    let now = crate::probes::unix_now_ms();
    let on_call = super::oncall::on_call_now(state, now).await?;
    const WEEK_MS: i64 = 7 * 24 * 3_600_000;
    let figures = super::incidents::compute_figures(state, now - 4 * WEEK_MS, now, WEEK_MS).await?;
    Ok((
        status,
        Html(render_list(
            who,
            query,
            &views,
            &on_call,
            &figures,
            error.as_deref(),
        )),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
pub struct OpenForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    components: String,
    #[serde(default)]
    playbook: String,
}

/// `POST /incidents`.
pub async fn open(
    who: Viewer,
    State(state): State<AppState>,
    form: Result<Form<OpenForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let Form(form) = form.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let outcome = async {
        let severity = form
            .severity
            .parse::<Severity>()
            .map_err(|e| ApiError::BadRequest(e.to_string()))?;
        let components = form
            .components
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect();
        let playbook = Some(form.playbook.trim().to_string()).filter(|p| !p.is_empty());
        changes::open(
            &state,
            &who,
            &form.title,
            severity,
            components,
            playbook,
            crate::probes::unix_now_ms(),
        )
        .await
    }
    .await;
    match outcome {
        Ok(incident) => Ok(see_other(&format!("/incidents/{}", incident.id))),
        Err(error) => {
            let status = error.status();
            list_response(
                &state,
                &who,
                &ListQuery::default(),
                Some(&error.to_string()),
                status,
            )
            .await
        }
    }
}

/// `GET /incidents/{id}`.
pub async fn detail_page(
    signed: SignedIn,
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(id) = id.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let who = match require_page(signed, &format!("/incidents/{id}")) {
        Ok(who) => who,
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let detail = detail(&state, id).await?;
    Ok(Html(render_detail(&who, &detail, None)).into_response())
}

/// The fields of every change form (each form sends the ones it needs).
#[derive(Debug, Default, Deserialize)]
pub struct ChangeForm {
    state: Option<String>,
    severity: Option<String>,
    role: Option<String>,
    person: Option<String>,
    text: Option<String>,
    visibility: Option<String>,
    body: Option<String>,
    step: Option<String>,
    checked: Option<String>,
    summary: Option<String>,
    impact: Option<String>,
    why1: Option<String>,
    answer1: Option<String>,
    why2: Option<String>,
    answer2: Option<String>,
    why3: Option<String>,
    answer3: Option<String>,
    why4: Option<String>,
    answer4: Option<String>,
    why5: Option<String>,
    answer5: Option<String>,
    title: Option<String>,
    owner: Option<String>,
    due_date: Option<String>,
}

fn field(value: Option<String>, name: &str) -> Result<String, ApiError> {
    value.ok_or_else(|| ApiError::BadRequest(format!("the form has no `{name}` field")))
}

fn bad(error: impl std::fmt::Display) -> ApiError {
    ApiError::BadRequest(error.to_string())
}

fn parse_change(action: &str, form: ChangeForm) -> Result<Change, ApiError> {
    Ok(match action {
        "ack" => Change::Acknowledge,
        "state" => Change::Move(
            field(form.state, "state")?
                .parse::<IncidentState>()
                .map_err(bad)?,
        ),
        "severity" => Change::Severity(
            field(form.severity, "severity")?
                .parse::<Severity>()
                .map_err(bad)?,
        ),
        "roles" => Change::Assign {
            role: field(form.role, "role")?.parse::<Role>().map_err(bad)?,
            person: field(form.person, "person")?,
        },
        "roles/remove" => Change::Unassign {
            role: field(form.role, "role")?.parse::<Role>().map_err(bad)?,
            person: field(form.person, "person")?,
        },
        "notes" => Change::Note(field(form.text, "text")?),
        "updates" => Change::Update {
            visibility: field(form.visibility, "visibility")?
                .parse::<Visibility>()
                .map_err(bad)?,
            body: field(form.body, "body")?,
        },
        "steps" => Change::Tick {
            step: field(form.step, "step")?,
            checked: field(form.checked, "checked")? == "true",
        },
        "postmortem" => Change::StartPostmortem,
        "postmortem/publish" => Change::PublishPostmortem,
        "postmortem/edit" => {
            let pairs = [
                (form.why1, form.answer1),
                (form.why2, form.answer2),
                (form.why3, form.answer3),
                (form.why4, form.answer4),
                (form.why5, form.answer5),
            ];
            // Empty rows are left out: the form always shows five.
            let whys = pairs
                .into_iter()
                .map(|(why, answer)| (why.unwrap_or_default(), answer.unwrap_or_default()))
                .filter(|(why, answer)| !why.trim().is_empty() || !answer.trim().is_empty())
                .map(|(why, answer)| Why { why, answer })
                .collect();
            Change::EditPostmortem(PostmortemChange {
                summary: form.summary,
                impact: form.impact,
                whys: Some(whys),
            })
        }
        "actions" => Change::AddAction(NewAction {
            title: field(form.title, "title")?,
            owner: field(form.owner, "owner")?,
            due_date: field(form.due_date, "due_date")?,
        }),
        other => return Err(ApiError::NotFound(format!("no form action `{other}`"))),
    })
}

async fn change(
    state: AppState,
    who: Viewer,
    id: i64,
    action: &str,
    form: Result<Form<ChangeForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let outcome = match form {
        Ok(Form(form)) => match parse_change(action, form) {
            Ok(change) => {
                changes::apply(&state, &who, id, change, crate::probes::unix_now_ms()).await
            }
            Err(error) => Err(error),
        },
        Err(rejection) => Err(ApiError::BadRequest(rejection.body_text())),
    };
    match outcome {
        Ok(()) => Ok(see_other(&format!("/incidents/{id}"))),
        Err(error) => {
            let status = error.status();
            let detail = detail(&state, id).await?;
            Ok((
                status,
                Html(render_detail(&who, &detail, Some(&error.to_string()))),
            )
                .into_response())
        }
    }
}

macro_rules! change_route {
    ($name:ident, $action:literal) => {
        #[doc = concat!("`POST /incidents/{id}/", $action, "`.")]
        pub async fn $name(
            who: Viewer,
            State(state): State<AppState>,
            id: Result<Path<i64>, PathRejection>,
            form: Result<Form<ChangeForm>, FormRejection>,
        ) -> Result<Response, ApiError> {
            let Path(id) = id.map_err(|e| ApiError::BadRequest(e.body_text()))?;
            change(state, who, id, $action, form).await
        }
    };
}

change_route!(acknowledge, "ack");
change_route!(transition, "state");
change_route!(severity, "severity");
change_route!(assign, "roles");
change_route!(unassign, "roles/remove");
change_route!(note, "notes");
change_route!(update, "updates");
change_route!(tick, "steps");
change_route!(start_postmortem, "postmortem");
change_route!(edit_postmortem, "postmortem/edit");
change_route!(publish_postmortem, "postmortem/publish");
change_route!(add_action, "actions");

/// `GET /actions`.
pub async fn actions_page(
    signed: SignedIn,
    State(state): State<AppState>,
    query: Result<Query<ActionQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let who = match require_page(signed, "/actions") {
        Ok(who) => who,
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let query = query.map(|Query(q)| q).unwrap_or_default();
    actions_response(&state, &who, &query, None, StatusCode::OK).await
}

async fn actions_response(
    state: &AppState,
    who: &Principal,
    query: &ActionQuery,
    error: Option<&str>,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let today = today();
    let (rows, error) = match action_filter(query) {
        Ok(filter) => (
            state
                .store()
                .postmortems()
                .list_actions(&filter, today)
                .await
                .map_err(postmortem_error)?,
            error.map(str::to_string),
        ),
        Err(refused) => (Vec::new(), Some(refused.to_string())),
    };
    let views = listed_views(&rows, today);
    Ok((
        status,
        Html(render_actions(who, query, &views, error.as_deref())),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
pub struct ActionStatusForm {
    #[serde(default)]
    status: String,
    back: Option<String>,
}

/// `POST /actions/{id}`: a new status, then back to the page the form was on.
pub async fn update_action(
    who: Viewer,
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
    form: Result<Form<ActionStatusForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let Path(id) = id.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let Form(form) = form.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let back = super::session::safe_next(form.back.as_deref().or(Some("/actions")));
    let outcome = match form.status.parse::<ActionStatus>() {
        Ok(status) => {
            changes::update_action(
                state.store(),
                &who,
                id,
                ActionChange {
                    status: Some(status),
                    ..ActionChange::default()
                },
                crate::probes::unix_now_ms(),
            )
            .await
        }
        Err(error) => Err(ApiError::BadRequest(error.to_string())),
    };
    match outcome {
        Ok(()) => Ok(see_other(&back)),
        Err(error) => {
            let status = error.status();
            actions_response(
                &state,
                &who,
                &ActionQuery::default(),
                Some(&error.to_string()),
                status,
            )
            .await
        }
    }
}
