//! `bench-gen`: writes a deterministic benchmark CSV (same seed, same bytes).
//!
//! Columns: six numeric (`normal`, `lognormal`, `uniform`, `count` (integers), `exponential`,
//! `heavy_tail`), each ~1% missing; three categorical (`segment` 5 levels, `region` 20,
//! `channel` 50); `timestamp` (ISO 8601, 30 s apart); `label` (0/1) and `prediction` (0/1).
//! `--drifted` writes the twin: shifted/rescaled numbers, changed category mix, a worse model.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use clap::Parser;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp, LogNormal, Normal, StudentT};

#[derive(Parser)]
struct Args {
    /// Data rows to write.
    #[arg(long, default_value_t = 1_000_000)]
    rows: u64,
    /// Seed of the random stream.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Write the drifted twin instead of the reference.
    #[arg(long)]
    drifted: bool,
    /// Output file (`-` for stdout).
    #[arg(long, default_value = "-")]
    out: PathBuf,
}

const SEGMENTS: [&str; 5] = ["retail", "pro", "enterprise", "public", "education"];

fn main() -> io::Result<()> {
    let args = Args::parse();
    let sink: Box<dyn Write> = if args.out.as_os_str() == "-" {
        Box::new(io::stdout().lock())
    } else {
        Box::new(File::create(&args.out)?)
    };
    let mut out = BufWriter::with_capacity(1 << 20, sink);
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed + u64::from(args.drifted));
    let d = args.drifted;
    let normal = Normal::new(if d { 53.0 } else { 50.0 }, 10.0).expect("valid normal");
    let lognormal = LogNormal::new(1.0, if d { 0.9 } else { 0.75 }).expect("valid lognormal");
    let exponential = Exp::new(if d { 0.8 } else { 1.0 }).expect("valid exponential");
    let heavy = StudentT::new(3.0).expect("valid t");
    // Segment mix: the drifted twin moves weight from retail to enterprise.
    let segment_weights: [f64; 5] = if d {
        [0.25, 0.2, 0.35, 0.1, 0.1]
    } else {
        [0.4, 0.2, 0.2, 0.1, 0.1]
    };
    let flip = if d { 0.25 } else { 0.1 };
    writeln!(
        out,
        "normal,lognormal,uniform,count,exponential,heavy_tail,segment,region,channel,timestamp,label,prediction"
    )?;
    let start = 1_704_067_200i64; // 2024-01-01T00:00:00Z
    for i in 0..args.rows {
        let x: f64 = normal.sample(&mut rng);
        write_maybe(&mut out, &mut rng, |o| write!(o, "{x:.6}"))?;
        let v = lognormal.sample(&mut rng);
        write_maybe(&mut out, &mut rng, |o| write!(o, "{v:.6}"))?;
        let u: f64 = rng.random_range(0.0..1000.0);
        write_maybe(&mut out, &mut rng, |o| write!(o, "{u:.5}"))?;
        let c: u32 = rng.random_range(0..1000);
        write_maybe(&mut out, &mut rng, |o| write!(o, "{c}"))?;
        let e = exponential.sample(&mut rng);
        write_maybe(&mut out, &mut rng, |o| write!(o, "{e:.6}"))?;
        let h: f64 = heavy.sample(&mut rng);
        write_maybe(&mut out, &mut rng, |o| write!(o, "{h:.6}"))?;
        let segment = pick(&mut rng, &segment_weights);
        let region: u32 = rng.random_range(0..20);
        let channel: u32 = rng.random_range(0..50);
        write!(out, "{},region-{region:02},ch{channel},", SEGMENTS[segment])?;
        let t = start + i as i64 * 30;
        let (days, secs) = (t.div_euclid(86_400), t.rem_euclid(86_400));
        let (y, m, day) = civil_from_days(days);
        write!(
            out,
            "{y:04}-{m:02}-{day:02}T{:02}:{:02}:{:02},",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )?;
        let p = 1.0 / (1.0 + (-(x - 50.0) / 5.0).exp());
        let label = u8::from(rng.random::<f64>() < p);
        let prediction = if rng.random::<f64>() < flip {
            1 - label
        } else {
            label
        };
        writeln!(out, "{label},{prediction}")?;
    }
    out.flush()
}

/// Writes the value, or nothing (a missing cell) 1% of the time, then the delimiter.
fn write_maybe(
    out: &mut impl Write,
    rng: &mut ChaCha8Rng,
    value: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    if rng.random::<f64>() >= 0.01 {
        value(out)?;
    }
    out.write_all(b",")
}

fn pick(rng: &mut ChaCha8Rng, weights: &[f64]) -> usize {
    let mut r: f64 = rng.random();
    for (i, w) in weights.iter().enumerate() {
        if r < *w {
            return i;
        }
        r -= w;
    }
    weights.len() - 1
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}
