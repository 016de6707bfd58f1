//! The page side: an async API over the analysis worker.
//!
//! ```ignore
//! let worker = AnalysisWorker::new();
//! let outcome = worker
//!     .profile(file, &ProfileOptions::default(), move |read, total| set_read.set(read))
//!     .await?;
//! // outcome.result: Profile, outcome.json: the export, outcome.provenance
//! ```
//!
//! - **Two workers.** Each analysis runs on one worker while a second one computes the SHA-256 of
//!   the same files (the [`JobKind::Hash`] job); the call resolves when both are done, with the
//!   hashes in the provenance. On two cores the hash costs no wall time.
//! - **One job at a time.** A call made while another runs is rejected at once with
//!   [`AnalysisError::Busy`] (not queued: a page that starts a new analysis should cancel the old
//!   one first, and a queue would hide that).
//! - **Cancel** ([`AnalysisWorker::cancel`]) terminates the workers, which stops the analysis at
//!   once, and starts fresh ones; the running call resolves to [`AnalysisError::Cancelled`].
//! - **Crash**: when the worker panics (or dies some other way) during a call, the call resolves
//!   to [`AnalysisError::Crashed`] and a fresh worker is started; the next call works. A worker
//!   that dies while idle (e.g. its script did not load) is started again by the next call.
//! - Dropping the last handle terminates the worker.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use futures_channel::oneshot;
use js_sys::{Array, Object, Reflect};
use serde::de::DeserializeOwned;
use shared::api::{Provenance, export_json};
use shared::csv_input::ReadOptions;
use shared::drift::{ColumnDistribution, DriftReport};
use shared::profile::{Profile, ProfileOptions};
use shared::quality::QualityReport;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{ErrorEvent, File, MessageEvent, Worker, WorkerOptions};

use super::protocol::{
    ColumnsInfo, DriftParameters, ErrorCode, JobError, JobKind, Phases, QualityParameters, key,
    reply,
};
use super::service::describe;

/// The worker's script, built by Trunk from `src/bin/worker.rs` (`data-loader-shim` in
/// `index.html` makes this small loader, which starts the wasm-bindgen glue `worker.js`).
pub const WORKER_SCRIPT: &str = "/worker_loader.js";

/// The `name` of the worker that runs the analyses…
pub const ENGINE_NAME: &str = "analysis";
/// …and of the one that hashes their files.
pub const HASHER_NAME: &str = "hash";

/// A finished analysis: the parsed result, its provenance, and the JSON to export (the CLI's
/// `--json` plus `provenance`).
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome<T> {
    pub result: T,
    pub provenance: Provenance,
    pub json: String,
    /// Where the worker's time went (for the RUM timings; not exported).
    pub phases: Phases,
}

pub type ProfileOutcome = Outcome<Profile>;
pub type QualityOutcome = Outcome<QualityReport>;

/// A finished drift comparison, with what its charts draw (not part of the export).
#[derive(Debug, Clone, PartialEq)]
pub struct DriftOutcome {
    pub result: DriftReport,
    pub provenance: Provenance,
    pub json: String,
    pub distributions: Vec<ColumnDistribution>,
    pub phases: Phases,
}

impl<T: DeserializeOwned> Outcome<T> {
    /// Reads an analysis' `result` and `provenance`, fills in the files' hashes (in the
    /// provenance's order) and writes the JSON to export.
    pub fn assemble(
        result: &str,
        provenance: Option<&str>,
        hashes: &[String],
    ) -> Result<Self, AnalysisError> {
        let unreadable = |what: &str, e: &dyn std::fmt::Display| {
            AnalysisError::Crashed(format!("unreadable {what}: {e}"))
        };
        let parsed: T = serde_json::from_str(result).map_err(|e| unreadable("result", &e))?;
        let mut provenance: Provenance = serde_json::from_str(provenance.unwrap_or_default())
            .map_err(|e| unreadable("provenance", &e))?;
        if provenance.files.len() != hashes.len() {
            return Err(AnalysisError::Crashed(format!(
                "{} hashes for {} files",
                hashes.len(),
                provenance.files.len()
            )));
        }
        for (file, hash) in provenance.files.iter_mut().zip(hashes) {
            file.sha256.clone_from(hash);
        }
        let json = export_json(result, &provenance).map_err(|e| unreadable("result", &e))?;
        Ok(Self {
            result: parsed,
            provenance,
            json,
            phases: Phases::default(),
        })
    }
}

