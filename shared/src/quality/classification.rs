//! Classification metrics from a confusion matrix, with scikit-learn's definitions: labels sorted
//! (numerically when all are numbers), precision/recall/F1 0 where undefined (`zero_division=0`),
//! macro = unweighted mean over all labels, weighted = mean weighted by support.

use serde::{Deserialize, Serialize};

/// Rows = true labels, columns = predictions, labels sorted as scikit-learn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    pub labels: Vec<String>,
    pub matrix: Vec<Vec<u64>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassMetrics {
    pub label: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Rows whose true label is this class.
    pub support: u64,
}

pub(crate) struct ClassificationMetrics {
    pub accuracy: f64,
    pub f1_macro: f64,
    pub f1_weighted: f64,
    pub precision_macro: f64,
    pub recall_macro: f64,
    pub classes: Vec<ClassMetrics>,
}

/// Sorts labels as scikit-learn's `unique_labels`: by number when every label is one.
pub(crate) fn sort_labels(labels: &mut [String]) {
    let numbers: Option<Vec<f64>> = labels.iter().map(|l| l.parse::<f64>().ok()).collect();
    if numbers.is_some() {
        labels.sort_by(|a, b| {
            let (x, y) = (
                a.parse::<f64>().unwrap_or(0.0),
                b.parse::<f64>().unwrap_or(0.0),
            );
            x.total_cmp(&y)
        });
    } else {
        labels.sort();
    }
}

fn ratio(numerator: u64, denominator: u64) -> f64 {
    if denominator == 0 {
        0.0
    } else {
        numerator as f64 / denominator as f64
    }
}

pub(crate) fn metrics(cm: &ConfusionMatrix) -> ClassificationMetrics {
    let k = cm.labels.len();
    let total: u64 = cm.matrix.iter().flatten().sum();
    let correct: u64 = (0..k).map(|i| cm.matrix[i][i]).sum();
    let mut classes = Vec::with_capacity(k);
    for i in 0..k {
        let tp = cm.matrix[i][i];
        let support: u64 = cm.matrix[i].iter().sum();
        let predicted: u64 = (0..k).map(|r| cm.matrix[r][i]).sum();
        classes.push(ClassMetrics {
            label: cm.labels[i].clone(),
            precision: ratio(tp, predicted),
            recall: ratio(tp, support),
            // scikit-learn: F1 = 2·tp / (support + predicted).
            f1: ratio(2 * tp, support + predicted),
            support,
        });
    }
    let mean = |f: &dyn Fn(&ClassMetrics) -> f64| {
        if classes.is_empty() {
            0.0
        } else {
            classes.iter().map(f).sum::<f64>() / classes.len() as f64
        }
    };
    let f1_weighted = if total == 0 {
        0.0
    } else {
        classes.iter().map(|c| c.f1 * c.support as f64).sum::<f64>() / total as f64
    };
    ClassificationMetrics {
        accuracy: ratio(correct, total),
        f1_macro: mean(&|c| c.f1),
        precision_macro: mean(&|c| c.precision),
        recall_macro: mean(&|c| c.recall),
        f1_weighted,
        classes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_checked_three_classes() {
        // y_true = [a a a b b c], y_pred = [a a b b c c]
        let cm = ConfusionMatrix {
            labels: vec!["a".into(), "b".into(), "c".into()],
            matrix: vec![vec![2, 1, 0], vec![0, 1, 1], vec![0, 0, 1]],
        };
        let m = metrics(&cm);
        assert!((m.accuracy - 4.0 / 6.0).abs() < 1e-12);
        // sklearn f1_score(average=None) = [0.8, 0.5, 0.6667]
        assert!((m.classes[0].f1 - 0.8).abs() < 1e-12);
        assert!((m.classes[1].f1 - 0.5).abs() < 1e-12);
        assert!((m.classes[2].f1 - 2.0 / 3.0).abs() < 1e-12);
        assert!((m.f1_macro - (0.8 + 0.5 + 2.0 / 3.0) / 3.0).abs() < 1e-12);
    }

    #[test]
    fn labels_sort_numerically_when_numbers() {
        let mut labels = vec!["10".to_string(), "2".to_string(), "1".to_string()];
        sort_labels(&mut labels);
        assert_eq!(labels, vec!["1", "2", "10"]);
        let mut labels = vec!["b".to_string(), "10".to_string(), "a".to_string()];
        sort_labels(&mut labels);
        assert_eq!(labels, vec!["10", "a", "b"]);
    }
}
