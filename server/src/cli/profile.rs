//! `csv-analyzer profile FILE [--json]`.

use std::path::PathBuf;

use clap::Args;
use shared::profile::Profile;

use super::output::{emit, emit_json, new_table, number};
use super::{CliError, Outcome, ReadArgs, input_path, read_table};

#[derive(Debug, Args)]
pub struct ProfileArgs {
    /// The CSV file, or `-` for standard input.
    file: PathBuf,
    /// Print the profile as JSON (the shared `Profile` type).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    read: ReadArgs,
}

pub fn run(args: ProfileArgs) -> Result<Outcome, CliError> {
    let summary = read_table(
        &input_path(&args.file),
        &args.read.profile_options(),
        args.read.threads(),
    )?;
    let profile = summary.into_profile();
    if args.json {
        emit_json(&profile)?;
    } else {
        emit(&render(&profile))?;
    }
    Ok(Outcome::Success)
}

fn render(profile: &Profile) -> String {
    let input = &profile.input;
    let mut text = format!(
        "{} rows × {} columns · delimiter {:?} · {} · decimal {} · {} bytes{}\n",
        profile.rows,
        profile.columns.len(),
        input.delimiter,
        serde_json::to_value(input.encoding)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        match input.decimal_separator {
            shared::csv_input::DecimalSeparator::Dot => "dot",
            shared::csv_input::DecimalSeparator::Comma => "comma",
        },
        input.bytes,
        if input.bom { " · BOM" } else { "" },
    );
    if input.ragged_rows > 0 {
        let examples: Vec<String> = input
            .ragged_row_examples
            .iter()
            .map(u64::to_string)
            .collect();
        text.push_str(&format!(
            "{} ragged rows (field count differs from the header), e.g. rows {}\n",
            input.ragged_rows,
            examples.join(", ")
        ));
    }
    if profile.columns.is_empty() {
        text.push_str("No columns: the input is empty.\n");
        return text;
    }
    let mut table = new_table(&[
        "column",
        "kind",
        "count",
        "missing",
        "distinct",
        "mean",
        "std",
        "min",
        "median",
        "max",
        "most frequent",
    ]);
    for column in &profile.columns {
        let top = column
            .top
            .first()
            .map(|t| format!("{} ({})", truncate(&t.value, 24), t.count))
            .unwrap_or_default();
        let (min, max) = match &column.datetime_range {
            Some(range) => (range.min.clone(), range.max.clone()),
            None => (number(column.min), number(column.max)),
        };
        let approx = if column.approximation.is_some() {
            "≈"
        } else {
            ""
        };
        table.add_row(vec![
            column.name.clone(),
            column.kind.as_str().to_string(),
            column.count.to_string(),
            column.missing.to_string(),
            format!("{approx}{}", column.distinct),
            number(column.mean),
            number(column.std),
            min,
            column
                .quantiles
                .map(|q| format!("{approx}{}", number(Some(q.p50))))
                .unwrap_or_else(|| "—".to_string()),
            max,
            top,
        ]);
    }
    text.push_str(&table.to_string());
    text.push('\n');
    if profile.columns.iter().any(|c| c.approximation.is_some()) {
        text.push_str(&format!(
            "≈ past {} values a column's quantiles and distinct count come from sketches (see --json for error bounds)\n",
            input.exact_limit
        ));
    }
    text
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}
