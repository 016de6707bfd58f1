//! Process and host figures read from the operating system (`sysinfo`, i.e. `/proc` on Linux).
//!
//! [`SystemProbe::refresh`] returns a [`SystemSnapshot`]; the metric names these figures are
//! published under live in [`super::metrics`]. A figure the platform cannot give is `None`, and
//! the metric is then left out of the exposition rather than reported as a made-up zero.
//!
//! Refreshing reads a handful of small `/proc` files and one `statvfs` — well under a
//! millisecond — so callers throttle it (`Metrics` refreshes at most once per second).

use std::path::{Path, PathBuf};
use std::time::Instant;

use sysinfo::{
    Disk, DiskRefreshKind, Disks, MINIMUM_CPU_UPDATE_INTERVAL, Pid, ProcessRefreshKind,
    ProcessesToUpdate, System,
};

/// One reading of the process and host figures.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SystemSnapshot {
    /// User + system CPU time consumed by this process since it started.
    pub process_cpu_seconds: Option<f64>,
    /// Resident set size of this process.
    pub process_resident_memory_bytes: Option<u64>,
    /// Entries of `/proc/self/fd`.
    pub process_open_fds: Option<u64>,
    /// Unix time the process started, in seconds.
    pub process_start_time_seconds: Option<f64>,
    /// Share of the host's CPU time spent busy since the previous refresh, in `[0, 1]`.
    /// `None` until two refreshes at least `MINIMUM_CPU_UPDATE_INTERVAL` apart have been made.
    pub host_cpu_usage_ratio: Option<f64>,
    /// `1 - available / total` of the host's memory, in `[0, 1]`.
    pub host_memory_usage_ratio: Option<f64>,
    /// `1 - available / total` of the filesystem holding the data directory, in `[0, 1]`.
    /// Blocks reserved for root count as used: at 1.0 the server can write no more.
    pub data_dir_disk_usage_ratio: Option<f64>,
}

/// Reads [`SystemSnapshot`]s. Keep one and call [`refresh`](Self::refresh) repeatedly: CPU
/// usage is a difference between two readings.
#[derive(Debug)]
pub struct SystemProbe {
    system: Option<System>,
    pid: Option<Pid>,
    /// The directory whose filesystem is watched.
    data_dir: Option<PathBuf>,
    /// The filesystem holding `data_dir`, found lazily (the directory may not exist yet).
    disk: Option<Disk>,
    /// `disk` was found for an ancestor of `data_dir`, which did not exist yet.
    disk_of_ancestor: bool,
    /// When CPU times were last read; usage is valid once two reads are far enough apart.
    cpu_read_at: Option<Instant>,
    cpu_valid: bool,
}

impl SystemProbe {
    /// A probe for this process and host; `data_dir` names the directory whose filesystem's
    /// use is reported (none: no disk figure). Takes a first CPU reading.
    pub fn new(data_dir: Option<&Path>) -> Self {
        let mut probe = Self {
            system: System::new().ok(),
            pid: sysinfo::get_current_pid().ok(),
            data_dir: data_dir.map(Path::to_path_buf),
            disk: None,
            disk_of_ancestor: false,
            cpu_read_at: None,
            cpu_valid: false,
        };
        probe.read_cpu_times();
        probe
    }

    /// Reads every figure now.
    pub fn refresh(&mut self) -> SystemSnapshot {
        let mut snapshot = SystemSnapshot::default();
        self.refresh_process(&mut snapshot);
        self.refresh_host(&mut snapshot);
        snapshot.data_dir_disk_usage_ratio = self.disk_usage_ratio();
        snapshot
    }

    fn refresh_process(&mut self, snapshot: &mut SystemSnapshot) {
        let (Some(system), Some(pid)) = (self.system.as_mut(), self.pid) else {
            return;
        };
        system.refresh_processes_specifics(
            ProcessesToUpdate::Some(&[pid]),
            false,
            ProcessRefreshKind::nothing().with_cpu().with_memory(),
        );
        let Some(process) = system.process(pid) else {
            return;
        };
        snapshot.process_cpu_seconds = Some(process.accumulated_cpu_time() as f64 / 1000.0);
        snapshot.process_resident_memory_bytes = Some(process.memory());
        snapshot.process_start_time_seconds =
            Some(process.start_time() as f64).filter(|&t| t > 0.0);
        snapshot.process_open_fds = process.open_files().map(|n| n as u64);
    }

    fn refresh_host(&mut self, snapshot: &mut SystemSnapshot) {
        self.read_cpu_times();
        let Some(system) = self.system.as_mut() else {
            return;
        };
        if self.cpu_valid {
            snapshot.host_cpu_usage_ratio =
                Some(ratio_from_percent(f64::from(system.global_cpu_usage())));
        }
        system.refresh_memory();
        snapshot.host_memory_usage_ratio =
            used_ratio(system.total_memory(), system.available_memory());
    }

