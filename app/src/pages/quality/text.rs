//! The words of the quality view, in English and French. Sentences with values use `{}`
//! placeholders, filled in order by [`crate::i18n::fill`].

use crate::i18n::Lang;

pub(super) struct Text {
    // The form.
    pub title: &'static str,
    pub intro: &'static str,
    pub files: &'static str,
    pub input_title: &'static str,
    pub baseline_title: &'static str,
    pub baseline_hint: &'static str,
    pub remove_baseline: &'static str,
    pub columns: &'static str,
    pub label_column: &'static str,
    pub prediction_column: &'static str,
    pub choose_column: &'static str,
    pub columns_none: &'static str,
    /// {file}
    pub columns_reading: &'static str,
    /// {count} {file}
    pub columns_found: &'static str,
    /// {file}
    pub baseline_is_result: &'static str,
    pub same_column: &'static str,
    /// {baseline file} {column}
    pub missing_in_baseline: &'static str,
    pub hint_no_file: &'static str,
    pub hint_not_chosen: &'static str,
    pub evaluate: &'static str,
    // The result.
    /// {file}
    pub results_for: &'static str,
    /// {rows} {seconds}
    pub evaluated: &'static str,
    /// {rows}
    pub skipped: &'static str,
    pub summary: &'static str,
    pub accuracy: &'static str,
    pub f1_macro: &'static str,
    pub f1_weighted: &'static str,
    pub precision_macro: &'static str,
    pub recall_macro: &'static str,
    pub rows: &'static str,
    pub skipped_rows: &'static str,
    pub baseline_heading: &'static str,
    /// {baseline file}
    pub baseline_caption: &'static str,
    pub metric: &'static str,
    pub baseline: &'static str,
    pub current: &'static str,
    pub change: &'static str,
    pub verdict: &'static str,
    /// {threshold}
    pub dropped: &'static str,
    /// {threshold}
    pub within: &'static str,
    pub not_compared: &'static str,
    pub degraded: &'static str,
    /// {threshold} {metrics and their change}
    pub degraded_detail: &'static str,
    /// {threshold}
    pub not_degraded: &'static str,
    pub no_comparison: &'static str,
    /// {drop count}
    pub status_degraded: &'static str,
    pub per_class: &'static str,
    pub per_class_caption: &'static str,
    pub class: &'static str,
    pub precision: &'static str,
    pub recall: &'static str,
    pub f1: &'static str,
    pub support: &'static str,
    pub classes_chart: &'static str,
    /// {classes} {best class} {its F1} {worst class} {its F1}
    pub classes_description: &'static str,
    pub confusion: &'static str,
    pub confusion_caption: &'static str,
    pub true_predicted: &'static str,
    pub true_label: &'static str,
    pub predicted: &'static str,
    /// {classes} {correct rows} {rows}
    pub confusion_description: &'static str,
    /// {true label} {predicted label} {rows}
    pub confusion_worst: &'static str,
    pub confusion_perfect: &'static str,
    /// {max classes}
    pub many_classes: &'static str,
    pub regression: &'static str,
    pub regression_hint: &'static str,
    pub mae: &'static str,
    pub rmse: &'static str,
    pub r2: &'static str,
    pub export: &'static str,
    // The plain-text summary.
    /// {file}
    pub summary_title: &'static str,
    /// {label column} {prediction column}
    pub summary_columns: &'static str,
    /// {baseline file}
    pub summary_baseline: &'static str,
    pub summary_classes: &'static str,
}

