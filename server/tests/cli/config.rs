use super::{Files, run, stderr, stdout};

#[test]
fn the_documented_example_checks_out() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/config.example.toml");
    let output = run(&["config", "check", example], None);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).ends_with(": OK\n"));
}

#[test]
fn a_bad_key_is_named_with_its_line() {
    let files = Files::new(&[(
        "bad.toml",
        b"addr = \"127.0.0.1:9\"\n\n[retention]\nbatch_size = 0\n",
    )]);
    let output = run(&["config", "check", &files.arg("bad.toml")], None);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("bad.toml:4: `retention.batch_size` must be greater than 0"),
        "{message}"
    );
    assert_eq!(message.lines().count(), 1);
}

#[test]
fn show_prints_the_environment_override_with_the_password_hidden() {
    let output = super::binary()
        .args(["config", "show"])
        .env(
            "CSV_ANALYZER_DATABASE_URL",
            "postgres://app:hunter2@db:5432/x",
        )
        .env("CSV_ANALYZER_LIMITS__CONCURRENCY", "7")
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("postgres://app:***@db:5432/x"), "{text}");
    assert!(!text.contains("hunter2"));
    assert!(text.contains("concurrency = 7"), "{text}");
}

#[test]
fn a_bad_environment_value_is_named() {
    let output = super::binary()
        .args(["config", "show"])
        .env("CSV_ANALYZER_LIMITS__CONCURRENCY", "lots")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("CSV_ANALYZER_LIMITS__CONCURRENCY"),
        "{}",
        stderr(&output)
    );
}
