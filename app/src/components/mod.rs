//! Reusable widgets.

pub mod chart;
pub mod export;
pub mod file_drop;
pub mod progress;
pub mod publish;
pub mod read_options;
pub mod run;
