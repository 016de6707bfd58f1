//! The push-based record reader: bytes in, batches of parsed records out.

use csv_core::{ReadRecordResult, Reader, ReaderBuilder};

/// How many records a batch holds before it is handed on.
pub const BATCH_RECORDS: usize = 8192;
/// A batch is also handed on once its field bytes reach this size.
const BATCH_BYTES: usize = 4 << 20;

/// A run of parsed records stored flat: all field bytes in one buffer.
#[derive(Debug, Default, Clone)]
pub struct RecordBatch {
    data: Vec<u8>,
    /// Absolute end offset (in `data`) of each field.
    field_ends: Vec<usize>,
    /// For each record, the index in `field_ends` one past its last field.
    record_ends: Vec<usize>,
    /// 1-based number of this batch's first data row (the header, if any, is not counted).
    first_record: u64,
}

/// One parsed record of a batch.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    data: &'a [u8],
    ends: &'a [usize],
    start: usize,
}

impl<'a> Record<'a> {
    /// Number of fields.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The fields' raw (unescaped) bytes.
    pub fn fields(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        let data = self.data;
        let mut start = self.start;
        self.ends.iter().map(move |&end| {
            let field = &data[start..end];
            start = end;
            field
        })
    }
}

impl RecordBatch {
    pub fn len(&self) -> usize {
        self.record_ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.record_ends.is_empty()
    }

    /// 1-based number of the first record (data rows count from 1 after the header).
    pub fn first_record(&self) -> u64 {
        self.first_record
    }

    pub fn records(&self) -> impl Iterator<Item = Record<'_>> + '_ {
        let mut field_start = 0usize;
        self.record_ends.iter().map(move |&field_end| {
            let ends = &self.field_ends[field_start..field_end];
            let start = if field_start == 0 {
                0
            } else {
                self.field_ends[field_start - 1]
            };
            field_start = field_end;
            Record {
                data: &self.data,
                ends,
                start,
            }
        })
    }

    pub fn new() -> Self {
        Self::default()
    }

    fn clear(&mut self, first_record: u64) {
        self.data.clear();
        self.field_ends.clear();
        self.record_ends.clear();
        self.first_record = first_record;
    }

    fn data_len(&self) -> usize {
        self.field_ends.last().copied().unwrap_or(0)
    }
}

/// Parses CSV bytes pushed in arbitrary chunks into [`RecordBatch`]es.
///
/// Chunk boundaries never change the records produced: `csv-core` keeps the parser state
/// (inside a quoted field, after a `\r`, …) between calls.
pub struct RecordReader {
    core: Reader,
    batch: RecordBatch,
    /// Output scratch for the record being parsed; `out_len` bytes of it are used.
    out: Vec<u8>,
    out_len: usize,
    ends: Vec<usize>,
    ends_len: usize,
    records_done: u64,
    batch_records: usize,
    header_pending: bool,
    /// Added to `records_done` to number data rows from 1 whether or not there is a header.
    row_offset: u64,
}