/// Why an analysis gave no result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnalysisError {
    /// The input cannot be analysed (not a CSV, empty, a column that is not there…): a sentence
    /// for the user, and a code to translate it by.
    Input(JobError),
    /// [`AnalysisWorker::cancel`] stopped it.
    Cancelled,
    /// The worker failed (a panic: a bug); it has been replaced. The text is for the console
    /// or a bug report.
    Crashed(String),
    /// Another analysis is running on this worker.
    Busy,
    /// The browser would not start the worker.
    Unavailable(String),
}

impl AnalysisError {
    /// The input error's code, for translation.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            AnalysisError::Input(error) => Some(error.code),
            _ => None,
        }
    }
}

impl std::fmt::Display for AnalysisError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AnalysisError::Input(error) => f.write_str(&error.message),
            AnalysisError::Cancelled => f.write_str("The analysis was cancelled."),
            AnalysisError::Crashed(detail) => write!(
                f,
                "The analysis stopped because of an internal error. You can try again; if it \
                 happens again with this file, please report it. Details: {detail}"
            ),
            AnalysisError::Busy => f.write_str(
                "Another analysis is still running: wait for it to finish or cancel it.",
            ),
            AnalysisError::Unavailable(detail) => write!(
                f,
                "The analysis could not start: this browser did not start its background \
                 worker ({detail})."
            ),
        }
    }
}

impl std::error::Error for AnalysisError {}

/// A handle on the analysis workers; clones share them.
#[derive(Clone)]
pub struct AnalysisWorker {
    /// Runs the analyses.
    engine: Channel,
    /// Hashes the files of each analysis meanwhile; started with the first analysis.
    hasher: Channel,
}

impl Default for AnalysisWorker {
    fn default() -> Self {
        Self::new()
    }
}

/// One worker, replaced when it dies or is cancelled, running one job at a time.
#[derive(Clone)]
struct Channel {
    inner: Rc<RefCell<Inner>>,
}

struct Inner {
    /// The workers' `name` (`self.name` inside; shown by the browser's developer tools).
    name: &'static str,
    running: Option<Running>,
    job: Option<Pending>,
    next_id: u32,
    /// Numbers the workers started, so events of a replaced one are ignored.
    generation: u32,
    /// Called once, when a worker first says it is ready.
    on_first_ready: Option<Box<dyn FnOnce()>>,
}

struct Running {
    worker: Worker,
    generation: u32,
    /// The worker said it listens; until then a job waits in `queued`.
    ready: bool,
    queued: Option<JsValue>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(ErrorEvent)>,
}

struct Pending {
    id: u32,
    on_progress: Rc<dyn Fn(u64, u64)>,
    reply: oneshot::Sender<Result<Reply, AnalysisError>>,
}

/// The worker's `done` message.
struct Reply {
    result: String,
    provenance: Option<String>,
    distributions: Option<String>,
    phases: Phases,
}

type ReplyReceiver = oneshot::Receiver<Result<Reply, AnalysisError>>;

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(running) = &self.running {
            running.worker.terminate();
        }
    }
}

impl AnalysisWorker {
    /// Starts the analysis worker now, so that its wasm loads while the user picks a file.
    /// Never fails: a worker that cannot start is reported by the first call.
    ///
    /// The hash worker starts once the analysis worker is ready: its script then comes from
    /// the cache, and it is warm before the first analysis.
    pub fn new() -> Self {
        let engine = Channel::idle(ENGINE_NAME);
        let hasher = Channel::idle(HASHER_NAME);
        {
            let mut state = engine.inner.borrow_mut();
            let warm_up = hasher.clone();
            state.on_first_ready = Some(Box::new(move || warm_up.start()));
            let running = spawn(&mut state, &engine.inner);
            state.running = running.ok();
        }
        Self { engine, hasher }
    }

    /// Whether a call is running.
    pub fn is_busy(&self) -> bool {
        self.engine.is_busy()
    }

