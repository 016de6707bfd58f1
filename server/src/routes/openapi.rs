//! `GET /api/openapi.json`: the OpenAPI 3.1 description of the HTTP API, generated from the code
//! (each handler's `#[utoipa::path]` and its response types' `ToSchema`), so it cannot drift.
//!
//! Adding an operation: annotate the handler with `#[utoipa::path(...)]` and add it to
//! `paths(...)` below — one line. Its schemas are collected from the annotation; the 413 and 503
//! answers that the [`crate::http::limits`] layer may give on any route are added to every
//! operation by [`LimitResponses`].

use std::sync::LazyLock;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Ref, Schema, Type};
use utoipa::openapi::{OpenApi as Document, RefOr};
use utoipa::{Modify, OpenApi, PartialSchema, ToSchema};

use crate::http::{ErrorBody, ErrorCode};

/// The document's path.
pub const PATH: &str = "/api/openapi.json";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "CSV Analyzer",
        description = "The CSV Analyzer server's HTTP API. Errors share one body: \
                       `{\"error\": \"<code>\", \"detail\": \"<text>\" | null}`."
    ),
    paths(
        super::health::healthz,
        super::health::readyz,
        super::health::metrics_doc,
        super::alerts::list,
        super::alerts::rules,
        super::alerts::history,
        super::alerts::acknowledge,
        super::alerts::list_silences,
        super::alerts::create_silence,
        super::alerts::delete_silence,
        super::alerts::alertmanager_webhook,
        super::alerts::notifications,
        super::alerts::test_channel,
        super::rum::ingest,
        super::rum::client_config,
        super::rum::summary,
        super::model_reports::create,
        super::model_reports::list,
        super::probes::list,
        super::probes::one,
        super::probes::results,
        super::probes::create,
        super::probes::replace,
        super::probes::delete,
        super::probes::agent_probes,
        super::probes::agent_results,
        super::status::summary,
        super::status::list_maintenance,
        super::status::create_maintenance,
        super::status::delete_maintenance,
        super::session::sign_in_json,
        super::session::current,
        super::session::sign_out_json,
        super::admin::list_users,
        super::admin::create_user,
        super::admin::set_role,
        super::admin::disable_user,
        super::admin::list_tokens,
        super::admin::create_token,
        super::admin::revoke_token,
        super::admin::audit_list,
        super::incidents::list,
        super::incidents::create,
        super::incidents::figures,
        super::incidents::one,
        super::incidents::acknowledge,
        super::incidents::transition,
        super::incidents::severity,
        super::incidents::assign,
        super::incidents::unassign,
        super::incidents::note,
        super::incidents::update,
        super::incidents::tick,
        super::postmortems::one,
        super::postmortems::start,
        super::postmortems::edit,
        super::postmortems::publish,
        super::postmortems::markdown,
        super::postmortems::add_action,
        super::postmortems::list_actions,
        super::postmortems::update_action,
        super::oncall::now,
        super::oncall::add_override,
        super::oncall::delete_override,
        openapi_json,
    ),
    components(schemas(ErrorBody, ErrorCode)),
    tags(
        (name = "access", description = "Signing in, users, API tokens and the audit trail (admins)"),
        (name = "incidents", description = "Incidents: lifecycle, roles, timeline, status updates, playbooks, MTTA/MTTR (signed in; changes need a responder or a commander)"),
        (name = "alerting", description = "Alerts (Alertmanager's shape), rules, history, acknowledgement and silences (changes need an API token)"),
        (name = "probes", description = "Liveness, readiness and metrics"),
        (name = "meta", description = "This description"),
        (name = "model-reports", description = "Model reports: the summary figures of quality and drift analyses published from the app, read by the alert rules"),
        (name = "rum", description = "Real-user monitoring: beacons from the browser app and their aggregates"),
        (name = "synthetic", description = "Synthetic monitoring: probe definitions (changes need an API token) and their results"),
        (name = "status", description = "The public status page as JSON, and maintenance windows (changes need an API token)"),
    ),
    modifiers(&RumSchemas, &LimitResponses, &TokenAuth)
)]
pub struct ApiDoc;

