//! The drift view's words, in English and French, and the engine's English phrases (column
//! kinds, reasons for skipping a column) in the user's language.

use shared::drift::DriftTest;
use shared::drift::ks::KsMethod;
use shared::profile::ColumnKind;

use crate::i18n::{Lang, fill};

pub(super) struct Text {
    pub title: &'static str,
    pub intro: &'static str,
    pub files: &'static str,
    pub reference_file: &'static str,
    pub current_file: &'static str,
    pub settings: &'static str,
    pub p_threshold: &'static str,
    pub p_threshold_hint: &'static str,
    pub p_threshold_invalid: &'static str,
    pub share_threshold: &'static str,
    pub share_threshold_hint: &'static str,
    pub share_threshold_invalid: &'static str,
    pub compare: &'static str,
    pub need_files: &'static str,
    pub fix_thresholds: &'static str,
    /// `{}`: the reference's name, then the current file's.
    pub both_files: &'static str,
    pub stale: &'static str,
    pub result: &'static str,
    pub verdict: &'static str,
    pub verdict_drift: &'static str,
    pub verdict_stable: &'static str,
    pub verdict_untested: &'static str,
    /// `{}`: drifted columns, tested columns, their share, the threshold.
    pub share_above: &'static str,
    pub share_below: &'static str,
    pub untested_detail: &'static str,
    /// `{}`: reference name, its rows, current name, its rows, the p-value threshold.
    pub compared: &'static str,
    pub caption: &'static str,
    pub column: &'static str,
    pub kind: &'static str,
    pub test: &'static str,
    pub statistic: &'static str,
    pub p_value: &'static str,
    pub psi: &'static str,
    pub wasserstein: &'static str,
    pub values: &'static str,
    pub drift: &'static str,
    pub chart: &'static str,
    pub drifted: &'static str,
    pub not_drifted: &'static str,
    pub show: &'static str,
    /// `{}`: the column.
    pub show_label: &'static str,
    pub ks_exact: &'static str,
    pub ks_asymptotic: &'static str,
    pub chi2: &'static str,
    /// `{}`: degrees of freedom.
    pub chi2_dof: &'static str,
    pub estimated: &'static str,
    pub not_tested: &'static str,
    pub only_reference: &'static str,
    pub only_current: &'static str,
    /// `{}`: the column.
    pub distributions_of: &'static str,
    pub histogram_title: &'static str,
    pub ecdf_title: &'static str,
    pub bars_title: &'static str,
    pub reference: &'static str,
    pub current: &'static str,
    pub ks_distance: &'static str,
    pub share_axis: &'static str,
    pub cumulative_axis: &'static str,
    pub other: &'static str,
    pub approximate_note: &'static str,
    pub no_chart: &'static str,
    pub no_histogram: &'static str,
    /// `{}`: column, reference values, current values, bins, lowest edge, highest edge.
    pub histogram_description: &'static str,
    /// `{}`: column, KS distance, where, reference share below, current share below.
    pub ecdf_description: &'static str,
    /// `{}`: column.
    pub ecdf_equal_description: &'static str,
    /// `{}`: column, then the list of categories with both shares.
    pub bars_description: &'static str,
    /// `{}`: category, reference share, current share.
    pub bars_item: &'static str,
    /// `{}`: reference name, current name.
    pub summary_title: &'static str,
}