    /// Profiles `file`. `on_progress(read, total)` reports bytes read.
    pub async fn profile(
        &self,
        file: File,
        options: &ProfileOptions,
        on_progress: impl Fn(u64, u64) + 'static,
    ) -> Result<ProfileOutcome, AnalysisError> {
        let (reply, hashes) = self
            .analyse(JobKind::Profile, &[file], options, Rc::new(on_progress))
            .await?;
        let mut outcome = Outcome::assemble(&reply.result, reply.provenance.as_deref(), &hashes)?;
        outcome.phases = reply.phases;
        Ok(outcome)
    }

    /// Compares `current` with `reference`; progress counts both files' bytes.
    pub async fn drift(
        &self,
        reference: File,
        current: File,
        parameters: &DriftParameters,
        on_progress: impl Fn(u64, u64) + 'static,
    ) -> Result<DriftOutcome, AnalysisError> {
        let (reply, hashes) = self
            .analyse(
                JobKind::Drift,
                &[reference, current],
                parameters,
                Rc::new(on_progress),
            )
            .await?;
        let outcome =
            Outcome::<DriftReport>::assemble(&reply.result, reply.provenance.as_deref(), &hashes)?;
        let distributions = match reply.distributions {
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| AnalysisError::Crashed(format!("unreadable charts: {e}")))?,
            None => Vec::new(),
        };
        Ok(DriftOutcome {
            result: outcome.result,
            provenance: outcome.provenance,
            json: outcome.json,
            distributions,
            phases: reply.phases,
        })
    }

    /// Evaluates the label and prediction columns of `file`, against `baseline` if given (a CSV
    /// read with the same options, or an earlier quality result as a `.json` file).
    pub async fn quality(
        &self,
        file: File,
        baseline: Option<File>,
        parameters: &QualityParameters,
        on_progress: impl Fn(u64, u64) + 'static,
    ) -> Result<QualityOutcome, AnalysisError> {
        let files: Vec<File> = std::iter::once(file).chain(baseline).collect();
        let (reply, hashes) = self
            .analyse(JobKind::Quality, &files, parameters, Rc::new(on_progress))
            .await?;
        let mut outcome = Outcome::assemble(&reply.result, reply.provenance.as_deref(), &hashes)?;
        outcome.phases = reply.phases;
        Ok(outcome)
    }

    /// The column names and dialect of `file`, reading only its start.
    pub async fn columns(
        &self,
        file: File,
        options: &ReadOptions,
    ) -> Result<ColumnsInfo, AnalysisError> {
        let reply = self
            .engine
            .call(JobKind::Columns, &[file], options, Rc::new(|_, _| {}))
            .await?;
        serde_json::from_str(&reply.result)
            .map_err(|e| AnalysisError::Crashed(format!("unreadable columns: {e}")))
    }

    /// Stops the running call, if any (it resolves to [`AnalysisError::Cancelled`]): the
    /// workers are terminated and fresh ones started.
    pub fn cancel(&self) {
        self.engine.cancel();
        self.hasher.cancel();
    }

    /// Runs `kind` on the engine and hashes `files` on the hasher at the same time.
    async fn analyse(
        &self,
        kind: JobKind,
        files: &[File],
        options: &impl serde::Serialize,
        on_progress: Rc<dyn Fn(u64, u64)>,
    ) -> Result<(Reply, Vec<String>), AnalysisError> {
        if self.engine.is_busy() {
            return Err(AnalysisError::Busy);
        }
        // The bar shows the slower of the two: the result needs both.
        let progress = Rc::new(std::cell::Cell::new((0, 0)));
        let report = move |analysed: Option<u64>, hashed: Option<u64>, total: u64| {
            let (mut a, mut h) = progress.get();
            a = analysed.unwrap_or(a);
            h = hashed.unwrap_or(h);
            progress.set((a, h));
            on_progress(a.min(h), total);
        };
        let report = Rc::new(report);
        let on_hashed = {
            let report = Rc::clone(&report);
            Rc::new(move |read, total| report(None, Some(read), total))
        };
        let on_analysed = Rc::new(move |read, total| report(Some(read), None, total));
        let hashing = self.hasher.submit(JobKind::Hash, files, &(), on_hashed)?;
        let reply = match self.engine.call(kind, files, options, on_analysed).await {
            Ok(reply) => reply,
            Err(error) => {
                // No result to hash for: stop reading.
                self.hasher.cancel();
                return Err(error);
            }
        };
        let hashed = hashing.await.unwrap_or(Err(AnalysisError::Cancelled))?;
        let hashes = serde_json::from_str(&hashed.result)
            .map_err(|e| AnalysisError::Crashed(format!("unreadable hashes: {e}")))?;
        Ok((reply, hashes))
    }
}

