//! The two-sample Kolmogorov–Smirnov test and its distributions against
//! SciPy oracle fixtures (`tests/fixtures/ks/*.json`, produced by
//! `tests/fixtures/ks/make_ks_fixtures.py`), plus property tests.
//!
//! Agreement criterion: relative error ≤ 1e-6 with an absolute floor of
//! 1e-300; where SciPy's p-value underflows to 0 ours must be < 1e-100.
//! Run with `cargo test -p shared --test ks_scipy --release -- --nocapture`
//! to see the worst relative error per branch.

use std::collections::BTreeMap;
use std::path::PathBuf;

use proptest::prelude::*;
use serde::Deserialize;
use shared::drift::ks::{
    KsMethod, KsResult, ks_2samp_asymptotic_p, ks_2samp_sorted, kstwo_sf, smirnov_sf,
};

const REL_TOL: f64 = 1e-6;
const ABS_FLOOR: f64 = 1e-300;
const UNDERFLOW_BOUND: f64 = 1e-100;

#[derive(Debug, Deserialize)]
struct Meta {
    scipy: String,
    numpy: String,
}

#[derive(Debug, Deserialize)]
struct File<C> {
    meta: Meta,
    cases: Vec<C>,
}

#[derive(Debug, Deserialize)]
struct SmallCase {
    name: String,
    a: Vec<f64>,
    b: Vec<f64>,
    statistic: f64,
    pvalue: f64,
    method: KsMethod,
    exact_fallback: bool,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Recipe {
    Uniform {
        n: usize,
        seed: u64,
        loc: f64,
        scale: f64,
        quant: u64,
    },
    Arith {
        n: usize,
        start: f64,
        step: f64,
    },
}

#[derive(Debug, Deserialize)]
struct LargeCase {
    name: String,
    a: Recipe,
    b: Recipe,
    statistic: f64,
    pvalue: f64,
    method: KsMethod,
    exact_fallback: bool,
}

impl SmallCase {
    fn expected(&self) -> Expected {
        Expected {
            statistic: self.statistic,
            pvalue: self.pvalue,
            method: self.method,
            exact_fallback: self.exact_fallback,
        }
    }
}

impl LargeCase {
    fn expected(&self) -> Expected {
        Expected {
            statistic: self.statistic,
            pvalue: self.pvalue,
            method: self.method,
            exact_fallback: self.exact_fallback,
        }
    }
}

#[derive(Debug, Deserialize)]
struct DistCase {
    n: u64,
    d: f64,
    d_bits: u64,
    sf: f64,
    branch: String,
}

fn load<C: for<'de> Deserialize<'de>>(name: &str) -> File<C> {
    // `KS_FIXTURE_DIR` lets ad-hoc, larger fixture sets be checked without
    // touching the committed ones.
    let dir: PathBuf = std::env::var_os("KS_FIXTURE_DIR").map_or_else(
        || {
            [env!("CARGO_MANIFEST_DIR"), "tests", "fixtures", "ks"]
                .iter()
                .collect()
        },
        PathBuf::from,
    );
    let path = dir.join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let file: File<C> = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("cannot parse {}: {e}", path.display()));
    assert!(
        file.meta.scipy.starts_with("1.17"),
        "fixtures from scipy {}",
        file.meta.scipy
    );
    assert!(!file.meta.numpy.is_empty());
    file
}

