//! The profile view: pick or drop a CSV file, watch it being read, see its column profiles.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::csv_input::TextEncoding;
use shared::profile::Profile;
use web_sys::File;

use crate::components::file_drop::FileDrop;
use crate::components::profile_table::ProfileTable;
use crate::components::progress::Progress;
use crate::file_reader::{self, Outcome};
use crate::format;

/// Where the view is. Only one read runs at a time.
#[derive(Clone)]
enum Phase {
    Idle,
    Reading {
        name: String,
    },
    Done {
        name: String,
        profile: Arc<Profile>,
        seconds: f64,
    },
    Cancelled {
        name: String,
    },
    Failed {
        name: String,
        message: String,
    },
}

#[component]
pub fn ProfilePage() -> impl IntoView {
    let phase = RwSignal::new(Phase::Idle);
    let (bytes_read, set_bytes_read) = signal(0_u64);
    let (bytes_total, set_bytes_total) = signal(0_u64);
    // Each read gets a number; Cancel or a newer read makes an older one stale.
    let current_read = StoredValue::new(0_u64);

    let reading = Signal::derive(move || matches!(phase.get(), Phase::Reading { .. }));

    let start = move |file: File| {
        let id = current_read.get_value() + 1;
        current_read.set_value(id);
        let name = file.name();
        set_bytes_total.set(file.size() as u64);
        set_bytes_read.set(0);
        phase.set(Phase::Reading { name: name.clone() });
        spawn_local(async move {
            let is_current = move || current_read.try_get_value() == Some(id);
            let started = js_sys::Date::now();
            let result =
                file_reader::profile_file(&file, |done| set_bytes_read.set(done), is_current).await;
            if !is_current() {
                return;
            }
            phase.set(match result {
                Ok(Outcome::Profiled(profile)) => Phase::Done {
                    name,
                    profile,
                    seconds: (js_sys::Date::now() - started) / 1000.0,
                },
                Ok(Outcome::Cancelled) => Phase::Cancelled { name },
                Err(error) => Phase::Failed {
                    name,
                    message: error.to_string(),
                },
            });
        });
    };

    let cancel = move |_| {
        current_read.update_value(|id| *id += 1);
        if let Phase::Reading { name } = phase.get_untracked() {
            phase.set(Phase::Cancelled { name });
        }
    };

    let status = move || match phase.get() {
        Phase::Idle => "No file loaded yet.".to_owned(),
        Phase::Reading { name } => format!("Reading {name}…"),
        Phase::Done {
            name,
            profile,
            seconds,
        } => format!(
            "{} rows and {} columns in {name} (read in {seconds:.2} s).",
            format::count(profile.rows),
            format::count(profile.columns.len() as u64),
        ),
        Phase::Cancelled { name } => format!("Stopped reading {name}."),
        Phase::Failed { name, .. } => format!("Could not profile {name}."),
    };

    let body = move || match phase.get() {
        Phase::Idle | Phase::Cancelled { .. } => ().into_any(),
        Phase::Reading { name } => view! {
            <div class="reading">
                <Progress label=format!("Reading {name}") done=bytes_read total=bytes_total />
                <button type="button" class="button" on:click=cancel>
                    "Cancel"
                </button>
            </div>
        }
        .into_any(),
        Phase::Failed { message, .. } => view! {
            <p class="alert" role="alert">
                {message}
            </p>
        }
        .into_any(),
        Phase::Done { profile, .. } => view! { <ProfileResult profile /> }.into_any(),
    };

    view! {
        <section class="profile-page" aria-labelledby="profile-heading">
            <h2 id="profile-heading">"Profile a file"</h2>
            <FileDrop on_file=Callback::new(start) disabled=reading />
            <p class="status" role="status">
                {status}
            </p>
            {body}
        </section>
    }
}

#[component]
fn ProfileResult(profile: Arc<Profile>) -> impl IntoView {
    let input = &profile.input;
    let encoding = match input.encoding {
        TextEncoding::Utf8 => "UTF-8",
        TextEncoding::Windows1252 => "Windows-1252",
    };
    let encoding = if input.bom {
        format!("{encoding} (with BOM)")
    } else {
        encoding.to_owned()
    };
    view! {
        <section class="overview" aria-labelledby="overview-heading">
            <h3 id="overview-heading">"Overview"</h3>
            <dl class="overview__facts">
                {fact("Rows", format::count(profile.rows))}
                {fact("Columns", format::count(profile.columns.len() as u64))}
                {fact("Delimiter", delimiter_name(&input.delimiter))}
                {fact("Encoding", encoding)}
                {fact("Ragged rows", format::count(input.ragged_rows))}
                {fact("Size", format::bytes(input.bytes))}
            </dl>
        </section>
        <ProfileTable columns=profile.columns.clone() />
    }
}

/// One term of the overview and its value.
fn fact(label: &'static str, value: String) -> impl IntoView {
    view! {
        <div>
            <dt>{label}</dt>
            <dd>{value}</dd>
        </div>
    }
}

fn delimiter_name(delimiter: &str) -> String {
    match delimiter {
        "," => "comma ( , )".to_owned(),
        ";" => "semicolon ( ; )".to_owned(),
        "\t" => "tab".to_owned(),
        "|" => "pipe ( | )".to_owned(),
        " " => "space".to_owned(),
        other => format!("“{other}”"),
    }
}
