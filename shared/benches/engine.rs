//! Engine throughput, each figure next to a baseline measured in the same run:
//! - `parse_only`: csv-core record parsing of the same bytes (the floor for any CSV profiler);
//! - `profile`: the full single-threaded profile (what the browser runs);
//! - `drift`: KS + PSI + Wasserstein on finished summaries, next to sorting the same values.
//!
//! Run: `cargo bench -p shared --bench engine`.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use shared::csv_input::{CsvSource, ReadOptions, SourceEvent};
use shared::drift::{DriftOptions, compare};
use shared::profile::{ProfileOptions, Profiler, TableSummary};

/// A deterministic CSV like bench-gen's, from a small LCG (no RNG crate needed).
fn synthetic_csv(rows: usize, shift: f64) -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut out = String::from("a,b,c,d,segment,label\n");
    let segments = ["retail", "pro", "enterprise", "public", "education"];
    for _ in 0..rows {
        let (u1, u2) = (next(), next());
        let normal = (-2.0 * u1.max(1e-300).ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
        out.push_str(&format!(
            "{:.6},{:.5},{},{:.6},{},{}\n",
            50.0 + 10.0 * normal + shift,
            next() * 1000.0,
            (next() * 1000.0) as u32,
            -next().ln(),
            segments[(next() * 5.0) as usize % 5],
            u8::from(next() < 0.5)
        ));
    }
    out.into_bytes()
}

fn summary(bytes: &[u8]) -> TableSummary {
    let mut profiler = Profiler::new(ProfileOptions::default());
    for chunk in bytes.chunks(1 << 20) {
        profiler.push(chunk);
    }
    profiler.finish()
}

fn engine(c: &mut Criterion) {
    let reference = synthetic_csv(200_000, 0.0);
    let current = synthetic_csv(200_000, 1.0);

    let mut group = c.benchmark_group("profile_200k_rows");
    group.throughput(Throughput::Bytes(reference.len() as u64));
    group.sample_size(10);
    group.bench_function("parse_only (baseline)", |b| {
        b.iter(|| {
            let mut source = CsvSource::new(ReadOptions::default());
            let mut records = 0usize;
            let mut sink = |event: SourceEvent<'_>| {
                if let SourceEvent::Batch(batch) = event {
                    records += batch.len();
                }
            };
            for chunk in reference.chunks(1 << 20) {
                source.push(chunk, &mut sink);
            }
            source.finish(&mut sink);
            records
        })
    });
    group.bench_function("profile", |b| b.iter(|| summary(&reference)));
    group.finish();

    let (ref_summary, cur_summary) = (summary(&reference), summary(&current));
    let values: Vec<f64> = (0..400_000)
        .map(|i| ((i * 7919) % 400_000) as f64)
        .collect();
    let mut group = c.benchmark_group("drift_200k_vs_200k");
    group.sample_size(10);
    group.bench_function("sort_400k_values (baseline)", |b| {
        b.iter_batched(
            || values.clone(),
            |mut v| {
                v.sort_unstable_by(f64::total_cmp);
                v
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function("compare", |b| {
        b.iter(|| compare(&ref_summary, &cur_summary, &DriftOptions::default()))
    });
    group.finish();

    // scipy's exact two-sample distribution at its hardest size (unequal, at the 10,000 switch)
    // and the one-sample distribution's slowest branch (Durbin matrix), next to the statistic.
    let a: Vec<f64> = (0..10_000).map(|i| i as f64 / 10_000.0).collect();
    let b: Vec<f64> = (0..9_999).map(|i| 0.3 + i as f64 / 9_999.0).collect();
    let mut group = c.benchmark_group("ks");
    group.sample_size(20);
    group.bench_function("asymptotic_p_only (baseline)", |bench| {
        bench.iter(|| shared::drift::ks::ks_2samp_asymptotic_p(0.3, 10_000, 9_999))
    });
    group.bench_function("exact_10000x9999", |bench| {
        bench.iter(|| shared::drift::ks::ks_2samp_sorted(&a, &b))
    });
    let n = 99_999u64;
    let d = 0.999 * (1.4f64 / n as f64).powf(2.0 / 3.0);
    group.bench_function("kstwo_sf_durbin_n99999", |bench| {
        bench.iter(|| shared::drift::ks::kstwo_sf(d, n))
    });
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
