//! The audit trail: the chain on both SQL engines (concurrent appends included), and
//! `csv-analyzer audit verify` on a server's database before and after a row is altered.

use std::io::Write;
use std::process::{Command, Stdio};

use reqwest::Method;
use serde_json::json;
use server::audit::chain::Verifier;
use server::storage::{AuditFilter, Store};

use super::postgres::{TempDatabase, postgres_or_skip};
use super::{PASSWORD, Server};

fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_csv-analyzer")
}

/// Appends from 24 tasks at once, then checks every link and the filters.
async fn chain_holds_under_concurrent_appends(store: Store) {
    store.migrate().await.expect("migrate");
    let mut tasks = Vec::new();
    for i in 0..24 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let actor = if i % 2 == 0 { "ana" } else { "bob" };
            let action = if i % 3 == 0 {
                "login.failure"
            } else {
                "token.create"
            };
            store
                .audit()
                .append(1_000 + i, actor, action, &format!("t{i}"), "{\"n\":1}")
                .await
                .expect("append")
        }));
    }
    for task in tasks {
        task.await.expect("task");
    }
    let rows = store.audit().page(0, 100).await.expect("page");
    assert_eq!(rows.len(), 24);
    let mut verifier = Verifier::default();
    for row in &rows {
        verifier.check(row).expect("an unbroken chain");
    }
    assert_eq!(verifier.checked(), 24);
    let ana = store
        .audit()
        .list(&AuditFilter {
            actor: Some("ana".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .expect("list");
    assert_eq!(ana.len(), 12);
    assert!(ana.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    let logins = store
        .audit()
        .list(&AuditFilter {
            action: Some("login.".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .expect("list");
    assert_eq!(logins.len(), 8);
    assert_eq!(
        store
            .audit()
            .count_since("login.failure", 1_012)
            .await
            .expect("count"),
        4,
        "i = 12, 15, 18, 21"
    );
}

#[tokio::test]
async fn the_chain_holds_on_sqlite() {
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::connect(&format!("sqlite://{}", dir.path().join("a.db").display()))
        .await
        .expect("connect");
    chain_holds_under_concurrent_appends(store).await;
}

#[tokio::test]
async fn the_chain_holds_on_postgres() {
    let Some(url) = postgres_or_skip().await else {
        return;
    };
    let database = TempDatabase::create(&url).await;
    let store = Store::connect(&database.url).await.expect("connect");
    chain_holds_under_concurrent_appends(store.clone()).await;
    store.close().await;
    database.drop_now().await;
}

/// `user add --admin` from the command line (password on standard input), signing in with it,
/// audited changes, `audit verify` passing; then one row altered in the database and
/// `audit verify` failing at that row with exit code 1.
#[tokio::test]
async fn audit_verify_finds_the_altered_row() {
    let server = Server::start().await;
    let url = format!("sqlite://{}", server.db_path.display());
    let mut child = Command::new(binary())
        .args([
            "user",
            "add",
            "--admin",
            "root-admin",
            "--database-url",
            &url,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("user add");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .expect("password");
    let added = child.wait_with_output().expect("user add");
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );

    let session = server.sign_in("root-admin").await;
    let made = server
        .with_session(Method::POST, "/api/tokens", &session, true)
        .json(&json!({"name": "agent-paris", "role": "responder"}))
        .send()
        .await
        .expect("token");
    assert_eq!(made.status(), 201);
    let listed: serde_json::Value = server
        .with_session(Method::GET, "/api/audit?action=token.", &session, false)
        .send()
        .await
        .expect("audit")
        .json()
        .await
        .expect("json");
    assert_eq!(listed[0]["actor"], "root-admin");
    assert_eq!(listed[0]["target"], "agent-paris");
    assert_eq!(listed[0]["detail"]["role"], "responder");

    let verify = || {
        Command::new(binary())
            .args(["audit", "verify", "--database-url", &url])
            .output()
            .expect("audit verify")
    };
    let intact = verify();
    assert_eq!(
        intact.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&intact.stderr)
    );
    let stdout = String::from_utf8_lossy(&intact.stdout);
    assert!(stdout.starts_with("audit trail intact: 3 rows"), "{stdout}");

    // Row 2 is the sign-in: make it look like someone else's.
    let Store::Sqlite(pool) = &server.store else {
        panic!("sqlite")
    };
    sqlx::query("UPDATE audit_log SET actor = 'someone-else' WHERE id = 2")
        .execute(pool)
        .await
        .expect("tamper");
    let broken = verify();
    assert_eq!(broken.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&broken.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("broken at row 2:"), "{stderr}");
    assert!(stderr.contains("does not match its content"), "{stderr}");
}

/// Bad input on the command line: exit 2 and one line.
#[test]
fn bad_user_input_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("u.db").display());
    let mut child = Command::new(binary())
        .args([
            "user",
            "add",
            "--role",
            "viewer",
            "shorty",
            "--database-url",
            &url,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("user add");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"short\n")
        .expect("password");
    let output = child.wait_with_output().expect("run");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("at least 12 characters"), "{stderr}");

    let output = Command::new(binary())
        .args(["user", "add", "--role", "root", "x", "--database-url", &url])
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown role"));
}

/// Failed sign-ins raise RepeatedLoginFailures through the alerting engine: 9 in 5 minutes do
/// not, the 10th does, and once they age out of the window it resolves.
#[tokio::test]
async fn repeated_login_failures_raise_a_security_alert() {
    use server::alerting::engine::Engine;
    use server::alerting::state::Phase;
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::connect(&format!("sqlite://{}", dir.path().join("a.db").display()))
        .await
        .expect("connect");
    store.migrate().await.expect("migrate");
    let rules = server::alerting::rules::resolve(&[])
        .expect("rules")
        .into_iter()
        .map(|mut rule| {
            rule.enabled = rule.name == "RepeatedLoginFailures";
            rule
        })
        .collect();
    let engine = Engine::new(
        rules,
        store.clone(),
        None,
        None,
        std::time::Duration::from_secs(15),
    );
    let t0: i64 = 1_800_000_000_000;
    let phase = |engine: &Engine| {
        engine
            .alerts()
            .into_iter()
            .find(|a| a.rule == "RepeatedLoginFailures")
            .map_or(Phase::Inactive, |a| a.state.phase)
    };
    for i in 0..9 {
        store
            .audit()
            .append(t0 + i * 1_000, "mallory", "login.failure", "admin", "{}")
            .await
            .expect("append");
    }
    engine.step(t0 + 60_000).await.expect("step");
    assert_eq!(phase(&engine), Phase::Inactive, "9 failures");
    store
        .audit()
        .append(t0 + 61_000, "mallory", "login.failure", "admin", "{}")
        .await
        .expect("append");
    engine.step(t0 + 62_000).await.expect("step");
    assert_eq!(phase(&engine), Phase::Firing, "10 failures in 5 minutes");
    engine.step(t0 + 62_000 + 300_000).await.expect("step");
    assert_eq!(phase(&engine), Phase::Resolved, "the window has passed");
}