pub(super) const EN: Text = Text {
    title: "Model quality",
    intro: "Measure how well a model's predictions match the true labels: accuracy, F1, \
            per-class metrics and the confusion matrix, and whether quality dropped against a \
            baseline. The files are read in this page only.",
    files: "Files",
    input_title: "Predictions (CSV)",
    baseline_title: "Baseline (optional)",
    baseline_hint: "A CSV file with the same label and prediction columns, or a quality result \
                    exported from this page as JSON.",
    remove_baseline: "Remove the baseline",
    columns: "Columns",
    label_column: "Label column (true values)",
    prediction_column: "Prediction column",
    choose_column: "— choose a column —",
    columns_none: "Choose a file to list its columns.",
    columns_reading: "Reading the columns of {}…",
    columns_found: "{} columns in {}.",
    baseline_is_result: "The baseline {} is an exported result: its accuracy and F1 are compared.",
    same_column: "The label and the prediction are the same column: choose two different columns.",
    missing_in_baseline: "The baseline {} has no column named “{}”: it needs the same label and \
                          prediction columns as the file.",
    hint_no_file: "Choose a CSV file with a column of true labels and a column of predictions.",
    hint_not_chosen: "Choose the label column and the prediction column.",
    evaluate: "Evaluate",
    results_for: "Results for {}",
    evaluated: "{} rows evaluated in {} s.",
    skipped: "{} rows skipped (label or prediction missing).",
    summary: "Summary",
    accuracy: "Accuracy",
    f1_macro: "F1 (macro)",
    f1_weighted: "F1 (weighted)",
    precision_macro: "Precision (macro)",
    recall_macro: "Recall (macro)",
    rows: "Rows evaluated",
    skipped_rows: "Rows skipped",
    baseline_heading: "Against the baseline",
    baseline_caption: "Compared with the baseline {}",
    metric: "Metric",
    baseline: "Baseline",
    current: "This file",
    change: "Change",
    verdict: "Verdict",
    dropped: "Dropped more than {}",
    within: "Within {}",
    not_compared: "Not compared",
    degraded: "Quality dropped.",
    degraded_detail: "More than {} below the baseline: {}.",
    not_degraded: "No drop of more than {} against the baseline.",
    no_comparison: "Not compared: the baseline has no accuracy or F1 above zero.",
    status_degraded: "Quality dropped against the baseline.",
    per_class: "Per class",
    per_class_caption: "Precision, recall, F1 and support per class",
    class: "Class",
    precision: "Precision",
    recall: "Recall",
    f1: "F1",
    support: "Support",
    classes_chart: "Precision, recall and F1 per class",
    classes_description: "Precision, recall and F1 for each of the {} classes. Highest F1: {} \
                          ({}); lowest F1: {} ({}).",
    confusion: "Confusion matrix",
    confusion_caption: "Confusion matrix: rows are the true labels, columns the predictions",
    true_predicted: "True label \\ predicted",
    true_label: "True label",
    predicted: "Predicted",
    confusion_description: "Confusion matrix of {} classes, true labels in rows and \
                            predictions in columns: {} of {} rows are on the diagonal \
                            (correctly predicted).",
    confusion_worst: "The most frequent error: {} predicted as {} ({} rows).",
    confusion_perfect: "No row is wrongly predicted.",
    many_classes: "More than {} distinct labels: per-class metrics and the confusion matrix \
                   are left out (accuracy counts exact matches).",
    regression: "Regression metrics",
    regression_hint: "Both columns hold only numbers, so the errors are also measured as \
                      distances.",
    mae: "Mean absolute error (MAE)",
    rmse: "Root mean squared error (RMSE)",
    r2: "Coefficient of determination (R²)",
    export: "Export",
    summary_title: "Model quality — {}",
    summary_columns: "Label column: {}; prediction column: {}",
    summary_baseline: "Baseline: {}",
    summary_classes: "Per class (precision / recall / F1 / support):",
};

