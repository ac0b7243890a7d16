//! The record engine: text logs read from their grammar's `[record]` declaration (see [`def`]).
//!
//! Decoded lines (exact numbers from `intake::decode::for_each_line`) flow through: ignore rules →
//! record boundaries (a start line and its continuation lines, or a start and an end marker) →
//! fields (declared columns, or a pattern's named groups) → the timestamp (layout, then zone: UTC,
//! a banner's offset, a per-record offset, the bundle's zone or unknown) → severity words and
//! extracts (mirrored event ids, client settings) → the format's [`Hooks`] → [`Record`]s into the
//! sink. A support engineer teaches the tool a new variant by writing a grammar file; only what a
//! declaration cannot say lives in a format's hooks (`msi.rs`, `reporting_events.rs`).
//!
//! Every line ends up somewhere: in a record (its first line or a continuation line), in a counted
//! note (ignored lines, lines before the first record), or in a located problem.
//!
//! A big file (SoftwareDistribution.log, WindowsUpdate.log) is read in chunks in parallel by
//! [`super::chunked`]: a chunk starts only at a record start, carries the `tz:` banner in force and
//! an `until_end` ignore from the chunk before (`Carried`), and each chunk's counts are merged in
//! file order, so records, problems, notes and the time zone are those of one pass. Layouts whose
//! lines depend on more than that (end markers, hooks, dates carried to time-only records) are read
//! in one pass (see `chunkable`).

mod clock;
pub mod columns;
pub mod def;
pub mod timestamp;

use self::clock::{Clock, plural, plural_verb};
use self::def::{BlankLines, LineShape, OtherLines, RecordLayout, TimeSpec, WordMatch, Zone};
use self::timestamp::{Parsed, offset_seconds};
use super::chunked::{self, Line, LineFormat, Plan};
use super::grammar::FormatGrammar;
use super::{ParseInput, ParseOptions, ParseOutcome, Problems, TextView};
use crate::intake::decode::{TextEncoding, for_each_line};
use crate::kind::FileKind;
use crate::records::{Fields, Position, Problem, Record, RecordSink, Timestamp};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::{ControlFlow, Range};

/// The kinds whose grammars the engine reads.
pub const KINDS: [FileKind; 7] = [
    FileKind::WsusSoftwaredistributionLog,
    FileKind::WsusChangeLog,
    FileKind::WsusSetupLog,
    FileKind::MsiLog,
    FileKind::WindowsupdateLog,
    FileKind::ReportingEventsLog,
    FileKind::CmtraceLog,
];

/// Format-specific behaviour that declarations cannot express, called for each record in file order.
pub trait Hooks {
    /// A record about to be emitted, with its fields, time, severity and extracts in place.
    fn record(&mut self, _record: &mut PendingRecord<'_>) {}
    /// Notes the hooks want the reader to see, at the end of the file.
    fn finish(&mut self, _notes: &mut Vec<String>) {}
    /// Whether the hooks do anything. Hooks may carry state from record to record (MSI's running
    /// actions), so only a file read without hooks is cut into chunks read in parallel.
    fn acts(&self) -> bool {
        true
    }
}

/// A format without hooks: the declaration says everything.
pub struct NoHooks;
impl Hooks for NoHooks {
    fn acts(&self) -> bool {
        false
    }
}

/// Where records go: through the format's hooks into the sink.
struct Out<'o> {
    hooks: &'o mut dyn Hooks,
    sink: &'o mut dyn RecordSink,
}

#[derive(Debug, Clone)]
enum Value {
    /// A byte range of the record's text.
    Span(Range<usize>),
    Owned(String),
    Static(&'static str),
}

/// A record being assembled: its lines (joined with `\n`) and its fields.
pub struct PendingRecord<'g> {
    line: u64,
    text: String,
    /// End of each line in `text`, the first line first.
    line_ends: Vec<usize>,
    /// Where the line's readable part starts (after leading NULs or a stray BOM).
    body_start: usize,
    pub time: Option<Timestamp>,
    fields: Vec<(&'g str, Value)>,
}

impl<'g> PendingRecord<'g> {
    fn new(line: u64, text: &str, body_start: usize) -> PendingRecord<'g> {
        PendingRecord {
            line,
            text: text.to_string(),
            line_ends: vec![text.len()],
            body_start,
            time: None,
            fields: Vec::new(),
        }
    }

