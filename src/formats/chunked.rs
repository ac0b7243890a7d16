//! Line-by-line reading of a text file, in parallel for big files, records delivered in file order.
//!
//! What flows: the data bytes of one file (memory-mapped, BOM and trailing NULs already cut, see
//! [`super::TextView`]) → lines with exact 1-based numbers → a [`LineFormat`] that turns lines into
//! records pushed into a [`RecordSink`]. A file smaller than [`Plan::parallel_from`] (or in UTF-16)
//! is read in one pass straight into the caller's sink. A bigger one is cut into chunks of about
//! [`Plan::chunk_bytes`] at line starts, and each window of chunks is read in parallel (rayon):
//!
//! 1. the newlines of each chunk are counted (memchr) to number its first line exactly;
//! 2. each chunk is read from the format state in force at its start (for IIS, the last `#Fields:`
//!    and `#Date:`): every chunk of a window is first read from the state at the window start, and
//!    since each chunk reports the state at its end, a chunk whose real start state differs (a
//!    directive changed it in an earlier chunk of the window) is read again from the right state;
//! 3. a chunk's records go into a compact [`Batch`] that borrows the text from the data (field
//!    values are kept as offsets into their line), so a batch costs about what its chunk weighs;
//! 4. batches are replayed into the caller's sink (which is not `Send`: the signature matcher)
//!    in file order on the calling thread, while the next window is read on the other threads;
//! 5. each chunk's [`LineFormat::Tally`] (problems, counters) is merged in file order.
//!
//! The records, their order and the merged tally are exactly those of a single pass, whatever the
//! thread count. Memory stays bounded: a few windows of batches at most, never a whole-file
//! string or a list of all records. Any line format whose lines depend only on a small state (a header
//! layout, a banner offset) can use it; a multi-line format says where a record may start with
//! [`LineFormat::may_start_chunk`] so that no record straddles two chunks.

use crate::intake::decode::{self, LineStats, TextEncoding};
use crate::records::{Fields, Position, Record, RecordSink, Timestamp};
use encoding_rs::WINDOWS_1252;
use rayon::prelude::*;
use std::borrow::Cow;
use std::ops::{ControlFlow, Range};
use std::sync::Mutex;

/// One line handed to a [`LineFormat`].
#[derive(Debug, Clone, Copy)]
pub struct Line<'l> {
    /// 1-based line number in the file.
    pub number: u64,
    /// The decoded text, without its line break.
    pub text: &'l str,
    /// The data's last line, not ended by a line break: a log copied while it was being written.
    /// (Always false for UTF-16 files, which are read by [`decode::for_each_line`].)
    pub unterminated: bool,
}

/// A line-oriented format that can be read chunk by chunk.
pub trait LineFormat: Sync {
    /// What the reading of a line depends on besides the line (IIS: the `#Fields:` layout and the
    /// `#Date:`). Compared to know whether a chunk was read from the right state.
    type State: Clone + PartialEq + Send + Sync;
    /// What a chunk learns besides its records (problems, counters, caches), merged in file order.
    type Tally: Default + Send;

    /// Reads one line, updating the state, pushing its records (if any) into `sink`.
    fn line(&self, state: &mut Self::State, tally: &mut Self::Tally, line: Line<'_>, sink: &mut dyn RecordSink);

    /// End of a chunk (and of the file): a multi-line format pushes the record it was building.
    fn end_chunk(&self, _state: &mut Self::State, _tally: &mut Self::Tally, _sink: &mut dyn RecordSink) {}

    /// Adds the tally of the next chunk to `into`.
    fn merge(&self, into: &mut Self::Tally, later: Self::Tally);

    /// Whether a chunk may start at this line (raw bytes, without the line break). A format with
    /// continuation lines answers false for them.
    fn may_start_chunk(&self, _line: &[u8]) -> bool {
        true
    }
}

/// When and how a file is cut into chunks.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Files at least this big are read in parallel.
    pub parallel_from: usize,
    /// Target size of a chunk; a chunk ends at the first line start after it.
    pub chunk_bytes: usize,
}

