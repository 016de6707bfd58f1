//! Silences: label matchers over a time range, as Alertmanager's (same JSON), so the same
//! tools and habits work. A silenced alert still fires and is listed, as `suppressed`, and is
//! not notified.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One label matcher: `name="value"`, `name!="value"`, `name=~"regex"`, `name!~"regex"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Matcher {
    #[schema(example = "alertname")]
    pub name: String,
    #[schema(example = "HighErrorRate")]
    pub value: String,
    /// `value` is a regular expression, anchored at both ends.
    #[serde(default)]
    pub is_regex: bool,
    /// Matches when equal (or matching); false: when different.
    #[serde(default = "yes")]
    pub is_equal: bool,
}

fn yes() -> bool {
    true
}

/// A matcher ready to test label sets.
#[derive(Debug, Clone)]
pub struct CompiledMatcher {
    name: String,
    test: Test,
    is_equal: bool,
}

#[derive(Debug, Clone)]
enum Test {
    Equal(String),
    Regex(regex::Regex),
}

impl Matcher {
    /// Checks the name and compiles the regex; the error says which matcher.
    pub fn compile(&self) -> Result<CompiledMatcher, String> {
        if self.name.is_empty() {
            return Err("a matcher needs a label name".to_string());
        }
        let test = if self.is_regex {
            Test::Regex(
                regex::Regex::new(&format!("^(?:{})$", self.value)).map_err(|e| {
                    format!("the regex of matcher `{}` is not valid: {e}", self.name)
                })?,
            )
        } else {
            Test::Equal(self.value.clone())
        };
        Ok(CompiledMatcher {
            name: self.name.clone(),
            test,
            is_equal: self.is_equal,
        })
    }

    /// Parses `name="value"` (also `!=`, `=~`, `!~`; quotes optional).
    pub fn parse(text: &str) -> Result<Matcher, String> {
        let text = text.trim();
        let bad = || format!("`{text}` is not a matcher (name=\"value\", !=, =~ or !~)");
        let position = text.find(['=', '!']).ok_or_else(bad)?;
        let (name, rest) = text.split_at(position);
        let (is_equal, is_regex, value) = if let Some(v) = rest.strip_prefix("=~") {
            (true, true, v)
        } else if let Some(v) = rest.strip_prefix("!~") {
            (false, true, v)
        } else if let Some(v) = rest.strip_prefix("!=") {
            (false, false, v)
        } else if let Some(v) = rest.strip_prefix('=') {
            (true, false, v)
        } else {
            return Err(bad());
        };
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        let name = name.trim();
        if name.is_empty() {
            return Err(bad());
        }
        Ok(Matcher {
            name: name.to_string(),
            value: value.to_string(),
            is_regex,
            is_equal,
        })
    }
}

impl CompiledMatcher {
    /// Whether `labels` satisfy the matcher (a missing label is the empty string, as in
    /// Alertmanager).
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let value = labels.get(&self.name).map_or("", String::as_str);
        let found = match &self.test {
            Test::Equal(expected) => value == expected,
            Test::Regex(regex) => regex.is_match(value),
        };
        found == self.is_equal
    }
}

/// Whether every matcher matches.
pub fn all_match(matchers: &[CompiledMatcher], labels: &BTreeMap<String, String>) -> bool {
    matchers.iter().all(|m| m.matches(labels))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> BTreeMap<String, String> {
        BTreeMap::from([
            ("alertname".to_string(), "HighErrorRate".to_string()),
            ("severity".to_string(), "critical".to_string()),
        ])
    }

    #[test]
    fn matchers_parse_and_match_as_alertmanager_s() {
        let check = |text: &str| {
            Matcher::parse(text)
                .expect(text)
                .compile()
                .expect(text)
                .matches(&labels())
        };
        assert!(check("alertname=\"HighErrorRate\""));
        assert!(check("alertname=HighErrorRate"));
        assert!(!check("alertname!=\"HighErrorRate\""));
        assert!(check("severity=~\"crit.*\""));
        assert!(!check("severity=~\"crit\""), "anchored");
        assert!(check("severity!~\"warning|info\""));
        assert!(check("team=\"\""), "a missing label is empty");
        assert!(Matcher::parse("nothing").is_err());
        assert!(Matcher::parse("=x").is_err());
        let bad = Matcher {
            name: "a".into(),
            value: "(".into(),
            is_regex: true,
            is_equal: true,
        };
        assert!(bad.compile().unwrap_err().contains("matcher `a`"));
    }
}
