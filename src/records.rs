//! The record model: what every parser produces and every signature reads.
//!
//! A [`Record`] is one log line (or one multi-line log entry), one event, one registry value or one
//! configuration fact. It always knows where it stands (its [`Position`]), when it happened (its
//! [`Timestamp`], normalized to UTC with the original text kept in the line) and carries its named
//! fields. Evidence in a finding is cut from records, so a citation always points at real text.
//!
//! A [`Problem`] is anything that could not be read as expected; it travels with the file it concerns.

use chrono::{NaiveDateTime, SecondsFormat, TimeZone, Utc};
use serde::Serialize;
use std::borrow::Cow;
use std::fmt;

/// Where a record stands inside its file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Position {
    /// 1-based line number in the decoded text.
    Line(u64),
    /// An EVTX EventRecordID.
    Record(u64),
    /// A registry key path (binary hives).
    Key(String),
}

/// How a timestamp was placed in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TimeBasis {
    /// The source writes UTC (IIS, SoftwareDistribution.log, EVTX, FILETIME).
    Utc,
    /// Local time converted with a known offset (banner, per-line offset, `--tz`, registry zone).
    Converted,
    /// Local time whose zone is not known: kept as written, treated as if UTC for ordering.
    LocalUnknown,
}

impl TimeBasis {
    pub fn name(self) -> &'static str {
        match self {
            TimeBasis::Utc => "utc",
            TimeBasis::Converted => "converted",
            TimeBasis::LocalUnknown => "local-unknown",
        }
    }
}

/// A point in time, normalized to UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp {
    /// The instant in UTC (for [`TimeBasis::LocalUnknown`], the local wall-clock time as written).
    pub utc: NaiveDateTime,
    pub basis: TimeBasis,
}

impl Timestamp {
    pub fn utc(utc: NaiveDateTime) -> Timestamp {
        Timestamp {
            utc,
            basis: TimeBasis::Utc,
        }
    }

    /// RFC 3339 text: `2005-11-02T10:42:33Z`, with fractions only when the source had them.
    /// A local time of unknown zone is written without the `Z`, so nobody mistakes it for UTC.
    pub fn to_rfc3339(&self) -> String {
        let text = Utc
            .from_utc_datetime(&self.utc)
            .to_rfc3339_opts(SecondsFormat::AutoSi, true);
        match self.basis {
            TimeBasis::LocalUnknown => text.trim_end_matches('Z').to_string(),
            _ => text,
        }
    }

    /// Seconds since the Unix epoch, for windows and ordering.
    pub fn epoch_millis(&self) -> i64 {
        self.utc.and_utc().timestamp_millis()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

/// Named values of a record, in source order. Names compare case-insensitively, as Windows does.
#[derive(Debug, Clone, Default)]
pub struct Fields<'a> {
    pairs: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    /// See [`Fields::layout`].
    layout: u64,
}

/// A fresh layout stamp, never handed out before in this process.
pub fn new_layout_stamp() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl<'a> Fields<'a> {
    pub fn new() -> Fields<'a> {
        Fields {
            pairs: Vec::new(),
            layout: 0,
        }
    }

