//! "Publish summary to the server": after a quality or drift analysis, the user may send its
//! summary figures (`shared::api::model_report::ModelReport`) for a named model or dataset to
//! `POST /api/model-reports`, where the alert rules read them. The control lists exactly what
//! will be sent (figures and column names, never a cell), checks it with the same validation
//! as the server, and sends nothing until the button is clicked.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::model_report::{ModelReport, StoredModelReport, check_name};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::i18n::{Lang, fill, use_lang};

/// Where reports go.
pub const REPORTS_URL: &str = "/api/model-reports";

struct Text {
    summary: &'static str,
    intro: &'static str,
    name_quality: &'static str,
    name_drift: &'static str,
    name_hint: &'static str,
    preview: &'static str,
    publish: &'static str,
    sending: &'static str,
    /// {id} {received at}
    published: &'static str,
    /// {status} {server's text}
    refused: &'static str,
    /// {reason}
    failed: &'static str,
    /// {field} {reason}
    invalid: &'static str,
}

const EN: Text = Text {
    summary: "Publish summary to the server",
    intro: "Sends the figures listed below, for the name you choose, so the server's alerts can \
            follow them. No cell of your files is sent.",
    name_quality: "Model name",
    name_drift: "Dataset name",
    name_hint: "1 to 64 letters, digits, “.”, “_” or “-”.",
    preview: "What will be sent",
    publish: "Publish",
    sending: "Sending…",
    published: "Published: report {} received by the server at {}.",
    refused: "The server refused the report (HTTP {}): {}",
    failed: "The report could not be sent: {}",
    invalid: "Not sent: “{}” {}.",
};

const FR: Text = Text {
    summary: "Publier le résumé sur le serveur",
    intro: "Envoie les chiffres listés ci-dessous, sous le nom choisi, pour que les alertes du \
            serveur les suivent. Aucune cellule de vos fichiers n’est envoyée.",
    name_quality: "Nom du modèle",
    name_drift: "Nom du jeu de données",
    name_hint: "1 à 64 lettres, chiffres, « . », « _ » ou « - ».",
    preview: "Ce qui sera envoyé",
    publish: "Publier",
    sending: "Envoi…",
    published: "Publié : rapport {} reçu par le serveur à {}.",
    refused: "Le serveur a refusé le rapport (HTTP {}) : {}",
    failed: "Le rapport n’a pas pu être envoyé : {}",
    invalid: "Non envoyé : « {} » {}.",
};

fn text(lang: Lang) -> &'static Text {
    match lang {
        Lang::En => &EN,
        Lang::Fr => &FR,
    }
}

/// Where a publication stands.
#[derive(Debug, Clone, PartialEq)]
enum State {
    Idle,
    Sending,
    Published(StoredModelReport),
    /// The server's status and its `detail` (or its body).
    Refused(u16, String),
    /// The request did not complete.
    Failed(String),
    /// Refused by the shared validation before sending: field, reason.
    Invalid(String, String),
}

