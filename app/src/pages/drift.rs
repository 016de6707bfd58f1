//! The drift view: a reference file and a current file, compared column by column in the
//! analysis worker (Kolmogorov–Smirnov for numbers and date-times, chi-square for categories);
//! then the dataset verdict, the tests per column, what could not be tested, and the selected
//! column's two distributions.
//!
//! The thresholds and reading options travel to the worker with the files, and the result
//! shows the thresholds it was computed with. When the form changes after a result, the page
//! says so and Compare runs again: the verdict is never recomputed here, so the page and its
//! exported JSON always agree.

mod distributions;
mod result;
mod summary;
mod text;

use leptos::prelude::*;
use shared::csv_input::ReadOptions;
use shared::drift::DriftOptions;
use shared::profile::ProfileOptions;
use web_sys::File;

use self::result::DriftResult;
use self::text::text;
use crate::components::file_drop::FileDrop;
use crate::components::publish::PublishReport;
use crate::components::read_options::ReadOptionsForm;
use crate::components::run::{Run, RunStatus};
use crate::i18n::{fill, use_lang};
use crate::worker::client::DriftOutcome;
use crate::worker::protocol::DriftParameters;

/// What a comparison was started with: which choice of files (see `files_chosen`) and the
/// parameters.
#[derive(Clone, PartialEq)]
struct Setup {
    files: u64,
    parameters: DriftParameters,
}

/// Why Compare did not start.
#[derive(Clone, Copy, PartialEq)]
enum Problem {
    Files,
    Thresholds,
}

#[component]
pub fn DriftPage() -> impl IntoView {
    let lang = use_lang();
    let t = move || text(lang.get());
    let reference = RwSignal::new_local(None::<File>);
    let current = RwSignal::new_local(None::<File>);
    // Counts the choices of files, so that a result knows whether its files are still chosen.
    let files_chosen = RwSignal::new(0_u64);
    let read_options = RwSignal::new(ReadOptions::default());
    let defaults = DriftOptions::default();
    let p_input = RwSignal::new(defaults.p_value_threshold.to_string());
    let share_input = RwSignal::new(defaults.drift_share_threshold.to_string());
    let problem = RwSignal::new(None::<Problem>);
    let run = Run::<DriftOutcome>::new();
    let started = RwSignal::new(None::<Setup>);
    let compared_names = RwSignal::new((String::new(), String::new()));

    let p_value = move || parse_threshold(&p_input.get()).filter(|p| *p > 0.0 && *p <= 1.0);
    let share = move || parse_threshold(&share_input.get()).filter(|s| (0.0..=1.0).contains(s));
    let parameters = move || -> Option<DriftParameters> {
        Some(DriftParameters {
            profile: ProfileOptions {
                read: read_options.get(),
                ..ProfileOptions::default()
            },
            drift: DriftOptions {
                p_value_threshold: p_value()?,
                drift_share_threshold: share()?,
                ..DriftOptions::default()
            },
        })
    };
    let stale = Signal::derive(move || {
        let now = parameters().map(|parameters| Setup {
            files: files_chosen.get(),
            parameters,
        });
        started.get() != now
    });
    let running = Signal::derive(move || run.is_running());
    let subject = Signal::derive(move || {
        compared_names.with(|(reference, current)| fill(t().both_files, &[reference, current]))
    });

    let choose = move |side: RwSignal<Option<File>, LocalStorage>| {
        Callback::new(move |file: File| {
            side.set(Some(file));
            files_chosen.update(|n| *n += 1);
            if problem.get_untracked() == Some(Problem::Files) {
                problem.set(None);
            }
        })
    };
    let chosen = |side: RwSignal<Option<File>, LocalStorage>| {
        Signal::derive(move || side.with(|file| file.as_ref().map(File::name)))
    };
    let compare = move |_| {
        let (Some(reference_file), Some(current_file)) =
            (reference.get_untracked(), current.get_untracked())
        else {
            problem.set(Some(Problem::Files));
            return;
        };
        let Some(parameters) = untrack(parameters) else {
            problem.set(Some(Problem::Thresholds));
            return;
        };
        problem.set(None);
        started.set(Some(Setup {
            files: files_chosen.get_untracked(),
            parameters: parameters.clone(),
        }));
        compared_names.set((reference_file.name(), current_file.name()));
        let total = (reference_file.size() + current_file.size()) as u64;
        run.start(total, move |worker, on_progress| async move {
            worker
                .drift(
                    reference_file,
                    current_file,
                    &parameters,
                    move |read, total| on_progress(read, total),
                )
                .await
        });
    };
    // Said once by screen readers when a comparison finishes (the region exists from the start,
    // so that its change is announced).
    let announcement = move || {
        let lang = lang.get();
        run.state.get().done().map(|outcome| {
            format!(
                "{} {}",
                summary::headline(lang, &outcome.result),
                summary::detail(lang, &outcome.result)
            )
        })
    };
    let result = move || {
        run.state.get().done().map(|outcome| {
            let template = shared::api::model_report::ModelReport::from_drift(
                "",
                crate::worker::service::APP_VERSION,
                &outcome.result,
                true,
            );
            let default_name = outcome
                .provenance
                .files
                .iter()
                .find(|file| file.role == shared::api::FileRole::Current)
                .map(|file| shared::api::model_report::name_from_file(&file.name))
                .unwrap_or_default();
            view! {
                <DriftResult outcome stale />
                <PublishReport id="drift-publish" template default_name />
            }
        })
    };

    view! {
        <section class="view drift-page" aria-labelledby="drift-heading">
            <h1 id="drift-heading">{move || t().title}</h1>
            <p class="view__intro">{move || t().intro}</p>
            <section class="drift-setup" aria-labelledby="drift-setup-heading">
                <h2 id="drift-setup-heading">{move || t().files}</h2>
                <div class="drift-files">
                    <FileDrop
                        id="drift-reference"
                        title=Signal::derive(move || t().reference_file.to_owned())
                        chosen=chosen(reference)
                        on_file=choose(reference)
                        disabled=running
                    />
                    <FileDrop
                        id="drift-current"
                        title=Signal::derive(move || t().current_file.to_owned())
                        chosen=chosen(current)
                        on_file=choose(current)
                        disabled=running
                    />
                </div>
                <fieldset class="drift-thresholds">
                    <legend>{move || t().settings}</legend>
                    <ThresholdField
                        id="drift-p-threshold"
                        label=Signal::derive(move || t().p_threshold)
                        hint=Signal::derive(move || t().p_threshold_hint)
                        error=Signal::derive(move || p_value().is_none().then(|| t().p_threshold_invalid))
                        initial=p_input.get_untracked()
                        input=p_input
                    />
                    <ThresholdField
                        id="drift-share-threshold"
                        label=Signal::derive(move || t().share_threshold)
                        hint=Signal::derive(move || t().share_threshold_hint)
                        error=Signal::derive(move || {
                            share().is_none().then(|| t().share_threshold_invalid)
                        })
                        initial=share_input.get_untracked()
                        input=share_input
                    />
                </fieldset>
                <ReadOptionsForm options=read_options id="drift-read" />
                <div class="drift-actions">
                    <button
                        type="button"
                        class="button button--primary"
                        prop:disabled=running
                        on:click=compare
                    >
                        {move || t().compare}
                    </button>
                </div>
                {move || {
                    problem
                        .get()
                        .map(|problem| {
                            let message = match problem {
                                Problem::Files => t().need_files,
                                Problem::Thresholds => t().fix_thresholds,
                            };
                            view! {
                                <p class="alert" role="alert">
                                    {message}
                                </p>
                            }
                        })
                }}
                <RunStatus run subject />
                <p class="visually-hidden" role="status">
                    {announcement}
                </p>
            </section>
            {result}
        </section>
    }
}

