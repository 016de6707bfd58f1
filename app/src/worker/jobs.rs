//! The jobs the worker runs: the analyses (files read slice by slice into the streaming engine,
//! results with their provenance) and the hashing of the files, which the page runs in a second
//! worker beside the analysis so that the SHA-256 of a large file does not add to its time.
//!
//! Written against [`FileSource`] rather than `web_sys::File`, so that native unit tests run
//! the same code on in-memory files (the browser's implementation is in `service.rs`).

use std::future::Future;

use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use shared::api::{FileProvenance, FileRole, Provenance};
use shared::csv_input::{CsvSource, ReadOptions, delimiter_name, find_binary_byte};
use shared::drift::{compare, distributions};
use shared::profile::{ProfileOptions, Profiler, TableSummary};
use shared::quality::{BaselineFigures, QualityError, QualityEvaluator, QualityReport};

use super::protocol::{ColumnsInfo, DriftParameters, JobError, JobKind, Phases, QualityParameters};

/// Bytes read per slice.
pub const SLICE_BYTES: u64 = 1024 * 1024;
/// Progress is reported at most this often…
pub const PROGRESS_INTERVAL_MS: f64 = 100.0;
/// …and only once at least this share of the bytes (per mille) was read since the last report.
pub const PROGRESS_STEP_PER_MILLE: u64 = 10;
/// A JSON baseline larger than this is not a quality result.
const MAX_JSON_BASELINE_BYTES: u64 = 16 * 1024 * 1024;

/// A file to read: the browser's `File`, or bytes in memory in tests.
pub trait FileSource {
    fn name(&self) -> String;
    fn size(&self) -> u64;
    /// Reads bytes `start..end` into `into` (replacing its contents); the error is the
    /// browser's explanation.
    fn read(
        &self,
        start: u64,
        end: u64,
        into: &mut Vec<u8>,
    ) -> impl Future<Output = Result<(), String>>;
}

/// What a job needs from its surroundings.
pub struct JobContext<'a> {
    /// `provenance.app_version`.
    pub app_version: &'a str,
    /// The current time as ISO 8601 (`provenance.generated_at`, taken when the result is built).
    pub now_iso: &'a dyn Fn() -> String,
    /// A monotonic clock in milliseconds (for the progress throttle).
    pub now_ms: &'a dyn Fn() -> f64,
    /// Called with (bytes read, bytes in all) over all the job's files.
    pub on_progress: &'a mut dyn FnMut(u64, u64),
}

/// A finished job: the result's pretty JSON, its provenance (the analyses: each file's
/// `sha256` left empty, see [`JobKind::Hash`]) and, for drift, the charts' JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct JobOutput {
    pub result: String,
    pub provenance: Option<Provenance>,
    pub distributions: Option<String>,
    /// Filled in by [`run_job`].
    pub phases: Phases,
}

/// Runs one analysis. `options` is the JSON of the kind's options (see [`JobKind`]).
pub async fn run_job<F: FileSource>(
    kind: JobKind,
    options: &str,
    files: &[F],
    context: JobContext<'_>,
) -> Result<JobOutput, JobError> {
    let expected = match kind {
        JobKind::Profile | JobKind::Columns => 1..=1,
        JobKind::Drift => 2..=2,
        JobKind::Quality | JobKind::Hash => 1..=2,
    };
    if !expected.contains(&files.len()) {
        return Err(JobError::bad_request(format_args!(
            "{} files for a {} analysis",
            files.len(),
            kind.as_str()
        )));
    }
    let total = files.iter().map(FileSource::size).sum();
    let mut job = Job {
        progress: Progress::new(total, context.now_ms, context.on_progress),
        buffer: Vec::new(),
        app_version: context.app_version,
        now_iso: context.now_iso,
        now_ms: context.now_ms,
        phases: Phases::default(),
    };
    let mut output = match kind {
        JobKind::Profile => job.profile(parse(options)?, &files[0]).await,
        JobKind::Drift => job.drift(parse(options)?, &files[0], &files[1]).await,
        JobKind::Quality => job.quality(parse(options)?, &files[0], files.get(1)).await,
        JobKind::Columns => job.columns(parse(options)?, &files[0]).await,
        JobKind::Hash => job.hash(files).await,
    }?;
    output.phases = job.phases;
    Ok(output)
}

