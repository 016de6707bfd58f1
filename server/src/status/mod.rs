//! The public status page (seed §3.1 step 6, communicating with stakeholders; §7.1): components
//! and their state in Statuspage's words, derived from the synthetic probes' stored results with
//! threshold counts; maintenance windows; the page (`GET /status`), its JSON (`GET /api/status`)
//! and the Atom feed of state changes (`GET /status/feed.atom`).
//!
//! - [`evaluate`]: runs → probe levels (with the thresholds) → a component's state; no I/O.
//! - [`maintenance`]: maintenance windows, and whether something is under maintenance.
//! - [`page`], [`feed`]: the HTML page and its stylesheet, the Atom feed.
//! - [`Status`] (here): the configured components, [`Status::refresh`] (read the results,
//!   compute every state, note the changes) and [`run`], the loop that refreshes in the
//!   background so changes are noted when they happen, not when someone looks.

pub mod evaluate;
pub mod feed;
pub mod incidents;
pub mod maintenance;
pub mod page;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::probes::Probes;
use crate::storage::{MaintenanceRow, StorageError, Store};
use evaluate::{Level, Thresholds};
pub use maintenance::{MaintenanceSpec, Window, Windows};

/// Runs read per probe to derive its level.
pub const RUNS_PER_PROBE: i64 = 100;
/// How often [`run`] refreshes the states.
pub const REFRESH_INTERVAL: Duration = Duration::from_secs(10);

/// The `[status]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StatusConfig {
    /// The page's title and the feed's.
    pub page_name: String,
    /// The page's public address (Statuspage's `page.url`); empty: not given.
    pub page_url: String,
    /// Runs in a row at a worse level before a probe moves down (3: one blip does not flip it).
    pub failure_threshold: u32,
    /// Runs in a row at a better level before a probe moves back up.
    pub success_threshold: u32,
    /// The components shown; empty: "App", "API", "RUM intake" and one per probe.
    pub components: Vec<ComponentSpec>,
}

impl Default for StatusConfig {
    fn default() -> Self {
        Self {
            page_name: "CSV Analyzer".to_string(),
            page_url: String::new(),
            failure_threshold: 3,
            success_threshold: 2,
            components: Vec::new(),
        }
    }
}

/// A `[[status.components]]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentSpec {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The probes whose results make its state; none: "no data".
    #[serde(default)]
    pub probes: Vec<String>,
}

impl StatusConfig {
    /// Checks values that parse but make no sense; returns the key and why.
    pub fn validate(&self, windows: &[MaintenanceSpec]) -> Result<(), (String, String)> {
        if self.page_name.trim().is_empty() {
            return Err(("status.page_name".into(), "must not be empty".into()));
        }
        for (key, value) in [
            ("status.failure_threshold", self.failure_threshold),
            ("status.success_threshold", self.success_threshold),
        ] {
            if !(1..=100).contains(&value) {
                return Err((key.into(), "must be from 1 to 100".into()));
            }
        }
        let mut ids = std::collections::BTreeSet::new();
        for (i, c) in self.components.iter().enumerate() {
            if c.name.trim().is_empty() || c.name.chars().count() > 100 {
                return Err((
                    "status.components".into(),
                    format!(
                        "component {}: the name must have 1 to 100 characters",
                        i + 1
                    ),
                ));
            }
            if !ids.insert(component_id(&c.name, i)) {
                return Err((
                    "status.components".into(),
                    format!("component `{}`: the name (or its id) is used twice", c.name),
                ));
            }
        }
        for (i, w) in windows.iter().enumerate() {
            w.check(format!("config-{}", i + 1), true)
                .map_err(|why| ("maintenance".to_string(), why))?;
        }
        Ok(())
    }
}

/// A component's state: Statuspage's words, and `no_data` for a component none of whose probes
/// has run (never shown as operational).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ComponentState {
    Operational,
    DegradedPerformance,
    PartialOutage,
    MajorOutage,
    UnderMaintenance,
    NoData,
}

