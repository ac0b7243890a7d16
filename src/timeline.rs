//! Timeline: every timestamped record of every file of a bundle, merged in UTC order, with memory
//! bounded whatever the bundle's size.
//!
//! Flow: the bundle goes through the ordinary pipeline (so the findings are there for `--around`)
//! with a record tap: each parsed file gets a [`RunWriter`] that turns its records into compact
//! entries (time, position, text) and writes them to a spill file in a temporary folder. Records of
//! one file are nearly sorted (a classic WindowsUpdate.log steps back by milliseconds when threads
//! interleave), so the writer holds a window of [`SORT_WINDOW`] entries in a heap and writes the
//! smallest each time (replacement selection): the file comes out as one sorted run, or a few when
//! it steps back further than the window. [`Timeline::records`] then merges every run of every file
//! with a heap (k-way merge), reading each through a small buffer. Ties are broken by the file's
//! place in the bundle, then by the order the records came in, so the output is deterministic.
//! Times of unknown zone are merged as written (as if UTC) and keep their basis, so renderers mark
//! them.

use crate::diagnosis::Finding;
use crate::intake::BundleError;
use crate::kind::FileKind;
use crate::pipeline::{BundleReport, Engine, Options, RecordTap, run_bundle};
use crate::records::{Position, Record, RecordSink, TimeBasis, Timestamp};
use chrono::{DateTime, NaiveDateTime};
use regex::Regex;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Entries a file's writer holds to put nearly-sorted records in order.
pub const SORT_WINDOW: usize = 4096;
/// Most runs merged at once; above it, the runs of the most fragmented files are merged first.
const MAX_OPEN_RUNS: usize = 128;
/// Read buffer of each run during the merge.
const RUN_BUFFER: usize = 16 * 1024;

/// Which records to collect while parsing.
#[derive(Debug, Clone, Default)]
pub struct Collect {
    /// Only files of these kinds (`--kinds`); all when empty.
    pub kinds: Vec<FileKind>,
    /// Only records whose text matches (`--grep`).
    pub grep: Option<Regex>,
}

/// One file of the timeline, as the header shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TimelineFile {
    pub path: String,
    pub kind: FileKind,
    /// How the file's local times were placed in UTC (`files[].time_zone` of the inventory).
    pub time_zone: Option<String>,
    /// Timestamped records collected (after `--kinds` and `--grep`).
    pub records: u64,
    /// Records without a time: not in the timeline.
    pub untimed: u64,
    /// Records whose local time has no known zone (merged as if UTC, marked).
    pub local_unknown: u64,
    /// A short name unique in the bundle, for the human rendering.
    #[serde(skip)]
    pub tag: String,
    #[serde(skip)]
    pub errors: Vec<String>,
}

/// One record of the merged timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineRecord {
    pub time: Timestamp,
    /// Index into [`Timeline::files`].
    pub file: usize,
    pub position: Position,
    /// The record's line; for an EVTX event, `provider event-id level: message`.
    pub text: String,
    pub continuation: Vec<String>,
}

/// A time window, inclusive, in the merged (UTC) time scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
}

impl Window {
    pub fn contains(&self, t: NaiveDateTime) -> bool {
        self.from.is_none_or(|f| t >= f) && self.to.is_none_or(|e| t <= e)
    }
}

/// A bundle's records, parsed and spilled, ready to merge.
pub struct Timeline {
    pub files: Vec<TimelineFile>,
    /// The bundle's pipeline report (files, findings).
    pub report: BundleReport,
    runs: Vec<Run>,
    /// Holds the spill files; removed when the timeline is dropped (kept only for that).
    _spill: tempfile::TempDir,
}

/// A sorted stretch of entries in a spill file.
#[derive(Debug, Clone)]
struct Run {
    file: usize,
    path: Arc<PathBuf>,
    start: u64,
    len: u64,
}

