//! Synthetic monitoring: probes that check, on a schedule, that the app and its dependencies
//! answer — from the server itself (location `local`) and from probe agents elsewhere.
//!
//! - [`spec`]: a probe's definition ([`ProbeSpec`]) as the configuration file and the API take
//!   it; validation, redaction of secrets.
//! - [`check`]: a definition compiled to a runnable [`CompiledProbe`]; a run's [`Outcome`].
//! - [`http`], [`transaction`], [`browser`], [`tcp`], [`dns`]: the kinds.
//! - [`agent`]: the probe agent (`csv-analyzer probe-agent`): definitions from the server, the
//!   same scheduler, results spooled and pushed back.
//! - [`scheduler`]: runs the local probes on their intervals (stable jitter, a concurrency
//!   limit, hard timeouts) and records the results (database, `/metrics`).
//! - [`Probes`] (here): the set of defined probes, from the configuration file (read-only
//!   through the API) and from the API (stored in the database), shared by the routes and the
//!   scheduler.

pub mod agent;
pub mod browser;
pub mod check;
pub mod dns;
pub mod http;
pub mod scheduler;
pub mod spec;
pub mod tcp;
pub mod transaction;

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use tokio::sync::{Notify, Semaphore};
use utoipa::ToSchema;

pub use check::{CompiledProbe, Outcome, StepTiming};
pub use spec::{LOCAL, ProbeKind, ProbeSpec, REDACTED};

use crate::config::SyntheticConfig;
use crate::storage::{StorageError, Store};
use crate::telemetry::metrics::Metrics;

/// Where a probe's definition comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The configuration file: read-only through the API.
    Config,
    /// The API (stored in the database).
    Api,
}

/// Why a change to the probes was refused.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("{0}")]
    Invalid(String),
    #[error("a probe named `{0}` exists already")]
    Exists(String),
    #[error("no probe named `{0}`")]
    NotFound(String),
    #[error("probe `{0}` is defined in the configuration file: change it there")]
    ReadOnly(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// One defined probe.
#[derive(Debug)]
pub(crate) struct Entry {
    spec: ProbeSpec,
    source: Source,
    /// Compiled when the probe runs here (its locations include `local`).
    compiled: Option<Arc<CompiledProbe>>,
    /// When the scheduler runs it next.
    next_due: Option<Instant>,
    /// Whether a run is in flight (the next one is skipped until it ends).
    running: Arc<AtomicBool>,
    /// Changes with every replacement, so a run of an older definition is not recorded.
    generation: u64,
}

/// The defined probes. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Probes {
    inner: Arc<Inner>,
}

/// Where the results of the runs go.
#[derive(Debug)]
pub(crate) enum Sink {
    /// The server: its database (and `/metrics`).
    Store(Store),
    /// A probe agent: each run's report, to be spooled and pushed to the server.
    Agent(tokio::sync::mpsc::UnboundedSender<scheduler::RunReport>),
}

#[derive(Debug)]
pub(crate) struct Inner {
    entries: Mutex<BTreeMap<String, Entry>>,
    permits: Arc<Semaphore>,
    sink: Sink,
    /// The location these probes run at: `local` on the server, the agent's otherwise.
    location: String,
    metrics: Arc<Metrics>,
    /// Wakes the scheduler when a probe is added or changed.
    wake: Notify,
    /// The origin of every probe's phase (its jitter is an offset from here).
    anchor: Instant,
    next_generation: std::sync::atomic::AtomicU64,
}

impl Probes {
    /// The probes of the configuration file, compiled; errors name the probe.
    pub fn new(
        settings: &SyntheticConfig,
        configured: &[ProbeSpec],
        store: Store,
        metrics: Arc<Metrics>,
    ) -> Result<Probes, String> {
        let probes = Probes {
            inner: Arc::new(Inner {
                entries: Mutex::new(BTreeMap::new()),
                permits: Arc::new(Semaphore::new(settings.max_concurrency.max(1))),
                sink: Sink::Store(store),
                location: LOCAL.to_string(),
                metrics,
                wake: Notify::new(),
                anchor: Instant::now(),
                next_generation: std::sync::atomic::AtomicU64::new(1),
            }),
        };
        for spec in configured {
            if probes.lock().contains_key(&spec.name) {
                return Err(format!("probe `{}` is defined twice", spec.name));
            }
            let entry = probes.entry(spec.clone(), Source::Config, false)?;
            probes.lock().insert(spec.name.clone(), entry);
        }
        Ok(probes)
    }