    fn append(&mut self, line: &str) {
        self.text.push('\n');
        self.text.push_str(line);
        self.line_ends.push(self.text.len());
    }

    /// The line number of the record's first line.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// The first line's text.
    pub fn first_line(&self) -> &str {
        // invariant: line_ends starts with the end of the first line, a char boundary of text.
        &self.text[..self.line_ends[0]]
    }

    fn value<'s>(&'s self, v: &'s Value) -> &'s str {
        match v {
            Value::Span(r) => self.text.get(r.clone()).unwrap_or(""),
            Value::Owned(s) => s,
            Value::Static(s) => s,
        }
    }

    /// The first field called `name` (ASCII case-insensitive).
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| self.value(v))
    }

    /// Adds a field after the others.
    pub fn push_field(&mut self, name: &'g str, value: String) {
        self.fields.push((name, Value::Owned(value)));
    }

    /// Replaces the value of field `name`, or adds it.
    pub fn set_field(&mut self, name: &'g str, value: String) {
        match self.fields.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
            Some((_, v)) => *v = Value::Owned(value),
            None => self.fields.push((name, Value::Owned(value))),
        }
    }

    fn emit(&self, sink: &mut dyn RecordSink) {
        let mut fields = Fields::with_capacity(self.fields.len());
        for (name, v) in &self.fields {
            fields.push(Cow::Borrowed(*name), Cow::Borrowed(self.value(v)));
        }
        let continuation = self
            .line_ends
            .windows(2) // invariant: windows of two
            .map(|w| Cow::Borrowed(self.text.get(w[0] + 1..w[1]).unwrap_or("")))
            .collect();
        sink.record(&Record {
            position: Position::Line(self.line),
            time: self.time,
            text: Cow::Borrowed(self.first_line()),
            continuation,
            fields,
        });
    }
}

/// Parses `input` with the `[record]` layout of its grammar (or, when the run's grammar has none,
/// of the embedded grammar for `kind`), with `hooks` for what the declaration cannot say.
pub fn parse_with(
    kind: FileKind,
    input: &ParseInput<'_>,
    grammar: Option<&FormatGrammar>,
    hooks: &mut dyn Hooks,
    sink: &mut dyn RecordSink,
) -> ParseOutcome {
    let from_run = grammar.filter(|g| g.def.kind == kind).and_then(|g| g.layout.as_ref());
    let layout = from_run.or_else(|| embedded_layout(kind, input.format));
    match layout {
        Some(layout) => parse(layout, input, hooks, sink),
        None => ParseOutcome {
            problems: vec![Problem::new(format!(
                "no grammar with a [record] layout for {kind}: the file was recognized but not read"
            ))],
            ..ParseOutcome::default()
        },
    }
}

/// The embedded grammars' layouts, for callers that classify without a run's catalog (tests,
/// library users): the grammar `format`, else the first of `kind` that has a layout.
fn embedded_layout(kind: FileKind, format: Option<&str>) -> Option<&'static RecordLayout> {
    static EMBEDDED: std::sync::OnceLock<Option<super::grammar::FormatCatalog>> = std::sync::OnceLock::new();
    let catalog = EMBEDDED
        .get_or_init(|| super::grammar::FormatCatalog::from_files(&crate::grammars::GrammarFiles::embedded()).ok())
        .as_ref()?;
    let by_id = format.and_then(|id| catalog.get(id)).filter(|g| g.def.kind == kind);
    by_id.and_then(|g| g.layout.as_ref()).or_else(|| {
        catalog
            .grammars
            .iter()
            .filter(|g| g.def.kind == kind)
            .find_map(|g| g.layout.as_ref())
    })
}

/// Parses a text file with `layout`.
pub fn parse(
    layout: &RecordLayout,
    input: &ParseInput<'_>,
    hooks: &mut dyn Hooks,
    sink: &mut dyn RecordSink,
) -> ParseOutcome {
    parse_with_plan(layout, input, hooks, sink, &default_plan())
}