impl ComponentState {
    /// As stored and answered, e.g. `partial_outage`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Operational => "operational",
            Self::DegradedPerformance => "degraded_performance",
            Self::PartialOutage => "partial_outage",
            Self::MajorOutage => "major_outage",
            Self::UnderMaintenance => "under_maintenance",
            Self::NoData => "no_data",
        }
    }

    /// For people, e.g. "Partial outage".
    pub fn label(self) -> &'static str {
        match self {
            Self::Operational => "Operational",
            Self::DegradedPerformance => "Degraded performance",
            Self::PartialOutage => "Partial outage",
            Self::MajorOutage => "Major outage",
            Self::UnderMaintenance => "Under maintenance",
            Self::NoData => "No data",
        }
    }

    /// How bad it is, for "the worst component".
    fn severity(self) -> u8 {
        match self {
            Self::NoData => 0,
            Self::Operational => 1,
            Self::UnderMaintenance => 2,
            Self::DegradedPerformance => 3,
            Self::PartialOutage => 4,
            Self::MajorOutage => 5,
        }
    }

    /// Statuspage's page indicator: `none`, `minor`, `major`, `critical` or `maintenance`.
    pub fn indicator(self) -> &'static str {
        match self {
            Self::NoData | Self::Operational => "none",
            Self::UnderMaintenance => "maintenance",
            Self::DegradedPerformance => "minor",
            Self::PartialOutage => "major",
            Self::MajorOutage => "critical",
        }
    }

    /// The overall description, Statuspage's sentences.
    pub fn description(self) -> &'static str {
        match self {
            Self::NoData => "No data yet",
            Self::Operational => "All Systems Operational",
            Self::UnderMaintenance => "Service Under Maintenance",
            Self::DegradedPerformance => "Minor Service Outage",
            Self::PartialOutage => "Partial System Outage",
            Self::MajorOutage => "Major Service Outage",
        }
    }

    /// The state stored as `text`, if it is one.
    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Operational,
            Self::DegradedPerformance,
            Self::PartialOutage,
            Self::MajorOutage,
            Self::UnderMaintenance,
            Self::NoData,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// The id of a component: its name in lower case, letters and digits kept, the rest `-`;
/// `component-N` when nothing is left.
pub fn component_id(name: &str, index: usize) -> String {
    let mut id = String::new();
    for c in name.trim().chars() {
        if c.is_ascii_alphanumeric() {
            id.push(c.to_ascii_lowercase());
        } else if !id.ends_with('-') {
            id.push('-');
        }
    }
    let id = id.trim_matches('-').to_string();
    if id.is_empty() {
        format!("component-{}", index + 1)
    } else {
        id
    }
}

/// A component with its probes, as shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Component {
    pub id: String,
    pub name: String,
    pub description: String,
    pub probes: Vec<String>,
}

/// One component's state at the refresh.
#[derive(Debug, Clone)]
pub struct ComponentStatus {
    pub component: Component,
    pub state: ComponentState,
    /// When its latest noted change happened (Unix ms).
    pub updated_ms: Option<i64>,
    /// The active window that puts it under maintenance.
    pub maintenance: Option<Window>,
}

/// Every component's state at one instant.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub at_ms: i64,
    pub components: Vec<ComponentStatus>,
    /// The worst component's state.
    pub overall: ComponentState,
    /// Windows not completed yet (in progress or scheduled), by start.
    pub windows: Vec<Window>,
}

/// The status page's set-up. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Status {
    inner: Arc<StatusInner>,
}

#[derive(Debug)]
struct StatusInner {
    config: StatusConfig,
    config_windows: Vec<Window>,
    /// One refresh at a time in this process, so a change is noted once.
    refreshing: tokio::sync::Mutex<()>,
}

