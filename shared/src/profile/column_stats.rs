//! One column's accumulator: `add` a cell, `merge` another accumulator, `finish` into a profile.
//!
//! Each cell goes to exactly one store: numbers (integers and floats), date-times, or text
//! (text and booleans). Once a column holds more than one family of kinds it is text, and its
//! numbers and date-times count as text in their canonical spelling (`12.5`, `3`,
//! `2024-03-01T00:00:00`) — wherever they appear, so that how the file was split between workers
//! never changes a count.

use crate::csv_input::{CellValue, format_timestamp_micros};

use super::field_type::{ColumnKind, KindSet};
use super::numeric::{NumberStore, NumberSummary};
use super::text::{TextStore, TextSummary};
use super::{ColumnProfile, DateTimeRange, TopValue};

#[derive(Default)]
pub(crate) struct ColumnAccumulator {
    missing: u64,
    /// Non-missing values added (for the shared exact-limit budget).
    pub values: u64,
    seen: KindSet,
    numbers: NumberStore,
    datetimes: NumberStore,
    texts: TextStore,
    /// A text value that is not valid UTF-8 was seen (read as Windows-1252).
    pub non_utf8: bool,
}

/// The finished column, kept for drift after the profile is built.
pub(crate) enum ColumnData {
    Numbers(NumberSummary),
    DateTimes(NumberSummary),
    Texts(TextSummary),
}

impl ColumnAccumulator {
    /// The reading to try first for this column's next cell.
    #[inline]
    pub fn hint(&self) -> crate::csv_input::KindHint {
        self.seen.hint()
    }

    /// Numbers only so far (or nothing yet).
    pub fn is_numeric(&self) -> bool {
        self.seen.is_numeric()
    }

    pub fn add_missing(&mut self) {
        self.missing += 1;
    }

    /// Adds one cell; returns its number when the column is still numeric.
    #[inline]
    pub fn add(&mut self, value: CellValue<'_>, exact_limit: u64) -> Option<f64> {
        match value {
            CellValue::Missing => {
                self.missing += 1;
                return None;
            }
            _ => self.values += 1,
        }
        match value {
            CellValue::Missing => None,
            CellValue::Integer(x) | CellValue::Float(x) => {
                let kind = if matches!(value, CellValue::Integer(_)) {
                    KindSet::INTEGER
                } else {
                    KindSet::FLOAT
                };
                self.seen.insert(kind);
                if self.seen.is_mixed() {
                    self.become_text(exact_limit);
                    self.add_text(format_number(x).as_bytes(), exact_limit);
                    None
                } else {
                    self.numbers.push(x, exact_limit);
                    Some(x)
                }
            }
            CellValue::DateTime(micros) => {
                self.seen.insert(KindSet::DATETIME);
                if self.seen.is_mixed() {
                    self.become_text(exact_limit);
                    self.add_text(format_timestamp_micros(micros).as_bytes(), exact_limit);
                } else {
                    self.datetimes.push(micros as f64, exact_limit);
                }
                None
            }
            CellValue::Boolean(_) | CellValue::Text(_) => {
                let (kind, raw) = match value {
                    CellValue::Boolean(true) => (KindSet::BOOLEAN, &b"true"[..]),
                    CellValue::Boolean(false) => (KindSet::BOOLEAN, &b"false"[..]),
                    CellValue::Text(raw) => (KindSet::TEXT, raw),
                    _ => (KindSet::TEXT, &b""[..]),
                };
                self.seen.insert(kind);
                if self.seen.is_mixed() {
                    self.become_text(exact_limit);
                }
                self.add_text(raw, exact_limit);
                None
            }
        }
    }

    fn add_text(&mut self, raw: &[u8], exact_limit: u64) {
        if self.texts.add(raw, 1, exact_limit)
            && !self.non_utf8
            && std::str::from_utf8(raw).is_err()
        {
            self.non_utf8 = true;
        }
    }

    /// Moves stored numbers and date-times into the text store.
    fn become_text(&mut self, exact_limit: u64) {
        if self.numbers.count() > 0 {
            let mut numbers = std::mem::take(&mut self.numbers);
            for (value, count) in numbers.value_counts() {
                self.texts
                    .add(format_number(value).as_bytes(), count, exact_limit);
            }
        }
        if self.datetimes.count() > 0 {
            let mut datetimes = std::mem::take(&mut self.datetimes);
            for (value, count) in datetimes.value_counts() {
                let text = format_timestamp_micros(value as i64);
                self.texts.add(text.as_bytes(), count, exact_limit);
            }
        }
    }

    /// The table as a whole went past the exact limit: stores keeping every value switch to
    /// sketches (counted stores, whose memory is bounded, stay exact).
    pub fn reached_limit(&mut self) {
        self.numbers.reached_limit();
        self.datetimes.reached_limit();
        self.texts.reached_limit();
    }

    /// See `NumberStore::mark_sorted`.
    pub fn mark_sorted(&mut self) {
        self.numbers.mark_sorted();
        self.datetimes.mark_sorted();
    }