/// SplitMix64 finaliser (Steele, Lea & Flood 2014), as in the fixture script.
fn splitmix64(seed: u64, i: u64) -> u64 {
    let mut z = seed.wrapping_add((i + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn regenerate(r: &Recipe) -> Vec<f64> {
    let mut v: Vec<f64> = match *r {
        Recipe::Uniform {
            n,
            seed,
            loc,
            scale,
            quant,
        } => (0..n as u64)
            .map(|i| {
                let mut u = (splitmix64(seed, i) >> 11) as f64 * 2f64.powi(-53);
                if quant > 0 {
                    u = (u * quant as f64).floor() / quant as f64;
                }
                loc + scale * u
            })
            .collect(),
        Recipe::Arith { n, start, step } => (0..n).map(|i| start + step * i as f64).collect(),
    };
    v.sort_by(f64::total_cmp);
    v
}

/// Relative error of `got` against `want` under the agreement criterion, or
/// `None` if they disagree.
fn agreement(got: f64, want: f64) -> Option<f64> {
    if got.is_nan() {
        return None;
    }
    if want == 0.0 {
        return (got < UNDERFLOW_BOUND).then_some(0.0);
    }
    let err = (got - want).abs();
    let rel = err / want.abs();
    (err <= (REL_TOL * want.abs()).max(ABS_FLOOR)).then_some(if err <= ABS_FLOOR {
        0.0
    } else {
        rel
    })
}

#[derive(Default)]
struct Report {
    worst: BTreeMap<String, (f64, String)>,
    failures: Vec<String>,
    checked: usize,
}

impl Report {
    fn check(&mut self, branch: &str, label: &str, got: f64, want: f64) {
        self.checked += 1;
        match agreement(got, want) {
            Some(rel) => {
                let e = self
                    .worst
                    .entry(branch.to_string())
                    .or_insert((0.0, String::new()));
                if rel >= e.0 {
                    *e = (rel, label.to_string());
                }
            }
            None => self.failures.push(format!(
                "[{branch}] {label}: got {got:e}, scipy {want:e} (rel {:e})",
                ((got - want) / want).abs()
            )),
        }
    }

    fn fail(&mut self, msg: String) {
        self.failures.push(msg);
    }

    fn finish(self, what: &str) {
        println!("{what}: {} comparisons", self.checked);
        for (branch, (rel, label)) in &self.worst {
            println!("  worst rel err {rel:9.3e}  [{branch}]  {label}");
        }
        assert!(
            self.failures.is_empty(),
            "{what}: {} disagreement(s) with scipy:\n{}",
            self.failures.len(),
            self.failures.join("\n")
        );
    }
}

fn method_name(m: KsMethod) -> &'static str {
    match m {
        KsMethod::Exact => "exact",
        KsMethod::Asymptotic => "asymptotic",
    }
}

fn two_sample_branch(n1: usize, n2: usize, method: KsMethod, fallback: bool) -> String {
    let kind = match method {
        KsMethod::Exact if n1 == n2 => "exact_square",
        KsMethod::Exact => "exact_band",
        KsMethod::Asymptotic if fallback => "exact_fallback_asymptotic",
        KsMethod::Asymptotic => "asymptotic",
    };
    kind.to_string()
}

/// SciPy's answer for one two-sample case.
struct Expected {
    statistic: f64,
    pvalue: f64,
    method: KsMethod,
    exact_fallback: bool,
}

fn check_two_sample(report: &mut Report, name: &str, a: &[f64], b: &[f64], want: &Expected) {
    let r: KsResult = ks_2samp_sorted(a, b);
    let branch = two_sample_branch(a.len(), b.len(), want.method, want.exact_fallback);
    let label = format!(
        "{name} (n1={}, n2={}, D={:.6e})",
        a.len(),
        b.len(),
        want.statistic
    );
    if r.method != want.method {
        report.fail(format!(
            "{label}: method {} but scipy used {}",
            method_name(r.method),
            method_name(want.method)
        ));
    }
    report.check(
        &format!("{branch}/statistic"),
        &label,
        r.statistic,
        want.statistic,
    );
    report.check(&format!("{branch}/pvalue"), &label, r.p_value, want.pvalue);
    // Symmetry: ks(a, b) == ks(b, a) exactly.
    let s = ks_2samp_sorted(b, a);
    if s != r {
        report.fail(format!("{label}: not symmetric: {r:?} vs {s:?}"));
    }
}

#[test]
fn small_two_sample_cases_match_scipy() {
    let file: File<SmallCase> = load("ks_small.json");
    let mut report = Report::default();
    for c in &file.cases {
        check_two_sample(&mut report, &c.name, &c.a, &c.b, &c.expected());
    }
    assert!(
        file.cases.iter().any(|c| c.exact_fallback),
        "no fallback case in fixtures"
    );
    report.finish("ks_small.json");
}

#[test]
fn large_two_sample_cases_match_scipy() {
    let file: File<LargeCase> = load("ks_large.json");
    let mut report = Report::default();
    for c in &file.cases {
        let a = regenerate(&c.a);
        let b = regenerate(&c.b);
        check_two_sample(&mut report, &c.name, &a, &b, &c.expected());
    }
    report.finish("ks_large.json");
}

#[test]
fn asymptotic_p_from_sizes_matches_scipy_large_cases() {
    // The sketch path: same p from (D, n1, n2) alone.
    let file: File<LargeCase> = load("ks_large.json");
    let mut report = Report::default();
    for c in file
        .cases
        .iter()
        .filter(|c| c.method == KsMethod::Asymptotic)
    {
        let n1 = regenerate(&c.a).len() as u64;
        let n2 = regenerate(&c.b).len() as u64;
        let p = ks_2samp_asymptotic_p(c.statistic, n1, n2);
        report.check("asymptotic_p", &c.name, p, c.pvalue);
    }
    report.finish("ks_2samp_asymptotic_p");
}

#[test]
fn kstwo_sf_matches_scipy() {
    let file: File<DistCase> = load("kstwo.json");
    let mut report = Report::default();
    for c in &file.cases {
        let d = f64::from_bits(c.d_bits);
        assert!(
            (d - c.d).abs() <= 1e-15 * c.d.abs(),
            "d_bits mismatch for {c:?}"
        );
        let got = kstwo_sf(d, c.n);
        report.check(&c.branch, &format!("n={} d={d:e}", c.n), got, c.sf);
    }
    report.finish("kstwo.json");
}

#[test]
fn smirnov_matches_scipy() {
    let file: File<DistCase> = load("smirnov.json");
    let mut report = Report::default();
    for c in &file.cases {
        let d = f64::from_bits(c.d_bits);
        assert!(
            (d - c.d).abs() <= 1e-15 * c.d.abs(),
            "d_bits mismatch for {c:?}"
        );
        let got = smirnov_sf(c.n, d);
        report.check(&c.branch, &format!("n={} d={d:e}", c.n), got, c.sf);
    }
    report.finish("smirnov.json");
}

// ---------------------------------------------------------------------------
// Property tests
// ---------------------------------------------------------------------------

/// Samples of 1..=max_len values; `levels` small means many ties.
fn sample(max_len: usize) -> impl Strategy<Value = Vec<f64>> {
    (
        1usize..=max_len,
        prop_oneof![Just(4u32), Just(20u32), Just(1_000_000u32)],
    )
        .prop_flat_map(|(len, levels)| {
            prop::collection::vec(0..levels, len).prop_map(move |v| {
                let mut x: Vec<f64> = v.into_iter().map(|k| f64::from(k) / 8.0 - 3.0).collect();
                x.sort_by(f64::total_cmp);
                x
            })
        })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 400,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn statistic_and_p_are_probabilities_and_symmetric(a in sample(80), b in sample(80)) {
        let r = ks_2samp_sorted(&a, &b);
        prop_assert!((0.0..=1.0).contains(&r.statistic), "{:?}", r);
        prop_assert!((0.0..=1.0).contains(&r.p_value), "{:?}", r);
        let s = ks_2samp_sorted(&b, &a);
        prop_assert_eq!(r, s);
    }

    #[test]
    fn identical_samples_give_zero_and_one(a in sample(200)) {
        let r = ks_2samp_sorted(&a, &a);
        prop_assert_eq!(r.statistic, 0.0);
        prop_assert_eq!(r.p_value, 1.0);
        prop_assert_eq!(r.method, KsMethod::Exact);
    }

    #[test]
    fn shifting_both_samples_changes_nothing(a in sample(60), b in sample(60)) {
        let r = ks_2samp_sorted(&a, &b);
        let a2: Vec<f64> = a.iter().map(|x| x + 1000.0).collect();
        let b2: Vec<f64> = b.iter().map(|x| x + 1000.0).collect();
        prop_assert_eq!(r, ks_2samp_sorted(&a2, &b2));
    }

    #[test]
    fn distributions_are_finite_probabilities(
        d in prop_oneof![0.0f64..=1.0, 0.0f64..0.01, Just(0.5), Just(1.0)],
        n in prop_oneof![1u64..200, 1u64..2_000_000],
    ) {
        let k = kstwo_sf(d, n);
        prop_assert!((0.0..=1.0).contains(&k), "kstwo_sf({d}, {n}) = {k}");
        let s = smirnov_sf(n.min(20_000), d);
        prop_assert!((0.0..=1.0).contains(&s), "smirnov_sf({n}, {d}) = {s}");
        // The two-sided tail dominates the one-sided one.
        prop_assert!(kstwo_sf(d, n.min(20_000)) + 1e-12 >= s);
    }

    #[test]
    fn asymptotic_p_is_symmetric_and_bounded(
        d in 0.0f64..=1.0, n1 in 1u64..5_000_000, n2 in 1u64..5_000_000,
    ) {
        let p = ks_2samp_asymptotic_p(d, n1, n2);
        prop_assert!((0.0..=1.0).contains(&p));
        prop_assert_eq!(p, ks_2samp_asymptotic_p(d, n2, n1));
    }
}
