use super::{Files, run, stderr};

fn assert_bad_input(output: &std::process::Output, needle: &str) {
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(output));
    let message = stderr(output);
    assert!(message.contains(needle), "{message:?} mentions {needle:?}");
    assert!(!message.contains("panicked"), "{message}");
}

#[test]
fn a_missing_file_is_bad_input_with_one_line() {
    let output = run(&["profile", "/no/such/file.csv"], None);
    assert_bad_input(&output, "no such file");
    assert_eq!(stderr(&output).lines().count(), 1);
}

#[test]
fn a_binary_file_is_refused() {
    let mut bytes = b"PK\x03\x04".to_vec();
    bytes.extend([0u8; 100]);
    let files = Files::new(&[("archive.csv", &bytes)]);
    let output = run(&["profile", &files.arg("archive.csv")], None);
    assert_bad_input(&output, "not a CSV file");
}

#[test]
fn a_directory_is_refused() {
    let files = Files::new(&[]);
    let output = run(&["profile", &files.dir().display().to_string()], None);
    assert_bad_input(&output, "is a directory");
}

#[test]
fn an_unknown_subcommand_or_flag_is_a_usage_error() {
    assert_bad_input(&run(&["frobnicate"], None), "unrecognized subcommand");
    assert_bad_input(
        &run(&["profile", "-", "--bogus"], None),
        "unexpected argument",
    );
    assert_bad_input(
        &run(&["profile", "-", "--delimiter", "ab"], None),
        "single ASCII",
    );
}

#[test]
fn an_unknown_column_is_named() {
    let output = run(
        &["quality", "-", "--label", "y", "--prediction", "nope"],
        Some(b"y,p\n1,1\n"),
    );
    assert_bad_input(&output, "no column named \"nope\"");
}

#[test]
fn help_and_version_succeed() {
    assert!(run(&["--help"], None).status.success());
    assert!(run(&["--version"], None).status.success());
}