fn parse<T: DeserializeOwned>(options: &str) -> Result<T, JobError> {
    serde_json::from_str(options).map_err(JobError::bad_request)
}

/// Whether to read on after a slice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Continue,
    Stop,
}

struct Job<'a> {
    progress: Progress<'a>,
    /// One slice's bytes, reused.
    buffer: Vec<u8>,
    app_version: &'a str,
    now_iso: &'a dyn Fn() -> String,
    now_ms: &'a dyn Fn() -> f64,
    /// Time spent waiting for slices and in the engine, over all the job's files.
    phases: Phases,
}

impl Job<'_> {
    async fn profile<F: FileSource>(
        &mut self,
        options: ProfileOptions,
        file: &F,
    ) -> Result<JobOutput, JobError> {
        let (summary, input) = self.read_table(&options, file, FileRole::Input).await?;
        self.output(summary.into_profile(), vec![input], &options, None)
    }

    async fn drift<F: FileSource>(
        &mut self,
        parameters: DriftParameters,
        reference: &F,
        current: &F,
    ) -> Result<JobOutput, JobError> {
        let options = &parameters.profile;
        let (reference, reference_file) = self
            .read_table(options, reference, FileRole::Reference)
            .await?;
        let (current, current_file) = self.read_table(options, current, FileRole::Current).await?;
        let report = compare(&reference, &current, &parameters.drift);
        let charts = distributions(&reference, &current, &report);
        let charts = serde_json::to_string(&charts).map_err(JobError::internal)?;
        self.output(
            report,
            vec![reference_file, current_file],
            &parameters,
            Some(charts),
        )
    }

    async fn quality<F: FileSource>(
        &mut self,
        parameters: QualityParameters,
        file: &F,
        baseline: Option<&F>,
    ) -> Result<JobOutput, JobError> {
        let (mut report, input) = self.evaluate(&parameters, file, FileRole::Input).await?;
        let mut files = vec![input];
        if let Some(baseline) = baseline {
            let (figures, baseline_file) = if is_json(&baseline.name()) {
                self.json_baseline(baseline).await?
            } else {
                let (report, provenance) = self
                    .evaluate(&parameters, baseline, FileRole::Baseline)
                    .await?;
                (report.figures(), provenance)
            };
            report.compare_with(figures, parameters.max_relative_drop);
            files.push(baseline_file);
        }
        self.output(report, files, &parameters, None)
    }

    async fn columns<F: FileSource>(
        &mut self,
        options: ReadOptions,
        file: &F,
    ) -> Result<JobOutput, JobError> {
        let has_header = options.has_header;
        let mut source = CsvSource::new(options);
        self.stream(file, FileRole::Input, Reading::CHECKED, |bytes| {
            source.push(bytes, &mut |_| {});
            if source.header().is_some() {
                Flow::Stop
            } else {
                Flow::Continue
            }
        })
        .await?;
        if source.header().is_none() {
            // A file shorter than the sniffing sample: the header comes at the end.
            source.finish(&mut |_| {});
        }
        let header = source
            .header()
            .ok_or_else(|| JobError::internal("no header after the end of the file"))?;
        let info = ColumnsInfo {
            columns: header.names.clone(),
            delimiter: delimiter_name(header.dialect.delimiter),
            decimal_separator: header.dialect.decimal_separator,
            has_header,
        };
        Ok(JobOutput {
            result: serde_json::to_string(&info).map_err(JobError::internal)?,
            provenance: None,
            distributions: None,
            phases: Phases::default(),
        })
    }

    /// The SHA-256 of each whole file, as a JSON list of lower-case hex strings.
    async fn hash<F: FileSource>(&mut self, files: &[F]) -> Result<JobOutput, JobError> {
        let mut hashes = Vec::with_capacity(files.len());
        for file in files {
            let mut hasher = Sha256::new();
            self.stream(file, FileRole::Input, Reading::PLAIN, |bytes| {
                hasher.update(bytes);
                Flow::Continue
            })
            .await?;
            hashes.push(hex(&hasher.finalize()));
        }
        Ok(JobOutput {
            result: serde_json::to_string(&hashes).map_err(JobError::internal)?,
            provenance: None,
            distributions: None,
            phases: Phases::default(),
        })
    }

    async fn read_table<F: FileSource>(
        &mut self,
        options: &ProfileOptions,
        file: &F,
        role: FileRole,
    ) -> Result<(TableSummary, FileProvenance), JobError> {
        let mut profiler = Profiler::new(options.clone());
        let provenance = self
            .stream(file, role, Reading::CHECKED, |bytes| {
                profiler.push(bytes);
                Flow::Continue
            })
            .await?;
        Ok((profiler.finish(), provenance))
    }

    async fn evaluate<F: FileSource>(
        &mut self,
        parameters: &QualityParameters,
        file: &F,
        role: FileRole,
    ) -> Result<(QualityReport, FileProvenance), JobError> {
        let mut evaluator = QualityEvaluator::new(parameters.quality.clone());
        let provenance = self
            .stream(file, role, Reading::CHECKED, |bytes| {
                evaluator.push(bytes);
                // A column that is not there: no need to read the rest.
                if evaluator.error().is_some() {
                    Flow::Stop
                } else {
                    Flow::Continue
                }
            })
            .await?;
        let name = file.name();
        let report = evaluator.finish().map_err(|error| match error {
            QualityError::UnknownColumn {
                name: column,
                available,
            } => JobError::unknown_column(&name, &column, &available),
            QualityError::NoRows { label, prediction } => {
                JobError::no_rows(&name, &label, &prediction)
            }
        })?;
        Ok((report, provenance))
    }

    async fn json_baseline<F: FileSource>(
        &mut self,
        file: &F,
    ) -> Result<(BaselineFigures, FileProvenance), JobError> {
        let name = file.name();
        if file.size() > MAX_JSON_BASELINE_BYTES {
            return Err(JobError::bad_baseline(
                &name,
                "it is too large to be a quality result",
            ));
        }
        let mut text = Vec::new();
        let provenance = self
            .stream(file, FileRole::Baseline, Reading::PLAIN, |bytes| {
                text.extend_from_slice(bytes);
                Flow::Continue
            })
            .await?;
        let figures: BaselineFigures = serde_json::from_slice(&text).map_err(|e| {
            JobError::bad_baseline(
                &name,
                &format!("it is not a quality result with “accuracy” and “f1_macro” ({e})"),
            )
        })?;
        if figures.accuracy.is_none() && figures.f1_macro.is_none() {
            return Err(JobError::bad_baseline(
                &name,
                "it has neither “accuracy” nor “f1_macro”",
            ));
        }
        Ok((figures, provenance))
    }

    /// Reads `file` slice by slice into `sink`, checking for binary data if `reading` says so.
    /// The provenance it returns has no hash yet.
    async fn stream<F: FileSource>(
        &mut self,
        file: &F,
        role: FileRole,
        reading: Reading,
        mut sink: impl FnMut(&[u8]) -> Flow,
    ) -> Result<FileProvenance, JobError> {
        let name = file.name();
        let size = file.size();
        if size == 0 {
            return Err(JobError::empty(&name));
        }
        let mut offset = 0;
        while offset < size {
            let end = (offset + SLICE_BYTES).min(size);
            let asked = (self.now_ms)();
            file.read(offset, end, &mut self.buffer)
                .await
                .map_err(|detail| JobError::read_failed(&name, &detail))?;
            self.phases.read_ms += (self.now_ms)() - asked;
            let bytes = self.buffer.as_slice();
            if bytes.len() as u64 != end - offset {
                return Err(JobError::read_failed(
                    &name,
                    "the file changed while it was being read",
                ));
            }
            if reading.check_binary && find_binary_byte(bytes, offset).is_some() {
                return Err(JobError::binary(&name));
            }
            self.progress.advance(end - offset);
            offset = end;
            let started = (self.now_ms)();
            let flow = sink(bytes);
            self.phases.parse_ms += (self.now_ms)() - started;
            if flow == Flow::Stop {
                break;
            }
        }
        Ok(FileProvenance {
            role,
            name,
            bytes: size,
            sha256: String::new(),
        })
    }

    fn output<T: Serialize>(
        &self,
        result: T,
        files: Vec<FileProvenance>,
        parameters: &impl Serialize,
        distributions: Option<String>,
    ) -> Result<JobOutput, JobError> {
        let provenance = Provenance {
            app_version: self.app_version.to_owned(),
            generated_at: (self.now_iso)(),
            files,
            parameters: serde_json::to_value(parameters).map_err(JobError::internal)?,
        };
        Ok(JobOutput {
            result: serde_json::to_string_pretty(&result).map_err(JobError::internal)?,
            provenance: Some(provenance),
            distributions,
            phases: Phases::default(),
        })
    }
}