const EN: Text = Text {
    title: "Data drift",
    intro: "Compare a current file with a reference file. Each column present in both is tested: \
            Kolmogorov–Smirnov for numbers and dates, chi-square for categories. The dataset \
            drifts when enough of its columns do. Both files are read in this page only.",
    files: "Files and settings",
    reference_file: "Reference file",
    current_file: "Current file",
    settings: "Thresholds",
    p_threshold: "p-value threshold",
    p_threshold_hint: "A column drifts when its test's p-value is below this threshold.",
    p_threshold_invalid: "Enter a number greater than 0 and at most 1.",
    share_threshold: "Drifted share threshold",
    share_threshold_hint: "The dataset drifts when at least this share of the tested columns \
                           drift (0.5: half of them).",
    share_threshold_invalid: "Enter a number from 0 to 1.",
    compare: "Compare",
    need_files: "Choose a reference file and a current file first.",
    fix_thresholds: "Correct the thresholds first.",
    both_files: "{} and {}",
    stale: "The files or the settings have changed since this result: press Compare to update it.",
    result: "Result",
    verdict: "Verdict",
    verdict_drift: "Dataset drift detected",
    verdict_stable: "No dataset drift",
    verdict_untested: "No column could be tested",
    share_above: "{} of {} tested columns drifted ({}), at or above the threshold of {}.",
    share_below: "{} of {} tested columns drifted ({}), below the threshold of {}.",
    untested_detail: "No column of both files has values that can be compared: see the columns \
                      not tested below.",
    compared: "Reference “{}” ({} rows) compared with current “{}” ({} rows); a column drifts \
               when its p-value is below {}.",
    caption: "Drift per column",
    column: "Column",
    kind: "Kind",
    test: "Test",
    statistic: "Statistic",
    p_value: "p-value",
    psi: "PSI",
    wasserstein: "Wasserstein",
    values: "Values (reference / current)",
    drift: "Drift",
    chart: "Chart",
    drifted: "Drifted",
    not_drifted: "No drift",
    show: "Show",
    show_label: "Show the distributions of “{}”",
    ks_exact: "KS (exact)",
    ks_asymptotic: "KS (asymptotic)",
    chi2: "Chi-square",
    chi2_dof: "Chi-square ({} df)",
    estimated: "estimated from sketches",
    not_tested: "Columns not tested",
    only_reference: "Only in the reference file",
    only_current: "Only in the current file",
    distributions_of: "Distributions of “{}”",
    histogram_title: "{}: share of values per bin",
    ecdf_title: "{}: cumulative distributions",
    bars_title: "{}: share of each value",
    reference: "Reference",
    current: "Current",
    ks_distance: "KS distance",
    share_axis: "Share of values",
    cumulative_axis: "Share of values ≤ x",
    other: "(other values)",
    approximate_note: "A file has more values than are kept exactly: these charts are estimates.",
    no_chart: "There is no chart for this column.",
    no_histogram: "No histogram: a value of this column is infinite.",
    histogram_description: "Histograms of “{}”: the share of the reference's {} values and of \
                            the current file's {} values in each of {} bins from {} to {}.",
    ecdf_description: "Cumulative distributions of “{}” in the reference and current files. \
                       The largest gap between them, the KS distance, is {} at {}: {} of the \
                       reference's values and {} of the current file's are at or below it.",
    ecdf_equal_description: "Cumulative distributions of “{}” in the reference and current \
                             files: the two curves are the same.",
    bars_description: "Share of each value of “{}”, reference against current: {}.",
    bars_item: "{} {} against {}",
    summary_title: "Data drift: reference “{}”, current “{}”",
};