impl Default for Plan {
    fn default() -> Plan {
        Plan {
            parallel_from: 32 << 20,
            chunk_bytes: 1 << 20,
        }
    }
}

/// Reads every line of `data` through `format`, starting from `initial`, pushing records into
/// `sink` in file order. Returns the merged tally and the decoding statistics.
pub fn read_lines<F: LineFormat>(
    data: &[u8],
    encoding: TextEncoding,
    format: &F,
    initial: F::State,
    plan: &Plan,
    sink: &mut dyn RecordSink,
) -> (F::Tally, LineStats) {
    if matches!(
        encoding,
        TextEncoding::Utf16Le | TextEncoding::Utf16LeBom | TextEncoding::Utf16Be | TextEncoding::Utf16BeBom
    ) {
        // UTF-16 logs are small (ReportingEvents, .reg): decoded in bounded blocks, one pass.
        let mut state = initial;
        let mut tally = F::Tally::default();
        let stats = decode::for_each_line(data, encoding, 1, |number, text| {
            let line = Line {
                number,
                text,
                unterminated: false,
            };
            format.line(&mut state, &mut tally, line, sink);
            ControlFlow::Continue(())
        });
        format.end_chunk(&mut state, &mut tally, sink);
        return (tally, stats);
    }
    let text = EightBit::new(data, encoding);
    if data.len() < plan.parallel_from.max(1) {
        let mut chunk = ChunkReader::new(format, initial, text, 0..data.len(), 1);
        chunk.read(sink);
        return (chunk.tally, chunk.stats);
    }
    read_parallel(text, format, initial, plan, sink)
}

/// The 8-bit text of a file: its bytes, line separator and how to decode a line.
#[derive(Clone, Copy)]
struct EightBit<'a> {
    data: &'a [u8],
    separator: u8,
    /// Windows-1252 file (every non-ASCII line decoded from 1252) rather than UTF-8.
    ansi: bool,
}

impl<'a> EightBit<'a> {
    fn new(data: &'a [u8], encoding: TextEncoding) -> EightBit<'a> {
        // The rule of `decode::for_each_line`: a text with `\r` but no `\n` in its first MiB is
        // split at `\r` (old Mac style).
        let probe = &data[..data.len().min(1 << 20)];
        let separator = if memchr::memchr(b'\n', probe).is_none() && memchr::memchr(b'\r', probe).is_some() {
            b'\r'
        } else {
            b'\n'
        };
        EightBit {
            data,
            separator,
            ansi: encoding == TextEncoding::Windows1252,
        }
    }

    /// The chunk as one `&str` when no line of it needs decoding (the usual case): lines are then
    /// slices of it, without validating each one again.
    fn whole(&self, range: Range<usize>) -> Option<&'a str> {
        let bytes = self.data.get(range)?;
        if self.ansi {
            // invariant: ASCII is valid UTF-8
            bytes.is_ascii().then(|| std::str::from_utf8(bytes).unwrap_or_default())
        } else {
            std::str::from_utf8(bytes).ok()
        }
    }

    /// Decodes one line on its own: UTF-8 if valid (and the file is not ANSI), else Windows-1252.
    fn decode(&self, raw: &'a [u8], stats: &mut LineStats) -> Cow<'a, str> {
        if !self.ansi
            && let Ok(s) = std::str::from_utf8(raw)
        {
            return Cow::Borrowed(s);
        }
        if self.ansi && raw.is_ascii() {
            // invariant: ASCII is valid UTF-8
            return Cow::Borrowed(std::str::from_utf8(raw).unwrap_or_default());
        }
        if !self.ansi {
            stats.ansi_lines += 1;
        }
        WINDOWS_1252.decode_without_bom_handling(raw).0
    }
}

/// Reads the lines of one chunk into a sink.
struct ChunkReader<'a, 'f, F: LineFormat> {
    format: &'f F,
    state: F::State,
    tally: F::Tally,
    stats: LineStats,
    text: EightBit<'a>,
    range: Range<usize>,
    first_line: u64,
}

impl<'a, 'f, F: LineFormat> ChunkReader<'a, 'f, F> {
    fn new(format: &'f F, state: F::State, text: EightBit<'a>, range: Range<usize>, first_line: u64) -> Self {
        ChunkReader {
            format,
            state,
            tally: F::Tally::default(),
            stats: LineStats::default(),
            text,
            range,
            first_line,
        }
    }