/// How [`Job::stream`] treats the bytes besides handing them to its sink.
#[derive(Debug, Clone, Copy)]
struct Reading {
    /// Refuse a file with a NUL byte near its start (a CSV input).
    check_binary: bool,
}

impl Reading {
    const CHECKED: Reading = Reading { check_binary: true };
    const PLAIN: Reading = Reading {
        check_binary: false,
    };
}

fn is_json(name: &str) -> bool {
    name.rsplit_once('.')
        .is_some_and(|(_, extension)| extension.eq_ignore_ascii_case("json"))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

/// Bytes read over a job, reported through a throttle.
struct Progress<'a> {
    read: u64,
    throttle: ProgressThrottle,
    now_ms: &'a dyn Fn() -> f64,
    report: &'a mut dyn FnMut(u64, u64),
}

impl<'a> Progress<'a> {
    fn new(total: u64, now_ms: &'a dyn Fn() -> f64, report: &'a mut dyn FnMut(u64, u64)) -> Self {
        Self {
            read: 0,
            throttle: ProgressThrottle::new(total, now_ms()),
            now_ms,
            report,
        }
    }

    /// Reports through the throttle, and always once every byte is read (the page shows the
    /// slower of two workers' progress, so the faster one's end must show).
    fn advance(&mut self, bytes: u64) {
        self.read += bytes;
        let end = self.read == self.throttle.total;
        if self.throttle.due(self.read, (self.now_ms)()) || end {
            (self.report)(self.read, self.throttle.total);
        }
    }
}

