//! The worker side: receives a job, runs it ([`super::jobs`]) on the files the page sent, and
//! posts progress and the result back. Runs in the Web Worker only (`src/bin/worker.rs`).

use std::cell::{Cell, RefCell};

use js_sys::{Array, ArrayBuffer, Object, Reflect, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{
    DedicatedWorkerGlobalScope, File, MessageChannel, MessageEvent, PromiseRejectionEvent,
    ReadableStreamByobReader,
};

use super::jobs::{FileSource, JobContext, SLICE_BYTES, run_job};
use super::protocol::{JobError, JobKind, key, reply};

/// `provenance.app_version` of every result.
pub const APP_VERSION: &str = env!("CARGO_PKG_VERSION");

thread_local! {
    /// The id of the job being run, for the panic message.
    static CURRENT_JOB: Cell<Option<f64>> = const { Cell::new(None) };
}

/// Starts listening for jobs; posts `{type: "ready"}` once it does.
pub fn start() {
    install_panic_hook();
    let scope = scope();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(|event: MessageEvent| {
        on_message(event.data());
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // Lives as long as the worker.
    on_message.forget();
    // A failure that escaped Rust (a trap that is not a panic, e.g. out of memory) surfaces as a
    // rejected promise of the running job: report it like a panic.
    let on_rejection =
        Closure::<dyn FnMut(PromiseRejectionEvent)>::new(|event: PromiseRejectionEvent| {
            post_panic(&describe(&event.reason()));
        });
    let _ = scope.add_event_listener_with_callback(
        "unhandledrejection",
        on_rejection.as_ref().unchecked_ref(),
    );
    on_rejection.forget();
    post(&message(&[
        (key::TYPE, reply::READY.into()),
        (key::VERSION, APP_VERSION.into()),
    ]));
}

/// A panic posts `{type: "panic", id, message}`; the page then replaces this worker (after a
/// panic the wasm instance is dead: the release profile aborts on panic).
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        post_panic(&info.to_string());
    }));
}

fn post_panic(text: &str) {
    let id = CURRENT_JOB.get().map_or(JsValue::NULL, JsValue::from);
    post(&message(&[
        (key::ID, id),
        (key::TYPE, reply::PANIC.into()),
        (key::MESSAGE, text.into()),
    ]));
}

fn on_message(data: JsValue) {
    let get = |name: &str| Reflect::get(&data, &JsValue::from_str(name)).unwrap_or_default();
    let id = get(key::ID);
    let request = parse_request(
        get(key::KIND).as_string(),
        get(key::OPTIONS).as_string(),
        get(key::FILES),
    );
    let (kind, options, files) = match request {
        Ok(request) => request,
        Err(error) => {
            post(&error_message(&id, &error));
            return;
        }
    };
    CURRENT_JOB.set(id.as_f64());
    spawn_local(async move {
        let now_iso = || String::from(js_sys::Date::new_0().to_iso_string());
        let now_ms = js_sys::Date::now;
        let progress_id = id.clone();
        let mut on_progress = move |read: u64, total: u64| {
            post(&message(&[
                (key::ID, progress_id.clone()),
                (key::TYPE, reply::PROGRESS.into()),
                (key::READ, (read as f64).into()),
                (key::TOTAL, (total as f64).into()),
            ]));
        };
        let context = JobContext {
            app_version: APP_VERSION,
            now_iso: &now_iso,
            now_ms: &now_ms,
            on_progress: &mut on_progress,
        };
        let outcome = run_job(kind, &options, &files, context).await;
        CURRENT_JOB.set(None);
        match outcome {
            Ok(output) => {
                let mut entries = vec![
                    (key::ID, id.clone()),
                    (key::TYPE, reply::DONE.into()),
                    (key::RESULT, output.result.into()),
                ];
                if let Some(provenance) = output.provenance {
                    match serde_json::to_string(&provenance) {
                        Ok(json) => entries.push((key::PROVENANCE, json.into())),
                        Err(error) => {
                            post(&error_message(&id, &JobError::internal(error)));
                            return;
                        }
                    }
                }
                if let Some(charts) = output.distributions {
                    entries.push((key::DISTRIBUTIONS, charts.into()));
                }
                entries.push((key::READ_MS, output.phases.read_ms.into()));
                entries.push((key::PARSE_MS, output.phases.parse_ms.into()));
                post(&message(&entries));
            }
            Err(error) => post(&error_message(&id, &error)),
        }
    });
}

fn parse_request(
    kind: Option<String>,
    options: Option<String>,
    files: JsValue,
) -> Result<(JobKind, String, Vec<BrowserFile>), JobError> {
    let kind = kind
        .as_deref()
        .and_then(JobKind::parse)
        .ok_or_else(|| JobError::bad_request(format_args!("unknown kind {kind:?}")))?;
    let options = options.ok_or_else(|| JobError::bad_request("no options"))?;
    let files = files
        .dyn_into::<Array>()
        .map_err(|_| JobError::bad_request("no list of files"))?
        .iter()
        .map(|file| file.dyn_into::<File>().map(BrowserFile::new))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| JobError::bad_request("a file that is not a File"))?;
    Ok((kind, options, files))
}