/// [`parse`] with another chunk plan (tests compare one pass with chunked reading).
pub fn parse_with_plan(
    layout: &RecordLayout,
    input: &ParseInput<'_>,
    hooks: &mut dyn Hooks,
    sink: &mut dyn RecordSink,
    plan: &Plan,
) -> ParseOutcome {
    let view = TextView::new(input.bytes, input.encoding.unwrap_or(TextEncoding::Utf8));
    let first_banner = layout
        .time
        .as_ref()
        .filter(|t| t.zone == Zone::Banner)
        .and_then(|spec| first_banner(&view, spec));
    let mut run = Run::new(layout, input.options, first_banner);
    let mut out = Out { hooks, sink };
    let eight_bit = !matches!(
        view.encoding,
        TextEncoding::Utf16Le | TextEncoding::Utf16LeBom | TextEncoding::Utf16Be | TextEncoding::Utf16BeBom
    );
    let stats = if eight_bit && view.data.len() >= plan.parallel_from && chunkable(layout, out.hooks) {
        let format = Chunked {
            layout,
            options: input.options,
            first_banner,
            ansi: view.encoding == TextEncoding::Windows1252,
        };
        let (tally, stats) = chunked::read_lines(view.data, view.encoding, &format, Carried::default(), plan, out.sink);
        if let Some(tally) = tally {
            run = tally;
        }
        stats
    } else {
        for_each_line(view.data, view.encoding, 1, |n, line| {
            run.line(n, line, &mut out);
            ControlFlow::Continue(())
        })
    };
    let terminated = ends_with_line_end(view.data, view.encoding);
    run.finish(stats.lines, terminated, view.notes(&stats), &mut out)
}

/// The chunk plan: [`Plan::default`], or `WSUS_TRIAGE_ENGINE_PLAN=parallel_from:chunk_bytes` (bytes)
/// so that tests and comparisons can force chunked reading of small files.
fn default_plan() -> Plan {
    static PLAN: std::sync::OnceLock<Plan> = std::sync::OnceLock::new();
    *PLAN.get_or_init(|| {
        let from_env = std::env::var("WSUS_TRIAGE_ENGINE_PLAN").ok().and_then(|v| {
            let (from, chunk) = v.split_once(':')?;
            Some(Plan {
                parallel_from: from.trim().parse().ok()?,
                chunk_bytes: chunk.trim().parse().ok()?,
            })
        });
        from_env.unwrap_or_default()
    })
}

/// Whether a file of this layout can be read in chunks, each from the state carried to its start
/// ([`Carried`]: the banner offset in force, an `until_end` ignore). What cannot be known at a
/// chunk start keeps the file in one pass: records closed by an end marker (CMTrace), hooks (MSI's
/// running actions; ReportingEvents), and the date in force for records with a time of day only
/// (a `date_field`, or a time layout without a date).
fn chunkable(layout: &RecordLayout, hooks: &dyn Hooks) -> bool {
    layout.end.is_none()
        && !hooks.acts()
        && layout
            .time
            .as_ref()
            .is_none_or(|t| t.date_field.is_none() && t.layouts.iter().all(|l| l.has_date()))
}

/// What a line's reading depends on from the lines before it, besides the open record (a chunk
/// starts at a record start, see [`Chunked::may_start_chunk`]).
#[derive(Debug, Clone, Default, PartialEq)]
struct Carried {
    /// The offset of the latest `tz:` banner.
    banner: Option<i32>,
    /// An `until_end` ignore has matched: every later line is ignored.
    ignoring_from: Option<(usize, u64)>,
}

/// The engine as a [`LineFormat`]: each chunk is read by its own [`Run`] (the tally), merged in
/// file order into what one pass would have counted.
struct Chunked<'g, 'x> {
    layout: &'g RecordLayout,
    options: &'x ParseOptions,
    first_banner: Option<(i32, u64)>,
    /// A Windows-1252 file: a non-ASCII line is decoded from 1252 when read.
    ansi: bool,
}

impl<'g, 'x> LineFormat for Chunked<'g, 'x> {
    type State = Carried;
    type Tally = Option<Run<'g, 'x>>;

    fn line(&self, state: &mut Carried, tally: &mut Self::Tally, line: Line<'_>, sink: &mut dyn RecordSink) {
        let run = tally.get_or_insert_with(|| Run::new(self.layout, self.options, self.first_banner));
        run.ignoring_from = state.ignoring_from;
        run.clock.set_in_force(state.banner);
        let mut out = Out {
            hooks: &mut NoHooks,
            sink,
        };
        run.line(line.number, line.text, &mut out);
        state.ignoring_from = run.ignoring_from;
        state.banner = run.clock.in_force();
    }

    fn end_chunk(&self, _state: &mut Carried, tally: &mut Self::Tally, sink: &mut dyn RecordSink) {
        if let Some(run) = tally {
            run.flush(&mut Out {
                hooks: &mut NoHooks,
                sink,
            });
        }
    }