/// What the reader hands to its sink.
pub enum ReaderEvent<'a> {
    /// The first record, when the reader was told the input has a header.
    Header(Record<'a>),
    /// A full batch (or the last, partial one) of data records. The sink may swap it for an
    /// empty (or used) batch to keep it without copying: the reader clears what it gets back.
    Batch(&'a mut RecordBatch),
}

impl RecordReader {
    pub fn new(delimiter: u8, has_header: bool) -> Self {
        Self::with_batch_size(delimiter, has_header, BATCH_RECORDS)
    }

    pub fn with_batch_size(delimiter: u8, has_header: bool, batch_records: usize) -> Self {
        let core = ReaderBuilder::new().delimiter(delimiter).build();
        Self {
            core,
            batch: RecordBatch::default(),
            out: vec![0; 1024],
            out_len: 0,
            ends: vec![0; 64],
            ends_len: 0,
            records_done: 0,
            batch_records: batch_records.max(1),
            header_pending: has_header,
            row_offset: u64::from(!has_header),
        }
    }

    /// Number of complete records read so far (including a header record).
    pub fn records_read(&self) -> u64 {
        self.records_done
    }

    /// Parses `input`, calling `sink` with each full batch.
    pub fn push(&mut self, input: &[u8], sink: &mut dyn FnMut(ReaderEvent<'_>)) {
        self.parse(input, sink);
    }

    /// Signals the end of input and hands on the last (partial) batch.
    pub fn finish(&mut self, sink: &mut dyn FnMut(ReaderEvent<'_>)) {
        self.parse(&[], sink);
        if !self.batch.is_empty() {
            sink(ReaderEvent::Batch(&mut self.batch));
            self.batch.clear(self.records_done + self.row_offset);
        }
    }

    fn parse(&mut self, mut input: &[u8], sink: &mut dyn FnMut(ReaderEvent<'_>)) {
        let at_end = input.is_empty();
        loop {
            let (result, nin, nout, nend) = self.core.read_record(
                input,
                &mut self.out[self.out_len..],
                &mut self.ends[self.ends_len..],
            );
            input = &input[nin..];
            self.out_len += nout;
            self.ends_len += nend;
            match result {
                ReadRecordResult::InputEmpty => {
                    if !at_end {
                        return;
                    }
                }
                ReadRecordResult::OutputFull => {
                    let len = self.out.len();
                    self.out.resize(len * 2, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let len = self.ends.len();
                    self.ends.resize(len * 2, 0);
                }
                ReadRecordResult::Record if self.header_pending => {
                    self.header_pending = false;
                    sink(ReaderEvent::Header(Record {
                        data: &self.out[..self.out_len],
                        ends: &self.ends[..self.ends_len],
                        start: 0,
                    }));
                    self.out_len = 0;
                    self.ends_len = 0;
                    self.records_done += 1;
                }
                ReadRecordResult::Record => {
                    self.complete_record();
                    if self.batch.len() >= self.batch_records
                        || self.batch.data_len() >= BATCH_BYTES
                    {
                        sink(ReaderEvent::Batch(&mut self.batch));
                        self.batch.clear(self.records_done + self.row_offset);
                    }
                }
                ReadRecordResult::End => return,
            }
        }
    }

    fn complete_record(&mut self) {
        let base = self.batch.data_len();
        if self.batch.is_empty() {
            self.batch.first_record = self.records_done + self.row_offset;
        }
        self.batch.data.truncate(base);
        self.batch.data.extend_from_slice(&self.out[..self.out_len]);
        self.batch
            .field_ends
            .extend(self.ends[..self.ends_len].iter().map(|end| base + end));
        self.batch.record_ends.push(self.batch.field_ends.len());
        self.out_len = 0;
        self.ends_len = 0;
        self.records_done += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(input: &[u8], chunk: usize) -> Vec<Vec<String>> {
        let mut reader = RecordReader::with_batch_size(b',', true, 3);
        let mut rows = Vec::new();
        let to_strings = |record: Record<'_>| {
            record
                .fields()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect::<Vec<_>>()
        };
        let mut sink = |event: ReaderEvent<'_>| match event {
            ReaderEvent::Header(record) => rows.push(to_strings(record)),
            ReaderEvent::Batch(batch) => rows.extend(batch.records().map(to_strings)),
        };
        for piece in input.chunks(chunk.max(1)) {
            reader.push(piece, &mut sink);
        }
        reader.finish(&mut sink);
        rows
    }

    #[test]
    fn quotes_embedded_newlines_and_crlf_survive_any_chunking() {
        let input = b"a,b\r\n\"x\ny\",\"say \"\"hi\"\"\"\r\n1,\r\n,2\n3,4";
        let expected = vec![
            vec!["a", "b"],
            vec!["x\ny", "say \"hi\""],
            vec!["1", ""],
            vec!["", "2"],
            vec!["3", "4"],
        ];
        for chunk in 1..input.len() + 1 {
            assert_eq!(read_all(input, chunk), expected, "chunk size {chunk}");
        }
    }

    #[test]
    fn batches_carry_their_first_record_number() {
        let mut reader = RecordReader::with_batch_size(b',', true, 2);
        let mut firsts = Vec::new();
        let mut sink = |event: ReaderEvent<'_>| {
            if let ReaderEvent::Batch(batch) = event {
                firsts.push((batch.first_record(), batch.len()));
            }
        };
        reader.push(b"h\n1\n2\n3\n4\n", &mut sink);
        reader.finish(&mut sink);
        assert_eq!(firsts, vec![(1, 2), (3, 2)]);
    }
}
