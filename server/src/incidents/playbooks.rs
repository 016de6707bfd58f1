//! The playbooks of `server/playbooks/` (seed §3.3), embedded in the binary and parsed into
//! steps an incident page shows as boxes to tick.
//!
//! The format is the one of `server/playbooks/README.md`: a `# Title (AlertName, …)` line, a
//! paragraph, then `## Symptoms` (`- ` items), `## Diagnosis` and `## Resolution` (`- [ ] `
//! steps) and `## Escalation` (`- ` items), in this order. Steps get stable ids from their
//! section and position: `diagnosis-1`, `resolution-2`, ….
//!
//! Ticking a step is a timeline event ([`super::timeline::PLAYBOOK_STEP`], detail
//! `{step, checked}`); [`ticks`] replays them into the current state of each box.

use std::collections::BTreeMap;

/// Every playbook file, by name (`<name>.md`). A unit test checks that this list is the
/// directory's content.
const EMBEDDED: &[(&str, &str)] = &[
    (
        "application-down",
        include_str!("../../playbooks/application-down.md"),
    ),
    (
        "certificate-expiring",
        include_str!("../../playbooks/certificate-expiring.md"),
    ),
    ("data-drift", include_str!("../../playbooks/data-drift.md")),
    (
        "disk-almost-full",
        include_str!("../../playbooks/disk-almost-full.md"),
    ),
    (
        "high-latency",
        include_str!("../../playbooks/high-latency.md"),
    ),
    (
        "high-saturation",
        include_str!("../../playbooks/high-saturation.md"),
    ),
    (
        "host-resources",
        include_str!("../../playbooks/host-resources.md"),
    ),
    (
        "js-error-spike",
        include_str!("../../playbooks/js-error-spike.md"),
    ),
    (
        "model-quality-drop",
        include_str!("../../playbooks/model-quality-drop.md"),
    ),
    (
        "prediction-latency-high",
        include_str!("../../playbooks/prediction-latency-high.md"),
    ),
    (
        "probe-failing",
        include_str!("../../playbooks/probe-failing.md"),
    ),
    (
        "repeated-login-failures",
        include_str!("../../playbooks/repeated-login-failures.md"),
    ),
    (
        "traffic-anomaly",
        include_str!("../../playbooks/traffic-anomaly.md"),
    ),
    ("watchdog", include_str!("../../playbooks/watchdog.md")),
    (
        "web-vitals-poor",
        include_str!("../../playbooks/web-vitals-poor.md"),
    ),
];

/// One step to tick off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// `diagnosis-<n>` or `resolution-<n>`, `n` from 1.
    pub id: String,
    /// Its position in its section, from 1.
    pub number: usize,
    /// The step's Markdown text (commands in backticks).
    pub text: String,
}

/// A parsed playbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Playbook {
    /// The file name without `.md` (what alert rules name).
    pub name: String,
    /// The title, without the alert names.
    pub title: String,
    /// The alert names of the title line.
    pub alerts: Vec<String>,
    /// The paragraph under the title.
    pub summary: String,
    pub symptoms: Vec<String>,
    pub diagnosis: Vec<Step>,
    pub resolution: Vec<Step>,
    pub escalation: Vec<String>,
}

impl Playbook {
    /// Every step, diagnosis first.
    pub fn steps(&self) -> impl Iterator<Item = &Step> {
        self.diagnosis.iter().chain(&self.resolution)
    }

    /// The step with `id`, if the playbook has it.
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps().find(|step| step.id == id)
    }
}

/// Why a playbook file does not follow the format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("playbook `{name}`, line {line}: {reason}")]
pub struct PlaybookError {
    pub name: String,
    pub line: usize,
    pub reason: String,
}

/// The sections, in their order.
const SECTIONS: [&str; 4] = ["Symptoms", "Diagnosis", "Resolution", "Escalation"];

/// The names of the embedded playbooks, sorted.
pub fn names() -> impl Iterator<Item = &'static str> {
    EMBEDDED.iter().map(|(name, _)| *name)
}

