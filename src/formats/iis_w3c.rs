//! IIS W3C extended logs (IIS 6 `exYYMMDD.log`, IIS 7+ `u_exYYMMDD.log`, and the other W3C writers
//! found next to them: IIS Advanced Logging, IIS 4 FTP, HTTP Server API, web caches).
//!
//! Lines in, records out: each record line becomes a [`Record`] whose fields are named by the last
//! `#Fields:` directive (W3C names: `cs-uri-stem`, `sc-status`, …) and whose values are borrowed
//! from the line. A new directive block, possibly with other fields, starts whenever IIS reopens
//! the file, so the layout is replaced at every `#Fields:`. Times are UTC whatever the rollover
//! setting; when `date` is not logged, the date comes from the last `#Date:`. Big files are read in
//! parallel by [`super::chunked`], the layout in force at a chunk start being its state.
//!
//! Values are separated by single spaces and `-` means empty. Writers other than IIS also separate
//! them by runs of spaces and quote values that hold spaces (`"Mozilla/5.0 (Windows NT …)"`): a
//! line is split on single spaces first and, when that does not give as many values as `#Fields`
//! names, on runs of spaces; quoted values count as one. A line that still does not fit is kept
//! with a located problem `N fields, #Fields names M`. The HTTP.sys error log (HTTPERR) has the
//! same grammar; `iis_httperr` reads it with this machinery and its own default layout.

use super::chunked::{self, Line, LineFormat, Plan};
use super::time::LocalZone;
use super::{ParseInput, ParseOutcome, Problems, TextView};
use crate::intake::decode::TextEncoding;
use crate::records::{Fields, Position, Problem, Record, RecordSink, Timestamp};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

pub fn parse(input: &ParseInput<'_>, sink: &mut dyn RecordSink) -> ParseOutcome {
    read(input, W3cFlavor::Iis, &Plan::default(), sink)
}

/// [`parse`] with another chunk plan (tests and benchmarks compare one pass with chunked reading).
pub fn read_with_plan(input: &ParseInput<'_>, plan: &Plan, sink: &mut dyn RecordSink) -> ParseOutcome {
    read(input, W3cFlavor::Iis, plan, sink)
}

/// Which log the W3C reader is reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum W3cFlavor {
    /// IIS W3C: record lines before any `#Fields:` have no known layout.
    Iis,
    /// HTTPERR: record lines before any `#Fields:` use HTTP.sys's default field order.
    HttpErr,
}

/// HTTP.sys's field order when the file has no `#Fields:` [formats.md §7.2].
pub(crate) const HTTPERR_DEFAULT_FIELDS: [&str; 13] = [
    "date",
    "time",
    "c-ip",
    "c-port",
    "s-ip",
    "s-port",
    "cs-version",
    "cs-method",
    "cs-uri",
    "sc-status",
    "s-siteid",
    "s-reason",
    "s-queuename",
];

/// Reads a W3C-style log of either flavor.
pub(crate) fn read(input: &ParseInput<'_>, flavor: W3cFlavor, plan: &Plan, sink: &mut dyn RecordSink) -> ParseOutcome {
    let view = TextView::new(input.bytes, input.encoding.unwrap_or(TextEncoding::Utf8));
    let format = W3cFormat {
        local_zone: input.options.local_zone(),
    };
    let initial = W3cState {
        layout: match flavor {
            W3cFlavor::Iis => None,
            W3cFlavor::HttpErr => Some(Arc::new(Layout::new(
                HTTPERR_DEFAULT_FIELDS.iter().map(|s| s.to_string()).collect(),
                true,
            ))),
        },
        directive_date: None,
    };
    let (tally, stats) = chunked::read_lines(view.data, view.encoding, &format, initial, plan, sink);
    let mut notes = view.notes(&stats);
    notes.extend(tally.notes.values().cloned());
    let time_zone = format.describe_zone(&tally);
    let mut problems = tally.problems.finish();
    if tally.before_fields > 0 {
        problems.push(Problem::new(format!(
            "{} record lines come before any #Fields directive: their layout is unknown, not read",
            tally.before_fields
        )));
    }
    ParseOutcome {
        records: tally.records,
        problems,
        notes,
        time_zone: Some(time_zone),
    }
}

/// The field layout of a `#Fields:` directive, with the positions of the time fields.
#[derive(Debug)]
struct Layout {
    /// Stamped on the fields of its records, so the matcher resolves names once per layout.
    stamp: u64,
    names: Vec<String>,
    date: Option<usize>,
    time: Option<usize>,
    /// IIS Advanced Logging's local-time fields, used when `date`/`time` are absent.
    date_local: Option<usize>,
    time_local: Option<usize>,
    /// The HTTPERR default layout (no `#Fields:` read yet).
    default: bool,
}