/// The publish control. `template` is the report to send (its `name` replaced by the field's
/// value); `default_name` pre-fills the field (made from the analysed file's name).
#[component]
pub fn PublishReport(
    #[prop(into)] id: String,
    template: ModelReport,
    #[prop(into)] default_name: String,
) -> impl IntoView {
    let lang = use_lang();
    let t = move || text(lang.get());
    let is_quality = template.quality().is_some();
    let name = RwSignal::new(default_name);
    let state = RwSignal::new(State::Idle);
    let template = StoredValue::new(template);
    let report = move || {
        let mut report = template.get_value();
        report.name = name.get();
        report
    };
    let name_ok = move || name.with(|n| check_name(n).is_ok());
    let title_id = format!("{id}-title");
    let labelled_by = title_id.clone();
    let input_id = format!("{id}-name");
    let hint_id = format!("{id}-name-hint");

    let preview = move || {
        let json = serde_json::to_value(report()).unwrap_or_default();
        let Some(object) = json.as_object() else {
            return Vec::new();
        };
        object
            .iter()
            .map(|(key, value)| {
                let value = match value {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                view! {
                    <li>
                        <code>{key.clone()}</code>
                        ": "
                        <span class="publish__value">{value}</span>
                    </li>
                }
            })
            .collect::<Vec<_>>()
    };

    let on_publish = move |_| {
        if state.get_untracked() == State::Sending {
            return;
        }
        let report = report();
        if let Err(error) = report.validate() {
            state.set(State::Invalid(error.field, error.reason));
            return;
        }
        state.set(State::Sending);
        spawn_local(async move {
            state.set(publish(&report).await);
        });
    };

    let message = move || {
        let t = t();
        match state.get() {
            State::Idle => None,
            State::Sending => {
                Some(view! { <p class="publish__message" role="status">{t.sending}</p> }.into_any())
            }
            State::Published(stored) => Some(
                view! {
                    <p class="publish__message publish__message--ok" role="status">
                        {fill(t.published, &[&stored.id.to_string(), &stored.received_at])}
                    </p>
                }
                .into_any(),
            ),
            State::Refused(status, detail) => Some(
                view! {
                    <p class="publish__message alert" role="alert">
                        {fill(t.refused, &[&status.to_string(), &detail])}
                    </p>
                }
                .into_any(),
            ),
            State::Failed(reason) => Some(
                view! {
                    <p class="publish__message alert" role="alert">
                        {fill(t.failed, &[&reason])}
                    </p>
                }
                .into_any(),
            ),
            State::Invalid(field, reason) => Some(
                view! {
                    <p class="publish__message alert" role="alert">
                        {fill(t.invalid, &[&field, &reason])}
                    </p>
                }
                .into_any(),
            ),
        }
    };

    view! {
        <section class="publish" aria-labelledby=labelled_by>
            <details>
                <summary id=title_id>{move || t().summary}</summary>
                <p class="publish__intro">{move || t().intro}</p>
                <div class="publish__field">
                    <label for=input_id.clone()>
                        {move || if is_quality { t().name_quality } else { t().name_drift }}
                    </label>
                    <input
                        id=input_id
                        type="text"
                        maxlength="64"
                        autocomplete="off"
                        spellcheck="false"
                        aria-describedby=hint_id.clone()
                        aria-invalid=move || (!name_ok()).then_some("true")
                        prop:value=move || name.get()
                        on:input=move |event| {
                            name.set(event_target_value(&event));
                            if !matches!(state.get_untracked(), State::Sending) {
                                state.set(State::Idle);
                            }
                        }
                    />
                    <p id=hint_id class="publish__hint">{move || t().name_hint}</p>
                </div>
                <h4 class="publish__preview-title">{move || t().preview}</h4>
                <ul class="publish__preview" aria-label=move || t().preview>
                    {preview}
                </ul>
                <button
                    type="button"
                    class="button button--primary"
                    prop:disabled=move || state.get() == State::Sending
                    on:click=on_publish
                >
                    {move || t().publish}
                </button>
                {message}
            </details>
        </section>
    }
}

/// Sends `report`; the outcome, with the server's own error text when it refuses.
async fn publish(report: &ModelReport) -> State {
    match send(report).await {
        Ok((201, body)) => match serde_json::from_str::<StoredModelReport>(&body) {
            Ok(stored) => State::Published(stored),
            Err(error) => State::Failed(error.to_string()),
        },
        Ok((status, body)) => {
            let detail = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["detail"].as_str().map(str::to_owned))
                .unwrap_or(body);
            State::Refused(status, detail)
        }
        Err(reason) => State::Failed(reason),
    }
}

/// `POST` the report as JSON; the status and the body's text.
async fn send(report: &ModelReport) -> Result<(u16, String), String> {
    let describe = |e: JsValue| e.as_string().unwrap_or_else(|| format!("{e:?}"));
    let body = serde_json::to_string(report).map_err(|e| e.to_string())?;
    let window = web_sys::window().ok_or("no window")?;
    // `fetch(url, {method, headers, body})`, the init built as a plain object.
    let init = js_sys::Object::new();
    let headers = js_sys::Object::new();
    let set = |target: &js_sys::Object, key: &str, value: &JsValue| {
        js_sys::Reflect::set(target, &JsValue::from_str(key), value).map(drop)
    };
    set(&headers, "Content-Type", &"application/json".into()).map_err(describe)?;
    set(&init, "method", &"POST".into()).map_err(describe)?;
    set(&init, "headers", &headers).map_err(describe)?;
    set(&init, "body", &JsValue::from_str(&body)).map_err(describe)?;
    let fetch: js_sys::Function = js_sys::Reflect::get(&window, &"fetch".into())
        .map_err(describe)?
        .dyn_into()
        .map_err(|_| "no fetch".to_owned())?;
    let promise: js_sys::Promise = fetch
        .call2(&window, &JsValue::from_str(REPORTS_URL), &init)
        .map_err(describe)?
        .dyn_into()
        .map_err(|_| "fetch returned no promise".to_owned())?;
    let response: web_sys::Response = JsFuture::from(promise)
        .await
        .map_err(describe)?
        .dyn_into()
        .map_err(|_| "not a response".to_owned())?;
    let text = JsFuture::from(response.text().map_err(describe)?)
        .await
        .map_err(describe)?
        .as_string()
        .unwrap_or_default();
    Ok((response.status(), text))
}
