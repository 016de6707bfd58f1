//! `csv-analyzer probe-agent` as users run it, against `csv-analyzer serve` as users run it:
//! bad arguments exit 2 with one line; an agent that loses the server keeps running and spools,
//! survives its own restart, and once a server answers again on the same port with the same
//! database, every result it made is stored exactly once, with its location.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::{Files, binary, run, stderr, stdout};

const SECRET: &str = "Bearer agent-header-secret-577";

fn one_error_line(args: &[&str], contains: &str) {
    let output = run(args, None);
    assert_eq!(output.status.code(), Some(2), "exit 2: {}", stderr(&output));
    let text = stderr(&output);
    assert_eq!(text.lines().count(), 1, "one stderr line: {text}");
    assert!(text.contains(contains), "{contains:?} in {text}");
    assert!(stdout(&output).is_empty());
}

#[test]
fn bad_arguments_exit_2_with_one_line() {
    let base = ["probe-agent", "--token", "csva_x"];
    let with = |more: &[&'static str]| {
        let mut all: Vec<&str> = base.to_vec();
        all.extend_from_slice(more);
        all
    };
    one_error_line(
        &with(&["--server", "ftp://h", "--location", "eu"]),
        "--server",
    );
    one_error_line(
        &with(&["--server", "not a url", "--location", "eu"]),
        "--server",
    );
    one_error_line(
        &with(&["--server", "http://h", "--location", "local"]),
        "`local`",
    );
    one_error_line(
        &with(&["--server", "http://h", "--location", "a b"]),
        "--location",
    );
    one_error_line(
        &with(&[
            "--server",
            "http://h",
            "--location",
            "eu",
            "--refresh-seconds",
            "0",
        ]),
        "--refresh-seconds",
    );
    let missing = run(&["probe-agent", "--server", "http://h"], None);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("--location"),
        "{}",
        stderr(&missing)
    );
}

struct Process {
    child: Child,
}

impl Process {
    fn alive(&mut self) -> bool {
        self.child.try_wait().expect("status").is_none()
    }

    /// SIGTERM, then whether it exited 0, and its stderr.
    fn stop(mut self) -> (bool, String) {
        let pid = self.child.id().to_string();
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status();
        let mut text = String::new();
        if let Some(mut err) = self.child.stderr.take() {
            let _ = err.read_to_string(&mut text);
        }
        (self.child.wait().expect("exit").success(), text)
    }
}

fn serve(data: &Path, dist: &Path, config: &Path, addr: &str) -> (Process, String) {
    let mut child = binary()
        .args(["serve", "--addr", addr, "--log-format", "json"])
        .arg("--data-dir")
        .arg(data)
        .arg("--dist-dir")
        .arg(dist)
        .arg("--config")
        .arg(config)
        .env("CSV_ANALYZER_LOG", "warn")
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
    (Process { child }, base)
}

fn agent(base: &str, token: &str, spool: &Path) -> Process {
    let child = binary()
        .args(["probe-agent", "--server", base, "--location", "eu-west"])
        .args(["--refresh-seconds", "1", "--max-backoff-seconds", "1"])
        .args(["--log-format", "json", "--spool-dir"])
        .arg(spool)
        .env("CSV_ANALYZER_AGENT_TOKEN", token)
        .env("CSV_ANALYZER_LOG", "info,server::probes::agent=debug")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the agent starts");
    Process { child }
}

fn spooled(spool: &Path) -> Vec<String> {
    std::fs::read_to_string(spool.join("results.jsonl"))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("a spool line");
            v["id"].as_str().expect("an id").to_string()
        })
        .collect()
}

/// The ids of the results an agent spooled, from its `result spooled` log lines.
fn spooled_ids(logs: &str) -> Vec<String> {
    logs.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["fields"]["message"] == "result spooled" || v["message"] == "result spooled")
        .map(|v| {
            v["fields"]["id"]
                .as_str()
                .or_else(|| v["id"].as_str())
                .expect("an id")
                .to_string()
        })
        .collect()
}