    /// Reads the CPU times; sysinfo computes usage against the previous read, and ignores a
    /// read closer than `MINIMUM_CPU_UPDATE_INTERVAL` to it, so such a read is skipped here.
    fn read_cpu_times(&mut self) {
        let Some(system) = self.system.as_mut() else {
            return;
        };
        match self.cpu_read_at {
            Some(at) if at.elapsed() < MINIMUM_CPU_UPDATE_INTERVAL => {}
            previous => {
                system.refresh_cpu_usage();
                self.cpu_valid = previous.is_some();
                self.cpu_read_at = Some(Instant::now());
            }
        }
    }

    fn disk_usage_ratio(&mut self) -> Option<f64> {
        let data_dir = self.data_dir.as_deref()?;
        let stale = self.disk_of_ancestor && data_dir.exists();
        let refreshed = !stale
            && self.disk.as_mut().is_some_and(|disk| {
                disk.refresh_specifics(DiskRefreshKind::nothing().with_storage())
            });
        if !refreshed {
            self.disk_of_ancestor = !data_dir.exists();
            self.disk = find_disk(data_dir);
        }
        let disk = self.disk.as_ref()?;
        used_ratio(disk.total_space(), disk.available_space())
    }
}

/// The mounted filesystem holding `dir` (or, when it does not exist yet, its nearest existing
/// ancestor): the mount point that is the longest prefix of the canonical path.
fn find_disk(dir: &Path) -> Option<Disk> {
    let path = dir
        .ancestors()
        .find_map(|candidate| std::fs::canonicalize(candidate).ok())?;
    let disks =
        Disks::new_with_refreshed_list_specifics(DiskRefreshKind::nothing().with_storage()).ok()?;
    Vec::from(disks)
        .into_iter()
        .filter(|disk| path.starts_with(disk.mount_point()))
        .max_by_key(|disk| disk.mount_point().components().count())
}

/// `1 - available / total`, clamped to `[0, 1]`; `None` when `total` is 0.
fn used_ratio(total: u64, available: u64) -> Option<f64> {
    (total > 0).then(|| (1.0 - available as f64 / total as f64).clamp(0.0, 1.0))
}

fn ratio_from_percent(percent: f64) -> f64 {
    (percent / 100.0).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn used_ratio_is_a_fraction() {
        assert_eq!(used_ratio(0, 0), None);
        assert_eq!(used_ratio(100, 100), Some(0.0));
        assert_eq!(used_ratio(100, 10), Some(0.9));
        assert_eq!(used_ratio(100, 0), Some(1.0));
        assert_eq!(used_ratio(100, 200), Some(0.0));
        assert_eq!(ratio_from_percent(85.0), 0.85);
        assert_eq!(ratio_from_percent(100.4), 1.0);
    }

    #[test]
    fn cpu_usage_needs_two_readings_apart() {
        let created = Instant::now();
        let mut probe = SystemProbe::new(None);
        let first = probe.refresh().host_cpu_usage_ratio;
        if created.elapsed() < MINIMUM_CPU_UPDATE_INTERVAL {
            assert_eq!(first, None, "one reading only");
        }
        std::thread::sleep(MINIMUM_CPU_UPDATE_INTERVAL);
        if cfg!(target_os = "linux") {
            let cpu = probe
                .refresh()
                .host_cpu_usage_ratio
                .expect("second reading");
            assert!((0.0..=1.0).contains(&cpu), "{cpu}");
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn linux_gives_every_figure() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("not/yet/created");
        let mut probe = SystemProbe::new(Some(&missing));
        let s = probe.refresh();
        assert!(s.process_cpu_seconds.is_some_and(|v| v >= 0.0), "{s:?}");
        assert!(
            s.process_resident_memory_bytes.is_some_and(|v| v > 1 << 20),
            "{s:?}"
        );
        assert!(s.process_open_fds.is_some_and(|v| v >= 3), "{s:?}");
        let start = s.process_start_time_seconds.expect("start time");
        assert!(start > 1.6e9, "{start}");
        let mem = s.host_memory_usage_ratio.expect("memory");
        assert!(mem > 0.0 && mem < 1.0, "{mem}");
        let disk = s
            .data_dir_disk_usage_ratio
            .expect("disk of the nearest existing ancestor");
        assert!((0.0..=1.0).contains(&disk), "{disk}");

        // Burn CPU until the probe has counted 0.1 s more (ticks are 10 ms). Wall time is no
        // measure on a busy machine, so the loop checks the probe, with a generous deadline:
        // a probe stuck at one value fails it.
        let before = s.process_cpu_seconds.unwrap_or_default();
        let started = Instant::now();
        let mut x = 0u64;
        let mut burnt = 0.0;
        while burnt < 0.1 && started.elapsed() < std::time::Duration::from_secs(20) {
            let spin = Instant::now();
            while spin.elapsed() < std::time::Duration::from_millis(20) {
                x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
            }
            burnt = probe.refresh().process_cpu_seconds.unwrap_or_default() - before;
        }
        assert!(
            burnt >= 0.1,
            "{burnt} s of CPU counted after {:?} of spinning",
            started.elapsed()
        );
    }
}