    fn read(&mut self, sink: &mut dyn RecordSink) {
        let sep = self.text.separator;
        let start = self.range.start;
        let end = self.range.end.min(self.text.data.len());
        let bytes = self.text.data.get(start..end).unwrap_or_default();
        let whole = self.text.whole(start..end);
        let at_end_of_data = end == self.text.data.len();
        let mut number = self.first_line;
        let mut pos = 0;
        while pos < bytes.len() {
            let (raw_end, next) = match memchr::memchr(sep, &bytes[pos..]) {
                Some(i) => (pos + i, pos + i + 1),
                None => (bytes.len(), bytes.len()),
            };
            let unterminated = next == raw_end && at_end_of_data;
            let mut line_end = raw_end;
            if line_end > pos && bytes[line_end - 1] == b'\r' {
                line_end -= 1;
            }
            let text: Cow<'_, str> = match whole {
                // invariant: `pos` and `line_end` sit next to ASCII bytes, so on char boundaries
                Some(w) => Cow::Borrowed(w.get(pos..line_end).unwrap_or_default()),
                None => self.text.decode(&bytes[pos..line_end], &mut self.stats),
            };
            self.stats.lines += 1;
            let line = Line {
                number,
                text: &text,
                unterminated,
            };
            self.format.line(&mut self.state, &mut self.tally, line, sink);
            number += 1;
            pos = next;
        }
        self.format.end_chunk(&mut self.state, &mut self.tally, sink);
    }
}

/// One chunk read in parallel: its records and what it learned.
struct ChunkResult<'a, F: LineFormat> {
    batch: Batch<'a>,
    tally: F::Tally,
    stats: LineStats,
    start_state: F::State,
    end_state: F::State,
}

fn read_parallel<F: LineFormat>(
    text: EightBit<'_>,
    format: &F,
    initial: F::State,
    plan: &Plan,
    sink: &mut dyn RecordSink,
) -> (F::Tally, LineStats) {
    let chunks = cut_chunks(text, format, plan.chunk_bytes.max(1));
    // Enough chunks in flight to keep every thread busy while the caller replays. Two windows at
    // most are alive at once and the pool keeps two windows' worth of emptied batches, so memory
    // is bounded by about 4 × window × (a chunk's batch), whatever the file size (about 20 MB of
    // heap for a 1.1 GB IIS log with 2 threads).
    let window = (2 * rayon::current_num_threads()).clamp(2, 32);
    let mut tally = F::Tally::default();
    let mut stats = LineStats::default();
    let pool = BatchPool {
        free: Mutex::new(Vec::new()),
        keep: 2 * window,
    };
    let pool = &pool;
    let mut windows = chunks.chunks(window);
    let mut current = windows.next().map(|w| read_window(text, format, w, initial, 1, pool));
    while let Some((results, end_state, end_line)) = current.take() {
        let following = windows.next();
        let mut next = None;
        rayon::in_place_scope(|scope| {
            if let Some(w) = following {
                let next = &mut next;
                scope.spawn(move |_| *next = Some(read_window(text, format, w, end_state, end_line, pool)));
            }
            for mut result in results {
                result.batch.replay(sink);
                pool.give(result.batch);
                format.merge(&mut tally, result.tally);
                add_stats(&mut stats, &result.stats);
            }
        });
        current = next;
    }
    (tally, stats)
}