const FR: Text = Text {
    title: "Dérive des données",
    intro: "Comparez un fichier actuel à un fichier de référence. Chaque colonne présente dans \
            les deux est testée : Kolmogorov–Smirnov pour les nombres et les dates, khi-deux pour \
            les catégories. Le jeu de données dérive quand assez de ses colonnes dérivent. Les \
            deux fichiers sont lus par cette page uniquement.",
    files: "Fichiers et réglages",
    reference_file: "Fichier de référence",
    current_file: "Fichier actuel",
    settings: "Seuils",
    p_threshold: "Seuil de p-value",
    p_threshold_hint: "Une colonne dérive quand la p-value de son test est inférieure à ce seuil.",
    p_threshold_invalid: "Saisissez un nombre supérieur à 0 et au plus égal à 1.",
    share_threshold: "Seuil de part de colonnes en dérive",
    share_threshold_hint: "Le jeu de données dérive quand au moins cette part des colonnes \
                           testées dérive (0,5 : la moitié).",
    share_threshold_invalid: "Saisissez un nombre entre 0 et 1.",
    compare: "Comparer",
    need_files: "Choisissez d'abord un fichier de référence et un fichier actuel.",
    fix_thresholds: "Corrigez d'abord les seuils.",
    both_files: "{} et {}",
    stale: "Les fichiers ou les réglages ont changé depuis ce résultat : appuyez sur Comparer \
            pour le mettre à jour.",
    result: "Résultat",
    verdict: "Verdict",
    verdict_drift: "Dérive du jeu de données détectée",
    verdict_stable: "Pas de dérive du jeu de données",
    verdict_untested: "Aucune colonne n'a pu être testée",
    share_above: "{} des {} colonnes testées ont dérivé ({}), soit au moins le seuil de {}.",
    share_below: "{} des {} colonnes testées ont dérivé ({}), sous le seuil de {}.",
    untested_detail: "Aucune colonne des deux fichiers n'a de valeurs comparables : voir les \
                      colonnes non testées ci-dessous.",
    compared: "Référence « {} » ({} lignes) comparée au fichier actuel « {} » ({} lignes) ; \
               une colonne dérive quand sa p-value est inférieure à {}.",
    caption: "Dérive par colonne",
    column: "Colonne",
    kind: "Type",
    test: "Test",
    statistic: "Statistique",
    p_value: "p-value",
    psi: "PSI",
    wasserstein: "Wasserstein",
    values: "Valeurs (référence / actuel)",
    drift: "Dérive",
    chart: "Graphique",
    drifted: "Dérive",
    not_drifted: "Pas de dérive",
    show: "Afficher",
    show_label: "Afficher les distributions de « {} »",
    ks_exact: "KS (exact)",
    ks_asymptotic: "KS (asymptotique)",
    chi2: "Khi-deux",
    chi2_dof: "Khi-deux ({} ddl)",
    estimated: "estimé par des résumés approchés",
    not_tested: "Colonnes non testées",
    only_reference: "Uniquement dans le fichier de référence",
    only_current: "Uniquement dans le fichier actuel",
    distributions_of: "Distributions de « {} »",
    histogram_title: "{} : part des valeurs par intervalle",
    ecdf_title: "{} : distributions cumulées",
    bars_title: "{} : part de chaque valeur",
    reference: "Référence",
    current: "Actuel",
    ks_distance: "distance KS",
    share_axis: "Part des valeurs",
    cumulative_axis: "Part des valeurs ≤ x",
    other: "(autres valeurs)",
    approximate_note: "Un fichier a plus de valeurs que celles gardées exactement : ces \
                       graphiques sont des estimations.",
    no_chart: "Il n'y a pas de graphique pour cette colonne.",
    no_histogram: "Pas d'histogramme : une valeur de cette colonne est infinie.",
    histogram_description: "Histogrammes de « {} » : la part des {} valeurs de la référence et \
                            des {} valeurs du fichier actuel dans chacun des {} intervalles de {} \
                            à {}.",
    ecdf_description: "Distributions cumulées de « {} » dans la référence et le fichier actuel. \
                       Le plus grand écart entre elles, la distance KS, vaut {} en {} : {} des \
                       valeurs de la référence et {} de celles du fichier actuel sont inférieures \
                       ou égales à ce point.",
    ecdf_equal_description: "Distributions cumulées de « {} » dans la référence et le fichier \
                             actuel : les deux courbes sont identiques.",
    bars_description: "Part de chaque valeur de « {} », référence contre fichier actuel : {}.",
    bars_item: "{} {} contre {}",
    summary_title: "Dérive des données : référence « {} », fichier actuel « {} »",
};

pub(super) fn text(lang: Lang) -> &'static Text {
    match lang {
        Lang::En => &EN,
        Lang::Fr => &FR,
    }
}

/// A column kind as the user reads it.
pub(super) fn kind_name(lang: Lang, kind: ColumnKind) -> &'static str {
    match (lang, kind) {
        (Lang::En, kind) => kind.as_str(),
        (Lang::Fr, ColumnKind::Integer) => "entier",
        (Lang::Fr, ColumnKind::Float) => "décimal",
        (Lang::Fr, ColumnKind::Boolean) => "booléen",
        (Lang::Fr, ColumnKind::DateTime) => "date-heure",
        (Lang::Fr, ColumnKind::Categorical) => "catégoriel",
        (Lang::Fr, ColumnKind::Text) => "texte",
    }
}

/// The test of a column, with how its p-value was obtained (KS) or its degrees of freedom.
pub(super) fn test_name(
    lang: Lang,
    test: DriftTest,
    method: Option<KsMethod>,
    dof: Option<u64>,
) -> String {
    let t = text(lang);
    match (test, method, dof) {
        (DriftTest::Ks, Some(KsMethod::Exact), _) => t.ks_exact.to_owned(),
        (DriftTest::Ks, _, _) => t.ks_asymptotic.to_owned(),
        (DriftTest::Chi2, _, Some(dof)) => fill(t.chi2_dof, &[&dof.to_string()]),
        (DriftTest::Chi2, _, None) => t.chi2.to_owned(),
    }
}