    fn merge(&self, into: &mut Self::Tally, later: Self::Tally) {
        match (into.as_mut(), later) {
            (_, None) => {}
            (None, later) => *into = later,
            (Some(run), Some(later)) => run.merge(later),
        }
    }

    /// A chunk starts only at a line that starts a record whatever came before: not a blank or
    /// ignored line, not a line that would continue the record before it.
    fn may_start_chunk(&self, raw: &[u8]) -> bool {
        if self.ansi && !raw.is_ascii() {
            return false;
        }
        let Ok(line) = std::str::from_utf8(raw) else {
            return false;
        };
        let body = line.trim_start_matches(['\0', '\u{feff}']);
        if body.trim().is_empty() || self.layout.ignores.iter().any(|ig| ig.regex.is_match(body)) {
            return false;
        }
        match self.layout.start.as_ref().map(|s| s.is_match(body)) {
            Some(true) => true,
            _ if self.layout.other_lines != OtherLines::Continue => true,
            Some(false) => false,
            None => matches!(read_layouts(self.layout, body, &mut String::new()), Read::Fields(..)),
        }
    }
}

/// Line processing state for one file (or one chunk of it).
struct Run<'g, 'x> {
    layout: &'g RecordLayout,
    pending: Option<PendingRecord<'g>>,
    clock: Clock<'x>,
    problems: Problems,
    /// The problem of the latest line, held back one line so a cut last line can say so.
    deferred: Option<(&'static str, Problem)>,
    records: u64,
    ignoring_from: Option<(usize, u64)>,
    ignored: BTreeMap<usize, (u64, u64)>,
    layout_notes: BTreeMap<usize, (u64, u64)>,
    orphans: Option<(u64, u64, u64)>,
    nul_lines: u64,
    scratch: String,
}

impl<'g, 'x> Run<'g, 'x> {
    fn new(layout: &'g RecordLayout, options: &'x ParseOptions, first_banner: Option<(i32, u64)>) -> Run<'g, 'x> {
        let mut clock = Clock::new(options);
        clock.set_first_banner(first_banner);
        Run {
            layout,
            pending: None,
            clock,
            problems: Problems::default(),
            deferred: None,
            records: 0,
            ignoring_from: None,
            ignored: BTreeMap::new(),
            layout_notes: BTreeMap::new(),
            orphans: None,
            nul_lines: 0,
            scratch: String::new(),
        }
    }

    fn line(&mut self, n: u64, line: &str, out: &mut Out<'_>) {
        if let Some((class, problem)) = self.deferred.take() {
            self.problems.push(class, problem);
        }
        if let Some((i, _)) = self.ignoring_from {
            count(&mut self.ignored, i, n);
            return;
        }
        let body_start = line.len() - line.trim_start_matches(['\0', '\u{feff}']).len();
        if memchr::memchr(0, line.as_bytes()).is_some() {
            self.nul_lines += 1;
        }
        // invariant: body_start is where trim_start_matches stopped, a char boundary of line.
        let body = &line[body_start..];
        if let Some(i) = self.layout.ignores.iter().position(|ig| ig.regex.is_match(body)) {
            count(&mut self.ignored, i, n);
            if self.layout.ignores[i].until_end {
                // invariant: i comes from position() above
                self.flush(out);
                self.ignoring_from = Some((i, n));
            }
            return;
        }
        if let Some(spec) = &self.layout.time
            && let Some(offset) = banner_offset(spec, body)
        {
            self.clock.banner(offset);
        }
        let blank = body.trim().is_empty();
        if self.layout.end.is_some() {
            self.end_mode_line(n, line, body_start, blank, out);
        } else {
            self.start_mode_line(n, line, body_start, blank, out);
        }
    }

    /// A format whose records end at a marker (CMTrace `]LOG]!>`).
    fn end_mode_line(&mut self, n: u64, line: &str, body_start: usize, blank: bool, out: &mut Out<'_>) {
        let body = &line[body_start..]; // invariant: as in `line`
        let starts = self.layout.start.as_ref().is_some_and(|s| s.is_match(body));
        let ends = self.layout.end.as_ref().is_some_and(|e| e.is_match(body));
        if let Some(open) = self.pending.as_mut() {
            if !starts {
                open.append(line);
                if ends {
                    self.finish_marked(false, out);
                }
                return;
            }
            let first = open.line;
            self.problems.push(
                "record without end marker",
                Problem::at_line(
                    first,
                    format!("the record is not closed before line {n} starts the next one"),
                ),
            );
            self.finish_marked(true, out);
        }
        if blank {
            return;
        }
        self.pending = Some(PendingRecord::new(n, line, body_start));
        if ends {
            self.finish_marked(false, out);
        }
    }

