//! The model-quality view: a CSV file of true labels and predictions (and optionally a
//! baseline: another CSV or an exported result), its label and prediction columns picked from
//! its header, then accuracy, F1, per-class metrics, the confusion matrix and the comparison
//! with the baseline — all computed by the analysis worker.
//!
//! The columns of each file are read (header only) by a worker of this view's own, so that
//! picking files never collides with a running evaluation on the app's worker.

mod columns;
mod report;
mod summary;
mod text;

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::csv_input::ReadOptions;
use shared::quality::QualityOptions;
use web_sys::File;

use crate::components::file_drop::FileDrop;
use crate::components::publish::PublishReport;
use crate::components::read_options::ReadOptionsForm;
use crate::components::run::{Run, RunState, RunStatus, error_message};
use crate::format;
use crate::i18n::{fill, use_lang};
use crate::worker::client::{AnalysisWorker, QualityOutcome};
use crate::worker::protocol::QualityParameters;
use columns::{Blocker, Peek, blocker, choose, is_result_file};
use report::QualityResult;
use text::text;

#[component]
pub fn QualityPage() -> impl IntoView {
    let lang = use_lang();
    let t = move || text(lang.get());
    let run = Run::<QualityOutcome>::new();
    let running = Signal::derive(move || run.is_running());

    let input = RwSignal::new_local(None::<File>);
    let baseline = RwSignal::new_local(None::<File>);
    let read_options = RwSignal::new(ReadOptions::default());
    let input_peek = RwSignal::new(Peek::None);
    let baseline_peek = RwSignal::new(Peek::None);
    let label = RwSignal::new(String::new());
    let prediction = RwSignal::new(String::new());

    let input_name = Signal::derive(move || input.with(|f| f.as_ref().map(File::name)));
    let baseline_name = Signal::derive(move || baseline.with(|f| f.as_ref().map(File::name)));
    let blocked = Memo::new(move |_| {
        input_peek.with(|i| {
            baseline_peek.with(|b| label.with(|l| prediction.with(|p| blocker(i, b, l, p))))
        })
    });

    watch_columns(
        read_options,
        input,
        baseline,
        input_peek,
        baseline_peek,
        label,
        prediction,
    );

    let on_input = Callback::new(move |file: File| {
        if !run.is_running() {
            run.state.set(RunState::Idle);
        }
        input.set(Some(file));
    });
    let on_baseline = Callback::new(move |file: File| {
        if !run.is_running() {
            run.state.set(RunState::Idle);
        }
        baseline.set(Some(file));
    });

    let evaluate = move |_| {
        if run.is_running() || blocked.get_untracked().is_some() {
            return;
        }
        let Some(file) = input.get_untracked() else {
            return;
        };
        let baseline = baseline.get_untracked();
        let mut options = QualityOptions::new(label.get_untracked(), prediction.get_untracked());
        options.read = read_options.get_untracked();
        let parameters = QualityParameters::new(options);
        let total = file.size() as u64 + baseline.as_ref().map_or(0, |b| b.size() as u64);
        run.start(total, move |worker, on_progress| async move {
            worker
                .quality(file, baseline, &parameters, move |read, total| {
                    on_progress(read, total)
                })
                .await
        });
    };

    let columns_status = move || {
        let t = t();
        let name = input_name.get().unwrap_or_default();
        match input_peek.get() {
            Peek::None => t.columns_none.to_owned(),
            Peek::Loading => fill(t.columns_reading, &[&name]),
            Peek::Ready(info) => fill(
                t.columns_found,
                &[&format::count(lang.get(), info.columns.len() as u64), &name],
            ),
            Peek::Result | Peek::Failed(_) => String::new(),
        }
    };
    let baseline_status = move || {
        let name = baseline_name.get().unwrap_or_default();
        match baseline_peek.get() {
            Peek::Loading => Some(fill(t().columns_reading, &[&name])),
            Peek::Result => Some(fill(t().baseline_is_result, &[&name])),
            _ => None,
        }
    };
    // The columns could not be read: the worker's reason, in the user's language.
    let peek_errors = move || {
        let lang = lang.get();
        [input_peek.get(), baseline_peek.get()]
            .into_iter()
            .filter_map(|peek| match peek {
                Peek::Failed(error) => Some(view! {
                    <p class="alert" role="alert">
                        {error_message(lang, &error)}
                    </p>
                }),
                _ => None,
            })
            .collect_view()
    };
    let hint = move || {
        let t = t();
        let message = match blocked.get()? {
            Blocker::NoFile => t.hint_no_file.to_owned(),
            Blocker::NotChosen => t.hint_not_chosen.to_owned(),
            Blocker::SameColumn => t.same_column.to_owned(),
            Blocker::MissingInBaseline { column } => fill(
                t.missing_in_baseline,
                &[&baseline_name.get().unwrap_or_default(), &column],
            ),
            Blocker::Reading | Blocker::Unreadable => return None,
        };
        Some(message)
    };
    let is_problem = move || blocked.get().is_some_and(|b| b.is_problem());

    view! {
        <section class="quality-page" aria-labelledby="quality-title">
            <h1 id="quality-title">{move || t().title}</h1>
            <p class="quality-intro">{move || t().intro}</p>

            <section class="quality-files" aria-labelledby="quality-files-title">
                <h2 id="quality-files-title">{move || t().files}</h2>
                <div class="quality-files__zones">
                    <FileDrop
                        id="quality-input"
                        on_file=on_input
                        disabled=running
                        title=Signal::derive(move || t().input_title.to_owned())
                        chosen=input_name
                    />
                    <div class="quality-files__baseline">
                        <FileDrop
                            id="quality-baseline"
                            on_file=on_baseline
                            disabled=running
                            title=Signal::derive(move || t().baseline_title.to_owned())
                            chosen=baseline_name
                        />
                        <p class="quality-hint">{move || t().baseline_hint}</p>
                        <Show when=move || baseline_name.get().is_some()>
                            <button
                                type="button"
                                class="button button--small"
                                prop:disabled=running
                                on:click=move |_| {
                                    run.state.set(RunState::Idle);
                                    baseline.set(None);
                                }
                            >
                                {move || t().remove_baseline}
                            </button>
                        </Show>
                    </div>
                </div>
                <ReadOptionsForm options=read_options id="quality-read" />
            </section>

            <section class="quality-columns" aria-labelledby="quality-columns-title">
                <h2 id="quality-columns-title">{move || t().columns}</h2>
                <p class="status" role="status">
                    {columns_status}
                    {move || baseline_status().map(|s| format!(" {s}"))}
                </p>
                <div class="quality-columns__fields">
                    <ColumnSelect
                        id="quality-label"
                        label=Signal::derive(move || t().label_column.to_owned())
                        value=label
                        columns=input_peek
                        invalid=Signal::derive(is_problem)
                    />
                    <ColumnSelect
                        id="quality-prediction"
                        label=Signal::derive(move || t().prediction_column.to_owned())
                        value=prediction
                        columns=input_peek
                        invalid=Signal::derive(is_problem)
                    />
                </div>
                {peek_errors}
                {move || {
                    hint()
                        .map(|message| {
                            if is_problem() {
                                view! {
                                    <p id="quality-hint" class="alert" role="alert">
                                        <span aria-hidden="true">"⚠ "</span>
                                        {message}
                                    </p>
                                }
                                    .into_any()
                            } else {
                                view! {
                                    <p id="quality-hint" class="quality-hint">
                                        {message}
                                    </p>
                                }
                                    .into_any()
                            }
                        })
                }}
                <button
                    type="button"
                    class="button button--primary"
                    prop:disabled=move || running.get() || blocked.get().is_some()
                    aria-describedby=move || hint().map(|_| "quality-hint")
                    on:click=evaluate
                >
                    {move || t().evaluate}
                </button>
            </section>

            <RunStatus run subject=Signal::derive(move || input_name.get().unwrap_or_default()) />
            {move || {
                run.state
                    .get()
                    .done()
                    .map(|outcome| {
                        // Only a classification has the figures a model report carries.
                        let publish = shared::api::model_report::ModelReport::from_quality(
                            "",
                            crate::worker::service::APP_VERSION,
                            &outcome.result,
                        )
                        .map(|template| {
                            let default_name = shared::api::model_report::name_from_file(
                                &summary::file_names(&outcome).0,
                            );
                            view! { <PublishReport id="quality-publish" template default_name /> }
                        });
                        view! {
                            <QualityResult outcome seconds=run.seconds.get_untracked() />
                            {publish}
                        }
                    })
            }}
        </section>
    }
}

