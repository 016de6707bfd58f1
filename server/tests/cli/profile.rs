use super::{Files, json, run, stderr, stdout};

const SMALL: &[u8] = b"id;price;city;when\n1;12,5;Paris;2024-01-01\n2;7,5;Lyon;2024-01-02\n3;;Paris;2024-01-03\n4;10;Paris;NA\n";

#[test]
fn profile_json_has_the_documented_shape() {
    let files = Files::new(&[("small.csv", SMALL)]);
    let output = run(&["profile", &files.arg("small.csv"), "--json"], None);
    assert!(output.status.success(), "{}", stderr(&output));
    let profile = json(&output);
    assert_eq!(profile["rows"], 4);
    assert_eq!(profile["input"]["delimiter"], ";");
    assert_eq!(profile["input"]["decimal_separator"], "comma");
    let columns = profile["columns"].as_array().expect("columns");
    let names: Vec<&str> = columns
        .iter()
        .map(|c| c["name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(names, ["id", "price", "city", "when"]);
    let price = &columns[1];
    assert_eq!(price["kind"], "float");
    assert_eq!(price["count"], 3);
    assert_eq!(price["missing"], 1);
    // (12.5 + 7.5 + 10) / 3 = 10; sample std of (12.5, 7.5, 10) = 2.5
    assert_eq!(price["mean"], 10.0);
    assert_eq!(price["std"], 2.5);
    assert_eq!(price["quantiles"]["p50"], 10.0);
    for key in ["distinct", "min", "max", "histogram", "top"] {
        assert!(price.get(key).is_some(), "{key} is present");
    }
    assert_eq!(columns[2]["kind"], "categorical");
    assert_eq!(
        columns[2]["top"][0],
        serde_json::json!({"value": "Paris", "count": 3})
    );
    assert_eq!(columns[3]["kind"], "datetime");
    assert_eq!(columns[3]["mean"], serde_json::Value::Null);
}

#[test]
fn standard_input_is_read_with_a_dash() {
    let output = run(&["profile", "-", "--json"], Some(SMALL));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(json(&output)["rows"], 4);
}

#[test]
fn the_default_output_is_a_readable_table() {
    let output = run(&["profile", "-"], Some(SMALL));
    assert!(output.status.success());
    let text = stdout(&output);
    assert!(text.starts_with("4 rows × 4 columns"), "{text}");
    assert!(
        text.contains("categorical") && text.contains("Paris (3)"),
        "{text}"
    );
}

#[test]
fn empty_and_header_only_files_give_empty_profiles() {
    let output = run(&["profile", "-", "--json"], Some(b""));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(json(&output)["rows"], 0);
    assert_eq!(json(&output)["columns"], serde_json::json!([]));
    let output = run(&["profile", "-", "--json"], Some(b"a,b\n"));
    assert!(output.status.success());
    let profile = json(&output);
    assert_eq!(profile["rows"], 0);
    assert_eq!(profile["columns"][1]["count"], 0);
    assert_eq!(profile["columns"][1]["mean"], serde_json::Value::Null);
}

#[test]
fn a_closed_pipe_ends_the_run_quietly() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    // Wide enough that the JSON does not fit in the pipe buffer.
    let mut csv = (0..400)
        .map(|i| format!("c{i}"))
        .collect::<Vec<_>>()
        .join(",");
    csv.push('\n');
    for r in 0..20 {
        csv.push_str(
            &(0..400)
                .map(|i| (i * r).to_string())
                .collect::<Vec<_>>()
                .join(","),
        );
        csv.push('\n');
    }
    let files = Files::new(&[("wide.csv", csv.as_bytes())]);
    let mut child = super::binary()
        .args(["profile", &files.arg("wide.csv"), "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("one line");
    // stdout is dropped here, like `| head -1`.
    let output = child.wait_with_output().expect("finishes");
    assert_eq!(first.trim(), "{");
    assert!(output.status.success(), "status {:?}", output.status);
    assert_eq!(stderr(&output), "", "no panic message");
}