/// Two layouts are the same when they read lines the same way (whatever their stamps).
impl PartialEq for Layout {
    fn eq(&self, other: &Layout) -> bool {
        (
            &self.names,
            self.date,
            self.time,
            self.date_local,
            self.time_local,
            self.default,
        ) == (
            &other.names,
            other.date,
            other.time,
            other.date_local,
            other.time_local,
            other.default,
        )
    }
}

impl Layout {
    fn new(names: Vec<String>, default: bool) -> Layout {
        let find = |want: &str| names.iter().position(|n| n.eq_ignore_ascii_case(want));
        Layout {
            stamp: crate::records::new_layout_stamp(),
            date: find("date"),
            time: find("time"),
            date_local: find("date-local"),
            time_local: find("time-local"),
            names,
            default,
        }
    }
}

/// What a line is read with: the layout and date in force (the state a chunk starts from).
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct W3cState {
    layout: Option<Arc<Layout>>,
    directive_date: Option<NaiveDate>,
}

/// Counters and problems of a part of the file, merged in file order.
#[derive(Debug, Default)]
pub(crate) struct W3cTally {
    problems: Problems,
    records: u64,
    before_fields: u64,
    utc_records: u64,
    local_records: u64,
    /// Facts about the file a reader should know, keyed so that each is said once.
    notes: BTreeMap<String, String>,
    /// The last date text parsed and its value: consecutive records share their date.
    date_cache: Option<([u8; 10], NaiveDate)>,
    /// The storage of the last record's fields, reused for the next one.
    spare: Fields<'static>,
    /// Where the values of the current line start.
    cuts: Vec<usize>,
}

struct W3cFormat<'o> {
    local_zone: Option<(&'o LocalZone, String)>,
}

