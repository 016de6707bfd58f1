//! People, access and the audit trail on a real server (127.0.0.1:0, a SQLite file; the
//! storage half on PostgreSQL too): signing in by form and JSON (argon2id hashes, cookie
//! flags, rate limiting), CSRF on every state-changing request made with a session, the
//! role × route matrix, and the hash-chained audit trail with `csv-analyzer audit verify`
//! catching a row altered in the database.
//!
//! The PostgreSQL half uses `DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`),
//! one temporary database per test; without it a loud line says so (with `CI=true` it fails).

mod audit;
mod incidents_http;
mod login;
mod matrix;
#[path = "../support/postgres.rs"]
mod postgres;
mod postmortem_http;

use std::net::SocketAddr;
use std::sync::Arc;

use reqwest::header::{COOKIE, SET_COOKIE};
use serde_json::{Value, json};
use server::auth::{passwords, tokens};
use server::config::Config;
use server::storage::Store;
use server::telemetry::metrics::Metrics;
use server::{AppState, app};

/// The password every test user has.
pub const PASSWORD: &str = "a long enough test password";

pub struct Server {
    pub base: String,
    pub store: Store,
    pub client: reqwest::Client,
    pub db_path: std::path::PathBuf,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

/// A signed-in session: the cookie header value and its CSRF token.
#[derive(Debug, Clone)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

impl Server {
    pub async fn start() -> Server {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(configure: impl FnOnce(&mut Config)) -> Server {
        let dist = tempfile::tempdir().expect("dist");
        std::fs::write(
            dist.path().join("index.html"),
            "<!doctype html><title>app</title>",
        )
        .expect("index");
        let data = tempfile::tempdir().expect("data");
        let db_path = data.path().join("access.db");
        let url = format!("sqlite://{}", db_path.display());
        let mut config = Config {
            dist_dir: dist.path().to_path_buf(),
            database_url: url.clone(),
            ..Config::default()
        };
        config.synthetic.enabled = false;
        config.alerting.enabled = false;
        configure(&mut config);
        let store = Store::connect(&url).await.expect("connect");
        store.migrate().await.expect("migrate");
        let state = AppState::new(config, store.clone(), Arc::new(Metrics::new(8))).expect("state");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("port");
        let addr: SocketAddr = listener.local_addr().expect("addr");
        let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, service).await;
        });
        Server {
            base: format!("http://{addr}"),
            store,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            db_path,
            _dirs: (dist, data),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Adds a user with [`PASSWORD`].
    pub async fn add_user(&self, name: &str, role: &str) {
        let hash = passwords::hash(PASSWORD).expect("hash");
        assert!(
            self.store
                .users()
                .create(name, &hash, role, 1)
                .await
                .expect("user")
        );
    }

    /// A token with `role`, named after it.
    pub async fn token(&self, role: &str) -> String {
        let token = tokens::generate().expect("token");
        assert!(
            self.store
                .api_tokens()
                .create(&format!("{role}-token"), &tokens::hash(&token), role, 1)
                .await
                .expect("token")
        );
        token
    }

    /// Signs `name` in through `POST /api/session`.
    pub async fn sign_in(&self, name: &str) -> Session {
        let response = self
            .client
            .post(self.url("/api/session"))
            .json(&json!({ "name": name, "password": PASSWORD }))
            .send()
            .await
            .expect("sign in");
        assert_eq!(response.status(), 200, "signing {name} in");
        let cookie = session_cookie(&response).expect("a session cookie");
        let body: Value = response.json().await.expect("json");
        Session {
            cookie,
            csrf: body["csrf_token"].as_str().expect("csrf").to_string(),
        }
    }

    /// A request with a session cookie (and its CSRF header when `csrf`).
    pub fn with_session(
        &self,
        method: reqwest::Method,
        path: &str,
        session: &Session,
        csrf: bool,
    ) -> reqwest::RequestBuilder {
        let mut request = self
            .client
            .request(method, self.url(path))
            .header(COOKIE, &session.cookie);
        if csrf {
            request = request.header("x-csrf-token", &session.csrf);
        }
        request
    }
}

/// `csva_session=…` from a response's `Set-Cookie` headers (not a clearing one).
pub fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|pair| pair.starts_with("csva_session=") && pair.len() > "csva_session=".len())
        .map(str::to_string)
}

/// The whole `Set-Cookie` header for cookie `name`.
pub fn set_cookie_header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_string)
}

/// `method path` with `token` as a bearer token and an optional JSON body: the status and the
/// body's text.
pub async fn call_text(
    server: &Server,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, String) {
    let mut request = server
        .client
        .request(method, server.url(path))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

/// [`call_text`] with the body read as JSON (`Null` when it is not).
pub async fn call(
    server: &Server,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let (status, text) = call_text(server, method, path, token, body).await;
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}
