//! `csv-analyzer token …` and probes in the configuration file, as users run them: the token
//! printed once, bad input as exit 2 with one stderr line, a revoked token refused by the
//! running server, probe definitions checked at start-up, secrets absent from logs and output.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Stdio};

use super::{Files, binary, run, stderr, stdout};

const HEADER_SECRET: &str = "hdr-secret-314";
const URL_PASSWORD: &str = "url-secret-271";

fn token(data: &str, args: &[&str]) -> std::process::Output {
    let mut all = vec!["token"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--data-dir", data]);
    run(&all, None)
}

fn one_error_line(output: &std::process::Output, contains: &str) {
    assert_eq!(output.status.code(), Some(2), "exit 2: {}", stderr(output));
    let text = stderr(output);
    assert_eq!(text.lines().count(), 1, "one stderr line: {text}");
    assert!(text.starts_with("csv-analyzer: "), "{text}");
    assert!(text.contains(contains), "{contains:?} in {text}");
    assert!(stdout(output).is_empty());
}

#[test]
fn tokens_are_created_listed_and_revoked() {
    let data = tempfile::tempdir().expect("data");
    let dir = data.path().to_str().expect("utf-8");
    let created = token(dir, &["create", "--name", "ci"]);
    assert!(created.status.success(), "{}", stderr(&created));
    let printed = stdout(&created);
    let token_text = printed.trim();
    assert_eq!(printed.lines().count(), 1);
    assert!(
        token_text.starts_with("csva_") && token_text.len() == 48,
        "{token_text}"
    );
    assert!(stderr(&created).contains("not shown again"));

    one_error_line(&token(dir, &["create", "--name", "ci"]), "exists already");
    one_error_line(&token(dir, &["create", "--name", "bad name"]), "token name");
    one_error_line(
        &token(dir, &["revoke", "nobody"]),
        "no active token named `nobody`",
    );

    let listed = token(dir, &["list", "--json"]);
    assert!(listed.status.success());
    let rows: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("JSON");
    assert_eq!(rows[0]["name"], "ci");
    assert_eq!(rows[0]["revoked_at"], serde_json::Value::Null);
    assert!(
        !stdout(&listed).contains(token_text),
        "never the token again"
    );
    let table = token(dir, &["list"]);
    assert!(stdout(&table).contains("ci"));

    assert!(token(dir, &["revoke", "ci"]).status.success());
    one_error_line(&token(dir, &["revoke", "ci"]), "no active token");
    let rows: serde_json::Value =
        serde_json::from_slice(&token(dir, &["list", "--json"]).stdout).expect("JSON");
    assert!(rows[0]["revoked_at"].is_string());
}

#[test]
fn config_probes_are_checked_and_shown_without_secrets() {
    let files = Files::new(&[
        (
            "bad.toml",
            b"[[probes]]\nname = \"app\"\nkind = \"http\"\ntimeout_ms = 90000\n[probes.http]\nurl = \"http://127.0.0.1:9/\"\n",
        ),
        (
            "twice.toml",
            b"[[probes]]\nname = \"db\"\nkind = \"tcp\"\ntcp = { address = \"127.0.0.1:5432\" }\n\n[[probes]]\nname = \"db\"\nkind = \"dns\"\ndns = { name = \"localhost\" }\n",
        ),
        (
            "unknown.toml",
            b"[[probes]]\nname = \"db\"\nkind = \"smtp\"\n",
        ),
        (
            "good.toml",
            format!(
                "[[probes]]\nname = \"app\"\nkind = \"http\"\n[probes.http]\nurl = \"https://u:{URL_PASSWORD}@example.org/\"\nheaders = {{ X-Key = \"{HEADER_SECRET}\" }}\n"
            )
            .as_bytes(),
        ),
    ]);
    let check = run(&["config", "check", &files.arg("bad.toml")], None);
    one_error_line(
        &check,
        "bad.toml:2: `probes` probe `app`: timeout_ms (90000) must not exceed the interval (60 s)",
    );
    one_error_line(
        &run(&["config", "check", &files.arg("twice.toml")], None),
        "probe `db`: the name is used twice",
    );
    let unknown = run(&["config", "check", &files.arg("unknown.toml")], None);
    one_error_line(&unknown, "unknown.toml:3");
    let good = run(&["config", "check", &files.arg("good.toml")], None);
    assert!(good.status.success(), "{}", stderr(&good));

    let shown = run(
        &["config", "show", "--config", &files.arg("good.toml")],
        None,
    );
    assert!(shown.status.success(), "{}", stderr(&shown));
    let text = stdout(&shown);
    assert!(
        text.contains("[[probes]]") && text.contains("https://u:***@example.org/"),
        "{text}"
    );
    assert!(
        !text.contains(HEADER_SECRET) && !text.contains(URL_PASSWORD),
        "{text}"
    );
}

struct Served {
    child: Child,
    base: String,
}

fn serve(data: &str, config: &str, dist: &str) -> Served {
    let mut child = binary()
        .args(["serve", "--addr", "127.0.0.1:0", "--log-format", "json"])
        .args(["--data-dir", data, "--config", config, "--dist-dir", dist])
        .env("CSV_ANALYZER_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the server starts");
    let mut first = String::new();
    BufReader::new(child.stdout.as_mut().expect("stdout"))
        .read_line(&mut first)
        .expect("the first stdout line");
    let base = first
        .trim()
        .strip_prefix("csv-analyzer listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_string();
    Served { child, base }
}

/// SIGTERM, then the exit status and stderr.
fn stop(mut served: Served) -> (bool, String) {
    let pid = served.child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill")
            .success()
    );
    let mut text = String::new();
    served
        .child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut text)
        .expect("stderr");
    (served.child.wait().expect("exit").success(), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_served_probe_logs_no_secret_and_a_revoked_token_is_refused() {
    // A target that always fails, so the failure is logged.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let target = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let app = axum::Router::new()
            .fallback(|| async { (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "down") });
        let _ = axum::serve(listener, app).await;
    });
    let files = Files::new(&[
        ("index.html", b"<!doctype html><title>CSV Analyzer</title>"),
        (
            "probes.toml",
            format!(
                "[[probes]]\nname = \"failing\"\nkind = \"http\"\ninterval_seconds = 1\ntimeout_ms = 900\n\
                 [probes.http]\nurl = \"http://probe:{URL_PASSWORD}@{target}/x?password={URL_PASSWORD}\"\n\
                 headers = {{ Authorization = \"Bearer {HEADER_SECRET}\" }}\nbody = \"{HEADER_SECRET}\"\n"
            )
            .as_bytes(),
        ),
    ]);
    let data = tempfile::tempdir().expect("data");
    let dir = data.path().to_str().expect("utf-8").to_string();
    let created = token(&dir, &["create", "--name", "deploy"]);
    let secret_token = stdout(&created).trim().to_string();
    let (config, dist) = (files.arg("probes.toml"), files.dir().display().to_string());
    let served = tokio::task::spawn_blocking(move || serve(&dir, &config, &dist))
        .await
        .expect("started");

    let client = reqwest::Client::new();
    let post = |token: String| {
        client
            .post(format!("{}/api/probes", served.base))
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(r#"{"name": "local-dns", "kind": "dns", "dns": {"name": "localhost"}}"#)
            .send()
    };
    assert_eq!(
        post(secret_token.clone()).await.expect("answer").status(),
        201
    );
    let dir = data.path().to_str().expect("utf-8").to_string();
    let revoked = tokio::task::spawn_blocking(move || token(&dir, &["revoke", "deploy"]))
        .await
        .expect("ran");
    assert!(revoked.status.success());
    let refused = post(secret_token.clone()).await.expect("answer");
    assert_eq!(
        refused.status(),
        401,
        "the running server sees the revocation"
    );

    // Wait for the failing probe's runs to be logged.
    let mut failed = false;
    for _ in 0..50 {
        let probe: serde_json::Value = client
            .get(format!("{}/api/probes/failing", served.base))
            .send()
            .await
            .expect("answer")
            .json()
            .await
            .expect("JSON");
        if probe["state"] == "down" {
            assert_eq!(probe["latest"][0]["failure"], "status 500, expected 2xx");
            failed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(failed, "the failing probe ran");
    let (clean, logs) = tokio::task::spawn_blocking(move || stop(served))
        .await
        .expect("stopped");
    assert!(clean, "{logs}");
    assert!(
        logs.lines()
            .any(|l| l.contains("probe failed") && l.contains("\"probe\":\"failing\"")),
        "{logs}"
    );
    for secret in [HEADER_SECRET, URL_PASSWORD, secret_token.as_str()] {
        assert!(!logs.contains(secret), "{secret} logged:\n{logs}");
    }
}