/// The OpenAPI document.
pub fn document() -> Document {
    ApiDoc::openapi()
}

/// The route serving the document at [`PATH`]; merge it into the app's router.
pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    Router::new().route(PATH, get(openapi_json))
}

static DOCUMENT_JSON: LazyLock<String> = LazyLock::new(|| {
    // Serialising plain data structures with string keys cannot fail.
    document()
        .to_pretty_json()
        .expect("the OpenAPI document serialises")
});

/// The OpenAPI 3.1 document of this API.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "meta",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json", body = Object)
    )
)]
pub async fn openapi_json() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        DOCUMENT_JSON.as_str(),
    )
}

/// The RUM types (`shared::api::rum`, `shared::api::rum_summary`) as JSON Schemas, written in
/// `rum_openapi.json` (`shared` does not depend on utoipa) and added to the components; the
/// tests check them against the types (sample beacons and a real summary validate).
pub struct RumSchemas;

/// The JSON Schemas of the RUM components, by name.
pub const RUM_SCHEMAS_JSON: &str = include_str!("rum_openapi.json");

impl Modify for RumSchemas {
    fn modify(&self, openapi: &mut Document) {
        let schemas: std::collections::BTreeMap<String, RefOr<Schema>> =
            serde_json::from_str(RUM_SCHEMAS_JSON).expect("rum_openapi.json is valid");
        let components = openapi.components.get_or_insert_with(Default::default);
        components.schemas.extend(schemas);
    }
}

/// A `$ref` to one of the [`RumSchemas`] components, for `#[utoipa::path]` bodies.
macro_rules! rum_schema_ref {
    ($type:ident, $name:literal) => {
        #[doc = concat!("`#/components/schemas/", $name, "` (see [`RumSchemas`]).")]
        pub struct $type;

        impl PartialSchema for $type {
            fn schema() -> RefOr<Schema> {
                Ref::from_schema_name($name).into()
            }
        }

        impl ToSchema for $type {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed($name)
            }
        }
    };
}

rum_schema_ref!(BeaconSchema, "RumBeacon");
rum_schema_ref!(RumClientConfigSchema, "RumClientConfig");
rum_schema_ref!(RumSummarySchema, "RumSummary");

/// The `api_token` security scheme: `Authorization: Bearer <token>` with a token from
/// `csv-analyzer token create` (operations that change state name it in their `security`).
pub struct TokenAuth;

impl Modify for TokenAuth {
    fn modify(&self, openapi: &mut Document) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token from `csv-analyzer token create --name NAME` (its role \
                         decides what it may do)",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Cookie(
                utoipa::openapi::security::ApiKeyValue::with_description(
                    crate::auth::sessions::COOKIE,
                    "The session cookie from `POST /api/session` or the sign-in form; \
                     state-changing requests also send its CSRF token as `X-CSRF-Token`",
                ),
            )),
        );
    }
}

/// Adds the answers of the limits layer (413 body too large, 503 overloaded or timed out) to
/// every operation that does not document them itself.
pub struct LimitResponses;

impl Modify for LimitResponses {
    fn modify(&self, openapi: &mut Document) {
        let error_json = || {
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build()
        };
        let too_large: RefOr<Response> = ResponseBuilder::new()
            .description("The request body is larger than the server's limit")
            .content("application/json", error_json())
            .build()
            .into();
        let unavailable: RefOr<Response> = ResponseBuilder::new()
            .description("Overloaded, timed out or a dependency is down; retry later")
            .content("application/json", error_json())
            .header(
                "Retry-After",
                HeaderBuilder::new()
                    .schema(Some(ObjectBuilder::new().schema_type(Type::Integer)))
                    .description(Some("Seconds to wait before retrying"))
                    .build(),
            )
            .build()
            .into();
        for item in openapi.paths.paths.values_mut() {
            for operation in operations(item) {
                let responses = &mut operation.responses.responses;
                responses
                    .entry("413".to_string())
                    .or_insert_with(|| too_large.clone());
                responses
                    .entry("503".to_string())
                    .or_insert_with(|| unavailable.clone());
            }
        }
    }
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
        &mut item.query,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}