impl Status {
    /// From the validated `[status]` and `[[maintenance]]` tables.
    pub fn new(config: &StatusConfig, windows: &[MaintenanceSpec]) -> Result<Status, String> {
        let config_windows = windows
            .iter()
            .enumerate()
            .map(|(i, w)| w.check(format!("config-{}", i + 1), true))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Status {
            inner: Arc::new(StatusInner {
                config: config.clone(),
                config_windows,
                refreshing: tokio::sync::Mutex::new(()),
            }),
        })
    }

    pub fn config(&self) -> &StatusConfig {
        &self.inner.config
    }

    fn thresholds(&self) -> Thresholds {
        Thresholds {
            failure: self.inner.config.failure_threshold,
            success: self.inner.config.success_threshold,
        }
    }

    /// The components shown: the configured ones, or "App", "API", "RUM intake" (no probes
    /// until configured) and one per defined probe.
    pub fn components(&self, probes: &Probes) -> Vec<Component> {
        let configured = &self.inner.config.components;
        if !configured.is_empty() {
            return configured
                .iter()
                .enumerate()
                .map(|(i, c)| Component {
                    id: component_id(&c.name, i),
                    name: c.name.trim().to_string(),
                    description: c.description.clone(),
                    probes: c.probes.clone(),
                })
                .collect();
        }
        let mut components: Vec<Component> = [
            (
                "App",
                "The browser app: the page, its WebAssembly and scripts",
            ),
            ("API", "The server's HTTP API"),
            ("RUM intake", "Real-user monitoring beacons (POST /api/rum)"),
        ]
        .iter()
        .enumerate()
        .map(|(i, (name, description))| Component {
            id: component_id(name, i),
            name: (*name).to_string(),
            description: (*description).to_string(),
            probes: Vec::new(),
        })
        .collect();
        for (spec, _) in probes.list() {
            let mut id = format!("probe-{}", component_id(&spec.name, components.len()));
            if components.iter().any(|c| c.id == id) {
                id = format!("{id}-{}", components.len() + 1);
            }
            components.push(Component {
                id,
                name: format!("Probe {}", spec.name),
                description: format!("The {} probe `{}`", spec.kind.as_str(), spec.name),
                probes: vec![spec.name.clone()],
            });
        }
        components
    }

    /// Every window (configuration and database) that ends after `after_ms`.
    pub async fn windows(&self, store: &Store, after_ms: i64) -> Result<Windows, StorageError> {
        let mut all: Vec<Window> = self
            .inner
            .config_windows
            .iter()
            .filter(|w| w.end_ms > after_ms)
            .cloned()
            .collect();
        for row in store.status().maintenance_windows(after_ms).await? {
            all.push(window_of_row(row));
        }
        all.sort_by(|a, b| (a.start_ms, &a.id).cmp(&(b.start_ms, &b.id)));
        Ok(Windows(all))
    }

    /// Every window of the configuration file (whatever their dates).
    pub fn config_windows(&self) -> &[Window] {
        &self.inner.config_windows
    }

    /// Whether `name` — a component's id or name, or a probe's name — is under maintenance at
    /// `at_ms`: an active window names it, or names a component that lists that probe. The
    /// alerting engine (issue 8) holds the alerts of whatever this says is under maintenance.
    pub async fn is_under_maintenance(
        &self,
        store: &Store,
        probes: &Probes,
        name: &str,
        at_ms: i64,
    ) -> Result<bool, StorageError> {
        let windows = self.windows(store, at_ms).await?;
        if windows.covers(&[name], at_ms) {
            return Ok(true);
        }
        Ok(self
            .components(probes)
            .iter()
            .filter(|c| c.id == name || c.name == name || c.probes.iter().any(|p| p == name))
            .any(|c| windows.covers(&[&c.id, &c.name], at_ms)))
    }

    /// Reads the probes' latest runs, computes every component's state at `now_ms`, and notes
    /// each change (`status_changes`) at the time of the run or window that made it.
    pub async fn refresh(
        &self,
        store: &Store,
        probes: &Probes,
        now_ms: i64,
    ) -> Result<Snapshot, StorageError> {
        let _one_at_a_time = self.inner.refreshing.lock().await;
        let repo = store.status();
        let windows = self.windows(store, now_ms).await?;
        let latest = repo.latest_changes().await?;
        let mut levels: std::collections::BTreeMap<String, Option<(Level, i64)>> =
            std::collections::BTreeMap::new();
        let mut out = Vec::new();
        for component in self.components(probes) {
            let named_window = windows
                .covering(&[&component.id, &component.name], now_ms)
                .next()
                .cloned();
            let mut probe_levels = Vec::new();
            let mut since = None::<i64>;
            let mut all_probes_in_maintenance = !component.probes.is_empty();
            let mut probe_window = None;
            for probe in &component.probes {
                if let Some(w) = windows.covering(&[probe.as_str()], now_ms).next() {
                    probe_window.get_or_insert_with(|| w.clone());
                    continue;
                }
                all_probes_in_maintenance = false;
                let level = match levels.get(probe) {
                    Some(level) => *level,
                    None => {
                        let mut runs: Vec<(i64, Level)> = repo
                            .latest_runs(probe, RUNS_PER_PROBE)
                            .await?
                            .into_iter()
                            // Runs that could not measure the target say nothing of it.
                            .filter(|r| !crate::probes::check::is_unavailable(r.failure.as_deref()))
                            .map(|r| {
                                (
                                    r.started_ms,
                                    evaluate::level_of(r.success != 0, r.failure.as_deref()),
                                )
                            })
                            .collect();
                        runs.reverse();
                        let level = evaluate::probe_level(&runs, self.thresholds());
                        levels.insert(probe.clone(), level);
                        level
                    }
                };
                if let Some((_, at)) = level {
                    since = Some(since.map_or(at, |s| s.max(at)));
                }
                probe_levels.push(level.map(|(l, _)| l));
            }
            let maintenance = named_window.or(if all_probes_in_maintenance {
                probe_window
            } else {
                None
            });
            let state = match &maintenance {
                Some(w) => {
                    since = Some(w.start_ms);
                    ComponentState::UnderMaintenance
                }
                None => evaluate::combine(&probe_levels),
            };
            let previous = latest.iter().find(|c| c.component == component.id);
            let mut updated_ms = previous.map(|p| p.changed_ms);
            let changed = match previous {
                Some(p) => p.state != state.as_str(),
                None => state != ComponentState::NoData,
            };
            if changed {
                // At the run (or window start) that made it, never before the previous change
                // nor after now, so the feed stays in order.
                let floor = previous.map_or(i64::MIN, |p| p.changed_ms);
                let at = since.unwrap_or(now_ms).clamp(floor, now_ms.max(floor));
                if repo
                    .record_if_changed(&component.id, &component.name, state.as_str(), at)
                    .await?
                {
                    tracing::info!(
                        component = %component.id,
                        state = state.as_str(),
                        previous = previous.map_or("none", |p| p.state.as_str()),
                        "component state changed"
                    );
                }
                updated_ms = Some(at);
            }
            out.push(ComponentStatus {
                component,
                state,
                updated_ms,
                maintenance,
            });
        }
        let overall = out
            .iter()
            .map(|c| c.state)
            .max_by_key(|s| s.severity())
            .unwrap_or(ComponentState::NoData);
        Ok(Snapshot {
            at_ms: now_ms,
            components: out,
            overall,
            windows: windows.0,
        })
    }
}