    /// Reads the fields of an end-marked record from its whole text and emits it.
    /// `cut`: the record has no end marker (already reported), so its layout cannot be read either.
    fn finish_marked(&mut self, cut: bool, out: &mut Out<'_>) {
        let Some(mut rec) = self.pending.take() else {
            return;
        };
        // invariant: the record's text begins with its first line, in which body_start lies.
        let body_start = rec.body_start;
        let starts = self
            .layout
            .start
            .as_ref()
            .is_none_or(|s| s.is_match(&rec.text[body_start..]));
        match self.read(&rec.text[body_start..], rec.line) {
            Read::Fields(fields, parsed, _) => {
                rec.fields = shift(fields, body_start);
                rec.time = self.clock.resolve(self.layout.time.as_ref(), parsed, &rec);
            }
            Read::BadTime(text) if starts => {
                self.problems.push(
                    "invalid timestamp",
                    Problem::at_line(rec.line, format!("{text:?} is not a valid time")),
                );
            }
            _ if !starts => self.orphan(rec.line, rec.line_ends.len() as u64),
            _ if cut => {}
            _ => self.problems.push(
                "record not in any layout",
                Problem::at_line(rec.line, "the record does not have the layout of this format"),
            ),
        }
        self.emit(rec, out);
    }

    /// A format whose records start at a recognizable line (every other format).
    fn start_mode_line(&mut self, n: u64, line: &str, body_start: usize, blank: bool, out: &mut Out<'_>) {
        if blank {
            if self.layout.blank_lines == BlankLines::Continue
                && let Some(p) = self.pending.as_mut()
            {
                p.append(line);
            }
            return;
        }
        let body = &line[body_start..]; // invariant: as in `line`
        let gate = self.layout.start.as_ref().map(|s| s.is_match(body));
        let read = if gate == Some(false) {
            Read::NoMatch
        } else {
            self.read(body, n)
        };
        let reason = match read {
            Read::Fields(fields, parsed, _) => {
                self.flush(out);
                let mut rec = PendingRecord::new(n, line, body_start);
                rec.fields = shift(fields, body_start);
                rec.time = self.clock.resolve(self.layout.time.as_ref(), parsed, &rec);
                self.pending = Some(rec);
                return;
            }
            Read::BadTime(text) => format!("{text:?} is not a valid time"),
            Read::NoMatch => "the line does not have the layout of this format".to_string(),
        };
        if gate == Some(true) {
            // The start pattern says this line begins a record; its layout could not be read.
            self.flush(out);
            self.deferred = Some(("line not in any layout", Problem::at_line(n, reason)));
            self.pending = Some(PendingRecord::new(n, line, body_start));
            return;
        }
        match self.layout.other_lines {
            OtherLines::Continue => match self.pending.as_mut() {
                Some(p) => p.append(line),
                None => {
                    self.orphan(n, 1);
                    self.emit(PendingRecord::new(n, line, body_start), out);
                }
            },
            OtherLines::Record | OtherLines::Problem => {
                self.flush(out);
                if self.layout.other_lines == OtherLines::Problem {
                    self.deferred = Some(("line not in any layout", Problem::at_line(n, reason)));
                }
                self.pending = Some(PendingRecord::new(n, line, body_start));
            }
        }
    }

    /// Reads a record's fields with the first layout that fits.
    fn read(&mut self, body: &str, line: u64) -> Read<'g> {
        let read = read_layouts(self.layout, body, &mut self.scratch);
        if let Read::Fields(_, _, i) = read
            && self.layout.layouts.get(i).is_some_and(|l| l.note.is_some())
        {
            count(&mut self.layout_notes, i, line);
        }
        read
    }