pub(super) const FR: Text = Text {
    title: "Qualité du modèle",
    intro: "Mesurez l'accord entre les prédictions d'un modèle et les étiquettes réelles : \
            exactitude, F1, métriques par classe et matrice de confusion, et si la qualité a \
            baissé par rapport à une référence. Les fichiers sont lus dans cette page \
            uniquement.",
    files: "Fichiers",
    input_title: "Prédictions (CSV)",
    baseline_title: "Référence (facultative)",
    baseline_hint: "Un fichier CSV avec les mêmes colonnes d'étiquette et de prédiction, ou un \
                    résultat de qualité exporté de cette page en JSON.",
    remove_baseline: "Retirer la référence",
    columns: "Colonnes",
    label_column: "Colonne des étiquettes (valeurs réelles)",
    prediction_column: "Colonne des prédictions",
    choose_column: "— choisir une colonne —",
    columns_none: "Choisissez un fichier pour voir ses colonnes.",
    columns_reading: "Lecture des colonnes de {}…",
    columns_found: "{} colonnes dans {}.",
    baseline_is_result: "La référence {} est un résultat exporté : son exactitude et son F1 \
                         sont comparés.",
    same_column: "L'étiquette et la prédiction sont la même colonne : choisissez deux colonnes \
                  différentes.",
    missing_in_baseline: "La référence {} n'a pas de colonne « {} » : elle doit avoir les mêmes \
                          colonnes d'étiquette et de prédiction que le fichier.",
    hint_no_file: "Choisissez un fichier CSV avec une colonne d'étiquettes réelles et une \
                   colonne de prédictions.",
    hint_not_chosen: "Choisissez la colonne des étiquettes et celle des prédictions.",
    evaluate: "Évaluer",
    results_for: "Résultats pour {}",
    evaluated: "{} lignes évaluées en {} s.",
    skipped: "{} lignes ignorées (étiquette ou prédiction manquante).",
    summary: "Synthèse",
    accuracy: "Exactitude",
    f1_macro: "F1 (macro)",
    f1_weighted: "F1 (pondéré)",
    precision_macro: "Précision (macro)",
    recall_macro: "Rappel (macro)",
    rows: "Lignes évaluées",
    skipped_rows: "Lignes ignorées",
    baseline_heading: "Par rapport à la référence",
    baseline_caption: "Comparaison avec la référence {}",
    metric: "Métrique",
    baseline: "Référence",
    current: "Ce fichier",
    change: "Variation",
    verdict: "Verdict",
    dropped: "Baisse de plus de {}",
    within: "Dans la marge de {}",
    not_compared: "Non comparé",
    degraded: "La qualité a baissé.",
    degraded_detail: "Plus de {} sous la référence : {}.",
    not_degraded: "Aucune baisse de plus de {} par rapport à la référence.",
    no_comparison: "Non comparé : la référence n'a ni exactitude ni F1 supérieurs à zéro.",
    status_degraded: "La qualité a baissé par rapport à la référence.",
    per_class: "Par classe",
    per_class_caption: "Précision, rappel, F1 et effectif par classe",
    class: "Classe",
    precision: "Précision",
    recall: "Rappel",
    f1: "F1",
    support: "Effectif",
    classes_chart: "Précision, rappel et F1 par classe",
    classes_description: "Précision, rappel et F1 de chacune des {} classes. F1 le plus haut : \
                          {} ({}) ; F1 le plus bas : {} ({}).",
    confusion: "Matrice de confusion",
    confusion_caption: "Matrice de confusion : les lignes sont les étiquettes réelles, les \
                        colonnes les prédictions",
    true_predicted: "Étiquette réelle \\ prédiction",
    true_label: "Étiquette réelle",
    predicted: "Prédiction",
    confusion_description: "Matrice de confusion de {} classes, étiquettes réelles en lignes \
                            et prédictions en colonnes : {} lignes sur {} sont sur la \
                            diagonale (bien prédites).",
    confusion_worst: "L'erreur la plus fréquente : {} prédit comme {} ({} lignes).",
    confusion_perfect: "Aucune ligne n'est mal prédite.",
    many_classes: "Plus de {} étiquettes distinctes : les métriques par classe et la matrice \
                   de confusion sont omises (l'exactitude compte les correspondances exactes).",
    regression: "Métriques de régression",
    regression_hint: "Les deux colonnes ne contiennent que des nombres : les erreurs sont aussi \
                      mesurées comme des distances.",
    mae: "Erreur absolue moyenne (MAE)",
    rmse: "Racine de l'erreur quadratique moyenne (RMSE)",
    r2: "Coefficient de détermination (R²)",
    export: "Export",
    summary_title: "Qualité du modèle — {}",
    summary_columns: "Colonne des étiquettes : {} ; colonne des prédictions : {}",
    summary_baseline: "Référence : {}",
    summary_classes: "Par classe (précision / rappel / F1 / effectif) :",
};

pub(super) fn text(lang: Lang) -> &'static Text {
    match lang {
        Lang::En => &EN,
        Lang::Fr => &FR,
    }
}