    /// Adds the probes stored through the API. A stored probe whose name a configuration probe
    /// took since, or that no longer validates, is skipped with a warning.
    pub async fn load_stored(&self) -> Result<usize, StorageError> {
        let Sink::Store(store) = &self.inner.sink else {
            return Ok(0);
        };
        let stored = store.probe_definitions().list().await?;
        let mut loaded = 0;
        for row in stored {
            let spec: ProbeSpec = match serde_json::from_str(&row.definition) {
                Ok(spec) => spec,
                Err(error) => {
                    tracing::warn!(probe = %row.name, error = %error, "a stored probe definition does not parse; skipped");
                    continue;
                }
            };
            if self.lock().contains_key(&spec.name) {
                tracing::warn!(probe = %spec.name, "a stored probe has the name of a configuration probe; the configuration's is kept");
                continue;
            }
            match self.entry(spec.clone(), Source::Api, false) {
                Ok(entry) => {
                    self.lock().insert(spec.name.clone(), entry);
                    loaded += 1;
                }
                Err(error) => {
                    tracing::warn!(probe = %spec.name, error = %error, "a stored probe is not valid any more; skipped");
                }
            }
        }
        self.inner.wake.notify_one();
        Ok(loaded)
    }

    /// Every probe, by name.
    pub fn list(&self) -> Vec<(ProbeSpec, Source)> {
        self.lock()
            .values()
            .map(|e| (e.spec.clone(), e.source))
            .collect()
    }

    /// The probe called `name`.
    pub fn get(&self, name: &str) -> Option<(ProbeSpec, Source)> {
        self.lock().get(name).map(|e| (e.spec.clone(), e.source))
    }

    /// Defines a probe through the API; it first runs at once.
    pub async fn create(&self, spec: ProbeSpec) -> Result<(), ProbeError> {
        let entry = self
            .entry(spec.clone(), Source::Api, true)
            .map_err(ProbeError::Invalid)?;
        if let Some(existing) = self.lock().get(&spec.name) {
            return Err(match existing.source {
                Source::Config => ProbeError::ReadOnly(spec.name.clone()),
                Source::Api => ProbeError::Exists(spec.name.clone()),
            });
        }
        let json = definition_json(&spec)?;
        if !self
            .store()?
            .probe_definitions()
            .insert(&spec.name, &json, unix_now_ms())
            .await?
        {
            return Err(ProbeError::Exists(spec.name));
        }
        self.lock().insert(spec.name.clone(), entry);
        self.inner.wake.notify_one();
        tracing::info!(probe = %spec.name, kind = spec.kind.as_str(), "probe defined");
        Ok(())
    }

    /// Replaces an API probe's definition (secrets sent back as `***` are kept); it runs at once.
    pub async fn replace(&self, name: &str, mut spec: ProbeSpec) -> Result<ProbeSpec, ProbeError> {
        let previous = match self.lock().get(name) {
            None => return Err(ProbeError::NotFound(name.to_string())),
            Some(e) if e.source == Source::Config => {
                return Err(ProbeError::ReadOnly(name.to_string()));
            }
            Some(e) => e.spec.clone(),
        };
        if spec.name != name {
            return Err(ProbeError::Invalid(format!(
                "the body's name `{}` is not the probe's name `{name}` (a probe cannot be renamed)",
                spec.name
            )));
        }
        spec.restore_secrets(&previous);
        let entry = self
            .entry(spec.clone(), Source::Api, true)
            .map_err(ProbeError::Invalid)?;
        let json = definition_json(&spec)?;
        if !self
            .store()?
            .probe_definitions()
            .update(name, &json, unix_now_ms())
            .await?
        {
            return Err(ProbeError::NotFound(name.to_string()));
        }
        self.lock().insert(name.to_string(), entry);
        self.inner.metrics.probes().forget(name);
        self.inner.wake.notify_one();
        tracing::info!(probe = %name, "probe replaced");
        Ok(spec)
    }