    /// Adds what the next chunk of the file counted, as if its lines had been read here.
    fn merge(&mut self, later: Run<'g, 'x>) {
        // The next chunk's first line would have pushed the problem held back at this one's end.
        if let Some((class, problem)) = self.deferred.take() {
            self.problems.push(class, problem);
        }
        self.problems.merge(later.problems);
        self.deferred = later.deferred;
        // Empty: a chunk's open record is emitted at its end (`end_chunk`).
        self.pending = later.pending;
        self.clock.merge(later.clock);
        self.records += later.records;
        self.ignoring_from = later.ignoring_from;
        merge_counts(&mut self.ignored, later.ignored);
        merge_counts(&mut self.layout_notes, later.layout_notes);
        self.orphans = match (self.orphans, later.orphans) {
            (Some((n, first, _)), Some((m, _, last))) => Some((n + m, first, last)),
            (mine, theirs) => mine.or(theirs),
        };
        self.nul_lines += later.nul_lines;
    }

    fn orphan(&mut self, line: u64, lines: u64) {
        let o = self.orphans.get_or_insert((0, line, line));
        o.0 += lines;
        o.2 = line + lines - 1;
    }

    fn flush(&mut self, out: &mut Out<'_>) {
        if let Some(rec) = self.pending.take() {
            self.emit(rec, out);
        }
    }

    fn emit(&mut self, mut rec: PendingRecord<'g>, out: &mut Out<'_>) {
        self.severity(&mut rec);
        self.extract(&mut rec);
        out.hooks.record(&mut rec);
        rec.emit(out.sink);
        self.records += 1;
    }

    fn severity(&self, rec: &mut PendingRecord<'g>) {
        let Some(spec) = &self.layout.severity else {
            return;
        };
        let Some(value) = rec.field(&spec.field) else {
            return;
        };
        let hit = |word: &String| match spec.word_match {
            WordMatch::Exact => value.eq_ignore_ascii_case(word),
            WordMatch::Prefix => value.get(..word.len()).is_some_and(|p| p.eq_ignore_ascii_case(word)),
            WordMatch::Contains => contains_ignore_case(value, word),
        };
        if let Some((name, _)) = spec.words.iter().find(|(_, words)| words.iter().any(hit)) {
            rec.fields.push(("severity", Value::Static(name)));
        }
    }