    pub fn with_capacity(n: usize) -> Fields<'a> {
        Fields {
            pairs: Vec::with_capacity(n),
            layout: 0,
        }
    }

    pub fn push(&mut self, name: impl Into<Cow<'a, str>>, value: impl Into<Cow<'a, str>>) {
        self.layout = 0;
        self.pairs.push((name.into(), value.into()));
    }

    /// The index of the first field called `name` (ASCII case-insensitive).
    pub fn position(&self, name: &str) -> Option<usize> {
        self.pairs.iter().position(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    /// The value of the field at `index`.
    pub fn value_at(&self, index: usize) -> Option<&str> {
        self.pairs.get(index).map(|(_, v)| v.as_ref())
    }

    /// The value of the first field called `name` (ASCII case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(n, v)| (n.as_ref(), v.as_ref()))
    }

    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Removes every field, keeping the storage (a parser reuses one `Fields` for many records).
    pub fn clear(&mut self) {
        self.pairs.clear();
        self.layout = 0;
    }

    /// The layout stamp a parser gave these fields (0: none). Fields with the same non-zero stamp
    /// have the same names at the same indexes (one `#Fields:` directive of an IIS log), so a
    /// consumer may reuse its name lookups from one record to the next.
    pub fn layout(&self) -> u64 {
        self.layout
    }

    /// Stamps the fields, once they are complete, with their layout's [`new_layout_stamp`]. A
    /// later `push` or `extend` removes the stamp.
    pub fn set_layout(&mut self, stamp: u64) {
        self.layout = stamp;
    }

    /// Empties the fields and hands their storage over to fields of another lifetime, so that a
    /// parser can build every record of a file in one allocation. (The empty vector is collected
    /// in place: std reuses the allocation of a `Vec` mapped to a type of the same layout.)
    pub fn recycle<'b>(mut self) -> Fields<'b> {
        self.pairs.clear();
        Fields {
            // Runs on no element (the vector is empty); correct even if it did.
            pairs: self
                .pairs
                .into_iter()
                .map(|(n, v)| (Cow::Owned(n.into_owned()), Cow::Owned(v.into_owned())))
                .collect(),
            layout: 0,
        }
    }
}

/// Appends fields in order. Faster than [`Fields::push`] in a loop: the pairs are written straight
/// into the storage (parsers that rebuild records in bulk use it).
impl<'a> Extend<(Cow<'a, str>, Cow<'a, str>)> for Fields<'a> {
    fn extend<I: IntoIterator<Item = (Cow<'a, str>, Cow<'a, str>)>>(&mut self, pairs: I) {
        self.layout = 0;
        self.pairs.extend(pairs);
    }
}

/// One unit of evidence-bearing data read from a file.
#[derive(Debug, Clone)]
pub struct Record<'a> {
    /// Where the record stands; for text, the line of its first line.
    pub position: Position,
    pub time: Option<Timestamp>,
    /// The exact text at `position`: the decoded line, the rendered event, or `value = data`.
    pub text: Cow<'a, str>,
    /// Continuation lines of a multi-line record (stack traces), numbered after `position`.
    pub continuation: Vec<Cow<'a, str>>,
    pub fields: Fields<'a>,
}

impl<'a> Record<'a> {
    /// A one-line text record.
    pub fn line(line: u64, text: impl Into<Cow<'a, str>>) -> Record<'a> {
        Record {
            position: Position::Line(line),
            time: None,
            text: text.into(),
            continuation: Vec::new(),
            fields: Fields::new(),
        }
    }

    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name)
    }

    /// Every line of the record with its own line number (for a line record), first line first.
    pub fn lines(&self) -> impl Iterator<Item = (Option<u64>, &str)> {
        let first = match self.position {
            Position::Line(n) => Some(n),
            _ => None,
        };
        std::iter::once((first, self.text.as_ref())).chain(
            self.continuation
                .iter()
                .enumerate()
                .map(move |(i, l)| (first.map(|n| n + 1 + i as u64), l.as_ref())),
        )
    }
}

/// Something that could not be read as expected, located where possible.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, PartialOrd, Ord)]
pub struct Problem {
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<u64>,
    /// Byte offset in the file, for binary formats.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
}

impl Problem {
    pub fn new(message: impl Into<String>) -> Problem {
        Problem {
            message: message.into(),
            line: None,
            record: None,
            offset: None,
        }
    }

    pub fn at_line(line: u64, message: impl Into<String>) -> Problem {
        Problem {
            line: Some(line),
            ..Problem::new(message)
        }
    }

    pub fn at_offset(offset: u64, message: impl Into<String>) -> Problem {
        Problem {
            offset: Some(offset),
            ..Problem::new(message)
        }
    }