/// A stored window (its `components` JSON unreadable: none).
pub fn window_of_row(row: MaintenanceRow) -> Window {
    Window {
        id: row.id,
        name: row.name,
        components: serde_json::from_str(&row.components).unwrap_or_default(),
        start_ms: row.start_ms,
        end_ms: row.end_ms,
        comment: row.comment,
        from_config: false,
    }
}

/// Refreshes the states every [`REFRESH_INTERVAL`] until `shutdown` completes, so changes are
/// noted (and the feed written) whether or not anyone reads the page.
pub async fn run(status: Status, store: Store, probes: Probes, shutdown: impl Future<Output = ()>) {
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        if let Err(error) = status
            .refresh(&store, &probes, crate::probes::unix_now_ms())
            .await
        {
            tracing::warn!(error = %error, "refreshing the status page failed");
        }
        tokio::select! {
            () = &mut shutdown => break,
            () = tokio::time::sleep(REFRESH_INTERVAL) => {}
        }
    }
}

/// One day of a component's 90-day bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DayBar {
    /// The UTC day's start, Unix ms.
    pub day_ms: i64,
    pub runs: i64,
    pub successes: i64,
}

impl DayBar {
    /// Successes over runs, `None` without runs.
    pub fn availability(&self) -> Option<f64> {
        (self.runs > 0).then(|| self.successes as f64 / self.runs as f64)
    }
}

/// A component's history for the page: 90 daily bars (oldest first, today last) and the mean
/// response time of each hour of the last 24 (hours without runs left out).
#[derive(Debug, Clone, Default)]
pub struct History {
    pub days: Vec<DayBar>,
    pub hours: Vec<(i64, f64)>,
}

impl History {
    /// Availability over the 90 days, `None` without runs.
    pub fn uptime(&self) -> Option<f64> {
        let runs: i64 = self.days.iter().map(|d| d.runs).sum();
        let successes: i64 = self.days.iter().map(|d| d.successes).sum();
        (runs > 0).then(|| successes as f64 / runs as f64)
    }
}

/// Days in the uptime bars.
pub const BAR_DAYS: i64 = 90;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;
const HOUR_MS: i64 = 60 * 60 * 1000;

/// The component's 90 days and 24 hours, from the probes' hourly counts (all locations).
pub async fn history(
    store: &Store,
    component: &Component,
    now_ms: i64,
) -> Result<History, StorageError> {
    let today = crate::storage::status::day_of(now_ms);
    let first_day = today - (BAR_DAYS - 1) * DAY_MS;
    let repo = store.status();
    let daily = repo.counts(&component.probes, first_day, DAY_MS).await?;
    let days = (0..BAR_DAYS)
        .map(|i| {
            let day_ms = first_day + i * DAY_MS;
            let found = daily.iter().find(|c| c.start_ms == day_ms);
            DayBar {
                day_ms,
                runs: found.map_or(0, |c| c.runs),
                successes: found.map_or(0, |c| c.successes),
            }
        })
        .collect();
    let hourly = repo
        .counts(&component.probes, now_ms - 23 * HOUR_MS, HOUR_MS)
        .await?;
    let hours = hourly
        .into_iter()
        .filter(|c| c.runs > 0 && c.duration_ms_sum.is_finite())
        .map(|c| (c.start_ms, c.duration_ms_sum / c.runs as f64))
        .collect();
    Ok(History { days, hours })
}
