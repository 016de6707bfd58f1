//! Data drift between a reference and a current table (seed §2.2.3).

pub mod chi2;
mod kolmogorov;
pub mod ks;
pub mod psi;
mod report;
pub mod wasserstein;

pub use report::{ColumnDrift, DriftOptions, DriftReport, DriftTest, SkippedColumn, compare};
