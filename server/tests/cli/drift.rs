use super::{Files, json, run, stderr, stdout};

fn table(shift: f64, rows: usize, mix: &[&str]) -> Vec<u8> {
    let mut csv = String::from("x,segment,note\n");
    for i in 0..rows {
        let x = (i as f64 * 0.37).sin() * 10.0 + shift;
        csv.push_str(&format!("{x},{},free text {i}\n", mix[i % mix.len()]));
    }
    csv.into_bytes()
}

#[test]
fn drifted_data_trips_the_gate() {
    let reference = table(0.0, 500, &["a", "b"]);
    let current = table(5.0, 400, &["a", "a", "a", "b"]);
    let files = Files::new(&[("ref.csv", &reference), ("cur.csv", &current)]);
    let args = ["drift", &files.arg("ref.csv"), &files.arg("cur.csv")];
    let output = run(&[&args[..], &["--json", "--fail-on-drift"]].concat(), None);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report = json(&output);
    assert_eq!(report["dataset_drift"], true);
    assert_eq!(report["drifted_share"], 1.0);
    let columns = report["columns"].as_array().expect("columns");
    assert_eq!(columns.len(), 2);
    assert_eq!(columns[0]["name"], "x");
    assert_eq!(columns[0]["test"], "ks");
    assert_eq!(columns[1]["test"], "chi2");
    for key in ["statistic", "p_value", "drifted", "psi", "wasserstein"] {
        assert!(columns[0].get(key).is_some(), "{key}");
    }
    assert_eq!(report["skipped"][0]["name"], "note");
    // Without the gate, drift is reported but the run succeeds.
    let output = run(&args, None);
    assert!(output.status.success());
    assert!(stdout(&output).contains("DATASET DRIFT"));
}

#[test]
fn the_same_data_passes_the_gate() {
    let reference = table(0.0, 300, &["a", "b"]);
    let files = Files::new(&[("ref.csv", &reference)]);
    let output = run(
        &[
            "drift",
            &files.arg("ref.csv"),
            "-",
            "--fail-on-drift",
            "--json",
        ],
        Some(&reference),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let report = json(&output);
    assert_eq!(report["dataset_drift"], false);
    assert_eq!(report["columns"][0]["statistic"], 0.0);
    assert_eq!(report["columns"][0]["p_value"], 1.0);
}

#[test]
fn thresholds_are_validated() {
    let output = run(
        &["drift", "a.csv", "b.csv", "--p-value-threshold", "2"],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("between 0 and 1"));
}