impl Channel {
    /// A channel whose worker starts with its first job.
    fn idle(name: &'static str) -> Self {
        Self {
            inner: Rc::new(RefCell::new(Inner {
                name,
                running: None,
                job: None,
                next_id: 0,
                generation: 0,
                on_first_ready: None,
            })),
        }
    }

    /// Starts the worker if none is running.
    fn start(&self) {
        let mut state = self.inner.borrow_mut();
        if state.running.is_none() {
            let running = spawn(&mut state, &self.inner);
            state.running = running.ok();
        }
    }

    fn is_busy(&self) -> bool {
        self.inner.borrow().job.is_some()
    }

    fn cancel(&self) {
        let (old, pending) = {
            let mut inner = self.inner.borrow_mut();
            let Some(pending) = inner.job.take() else {
                return;
            };
            let loading = inner.running.as_ref().is_some_and(|r| !r.ready);
            if loading {
                // The job waits for the worker to load: drop it and let the worker load on
                // (terminating it would abort the fetch of its script for nothing).
                if let Some(running) = inner.running.as_mut() {
                    running.queued = None;
                }
                (None, pending)
            } else {
                let old = inner.running.take();
                let fresh = spawn(&mut inner, &self.inner);
                inner.running = fresh.ok();
                (old, pending)
            }
        };
        if let Some(old) = old {
            old.worker.terminate();
        }
        let _ = pending.reply.send(Err(AnalysisError::Cancelled));
    }

    async fn call(
        &self,
        kind: JobKind,
        files: &[File],
        options: &impl serde::Serialize,
        on_progress: Rc<dyn Fn(u64, u64)>,
    ) -> Result<Reply, AnalysisError> {
        let receiver = self.submit(kind, files, options, on_progress)?;
        // A dropped sender means the handle went away: as good as cancelled.
        receiver.await.unwrap_or(Err(AnalysisError::Cancelled))
    }

    /// Posts the job (or queues it until the worker is ready); the receiver gets the reply.
    fn submit(
        &self,
        kind: JobKind,
        files: &[File],
        options: &impl serde::Serialize,
        on_progress: Rc<dyn Fn(u64, u64)>,
    ) -> Result<ReplyReceiver, AnalysisError> {
        let options = serde_json::to_string(options)
            .map_err(|e| AnalysisError::Crashed(format!("unwritable options: {e}")))?;
        {
            let mut inner = self.inner.borrow_mut();
            if inner.job.is_some() {
                return Err(AnalysisError::Busy);
            }
            if inner.running.is_none() {
                let fresh = spawn(&mut inner, &self.inner)?;
                inner.running = Some(fresh);
            }
            inner.next_id += 1;
            let id = inner.next_id;
            let request = request(id, kind, files, &options);
            let Some(running) = inner.running.as_mut() else {
                return Err(AnalysisError::Unavailable("no worker".to_owned()));
            };
            if running.ready {
                running
                    .worker
                    .post_message(&request)
                    .map_err(|e| AnalysisError::Unavailable(describe(&e)))?;
            } else {
                running.queued = Some(request);
            }
            let (sender, receiver) = oneshot::channel();
            inner.job = Some(Pending {
                id,
                on_progress,
                reply: sender,
            });
            Ok(receiver)
        }
    }
}

