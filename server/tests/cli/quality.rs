use super::{Files, json, run, stderr, stdout};

// y_true = [a a a b b c], y_pred = [a a b b c c]: accuracy 4/6, per-class F1 0.8, 0.5, 2/3
// (scikit-learn: f1_score(average=None)).
const PREDICTIONS: &[u8] = b"label,prediction\na,a\na,a\na,b\nb,b\nb,c\nc,c\n";

#[test]
fn quality_json_has_the_documented_shape() {
    let output = run(
        &[
            "quality",
            "-",
            "--label",
            "label",
            "--prediction",
            "prediction",
            "--json",
        ],
        Some(PREDICTIONS),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let report = json(&output);
    assert_eq!(report["rows"], 6);
    let accuracy = report["accuracy"].as_f64().expect("accuracy");
    assert!((accuracy - 4.0 / 6.0).abs() < 1e-12);
    let f1_macro = report["f1_macro"].as_f64().expect("f1_macro");
    assert!((f1_macro - (0.8 + 0.5 + 2.0 / 3.0) / 3.0).abs() < 1e-12);
    assert!(report["f1_weighted"].is_f64());
    assert_eq!(report["classes"][0]["label"], "a");
    assert_eq!(report["classes"][0]["support"], 3);
    assert_eq!(
        report["confusion_matrix"],
        serde_json::json!({"labels": ["a", "b", "c"], "matrix": [[2, 1, 0], [0, 1, 1], [0, 0, 1]]})
    );
}

#[test]
fn a_worse_model_than_its_baseline_is_flagged() {
    let baseline = b"label,prediction\na,a\na,a\na,a\nb,b\nb,b\nc,c\n";
    let files = Files::new(&[
        ("current.csv", PREDICTIONS),
        ("baseline.csv", baseline),
        ("baseline.json", br#"{"accuracy": 0.70, "f1_macro": 0.68}"#),
    ]);
    let common = ["quality", "--label", "label", "--prediction", "prediction"];
    let file = files.arg("current.csv");
    let (baseline_csv, baseline_json) = (files.arg("baseline.csv"), files.arg("baseline.json"));
    let with_csv = [&common[..], &[&file, "--baseline", &baseline_csv]].concat();
    let output = run(&[&with_csv[..], &["--json"]].concat(), None);
    assert!(output.status.success(), "{}", stderr(&output));
    let baseline = &json(&output)["baseline"];
    assert_eq!(baseline["accuracy"], 1.0);
    assert_eq!(baseline["degraded"], true);
    let output = run(&[&with_csv[..], &["--fail-on-degradation"]].concat(), None);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("DEGRADED"));
    // Stored numbers within 10%: accuracy 0.667 vs 0.70 is a 4.8% drop.
    let with_json = [&common[..], &[&file, "--baseline", &baseline_json]].concat();
    let output = run(
        &[&with_json[..], &["--json", "--fail-on-degradation"]].concat(),
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(json(&output)["baseline"]["degraded"], false);
}

#[test]
fn numeric_labels_get_regression_metrics() {
    // sklearn: y=[3, -0.5, 2, 7], p=[2.5, 0, 2, 8] → MAE 0.5, R² 0.9486081370449679
    let csv = b"y,p\n3,2.5\n-0.5,0\n2,2\n7,8\n";
    let output = run(
        &[
            "quality",
            "-",
            "--label",
            "y",
            "--prediction",
            "p",
            "--json",
        ],
        Some(csv),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let regression = &json(&output)["regression"];
    assert_eq!(regression["mae"], 0.5);
    assert!((regression["r2"].as_f64().unwrap_or(0.0) - 0.948_608_137_044_967_9).abs() < 1e-12);
}
