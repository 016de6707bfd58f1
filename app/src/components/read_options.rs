//! Overrides for what the engine detects: delimiter, encoding and decimal separator. "Detect"
//! (the default) leaves the choice to the engine.

use leptos::prelude::*;
use shared::csv_input::{DecimalSeparator, ReadOptions, TextEncoding};

use crate::i18n::{Lang, use_lang};

struct Text {
    legend: &'static str,
    delimiter: &'static str,
    encoding: &'static str,
    decimal: &'static str,
    detect: &'static str,
    comma: &'static str,
    semicolon: &'static str,
    tab: &'static str,
    pipe: &'static str,
    dot: &'static str,
}

const EN: Text = Text {
    legend: "Reading options",
    delimiter: "Delimiter",
    encoding: "Encoding",
    decimal: "Decimal separator",
    detect: "Detect",
    comma: "Comma ( , )",
    semicolon: "Semicolon ( ; )",
    tab: "Tab",
    pipe: "Pipe ( | )",
    dot: "Dot ( . )",
};

const FR: Text = Text {
    legend: "Options de lecture",
    delimiter: "Séparateur",
    encoding: "Encodage",
    decimal: "Séparateur décimal",
    detect: "Détecter",
    comma: "Virgule ( , )",
    semicolon: "Point-virgule ( ; )",
    tab: "Tabulation",
    pipe: "Barre verticale ( | )",
    dot: "Point ( . )",
};

fn text(lang: Lang) -> &'static Text {
    match lang {
        Lang::En => &EN,
        Lang::Fr => &FR,
    }
}

/// Three selects bound to `options` (its other fields are left alone). `id` prefixes the
/// controls' ids.
#[component]
pub fn ReadOptionsForm(options: RwSignal<ReadOptions>, #[prop(into)] id: String) -> impl IntoView {
    let lang = use_lang();
    let t = move || text(lang.get());
    let delimiter_id = format!("{id}-delimiter");
    let encoding_id = format!("{id}-encoding");
    let decimal_id = format!("{id}-decimal");

    let delimiter_value = move || match options.with(|o| o.delimiter) {
        None => "auto".to_owned(),
        Some(b'\t') => "tab".to_owned(),
        Some(byte) => char::from(byte).to_string(),
    };
    let set_delimiter = move |value: String| {
        options.update(|o| {
            o.delimiter = match value.as_str() {
                "tab" => Some(b'\t'),
                "," | ";" | "|" => value.bytes().next(),
                _ => None,
            }
        })
    };
    let encoding_value = move || match options.with(|o| o.encoding) {
        None => "auto",
        Some(TextEncoding::Utf8) => "utf-8",
        Some(TextEncoding::Windows1252) => "windows-1252",
    };
    let set_encoding = move |value: String| {
        options.update(|o| {
            o.encoding = match value.as_str() {
                "utf-8" => Some(TextEncoding::Utf8),
                "windows-1252" => Some(TextEncoding::Windows1252),
                _ => None,
            }
        })
    };
    let decimal_value = move || match options.with(|o| o.decimal_separator) {
        None => "auto",
        Some(DecimalSeparator::Dot) => "dot",
        Some(DecimalSeparator::Comma) => "comma",
    };
    let set_decimal = move |value: String| {
        options.update(|o| {
            o.decimal_separator = match value.as_str() {
                "dot" => Some(DecimalSeparator::Dot),
                "comma" => Some(DecimalSeparator::Comma),
                _ => None,
            }
        })
    };

    view! {
        <details class="read-options">
            <summary>{move || t().legend}</summary>
            <div class="read-options__fields">
                <label for=delimiter_id.clone()>{move || t().delimiter}</label>
                <select
                    id=delimiter_id
                    prop:value=delimiter_value
                    on:change=move |e| set_delimiter(event_target_value(&e))
                >
                    <option value="auto">{move || t().detect}</option>
                    <option value=",">{move || t().comma}</option>
                    <option value=";">{move || t().semicolon}</option>
                    <option value="tab">{move || t().tab}</option>
                    <option value="|">{move || t().pipe}</option>
                </select>
                <label for=encoding_id.clone()>{move || t().encoding}</label>
                <select
                    id=encoding_id
                    prop:value=encoding_value
                    on:change=move |e| set_encoding(event_target_value(&e))
                >
                    <option value="auto">{move || t().detect}</option>
                    <option value="utf-8">"UTF-8"</option>
                    <option value="windows-1252">"Windows-1252 / Latin-1"</option>
                </select>
                <label for=decimal_id.clone()>{move || t().decimal}</label>
                <select
                    id=decimal_id
                    prop:value=decimal_value
                    on:change=move |e| set_decimal(event_target_value(&e))
                >
                    <option value="auto">{move || t().detect}</option>
                    <option value="dot">{move || t().dot}</option>
                    <option value="comma">{move || t().comma}</option>
                </select>
            </div>
        </details>
    }
}