fn add_stats(into: &mut LineStats, more: &LineStats) {
    into.lines += more.lines;
    into.ansi_lines += more.ansi_lines;
    into.replaced += more.replaced;
}

/// Chunk boundaries: about every `chunk_bytes`, moved forward to the next line where the format
/// allows a chunk to start. The cut depends only on the data, never on the thread count.
fn cut_chunks<F: LineFormat>(text: EightBit<'_>, format: &F, chunk_bytes: usize) -> Vec<Range<usize>> {
    let data = text.data;
    let sep = text.separator;
    let mut chunks = Vec::new();
    let mut start = 0;
    while start < data.len() {
        let mut end = start.saturating_add(chunk_bytes).min(data.len());
        loop {
            if end >= data.len() {
                end = data.len();
                break;
            }
            // The chunk ends after the separator that ends the line holding byte `end - 1`.
            match memchr::memchr(sep, &data[end - 1..]) {
                None => {
                    end = data.len();
                    break;
                }
                Some(i) => end += i,
            }
            let next_line = &data[end..];
            let line = &next_line[..memchr::memchr(sep, next_line).unwrap_or(next_line.len())];
            if format.may_start_chunk(line.strip_suffix(b"\r").unwrap_or(line)) {
                break;
            }
            end += 1;
        }
        chunks.push(start..end);
        start = end;
    }
    chunks
}

/// Reads a window of chunks in parallel. Returns the chunk results in order, the state after the
/// window and the number of the line after it.
#[allow(clippy::type_complexity)]
fn read_window<'a, F: LineFormat>(
    text: EightBit<'a>,
    format: &F,
    chunks: &[Range<usize>],
    start_state: F::State,
    first_line: u64,
    pool: &BatchPool<'a>,
) -> (Vec<ChunkResult<'a, F>>, F::State, u64) {
    let sep = text.separator;
    let counts: Vec<u64> = chunks
        .par_iter()
        .map(|r| memchr::memchr_iter(sep, text.data.get(r.clone()).unwrap_or_default()).count() as u64)
        .collect();
    let mut firsts = Vec::with_capacity(chunks.len());
    let mut line = first_line;
    for c in &counts {
        firsts.push(line);
        line += c;
    }
    // The last chunk of the data may end without a separator: one more line.
    let after = match chunks.last() {
        Some(r) if r.end == text.data.len() && r.end > r.start && text.data[r.end - 1] != sep => line + 1,
        _ => line,
    };
    let mut results: Vec<ChunkResult<'a, F>> = chunks
        .par_iter()
        .zip(firsts.par_iter())
        .map(|(range, &first)| read_chunk(text, format, range.clone(), first, start_state.clone(), pool))
        .collect();
    // Chunks read from a state a directive of an earlier chunk changed are read again.
    let mut known = start_state;
    for (i, result) in results.iter_mut().enumerate() {
        if result.start_state != known {
            let wrong = std::mem::replace(
                result,
                read_chunk(text, format, chunks[i].clone(), firsts[i], known, pool),
            );
            let mut batch = wrong.batch;
            batch.clear();
            pool.give(batch);
        }
        known = result.end_state.clone();
    }
    (results, known, after)
}

fn read_chunk<'a, F: LineFormat>(
    text: EightBit<'a>,
    format: &F,
    range: Range<usize>,
    first_line: u64,
    state: F::State,
    pool: &BatchPool<'a>,
) -> ChunkResult<'a, F> {
    let start_state = state.clone();
    let mut reader = ChunkReader::new(format, state, text, range.clone(), first_line);
    let mut sink = BatchSink {
        data: text.data,
        whole: text.whole(range.clone()),
        range,
        batch: pool.take(),
    };
    reader.read(&mut sink);
    ChunkResult {
        batch: sink.batch,
        tally: reader.tally,
        stats: reader.stats,
        start_state,
        end_state: reader.state,
    }
}

