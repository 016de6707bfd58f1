//! The profile view: pick, drop or paste a CSV file, watch it being read, see its overview, its
//! columns (table, cards with charts, top values) and the correlation of its numeric columns.

mod columns;
mod correlation;
mod table;
mod text;

use std::sync::Arc;

use leptos::prelude::*;
use shared::csv_input::{DecimalSeparator, ReadOptions, TextEncoding};
use shared::profile::ProfileOptions;
use web_sys::File;

use self::columns::ColumnsSection;
use self::correlation::CorrelationSection;
use self::text::{delimiter_name, text};
use crate::components::export::{ExportBar, export_name};
use crate::components::file_drop::FileDrop;
use crate::components::read_options::ReadOptionsForm;
use crate::components::run::{Run, RunState, RunStatus};
use crate::format;
use crate::i18n::{Lang, fill, use_lang};
use crate::worker::client::ProfileOutcome;

#[component]
pub fn ProfilePage() -> impl IntoView {
    let lang = use_lang();
    let t = move || text(lang.get());
    let run = Run::<ProfileOutcome>::new();
    let read_options = RwSignal::new(ReadOptions::default());
    let file_name = RwSignal::new(None::<String>);

    let start = move |file: File| {
        file_name.set(Some(file.name()));
        let options = ProfileOptions {
            read: read_options.get_untracked(),
            ..ProfileOptions::default()
        };
        let total = file.size() as u64;
        run.start(total, move |worker, on_progress| async move {
            worker
                .profile(file, &options, move |read, total| on_progress(read, total))
                .await
        });
    };

    let status = move || {
        let lang = lang.get();
        let t = text(lang);
        match run.state.get() {
            RunState::Done(outcome) => {
                let profile = &outcome.result;
                let name = file_name.get().unwrap_or_default();
                fill(
                    t.done,
                    &[
                        &format::count(lang, profile.rows),
                        &format::count(lang, profile.columns.len() as u64),
                        &name,
                        &format::fixed(lang, run.seconds.get(), 2),
                    ],
                )
            }
            RunState::Idle => t.idle.to_owned(),
            _ => String::new(),
        }
    };

    let result = move || {
        run.state
            .get()
            .done()
            .map(|outcome| view! { <ProfileResult outcome file_name=file_name.get_untracked().unwrap_or_default() /> })
    };

    view! {
        <section class="view profile-page" aria-labelledby="profile-heading">
            <h1 id="profile-heading">{move || t().heading}</h1>
            <p class="view__intro">{move || t().intro}</p>
            <FileDrop
                on_file=Callback::new(start)
                disabled=Signal::derive(move || run.is_running())
                id="profile"
                chosen=Signal::derive(move || file_name.get())
            />
            <ReadOptionsForm options=read_options id="profile-read" />
            <RunStatus run subject=Signal::derive(move || file_name.get().unwrap_or_default()) />
            <p class="status" role="status">
                {status}
            </p>
            {result}
        </section>
    }
}

/// The chart layout width: the viewport's, less the page's padding, at most a desktop card's.
fn chart_width() -> u32 {
    let viewport = web_sys::window()
        .and_then(|w| w.inner_width().ok())
        .and_then(|w| w.as_f64())
        .unwrap_or(640.0);
    (viewport - 64.0).clamp(280.0, 640.0) as u32
}

#[component]
fn ProfileResult(outcome: Arc<ProfileOutcome>, file_name: String) -> impl IntoView {
    let lang = use_lang();
    let t = move || text(lang.get());
    let profile = &outcome.result;
    let width = chart_width();
    let summary = {
        let outcome = Arc::clone(&outcome);
        let file_name = file_name.clone();
        Signal::derive(move || summary(lang.get(), &outcome, &file_name))
    };
    let facts = {
        let outcome = Arc::clone(&outcome);
        move || overview_facts(lang.get(), &outcome)
    };
    let approximated: Vec<_> = profile
        .columns
        .iter()
        .filter_map(|c| c.approximation)
        .collect();
    let sketch_notice = (!approximated.is_empty()).then(|| {
        let count = approximated.len() as u64;
        let error = approximated
            .iter()
            .map(|a| a.quantile_rank_error)
            .fold(0.0, f64::max);
        let limit = profile.input.exact_limit;
        view! {
            <p class="notice">
                {move || {
                    let lang = lang.get();
                    fill(
                        text(lang).sketch_notice,
                        &[&format::count(lang, count), &format::count(lang, limit), &format::share(lang, error)],
                    )
                }}
            </p>
        }
    });
    let empty = profile.rows == 0;
    view! {
        <section class="overview" aria-labelledby="overview-heading">
            <h2 id="overview-heading">{move || t().overview}</h2>
            <dl class="overview__facts">{facts}</dl>
            {sketch_notice}
            {empty.then(|| view! { <p class="notice">{move || t().empty_profile}</p> })}
            <ExportBar file_name=export_name(&file_name, "profile.json") json=outcome.json.clone() summary />
        </section>
        <ColumnsSection columns=profile.columns.clone() file_name=file_name.clone() width />
        <CorrelationSection correlation=profile.correlation.clone() file_name width />
    }
}