/// `{id, kind, files, options}`: the files themselves and the options' JSON, nothing else.
fn request(id: u32, kind: JobKind, files: &[File], options: &str) -> JsValue {
    let object = Object::new();
    let set = |name: &str, value: &JsValue| {
        let _ = Reflect::set(&object, &JsValue::from_str(name), value);
    };
    set(key::ID, &JsValue::from(id));
    set(key::KIND, &JsValue::from_str(kind.as_str()));
    set(key::FILES, &files.iter().collect::<Array>());
    set(key::OPTIONS, &JsValue::from_str(options));
    object.into()
}

/// Starts a worker whose events go to `inner`, numbered by `state` (the caller's borrow of
/// `inner`).
fn spawn(state: &mut Inner, inner: &Rc<RefCell<Inner>>) -> Result<Running, AnalysisError> {
    state.generation += 1;
    start_worker(Rc::downgrade(inner), state.name, state.generation)
}

fn start_worker(
    inner: Weak<RefCell<Inner>>,
    name: &str,
    generation: u32,
) -> Result<Running, AnalysisError> {
    let options = WorkerOptions::new();
    options.set_name(name);
    let worker = Worker::new_with_options(&worker_url(), &options)
        .map_err(|e| AnalysisError::Unavailable(describe(&e)))?;
    let on_message = {
        let inner = inner.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            if let Some(inner) = inner.upgrade() {
                on_message(&inner, generation, &event.data());
            }
        })
    };
    let on_error = Closure::<dyn FnMut(ErrorEvent)>::new(move |event: ErrorEvent| {
        // Handled here: not also an uncaught error of the page.
        event.prevent_default();
        if let Some(inner) = inner.upgrade() {
            let message = event.message();
            let message = if message.is_empty() {
                "the worker stopped".to_owned()
            } else {
                message
            };
            crash(&inner, generation, message);
        }
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    Ok(Running {
        worker,
        generation,
        ready: false,
        queued: None,
        _on_message: on_message,
        _on_error: on_error,
    })
}

/// The worker script's URL, resolved against the document (works under any route).
fn worker_url() -> String {
    web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.base_uri().ok().flatten())
        .and_then(|base| web_sys::Url::new_with_base(WORKER_SCRIPT, &base).ok())
        .map_or_else(|| format!("./{WORKER_SCRIPT}"), |url| url.href())
}

fn on_message(inner: &Rc<RefCell<Inner>>, generation: u32, data: &JsValue) {
    let get = |name: &str| Reflect::get(data, &JsValue::from_str(name)).unwrap_or_default();
    let text = |name: &str| get(name).as_string().unwrap_or_default();
    let number = |name: &str| get(name).as_f64().unwrap_or(0.0);
    let id = get(key::ID).as_f64().map(|id| id as u32);
    match text(key::TYPE).as_str() {
        reply::READY => {
            let (failed, first_ready) = {
                let mut state = inner.borrow_mut();
                let first_ready = state.on_first_ready.take();
                let failed = match state
                    .running
                    .as_mut()
                    .filter(|r| r.generation == generation)
                {
                    Some(running) => {
                        running.ready = true;
                        match running.queued.take() {
                            Some(request) => running.worker.post_message(&request).err(),
                            None => None,
                        }
                    }
                    None => None,
                };
                (failed, first_ready)
            };
            if let Some(error) = failed {
                crash(inner, generation, describe(&error));
            }
            if let Some(first_ready) = first_ready {
                first_ready();
            }
        }
        reply::PROGRESS => {
            let callback = {
                let state = inner.borrow();
                state
                    .job
                    .as_ref()
                    .filter(|job| Some(job.id) == id && is_current(&state, generation))
                    .map(|job| Rc::clone(&job.on_progress))
            };
            if let Some(callback) = callback {
                callback(number(key::READ) as u64, number(key::TOTAL) as u64);
            }
        }
        reply::DONE => finish(
            inner,
            generation,
            id,
            Ok(Reply {
                result: text(key::RESULT),
                provenance: get(key::PROVENANCE).as_string(),
                distributions: get(key::DISTRIBUTIONS).as_string(),
                phases: Phases {
                    read_ms: get(key::READ_MS).as_f64().unwrap_or(0.0),
                    parse_ms: get(key::PARSE_MS).as_f64().unwrap_or(0.0),
                },
            }),
        ),
        reply::ERROR => {
            let code = ErrorCode::parse(&text(key::CODE)).unwrap_or(ErrorCode::Internal);
            let error = JobError {
                code,
                message: text(key::MESSAGE),
                file: get(key::FILE).as_string(),
            };
            finish(inner, generation, id, Err(AnalysisError::Input(error)));
        }
        reply::PANIC => crash(inner, generation, text(key::MESSAGE)),
        _ => {}
    }
}