    fn extract(&self, rec: &mut PendingRecord<'g>) {
        let layout = self.layout;
        for (field, set, members) in &layout.extract_sets {
            let Some((_, source)) = rec.fields.iter().find(|(n, _)| n.eq_ignore_ascii_case(field)) else {
                continue;
            };
            let source = source.clone();
            let text = rec.value(&source);
            let mut found: Vec<(&'g str, Value)> = Vec::new();
            let mut has_setting = rec.field("setting").is_some();
            for m in set.matches(text).iter() {
                let e = &layout.extracts[members[m]];
                if e.setting.is_some() && has_setting {
                    continue;
                }
                let Some(caps) = e.regex.captures(text) else {
                    continue;
                };
                if let Some(setting) = &e.setting {
                    found.push(("setting", Value::Owned(setting.clone())));
                    has_setting = true;
                }
                for (g, name) in e.names.iter().enumerate() {
                    if let (Some(name), Some(m)) = (name.as_deref(), caps.get(g)) {
                        found.push((name, sub_value(&source, m.range(), m.as_str())));
                    }
                }
            }
            rec.fields.extend(found);
        }
    }

    fn finish(mut self, lines: u64, terminated: bool, mut notes: Vec<String>, out: &mut Out<'_>) -> ParseOutcome {
        if let Some(open) = self.pending.as_ref()
            && self.layout.end.is_some()
        {
            self.problems.push(
                "record without end marker",
                Problem::at_line(open.line, "the last record has no end marker: the file is cut short"),
            );
            self.finish_marked(true, out);
        }
        self.flush(out);
        if let Some((class, mut problem)) = self.deferred.take() {
            if !terminated && problem.line == Some(lines) {
                problem.message = format!(
                    "the last line is cut short (the file was copied while being written?): {}",
                    problem.message
                );
            }
            self.problems.push(class, problem);
        }
        if !terminated && lines > 0 {
            notes.push(format!(
                "the last line ({lines}) has no line end: the file may have been copied while being written"
            ));
        }
        if let Some((n, first, last)) = self.orphans {
            notes.push(format!(
                "{} ({first}–{last}) before the first record (the file starts inside one): kept as text-only records",
                plural(n, "line")
            ));
        }
        for (i, (n, first)) in &self.ignored {
            let ig = &self.layout.ignores[*i]; // invariant: keys are indices of ignores
            notes.push(if ig.until_end {
                format!("line {first} on ({n} lines): {}; not read as records", ig.note)
            } else {
                format!(
                    "{} (from line {first}) not read as records: {}",
                    plural(*n, "line"),
                    ig.note
                )
            });
        }
        for (i, (n, first)) in &self.layout_notes {
            // invariant: keys are indices of layouts
            if let Some(note) = &self.layout.layouts[*i].note {
                notes.push(format!("{} (from line {first}) {note}", plural(*n, "line")));
            }
        }
        if self.nul_lines > 0 {
            notes.push(format!(
                "{} NUL bytes (data lost in a pre-allocated or crashed log); leading NULs were skipped when reading them",
                plural_verb(self.nul_lines, "line holds", "lines hold")
            ));
        }
        let time_zone = self.clock.describe(self.layout.time.as_ref());
        notes.append(&mut self.clock.take_notes());
        out.hooks.finish(&mut notes);
        ParseOutcome {
            records: self.records,
            problems: self.problems.finish(),
            notes,
            time_zone,
        }
    }
}

enum Read<'g> {
    /// The fields, the time and the index of the layout that read them.
    Fields(Vec<(&'g str, Range<usize>)>, Option<Parsed>, usize),
    /// A layout read the line but its time is not a valid time (the text).
    BadTime(String),
    NoMatch,
}

fn shift(fields: Vec<(&str, Range<usize>)>, by: usize) -> Vec<(&str, Value)> {
    fields
        .into_iter()
        .map(|(n, r)| (n, Value::Span(r.start + by..r.end + by)))
        .collect()
}

/// A capture inside a field's value, as a value of the record.
fn sub_value(source: &Value, range: Range<usize>, text: &str) -> Value {
    match source {
        Value::Span(r) => Value::Span(r.start + range.start..r.start + range.end),
        _ => Value::Owned(text.to_string()),
    }
}

fn count(map: &mut BTreeMap<usize, (u64, u64)>, key: usize, line: u64) {
    map.entry(key).or_insert((0, line)).0 += 1;
}

/// Adds the counts of a later chunk: the first line stays the earliest.
fn merge_counts(map: &mut BTreeMap<usize, (u64, u64)>, later: BTreeMap<usize, (u64, u64)>) {
    for (key, (n, first)) in later {
        map.entry(key).or_insert((0, first)).0 += n;
    }
}

/// Reads a line's fields with the first layout of `layout` that fits (with a valid time).
fn read_layouts<'g>(layout: &'g RecordLayout, body: &str, scratch: &mut String) -> Read<'g> {
    let mut bad_time = None;
    for (i, l) in layout.layouts.iter().enumerate() {
        let fields: Vec<(&'g str, Range<usize>)> = match &l.shape {
            LineShape::Columns {
                separator,
                columns,
                rest,
            } => match columns::split(body, *separator, columns, rest.as_deref()) {
                Some(f) => f,
                None => continue,
            },
            LineShape::Pattern { regex, names } => match regex.captures(body) {
                Some(caps) => names
                    .iter()
                    .enumerate()
                    .filter_map(|(g, name)| Some((name.as_deref()?, caps.get(g)?.range())))
                    .collect(),
                None => continue,
            },
        };
        let parsed = match &layout.time {
            Some(spec) => match time_text(spec, body, &fields, scratch) {
                None => None,
                Some(()) => match spec.layouts.iter().find_map(|t| t.parse(scratch)) {
                    Some(p) => Some(p),
                    None => {
                        bad_time.get_or_insert_with(|| scratch.clone());
                        continue;
                    }
                },
            },
            None => None,
        };
        return Read::Fields(fields, parsed, i);
    }
    match bad_time {
        Some(text) => Read::BadTime(text),
        None => Read::NoMatch,
    }
}

fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    needle.is_empty()
        || haystack
            .as_bytes()
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Joins the time fields into `out`; `None` when the record has none of them (a line kind without
/// a time, such as an MSI `CustomAction` line).
fn time_text(spec: &TimeSpec, body: &str, fields: &[(&str, Range<usize>)], out: &mut String) -> Option<()> {
    out.clear();
    let mut found = 0;
    for name in &spec.fields {
        if let Some((_, r)) = fields.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
            if found > 0 {
                out.push(' ');
            }
            out.push_str(body.get(r.clone()).unwrap_or(""));
            found += 1;
        }
    }
    (found == spec.fields.len()).then_some(())
}

fn banner_offset(spec: &TimeSpec, body: &str) -> Option<i32> {
    let caps = spec.banner.as_ref()?.captures(body)?;
    offset_seconds(caps.name("offset")?.as_str(), spec.offset_style)
}