/// The overview's terms and values.
fn overview_facts(lang: Lang, outcome: &ProfileOutcome) -> impl IntoView + use<> {
    let t = text(lang);
    let profile = &outcome.result;
    let input = &profile.input;
    let mut encoding = match input.encoding {
        TextEncoding::Utf8 => "UTF-8".to_owned(),
        TextEncoding::Windows1252 => "Windows-1252".to_owned(),
    };
    if input.bom {
        encoding = format!("{encoding} ({})", t.with_bom);
    }
    let decimal = match input.decimal_separator {
        DecimalSeparator::Dot => t.decimal_dot,
        DecimalSeparator::Comma => t.decimal_comma,
    };
    let cells = profile.rows * profile.columns.len() as u64;
    let missing: u64 = profile.columns.iter().map(|c| c.missing).sum();
    let missing_share = if cells == 0 {
        0.0
    } else {
        missing as f64 / cells as f64
    };
    let mut ragged = format::count(lang, input.ragged_rows);
    if !input.ragged_row_examples.is_empty() {
        let list: Vec<String> = input
            .ragged_row_examples
            .iter()
            .map(|r| format::count(lang, *r))
            .collect();
        ragged = format!(
            "{ragged} ({})",
            fill(t.ragged_examples, &[&list.join(", ")])
        );
    }
    let sha = outcome
        .provenance
        .files
        .first()
        .map(|f| f.sha256.clone())
        .unwrap_or_default();
    let facts = [
        (t.rows, format::count(lang, profile.rows), ""),
        (
            t.columns,
            format::count(lang, profile.columns.len() as u64),
            "",
        ),
        (
            t.missing_cells,
            format!(
                "{} ({})",
                format::count(lang, missing),
                format::share(lang, missing_share)
            ),
            "",
        ),
        (t.delimiter, delimiter_name(lang, &input.delimiter), ""),
        (t.encoding, encoding, ""),
        (t.decimal, decimal.to_owned(), ""),
        (t.ragged_rows, ragged, ""),
        (t.size, format::bytes(lang, input.bytes), ""),
        (t.sha256, sha, "overview__hash"),
    ];
    facts
        .into_iter()
        .map(|(term, value, class)| {
            view! {
                <div class=class>
                    <dt>{term}</dt>
                    <dd>{value}</dd>
                </div>
            }
        })
        .collect_view()
}

/// A few lines a user can paste in a ticket or a chat.
fn summary(lang: Lang, outcome: &ProfileOutcome, file_name: &str) -> String {
    let t = text(lang);
    let profile = &outcome.result;
    let mut lines = vec![format!(
        "{file_name}: {} {}, {} {}",
        format::count(lang, profile.rows),
        t.rows.to_lowercase(),
        format::count(lang, profile.columns.len() as u64),
        t.columns.to_lowercase()
    )];
    for column in &profile.columns {
        let missing = if profile.rows == 0 {
            0.0
        } else {
            column.missing as f64 / profile.rows as f64
        };
        let mut line = format!(
            "- {} ({}): {} {}, {} {}",
            column.name,
            text::kind_name(lang, column.kind),
            format::share(lang, missing),
            t.missing.to_lowercase(),
            format::count(lang, column.distinct),
            t.distinct.to_lowercase(),
        );
        if let Some(mean) = column.mean {
            line.push_str(&format!(
                ", {} {}",
                t.mean.to_lowercase(),
                format::stat(lang, mean)
            ));
        }
        lines.push(line);
    }
    lines.push(format!("CSV Analyzer {}", outcome.provenance.app_version));
    lines.join("\n")
}