fn is_current(state: &Inner, generation: u32) -> bool {
    state
        .running
        .as_ref()
        .is_some_and(|r| r.generation == generation)
}

/// Resolves the pending call `id` of the current worker.
fn finish(
    inner: &Rc<RefCell<Inner>>,
    generation: u32,
    id: Option<u32>,
    outcome: Result<Reply, AnalysisError>,
) {
    let pending = {
        let mut state = inner.borrow_mut();
        let matches = state.job.as_ref().is_some_and(|job| Some(job.id) == id);
        if !(matches && is_current(&state, generation)) {
            return;
        }
        state.job.take()
    };
    if let Some(pending) = pending {
        let _ = pending.reply.send(outcome);
    }
}

/// The worker `generation` died: replace it (now if a call was running, else on the next
/// call) and fail the running call.
fn crash(inner: &Rc<RefCell<Inner>>, generation: u32, message: String) {
    let (old, pending) = {
        let mut state = inner.borrow_mut();
        if !is_current(&state, generation) {
            return;
        }
        let old = state.running.take();
        let pending = state.job.take();
        if pending.is_some() {
            let fresh = spawn(&mut state, inner);
            state.running = fresh.ok();
        }
        (old, pending)
    };
    crate::rum::errors::worker_crashed(&message);
    if let Some(old) = old {
        old.worker.terminate();
    }
    if let Some(pending) = pending {
        let _ = pending.reply.send(Err(AnalysisError::Crashed(message)));
    }
}

#[cfg(test)]
mod tests {
    use shared::api::{FileProvenance, FileRole};

    use super::*;

    #[test]
    fn a_result_is_assembled_with_its_hashes() {
        let mut profiler = shared::profile::Profiler::new(ProfileOptions::default());
        profiler.push(b"x\n1\n2\n");
        let profile = profiler.finish().into_profile();
        let provenance = |sha256: &str| Provenance {
            app_version: "0.1.0".into(),
            generated_at: "2026-11-26T08:00:00.000Z".into(),
            files: vec![FileProvenance {
                role: FileRole::Input,
                name: "x.csv".into(),
                bytes: 6,
                sha256: sha256.into(),
            }],
            parameters: serde_json::Value::Null,
        };
        // What the worker posts: the result's JSON and a provenance without hashes.
        let result = serde_json::to_string_pretty(&profile).unwrap();
        let unhashed = serde_json::to_string(&provenance("")).unwrap();
        let outcome =
            Outcome::<Profile>::assemble(&result, Some(&unhashed), &["ab".to_owned()]).unwrap();
        assert_eq!(outcome.result, profile);
        assert_eq!(outcome.provenance, provenance("ab"));
        let expected = serde_json::to_string_pretty(&shared::api::WithProvenance {
            result: &profile,
            provenance: provenance("ab"),
        })
        .unwrap();
        assert_eq!(outcome.json, expected);

        let assemble = |result: &str, provenance: Option<&str>, hashes: &[String]| {
            Outcome::<Profile>::assemble(result, provenance, hashes)
        };
        for broken in [
            assemble("{}", Some(&unhashed), &["ab".to_owned()]),
            assemble(&result, None, &["ab".to_owned()]),
            assemble(&result, Some(&unhashed), &[]),
        ] {
            assert!(matches!(broken, Err(AnalysisError::Crashed(_))));
        }
    }

    #[test]
    fn errors_read_as_sentences() {
        let input = AnalysisError::Input(JobError::empty("a.csv"));
        assert_eq!(input.code(), Some(ErrorCode::EmptyFile));
        assert!(input.to_string().starts_with("The file “a.csv” is empty"));
        assert_eq!(AnalysisError::Cancelled.code(), None);
        assert!(
            AnalysisError::Crashed("boom".into())
                .to_string()
                .ends_with("Details: boom")
        );
    }
}