/// Where a text of a batch lives.
#[derive(Debug, Clone, Copy)]
enum TextRef<'a> {
    /// Borrowed from the file's data.
    Data(&'a str),
    /// Decoded or built by the parser: an index into `Batch::owned_spans`.
    Owned(u32),
}

/// A field value: a span of its record's text, or (when `start == OWNED`) an owned string.
#[derive(Debug, Clone, Copy)]
struct ValueRef {
    start: u32,
    len: u32,
}

const OWNED: u32 = u32::MAX;

#[derive(Debug)]
struct CompactRecord<'a> {
    position: Position,
    time: Option<Timestamp>,
    text: TextRef<'a>,
    /// Index into `Batch::layouts`: the field names.
    layout: u32,
    /// Range of `Batch::values`.
    values: Range<u32>,
    /// Range of `Batch::continuation`.
    continuation: Range<u32>,
}

/// The records of one chunk in compact form: texts borrowed from the data, field values as spans
/// of their record's text, field names stored once per layout.
#[derive(Debug, Default)]
struct Batch<'a> {
    records: Vec<CompactRecord<'a>>,
    values: Vec<ValueRef>,
    /// The texts built by the parser (the record engine's joined lines), one after the other: one
    /// growing buffer rather than an allocation per text.
    owned: String,
    /// Where each owned text lies in `owned`.
    owned_spans: Vec<Range<usize>>,
    layouts: Vec<Vec<String>>,
    /// A stamp per layout (see `Fields::layout`), so the matcher resolves field names once per layout.
    stamps: Vec<u64>,
    continuation: Vec<TextRef<'a>>,
}

/// String equality without a call to `memcmp` and without a byte loop (field names are short and
/// compared once per record): a few overlapping word compares.
fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len();
    if n != b.len() {
        return false;
    }
    fn word<const W: usize>(s: &[u8], at: usize) -> Option<&[u8; W]> {
        s.get(at..).and_then(|t| t.first_chunk::<W>())
    }
    match n {
        0 => true,
        1..=3 => a == b,
        4..=7 => word::<4>(a, 0) == word::<4>(b, 0) && word::<4>(a, n - 4) == word::<4>(b, n - 4),
        8..=16 => word::<8>(a, 0) == word::<8>(b, 0) && word::<8>(a, n - 8) == word::<8>(b, n - 8),
        _ => a == b,
    }
}

/// How many recent layouts a record's field names are compared with before a new one is stored.
const RECENT_LAYOUTS: usize = 4;

impl<'a> Batch<'a> {
    fn clear(&mut self) {
        self.records.clear();
        self.values.clear();
        self.owned.clear();
        self.owned_spans.clear();
        self.layouts.clear();
        self.stamps.clear();
        self.continuation.clear();
    }

    fn own(&mut self, s: &str) -> u32 {
        let start = self.owned.len();
        self.owned.push_str(s);
        self.owned_spans.push(start..self.owned.len());
        (self.owned_spans.len() - 1) as u32
    }