impl W3cFormat<'_> {
    fn describe_zone(&self, tally: &W3cTally) -> String {
        let local = match &self.local_zone {
            Some((zone, source)) => format!(
                "local (date-local/time-local), converted from {} ({source})",
                zone.describe()
            ),
            None => "local (date-local/time-local), zone unknown: kept as written".to_string(),
        };
        match (tally.utc_records, tally.local_records) {
            (_, 0) => "UTC".to_string(),
            (0, _) => local,
            (_, n) => format!("UTC; {n} records {local}"),
        }
    }

    fn directive(&self, state: &mut W3cState, tally: &mut W3cTally, line: Line<'_>, directive: &str) {
        let (name, value) = match directive.split_once(':') {
            Some((n, v)) => (n.trim(), v),
            None => (directive.trim(), ""),
        };
        match name.to_ascii_lowercase().as_str() {
            "fields" => {
                // lnav's samples comment directives with `// …`; no field name starts with `//`.
                let names: Vec<String> = value
                    .split_ascii_whitespace()
                    .take_while(|n| !n.starts_with("//"))
                    .map(str::to_string)
                    .collect();
                if names.is_empty() {
                    tally.problems.push(
                        "empty #Fields",
                        Problem::at_line(line.number, "#Fields directive names no field"),
                    );
                    state.layout = None;
                } else {
                    state.layout = Some(Arc::new(Layout::new(names, false)));
                }
            }
            "date" | "start-date" => {
                let day = value.split_ascii_whitespace().next().unwrap_or("");
                match parse_directive_date(day) {
                    Some(d) => state.directive_date = Some(d),
                    None => tally.problems.push(
                        "bad #Date",
                        Problem::at_line(
                            line.number,
                            format!(
                                "#{name} {:?} is not a date (YYYY-MM-DD): records without a date field after it have no timestamp",
                                value.trim()
                            ),
                        ),
                    ),
                }
            }
            // Informational directives of the W3C draft and of IIS.
            "software" | "version" | "remark" | "end-date" => {}
            "gmt-offset" => {
                tally.notes.entry("gmt-offset".into()).or_insert_with(|| {
                    format!(
                        "line {}: #GMT-Offset {} (not an IIS directive) was not applied: W3C times are UTC",
                        line.number,
                        value.trim()
                    )
                });
            }
            _ => {
                // A problem, not a note: counted and capped like the others, so a file full of
                // `#` junk cannot flood the report. The name is shown cut and escaped.
                let shown: String = if name.is_empty() { directive.trim() } else { name }
                    .chars()
                    .take(40)
                    .collect();
                let shown = format!("{shown:?}");
                tally.problems.push(
                    "unknown directive",
                    Problem::at_line(
                        line.number,
                        format!("unknown directive #{} ignored", shown.trim_matches('"')),
                    ),
                );
            }
        }
    }

    fn record(
        &self,
        state: &W3cState,
        tally: &mut W3cTally,
        line: Line<'_>,
        text: &str,
        sink: &mut dyn RecordSink,
    ) -> Read {
        let Some(layout) = state.layout.as_deref() else {
            if memchr::memchr(0, text.as_bytes()).is_some() {
                return Read::HasNul;
            }
            tally.before_fields += 1;
            return Read::Done;
        };
        let expected = layout.names.len();
        // The usual line: no quotes and exactly one space between values, split straight into the
        // record's fields. Anything else goes through the careful split.
        let spare = std::mem::take(&mut tally.spare).recycle();
        let (fields, n, time) = match split_plain(text, layout, spare, &mut tally.cuts) {
            Plain::HasNul => return Read::HasNul,
            Plain::Fields(fields) => {
                let time = self.timestamp(layout, state.directive_date, |i| field_at(&fields, i), tally);
                (fields, expected, time)
            }
            Plain::Careful => {
                let mut values = Values::split(text, expected);
                let time = self.timestamp(layout, state.directive_date, |i| values.get(i), tally);
                let n = values.len();
                let mut fields = Fields::with_capacity(expected.min(n));
                for (name, value) in layout.names.iter().zip(values.drain()) {
                    fields.push(Cow::Borrowed(name.as_str()), value);
                }
                (fields, n, time)
            }
        };
        let mut fields = fields;
        if fields.len() == expected {
            fields.set_layout(layout.stamp);
        }
        // HTTP API 1.0 lines end at s-reason: the default layout's s-queuename may be absent.
        let fits = n == expected || (layout.default && n + 1 == expected);
        if !fits {
            let cut = if line.unterminated {
                ": the last line is cut (the file was copied while it was being written)"
            } else {
                ""
            };
            tally.problems.push(
                "field count differs from #Fields",
                Problem::at_line(line.number, format!("{n} fields, #Fields names {expected}{cut}")),
            );
        }
        match time {
            Some(t) if t.basis == crate::records::TimeBasis::Utc => tally.utc_records += 1,
            Some(_) => tally.local_records += 1,
            None => {
                let why = if layout.date.is_none() && layout.date_local.is_none() && state.directive_date.is_none() {
                    "no date: #Fields has no date field and no #Date directive came before".to_string()
                } else {
                    let shown = |i: Option<usize>| i.and_then(|i| field_at(&fields, i)).unwrap_or("");
                    let (d, t) = if layout.time.is_some() {
                        (shown(layout.date), shown(layout.time))
                    } else {
                        (shown(layout.date_local), shown(layout.time_local))
                    };
                    format!("no valid timestamp (date {d:?}, time {t:?})")
                };
                tally.problems.push("no timestamp", Problem::at_line(line.number, why));
            }
        }
        let record = Record {
            position: Position::Line(line.number),
            time,
            text: Cow::Borrowed(text),
            continuation: Vec::new(),
            fields,
        };
        sink.record(&record);
        tally.records += 1;
        tally.spare = record.fields.recycle();
        Read::Done
    }

    fn timestamp<'v>(
        &self,
        layout: &Layout,
        directive_date: Option<NaiveDate>,
        values: impl Fn(usize) -> Option<&'v str>,
        tally: &mut W3cTally,
    ) -> Option<Timestamp> {
        if let Some(ti) = layout.time {
            let date = match layout.date {
                Some(di) => cached_date(values(di)?, &mut tally.date_cache)?,
                None => directive_date?,
            };
            let time = parse_time(values(ti)?)?;
            return Some(Timestamp::utc(NaiveDateTime::new(date, time)));
        }
        let (Some(di), Some(ti)) = (layout.date_local, layout.time_local) else {
            return None;
        };
        let local = NaiveDateTime::new(
            cached_date(values(di)?, &mut tally.date_cache)?,
            parse_time(values(ti)?)?,
        );
        Some(match &self.local_zone {
            Some((zone, _)) => zone.timestamp(local),
            None => super::time::unknown_local(local),
        })
    }
}

impl LineFormat for W3cFormat<'_> {
    type State = W3cState;
    type Tally = W3cTally;

    fn line(&self, state: &mut W3cState, tally: &mut W3cTally, line: Line<'_>, sink: &mut dyn RecordSink) {
        // Record lines are checked for NULs while they are split; directive lines here.
        let directive_with_nul = line.text.starts_with('#') && memchr::memchr(0, line.text.as_bytes()).is_some();
        if directive_with_nul || self.text(state, tally, line, line.text, sink) == Read::HasNul {
            self.nul_line(state, tally, line, sink);
        }
    }

    fn merge(&self, into: &mut W3cTally, later: W3cTally) {
        into.problems.merge(later.problems);
        into.records += later.records;
        into.before_fields += later.before_fields;
        into.utc_records += later.utc_records;
        into.local_records += later.local_records;
        for (k, v) in later.notes {
            into.notes.entry(k).or_insert(v);
        }
    }
}

