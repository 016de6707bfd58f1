//! Getting a result out of the page: download its JSON, download a chart's SVG, copy a text
//! summary. Everything is made in the page (a `Blob` and an object URL): nothing is sent.

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::{JsCast, JsValue};

use crate::i18n::{Lang, use_lang};

/// Saves `content` as a file named `name` through a temporary `<a download>`.
pub fn download(name: &str, mime: &str, content: &str) -> Result<(), String> {
    let describe = |e: JsValue| e.as_string().unwrap_or_else(|| format!("{e:?}"));
    let window = web_sys::window().ok_or("no window")?;
    let document = window.document().ok_or("no document")?;
    let parts = js_sys::Array::of1(&JsValue::from_str(content));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob =
        web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(describe)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(describe)?;
    let anchor: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(describe)?
        .dyn_into()
        .map_err(|_| "not an anchor")?;
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.click();
    // The click has started the download; the URL can go once the event loop turns.
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    let _ =
        window.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 1000);
    Ok(())
}

/// A file name from the analysed file's: `sales.csv` → `sales.profile.json`.
pub fn export_name(source: &str, suffix: &str) -> String {
    let stem = source
        .rsplit_once('.')
        .map_or(source, |(stem, _)| stem)
        .trim();
    let stem: String = stem
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let stem = if stem.is_empty() {
        "result".to_owned()
    } else {
        stem
    };
    format!("{stem}.{suffix}")
}

struct Text {
    json: &'static str,
    copy: &'static str,
    copied: &'static str,
    copy_failed: &'static str,
    svg: &'static str,
}

const EN: Text = Text {
    json: "Download JSON",
    copy: "Copy summary",
    copied: "Summary copied.",
    copy_failed: "The browser refused the clipboard; the summary is below, select it to copy.",
    svg: "Download SVG",
};

const FR: Text = Text {
    json: "Télécharger le JSON",
    copy: "Copier le résumé",
    copied: "Résumé copié.",
    copy_failed: "Le navigateur refuse le presse-papiers ; le résumé est ci-dessous, sélectionnez-le pour le copier.",
    svg: "Télécharger le SVG",
};

fn text(lang: Lang) -> &'static Text {
    match lang {
        Lang::En => &EN,
        Lang::Fr => &FR,
    }
}

/// "Download JSON" and "Copy summary" for a result. `json` is the exported document (the CLI's
/// `--json` plus provenance), `summary` a few lines of plain text in the user's language.
#[component]
pub fn ExportBar(
    #[prop(into)] file_name: String,
    #[prop(into)] json: String,
    #[prop(into)] summary: Signal<String>,
) -> impl IntoView {
    let lang = use_lang();
    let t = move || text(lang.get());
    let message = RwSignal::new(None::<Result<(), ()>>);
    let on_json = move |_| {
        let _ = download(&file_name, "application/json", &json);
    };
    let on_copy = move |_| {
        let content = summary.get_untracked();
        spawn_local(async move {
            message.set(Some(copy_text(&content).await.map_err(|_| ())));
        });
    };
    view! {
        <div class="export-bar">
            <button type="button" class="button" data-export="json" on:click=on_json>
                {move || t().json}
            </button>
            <button type="button" class="button" data-export="summary" on:click=on_copy>
                {move || t().copy}
            </button>
            <p class="export-bar__message" role="status">
                {move || match message.get() {
                    Some(Ok(())) => t().copied,
                    Some(Err(())) => t().copy_failed,
                    None => "",
                }}
            </p>
            <Show when=move || matches!(message.get(), Some(Err(())))>
                <textarea class="export-bar__summary" readonly rows="6" aria-label=move || t().copy>
                    {move || summary.get()}
                </textarea>
            </Show>
        </div>
    }
}

/// A "Download SVG" button for one chart.
#[component]
pub fn SvgDownload(
    #[prop(into)] file_name: String,
    #[prop(into)] svg: Signal<String>,
) -> impl IntoView {
    let lang = use_lang();
    let on_click = move |_| {
        let _ = download(&file_name, "image/svg+xml", &svg.get_untracked());
    };
    view! {
        <button type="button" class="button button--small" data-export="svg" on:click=on_click>
            {move || text(lang.get()).svg}
        </button>
    }
}

/// Writes `text` to the clipboard (`navigator.clipboard.writeText`).
async fn copy_text(text: &str) -> Result<(), JsValue> {
    let window = web_sys::window().ok_or(JsValue::NULL)?;
    let clipboard = js_sys::Reflect::get(&window.navigator(), &"clipboard".into())?;
    if clipboard.is_undefined() {
        return Err(JsValue::NULL);
    }
    let write: js_sys::Function =
        js_sys::Reflect::get(&clipboard, &"writeText".into())?.dyn_into()?;
    let promise: js_sys::Promise = write
        .call1(&clipboard, &JsValue::from_str(text))?
        .dyn_into()?;
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_names_keep_the_stem() {
        assert_eq!(
            export_name("sales.csv", "profile.json"),
            "sales.profile.json"
        );
        assert_eq!(
            export_name("my data.v2.csv", "drift.json"),
            "my_data_v2.drift.json"
        );
        assert_eq!(export_name("", "quality.json"), "result.quality.json");
    }
}