/// A labelled number input for a threshold between 0 and 1, with its hint and, when what was
/// typed is not acceptable, why. The input is not rewritten while the user types.
#[component]
fn ThresholdField(
    id: &'static str,
    label: Signal<&'static str>,
    hint: Signal<&'static str>,
    error: Signal<Option<&'static str>>,
    initial: String,
    input: RwSignal<String>,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described_by = format!("{hint_id} {error_id}");
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input
                id=id
                type="number"
                inputmode="decimal"
                min="0"
                max="1"
                step="any"
                value=initial
                aria-describedby=described_by
                aria-invalid=move || error.get().map(|_| "true")
                on:input=move |event| input.set(event_target_value(&event))
            />
            <p id=hint_id class="field__hint">
                {hint}
            </p>
            <p id=error_id class="field__error">
                {error}
            </p>
        </div>
    }
}

/// A threshold as typed: a decimal point or comma; nothing that is not a finite number.
fn parse_threshold(typed: &str) -> Option<f64> {
    typed
        .trim()
        .replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_accept_both_decimal_marks() {
        assert_eq!(parse_threshold("0.05"), Some(0.05));
        assert_eq!(parse_threshold(" 0,5 "), Some(0.5));
        assert_eq!(parse_threshold(""), None);
        assert_eq!(parse_threshold("NaN"), None);
        assert_eq!(parse_threshold("inf"), None);
    }

    #[test]
    fn the_defaults_are_the_seeds() {
        let defaults = DriftOptions::default();
        assert_eq!(defaults.p_value_threshold.to_string(), "0.05");
        assert_eq!(defaults.drift_share_threshold.to_string(), "0.5");
    }
}