/// Why a timeline could not be built.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum TimelineError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Bundle(#[from] BundleError),
    #[error("cannot write the timeline's temporary files: {0}")]
    #[diagnostic(code(wsus_triage::timeline_spill), help("set TMPDIR to a folder with free space"))]
    Spill(#[from] io::Error),
}

/// What the writers of all files hand back.
#[derive(Default)]
struct Collected {
    runs: Vec<Run>,
    counts: Vec<(usize, u64, u64, u64)>, // (file, records, untimed, local-unknown)
    errors: Vec<(usize, String)>,
}

impl Timeline {
    /// Parses and diagnoses the bundle, spilling the records `collect` keeps.
    pub fn build(
        engine: &Engine,
        bundle: &Path,
        options: &Options,
        collect: &Collect,
    ) -> Result<Timeline, TimelineError> {
        let spill = tempfile::Builder::new().prefix("wsus-triage-timeline").tempdir()?;
        let collected = Arc::new(Mutex::new(Collected::default()));
        let tap = {
            let dir = spill.path().to_path_buf();
            let collect = collect.clone();
            let collected = collected.clone();
            RecordTap(Arc::new(move |index, _path: &str, kind| {
                if !collect.kinds.is_empty() && !collect.kinds.contains(&kind) {
                    return None;
                }
                Some(Box::new(RunWriter::new(
                    dir.join(format!("{index}.run")),
                    index as usize,
                    kind,
                    collect.grep.clone(),
                    collected.clone(),
                )) as Box<dyn RecordSink>)
            }))
        };
        let options = Options {
            diagnose: true,
            tap: Some(tap),
            ..options.clone()
        };
        let report = run_bundle(engine, bundle, &options)?;
        let collected = std::mem::take(&mut *collected.lock().unwrap_or_else(|p| p.into_inner()));
        let mut files: Vec<TimelineFile> = report
            .files
            .iter()
            .map(|f| TimelineFile {
                path: f.path.clone(),
                kind: f.kind,
                time_zone: f.time_zone.clone(),
                records: 0,
                untimed: 0,
                local_unknown: 0,
                tag: String::new(),
                errors: Vec::new(),
            })
            .collect();
        for (file, records, untimed, local) in collected.counts {
            if let Some(f) = files.get_mut(file) {
                f.records = records;
                f.untimed = untimed;
                f.local_unknown = local;
            }
        }
        for (file, error) in collected.errors {
            if let Some(f) = files.get_mut(file) {
                f.errors.push(error);
            }
        }
        assign_tags(&mut files);
        let mut runs = collected.runs;
        runs.sort_by_key(|r| (r.file, r.start));
        let runs = compact(runs, spill.path(), MAX_OPEN_RUNS)?;
        Ok(Timeline {
            files,
            report,
            runs,
            _spill: spill,
        })
    }

    /// The files that hold records in the timeline, in bundle order.
    pub fn sources(&self) -> impl Iterator<Item = &TimelineFile> {
        self.files.iter().filter(|f| f.records > 0 || !f.errors.is_empty())
    }

    /// Every record in `windows` (all when empty), merged in time order.
    pub fn records(&self, windows: &[Window]) -> io::Result<Merge> {
        let mut sources = Vec::with_capacity(self.runs.len());
        for run in &self.runs {
            sources.push(RunReader::open(run)?);
        }
        Merge::new(sources, windows.to_vec())
    }

    /// The windows of `minutes` before and after each timestamped evidence of `finding`; its first
    /// and last occurrence when no evidence has a time.
    pub fn windows_around(finding: &Finding, minutes: i64) -> Vec<Window> {
        let pad = chrono::Duration::minutes(minutes);
        let mut times: Vec<NaiveDateTime> = finding
            .evidence
            .iter()
            .filter_map(|e| e.timestamp.map(|t| t.utc))
            .collect();
        if times.is_empty() {
            times.extend(finding.first_seen.iter().chain(finding.last_seen.iter()).map(|t| t.utc));
        }
        times.sort();
        let mut windows: Vec<Window> = Vec::new();
        for t in times {
            let (from, to) = (t - pad, t + pad);
            match windows.last_mut() {
                Some(w) if w.to.is_some_and(|end| from <= end) => w.to = Some(to),
                _ => windows.push(Window {
                    from: Some(from),
                    to: Some(to),
                }),
            }
        }
        windows
    }

