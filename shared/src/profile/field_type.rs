//! The type lattice: a column's kind is the join of its cells' kinds.
//!
//! integer ⊂ float; boolean, datetime and text stand apart; any mixture of families is text.
//! Text with few distinct values (at most 1,000, and each value seen twice on average) is
//! reported as categorical.

use serde::{Deserialize, Serialize};

/// The kind of a column, as reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnKind {
    Integer,
    Float,
    Boolean,
    #[serde(rename = "datetime")]
    DateTime,
    Categorical,
    Text,
}

impl ColumnKind {
    pub fn is_numeric(self) -> bool {
        matches!(self, ColumnKind::Integer | ColumnKind::Float)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ColumnKind::Integer => "integer",
            ColumnKind::Float => "float",
            ColumnKind::Boolean => "boolean",
            ColumnKind::DateTime => "datetime",
            ColumnKind::Categorical => "categorical",
            ColumnKind::Text => "text",
        }
    }
}

/// Most distinct values a categorical column may have.
pub const MAX_CATEGORIES: u64 = 1000;

/// The set of cell kinds seen in a column so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KindSet(u8);

impl KindSet {
    pub const INTEGER: u8 = 1;
    pub const FLOAT: u8 = 2;
    pub const BOOLEAN: u8 = 4;
    pub const DATETIME: u8 = 8;
    pub const TEXT: u8 = 16;
    const NUMERIC: u8 = Self::INTEGER | Self::FLOAT;

    pub fn insert(&mut self, kind: u8) {
        self.0 |= kind;
    }

    pub fn union(self, other: KindSet) -> KindSet {
        KindSet(self.0 | other.0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Numbers only (or nothing yet).
    pub fn is_numeric(self) -> bool {
        self.0 & !Self::NUMERIC == 0
    }

    /// Cells of more than one family (numbers, booleans, date-times, text): read as text.
    pub fn is_mixed(self) -> bool {
        let families = [Self::NUMERIC, Self::BOOLEAN, Self::DATETIME, Self::TEXT];
        families.iter().filter(|&&f| self.0 & f != 0).count() > 1
    }

    /// The reading to try first for the next cell.
    pub fn hint(self) -> crate::csv_input::KindHint {
        use crate::csv_input::KindHint;
        match self.0 {
            Self::INTEGER => KindHint::Integer,
            Self::FLOAT | Self::NUMERIC => KindHint::Float,
            Self::DATETIME => KindHint::DateTime,
            _ => KindHint::Unknown,
        }
    }

    pub fn only(self, kind: u8) -> bool {
        self.0 == kind
    }

    /// The kind before the categorical/text split (which needs the distinct count).
    pub fn join(self, distinct: u64, count: u64) -> ColumnKind {
        if self.0 != 0 && self.is_numeric() {
            return if self.0 == Self::INTEGER {
                ColumnKind::Integer
            } else {
                ColumnKind::Float
            };
        }
        if self.0 == Self::BOOLEAN {
            return ColumnKind::Boolean;
        }
        if self.0 == Self::DATETIME {
            return ColumnKind::DateTime;
        }
        if count > 0 && distinct <= MAX_CATEGORIES && distinct * 2 <= count {
            ColumnKind::Categorical
        } else {
            ColumnKind::Text
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(bits: &[u8]) -> KindSet {
        let mut s = KindSet::default();
        for &b in bits {
            s.insert(b);
        }
        s
    }

    #[test]
    fn the_lattice_joins_as_documented() {
        assert_eq!(set(&[KindSet::INTEGER]).join(3, 3), ColumnKind::Integer);
        assert_eq!(
            set(&[KindSet::INTEGER, KindSet::FLOAT]).join(3, 3),
            ColumnKind::Float
        );
        assert_eq!(set(&[KindSet::BOOLEAN]).join(2, 9), ColumnKind::Boolean);
        assert_eq!(set(&[KindSet::DATETIME]).join(9, 9), ColumnKind::DateTime);
        assert_eq!(
            set(&[KindSet::INTEGER, KindSet::TEXT]).join(9, 9),
            ColumnKind::Text
        );
        assert_eq!(set(&[KindSet::TEXT]).join(2, 10), ColumnKind::Categorical);
        assert_eq!(set(&[]).join(0, 0), ColumnKind::Text);
        assert!(set(&[KindSet::INTEGER, KindSet::DATETIME]).is_mixed());
        assert!(!set(&[KindSet::INTEGER, KindSet::FLOAT]).is_mixed());
    }
}