    fn text_ref(&mut self, s: &str, data: &'a [u8], range: &Range<usize>, whole: Option<&'a str>) -> TextRef<'a> {
        let base = data.as_ptr() as usize;
        let at = s.as_ptr() as usize;
        if at >= base + range.start && at + s.len() <= base + range.end {
            let offset = at - base;
            let found = match whole {
                Some(w) => w.get(offset - range.start..offset - range.start + s.len()),
                None => data
                    .get(offset..offset + s.len())
                    .and_then(|b| std::str::from_utf8(b).ok()),
            };
            if let Some(found) = found {
                return TextRef::Data(found);
            }
        }
        TextRef::Owned(self.own(s))
    }

    fn layout(&mut self, record: &Record<'_>) -> u32 {
        let n = record.fields.len();
        for (back, layout) in self.layouts.iter().rev().take(RECENT_LAYOUTS).enumerate() {
            if layout.len() == n && layout.iter().zip(record.fields.iter()).all(|(a, (b, _))| same(a, b)) {
                return (self.layouts.len() - 1 - back) as u32;
            }
        }
        self.layouts
            .push(record.fields.iter().map(|(name, _)| name.to_string()).collect());
        self.stamps.push(crate::records::new_layout_stamp());
        (self.layouts.len() - 1) as u32
    }

    fn push(&mut self, record: &Record<'_>, data: &'a [u8], range: &Range<usize>, whole: Option<&'a str>) {
        let text: &str = &record.text;
        let text_ref = self.text_ref(text, data, range, whole);
        let base = text.as_ptr() as usize;
        let values_start = self.values.len() as u32;
        for (_, value) in record.fields.iter() {
            let at = value.as_ptr() as usize;
            let span = if at >= base && at + value.len() <= base + text.len() {
                u32::try_from(at - base).ok().zip(u32::try_from(value.len()).ok())
            } else {
                None
            };
            let value_ref = match span {
                Some((start, len)) if start != OWNED => ValueRef { start, len },
                _ => ValueRef {
                    start: OWNED,
                    len: self.own(value),
                },
            };
            self.values.push(value_ref);
        }
        let continuation_start = self.continuation.len() as u32;
        for line in &record.continuation {
            let r = self.text_ref(line, data, range, whole);
            self.continuation.push(r);
        }
        let layout = self.layout(record);
        self.records.push(CompactRecord {
            position: record.position.clone(),
            time: record.time,
            text: text_ref,
            layout,
            values: values_start..self.values.len() as u32,
            continuation: continuation_start..self.continuation.len() as u32,
        });
    }

    /// Pushes the records into `sink`, rebuilt as they were, in order, and empties the batch
    /// (keeping its storage for another chunk).
    fn replay(&mut self, sink: &mut dyn RecordSink) {
        let Batch {
            records,
            values,
            owned,
            owned_spans,
            layouts,
            stamps,
            continuation,
        } = self;
        let owned_text = |i: u32| -> &str {
            owned_spans
                .get(i as usize)
                .and_then(|span| owned.get(span.clone()))
                .unwrap_or_default()
        };
        let resolve = |t: TextRef<'a>| -> &str {
            match t {
                TextRef::Data(s) => s,
                TextRef::Owned(i) => owned_text(i),
            }
        };
        let no_names: &[String] = &[];
        let mut fields = Fields::new();
        for c in records.drain(..) {
            let text = resolve(c.text);
            let names = layouts.get(c.layout as usize).map_or(no_names, Vec::as_slice);
            let spans = values
                .get(c.values.start as usize..c.values.end as usize)
                .unwrap_or_default();
            fields.extend(names.iter().zip(spans).map(|(name, v)| {
                let value = if v.start == OWNED {
                    owned_text(v.len)
                } else {
                    // invariant: the span was cut from this text when the record was compacted
                    text.get(v.start as usize..(v.start + v.len) as usize)
                        .unwrap_or_default()
                };
                (Cow::Borrowed(name.as_str()), Cow::Borrowed(value))
            }));
            if fields.len() == names.len()
                && let Some(stamp) = stamps.get(c.layout as usize)
            {
                fields.set_layout(*stamp);
            }
            let continuation = continuation
                .get(c.continuation.start as usize..c.continuation.end as usize)
                .unwrap_or_default()
                .iter()
                .map(|t| Cow::Borrowed(resolve(*t)))
                .collect();
            let record = Record {
                position: c.position,
                time: c.time,
                text: Cow::Borrowed(text),
                continuation,
                fields: std::mem::take(&mut fields),
            };
            sink.record(&record);
            fields = record.fields;
            fields.clear();
        }
        values.clear();
        owned.clear();
        owned_spans.clear();
        layouts.clear();
        stamps.clear();
        continuation.clear();
    }
}