    /// Deletes an API probe and its results.
    pub async fn delete(&self, name: &str) -> Result<(), ProbeError> {
        match self.lock().get(name) {
            None => return Err(ProbeError::NotFound(name.to_string())),
            Some(e) if e.source == Source::Config => {
                return Err(ProbeError::ReadOnly(name.to_string()));
            }
            Some(_) => {}
        }
        self.store()?.probe_definitions().delete(name).await?;
        self.lock().remove(name);
        self.inner.metrics.probes().forget(name);
        tracing::info!(probe = %name, "probe deleted");
        Ok(())
    }

    /// A validated, compiled entry; `run_now`: due at once, else at its jittered phase.
    fn entry(&self, spec: ProbeSpec, source: Source, run_now: bool) -> Result<Entry, String> {
        spec.validate()?;
        let compiled = if spec.locations.contains(&self.inner.location) {
            Some(Arc::new(CompiledProbe::compile(&spec)?))
        } else {
            None
        };
        let next_due = compiled.as_ref().map(|_| {
            let now = Instant::now();
            if run_now {
                now
            } else {
                scheduler::first_due(self.inner.anchor, now, &spec)
            }
        });
        Ok(Entry {
            spec,
            source,
            compiled,
            next_due,
            running: Arc::new(AtomicBool::new(false)),
            generation: self
                .inner
                .next_generation
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        })
    }

    /// The probes a probe agent runs at `location`: none until [`Probes::assign`] gives them;
    /// each run's report goes to `results`.
    pub fn for_agent(
        location: &str,
        max_concurrency: usize,
        metrics: Arc<Metrics>,
        results: tokio::sync::mpsc::UnboundedSender<scheduler::RunReport>,
    ) -> Probes {
        Probes {
            inner: Arc::new(Inner {
                entries: Mutex::new(BTreeMap::new()),
                permits: Arc::new(Semaphore::new(max_concurrency.max(1))),
                sink: Sink::Agent(results),
                location: location.to_string(),
                metrics,
                wake: Notify::new(),
                anchor: Instant::now(),
                next_generation: std::sync::atomic::AtomicU64::new(1),
            }),
        }
    }

    /// Makes `specs` the defined probes (a probe agent's refresh): an unchanged definition
    /// keeps its schedule, a new or changed one starts on its phase, a missing one goes.
    /// Returns the definitions that do not compile here, with why (they are left out).
    pub fn assign(&self, specs: Vec<ProbeSpec>) -> Vec<String> {
        let mut refused = Vec::new();
        let mut fresh = BTreeMap::new();
        for spec in specs {
            if let Some(existing) = self.lock().remove(&spec.name)
                && existing.spec == spec
            {
                fresh.insert(spec.name.clone(), existing);
                continue;
            }
            match self.entry(spec.clone(), Source::Api, false) {
                Ok(entry) => {
                    fresh.insert(spec.name.clone(), entry);
                }
                Err(why) => refused.push(why),
            }
        }
        *self.lock() = fresh;
        self.inner.wake.notify_one();
        refused
    }

    /// The location these probes run at.
    pub fn location(&self) -> &str {
        &self.inner.location
    }

    fn store(&self) -> Result<&Store, ProbeError> {
        match &self.inner.sink {
            Sink::Store(store) => Ok(store),
            Sink::Agent(_) => Err(ProbeError::Invalid(
                "a probe agent takes its probes from the server".to_string(),
            )),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Entry>> {
        self.inner
            .entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

fn definition_json(spec: &ProbeSpec) -> Result<String, ProbeError> {
    serde_json::to_string(spec).map_err(|e| ProbeError::Invalid(e.to_string()))
}

/// The wall clock in Unix milliseconds.
pub(crate) fn unix_now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
        })
}