/// Decides when progress is worth a message: at most every [`PROGRESS_INTERVAL_MS`], and only
/// after another [`PROGRESS_STEP_PER_MILLE`]‰ of the bytes.
#[derive(Debug, Clone)]
pub struct ProgressThrottle {
    pub total: u64,
    last_ms: f64,
    last_read: u64,
}

impl ProgressThrottle {
    pub fn new(total: u64, now_ms: f64) -> Self {
        Self {
            total,
            last_ms: now_ms,
            last_read: 0,
        }
    }

    /// Whether to report `read` bytes now; if so, remembers it as the last report.
    pub fn due(&mut self, read: u64, now_ms: f64) -> bool {
        let step = u128::from(read.saturating_sub(self.last_read)) * 1000;
        let due = now_ms - self.last_ms >= PROGRESS_INTERVAL_MS
            && step >= u128::from(self.total) * u128::from(PROGRESS_STEP_PER_MILLE);
        if due {
            self.last_ms = now_ms;
            self.last_read = read;
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use futures_executor::block_on;
    use shared::drift::{ColumnDistribution, DriftReport};
    use shared::profile::Profile;

    use shared::api::{WithProvenance, export_json};

    use super::*;
    use crate::worker::protocol::ErrorCode;

    /// The JSON the user exports, read back.
    fn exported<T: DeserializeOwned>(output: &JobOutput) -> WithProvenance<T> {
        let provenance = output.provenance.as_ref().expect("a provenance");
        serde_json::from_str(&export_json(&output.result, provenance).unwrap()).unwrap()
    }

    struct MemoryFile {
        name: &'static str,
        bytes: Vec<u8>,
        /// Slices read so far.
        reads: Cell<usize>,
    }

    fn file(name: &'static str, bytes: impl Into<Vec<u8>>) -> MemoryFile {
        MemoryFile {
            name,
            bytes: bytes.into(),
            reads: Cell::new(0),
        }
    }

    impl FileSource for MemoryFile {
        fn name(&self) -> String {
            self.name.to_owned()
        }

        fn size(&self) -> u64 {
            self.bytes.len() as u64
        }

        async fn read(&self, start: u64, end: u64, into: &mut Vec<u8>) -> Result<(), String> {
            self.reads.set(self.reads.get() + 1);
            // Reading a slice takes 60 ms on the test clock; nothing else moves it.
            CLOCK.set(CLOCK.get() + 60.0);
            into.clear();
            into.extend_from_slice(&self.bytes[start as usize..end as usize]);
            Ok(())
        }
    }

    thread_local! {
        /// The tests' clock, in milliseconds.
        static CLOCK: Cell<f64> = const { Cell::new(0.0) };
    }

    /// Runs a job with a clock that advances 60 ms per reading; returns the output and the
    /// progress reports.
    fn run(
        kind: JobKind,
        options: &str,
        files: &[MemoryFile],
    ) -> (Result<JobOutput, JobError>, Vec<(u64, u64)>) {
        CLOCK.set(0.0);
        let now_ms = || CLOCK.get();
        let now_iso = || "2026-11-26T08:00:00.000Z".to_owned();
        let mut reports = Vec::new();
        let mut on_progress = |read, total| reports.push((read, total));
        let context = JobContext {
            app_version: "9.9.9",
            now_iso: &now_iso,
            now_ms: &now_ms,
            on_progress: &mut on_progress,
        };
        let output = block_on(run_job(kind, options, files, context));
        (output, reports)
    }

    fn orders(rows: usize) -> String {
        let mut csv = String::from("id,city,label,prediction\n");
        for i in 0..rows {
            let city = ["Paris", "Lyon", "Lille"][i % 3];
            let label = ["a", "b"][i % 2];
            let prediction = ["a", "b", "b"][i % 3];
            csv.push_str(&format!("{i},{city},{label},{prediction}\n"));
        }
        csv
    }

    #[test]
    fn a_profile_carries_its_provenance() {
        let csv = "x,y\n1,a\n2,b\n";
        let (output, _) = run(JobKind::Profile, "{}", &[file("small.csv", csv)]);
        let output = output.unwrap();
        assert_eq!(output.distributions, None);
        let exported: WithProvenance<Profile> = exported(&output);
        assert_eq!(exported.result.rows, 2);
        let provenance = exported.provenance;
        assert_eq!(provenance.app_version, "9.9.9");
        assert_eq!(provenance.generated_at, "2026-11-26T08:00:00.000Z");
        assert_eq!(
            provenance.files,
            vec![FileProvenance {
                role: FileRole::Input,
                name: "small.csv".into(),
                bytes: csv.len() as u64,
                // Filled in by the page from the hash job.
                sha256: String::new(),
            }]
        );
        assert_eq!(
            provenance.parameters,
            serde_json::to_value(ProfileOptions::default()).unwrap()
        );
    }

    #[test]
    fn a_large_file_is_read_in_slices_with_throttled_progress() {
        let csv = orders(200_000); // about 4.6 MiB
        let size = csv.len() as u64;
        let input = file("orders.csv", csv.clone());
        let (output, reports) = run(JobKind::Profile, "{}", std::slice::from_ref(&input));
        let output = output.unwrap();
        let exported: WithProvenance<Profile> = exported(&output);
        assert_eq!(exported.result.rows, 200_000);
        assert_eq!(input.reads.get() as u64, size.div_ceil(SLICE_BYTES));
        // The phases: all the test clock's time went into reading (60 ms a slice).
        assert_eq!(output.phases.read_ms, 60.0 * input.reads.get() as f64);
        assert_eq!(output.phases.parse_ms, 0.0);
        // 60 ms per slice: a report every second slice (100 ms), never two within 100 ms.
        assert!(!reports.is_empty());
        assert!(
            reports
                .iter()
                .all(|&(read, total)| read <= total && total == size)
        );
        assert!(reports.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(reports.len() <= input.reads.get() / 2 + 1, "{reports:?}");
        assert_eq!(
            reports.last(),
            Some(&(size, size)),
            "the end is always reported"
        );
    }

    #[test]
    fn the_hash_job_hashes_each_whole_file() {
        let small = file("small.csv", "x,y\n1,a\n2,b\n");
        let big = file("orders.csv", orders(200_000)); // several slices
        let (output, _) = run(JobKind::Hash, "{}", &[small, big]);
        let output = output.unwrap();
        assert_eq!(output.provenance, None);
        let hashes: Vec<String> = serde_json::from_str(&output.result).unwrap();
        assert_eq!(
            hashes,
            [
                // printf 'x,y\n1,a\n2,b\n' | sha256sum
                "01331cf653a16b7278f66569b5719303c2f18ce869c87638c09943a49d3e73dd".to_owned(),
                // A second implementation reads the same bytes at once.
                hex(&Sha256::digest(orders(200_000).as_bytes())),
            ]
        );
        // Any file can be hashed (a JSON baseline too), but not an empty one.
        let (output, _) = run(JobKind::Hash, "{}", &[file("e.csv", "")]);
        assert_eq!(output.unwrap_err().code, ErrorCode::EmptyFile);
    }

    #[test]
    fn the_throttle_waits_for_time_and_bytes() {
        let mut throttle = ProgressThrottle::new(1000, 0.0);
        assert!(!throttle.due(500, 50.0), "too soon");
        assert!(throttle.due(500, 100.0));
        assert!(!throttle.due(505, 300.0), "less than 1% more");
        assert!(throttle.due(510, 300.0));
        assert!(!throttle.due(1000, 350.0), "too soon, even at the end");
    }

    #[test]
    fn empty_and_binary_files_are_refused_with_a_code() {
        let (output, _) = run(JobKind::Profile, "{}", &[file("empty.csv", "")]);
        let error = output.unwrap_err();
        assert_eq!(error.code, ErrorCode::EmptyFile);
        assert_eq!(error.file.as_deref(), Some("empty.csv"));

        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.resize(4096, 7);
        let (output, _) = run(JobKind::Profile, "{}", &[file("photo.png", png)]);
        let error = output.unwrap_err();
        assert_eq!(error.code, ErrorCode::BinaryFile);
        assert!(error.message.contains("does not look like a CSV file"));

        // Drift names the side that is wrong.
        let (output, _) = run(
            JobKind::Drift,
            "{}",
            &[file("ref.csv", "x\n1\n"), file("cur.csv", "")],
        );
        assert_eq!(output.unwrap_err().file.as_deref(), Some("cur.csv"));
    }

    #[test]
    fn bad_requests_are_refused() {
        let (output, _) = run(JobKind::Profile, "{not json", &[file("a.csv", "x\n1\n")]);
        assert_eq!(output.unwrap_err().code, ErrorCode::BadRequest);
        let (output, _) = run(JobKind::Drift, "{}", &[file("a.csv", "x\n1\n")]);
        assert_eq!(output.unwrap_err().code, ErrorCode::BadRequest);
    }

    #[test]
    fn drift_carries_both_files_and_the_charts() {
        let reference = "x,c\n1,a\n2,a\n3,b\n4,b\n";
        let current = "x,c\n11,a\n12,b\n13,b\n14,b\n";
        let options = r#"{"drift": {"p_value_threshold": 0.2}}"#;
        let (output, reports) = run(
            JobKind::Drift,
            options,
            &[file("ref.csv", reference), file("cur.csv", current)],
        );
        let output = output.unwrap();
        let exported: WithProvenance<DriftReport> = exported(&output);
        assert_eq!(exported.result.columns.len(), 2);
        assert_eq!(exported.result.options.p_value_threshold, 0.2);
        let roles: Vec<(FileRole, &str)> = exported
            .provenance
            .files
            .iter()
            .map(|f| (f.role, f.name.as_str()))
            .collect();
        assert_eq!(
            roles,
            vec![
                (FileRole::Reference, "ref.csv"),
                (FileRole::Current, "cur.csv")
            ]
        );
        assert_eq!(
            exported.provenance.parameters["drift"]["p_value_threshold"],
            0.2
        );
        // The exported JSON has no charts; they come on the side.
        assert!(!output.result.contains("ecdf"));
        let charts: Vec<ColumnDistribution> =
            serde_json::from_str(&output.distributions.unwrap()).unwrap();
        assert_eq!(charts.len(), 2);
        // Progress counts both files (20 + 24 bytes); the clock allows one report.
        assert_eq!(reports, vec![(44, 44)]);
    }

    #[test]
    fn quality_with_a_csv_or_json_baseline() {
        let options = r#"{"quality": {"label": "label", "prediction": "prediction"}}"#;
        let (output, _) = run(JobKind::Quality, options, &[file("m.csv", orders(6))]);
        let plain: WithProvenance<QualityReport> = exported(&output.unwrap());
        assert_eq!(plain.result.rows, 6);
        assert_eq!(plain.result.baseline, None);

        // A perfect baseline CSV: the model dropped.
        let perfect = "label,prediction\na,a\nb,b\n";
        let (output, _) = run(
            JobKind::Quality,
            options,
            &[file("m.csv", orders(6)), file("base.csv", perfect)],
        );
        let compared: WithProvenance<QualityReport> = exported(&output.unwrap());
        let baseline = compared.result.baseline.unwrap();
        assert_eq!(baseline.accuracy, Some(1.0));
        assert!(baseline.degraded);
        assert_eq!(compared.provenance.files[1].role, FileRole::Baseline);

        // The exported result itself, as a JSON baseline: no drop.
        let (output, _) = run(
            JobKind::Quality,
            options,
            &[
                file("m.csv", orders(6)),
                file("earlier.JSON", plain_json(&plain)),
            ],
        );
        let compared: WithProvenance<QualityReport> = exported(&output.unwrap());
        assert!(!compared.result.baseline.unwrap().degraded);

        let (output, _) = run(
            JobKind::Quality,
            options,
            &[file("m.csv", orders(6)), file("notes.json", "{\"a\": 1}")],
        );
        assert_eq!(output.unwrap_err().code, ErrorCode::BadBaseline);
    }

    fn plain_json(value: &WithProvenance<QualityReport>) -> String {
        serde_json::to_string(value).unwrap()
    }

    #[test]
    fn quality_names_a_missing_column_without_reading_on() {
        let options = r#"{"quality": {"label": "truth", "prediction": "prediction"}}"#;
        let big = file("m.csv", orders(200_000));
        let (output, _) = run(JobKind::Quality, options, std::slice::from_ref(&big));
        let error = output.unwrap_err();
        assert_eq!(error.code, ErrorCode::UnknownColumn);
        assert!(error.message.contains("no column named “truth”"), "{error}");
        assert_eq!(big.reads.get(), 1, "stopped after the first slice");

        let options = r#"{"quality": {"label": "label", "prediction": "prediction"}}"#;
        let (output, _) = run(
            JobKind::Quality,
            options,
            &[file("m.csv", "label,prediction\n,a\nb,\n")],
        );
        assert_eq!(output.unwrap_err().code, ErrorCode::NoRows);
    }

    #[test]
    fn columns_reads_only_the_start() {
        let big = file("orders.csv", orders(200_000));
        let (output, _) = run(JobKind::Columns, "{}", std::slice::from_ref(&big));
        let info: ColumnsInfo = serde_json::from_str(&output.unwrap().result).unwrap();
        assert_eq!(info.columns, ["id", "city", "label", "prediction"]);
        assert_eq!(info.delimiter, ",");
        assert_eq!(big.reads.get(), 1);

        let (output, _) = run(JobKind::Columns, "{}", &[file("s.csv", "a;b\n1,5;2\n")]);
        let info: ColumnsInfo = serde_json::from_str(&output.unwrap().result).unwrap();
        assert_eq!(info.columns, ["a", "b"]);
        assert_eq!(info.delimiter, ";");
    }
}
