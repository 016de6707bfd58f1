//! Columns past the exact limit with few distinct values are counted per value: their
//! statistics and drift tests must equal the ones computed from every value (the oracle here is
//! the engine's exact mode, itself checked against pandas/numpy/scipy in the oracle tests).

use proptest::prelude::*;
use shared::drift::{DriftOptions, compare};
use shared::profile::{ProfileOptions, Profiler, TableSummary};

fn summary(csv: &str, exact_limit: u64) -> TableSummary {
    let mut profiler = Profiler::new(ProfileOptions {
        exact_limit,
        ..ProfileOptions::default()
    });
    profiler.push(csv.as_bytes());
    profiler.finish()
}

fn csv(values: &[(u8, u8)]) -> String {
    let mut out = String::from("level,score\n");
    for &(level, score) in values {
        out.push_str(&format!("{level},{}\n", f64::from(score) / 4.0));
    }
    out
}

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => (x - y).abs() <= 1e-12 * x.abs().max(y.abs()).max(1.0),
        (None, None) => true,
        _ => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn counted_columns_equal_exact_ones(
        values in prop::collection::vec((0u8..12, 0u8..40), 1..400),
        limit in 1u64..30,
    ) {
        let text = csv(&values);
        let counted = summary(&text, limit);
        let exact = summary(&text, 1_000_000);
        for (c, e) in counted.profile().columns.iter().zip(&exact.profile().columns) {
            prop_assert!(c.approximation.is_none(), "{} stays exact", c.name);
            prop_assert_eq!(c.count, e.count);
            prop_assert_eq!(c.distinct, e.distinct);
            prop_assert_eq!(&c.top, &e.top);
            prop_assert_eq!(&c.histogram, &e.histogram);
            prop_assert_eq!(c.min, e.min);
            prop_assert_eq!(c.max, e.max);
            prop_assert!(close(c.mean, e.mean) && close(c.std, e.std), "{:?} {:?}", c, e);
            let (cq, eq) = (c.quantiles.expect("q"), e.quantiles.expect("q"));
            prop_assert_eq!(cq, eq);
        }
    }

    #[test]
    fn drift_on_counted_columns_equals_drift_on_values(
        reference in prop::collection::vec((0u8..8, 0u8..20), 5..300),
        current in prop::collection::vec((0u8..8, 0u8..20), 5..300),
        limit in 1u64..30,
    ) {
        let (r, c) = (csv(&reference), csv(&current));
        let counted = compare(&summary(&r, limit), &summary(&c, limit), &DriftOptions::default());
        let exact = compare(&summary(&r, 1_000_000), &summary(&c, 1_000_000), &DriftOptions::default());
        prop_assert_eq!(counted.columns.len(), exact.columns.len());
        for (a, b) in counted.columns.iter().zip(&exact.columns) {
            prop_assert!(!a.approximate);
            prop_assert_eq!(a.ks_method, b.ks_method);
            prop_assert!(close(Some(a.statistic), Some(b.statistic)), "{:?} vs {:?}", a, b);
            prop_assert!(close(Some(a.p_value), Some(b.p_value)), "{:?} vs {:?}", a, b);
            prop_assert!(close(a.psi, b.psi) && close(a.wasserstein, b.wasserstein), "{:?} vs {:?}", a, b);
        }
    }
}

/// Above scipy's exact-method size, counted columns use the asymptotic p-value on the exact
/// statistic — the same method scipy uses for those sizes.
#[test]
fn large_counted_columns_use_the_asymptotic_test() {
    let mut reference = String::from("x\n");
    let mut current = String::from("x\n");
    for i in 0..30_000 {
        reference.push_str(&format!("{}\n", i % 7));
        current.push_str(&format!("{}\n", (i * 3 + i / 5) % 8));
    }
    let counted = compare(
        &summary(&reference, 100),
        &summary(&current, 100),
        &DriftOptions::default(),
    );
    let exact = compare(
        &summary(&reference, 1_000_000),
        &summary(&current, 1_000_000),
        &DriftOptions::default(),
    );
    let (a, b) = (&counted.columns[0], &exact.columns[0]);
    assert!(!a.approximate);
    assert_eq!(a.ks_method, b.ks_method);
    assert!((a.statistic - b.statistic).abs() < 1e-15, "{a:?} {b:?}");
    assert!(
        (a.p_value - b.p_value).abs() <= 1e-12 * b.p_value.max(1e-300),
        "{a:?} {b:?}"
    );
    assert!(close(a.wasserstein, b.wasserstein) && close(a.psi, b.psi));
}