/// The first banner of the file: the offset for the lines that come before it.
fn first_banner(view: &TextView<'_>, spec: &TimeSpec) -> Option<(i32, u64)> {
    let mut found = None;
    for_each_line(view.data, view.encoding, 1, |n, line| match banner_offset(spec, line) {
        Some(offset) => {
            found = Some((offset, n));
            ControlFlow::Break(())
        }
        None => ControlFlow::Continue(()),
    });
    found
}

fn ends_with_line_end(data: &[u8], encoding: TextEncoding) -> bool {
    match encoding {
        TextEncoding::Utf16Le | TextEncoding::Utf16LeBom => data.ends_with(&[b'\n', 0]) || data.ends_with(&[b'\r', 0]),
        TextEncoding::Utf16Be | TextEncoding::Utf16BeBom => data.ends_with(&[0, b'\n']) || data.ends_with(&[0, b'\r']),
        _ => data.ends_with(b"\n") || data.ends_with(b"\r"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grammars::GrammarFile;
    use crate::testing::{Must, TestResult};

    fn layout(record: &str) -> Result<RecordLayout, String> {
        let file = GrammarFile {
            path: "formats/t.toml".into(),
            text: format!("id = \"t\"\nkind = \"wsus-setup-log\"\ntitle = \"t\"\n{record}").into(),
            origin: "test".into(),
        };
        RecordLayout::from_file(&file).must()?.must()
    }

    struct Lines(Vec<(u64, usize, Option<String>, Option<String>)>);
    impl RecordSink for Lines {
        fn record(&mut self, r: &Record<'_>) {
            let Position::Line(n) = r.position else { return };
            let f = |name| r.field(name).map(str::to_string);
            self.0.push((n, r.continuation.len(), f("message"), f("severity")));
        }
    }

    fn run(layout: &RecordLayout, text: &str) -> (Lines, ParseOutcome) {
        let options = ParseOptions::default();
        let input = ParseInput {
            path: "t.log",
            bytes: text.as_bytes(),
            encoding: Some(TextEncoding::Utf8),
            format: None,
            options: &options,
        };
        let mut sink = Lines(Vec::new());
        let out = parse(layout, &input, &mut NoHooks, &mut sink);
        (sink, out)
    }

    #[test]
    fn end_marked_records_without_a_start_pattern() -> TestResult {
        let l = layout("[record]\nend = ';$'\n[[record.layouts]]\npattern = '(?s)^(?P<message>.*);$'\n")?;
        let (sink, out) = run(&l, "one;\ntwo\nlines;\n\nthree;\n");
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        let got: Vec<_> = sink
            .0
            .iter()
            .map(|r| (r.0, r.1, r.2.clone().unwrap_or_default()))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, 0, "one".into()),
                (2, 1, "two\nlines".into()),
                (5, 0, "three".into())
            ]
        );
        Ok(())
    }

    #[test]
    fn an_until_end_ignore_closes_the_open_record() -> TestResult {
        let l = layout(
            "[record]\n[[record.layouts]]\nseparator = \"whitespace\"\ncolumns = [\"=REC\"]\n[[record.ignore]]\npattern = '^-- cut --'\nnote = \"cut\"\nuntil_end = true\n",
        )?;
        let (sink, out) = run(&l, "REC a\n  more\n-- cut --\nREC b\n");
        assert_eq!(sink.0.len(), 1);
        assert_eq!((sink.0[0].0, sink.0[0].1), (1, 1));
        assert_eq!(
            out.notes,
            vec!["line 3 on (2 lines): cut; not read as records".to_string()]
        );
        Ok(())
    }

    #[test]
    fn blank_lines_and_prefix_severity_words() -> TestResult {
        let l = layout(
            "[record]\nother_lines = \"record\"\nblank_lines = \"skip\"\n[[record.layouts]]\npattern = '^(?P<message>\\S.*)$'\n[record.severity]\nmatch = \"prefix\"\nerror = [\"fatal\"]\nwarning = [\"WARN\"]\n",
        )?;
        let (sink, out) = run(&l, "FATAL: x\n\n   \nnote: warn later\nwarning: z\n");
        assert!(out.problems.is_empty());
        let got: Vec<_> = sink.0.iter().map(|r| (r.0, r.3.clone())).collect();
        assert_eq!(
            got,
            vec![(1, Some("error".into())), (4, None), (5, Some("warning".into()))]
        );
        Ok(())
    }
}