impl W3cFormat<'_> {
    /// Reads a line or a part of one. A record line holding NULs is left to [`Self::nul_line`].
    fn text(
        &self,
        state: &mut W3cState,
        tally: &mut W3cTally,
        line: Line<'_>,
        text: &str,
        sink: &mut dyn RecordSink,
    ) -> Read {
        if let Some(directive) = text.strip_prefix('#') {
            self.directive(state, tally, line, directive);
            Read::Done
        } else if text.trim_ascii().is_empty() {
            Read::Done
        } else {
            self.record(state, tally, line, text, sink)
        }
    }

    /// A server that stopped while writing leaves the space it had reserved as NULs; the log
    /// resumes after them (often with a new directive block) on the same line.
    fn nul_line(&self, state: &mut W3cState, tally: &mut W3cTally, line: Line<'_>, sink: &mut dyn RecordSink) {
        let nuls = line.text.bytes().filter(|&b| b == 0).count();
        tally.problems.push(
            "NUL bytes",
            Problem::at_line(
                line.number,
                format!(
                    "{nuls} NUL bytes skipped (space reserved by a writer that stopped); the text around them is read"
                ),
            ),
        );
        for part in line.text.split('\0').filter(|p| !p.is_empty()) {
            self.text(state, tally, line, part, sink);
        }
    }
}

/// What became of a line.
#[derive(Debug, PartialEq, Eq)]
enum Read {
    Done,
    /// A record line with NUL bytes: not read as it is.
    HasNul,
}

/// How a line splits on single spaces.
enum Plain<'l> {
    Fields(Fields<'l>),
    /// Quotes or a value count that differs from the layout: the careful split decides.
    Careful,
    HasNul,
}

/// The fields of a line with no quote, no NUL and exactly one space between values.
/// `starts` is scratch space: where each value starts, plus one past the end of the line.
fn split_plain<'l>(line: &'l str, layout: &'l Layout, mut fields: Fields<'l>, starts: &mut Vec<usize>) -> Plain<'l> {
    let bytes = line.as_bytes();
    // Quotes and NULs are rare: one vector scan for both.
    if let Some(at) = memchr::memchr2(b'"', 0, bytes) {
        if memchr::memchr(0, &bytes[at..]).is_some() {
            return Plain::HasNul;
        }
        return Plain::Careful;
    }
    starts.clear();
    starts.push(0);
    value_starts(bytes, starts);
    starts.push(bytes.len() + 1);
    if starts.len() != layout.names.len() + 1 {
        return Plain::Careful;
    }
    // Slice iterators have a known length, so the pairs are written straight into the storage.
    fields.extend(layout.names.iter().zip(starts.windows(2)).map(|(name, w)| {
        // invariant: values end before a space (ASCII), so the cuts sit on char boundaries
        let value = line.get(w[0]..w[1] - 1).unwrap_or_default();
        (Cow::Borrowed(name.as_str()), Cow::Borrowed(value))
    }));
    Plain::Fields(fields)
}

/// Pushes the position after each space of `bytes`. Eight bytes at a time: values are a dozen
/// bytes long, too short for a vector search per space to pay off.
fn value_starts(bytes: &[u8], starts: &mut Vec<usize>) {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const SPACES: u64 = 0x2020_2020_2020_2020;
    let mut words = bytes.chunks_exact(8);
    let mut base = 0;
    for word in words.by_ref() {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        let x = u64::from_le_bytes(w) ^ SPACES;
        // The high bit of each byte that was a space (exact, no carries between bytes).
        let mut hits = !(((x & LOW7) + LOW7) | x | LOW7);
        while hits != 0 {
            starts.push(base + (hits.trailing_zeros() / 8) as usize + 1);
            hits &= hits - 1;
        }
        base += 8;
    }
    for (i, &b) in words.remainder().iter().enumerate() {
        if b == b' ' {
            starts.push(base + i + 1);
        }
    }
}

fn field_at<'f>(fields: &'f Fields<'_>, i: usize) -> Option<&'f str> {
    fields.iter().nth(i).map(|(_, v)| v)
}

/// The values of a record line.
struct Values<'l> {
    values: Vec<Cow<'l, str>>,
}