/// Emptied batches kept for the next chunks: their storage is reused rather than allocated (and
/// its pages faulted in) again for every chunk.
struct BatchPool<'a> {
    free: Mutex<Vec<Batch<'a>>>,
    keep: usize,
}

impl<'a> BatchPool<'a> {
    fn take(&self) -> Batch<'a> {
        self.free.lock().ok().and_then(|mut f| f.pop()).unwrap_or_default()
    }

    fn give(&self, batch: Batch<'a>) {
        if let Ok(mut f) = self.free.lock()
            && f.len() < self.keep
        {
            f.push(batch);
        }
    }
}

/// The sink a chunk read in parallel pushes into.
struct BatchSink<'a> {
    data: &'a [u8],
    whole: Option<&'a str>,
    range: Range<usize>,
    batch: Batch<'a>,
}

impl RecordSink for BatchSink<'_> {
    fn record(&mut self, record: &Record<'_>) {
        self.batch.push(record, self.data, &self.range, self.whole);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Must, TestResult};

    /// A toy multi-line format: a record starts with `[n]` and sets the state to `n`; lines that
    /// start with a space continue the record; other lines are records read with the state.
    struct Toy;

    #[derive(Default)]
    struct ToyTally {
        records: u64,
        pending: Option<(u64, String, Vec<String>)>,
    }

    impl Toy {
        fn flush(&self, state: u32, tally: &mut ToyTally, sink: &mut dyn RecordSink) {
            if let Some((n, text, cont)) = tally.pending.take() {
                let mut r = Record::line(n, text);
                r.continuation = cont.into_iter().map(Cow::Owned).collect();
                r.fields.push("state", state.to_string());
                sink.record(&r);
                tally.records += 1;
            }
        }
    }

    impl LineFormat for Toy {
        type State = u32;
        type Tally = ToyTally;

        fn line(&self, state: &mut u32, tally: &mut ToyTally, line: Line<'_>, sink: &mut dyn RecordSink) {
            if let Some(rest) = line.text.strip_prefix(' ') {
                if let Some(p) = tally.pending.as_mut() {
                    p.2.push(rest.to_string());
                }
                return;
            }
            self.flush(*state, tally, sink);
            if let Some(n) = line.text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
                *state = n.parse().unwrap_or(0);
                return;
            }
            // The field value is borrowed from the line, as real parsers do.
            let mut r = Record::line(line.number, line.text);
            r.fields.push("word", line.text.split(' ').next().unwrap_or(""));
            r.fields.push("cut", if line.unterminated { "yes" } else { "no" });
            sink.record(&r);
            tally.pending = Some((line.number, format!("after {}", line.number), Vec::new()));
        }

        fn end_chunk(&self, state: &mut u32, tally: &mut ToyTally, sink: &mut dyn RecordSink) {
            self.flush(*state, tally, sink);
        }

        fn merge(&self, into: &mut ToyTally, later: ToyTally) {
            into.records += later.records;
        }

        fn may_start_chunk(&self, line: &[u8]) -> bool {
            !line.starts_with(b" ")
        }
    }

    #[derive(Default)]
    struct Dump(Vec<String>);

    impl RecordSink for Dump {
        fn record(&mut self, r: &Record<'_>) {
            let fields: Vec<String> = r.fields.iter().map(|(a, b)| format!("{a}={b}")).collect();
            self.0
                .push(format!("{:?} {:?} {:?} {fields:?}", r.position, r.text, r.continuation));
        }
    }

    fn read(data: &[u8], encoding: TextEncoding, plan: &Plan) -> (Vec<String>, u64, LineStats) {
        let mut sink = Dump::default();
        let (tally, stats) = read_lines(data, encoding, &Toy, 0, plan, &mut sink);
        (sink.0, tally.records, stats)
    }

    fn sample() -> Vec<u8> {
        let mut text = Vec::new();
        for i in 0..400u32 {
            if i % 37 == 0 {
                text.extend_from_slice(format!("[{i}]\r\n").as_bytes());
            }
            text.extend_from_slice(format!("word{i} rest of line {i}\r\n").as_bytes());
            for k in 0..(i % 4) {
                text.extend_from_slice(format!("  continuation {k}\n").as_bytes());
            }
            if i % 50 == 0 {
                // A line that is not UTF-8: decoded as Windows-1252 on its own.
                text.extend_from_slice(b"Gr\xfc\xdfe aus K\xf6ln\r\n");
            }
        }
        text.extend_from_slice(b"last line without a break");
        text
    }

    #[test]
    fn word_compare_of_names() -> TestResult {
        for (a, b) in [
            ("", ""),
            ("a", "a"),
            ("date", "date"),
            ("c-ip", "s-ip"),
            ("sc-status", "sc-status"),
            ("cs-uri-stem", "cs-uri-query"),
            ("cs(User-Agent)", "cs(User-Agent)"),
            ("sc-win32-status", "sc-win32-statuz"),
            ("a-very-long-field-name-x", "a-very-long-field-name-x"),
        ] {
            assert_eq!(same(a, b), a == b, "{a} {b}");
        }
        assert!(!same("time", "time-taken"));
        Ok(())
    }

    #[test]
    fn chunks_give_what_one_pass_gives() -> TestResult {
        let data = sample();
        let one = read(&data, TextEncoding::Utf8, &Plan::default());
        assert!(one.2.ansi_lines > 0);
        let cut: Vec<&String> = one.0.iter().filter(|l| l.contains("cut=yes")).collect();
        assert_eq!(cut.len(), 1);
        assert!(cut[0].contains("last line without a break"));
        for chunk_bytes in [1, 7, 100, 1000, 5000] {
            let plan = Plan {
                parallel_from: 0,
                chunk_bytes,
            };
            for threads in [1, 3] {
                let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().must()?;
                let many = pool.install(|| read(&data, TextEncoding::Utf8, &plan));
                assert_eq!(many.0, one.0, "chunks of {chunk_bytes}, {threads} threads");
                assert_eq!((many.1, &many.2), (one.1, &one.2));
            }
        }
        Ok(())
    }

    #[test]
    fn chunks_start_only_where_the_format_allows() -> TestResult {
        let data = sample();
        let text = EightBit::new(&data, TextEncoding::Utf8);
        let chunks = cut_chunks(text, &Toy, 64);
        assert!(chunks.len() > 10);
        assert_eq!(chunks.first().map(|c| c.start), Some(0));
        assert_eq!(chunks.last().map(|c| c.end), Some(data.len()));
        for pair in chunks.windows(2) {
            assert_eq!(pair[0].end, pair[1].start);
            assert_eq!(data[pair[0].end - 1], b'\n');
            assert_ne!(data[pair[1].start], b' ');
        }
        Ok(())
    }

    #[test]
    fn ansi_files_and_lone_cr_files_read_the_same_in_chunks() -> TestResult {
        let ansi = b"word1 caf\xe9\r\nword2 x\r\n[5]\r\nword3 \xfc\r\n".repeat(50);
        let cr = b"word1 a\r[7]\rword2 b\r  cont\rword3 c\r".repeat(50);
        for (data, encoding) in [(&ansi, TextEncoding::Windows1252), (&cr, TextEncoding::Utf8)] {
            let one = read(data, encoding, &Plan::default());
            let many = read(
                data,
                encoding,
                &Plan {
                    parallel_from: 0,
                    chunk_bytes: 10,
                },
            );
            assert_eq!(many.0, one.0);
            assert_eq!(many.2, one.2);
        }
        let (rows, _, _) = read(&ansi, TextEncoding::Windows1252, &Plan::default());
        assert!(rows[0].contains("word1 café"), "{}", rows[0]);
        Ok(())
    }
}