fn error_message(id: &JsValue, error: &JobError) -> JsValue {
    message(&[
        (key::ID, id.clone()),
        (key::TYPE, reply::ERROR.into()),
        (key::CODE, error.code.as_str().into()),
        (key::MESSAGE, error.message.as_str().into()),
        (
            key::FILE,
            error.file.as_deref().map_or(JsValue::NULL, JsValue::from),
        ),
    ])
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn post(value: &JsValue) {
    // Nothing to do if the page is gone.
    let _ = scope().post_message(value);
}

/// A plain object from (key, value) pairs.
fn message(entries: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    for (name, value) in entries {
        let _ = Reflect::set(&object, &JsValue::from_str(name), value);
    }
    object.into()
}

/// A JS error or value as text.
pub(crate) fn describe(error: &JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "unknown error".to_owned())
}

/// A `File` posted by the page.
///
/// Read front to back through a BYOB reader of its stream, into one buffer that goes to the
/// browser and comes back at each read: a 1 GB file leaves no garbage in the worker's heap (one
/// `arrayBuffer()` per slice left a gigabyte of garbage for the collector, which let the heap
/// grow by a hundred megabytes and more). A read that does not continue where the last one
/// stopped starts a new stream there; a browser whose file streams are not byte streams gets a
/// `Blob.slice` + `arrayBuffer()` per read.
struct BrowserFile {
    file: File,
    stream: RefCell<Option<FrontToBack>>,
}

struct FrontToBack {
    reader: ReadableStreamByobReader,
    /// The offset in the file of the reader's next byte.
    position: u64,
    /// The reused buffer (detached while the browser fills it).
    buffer: ArrayBuffer,
}

impl BrowserFile {
    fn new(file: File) -> Self {
        Self {
            file,
            stream: RefCell::new(None),
        }
    }

    /// A BYOB reader from `start`, or `None` if this browser's file streams are not byte
    /// streams.
    fn open(&self, start: u64) -> Result<Option<FrontToBack>, String> {
        let rest = self
            .file
            .slice_with_f64(start as f64)
            .map_err(|e| describe(&e))?;
        Ok(
            ReadableStreamByobReader::new(&rest.stream()).map_or(None, |reader| {
                Some(FrontToBack {
                    reader,
                    position: start,
                    buffer: ArrayBuffer::new(SLICE_BYTES as u32),
                })
            }),
        )
    }

    async fn read_slice(&self, start: u64, end: u64, into: &mut Vec<u8>) -> Result<(), String> {
        let blob = self
            .file
            .slice_with_f64_and_f64(start as f64, end as f64)
            .map_err(|e| describe(&e))?;
        let buffer = JsFuture::from(blob.array_buffer())
            .await
            .map_err(|e| describe(&e))?;
        let array = Uint8Array::new(&buffer);
        into.resize(array.length() as usize, 0);
        array.copy_to(into);
        Ok(())
    }
}

impl FrontToBack {
    /// Appends the next `wanted` bytes of the file to `into`; fewer if the file ends first.
    async fn read(&mut self, wanted: u64, into: &mut Vec<u8>) -> Result<(), String> {
        let mut left = wanted;
        while left > 0 {
            let length = left.min(u64::from(self.buffer.byte_length())) as u32;
            let view = Uint8Array::new_with_byte_offset_and_length(&self.buffer, 0, length);
            let result = JsFuture::from(self.reader.read_with_array_buffer_view(&view))
                .await
                .map_err(|e| describe(&e))?;
            let field = |name: &str| Reflect::get(&result, &JsValue::from_str(name));
            let chunk: Uint8Array = field("value")
                .map_err(|e| describe(&e))?
                .dyn_into()
                .map_err(|_| "the browser's file stream gave no bytes".to_owned())?;
            // The buffer comes back with the bytes (the view handed over is now detached).
            self.buffer = chunk.buffer();
            let count = chunk.length();
            let filled = into.len();
            into.resize(filled + count as usize, 0);
            chunk.copy_to(&mut into[filled..]);
            self.position += u64::from(count);
            left -= u64::from(count);
            if field("done").is_ok_and(|done| done.is_truthy()) {
                break;
            }
        }
        Ok(())
    }
}

impl Drop for BrowserFile {
    fn drop(&mut self) {
        if let Some(stream) = self.stream.get_mut().take() {
            // A job that stopped early (e.g. after the header): let the browser close the file.
            let _ = stream.reader.cancel();
        }
    }
}

impl FileSource for BrowserFile {
    fn name(&self) -> String {
        self.file.name()
    }

    fn size(&self) -> u64 {
        self.file.size() as u64
    }

    async fn read(&self, start: u64, end: u64, into: &mut Vec<u8>) -> Result<(), String> {
        // Taken out while it is read, so that no borrow is held across an await.
        let taken = self.stream.take().filter(|stream| stream.position == start);
        let stream = match taken {
            Some(stream) => Some(stream),
            None => self.open(start)?,
        };
        let Some(mut stream) = stream else {
            return self.read_slice(start, end, into).await;
        };
        into.clear();
        stream.read(end - start, into).await?;
        self.stream.replace(Some(stream));
        next_task().await
    }
}

/// Resolves in a later task of the worker's event loop: a `MessageChannel` round trip, which
/// the 4 ms clamping of nested timers does not slow. A file whose bytes the browser already
/// holds is read in microtasks only, so without this the worker would handle no event (an
/// error event, the developer tools) until the analysis ends.
async fn next_task() -> Result<(), String> {
    let channel = MessageChannel::new().map_err(|e| describe(&e))?;
    let port = channel.port1();
    let next = js_sys::Promise::new(&mut |resolve, _reject| port.set_onmessage(Some(&resolve)));
    channel
        .port2()
        .post_message(&JsValue::UNDEFINED)
        .map_err(|e| describe(&e))?;
    JsFuture::from(next).await.map_err(|e| describe(&e))?;
    Ok(())
}