    /// Sorts kept values ahead of merging (see `NumberStore::presort`).
    pub fn presort(&mut self) {
        self.numbers.presort();
        self.datetimes.presort();
    }

    pub fn merge(&mut self, other: ColumnAccumulator, exact_limit: u64) {
        self.missing += other.missing;
        self.values += other.values;
        self.non_utf8 |= other.non_utf8;
        let mut other = other;
        self.seen = self.seen.union(other.seen);
        if self.seen.is_mixed() {
            self.become_text(exact_limit);
            other.become_text(exact_limit);
        }
        self.numbers.merge(other.numbers, exact_limit);
        self.datetimes.merge(other.datetimes, exact_limit);
        self.texts.merge(other.texts, exact_limit);
    }

    pub fn finish(
        self,
        name: String,
        max_bins: usize,
        top_n: usize,
        decode: &dyn Fn(&[u8]) -> String,
    ) -> (ColumnProfile, ColumnData) {
        let missing = self.missing;
        let seen = self.seen;
        if !seen.is_empty() && seen.is_numeric() {
            let summary = self.numbers.finish();
            let integer = seen.only(KindSet::INTEGER);
            let stats = summary.stats(integer, max_bins, top_n);
            let kind = if integer {
                ColumnKind::Integer
            } else {
                ColumnKind::Float
            };
            let profile = ColumnProfile {
                name,
                kind,
                count: stats.count,
                missing,
                distinct: stats.distinct,
                mean: stats.mean,
                std: stats.std,
                min: stats.min,
                max: stats.max,
                quantiles: stats.quantiles,
                histogram: stats.histogram,
                top: stats
                    .top
                    .iter()
                    .map(|&(v, count)| TopValue {
                        value: format_number(v),
                        count,
                    })
                    .collect(),
                datetime_range: None,
                approximation: stats.approximation,
            };
            return (profile, ColumnData::Numbers(summary));
        }
        if seen.only(KindSet::DATETIME) {
            let summary = self.datetimes.finish();
            let stats = summary.stats(true, max_bins, top_n);
            let range = match (stats.min, stats.max) {
                (Some(min), Some(max)) => Some(DateTimeRange {
                    min: format_timestamp_micros(min as i64),
                    max: format_timestamp_micros(max as i64),
                }),
                _ => None,
            };
            let profile = ColumnProfile {
                name,
                kind: ColumnKind::DateTime,
                count: stats.count,
                missing,
                distinct: stats.distinct,
                mean: None,
                std: None,
                min: None,
                max: None,
                quantiles: None,
                histogram: None,
                top: stats
                    .top
                    .iter()
                    .map(|&(v, count)| TopValue {
                        value: format_timestamp_micros(v as i64),
                        count,
                    })
                    .collect(),
                datetime_range: range,
                approximation: stats.approximation,
            };
            return (profile, ColumnData::DateTimes(summary));
        }
        let summary = self.texts.finish(top_n, decode);
        let kind = seen.join(summary.distinct, summary.count);
        let profile = ColumnProfile {
            name,
            kind,
            count: summary.count,
            missing,
            distinct: summary.distinct,
            mean: None,
            std: None,
            min: None,
            max: None,
            quantiles: None,
            histogram: None,
            top: summary
                .top
                .iter()
                .map(|(value, count)| TopValue {
                    value: value.clone(),
                    count: *count,
                })
                .collect(),
            datetime_range: None,
            approximation: summary.approximation,
        };
        (profile, ColumnData::Texts(summary))
    }
}

/// The canonical spelling of a number: integers without a fraction, others shortest round-trip.
pub fn format_number(value: f64) -> String {
    if value == value.trunc() && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        let text = format!("{value:?}");
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_spelled_canonically() {
        assert_eq!(format_number(3.0), "3");
        assert_eq!(format_number(-0.0), "0");
        assert_eq!(format_number(12.5), "12.5");
        assert_eq!(format_number(1e-7), "1e-7");
        assert_eq!(format_number(1e20), "1e20");
    }

    #[test]
    fn a_column_of_numbers_then_text_becomes_text() {
        let mut column = ColumnAccumulator::default();
        column.add(CellValue::Integer(1.0), 100);
        column.add(CellValue::Float(1.0), 100);
        column.add(CellValue::Text(b"x"), 100);
        column.add(CellValue::Float(2.5), 100);
        column.add(CellValue::Missing, 100);
        let decode = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let (profile, _) = column.finish("c".into(), 50, 10, &decode);
        // Numbers in a text column count in their canonical spelling, wherever they appear.
        assert_eq!(profile.kind, ColumnKind::Text);
        assert_eq!(profile.count, 4);
        assert_eq!(profile.missing, 1);
        assert_eq!(profile.distinct, 3);
        assert_eq!(profile.top[0].value, "1");
        assert_eq!(profile.top[0].count, 2);
        assert_eq!(profile.top[1].value, "2.5");
    }
}