    /// The positions a finding cites, as (file index, position), to mark them in the output.
    pub fn evidence_positions(&self, finding: &Finding) -> HashSet<(usize, Position)> {
        finding
            .evidence
            .iter()
            .filter_map(|e| {
                let file = self.files.iter().position(|f| f.path == e.file)?;
                let position = match (e.line, e.record, &e.key) {
                    (Some(l), _, _) => Position::Line(l),
                    (_, Some(r), _) => Position::Record(r),
                    (_, _, Some(k)) => Position::Key(k.clone()),
                    _ => return None,
                };
                Some((file, position))
            })
            .collect()
    }
}

/// Merges the runs of the most fragmented files into one run each (new spill files in `dir`) until
/// no more than `max_open` runs are left, so the final merge keeps few files open.
fn compact(mut runs: Vec<Run>, dir: &Path, max_open: usize) -> io::Result<Vec<Run>> {
    let max_open = max_open.max(2);
    let mut generation = 0;
    while runs.len() > max_open {
        let mut per_file: std::collections::BTreeMap<usize, usize> = Default::default();
        for r in &runs {
            *per_file.entry(r.file).or_insert(0) += 1;
        }
        let Some((&file, &count)) = per_file.iter().max_by_key(|(f, n)| (**n, Reverse(**f))) else {
            break;
        };
        if count < 2 {
            break; // one run per file and still too many files: merged as they are
        }
        let take = count.min(max_open);
        let mut seen = 0;
        let (chosen, rest): (Vec<Run>, Vec<Run>) = runs.into_iter().partition(|r| {
            let pick = r.file == file && seen < take;
            if pick {
                seen += 1;
            }
            pick
        });
        generation += 1;
        let path = Arc::new(dir.join(format!("{file}.merged{generation}.run")));
        let mut out = BufWriter::new(File::create(path.as_ref())?);
        let mut sources = Vec::with_capacity(chosen.len());
        for run in &chosen {
            sources.push(RunReader::open(run)?);
        }
        let mut merge = Merge::new(sources, Vec::new())?;
        let mut len = 0u64;
        while let Some(raw) = merge.next_raw()? {
            out.write_all(&raw)?;
            len += raw.len() as u64;
        }
        out.flush()?;
        runs = rest;
        runs.push(Run {
            file,
            path,
            start: 0,
            len,
        });
        runs.sort_by_key(|r| (r.file, r.start));
    }
    Ok(runs)
}