/// A labelled select of the input file's columns, with an empty "choose" option first.
#[component]
fn ColumnSelect(
    #[prop(into)] id: String,
    #[prop(into)] label: Signal<String>,
    value: RwSignal<String>,
    columns: RwSignal<Peek>,
    #[prop(into)] invalid: Signal<bool>,
) -> impl IntoView {
    let lang = use_lang();
    let options = move || {
        let names = columns.with(|peek| peek.columns().to_vec());
        names
            .into_iter()
            .map(|name| {
                let option_value = name.clone();
                let selected = {
                    let name = name.clone();
                    move || value.with(|v| *v == name)
                };
                view! {
                    <option value=option_value prop:selected=selected>
                        {name}
                    </option>
                }
            })
            .collect_view()
    };
    view! {
        <div class="quality-columns__field">
            <label for=id.clone()>{label}</label>
            <select
                id=id
                prop:disabled=move || columns.with(|peek| peek.columns().is_empty())
                aria-invalid=move || invalid.get().then_some("true")
                on:change=move |event| value.set(event_target_value(&event))
            >
                <option value="" prop:selected=move || value.with(String::is_empty)>
                    {move || text(lang.get()).choose_column}
                </option>
                {options}
            </select>
        </div>
    }
}

/// Reads the columns of the input and of a CSV baseline whenever either file or the reading
/// options change (the newest request wins; a file already read with the same options is not
/// read again), and picks the label and prediction columns.
fn watch_columns(
    read_options: RwSignal<ReadOptions>,
    input: RwSignal<Option<File>, LocalStorage>,
    baseline: RwSignal<Option<File>, LocalStorage>,
    input_peek: RwSignal<Peek>,
    baseline_peek: RwSignal<Peek>,
    label: RwSignal<String>,
    prediction: RwSignal<String>,
) {
    // Started with the first file; cancelled (terminated) when the view goes.
    let worker = StoredValue::new_local(None::<AnalysisWorker>);
    let generation = StoredValue::new(0_u64);
    // What each peek was last asked to read.
    let read_input = StoredValue::new_local(None::<(File, ReadOptions)>);
    let read_baseline = StoredValue::new_local(None::<(File, ReadOptions)>);
    on_cleanup(move || {
        if let Some(Some(worker)) = worker.try_get_value() {
            worker.cancel();
        }
    });
    // The file to read for `peek`, unless it was read already with these options.
    let to_read =
        |file: Option<File>,
         options: &ReadOptions,
         peek: RwSignal<Peek>,
         asked: StoredValue<Option<(File, ReadOptions)>, LocalStorage>| {
            let file = file?;
            let known = asked.with_value(|a| a.as_ref() == Some(&(file.clone(), options.clone())));
            let finished = peek.with_untracked(|p| matches!(p, Peek::Ready(_) | Peek::Failed(_)));
            if known && finished {
                return None;
            }
            asked.set_value(Some((file.clone(), options.clone())));
            peek.set(Peek::Loading);
            Some(file)
        };
    Effect::new(move || {
        let (file, base, options) = (input.get(), baseline.get(), read_options.get());
        let id = generation.get_value() + 1;
        generation.set_value(id);
        if file.is_none() {
            input_peek.set(Peek::None);
        }
        let base = match base {
            None => {
                baseline_peek.set(Peek::None);
                None
            }
            Some(base) if is_result_file(&base.name()) => {
                baseline_peek.set(Peek::Result);
                None
            }
            Some(base) => Some(base),
        };
        let file = to_read(file, &options, input_peek, read_input);
        let base = to_read(base, &options, baseline_peek, read_baseline);
        if file.is_none() && base.is_none() {
            return;
        }
        let peeker = worker.get_value().unwrap_or_else(|| {
            let fresh = AnalysisWorker::new();
            worker.set_value(Some(fresh.clone()));
            fresh
        });
        // An older request still reading a header is of no use any more.
        peeker.cancel();
        spawn_local(async move {
            let current = move || generation.try_get_value() == Some(id);
            if let Some(file) = file {
                let peek = Peek::from(peeker.columns(file, &options).await);
                if !current() {
                    return;
                }
                if let Peek::Ready(info) = &peek {
                    let (l, p) = choose(
                        &info.columns,
                        &label.get_untracked(),
                        &prediction.get_untracked(),
                    );
                    label.set(l);
                    prediction.set(p);
                }
                input_peek.set(peek);
            }
            if let Some(base) = base {
                let peek = Peek::from(peeker.columns(base, &options).await);
                if current() {
                    baseline_peek.set(peek);
                }
            }
        });
    });
}
