//! Writes a sample of every chart, laid out for a desktop card (640 px) and a phone (344 px),
//! to a directory (the first argument, or a new one under the system's temp dir), with an
//! `index.html` per width, and prints the paths.
//!
//!     cargo run -p charts --example gallery [-- DIR]

use std::path::PathBuf;

use charts::{
    ChartLabels, Comparison, HeatScale, bar_chart_svg, ecdf_svg, grouped_bar_chart_svg,
    heatmap_svg, histogram_svg, overlay_histogram_svg,
};

/// English numbers: whole numbers with thousands separators, others with up to 3 decimals.
fn english(v: f64) -> String {
    group(v, ',', '.')
}

/// French numbers: narrow no-break space for thousands, decimal comma.
fn french(v: f64) -> String {
    group(v, '\u{202F}', ',')
}

fn group(v: f64, thousands: char, decimal: char) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    let fixed = format!("{:.3}", v.abs());
    let (int, frac) = fixed.split_once('.').unwrap_or((&fixed, ""));
    let frac = frac.trim_end_matches('0');
    let mut out = String::new();
    if v < 0.0 && (int != "0" || !frac.is_empty()) {
        out.push('−');
    }
    for (i, d) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(thousands);
        }
        out.push(d);
    }
    if !frac.is_empty() {
        out.push(decimal);
        out.push_str(frac);
    }
    out
}

/// A normal density, for deterministic sample data.
fn density(x: f64, mean: f64, sd: f64) -> f64 {
    (-0.5 * ((x - mean) / sd).powi(2)).exp() / (sd * (2.0 * std::f64::consts::PI).sqrt())
}

