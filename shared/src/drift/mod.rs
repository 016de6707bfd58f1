//! Data drift between a reference and a current table (seed §2.2.3).

pub mod chi2;
mod distributions;
mod kolmogorov;
pub mod ks;
pub mod psi;
mod report;
pub mod wasserstein;

pub use distributions::{
    CategoricalDistribution, CategoryShares, ColumnDistribution, DISTRIBUTION_BINS,
    DistributionChart, Ecdf, KsPoint, MAX_CATEGORIES, MAX_ECDF_POINTS, NumericDistribution, Shares,
    distributions,
};
pub use report::{ColumnDrift, DriftOptions, DriftReport, DriftTest, SkippedColumn, compare};
