//! From raw bytes to a header and batches of records: BOM, sniffing, then the record reader.

use super::reader::{ReaderEvent, RecordBatch, RecordReader};
use super::{CellContext, DecimalSeparator, Dialect, ReadOptions, SNIFF_BYTES, decode_text, sniff};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The columns of a table and how to read its cells.
#[derive(Debug, Clone)]
pub struct TableHeader {
    /// Column names, made unique the way pandas does (`a`, `a.1`; `Unnamed: 3` when empty).
    pub names: Vec<String>,
    pub dialect: Dialect,
    pub cells: CellContext,
}

/// What [`CsvSource`] hands to its sink.
pub enum SourceEvent<'a> {
    /// Exactly once, before any batch (also for an empty input, with no columns).
    Header(&'a TableHeader),
    /// The sink may swap the batch for another (see `ReaderEvent::Batch`).
    Batch(&'a mut RecordBatch),
}

/// The streaming front end: push bytes in any chunks, get the header then record batches.
pub struct CsvSource {
    options: ReadOptions,
    /// Bytes held back until there is enough to sniff the dialect.
    pending: Vec<u8>,
    reader: Option<RecordReader>,
    header: Option<TableHeader>,
    dialect: Option<Dialect>,
    bytes_seen: u64,
    bom: bool,
    header_sent: bool,
}

impl CsvSource {
    pub fn new(options: ReadOptions) -> Self {
        Self {
            options,
            pending: Vec::new(),
            reader: None,
            header: None,
            dialect: None,
            bytes_seen: 0,
            bom: false,
            header_sent: false,
        }
    }

    pub fn options(&self) -> &ReadOptions {
        &self.options
    }

    /// Bytes pushed so far.
    pub fn bytes_seen(&self) -> u64 {
        self.bytes_seen
    }

    /// Whether the input started with a UTF-8 byte-order mark (removed before parsing).
    pub fn had_bom(&self) -> bool {
        self.bom
    }

    /// The dialect, once known.
    pub fn dialect(&self) -> Option<&Dialect> {
        self.dialect.as_ref()
    }

    pub fn header(&self) -> Option<&TableHeader> {
        self.header.as_ref()
    }

    pub fn push(&mut self, bytes: &[u8], sink: &mut dyn FnMut(SourceEvent<'_>)) {
        self.bytes_seen += bytes.len() as u64;
        if self.reader.is_none() {
            self.pending.extend_from_slice(bytes);
            if self.pending.len() < SNIFF_BYTES {
                return;
            }
            self.start(false);
            let pending = std::mem::take(&mut self.pending);
            self.feed(&pending, sink);
        } else {
            self.feed(bytes, sink);
        }
    }

    pub fn finish(&mut self, sink: &mut dyn FnMut(SourceEvent<'_>)) {
        if self.reader.is_none() {
            self.start(true);
            let pending = std::mem::take(&mut self.pending);
            self.feed(&pending, sink);
        }
        let Self {
            reader,
            header,
            dialect,
            options,
            header_sent,
            ..
        } = self;
        if let Some(reader) = reader.as_mut() {
            reader.finish(&mut |event| {
                Self::dispatch(event, header, dialect, options, header_sent, sink)
            });
        }
        if !self.header_sent {
            // Empty input (or only a BOM / blank lines): a table with no columns.
            let dialect = self.dialect.clone().unwrap_or(Dialect {
                delimiter: b',',
                decimal_separator: DecimalSeparator::Dot,
                forced_encoding: self.options.encoding,
            });
            let header = TableHeader {
                names: Vec::new(),
                cells: CellContext::new(dialect.decimal_separator, &self.options.missing_tokens),
                dialect,
            };
            sink(SourceEvent::Header(&header));
            self.header = Some(header);
            self.header_sent = true;
        }
    }

    /// Sniffs the held-back sample and creates the record reader.
    fn start(&mut self, complete: bool) {
        if self.pending.starts_with(UTF8_BOM) {
            self.bom = true;
            self.pending.drain(..UTF8_BOM.len());
        }
        let guess = sniff(&self.pending, complete);
        let delimiter = self.options.delimiter.unwrap_or(guess.delimiter);
        let decimal_separator = self.options.decimal_separator.unwrap_or(
            if self.options.delimiter.is_some() && delimiter != guess.delimiter {
                sniff_decimal_for(&self.pending, delimiter, complete)
            } else {
                guess.decimal_separator
            },
        );
        self.dialect = Some(Dialect {
            delimiter,
            decimal_separator,
            forced_encoding: self.options.encoding,
        });
        self.reader = Some(RecordReader::new(delimiter, self.options.has_header));
    }

    fn feed(&mut self, bytes: &[u8], sink: &mut dyn FnMut(SourceEvent<'_>)) {
        let Self {
            reader,
            header,
            dialect,
            options,
            header_sent,
            ..
        } = self;
        if let Some(reader) = reader.as_mut() {
            reader.push(bytes, &mut |event| {
                Self::dispatch(event, header, dialect, options, header_sent, sink)
            });
        }
    }

    fn dispatch(
        event: ReaderEvent<'_>,
        header: &mut Option<TableHeader>,
        dialect: &Option<Dialect>,
        options: &ReadOptions,
        header_sent: &mut bool,
        sink: &mut dyn FnMut(SourceEvent<'_>),
    ) {
        let Some(dialect) = dialect.clone() else {
            return;
        };
        match event {
            ReaderEvent::Header(record) => {
                let raw: Vec<String> = record
                    .fields()
                    .map(|f| decode_text(f, dialect.forced_encoding))
                    .collect();
                let built = TableHeader {
                    names: unique_names(raw),
                    cells: CellContext::new(dialect.decimal_separator, &options.missing_tokens),
                    dialect,
                };
                sink(SourceEvent::Header(&built));
                *header = Some(built);
                *header_sent = true;
            }
            ReaderEvent::Batch(batch) => {
                if !*header_sent {
                    // No header row: name columns by position, from the first record.
                    let width = batch.records().next().map_or(0, |r| r.len());
                    let built = TableHeader {
                        names: (1..=width).map(|i| format!("column_{i}")).collect(),
                        cells: CellContext::new(dialect.decimal_separator, &options.missing_tokens),
                        dialect,
                    };
                    sink(SourceEvent::Header(&built));
                    *header = Some(built);
                    *header_sent = true;
                }
                sink(SourceEvent::Batch(batch));
            }
        }
    }
}

fn sniff_decimal_for(sample: &[u8], delimiter: u8, complete: bool) -> DecimalSeparator {
    if delimiter == b';' {
        super::sniff::detect_decimal(sample, delimiter, complete)
    } else {
        DecimalSeparator::Dot
    }
}

/// pandas-style de-duplication: empty names become `Unnamed: i`, repeats get `.1`, `.2`, ….
fn unique_names(raw: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let mut names = Vec::with_capacity(raw.len());
    for (index, name) in raw.into_iter().enumerate() {
        let base = if name.trim().is_empty() {
            format!("Unnamed: {index}")
        } else {
            name
        };
        let mut candidate = base.clone();
        let mut suffix = 1;
        while !seen.insert(candidate.clone()) {
            candidate = format!("{base}.{suffix}");
            suffix += 1;
        }
        names.push(candidate);
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(input: &[u8], chunk: usize, options: ReadOptions) -> (Vec<String>, Vec<usize>) {
        let mut source = CsvSource::new(options);
        let mut names = Vec::new();
        let mut widths = Vec::new();
        let mut sink = |event: SourceEvent<'_>| match event {
            SourceEvent::Header(h) => names = h.names.clone(),
            SourceEvent::Batch(b) => widths.extend(b.records().map(|r| r.len())),
        };
        for piece in input.chunks(chunk.max(1)) {
            source.push(piece, &mut sink);
        }
        source.finish(&mut sink);
        (names, widths)
    }

    #[test]
    fn bom_is_removed_and_names_made_unique() {
        let (names, widths) = collect(b"\xEF\xBB\xBFa;a;;b\n1;2;3;4\n", 3, ReadOptions::default());
        assert_eq!(names, vec!["a", "a.1", "Unnamed: 2", "b"]);
        assert_eq!(widths, vec![4]);
    }

    #[test]
    fn empty_and_header_only_inputs() {
        let (names, widths) = collect(b"", 1, ReadOptions::default());
        assert!(names.is_empty() && widths.is_empty());
        let (names, widths) = collect(b"x,y\n", 1, ReadOptions::default());
        assert_eq!(names, vec!["x", "y"]);
        assert!(widths.is_empty());
    }

    #[test]
    fn no_header_names_columns_by_position() {
        let options = ReadOptions {
            has_header: false,
            ..ReadOptions::default()
        };
        let (names, widths) = collect(b"1,2\n3,4\n", 2, options);
        assert_eq!(names, vec!["column_1", "column_2"]);
        assert_eq!(widths, vec![2, 2]);
    }
}
