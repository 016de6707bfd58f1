//! `browser` probes: the analyst's real journey in a fresh headless Chromium, driven over the
//! DevTools protocol (chromiumoxide).
//!
//! One run is four steps, each a step timing of the [`Outcome`]:
//!
//! 1. `launch`: start Chromium with a profile directory of its own (removed after the run).
//! 2. `load`: open the app's page and wait until it has rendered its file input (the wasm ran).
//! 3. `upload`: give the sample CSV to that input (`DOM.setFileInputFiles`), as a user's pick.
//! 4. `profile`: wait until the profile shows one column card per column of the sample; an
//!    alert the app shows instead (a refused file, a crashed worker) fails the step with its
//!    text.
//!
//! Console errors (`console.error`, failed requests logged by the browser) and uncaught
//! exceptions are collected during the whole run and fail it unless `allow_console_errors`;
//! the reason quotes the first ones.
//!
//! A waiting step gives up shortly before the probe's hard timeout, so a slow app fails with
//! the step it was waiting for rather than a bare "timed out". When the run is cut anyway, the
//! Chromium process is killed with it (`kill_on_drop`) and its directory removed.
//!
//! Without Chromium (no executable found, or one that does not start) the run is
//! [`unavailable`](Outcome::unavailable): the probe never reports a success it did not see,
//! nor an outage of the app it could not look at.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chromiumoxide::cdp::browser_protocol::dom::SetFileInputFilesParams;
use chromiumoxide::cdp::browser_protocol::log::{EventEntryAdded, LogEntryLevel};
use chromiumoxide::cdp::js_protocol::runtime::{
    ConsoleApiCalledType, EventConsoleApiCalled, EventExceptionThrown,
};
use chromiumoxide::{Browser, BrowserConfig, Page};
use futures_util::StreamExt;

use super::check::Outcome;
use super::spec::BrowserTarget;

/// The CSV uploaded when the probe names none: 4 columns (numbers, a category, a date, text),
/// 40 rows.
pub const BUILT_IN_SAMPLE: &str = include_str!("browser_sample.csv");

/// Executables tried, in order, on the `PATH` when the probe names none.
const CHROMIUM_NAMES: [&str; 4] = [
    "chromium",
    "chromium-browser",
    "google-chrome-stable",
    "google-chrome",
];

/// How long before the hard timeout a waiting step gives up with its own reason.
const GIVE_UP_MARGIN: Duration = Duration::from_millis(500);
/// Between two looks at the page while waiting.
const POLL: Duration = Duration::from_millis(50);
/// Console errors quoted in a failure reason, and the length of each quote.
const QUOTED_ERRORS: usize = 3;
const QUOTE_CHARS: usize = 160;

/// A `browser` probe, compiled.
#[derive(Debug)]
pub struct BrowserCheck {
    target: BrowserTarget,
    timeout: Duration,
}

/// What the page shows while the profile is computed.
#[derive(Debug, serde::Deserialize)]
struct ProfileProgress {
    cards: usize,
    alert: Option<String>,
}

/// Removes the run's directory (Chromium's profile, the sample copy) when the run ends, even
/// when the hard timeout drops it.
struct RunDirectory(PathBuf);