    pub fn at_record(record: u64, message: impl Into<String>) -> Problem {
        Problem {
            record: Some(record),
            ..Problem::new(message)
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        } else if let Some(record) = self.record {
            write!(f, "record {record}: ")?;
        } else if let Some(offset) = self.offset {
            write!(f, "offset {offset}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// Where parsed records go. Parsers push; the matcher, the inventory counter and the timeline consume.
pub trait RecordSink {
    fn record(&mut self, record: &Record<'_>);
}

/// A sink that only counts, for `inventory`.
#[derive(Debug, Default)]
pub struct CountingSink {
    pub records: u64,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
}

impl RecordSink for CountingSink {
    fn record(&mut self, record: &Record<'_>) {
        self.records += 1;
        if let Some(t) = record.time {
            if self.first.is_none_or(|f| t < f) {
                self.first = Some(t);
            }
            if self.last.is_none_or(|l| t > l) {
                self.last = Some(t);
            }
        }
    }
}

/// Sends every record to two sinks.
pub struct TeeSink<'s> {
    pub a: &'s mut dyn RecordSink,
    pub b: &'s mut dyn RecordSink,
}

impl RecordSink for TeeSink<'_> {
    fn record(&mut self, record: &Record<'_>) {
        self.a.record(record);
        self.b.record(record);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TestResult;
    use chrono::NaiveDate;

    fn at(h: u32, m: u32, s: u32, ms: u32) -> NaiveDateTime {
        // An impossible time gives the epoch, which no assertion expects: the test fails there.
        NaiveDate::from_ymd_opt(2005, 11, 2)
            .and_then(|d| d.and_hms_milli_opt(h, m, s, ms))
            .unwrap_or_default()
    }

    #[test]
    fn rfc3339_keeps_fractions_only_when_present() -> TestResult {
        assert_eq!(Timestamp::utc(at(10, 42, 33, 0)).to_rfc3339(), "2005-11-02T10:42:33Z");
        assert_eq!(
            Timestamp::utc(at(10, 42, 33, 231)).to_rfc3339(),
            "2005-11-02T10:42:33.231Z"
        );
        let local = Timestamp {
            utc: at(10, 42, 33, 0),
            basis: TimeBasis::LocalUnknown,
        };
        assert_eq!(local.to_rfc3339(), "2005-11-02T10:42:33");
        Ok(())
    }

    #[test]
    fn recycled_fields_keep_their_storage() -> TestResult {
        let mut f = Fields::with_capacity(16);
        f.push("sc-status", "401");
        let recycled: Fields<'_> = f.recycle();
        assert!(recycled.is_empty());
        assert!(recycled.pairs.capacity() >= 16);
        Ok(())
    }

    #[test]
    fn a_layout_stamp_is_removed_when_the_fields_change() -> TestResult {
        let (a, b) = (new_layout_stamp(), new_layout_stamp());
        assert!(a != 0 && b != 0 && a != b);
        let mut f = Fields::new();
        f.push("sc-status", "401");
        f.set_layout(a);
        assert_eq!(f.layout(), a);
        f.push("sc-substatus", "2");
        assert_eq!(f.layout(), 0);
        f.set_layout(b);
        f.clear();
        assert_eq!(f.layout(), 0);
        Ok(())
    }

    #[test]
    fn fields_are_case_insensitive() -> TestResult {
        let mut f = Fields::new();
        f.push("sc-status", "401");
        assert_eq!(f.get("SC-Status"), Some("401"));
        assert_eq!(f.get("sc-substatus"), None);
        Ok(())
    }

    #[test]
    fn continuation_lines_are_numbered_after_the_first() -> TestResult {
        let mut r = Record::line(10, "header");
        r.continuation.push("   at A.B()".into());
        r.continuation.push("   at C.D()".into());
        let lines: Vec<_> = r.lines().collect();
        assert_eq!(
            lines,
            vec![
                (Some(10), "header"),
                (Some(11), "   at A.B()"),
                (Some(12), "   at C.D()")
            ]
        );
        Ok(())
    }
}