fn wait_for(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let until = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < until, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `(result_id, location, success)` of the stored results of probe `edge`.
fn stored(db: &Path) -> Vec<(Option<String>, String, i64)> {
    let url = format!("sqlite://{}?mode=ro", db.display());
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(async {
            use sqlx::Connection;
            let mut conn = sqlx::SqliteConnection::connect(&url)
                .await
                .expect("the database");
            let rows: Vec<(Option<String>, String, i64)> = sqlx::query_as(
                "SELECT result_id, location, success FROM probe_results WHERE probe = 'edge' \
                 ORDER BY started_ms",
            )
            .fetch_all(&mut conn)
            .await
            .expect("rows");
            let _ = conn.close().await;
            rows
        })
}

#[test]
fn an_agent_delivers_every_result_once_across_outages_and_restarts() {
    // The target: 200 only with the probe's secret header (so the agent got it unredacted).
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let target = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("port");
        let addr = listener.local_addr().expect("addr");
        let app = axum::Router::new().fallback(move |headers: axum::http::HeaderMap| {
            let counted = counted.clone();
            async move {
                counted.fetch_add(1, Ordering::SeqCst);
                let ok = headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(SECRET);
                if ok {
                    axum::http::StatusCode::OK
                } else {
                    axum::http::StatusCode::UNAUTHORIZED
                }
            }
        });
        tokio::spawn(async move { axum::serve(listener, app).await });
        addr
    });
    let files = Files::new(&[
        ("index.html", b"<!doctype html><title>CSV Analyzer</title>"),
        (
            "probes.toml",
            format!(
                "[[probes]]\nname = \"edge\"\nkind = \"http\"\ninterval_seconds = 1\ntimeout_ms = 900\n\
                 locations = [\"eu-west\"]\n[probes.http]\nurl = \"http://{target}/health\"\n\
                 headers = {{ Authorization = \"{SECRET}\" }}\n"
            )
            .as_bytes(),
        ),
    ]);
    let data = tempfile::tempdir().expect("data");
    let spool: PathBuf = data.path().join("spool");
    let created = run(
        &[
            "token",
            "create",
            "--name",
            "agent-eu",
            "--data-dir",
            data.path().to_str().expect("utf-8"),
        ],
        None,
    );
    assert!(created.status.success(), "{}", stderr(&created));
    let token = stdout(&created).trim().to_string();
    let config = PathBuf::from(files.arg("probes.toml"));
    let dist = files.dir().to_path_buf();
    let db = data.path().join("csv-analyzer.db");

    // 1. Server and agent up: results arrive.
    let (server, base) = serve(data.path(), &dist, &config, "127.0.0.1:0");
    let addr = base.trim_start_matches("http://").to_string();
    let mut first = agent(&base, &token, &spool);
    wait_for("results from the agent", Duration::from_secs(20), || {
        stored(&db).len() >= 2
    });

    // 2. The server goes away: the agent keeps running and spools.
    let (clean, server_logs) = server.stop();
    assert!(clean, "{server_logs}");
    wait_for("a spooled backlog", Duration::from_secs(10), || {
        spooled(&spool).len() >= 2
    });
    assert!(first.alive(), "the agent keeps running without its server");

    // 3. The agent restarts while the server is still away: the spool is kept and read again.
    let (clean, first_logs) = first.stop();
    assert!(clean, "{first_logs}");
    assert!(
        first_logs.contains("the server is unreachable"),
        "{first_logs}"
    );
    assert!(!first_logs.contains(&token), "the token is never logged");
    let backlog = spooled(&spool);
    assert!(backlog.len() >= 2, "{backlog:?}");
    let mut second = agent(&base, &token, &spool);
    std::thread::sleep(Duration::from_secs(2));
    assert!(second.alive());

    // 4. A server answers again on the same port with the same database: the backlog drains.
    let (server, again) = serve(data.path(), &dist, &config, &addr);
    assert_eq!(again, base, "the same port");
    wait_for("the spool to drain", Duration::from_secs(30), || {
        let ids: Vec<Option<String>> = stored(&db).into_iter().map(|r| r.0).collect();
        backlog.iter().all(|id| ids.contains(&Some(id.clone())))
    });
    std::thread::sleep(Duration::from_millis(1500));
    let (clean, second_logs) = second.stop();
    assert!(clean, "{second_logs}");
    assert!(
        second_logs.contains("the backlog has drained"),
        "{second_logs}"
    );
    let (clean, server_logs) = server.stop();
    assert!(clean, "{server_logs}");

    // Every result the agents made is stored once, or still in the spool (made after the last
    // push), never both and never twice; all with the agent's location, all successful.
    let mut made = spooled_ids(&first_logs);
    made.extend(spooled_ids(&second_logs));
    let rows = stored(&db);
    let left = spooled(&spool);
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (id, location, success) in &rows {
        let id = id.clone().expect("an agent result has its id");
        assert_eq!(location, "eu-west");
        assert_eq!(*success, 1, "the secret header reached the target");
        *seen.entry(id).or_default() += 1;
    }
    for id in &left {
        *seen.entry(id.clone()).or_default() += 1;
    }
    assert!(seen.values().all(|&n| n == 1), "stored once: {seen:?}");
    let mut made_sorted = made.clone();
    made_sorted.sort();
    made_sorted.dedup();
    assert_eq!(made_sorted.len(), made.len(), "ids are unique");
    let all: Vec<String> = seen.keys().cloned().collect();
    assert_eq!(all, made_sorted, "nothing lost, nothing invented");
    assert!(rows.len() >= 4, "{} results", rows.len());
    assert!(hits.load(Ordering::SeqCst) >= rows.len());
    drop(runtime);
}
