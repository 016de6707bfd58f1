//! Regression metrics when label and prediction are both numbers: MAE, RMSE, R² (scikit-learn's
//! `r2_score`: 1 − SS_res/SS_tot; with a constant label, 1 for a perfect fit and 0 otherwise).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RegressionMetrics {
    pub mae: f64,
    pub rmse: f64,
    pub r2: f64,
}

/// Streaming sums, mergeable.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RegressionAccumulator {
    n: u64,
    abs_error: f64,
    squared_error: f64,
    mean_y: f64,
    m2_y: f64,
}

impl RegressionAccumulator {
    pub fn add(&mut self, y: f64, prediction: f64) {
        let error = y - prediction;
        self.abs_error += error.abs();
        self.squared_error += error * error;
        self.n += 1;
        let delta = y - self.mean_y;
        self.mean_y += delta / self.n as f64;
        self.m2_y += delta * (y - self.mean_y);
    }

    pub fn finish(&self) -> Option<RegressionMetrics> {
        if self.n == 0 {
            return None;
        }
        let n = self.n as f64;
        let r2 = if self.m2_y > 0.0 {
            1.0 - self.squared_error / self.m2_y
        } else if self.squared_error == 0.0 {
            1.0
        } else {
            0.0
        };
        Some(RegressionMetrics {
            mae: self.abs_error / n,
            rmse: (self.squared_error / n).sqrt(),
            r2,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_checked_values() {
        // sklearn: y=[3, -0.5, 2, 7], p=[2.5, 0, 2, 8] → MAE 0.5, RMSE sqrt(0.375), R² 0.9486081370449679
        let mut acc = RegressionAccumulator::default();
        for (y, p) in [(3.0, 2.5), (-0.5, 0.0), (2.0, 2.0), (7.0, 8.0)] {
            acc.add(y, p);
        }
        let m = acc.finish().expect("metrics");
        assert!((m.mae - 0.5).abs() < 1e-12);
        assert!((m.rmse - 0.375f64.sqrt()).abs() < 1e-12);
        assert!((m.r2 - 0.948_608_137_044_967_9).abs() < 1e-12);
    }
}