impl<'l> Values<'l> {
    /// Splits a line into values, trying single spaces, then runs of spaces, quotes honoured
    /// when the line has any; keeps the single-space split when neither fits `expected`.
    fn split(line: &'l str, expected: usize) -> Values<'l> {
        let quoted = memchr::memchr(b'"', line.as_bytes()).is_some();
        let mut values = Vec::with_capacity(expected);
        if quoted {
            split_quoted(line, false, &mut values);
            if values.len() == expected {
                return Values { values };
            }
            values.clear();
        }
        values.extend(line.split(' ').map(Cow::Borrowed));
        if values.len() == expected {
            return Values { values };
        }
        let mut collapsed = Vec::with_capacity(expected);
        if quoted {
            split_quoted(line, true, &mut collapsed);
        } else {
            collapsed.extend(line.split_ascii_whitespace().map(Cow::Borrowed));
        }
        if collapsed.len() == expected {
            return Values { values: collapsed };
        }
        Values { values }
    }

    fn len(&self) -> usize {
        self.values.len()
    }

    fn get(&self, i: usize) -> Option<&str> {
        self.values.get(i).map(|v| v.as_ref())
    }

    fn drain(&mut self) -> impl Iterator<Item = Cow<'l, str>> + '_ {
        self.values.drain(..)
    }
}

/// Splits on spaces (runs of them when `collapse`), a value that starts with `"` running to the
/// closing quote (`""` inside stands for one quote). The quotes are not part of the value.
fn split_quoted<'l>(line: &'l str, collapse: bool, out: &mut Vec<Cow<'l, str>>) {
    let bytes = line.as_bytes();
    let mut pos = 0;
    loop {
        if collapse {
            while pos < bytes.len() && bytes[pos] == b' ' {
                pos += 1;
            }
            if pos >= bytes.len() {
                return;
            }
        }
        if bytes.get(pos) == Some(&b'"') {
            // Find the closing quote: a `"` not doubled.
            let mut i = pos + 1;
            let mut doubled = false;
            let close = loop {
                match memchr::memchr(b'"', &bytes[i.min(bytes.len())..]) {
                    None => break None,
                    Some(k) => {
                        let q = i + k;
                        if bytes.get(q + 1) == Some(&b'"') {
                            doubled = true;
                            i = q + 2;
                        } else {
                            break Some(q);
                        }
                    }
                }
            };
            let (inner_end, next) = match close {
                Some(q) => (q, q + 1),
                None => (bytes.len(), bytes.len()),
            };
            // invariant: quotes are ASCII, so both ends sit on char boundaries
            let inner = line.get(pos + 1..inner_end).unwrap_or_default();
            out.push(if doubled {
                Cow::Owned(inner.replace("\"\"", "\""))
            } else {
                Cow::Borrowed(inner)
            });
            // What follows the closing quote up to the next space belongs to no value: skip it.
            pos = match memchr::memchr(b' ', &bytes[next.min(bytes.len())..]) {
                Some(k) => next + k + 1,
                None => return,
            };
        } else {
            let end = memchr::memchr(b' ', &bytes[pos..]).map_or(bytes.len(), |k| pos + k);
            out.push(Cow::Borrowed(line.get(pos..end).unwrap_or_default()));
            if end >= bytes.len() {
                return;
            }
            pos = end + 1;
        }
        if pos >= bytes.len() && !collapse {
            // A trailing separator ends with an empty value, as a plain split does.
            out.push(Cow::Borrowed(""));
            return;
        }
    }
}

fn digits(b: &[u8]) -> Option<u32> {
    let mut n = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + (c - b'0') as u32;
    }
    Some(n)
}

/// `YYYY-MM-DD`.
fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    NaiveDate::from_ymd_opt(digits(&b[..4])? as i32, digits(&b[5..7])?, digits(&b[8..])?)
}

fn cached_date(s: &str, cache: &mut Option<([u8; 10], NaiveDate)>) -> Option<NaiveDate> {
    if let (Some((text, date)), Ok(key)) = (cache.as_ref(), <[u8; 10]>::try_from(s.as_bytes()))
        && *text == key
    {
        return Some(*date);
    }
    let date = parse_date(s)?;
    if let Ok(key) = <[u8; 10]>::try_from(s.as_bytes()) {
        *cache = Some((key, date));
    }
    Some(date)
}

/// `#Date:` days: `YYYY-MM-DD`, or `DD/Mon/YYYY` as some non-IIS writers put it.
fn parse_directive_date(s: &str) -> Option<NaiveDate> {
    parse_date(s).or_else(|| NaiveDate::parse_from_str(s, "%d/%b/%Y").ok())
}

