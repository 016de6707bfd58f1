//! Reusable widgets.

pub mod file_drop;
pub mod profile_table;
pub mod progress;