/// Why the engine skipped a column (`shared::drift::compare` writes English), in `lang`.
/// A reason this does not know stays as the engine wrote it.
pub(super) fn skip_reason(lang: Lang, reason: &str) -> String {
    if lang == Lang::En {
        return reason.to_owned();
    }
    let kind = |name: &str| -> String {
        const KINDS: [ColumnKind; 6] = [
            ColumnKind::Integer,
            ColumnKind::Float,
            ColumnKind::Boolean,
            ColumnKind::DateTime,
            ColumnKind::Categorical,
            ColumnKind::Text,
        ];
        KINDS
            .into_iter()
            .find(|k| k.as_str() == name)
            .map_or_else(|| name.to_owned(), |k| kind_name(lang, k).to_owned())
    };
    match reason {
        "no values in the reference file" => {
            return "aucune valeur dans le fichier de référence".to_owned();
        }
        "no values in the current file" => {
            return "aucune valeur dans le fichier actuel".to_owned();
        }
        "no comparable values" => return "aucune valeur comparable".to_owned(),
        _ => {}
    }
    // "free text (A distinct values in the reference, B in the current file): no distribution test"
    if let Some((a, b)) = reason
        .strip_prefix("free text (")
        .and_then(|rest| rest.strip_suffix(" in the current file): no distribution test"))
        .and_then(|rest| rest.split_once(" distinct values in the reference, "))
    {
        return fill(
            "texte libre ({} valeurs distinctes dans la référence, {} dans le fichier actuel) : \
             pas de test de distribution",
            &[a, b],
        );
    }
    // "kind differs: A in the reference, B in the current file"
    if let Some((a, b)) = reason
        .strip_prefix("kind differs: ")
        .and_then(|rest| rest.strip_suffix(" in the current file"))
        .and_then(|rest| rest.split_once(" in the reference, "))
    {
        return fill(
            "types différents : {} dans la référence, {} dans le fichier actuel",
            &[&kind(a), &kind(b)],
        );
    }
    reason.to_owned()
}

#[cfg(test)]
mod tests {
    use shared::drift::{DriftOptions, compare};
    use shared::profile::{ProfileOptions, Profiler, TableSummary};

    use super::*;

    fn summary(csv: &str) -> TableSummary {
        let mut profiler = Profiler::new(ProfileOptions::default());
        profiler.push(csv.as_bytes());
        profiler.finish()
    }

    /// The reasons the engine gives today, in its column order.
    fn engine_reasons() -> Vec<String> {
        let reference = "free,mixed,empty,when\na1,1,,x\na2,2,,y\na3,3,,z\n";
        let current = "free,mixed,empty,when\nb1,u,1,x\nb2,v,2,y\nb3,u,3,z\n";
        let report = compare(
            &summary(reference),
            &summary(current),
            &DriftOptions::default(),
        );
        report.skipped.into_iter().map(|s| s.reason).collect()
    }

    #[test]
    fn the_engines_reasons_are_translated() {
        let reasons = engine_reasons();
        assert!(reasons.len() >= 3, "{reasons:?}");
        for reason in &reasons {
            assert_eq!(&skip_reason(Lang::En, reason), reason);
            let french = skip_reason(Lang::Fr, reason);
            assert_ne!(&french, reason, "not translated: {reason}");
        }
        assert!(reasons.iter().any(|r| r.starts_with("free text (")));
        assert!(reasons.iter().any(|r| r.starts_with("kind differs: ")));
        assert!(
            reasons
                .iter()
                .any(|r| r == "no values in the reference file")
        );
    }

    #[test]
    fn reasons_keep_their_figures_and_kinds() {
        assert_eq!(
            skip_reason(
                Lang::Fr,
                "free text (1200 distinct values in the reference, 900 in the current file): \
                 no distribution test"
            ),
            "texte libre (1200 valeurs distinctes dans la référence, 900 dans le fichier \
             actuel) : pas de test de distribution"
        );
        assert_eq!(
            skip_reason(
                Lang::Fr,
                "kind differs: integer in the reference, categorical in the current file"
            ),
            "types différents : entier dans la référence, catégoriel dans le fichier actuel"
        );
        assert_eq!(skip_reason(Lang::Fr, "something new"), "something new");
    }

    #[test]
    fn tests_are_named_with_their_method() {
        assert_eq!(
            test_name(Lang::En, DriftTest::Ks, Some(KsMethod::Exact), None),
            "KS (exact)"
        );
        assert_eq!(
            test_name(Lang::Fr, DriftTest::Chi2, None, Some(3)),
            "Khi-deux (3 ddl)"
        );
    }
}