/// The embedded playbook called `name`, parsed; `None` when there is none. An embedded file
/// that does not parse is a bug caught by the unit tests; it is logged and reported as absent.
pub fn find(name: &str) -> Option<Playbook> {
    let (name, text) = EMBEDDED.iter().find(|(file, _)| *file == name)?;
    match parse(name, text) {
        Ok(playbook) => Some(playbook),
        Err(error) => {
            tracing::error!(error = %error, "an embedded playbook does not parse");
            None
        }
    }
}

/// Parses the Markdown `text` of the playbook `name`.
pub fn parse(name: &str, text: &str) -> Result<Playbook, PlaybookError> {
    let error = |line: usize, reason: String| PlaybookError {
        name: name.to_string(),
        line,
        reason,
    };
    let mut lines = text.lines().enumerate().map(|(i, line)| (i + 1, line));
    let (_, first) = lines
        .next()
        .ok_or_else(|| error(1, "the file is empty".to_string()))?;
    let heading = first.strip_prefix("# ").ok_or_else(|| {
        error(
            1,
            "the first line must be `# Title (AlertName)`".to_string(),
        )
    })?;
    let (title, alerts) = match heading.trim_end().strip_suffix(')') {
        Some(rest) => {
            let (title, alerts) = rest.rsplit_once(" (").ok_or_else(|| {
                error(
                    1,
                    "the title must end with the alert names in parentheses".to_string(),
                )
            })?;
            let alerts: Vec<String> = alerts
                .split(',')
                .map(|a| a.trim().to_string())
                .filter(|a| !a.is_empty())
                .collect();
            (title.trim().to_string(), alerts)
        }
        None => {
            return Err(error(
                1,
                "the title must end with the alert names in parentheses".to_string(),
            ));
        }
    };
    if title.is_empty() || alerts.is_empty() {
        return Err(error(
            1,
            "the title and its alert names must not be empty".to_string(),
        ));
    }

    let mut summary = Vec::new();
    let mut section: Option<usize> = None;
    let mut items: [Vec<String>; 4] = Default::default();
    for (number, line) in lines {
        if let Some(heading) = line.strip_prefix("## ") {
            let heading = heading.trim();
            let expected = section.map_or(0, |s| s + 1);
            match SECTIONS.iter().position(|s| *s == heading) {
                Some(position) if position == expected => section = Some(position),
                Some(_) => {
                    return Err(error(
                        number,
                        format!(
                            "section `{heading}` is out of order (expected `## {}`)",
                            SECTIONS.get(expected).unwrap_or(&"nothing more")
                        ),
                    ));
                }
                None => {
                    return Err(error(
                        number,
                        format!(
                            "unknown section `{heading}` (only Symptoms, Diagnosis, Resolution, Escalation)"
                        ),
                    ));
                }
            }
            continue;
        }
        if line.starts_with('#') {
            return Err(error(
                number,
                "only `# ` (title) and `## ` headings are allowed".to_string(),
            ));
        }
        let Some(current) = section else {
            if !line.trim().is_empty() {
                summary.push(line.trim());
            }
            continue;
        };
        if line.trim().is_empty() {
            continue;
        }
        let is_step_section = matches!(current, 1 | 2);
        let item = if is_step_section {
            line.strip_prefix("- [ ] ").ok_or_else(|| {
                error(
                    number,
                    format!(
                        "every line of `{}` must be a step starting with `- [ ] `",
                        SECTIONS[current]
                    ),
                )
            })?
        } else {
            line.strip_prefix("- ").ok_or_else(|| {
                error(
                    number,
                    format!("every line of `{}` must start with `- `", SECTIONS[current]),
                )
            })?
        };
        items[current].push(item.trim().to_string());
    }
    if section != Some(SECTIONS.len() - 1) {
        return Err(error(
            text.lines().count(),
            format!(
                "the playbook must have the sections {} in this order",
                SECTIONS.join(", ")
            ),
        ));
    }
    let [symptoms, diagnosis, resolution, escalation] = items;
    for (label, steps) in [("Diagnosis", &diagnosis), ("Resolution", &resolution)] {
        if steps.is_empty() {
            return Err(error(
                text.lines().count(),
                format!("`{label}` needs at least one `- [ ] ` step"),
            ));
        }
    }
    let steps = |prefix: &str, texts: Vec<String>| {
        texts
            .into_iter()
            .enumerate()
            .map(|(i, text)| Step {
                id: format!("{prefix}-{}", i + 1),
                number: i + 1,
                text,
            })
            .collect()
    };
    Ok(Playbook {
        name: name.to_string(),
        title,
        alerts,
        summary: summary.join(" "),
        symptoms,
        diagnosis: steps("diagnosis", diagnosis),
        resolution: steps("resolution", resolution),
        escalation,
    })
}

