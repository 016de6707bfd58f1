//! The embedded playbooks: every file of `server/playbooks/` parses, and every built-in rule's
//! playbook resolves to one whose title names the rule.

use server::incidents::playbooks;

#[test]
fn every_playbook_file_parses_into_steps() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("playbooks");
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).expect("playbooks directory") {
        let path = entry.expect("entry").path();
        let Some(name) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if path.extension().and_then(|e| e.to_str()) != Some("md") || name == "README" {
            continue;
        }
        files += 1;
        let text = std::fs::read_to_string(&path).expect("read");
        let parsed = playbooks::parse(name, &text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            playbooks::find(name).as_ref(),
            Some(&parsed),
            "{name} is embedded as on disk (a new playbook needs its line in EMBEDDED, src/incidents/playbooks.rs)"
        );
        assert!(
            !parsed.title.is_empty() && !parsed.alerts.is_empty(),
            "{name}"
        );
        for (number, step) in parsed.diagnosis.iter().enumerate() {
            assert_eq!(step.id, format!("diagnosis-{}", number + 1));
        }
        for (number, step) in parsed.resolution.iter().enumerate() {
            assert_eq!(step.id, format!("resolution-{}", number + 1));
        }
    }
    assert_eq!(files, playbooks::names().count());
}

#[test]
fn every_built_in_rule_playbook_resolves() {
    for rule in server::alerting::rules::defaults() {
        let name = rule.playbook.expect("every built-in rule names a playbook");
        let playbook = playbooks::find(&name).unwrap_or_else(|| panic!("{}: `{name}`", rule.name));
        assert!(
            playbook.alerts.contains(&rule.name),
            "{name}: {:?}",
            playbook.alerts
        );
    }
}

#[test]
fn the_seed_example_has_its_three_resolution_actions() {
    // Seed §3.3: restart, look for the root cause, roll back.
    let playbook = playbooks::find("application-down").expect("application-down");
    assert_eq!(playbook.alerts, ["HighErrorRate"]);
    let text: Vec<&str> = playbook
        .resolution
        .iter()
        .map(|s| s.text.as_str())
        .collect();
    assert!(text.iter().any(|t| t.contains("restart")));
    assert!(text.iter().any(|t| t.contains("roll back")));
}