impl Drop for RunDirectory {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Stops the task that drives the DevTools connection when the run ends.
struct HandlerTask(tokio::task::JoinHandle<()>);

impl Drop for HandlerTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A failure of one step: the steps so far and the reason.
type StepFailure = (Vec<(Cow<'static, str>, Duration)>, String);

impl BrowserCheck {
    pub fn new(target: &BrowserTarget, timeout: Duration) -> BrowserCheck {
        BrowserCheck {
            target: target.clone(),
            timeout,
        }
    }

    /// One run (the scheduler adds the hard timeout).
    pub async fn run(&self) -> Outcome {
        let started = Instant::now();
        let deadline = started + self.timeout.saturating_sub(GIVE_UP_MARGIN);
        let Some(executable) = self.executable() else {
            return Outcome::unavailable(
                started,
                match &self.target.chromium {
                    Some(path) => format!("Chromium is not at {path}"),
                    None => format!(
                        "no Chromium on this machine (looked for {} on the PATH)",
                        CHROMIUM_NAMES.join(", ")
                    ),
                },
            );
        };
        let sample = match self.sample() {
            Ok(sample) => sample,
            Err(reason) => return Outcome::unavailable(started, reason),
        };
        let directory = RunDirectory(
            std::env::temp_dir().join(format!("csv-analyzer-probe-{}", uuid::Uuid::new_v4())),
        );
        let sample_path = directory.0.join("sample.csv");
        let prepared = std::fs::create_dir_all(directory.0.join("profile"))
            .and_then(|()| std::fs::write(&sample_path, sample.as_bytes()));
        if let Err(error) = prepared {
            return Outcome::unavailable(
                started,
                format!("cannot prepare the run's directory: {error}"),
            );
        }
        let expected_columns = header_columns(&sample);

        let mut steps = Vec::new();
        let step_started = Instant::now();
        let (mut browser, handler) = match self.launch(&executable, &directory.0).await {
            Ok(launched) => launched,
            Err(reason) => return Outcome::unavailable(started, reason),
        };
        steps.push((Cow::Borrowed("launch"), step_started.elapsed()));

        let console = Arc::new(Mutex::new(Vec::<String>::new()));
        let journey = self
            .journey(
                &browser,
                &sample_path,
                expected_columns,
                deadline,
                console.clone(),
                &mut steps,
            )
            .await;
        // Killed rather than closed: its profile is thrown away, and a graceful close can take
        // longer than the margin left before the hard timeout.
        let _ = browser.kill().await;
        drop(handler);
        drop(directory);

        let errors = console
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        match journey {
            Err((steps, reason)) => Outcome::failed(started, steps, reason),
            Ok(()) if !errors.is_empty() && !self.target.allow_console_errors => {
                Outcome::failed(started, steps, console_failure(&errors))
            }
            Ok(()) => {
                if !errors.is_empty() {
                    tracing::info!(
                        errors = errors.len(),
                        first = %errors[0],
                        "browser probe: console errors (allowed)"
                    );
                }
                Outcome::succeeded(started, steps)
            }
        }
    }

    /// The Chromium to run: the probe's, or the first known name on the `PATH`.
    fn executable(&self) -> Option<PathBuf> {
        match &self.target.chromium {
            Some(path) => {
                let path = PathBuf::from(path);
                is_executable(&path).then_some(path)
            }
            None => {
                let search = std::env::var_os("PATH")?;
                CHROMIUM_NAMES.iter().find_map(|name| {
                    std::env::split_paths(&search)
                        .map(|dir| dir.join(name))
                        .find(|candidate| is_executable(candidate))
                })
            }
        }
    }

    /// The CSV to upload.
    fn sample(&self) -> Result<String, String> {
        match &self.target.sample_csv {
            None => Ok(BUILT_IN_SAMPLE.to_string()),
            Some(path) => std::fs::read_to_string(path)
                .map_err(|error| format!("the sample CSV {path} cannot be read: {error}")),
        }
    }

    async fn launch(
        &self,
        executable: &Path,
        directory: &Path,
    ) -> Result<(Browser, HandlerTask), String> {
        let mut config = BrowserConfig::builder()
            .chrome_executable(executable)
            .user_data_dir(directory.join("profile"))
            .launch_timeout(self.timeout)
            .request_timeout(self.timeout)
            .arg("--disable-gpu")
            .arg("--disable-dev-shm-usage");
        if running_as_root() {
            // Chromium's sandbox refuses to start as root.
            config = config.no_sandbox();
        }
        if !self.target.insecure_skip_verify {
            config = config.respect_https_errors();
        }
        let config = config
            .build()
            .map_err(|e| format!("Chromium cannot be configured: {e}"))?;
        let (browser, mut handler) = Browser::launch(config)
            .await
            .map_err(|e| format!("Chromium ({}) did not start: {e}", executable.display()))?;
        let task = tokio::spawn(async move {
            while let Some(event) = handler.next().await {
                if event.is_err() {
                    break;
                }
            }
        });
        Ok((browser, HandlerTask(task)))
    }

    /// Steps `load`, `upload` and `profile`, pushed to `steps` as they complete.
    async fn journey(
        &self,
        browser: &Browser,
        sample_path: &Path,
        expected_columns: usize,
        deadline: Instant,
        console: Arc<Mutex<Vec<String>>>,
        steps: &mut Vec<(Cow<'static, str>, Duration)>,
    ) -> Result<(), StepFailure> {
        let fail = |steps: &Vec<(Cow<'static, str>, Duration)>, step: &str, reason: String| {
            (steps.clone(), format!("step \"{step}\": {reason}"))
        };

        let step_started = Instant::now();
        let page = browser
            .new_page("about:blank")
            .await
            .map_err(|e| fail(steps, "load", format!("no page could be opened: {e}")))?;
        listen_for_console_errors(&page, console)
            .await
            .map_err(|e| fail(steps, "load", format!("console not readable: {e}")))?;
        page.goto(self.target.url.as_str())
            .await
            .map_err(|e| fail(steps, "load", format!("navigation failed: {e}")))?;
        wait_until(
            &page,
            deadline,
            "document.querySelector('input[type=file]') !== null",
        )
        .await
        .map_err(|reason| {
            fail(
                steps,
                "load",
                format!("the app did not render its file input ({reason})"),
            )
        })?;
        steps.push((Cow::Borrowed("load"), step_started.elapsed()));

        let step_started = Instant::now();
        let input = page
            .find_element("input[type=file]")
            .await
            .map_err(|e| fail(steps, "upload", format!("file input not found: {e}")))?;
        let mut upload = SetFileInputFilesParams::new(vec![sample_path.display().to_string()]);
        upload.backend_node_id = Some(input.backend_node_id);
        page.execute(upload)
            .await
            .map_err(|e| fail(steps, "upload", format!("the file was not accepted: {e}")))?;
        steps.push((Cow::Borrowed("upload"), step_started.elapsed()));

        let step_started = Instant::now();
        loop {
            let progress: ProfileProgress = page
                .evaluate(
                    "({ cards: document.querySelectorAll('article.column-card').length, \
                        alert: document.querySelector('[role=alert]')?.innerText ?? null })",
                )
                .await
                .map_err(|e| e.to_string())
                .and_then(|result| result.into_value().map_err(|e| e.to_string()))
                .map_err(|e| fail(steps, "profile", format!("the page cannot be read: {e}")))?;
            if let Some(alert) = progress.alert.filter(|text| !text.trim().is_empty()) {
                return Err(fail(
                    steps,
                    "profile",
                    format!("the app shows an alert: {}", quote(&alert)),
                ));
            }
            if progress.cards >= expected_columns {
                break;
            }
            if Instant::now() >= deadline {
                return Err(fail(
                    steps,
                    "profile",
                    format!(
                        "{} of {expected_columns} column cards after {} ms",
                        progress.cards,
                        step_started.elapsed().as_millis()
                    ),
                ));
            }
            tokio::time::sleep(POLL).await;
        }
        steps.push((Cow::Borrowed("profile"), step_started.elapsed()));
        Ok(())
    }
}

/// Collects the page's console errors, uncaught exceptions and browser-logged errors (failed
/// requests among them) into `errors`, from now on.
async fn listen_for_console_errors(
    page: &Page,
    errors: Arc<Mutex<Vec<String>>>,
) -> Result<(), chromiumoxide::error::CdpError> {
    page.enable_log().await?;
    let mut calls = page.event_listener::<EventConsoleApiCalled>().await?;
    let mut exceptions = page.event_listener::<EventExceptionThrown>().await?;
    let mut entries = page.event_listener::<EventEntryAdded>().await?;
    let push = move |text: String| {
        errors
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(text);
    };
    tokio::spawn(async move {
        loop {
            tokio::select! {
                Some(call) = calls.next() => {
                    if call.r#type == ConsoleApiCalledType::Error {
                        let text: Vec<String> = call.args.iter().map(|arg| {
                            arg.value.as_ref().map_or_else(
                                || arg.description.clone().unwrap_or_default(),
                                |v| v.as_str().map_or_else(|| v.to_string(), str::to_string),
                            )
                        }).collect();
                        push(format!("console.error: {}", text.join(" ")));
                    }
                }
                Some(thrown) = exceptions.next() => {
                    let details = &thrown.exception_details;
                    let text = details
                        .exception
                        .as_ref()
                        .and_then(|e| e.description.clone())
                        .unwrap_or_else(|| details.text.clone());
                    push(format!("uncaught: {text}"));
                }
                Some(entry) = entries.next() => {
                    if entry.entry.level == LogEntryLevel::Error {
                        push(format!("browser: {}", entry.entry.text));
                    }
                }
                else => break,
            }
        }
    });
    Ok(())
}

/// Polls `condition` (a JavaScript expression) until it is true or `deadline` passes.
async fn wait_until(page: &Page, deadline: Instant, condition: &str) -> Result<(), String> {
    let started = Instant::now();
    loop {
        let holds: bool = page
            .evaluate(condition)
            .await
            .ok()
            .and_then(|result| result.into_value().ok())
            .unwrap_or(false);
        if holds {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!("waited {} ms", started.elapsed().as_millis()));
        }
        tokio::time::sleep(POLL).await;
    }
}

/// The number of fields in the sample's first line (comma or semicolon separated, whichever
/// gives more), at least 1.
fn header_columns(csv: &str) -> usize {
    let header = csv.lines().next().unwrap_or_default();
    let count = |separator: char| header.split(separator).count();
    count(',').max(count(';')).max(1)
}

/// A failure reason quoting the first console errors.
fn console_failure(errors: &[String]) -> String {
    let quoted: Vec<String> = errors
        .iter()
        .take(QUOTED_ERRORS)
        .map(|e| quote(e))
        .collect();
    format!(
        "{} console error{}: {}",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" },
        quoted.join("; ")
    )
}

/// `text` on one line, at most [`QUOTE_CHARS`] characters.
fn quote(text: &str) -> String {
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= QUOTE_CHARS {
        line
    } else {
        let cut: String = line.chars().take(QUOTE_CHARS).collect();
        format!("{cut}…")
    }
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Whether this process runs as root (the owner of `/proc/self` is the effective user).
fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_gives_the_expected_columns() {
        assert_eq!(header_columns(BUILT_IN_SAMPLE), 4);
        assert_eq!(header_columns("a;b;c\n1;2;3\n"), 3);
        assert_eq!(header_columns(""), 1);
    }

    #[test]
    fn console_errors_are_quoted_on_one_line_and_cut() {
        let long = "x".repeat(500);
        let reason = console_failure(&[
            "console.error: boom\n  at f".to_string(),
            long,
            "c".into(),
            "d".into(),
        ]);
        assert!(reason.starts_with("4 console errors: console.error: boom at f; xxx"));
        assert!(reason.contains('…'));
        assert!(!reason.contains("; d"), "three quoted at most: {reason}");
    }
}