/// Short names unique in the bundle: the file name, with parent folders added until unique.
fn assign_tags(files: &mut [TimelineFile]) {
    let parts: Vec<Vec<&str>> = files.iter().map(|f| f.path.split('/').collect()).collect();
    let mut depth = vec![1usize; files.len()];
    let tag = |p: &[&str], d: usize| p[p.len().saturating_sub(d)..].join("/");
    for _ in 0..16 {
        let tags: Vec<String> = parts.iter().zip(&depth).map(|(p, d)| tag(p, *d)).collect();
        let mut changed = false;
        for i in 0..files.len() {
            let clash = tags.iter().enumerate().any(|(j, t)| j != i && *t == tags[i]);
            if clash && depth[i] < parts[i].len() {
                depth[i] += 1;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let tags: Vec<String> = parts.iter().zip(&depth).map(|(p, d)| tag(p, *d)).collect();
    for (f, t) in files.iter_mut().zip(tags) {
        f.tag = t;
    }
}

// ---- spill format ----
// An entry: u32 length of what follows, i64 seconds, u32 nanoseconds, u64 sequence in the file,
// u8 basis, u8 position kind (0 line, 1 record, 2 key) + u64 or string, string text, u32 count
// of continuation lines + strings. Strings are u32 length + UTF-8. Little-endian.

/// The merge order of an entry: time, then file, then the order it came in.
type Key = (i64, u32, usize, u64);
/// The order of an entry within its file: seconds, nanoseconds, the order it came in.
type FileKey = (i64, u32, u64);

fn put_str(buf: &mut Vec<u8>, s: &str) {
    buf.extend_from_slice(&(s.len() as u32).to_le_bytes());
    buf.extend_from_slice(s.as_bytes());
}

fn encode(time: Timestamp, seq: u64, position: &Position, text: &str, continuation: &[String]) -> Vec<u8> {
    let mut buf = Vec::with_capacity(48 + text.len());
    buf.extend_from_slice(&[0; 4]);
    let utc = time.utc.and_utc();
    buf.extend_from_slice(&utc.timestamp().to_le_bytes());
    buf.extend_from_slice(&utc.timestamp_subsec_nanos().to_le_bytes());
    buf.extend_from_slice(&seq.to_le_bytes());
    buf.push(match time.basis {
        TimeBasis::Utc => 0,
        TimeBasis::Converted => 1,
        TimeBasis::LocalUnknown => 2,
    });
    match position {
        Position::Line(n) => {
            buf.push(0);
            buf.extend_from_slice(&n.to_le_bytes());
        }
        Position::Record(n) => {
            buf.push(1);
            buf.extend_from_slice(&n.to_le_bytes());
        }
        Position::Key(k) => {
            buf.push(2);
            put_str(&mut buf, k);
        }
    }
    put_str(&mut buf, text);
    buf.extend_from_slice(&(continuation.len() as u32).to_le_bytes());
    for c in continuation {
        put_str(&mut buf, c);
    }
    let len = (buf.len() - 4) as u32;
    buf[..4].copy_from_slice(&len.to_le_bytes());
    buf
}

/// Reads the fields of an entry in order; `None` when it is cut short (a damaged spill).
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Some(a)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn i64(&mut self) -> Option<i64> {
        Some(i64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn string(&mut self) -> Option<String> {
        let n = self.u32()? as usize;
        Some(String::from_utf8_lossy(self.take(n)?).into_owned())
    }
}

/// The key of an encoded entry (after its length prefix).
fn key_of(body: &[u8], file: usize) -> Option<Key> {
    let mut c = Cursor(body);
    Some((c.i64()?, c.u32()?, file, c.u64()?))
}

fn decode(body: &[u8], file: usize) -> Option<TimelineRecord> {
    let mut c = Cursor(body);
    let secs = c.i64()?;
    let nanos = c.u32()?;
    let _seq = c.u64()?;
    let basis = match c.u8()? {
        0 => TimeBasis::Utc,
        1 => TimeBasis::Converted,
        _ => TimeBasis::LocalUnknown,
    };
    let position = match c.u8()? {
        0 => Position::Line(c.u64()?),
        1 => Position::Record(c.u64()?),
        _ => Position::Key(c.string()?),
    };
    let text = c.string()?;
    let n = c.u32()?;
    let mut continuation = Vec::new();
    for _ in 0..n {
        continuation.push(c.string()?);
    }
    let utc = DateTime::from_timestamp(secs, nanos)?.naive_utc();
    Some(TimelineRecord {
        time: Timestamp { utc, basis },
        file,
        position,
        text,
        continuation,
    })
}

/// The text a record shows in the timeline: its line, or for an event rendered as XML a one-line
/// `provider event-id level: message`.
fn display_text(kind: FileKind, record: &Record<'_>) -> String {
    if kind == FileKind::Evtx {
        let field = |n: &str| record.field(n).unwrap_or("");
        let mut text = format!("{} {} {}", field("provider"), field("event-id"), field("level"));
        let message = record.field("message").map(str::to_string).unwrap_or_else(|| {
            record
                .fields
                .iter()
                .filter(|(n, _)| n.starts_with("data:"))
                .map(|(n, v)| format!("{}={v}", &n[5..]))
                .collect::<Vec<_>>()
                .join(" ")
        });
        if !message.is_empty() {
            text.push_str(": ");
            // Event messages span lines; the timeline keeps one line per record.
            text.push_str(&message.split_whitespace().collect::<Vec<_>>().join(" "));
        }
        return text;
    }
    record.text.to_string()
}

/// The sink of one file: sorts in a bounded window and writes sorted runs to the spill file.
struct RunWriter {
    path: Arc<PathBuf>,
    file: usize,
    kind: FileKind,
    grep: Option<Regex>,
    /// Entries held before the smallest is written ([`SORT_WINDOW`]).
    window: usize,
    out: Option<BufWriter<File>>,
    written: u64,
    run_start: u64,
    last: Option<FileKey>,
    heap: BinaryHeap<Reverse<(FileKey, Vec<u8>)>>,
    seq: u64,
    records: u64,
    untimed: u64,
    local_unknown: u64,
    runs: Vec<Run>,
    error: Option<String>,
    collected: Arc<Mutex<Collected>>,
}

impl RunWriter {
    fn new(
        path: PathBuf,
        file: usize,
        kind: FileKind,
        grep: Option<Regex>,
        collected: Arc<Mutex<Collected>>,
    ) -> RunWriter {
        RunWriter {
            path: Arc::new(path),
            file,
            kind,
            grep,
            window: SORT_WINDOW,
            out: None,
            written: 0,
            run_start: 0,
            last: None,
            heap: BinaryHeap::new(),
            seq: 0,
            records: 0,
            untimed: 0,
            local_unknown: 0,
            runs: Vec::new(),
            error: None,
            collected,
        }
    }

    /// Writes the smallest entry held, starting a new run when it is earlier than the last written.
    fn write_smallest(&mut self) {
        let Some(Reverse((key, bytes))) = self.heap.pop() else {
            return;
        };
        if self.error.is_some() {
            return;
        }
        if self.last.is_some_and(|last| key < last) {
            self.end_run();
        }
        self.last = Some(key);
        if self.out.is_none() {
            match File::create(self.path.as_ref()) {
                Ok(f) => self.out = Some(BufWriter::with_capacity(64 * 1024, f)),
                Err(e) => {
                    self.error = Some(format!("cannot write the spill file: {e}"));
                    return;
                }
            }
        }
        if let Some(out) = self.out.as_mut() {
            if let Err(e) = out.write_all(&bytes) {
                self.error = Some(format!("cannot write the spill file: {e}"));
                return;
            }
            self.written += bytes.len() as u64;
        }
    }

    fn end_run(&mut self) {
        if self.written > self.run_start {
            self.runs.push(Run {
                file: self.file,
                path: self.path.clone(),
                start: self.run_start,
                len: self.written - self.run_start,
            });
        }
        self.run_start = self.written;
    }
}

impl RecordSink for RunWriter {
    fn record(&mut self, record: &Record<'_>) {
        let Some(time) = record.time else {
            self.untimed += 1;
            return;
        };
        let text = display_text(self.kind, record);
        let continuation: Vec<String> = record.continuation.iter().map(|c| c.to_string()).collect();
        if let Some(re) = &self.grep
            && !re.is_match(&text)
            && !continuation.iter().any(|c| re.is_match(c))
        {
            return;
        }
        self.records += 1;
        if time.basis == TimeBasis::LocalUnknown {
            self.local_unknown += 1;
        }
        let utc = time.utc.and_utc();
        let key = (utc.timestamp(), utc.timestamp_subsec_nanos(), self.seq);
        let bytes = encode(time, self.seq, &record.position, &text, &continuation);
        self.seq += 1;
        self.heap.push(Reverse((key, bytes)));
        if self.heap.len() > self.window {
            self.write_smallest();
        }
    }
}

impl Drop for RunWriter {
    fn drop(&mut self) {
        while !self.heap.is_empty() {
            self.write_smallest();
        }
        self.end_run();
        if let Some(out) = self.out.as_mut()
            && let Err(e) = out.flush()
        {
            self.error = Some(format!("cannot write the spill file: {e}"));
        }
        let mut collected = self.collected.lock().unwrap_or_else(|p| p.into_inner());
        collected
            .counts
            .push((self.file, self.records, self.untimed, self.local_unknown));
        match self.error.take() {
            Some(e) => collected.errors.push((self.file, e)),
            None => collected.runs.append(&mut self.runs),
        }
    }
}

/// Reads the entries of one run in order.
struct RunReader {
    file: usize,
    reader: io::Take<BufReader<File>>,
}

impl RunReader {
    fn open(run: &Run) -> io::Result<RunReader> {
        let mut f = File::open(run.path.as_ref())?;
        f.seek(SeekFrom::Start(run.start))?;
        Ok(RunReader {
            file: run.file,
            reader: BufReader::with_capacity(RUN_BUFFER, f).take(run.len),
        })
    }

    /// The next entry, with its length prefix; `None` at the end of the run.
    fn next(&mut self) -> io::Result<Option<Vec<u8>>> {
        let mut len = [0u8; 4];
        match self.reader.read_exact(&mut len) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(e),
        }
        let n = u32::from_le_bytes(len) as usize;
        let mut buf = Vec::with_capacity(4 + n);
        buf.extend_from_slice(&len);
        buf.resize(4 + n, 0);
        self.reader.read_exact(&mut buf[4..])?;
        Ok(Some(buf))
    }
}

/// The k-way merge of runs: an iterator of records in time order.
pub struct Merge {
    sources: Vec<RunReader>,
    heap: BinaryHeap<Reverse<(Key, usize)>>,
    heads: Vec<Option<Vec<u8>>>,
    windows: Vec<Window>,
}

impl Merge {
    fn new(mut sources: Vec<RunReader>, windows: Vec<Window>) -> io::Result<Merge> {
        let mut heap = BinaryHeap::new();
        let mut heads = Vec::with_capacity(sources.len());
        for (i, s) in sources.iter_mut().enumerate() {
            let head = s.next()?;
            if let Some(k) = head.as_deref().and_then(|h| key_of(&h[4..], s.file)) {
                heap.push(Reverse((k, i)));
            }
            heads.push(head);
        }
        Ok(Merge {
            sources,
            heap,
            heads,
            windows,
        })
    }

    /// The next entry in merge order, encoded, with the file it belongs to.
    fn next_entry(&mut self) -> io::Result<Option<(usize, Vec<u8>)>> {
        let Some(Reverse((_, i))) = self.heap.pop() else {
            return Ok(None);
        };
        let (Some(source), Some(slot)) = (self.sources.get_mut(i), self.heads.get_mut(i)) else {
            return Ok(None);
        };
        let next = source.next()?;
        let current = std::mem::replace(slot, next);
        if let Some(k) = slot.as_deref().and_then(|h| key_of(&h[4..], source.file)) {
            self.heap.push(Reverse((k, i)));
        }
        Ok(current.map(|c| (source.file, c)))
    }

    fn next_raw(&mut self) -> io::Result<Option<Vec<u8>>> {
        Ok(self.next_entry()?.map(|(_, raw)| raw))
    }
}

impl Iterator for Merge {
    type Item = io::Result<TimelineRecord>;

    fn next(&mut self) -> Option<io::Result<TimelineRecord>> {
        loop {
            let (file, raw) = match self.next_entry() {
                Ok(Some(e)) => e,
                Ok(None) => return None,
                Err(e) => return Some(Err(e)),
            };
            let Some(record) = decode(&raw[4..], file) else {
                return Some(Err(io::Error::new(io::ErrorKind::InvalidData, "damaged spill entry")));
            };
            if self.windows.is_empty() || self.windows.iter().any(|w| w.contains(record.time.utc)) {
                return Some(Ok(record));
            }
        }
    }
}

/// Parses a `--from`/`--to` time: RFC 3339 (any offset), or `YYYY-MM-DD[ HH:MM[:SS[.fff]]]` in UTC.
pub fn parse_time(text: &str) -> Option<NaiveDateTime> {
    let t = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Some(dt.naive_utc());
    }
    let t = t.trim_end_matches('Z').replace('T', " ");
    for format in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(&t, format) {
            return Some(dt);
        }
    }
    chrono::NaiveDate::parse_from_str(&t, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Must, TestResult};
    use chrono::NaiveDate;

    fn at(s: u32, ms: u32) -> Timestamp {
        Timestamp::utc(
            NaiveDate::from_ymd_opt(2024, 11, 20)
                .and_then(|d| d.and_hms_milli_opt(9, 0, s, ms))
                .unwrap_or_default(),
        )
    }

    fn collect_into(dir: &Path, file: usize, times: &[(u32, u32)], collected: &Arc<Mutex<Collected>>) {
        let mut w = RunWriter::new(
            dir.join(format!("{file}.run")),
            file,
            FileKind::WindowsupdateLog,
            None,
            collected.clone(),
        );
        for (i, (s, ms)) in times.iter().enumerate() {
            let mut r = Record::line(i as u64 + 1, format!("f{file} line {}", i + 1));
            r.time = Some(at(*s, *ms));
            w.record(&r);
        }
    }

    #[test]
    fn nearly_sorted_files_give_one_run_and_the_merge_interleaves_files_in_time_order() -> TestResult {
        let dir = tempfile::tempdir().must()?;
        let collected = Arc::new(Mutex::new(Collected::default()));
        // A classic WindowsUpdate.log steps back by milliseconds.
        collect_into(dir.path(), 0, &[(1, 500), (1, 499), (3, 0), (5, 0)], &collected);
        collect_into(dir.path(), 1, &[(0, 0), (2, 0), (4, 0), (4, 0)], &collected);
        let c = std::mem::take(&mut *collected.lock().must()?);
        assert_eq!(c.runs.len(), 2, "one run per file");
        let sources = c.runs.iter().map(RunReader::open).collect::<Result<_, _>>().must()?;
        let merged: Vec<String> = Merge::new(sources, Vec::new())
            .must()?
            .map(|r| r.map(|r| r.text))
            .collect::<Result<_, _>>()
            .must()?;
        assert_eq!(
            merged,
            [
                "f1 line 1",
                "f0 line 2",
                "f0 line 1",
                "f1 line 2",
                "f0 line 3",
                "f1 line 3",
                "f1 line 4",
                "f0 line 4"
            ]
        );
        Ok(())
    }

    #[test]
    fn a_file_that_steps_back_beyond_the_window_gives_several_runs_still_merged_in_order() -> TestResult {
        let dir = tempfile::tempdir().must()?;
        let collected = Arc::new(Mutex::new(Collected::default()));
        // SORT_WINDOW + 10 records at 59 s, then 10 at 0 s: beyond the window, so a second run.
        let mut times = vec![(59, 0); SORT_WINDOW + 10];
        times.extend(vec![(0, 0); 10]);
        collect_into(dir.path(), 0, &times, &collected);
        let c = std::mem::take(&mut *collected.lock().must()?);
        assert_eq!(c.runs.len(), 2);
        let sources = c.runs.iter().map(RunReader::open).collect::<Result<_, _>>().must()?;
        let merged: Vec<TimelineRecord> = Merge::new(sources, Vec::new())
            .must()?
            .collect::<Result<_, _>>()
            .must()?;
        assert_eq!(merged.len(), SORT_WINDOW + 20);
        assert!(merged.windows(2).all(|w| w[0].time <= w[1].time));
        assert_eq!(merged[0].position, Position::Line(SORT_WINDOW as u64 + 11));
        Ok(())
    }

    #[test]
    fn a_file_in_reverse_order_gives_many_runs_which_compaction_merges_within_the_open_limit() -> TestResult {
        let dir = tempfile::tempdir().must()?;
        let collected = Arc::new(Mutex::new(Collected::default()));
        let mut w = RunWriter::new(dir.path().join("0.run"), 0, FileKind::Unknown, None, collected.clone());
        w.window = 2;
        for i in 0..300u32 {
            let mut r = Record::line(u64::from(i) + 1, format!("line {}", i + 1));
            r.time = Some(at(59 - i / 6, 0)); // newest first, six records a second
            w.record(&r);
        }
        drop(w);
        let runs = std::mem::take(&mut collected.lock().must()?.runs);
        assert!(runs.len() > 40, "reverse order defeats the window: {} runs", runs.len());
        let runs = compact(runs, dir.path(), 8).must()?;
        assert!(runs.len() <= 8, "{} runs left", runs.len());
        let sources = runs.iter().map(RunReader::open).collect::<Result<_, _>>().must()?;
        let merged: Vec<TimelineRecord> = Merge::new(sources, Vec::new())
            .must()?
            .collect::<Result<_, _>>()
            .must()?;
        assert_eq!(merged.len(), 300);
        assert!(merged.windows(2).all(|p| p[0].time <= p[1].time));
        // Equal times keep the order the records came in.
        assert_eq!(merged[0].text, "line 295");
        assert_eq!(merged[5].text, "line 300");
        Ok(())
    }

    #[test]
    fn entries_round_trip_with_keys_continuations_and_unknown_zones() -> TestResult {
        let time = Timestamp {
            basis: TimeBasis::LocalUnknown,
            ..at(7, 123)
        };
        let raw = encode(time, 42, &Position::Key("HKLM\\X".into()), "text é", &["  at A".into()]);
        let r = decode(&raw[4..], 3).must()?;
        assert_eq!(r.time, time);
        assert_eq!(r.position, Position::Key("HKLM\\X".into()));
        assert_eq!((r.text.as_str(), r.continuation.len(), r.file), ("text é", 1, 3));
        assert!(decode(&raw[4..raw.len() - 1], 3).is_none(), "a cut entry is refused");
        Ok(())
    }

    #[test]
    fn time_arguments() -> TestResult {
        let t = parse_time("2024-11-20T10:12:00+01:00").must()?;
        assert_eq!(t.to_string(), "2024-11-20 09:12:00");
        assert_eq!(
            parse_time("2024-11-20 09:12").must()?.to_string(),
            "2024-11-20 09:12:00"
        );
        assert_eq!(parse_time("2024-11-20").must()?.to_string(), "2024-11-20 00:00:00");
        assert!(parse_time("yesterday").is_none());
        Ok(())
    }

    #[test]
    fn tags_are_file_names_made_unique_with_their_folders() -> TestResult {
        let mut files: Vec<TimelineFile> = ["A/WindowsUpdate.log", "B/WindowsUpdate.log", "A/u_ex1.log"]
            .iter()
            .map(|p| TimelineFile {
                path: p.to_string(),
                kind: FileKind::Unknown,
                time_zone: None,
                records: 0,
                untimed: 0,
                local_unknown: 0,
                tag: String::new(),
                errors: Vec::new(),
            })
            .collect();
        assign_tags(&mut files);
        let tags: Vec<&str> = files.iter().map(|f| f.tag.as_str()).collect();
        assert_eq!(tags, ["A/WindowsUpdate.log", "B/WindowsUpdate.log", "u_ex1.log"]);
        Ok(())
    }
}