/// `HH:MM:SS` with optional fractions (`.363` in IIS Advanced Logging).
fn parse_time(s: &str) -> Option<NaiveTime> {
    let b = s.as_bytes();
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let (h, m, sec) = (digits(&b[..2])?, digits(&b[3..5])?, digits(&b[6..8])?);
    let nanos = match &b[8..] {
        [] => 0,
        [b'.', frac @ ..] if !frac.is_empty() && frac.len() <= 9 => digits(frac)? * 10u32.pow(9 - frac.len() as u32),
        _ => return None,
    };
    NaiveTime::from_hms_nano_opt(h, m, sec, nanos)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::ParseOptions;
    use crate::testing::TestResult;

    type Row = (u64, Option<String>, Vec<(String, String)>);
    struct Collect(Vec<Row>);
    impl RecordSink for Collect {
        fn record(&mut self, r: &Record<'_>) {
            // Not a line: 0, which no assertion expects.
            let n = match r.position {
                Position::Line(n) => n,
                _ => 0,
            };
            self.0.push((
                n,
                r.time.map(|t| t.to_rfc3339()),
                r.fields.iter().map(|(a, b)| (a.into(), b.into())).collect(),
            ));
        }
    }

    fn run_with(text: &[u8], plan: &Plan) -> (Collect, ParseOutcome) {
        let opts = ParseOptions::default();
        let input = ParseInput {
            path: "u_ex.log",
            bytes: text,
            encoding: Some(crate::intake::decode::sniff(text)),
            format: None,
            options: &opts,
        };
        let mut sink = Collect(Vec::new());
        let out = read(&input, W3cFlavor::Iis, plan, &mut sink);
        (sink, out)
    }

    fn run(text: &str) -> (Collect, ParseOutcome) {
        run_with(text.as_bytes(), &Plan::default())
    }

    fn field<'r>(row: &'r Row, name: &str) -> Option<&'r str> {
        row.2.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    #[test]
    fn fields_change_mid_file() -> TestResult {
        let text = "#Software: Microsoft Internet Information Services 6.0\r\n#Fields: date time cs-uri-stem sc-status \r\n2005-11-02 10:42:33 /Content/a.cab 401\r\n#Fields: date time cs-uri-stem cs-host sc-status\r\n2005-11-02 11:00:00 /x wsus 200\r\n";
        let (sink, out) = run(text);
        assert_eq!(out.records, 2);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        assert_eq!(sink.0[0].0, 3);
        assert_eq!(sink.0[0].1.as_deref(), Some("2005-11-02T10:42:33Z"));
        assert_eq!(sink.0[1].0, 5);
        assert_eq!(field(&sink.0[1], "cs-host"), Some("wsus"));
        assert_eq!(out.time_zone.as_deref(), Some("UTC"));
        Ok(())
    }

    #[test]
    fn count_mismatch_is_a_located_problem_and_the_record_is_kept() -> TestResult {
        let text = "#Fields: date time cs-uri-stem sc-status\n2005-11-02 10:42:33 /a\n";
        let (sink, out) = run(text);
        assert_eq!(out.records, 1);
        assert_eq!(out.problems, vec![Problem::at_line(2, "3 fields, #Fields names 4")]);
        assert_eq!(sink.0.len(), 1);
        assert_eq!(field(&sink.0[0], "cs-uri-stem"), Some("/a"));
        Ok(())
    }

    #[test]
    fn truncated_last_line_says_so() -> TestResult {
        let text = "#Fields: date time cs-uri-stem sc-status\n2005-11-02 10:42:33 /a 200\n2005-11-02 10:42:34 /Cont";
        let (sink, out) = run(text);
        assert_eq!(out.records, 2);
        assert_eq!(
            out.problems,
            vec![Problem::at_line(
                3,
                "3 fields, #Fields names 4: the last line is cut (the file was copied while it was being written)"
            )]
        );
        assert_eq!(field(&sink.0[1], "cs-uri-stem"), Some("/Cont"));
        Ok(())
    }

    #[test]
    fn date_from_directive_when_not_logged() -> TestResult {
        let text = "#Date: 2013-07-30 00:00:00\n#Fields: time cs-uri-stem\n00:00:05 /a\n";
        let (sink, out) = run(text);
        assert!(out.problems.is_empty());
        assert_eq!(sink.0[0].1.as_deref(), Some("2013-07-30T00:00:05Z"));
        Ok(())
    }

    #[test]
    fn no_date_anywhere_is_explained() -> TestResult {
        let (sink, out) = run("#Fields: time cs-uri-stem\n00:00:05 /a\n");
        assert_eq!(sink.0.len(), 1);
        assert_eq!(sink.0[0].1, None);
        assert_eq!(
            out.problems,
            vec![Problem::at_line(
                2,
                "no date: #Fields has no date field and no #Date directive came before"
            )]
        );
        Ok(())
    }

    #[test]
    fn lines_before_fields_are_reported_not_guessed() -> TestResult {
        let (_, out) = run("2005-11-02 10:42:33 /a 200\n");
        assert_eq!(out.records, 0);
        assert_eq!(out.problems.len(), 1);
        Ok(())
    }

    #[test]
    fn directives_in_any_order_with_comments_and_trailing_spaces() -> TestResult {
        let text = "#Date: 2021-04-01 00:00:21  // first entry\n#Fields: date time c-ip cs-uri-stem sc-status  \n#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0   // the version\n2021-04-01 00:00:21 10.1.4.77 /a 200\n";
        let (sink, out) = run(text);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        assert!(out.notes.is_empty(), "{:?}", out.notes);
        assert_eq!(sink.0[0].2.len(), 5);
        assert_eq!(field(&sink.0[0], "sc-status"), Some("200"));
        Ok(())
    }

    #[test]
    fn empty_value_between_two_spaces_is_kept_empty() -> TestResult {
        let text = "#Fields: date time cs-uri-stem cs-username c-ip\n2022-01-01 00:01:24 /powershell  ::1\n";
        let (sink, out) = run(text);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        assert_eq!(field(&sink.0[0], "cs-username"), Some(""));
        assert_eq!(field(&sink.0[0], "c-ip"), Some("::1"));
        Ok(())
    }

    #[test]
    fn double_space_that_does_not_fit_is_read_as_one_separator() -> TestResult {
        // plaso's edge case: `444  random\user` under 15 names gives 16 single-space values.
        let text = "#Fields: date time s-port cs-username c-ip\n2022-01-01 00:01:24 444  random\\ranuser1 ::1\n";
        let (sink, out) = run(text);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        assert_eq!(field(&sink.0[0], "cs-username"), Some("random\\ranuser1"));
        assert_eq!(field(&sink.0[0], "c-ip"), Some("::1"));
        Ok(())
    }

    #[test]
    fn quoted_values_with_spaces_and_doubled_quotes() -> TestResult {
        let text = "#Fields: date time c-ip cs(User-Agent) sc-status cs(Cookie)\n\"2017-06-28\" \"07:26:35\" \"10.1.4.77\" \"Mozilla/5.0 (Windows NT 10.0; Win64)\" 404 \" \"\"garbage\"\" w/ spaces \"\n";
        let (sink, out) = run(text);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        let row = &sink.0[0];
        assert_eq!(row.1.as_deref(), Some("2017-06-28T07:26:35Z"));
        assert_eq!(
            field(row, "cs(User-Agent)"),
            Some("Mozilla/5.0 (Windows NT 10.0; Win64)")
        );
        assert_eq!(field(row, "cs(Cookie)"), Some(" \"garbage\" w/ spaces "));
        Ok(())
    }

    #[test]
    fn runs_of_spaces_between_values() -> TestResult {
        let text = "#Fields:  c-ip  date  time  cs-uri  sc-status\n64.103.37.2      2001-10-31     00:00:18      /admin/a.gif    200\n";
        let (sink, out) = run(text);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        assert_eq!(sink.0[0].1.as_deref(), Some("2001-10-31T00:00:18Z"));
        assert_eq!(field(&sink.0[0], "cs-uri"), Some("/admin/a.gif"));
        Ok(())
    }

    #[test]
    fn ipv6_with_zone_id_and_long_queries_are_plain_values() -> TestResult {
        let query = format!("q={}", "x".repeat(70_000));
        let text = format!(
            "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query c-ip sc-status sc-substatus sc-win32-status\n2012-07-21 20:42:14 fe80::e3a4:2b81:92b4:c6e7%11 POST /ClientWebService/Client.asmx {query} fe80::e3a4:2b81:92b4:c6e7%11 500 24 50\n"
        );
        let (sink, out) = run(&text);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        assert_eq!(field(&sink.0[0], "c-ip"), Some("fe80::e3a4:2b81:92b4:c6e7%11"));
        assert_eq!(field(&sink.0[0], "cs-uri-query").map(str::len), Some(query.len()));
        assert_eq!(field(&sink.0[0], "sc-substatus"), Some("24"));
        Ok(())
    }

    #[test]
    fn nul_run_from_a_crash_is_skipped_and_reported() -> TestResult {
        let mut text = b"#Fields: date time cs-uri-stem sc-status\r\n2024-11-20 06:14:00 /a 200\r\n".to_vec();
        text.extend(std::iter::repeat_n(0u8, 5000));
        text.extend_from_slice(b"#Software: Microsoft Internet Information Services 10.0\r\n#Fields: date time cs-uri-stem sc-status\r\n2024-11-20 07:00:00 /b 503\r\n");
        let (sink, out) = run_with(&text, &Plan::default());
        assert_eq!(out.records, 2);
        assert_eq!(sink.0[1].0, 5);
        assert_eq!(field(&sink.0[1], "sc-status"), Some("503"));
        assert_eq!(
            out.problems,
            vec![Problem::at_line(
                3,
                "5000 NUL bytes skipped (space reserved by a writer that stopped); the text around them is read"
            )]
        );
        Ok(())
    }

    #[test]
    fn nul_bytes_after_a_quote_are_still_found() -> TestResult {
        let text = "#Fields: date time cs(User-Agent) sc-status\n2024-11-20 06:14:00 \"Mozilla/5.0 (X)\" 200\0\0\0\n";
        let (sink, out) = run(text);
        assert_eq!(sink.0.len(), 1);
        assert_eq!(field(&sink.0[0], "sc-status"), Some("200"));
        assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
        assert!(out.problems[0].message.starts_with("3 NUL bytes skipped"));
        Ok(())
    }

    #[test]
    fn local_time_fields_of_advanced_logging() -> TestResult {
        let text = "#Software: IIS Advanced Logging Module\n\n#Fields:   date-local time-local   s-ip cs-uri-stem sc-status\n2012-08-15 17:00:00.363 1.2.3.4 /a 200\n";
        let (sink, out) = run(text);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        assert_eq!(sink.0[0].1.as_deref(), Some("2012-08-15T17:00:00.363"));
        assert_eq!(
            out.time_zone.as_deref(),
            Some("local (date-local/time-local), zone unknown: kept as written")
        );
        Ok(())
    }

    #[test]
    fn unknown_directives_become_notes() -> TestResult {
        let text =
            "#Version: 1.0\n#GMT-Offset: -0800\n#Fields: date time cs-uri\n#Frobnicate: yes\n2001-10-31 00:00:18 /a\n";
        let (_, out) = run(text);
        assert_eq!(
            out.problems,
            vec![Problem::at_line(4, "unknown directive #Frobnicate ignored")]
        );
        assert_eq!(
            out.notes,
            vec!["line 2: #GMT-Offset -0800 (not an IIS directive) was not applied: W3C times are UTC".to_string()]
        );
        // Junk after `#` is reported cut and escaped, and capped like any problem.
        let junk: String = (0..50).map(|i| format!("#\u{1}{i}{}\n", "\u{7}".repeat(60))).collect();
        let (_, out) = run(&format!("#Fields: date time cs-uri\n{junk}"));
        assert!(out.notes.is_empty());
        assert_eq!(out.problems.len(), 11);
        assert!(
            out.problems[0].message.starts_with("unknown directive #\\u{1}0\\u{7}"),
            "{}",
            out.problems[0].message
        );
        assert!(out.problems[0].message.len() < 300);
        assert_eq!(
            out.problems[10].message,
            "40 more lines with the same problem (unknown directive)"
        );
        Ok(())
    }

    #[test]
    fn spaces_found_eight_bytes_at_a_time() -> TestResult {
        for line in [
            "",
            " ",
            "a b",
            "2024-11-20 06:14:00 10.1.0.20 GET /Content/3C/x.cab - 8530",
            "  x  y  ",
            "\u{e9}t\u{e9} \u{1F600} z",
        ] {
            let mut starts = Vec::new();
            value_starts(line.as_bytes(), &mut starts);
            let expected: Vec<usize> = line
                .bytes()
                .enumerate()
                .filter(|(_, b)| *b == b' ')
                .map(|(i, _)| i + 1)
                .collect();
            assert_eq!(starts, expected, "{line:?}");
        }
        Ok(())
    }

    #[test]
    fn time_parsing() -> TestResult {
        assert_eq!(parse_time("23:59:59"), NaiveTime::from_hms_opt(23, 59, 59));
        assert_eq!(parse_time("00:00:00.128"), NaiveTime::from_hms_milli_opt(0, 0, 0, 128));
        assert_eq!(parse_time("24:00:00"), None);
        assert_eq!(parse_time("1:00:00"), None);
        assert_eq!(parse_time("10:00:00."), None);
        assert_eq!(parse_date("2024-02-30"), None);
        assert_eq!(
            parse_directive_date("28/Jun/2017"),
            NaiveDate::from_ymd_opt(2017, 6, 28)
        );
        Ok(())
    }

    /// A log with directive blocks, restarts, NULs and odd lines, read in one pass and in tiny
    /// chunks: the same records, positions and problems.
    #[test]
    fn chunked_reading_gives_the_same_result_as_one_pass() -> TestResult {
        let mut text = String::new();
        for block in 0..7 {
            text.push_str(&format!(
                "#Software: Microsoft Internet Information Services 10.0\r\n#Date: 2024-11-2{block} 00:00:00\r\n"
            ));
            if block % 2 == 0 {
                text.push_str("#Fields: date time c-ip cs-uri-stem sc-status\r\n");
            } else {
                text.push_str("#Fields: time c-ip cs-uri-stem sc-status time-taken\r\n");
            }
            for i in 0..50 {
                if block % 2 == 0 {
                    text.push_str(&format!(
                        "2024-11-2{block} 00:00:{:02} 10.1.4.{i} /Content/{i}.cab 200\r\n",
                        i % 60
                    ));
                } else {
                    text.push_str(&format!(
                        "00:01:{:02} 10.1.4.{i} /x {} 15\r\n",
                        i % 60,
                        if i % 7 == 0 { "" } else { "401" }
                    ));
                }
                if i % 13 == 0 {
                    text.push_str("\r\n");
                }
            }
        }
        text.push_str("00:01:00 10.1.4.9 /cut");
        let one = run_with(text.as_bytes(), &Plan::default());
        for chunk_bytes in [1, 64, 1000, 4096] {
            let plan = Plan {
                parallel_from: 0,
                chunk_bytes,
            };
            let many = run_with(text.as_bytes(), &plan);
            assert_eq!(many.0.0, one.0.0, "records with chunks of {chunk_bytes}");
            assert_eq!(many.1.records, one.1.records);
            assert_eq!(many.1.problems, one.1.problems);
            assert_eq!(many.1.notes, one.1.notes);
        }
        assert_eq!(one.1.records, 351);
        assert!(!one.1.problems.is_empty());
        Ok(())
    }
}