/// A tick read back from the timeline: `(step id, checked)`, oldest first.
pub type Tick<'a> = (&'a str, bool);

/// The current state of each step that was ever ticked: the latest tick wins. Steps never
/// ticked are absent (unchecked).
pub fn ticks<'a>(events: impl IntoIterator<Item = Tick<'a>>) -> BTreeMap<String, bool> {
    let mut state = BTreeMap::new();
    for (step, checked) in events {
        state.insert(step.to_string(), checked);
    }
    state
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_of_the_directory_is_embedded_and_parses() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("playbooks");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .expect("playbooks directory")
            .filter_map(|entry| entry.ok())
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .filter(|file| file.ends_with(".md") && file != "README.md")
            .map(|file| file.trim_end_matches(".md").to_string())
            .collect();
        on_disk.sort();
        let embedded: Vec<String> = names().map(str::to_string).collect();
        assert_eq!(
            embedded, on_disk,
            "EMBEDDED in src/incidents/playbooks.rs lists every playbook file (add a line for a new one)"
        );
        for name in names() {
            let playbook = find(name).unwrap_or_else(|| panic!("{name} parses"));
            assert!(!playbook.diagnosis.is_empty() && !playbook.resolution.is_empty());
            assert!(!playbook.symptoms.is_empty() && !playbook.escalation.is_empty());
        }
    }

    #[test]
    fn every_built_in_rule_resolves_its_playbook() {
        for rule in crate::alerting::rules::defaults() {
            let name = rule.playbook.expect("built-in rules name a playbook");
            let playbook = find(&name).unwrap_or_else(|| panic!("{}: {name}", rule.name));
            assert!(
                playbook.alerts.contains(&rule.name),
                "{name}.md names {} in its title",
                rule.name
            );
        }
    }

    #[test]
    fn steps_have_stable_ids() {
        let text = "# Down (A, B)\n\nIt is down.\n\n## Symptoms\n- s\n\n## Diagnosis\n- [ ] look\n- [ ] `curl x`\n\n## Resolution\n- [ ] restart\n\n## Escalation\n- call\n";
        let playbook = parse("down", text).unwrap();
        assert_eq!(playbook.title, "Down");
        assert_eq!(playbook.alerts, ["A", "B"]);
        assert_eq!(playbook.summary, "It is down.");
        assert_eq!(playbook.diagnosis[1].id, "diagnosis-2");
        assert_eq!(playbook.diagnosis[1].text, "`curl x`");
        assert_eq!(playbook.step("resolution-1").unwrap().text, "restart");
        assert!(playbook.step("resolution-2").is_none());
    }

    #[test]
    fn malformed_playbooks_name_the_line() {
        let error = parse("x", "Title\n").unwrap_err();
        assert_eq!(error.line, 1);
        let error = parse(
            "x",
            "# T (A)\n## Symptoms\n- s\n## Diagnosis\n- look\n## Resolution\n- [ ] r\n## Escalation\n- e\n",
        )
        .unwrap_err();
        assert_eq!(error.line, 5);
        assert!(error.to_string().contains("`- [ ] `"));
        let error = parse("x", "# T (A)\n## Diagnosis\n- [ ] d\n").unwrap_err();
        assert!(error.reason.contains("out of order"));
    }

    #[test]
    fn the_latest_tick_wins() {
        let state = ticks([
            ("diagnosis-1", true),
            ("diagnosis-2", true),
            ("diagnosis-1", false),
        ]);
        assert!(!state["diagnosis-1"]);
        assert!(state["diagnosis-2"]);
    }
}