/// The normal CDF (Abramowitz–Stegun 7.1.26).
fn cdf(x: f64, mean: f64, sd: f64) -> f64 {
    let z = (x - mean) / (sd * std::f64::consts::SQRT_2);
    let t = 1.0 / (1.0 + 0.3275911 * z.abs());
    let poly = t
        * (0.254829592
            + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
    let erf = 1.0 - poly * (-z * z).exp();
    0.5 * (1.0 + if z < 0.0 { -erf } else { erf })
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn charts(width: u32) -> Vec<(&'static str, String)> {
    let en: &dyn Fn(f64) -> String = &english;
    let fr: &dyn Fn(f64) -> String = &french;
    let mut out = Vec::new();

    // Profile: a float column and an integer column (half-integer edges), a categorical one.
    let edges: Vec<f64> = (0..=24).map(|i| 18.0 + f64::from(i) * 3.0).collect();
    let counts: Vec<u64> = (0..24)
        .map(|i| (density(19.5 + f64::from(i) * 3.0, 44.0, 12.0) * 3.0 * 25_000.0) as u64)
        .collect();
    let labels = ChartLabels::new(
        "Histogram of age",
        "Histogram of age: 24 bins from 18 to 90; most values between 35 and 55.",
        en,
    )
    .axes("age (years)", "rows")
    .with_width(width);
    out.push(("histogram", histogram_svg(&edges, &counts, &labels)));

    let edges: Vec<f64> = (0..=6).map(|i| f64::from(i) - 0.5).collect();
    let labels = ChartLabels::new(
        "Nombre d’enfants",
        "Histogramme du nombre d’enfants : de 0 à 5, surtout 1 et 2.",
        fr,
    )
    .axes("enfants", "lignes")
    .with_width(width);
    out.push((
        "histogram-integer-fr",
        histogram_svg(
            &edges,
            &[41_250, 102_300, 98_000, 35_120, 9_050, 1_200],
            &labels,
        ),
    ));

    let bars: Vec<(String, f64)> = [
        ("United States of America", 12_034.0),
        ("France", 8_211.0),
        ("Deutschland", 6_015.0),
        (
            "United Kingdom of Great Britain and Northern Ireland",
            4_120.0,
        ),
        ("日本", 2_380.0),
        ("España", 1_121.0),
        ("Italia", 640.0),
        ("(other)", 35.0),
    ]
    .iter()
    .map(|(n, v)| ((*n).to_owned(), *v))
    .collect();
    let labels = ChartLabels::new(
        "Top values of country",
        "Most frequent countries: United States of America 12,034 rows, France 8,211, …",
        en,
    )
    .axes("rows", "")
    .with_width(width);
    out.push(("bars", bar_chart_svg(&bars, &labels)));

    let classes = strings(&["setosa", "versicolor", "virginica", "unknown"]);
    let series = vec![
        ("precision".to_owned(), vec![1.0, 0.912, 0.874, 0.0]),
        ("recall".to_owned(), vec![0.98, 0.86, 0.93, 0.0]),
        ("F1".to_owned(), vec![0.99, 0.885, 0.901, 0.0]),
    ];
    let labels = ChartLabels::new(
        "Per-class metrics",
        "Precision, recall and F1 for 4 classes; setosa is best, unknown is never predicted.",
        en,
    )
    .with_width(width);
    out.push((
        "grouped-bars",
        grouped_bar_chart_svg(&classes, &series, &labels),
    ));

    let names = strings(&[
        "age",
        "income (EUR)",
        "household_size",
        "tenure_months",
        "score",
        "churned",
    ]);
    let r = [
        [1.0, 0.42, -0.18, 0.61, 0.05, -0.33],
        [0.42, 1.0, 0.12, 0.38, 0.27, -0.41],
        [-0.18, 0.12, 1.0, -0.02, f64::NAN, 0.08],
        [0.61, 0.38, -0.02, 1.0, 0.11, -0.72],
        [0.05, 0.27, f64::NAN, 0.11, 1.0, -0.09],
        [-0.33, -0.41, 0.08, -0.72, -0.09, 1.0],
    ];
    let matrix: Vec<Vec<Option<f64>>> = r
        .iter()
        .map(|row| row.iter().map(|v| (!v.is_nan()).then_some(*v)).collect())
        .collect();
    let labels = ChartLabels::new(
        "Correlation",
        "Pearson correlation of 6 numeric columns; strongest: tenure_months and churned, −0.72.",
        en,
    )
    .with_missing("not defined")
    .with_width(width);
    out.push((
        "correlation",
        heatmap_svg(&names, &names, &matrix, HeatScale::Diverging, &labels),
    ));

    let classes3 = strings(&["setosa", "versicolor", "virginica"]);
    let confusion: Vec<Vec<Option<f64>>> = [[50.0, 0.0, 0.0], [0.0, 43.0, 7.0], [0.0, 4.0, 1046.0]]
        .iter()
        .map(|row| row.iter().map(|v| Some(*v)).collect())
        .collect();
    let labels = ChartLabels::new(
        "Confusion matrix",
        "Confusion matrix of 3 classes: 1,139 of 1,150 rows correct; versicolor is taken for virginica 7 times.",
        en,
    )
    .axes("predicted", "actual")
    .with_width(width);
    out.push((
        "confusion",
        heatmap_svg(
            &classes3,
            &classes3,
            &confusion,
            HeatScale::Sequential { max: f64::NAN },
            &labels,
        ),
    ));

    let edges: Vec<f64> = (0..=20).map(|i| f64::from(i) * 5.0).collect();
    let at = |mean: f64, sd: f64, n: f64| -> Vec<u64> {
        (0..20)
            .map(|i| (density(2.5 + f64::from(i) * 5.0, mean, sd) * 5.0 * n) as u64)
            .collect()
    };
    let comparison = Comparison {
        reference: "reference (train.csv)".to_owned(),
        current: "current (march.csv)".to_owned(),
        ks_distance: "KS distance".to_owned(),
    };
    let labels = ChartLabels::new(
        "Distribution of basket_value",
        "basket_value: the current file is shifted right by about 6 compared to the reference.",
        en,
    )
    .axes("basket_value", "share of rows")
    .with_width(width);
    out.push((
        "overlay",
        overlay_histogram_svg(
            &edges,
            &at(45.0, 14.0, 40_000.0),
            &at(51.0, 16.0, 9_000.0),
            &comparison,
            &labels,
        ),
    ));

    let points: Vec<(f64, f64, f64)> = (0..=200)
        .map(|i| {
            let x = f64::from(i) * 0.5;
            // Quantised like real ECDFs (steps every 2 000th of the rows).
            let q = |p: f64| (p * 200.0).floor() / 200.0;
            (x, q(cdf(x, 45.0, 14.0)), q(cdf(x, 51.0, 16.0)))
        })
        .collect();
    let ks = points
        .iter()
        .copied()
        .max_by(|a, b| (a.1 - a.2).abs().total_cmp(&(b.1 - b.2).abs()));
    let labels = ChartLabels::new(
        "Cumulative distribution of basket_value",
        "ECDFs of basket_value; the largest gap (KS distance 0.17) is at 46.",
        en,
    )
    .axes("basket_value", "cumulative share")
    .with_width(width);
    out.push(("ecdf", ecdf_svg(&points, ks, &comparison, &labels)));

    // Edge cases: nothing to draw; a big matrix with long labels.
    let labels = ChartLabels::new("Empty column", "No values.", en)
        .axes("value", "rows")
        .with_width(width);
    out.push(("empty-histogram", histogram_svg(&[], &[], &labels)));
    let many: Vec<String> = (0..40)
        .map(|i| format!("column_with_a_long_name_{i}"))
        .collect();
    let big: Vec<Vec<Option<f64>>> = (0..40)
        .map(|r| {
            (0..40)
                .map(|c| {
                    let v = ((f64::from(r) * 0.37 + f64::from(c) * 0.21).sin()) * 0.9;
                    (r != c + 3).then_some(if r == c { 1.0 } else { v })
                })
                .collect()
        })
        .collect();
    let labels = ChartLabels::new(
        "Correlation, 40 columns",
        "Pearson correlation of 40 numeric columns.",
        en,
    )
    .with_missing("not defined")
    .with_width(width);
    out.push((
        "correlation-40",
        heatmap_svg(&many, &many, &big, HeatScale::Diverging, &labels),
    ));
    out
}

fn main() -> std::io::Result<()> {
    let dir = std::env::args_os().nth(1).map_or_else(
        || std::env::temp_dir().join(format!("csv-analyzer-charts-{}", std::process::id())),
        PathBuf::from,
    );
    std::fs::create_dir_all(&dir)?;
    for (device, width) in [("desktop", 640), ("phone", 344)] {
        let mut page = format!(
            "<!doctype html><meta charset=utf-8><title>charts, {device}</title>\
             <style>body{{margin:0;padding:8px;background:#f7f8fa;font-family:system-ui,sans-serif}}\
             .card{{background:#fff;border:1px solid #d5dae1;border-radius:8px;padding:0;margin:0 0 12px;\
             width:{width}px;overflow:hidden}}</style>\n"
        );
        for (name, svg) in charts(width) {
            let path = dir.join(format!("{name}-{device}.svg"));
            std::fs::write(&path, &svg)?;
            println!("{}", path.display());
            page.push_str(&format!("<div class=card>{svg}</div>\n"));
        }
        let index = dir.join(format!("index-{device}.html"));
        std::fs::write(&index, page)?;
        println!("{}", index.display());
    }
    Ok(())
}
