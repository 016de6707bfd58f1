//! Pieces shared by the oracle tests (`oracle_profile.rs`, `oracle_drift.rs`,
//! `oracle_quality.rs`): the mismatch collector [`Check`] and small fixture / JSON helpers.
//! Each test file keeps its own tolerances and passes them in.

// Each test binary compiles this module on its own and uses only a subset of it.
#![allow(dead_code)]

use std::fmt::Debug;
use std::path::PathBuf;

use serde_json::Value;

/// Floating-point tolerance: `rel` relative to the larger magnitude, or `abs_floor` absolute
/// (for values that are 0 up to rounding).
#[derive(Clone, Copy, Debug)]
pub struct Tolerance {
    pub rel: f64,
    pub abs_floor: f64,
}

/// Collects every mismatch so one run reports all of them.
pub struct Check {
    subject: String,
    oracle: &'static str,
    tolerance: Tolerance,
    failures: Vec<String>,
}

impl Check {
    /// A check of `subject` against "the oracle", `close` within `tolerance`.
    pub fn new(subject: &str, tolerance: Tolerance) -> Self {
        Self {
            subject: subject.to_string(),
            oracle: "the oracle",
            tolerance,
            failures: Vec::new(),
        }
    }

    /// Names the oracle in the final report (default "the oracle").
    pub fn against(mut self, oracle: &'static str) -> Self {
        self.oracle = oracle;
        self
    }

    /// Records a mismatch described by the caller.
    pub fn fail(&mut self, message: String) {
        self.failures.push(message);
    }

    pub fn eq<T: PartialEq + Debug>(&mut self, what: &str, actual: T, expected: T) {
        if actual != expected {
            self.fail(format!("{what}: engine {actual:?}, oracle {expected:?}"));
        }
    }

    pub fn close_with(&mut self, what: &str, actual: f64, expected: f64, rel: f64, floor: f64) {
        let diff = (actual - expected).abs();
        if !(diff <= rel * actual.abs().max(expected.abs()) || diff <= floor) {
            self.fail(format!(
                "{what}: engine {actual:?}, oracle {expected:?} (relative error {:.3e})",
                diff / expected.abs().max(f64::MIN_POSITIVE)
            ));
        }
    }

    /// `close_with` at the check's own tolerance.
    pub fn close(&mut self, what: &str, actual: f64, expected: f64) {
        let Tolerance { rel, abs_floor } = self.tolerance;
        self.close_with(what, actual, expected, rel, abs_floor);
    }

    /// Both present and close, or both absent (`null` in the oracle).
    pub fn opt_close(&mut self, what: &str, actual: Option<f64>, expected: &Value) {
        match (actual, expected.as_f64()) {
            (Some(a), Some(e)) => self.close(what, a, e),
            (None, None) => {}
            (a, _) => self.fail(format!("{what}: engine {a:?}, oracle {expected}")),
        }
    }

    /// Panics with every mismatch collected, if any.
    pub fn finish(self) {
        if !self.failures.is_empty() {
            panic!(
                "{}: {} mismatch(es) between the engine and {}:\n  - {}",
                self.subject,
                self.failures.len(),
                self.oracle,
                self.failures.join("\n  - ")
            );
        }
    }
}

/// `tests/fixtures/oracle/<name>`.
pub fn fixture_dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/oracle")
        .join(name)
}

/// `tests/fixtures/oracle/<name>/expected.json`, parsed.
pub fn load_expected(name: &str) -> Value {
    let path = fixture_dir(name).join("expected.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run make_fixtures.py)", path.display()));
    serde_json::from_str(&text).expect("expected.json is JSON")
}

/// The JSON spelling of a serializable value, without quotes for a string (`null` for none).
pub fn json_str<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value).expect("serializable") {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

/// A JSON array of strings.
pub fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|s| s.as_str().expect("string").to_string())
        .collect()
}

/// A JSON count.
pub fn u64_of(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}
