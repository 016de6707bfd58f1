//! Reading a CSV file or standard input into the engine, using every core.
//!
//! One thread reads and parses records (`CsvSource`, sequential by nature: quotes can hide
//! newlines); batches go through a bounded channel to worker threads, each with its own
//! `TableAccumulator`; the accumulators are merged at the end. Memory stays bounded by the
//! channel's capacity plus the accumulators (values up to the exact limit, then sketches).

use std::fs::File;
use std::io::{self, Read};
use std::path::PathBuf;

use shared::csv_input::{CsvSource, RecordBatch, SourceEvent, find_binary_byte};
use shared::profile::{ColumnJob, ColumnResult, ProfileOptions, TableAccumulator, TableSummary};
use shared::quality::{QualityEvaluator, QualityOptions, QualityReport};

/// Read size from the file or pipe.
const READ_CHUNK: usize = 1 << 20;
/// Batches waiting for a worker, per worker.
const QUEUE_PER_WORKER: usize = 2;

#[derive(Debug, Clone)]
pub enum InputPath {
    File(PathBuf),
    Stdin,
}

impl InputPath {
    pub fn display(&self) -> String {
        match self {
            InputPath::File(path) => path.display().to_string(),
            InputPath::Stdin => "standard input".to_string(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{path}: no such file")]
    NotFound { path: String },
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
    #[error("{path}: not a CSV file (a NUL byte at offset {offset}: binary data, or UTF-16 text)")]
    Binary { path: String, offset: u64 },
    #[error("{path}: is a directory")]
    Directory { path: String },
}

/// An opened input that checks its first bytes for NULs as they pass.
struct CheckedReader {
    inner: Box<dyn Read + Send>,
    path: String,
    position: u64,
}

impl CheckedReader {
    fn open(input: &InputPath) -> Result<Self, InputError> {
        let path = input.display();
        let inner: Box<dyn Read + Send> = match input {
            InputPath::Stdin => Box::new(io::stdin()),
            InputPath::File(file) => {
                if file.is_dir() {
                    return Err(InputError::Directory { path });
                }
                match File::open(file) {
                    Ok(f) => Box::new(f),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {
                        return Err(InputError::NotFound { path });
                    }
                    Err(source) => return Err(InputError::Io { path, source }),
                }
            }
        };
        Ok(Self {
            inner,
            path,
            position: 0,
        })
    }

    /// Reads the next chunk into `buffer`; `Ok(0)` at the end.
    fn read_chunk(&mut self, buffer: &mut [u8]) -> Result<usize, InputError> {
        let n = loop {
            match self.inner.read(buffer) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(source) => {
                    return Err(InputError::Io {
                        path: self.path.clone(),
                        source,
                    });
                }
            }
        };
        if let Some(offset) = find_binary_byte(&buffer[..n], self.position) {
            return Err(InputError::Binary {
                path: self.path.clone(),
                offset,
            });
        }
        self.position += n as u64;
        Ok(n)
    }
}

/// Profiles an input with `threads` workers.
pub fn read_table(
    input: &InputPath,
    options: &ProfileOptions,
    threads: usize,
) -> Result<TableSummary, InputError> {
    let mut reader = CheckedReader::open(input)?;
    let mut source = CsvSource::new(options.read.clone());
    let (sender, receiver) = crossbeam_channel::bounded::<RecordBatch>(threads * QUEUE_PER_WORKER);
    // Used batches come back here to be refilled, so their buffers are allocated once.
    let (recycle, recycled) = crossbeam_channel::unbounded::<RecordBatch>();
    std::thread::scope(|scope| {
        let mut workers = Vec::new();
        let mut header_seen = None;
        let mut buffer = vec![0u8; READ_CHUNK];
        let mut read_error = None;
        {
            let mut sink = |event: SourceEvent<'_>| match event {
                SourceEvent::Header(header) => {
                    header_seen = Some(header.clone());
                    let base = TableAccumulator::new(header.clone(), options.clone());
                    for _ in 0..threads {
                        let receiver = receiver.clone();
                        let recycle = recycle.clone();
                        let mut table = base.fork();
                        workers.push(scope.spawn(move || {
                            for batch in receiver {
                                table.add_batch(&batch);
                                let _ = recycle.send(batch);
                            }
                            table.mark_sorted_columns();
                            table
                        }));
                    }
                }
                SourceEvent::Batch(batch) => {
                    let empty = recycled.try_recv().unwrap_or_default();
                    let full = std::mem::replace(batch, empty);
                    // Workers only stop when the channel closes, so sending cannot fail.
                    let _ = sender.send(full);
                }
            };
            loop {
                match reader.read_chunk(&mut buffer) {
                    Ok(0) => break,
                    Ok(n) => source.push(&buffer[..n], &mut sink),
                    Err(error) => {
                        read_error = Some(error);
                        break;
                    }
                }
            }
            if read_error.is_none() {
                source.finish(&mut sink);
            }
        }
        drop(sender);
        let tables: Vec<TableAccumulator> = workers
            .into_iter()
            .map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect();
        if let Some(error) = read_error {
            return Err(error);
        }
        let mut tables = tables.into_iter();
        let first = match tables.next() {
            Some(first) => first,
            None => {
                let header = header_seen.ok_or_else(|| InputError::Io {
                    path: input.display(),
                    source: io::Error::other("the CSV reader produced no header"),
                })?;
                TableAccumulator::new(header, options.clone())
            }
        };
        let (assembly, jobs) =
            first.finish_jobs(tables.collect(), source.bytes_seen(), source.had_bom());
        Ok(assembly.assemble(run_jobs(jobs, threads)))
    })
}

/// Runs the per-column finishing jobs on `threads` threads (biggest columns first), returning
/// the results in column order.
fn run_jobs(jobs: Vec<ColumnJob>, threads: usize) -> Vec<ColumnResult> {
    let count = jobs.len();
    let mut order: Vec<(usize, ColumnJob)> = jobs.into_iter().enumerate().collect();
    order.sort_by_key(|(_, job)| std::cmp::Reverse(job.weight()));
    let queue = std::sync::Mutex::new(std::collections::VecDeque::from(order));
    let mut results: Vec<Option<ColumnResult>> = (0..count).map(|_| None).collect();
    let done = std::sync::Mutex::new(Vec::with_capacity(count));
    std::thread::scope(|scope| {
        for _ in 0..threads.min(count).max(1) {
            scope.spawn(|| {
                loop {
                    let next = queue.lock().ok().and_then(|mut q| q.pop_front());
                    let Some((index, job)) = next else { break };
                    let result = job.run();
                    if let Ok(mut done) = done.lock() {
                        done.push((index, result));
                    }
                }
            });
        }
    });
    for (index, result) in done.into_inner().unwrap_or_default() {
        results[index] = Some(result);
    }
    results.into_iter().flatten().collect()
}

/// Evaluates model quality over an input (single thread: the work per row is small).
pub fn read_quality(
    input: &InputPath,
    options: QualityOptions,
) -> Result<Result<QualityReport, shared::quality::QualityError>, InputError> {
    let mut reader = CheckedReader::open(input)?;
    let mut evaluator = QualityEvaluator::new(options);
    let mut buffer = vec![0u8; READ_CHUNK];
    loop {
        let n = reader.read_chunk(&mut buffer)?;
        if n == 0 {
            break;
        }
        evaluator.push(&buffer[..n]);
        if evaluator.error().is_some() {
            break;
        }
    }
    Ok(evaluator.finish())
}
