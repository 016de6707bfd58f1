//! Drift report: one test per column present in both tables, then the dataset verdict.

use serde::{Deserialize, Serialize};

use super::chi2::chi2_homogeneity;
use super::ks::{
    KsMethod, KsResult, MAX_EXACT_N, ks_2samp_asymptotic_p, ks_2samp_sorted, ks_statistic_runs,
};
use super::psi::{bin_counts_by, decile_cuts, psi_from_counts, psi_from_proportions};
use super::wasserstein::{wasserstein_from_quantiles, wasserstein_runs, wasserstein_sorted};
use crate::profile::{
    ColumnData, ColumnKind, Distribution, NumberSummary, TableSummary, TextSummary,
};

/// Thresholds of the seed (§2.2.3): a column drifts when p < 0.05; the dataset when at least
/// half of the tested columns drift.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DriftOptions {
    pub p_value_threshold: f64,
    pub drift_share_threshold: f64,
    /// Bins of the numeric PSI (cut at reference quantiles).
    pub psi_bins: usize,
}

impl Default for DriftOptions {
    fn default() -> Self {
        Self {
            p_value_threshold: 0.05,
            drift_share_threshold: 0.5,
            psi_bins: 10,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DriftTest {
    /// Two-sample Kolmogorov–Smirnov (numbers and date-times).
    Ks,
    /// Chi-square test of homogeneity (categories and booleans).
    Chi2,
}

/// What `csv-analyzer drift --json` prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftReport {
    pub columns: Vec<ColumnDrift>,
    /// Drifted columns / tested columns (0 when none was tested).
    pub drifted_share: f64,
    pub dataset_drift: bool,
    /// Columns present in both files that could not be tested, with why.
    pub skipped: Vec<SkippedColumn>,
    /// Columns of only one file.
    pub only_in_reference: Vec<String>,
    pub only_in_current: Vec<String>,
    pub reference_rows: u64,
    pub current_rows: u64,
    pub options: DriftOptions,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnDrift {
    pub name: String,
    pub kind: ColumnKind,
    pub test: DriftTest,
    pub statistic: f64,
    pub p_value: f64,
    pub drifted: bool,
    pub psi: Option<f64>,
    /// Numbers only.
    pub wasserstein: Option<f64>,
    /// `exact` or `asymptotic` for KS (scipy's `method="auto"` choice); null for chi-square.
    pub ks_method: Option<KsMethod>,
    /// Degrees of freedom of the chi-square test.
    pub dof: Option<u64>,
    pub reference_count: u64,
    pub current_count: u64,
    /// True when a side went past the exact limit and the test used sketches.
    pub approximate: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedColumn {
    pub name: String,
    pub reason: String,
}

/// Compares every column present in both tables (matched by name).
pub fn compare(
    reference: &TableSummary,
    current: &TableSummary,
    options: &DriftOptions,
) -> DriftReport {
    let ref_profile = reference.profile();
    let cur_profile = current.profile();
    let mut columns = Vec::new();
    let mut skipped = Vec::new();
    for (ri, ref_col) in ref_profile.columns.iter().enumerate() {
        let Some(ci) = cur_profile
            .columns
            .iter()
            .position(|c| c.name == ref_col.name)
        else {
            continue;
        };
        let cur_col = &cur_profile.columns[ci];
        let skip = |reason: String| SkippedColumn {
            name: ref_col.name.clone(),
            reason,
        };
        if ref_col.count == 0 || cur_col.count == 0 {
            let side = if ref_col.count == 0 {
                "reference"
            } else {
                "current"
            };
            skipped.push(skip(format!("no values in the {side} file")));
            continue;
        }
        let (kind, test) = match (ref_col.kind, cur_col.kind) {
            (a, b) if a.is_numeric() && b.is_numeric() => (a, DriftTest::Ks),
            (ColumnKind::DateTime, ColumnKind::DateTime) => (ColumnKind::DateTime, DriftTest::Ks),
            (ColumnKind::Boolean, ColumnKind::Boolean) => (ColumnKind::Boolean, DriftTest::Chi2),
            (
                ColumnKind::Categorical | ColumnKind::Boolean,
                ColumnKind::Categorical | ColumnKind::Boolean,
            ) => (ColumnKind::Categorical, DriftTest::Chi2),
            (ColumnKind::Text, _) | (_, ColumnKind::Text)
                if ref_col.kind == cur_col.kind
                    || matches!(
                        (ref_col.kind, cur_col.kind),
                        (ColumnKind::Text, ColumnKind::Categorical)
                            | (ColumnKind::Categorical, ColumnKind::Text)
                    ) =>
            {
                skipped.push(skip(format!(
                    "free text ({} distinct values in the reference, {} in the current file): \
                     no distribution test",
                    ref_col.distinct, cur_col.distinct
                )));
                continue;
            }
            (a, b) => {
                skipped.push(skip(format!(
                    "kind differs: {} in the reference, {} in the current file",
                    a.as_str(),
                    b.as_str()
                )));
                continue;
            }
        };
        let result = match (&reference.columns[ri], &current.columns[ci], test) {
            (
                ColumnData::Numbers(a) | ColumnData::DateTimes(a),
                ColumnData::Numbers(b) | ColumnData::DateTimes(b),
                DriftTest::Ks,
            ) => numeric_drift(a, b, kind.is_numeric(), options),
            (ColumnData::Texts(a), ColumnData::Texts(b), DriftTest::Chi2) => {
                categorical_drift(a, b)
            }
            _ => {
                skipped.push(skip("no comparable values".to_string()));
                continue;
            }
        };
        columns.push(ColumnDrift {
            name: ref_col.name.clone(),
            kind,
            test,
            drifted: result.p_value < options.p_value_threshold,
            statistic: result.statistic,
            p_value: result.p_value,
            psi: result.psi,
            wasserstein: result.wasserstein,
            ks_method: result.ks_method,
            dof: result.dof,
            reference_count: ref_col.count,
            current_count: cur_col.count,
            approximate: result.approximate,
        });
    }
    let names = |p: &crate::profile::Profile| -> Vec<String> {
        p.columns.iter().map(|c| c.name.clone()).collect()
    };
    let (ref_names, cur_names) = (names(ref_profile), names(cur_profile));
    let drifted = columns.iter().filter(|c| c.drifted).count();
    let drifted_share = if columns.is_empty() {
        0.0
    } else {
        drifted as f64 / columns.len() as f64
    };
    DriftReport {
        dataset_drift: !columns.is_empty() && drifted_share >= options.drift_share_threshold,
        drifted_share,
        columns,
        skipped,
        only_in_reference: ref_names
            .iter()
            .filter(|n| !cur_names.contains(n))
            .cloned()
            .collect(),
        only_in_current: cur_names
            .iter()
            .filter(|n| !ref_names.contains(n))
            .cloned()
            .collect(),
        reference_rows: ref_profile.rows,
        current_rows: cur_profile.rows,
        options: *options,
    }
}

struct TestResult {
    statistic: f64,
    p_value: f64,
    psi: Option<f64>,
    wasserstein: Option<f64>,
    ks_method: Option<KsMethod>,
    dof: Option<u64>,
    approximate: bool,
}

/// Points of the probability grid used when a side is only known through its sketch.
const GRID: usize = 1000;

fn numeric_drift(
    reference: &NumberSummary,
    current: &NumberSummary,
    with_wasserstein: bool,
    options: &DriftOptions,
) -> TestResult {
    let cuts = decile_cuts(
        |q| {
            reference
                .quantiles_at(&[q])
                .and_then(|v| v.first().copied())
        },
        options.psi_bins,
    );
    if let (Some(a), Some(b)) = (reference.distribution(), current.distribution()) {
        let (na, nb) = (a.n(), b.n());
        let ks = match (a, b) {
            (Distribution::Values(x), Distribution::Values(y)) => ks_2samp_sorted(x, y),
            // scipy decides exact vs asymptotic on the sizes: expand small counted sides.
            _ if na.max(nb) <= MAX_EXACT_N as u64 => ks_2samp_sorted(&a.expand(), &b.expand()),
            _ => {
                let d = ks_statistic_runs(a.runs(), na, b.runs(), nb);
                KsResult {
                    statistic: d,
                    p_value: ks_2samp_asymptotic_p(d, na, nb),
                    method: KsMethod::Asymptotic,
                }
            }
        };
        let psi = cuts.and_then(|cuts| {
            let counts =
                |d: Distribution<'_>| bin_counts_by(|cut| d.count_below(cut, false), d.n(), &cuts);
            psi_from_counts(&counts(a), &counts(b))
        });
        let wasserstein = with_wasserstein.then(|| match (a, b) {
            (Distribution::Values(x), Distribution::Values(y)) => wasserstein_sorted(x, y),
            _ => wasserstein_runs(a.runs(), na, b.runs(), nb),
        });
        return TestResult {
            statistic: ks.statistic,
            p_value: ks.p_value,
            psi,
            wasserstein,
            ks_method: Some(ks.method),
            dof: None,
            approximate: false,
        };
    }
    // A side is a sketch: evaluate both CDFs at both sides' quantiles on a fine grid.
    let levels: Vec<f64> = (0..=GRID).map(|i| i as f64 / GRID as f64).collect();
    let qa = reference.quantiles_at(&levels).unwrap_or_default();
    let qb = current.quantiles_at(&levels).unwrap_or_default();
    let mut points: Vec<f64> = qa.iter().chain(&qb).copied().collect();
    points.sort_by(f64::total_cmp);
    points.dedup();
    let fa = reference.cdf_at(&points).unwrap_or_default();
    let fb = current.cdf_at(&points).unwrap_or_default();
    let statistic = fa
        .iter()
        .zip(&fb)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
        .clamp(0.0, 1.0);
    let p_value = ks_2samp_asymptotic_p(statistic, reference.count(), current.count());
    let psi = cuts.and_then(|cuts| {
        let proportions = |s: &NumberSummary| -> Option<Vec<f64>> {
            // Fraction strictly below each cut, from the CDF just below it.
            let below: Vec<f64> = cuts
                .iter()
                .map(|&c| s.cdf_at(&[c.next_down()]).and_then(|v| v.first().copied()))
                .collect::<Option<_>>()?;
            let mut props = Vec::with_capacity(below.len() + 1);
            let mut previous = 0.0;
            for b in below {
                props.push((b - previous).max(0.0));
                previous = b;
            }
            props.push((1.0 - previous).max(0.0));
            Some(props)
        };
        Some(psi_from_proportions(
            &proportions(reference)?,
            &proportions(current)?,
        ))
    });
    TestResult {
        statistic,
        p_value,
        psi,
        wasserstein: with_wasserstein.then(|| wasserstein_from_quantiles(&qa, &qb)),
        ks_method: Some(KsMethod::Asymptotic),
        dof: None,
        approximate: true,
    }
}

fn count_index(summary: &TextSummary) -> hashbrown::HashMap<&str, u64> {
    summary
        .counts
        .iter()
        .map(|(v, c)| (v.as_str(), *c))
        .collect()
}

fn categorical_drift(reference: &TextSummary, current: &TextSummary) -> TestResult {
    // Union of categories, in a stable order.
    let mut categories: Vec<&str> = reference
        .counts
        .iter()
        .chain(&current.counts)
        .map(|(v, _)| v.as_str())
        .collect();
    categories.sort_unstable();
    categories.dedup();
    let (ref_index, cur_index) = (count_index(reference), count_index(current));
    let lookup =
        |index: &hashbrown::HashMap<&str, u64>, value: &str| index.get(value).copied().unwrap_or(0);
    let mut ref_counts: Vec<u64> = categories.iter().map(|v| lookup(&ref_index, v)).collect();
    let mut cur_counts: Vec<u64> = categories.iter().map(|v| lookup(&cur_index, v)).collect();
    let approximate = reference.approximation.is_some() || current.approximation.is_some();
    if approximate {
        // Values the sketches did not keep form one "other" category.
        let known_ref: u64 = ref_counts.iter().sum();
        let known_cur: u64 = cur_counts.iter().sum();
        ref_counts.push(reference.count.saturating_sub(known_ref));
        cur_counts.push(current.count.saturating_sub(known_cur));
    }
    let chi2 = chi2_homogeneity(&ref_counts, &cur_counts);
    TestResult {
        statistic: chi2.statistic,
        p_value: chi2.p_value,
        psi: psi_from_counts(&ref_counts, &cur_counts),
        wasserstein: None,
        ks_method: None,
        dof: Some(chi2.dof),
        approximate,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{ProfileOptions, Profiler};

    fn summary(csv: &str) -> TableSummary {
        let mut profiler = Profiler::new(ProfileOptions::default());
        profiler.push(csv.as_bytes());
        profiler.finish()
    }

    #[test]
    fn shifted_numbers_and_changed_categories_drift() {
        let mut reference = String::from("x,c,t\n");
        let mut current = String::from("x,c,t\n");
        for i in 0..200 {
            reference.push_str(&format!("{},{},id{}\n", i, ["a", "b"][i % 2], i));
            current.push_str(&format!(
                "{},{},id{}\n",
                i + 100,
                ["a", "a", "a", "b"][i % 4],
                i
            ));
        }
        let report = compare(
            &summary(&reference),
            &summary(&current),
            &DriftOptions::default(),
        );
        assert_eq!(report.columns.len(), 2);
        assert!(report.columns.iter().all(|c| c.drifted));
        assert!(report.dataset_drift);
        assert_eq!(report.skipped.len(), 1, "{:?}", report.skipped);
    }

    #[test]
    fn the_same_file_does_not_drift() {
        let csv = "x,c\n1,a\n2,b\n3,a\n4,b\n5,a\n";
        let report = compare(&summary(csv), &summary(csv), &DriftOptions::default());
        assert!(
            report
                .columns
                .iter()
                .all(|c| !c.drifted && c.statistic == 0.0)
        );
        assert!(!report.dataset_drift);
    }
}
