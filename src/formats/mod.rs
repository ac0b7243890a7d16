//! Formats: from a classified file's bytes to [`Record`]s pushed into a [`RecordSink`].
//!
//! One file per format. Each parser reads the decoded lines (or the binary structure), keeps exact
//! positions, places timestamps in UTC ([`time`]) and reports what it could not read as located
//! [`Problem`]s, never stopping at the first bad line. [`parse`] picks the parser for a file kind.
//!
//! Field names are the vocabulary signatures are written in, so they are fixed per kind:
//! - IIS W3C and HTTPERR: the W3C names of the `#Fields:` directive (`cs-uri-stem`, `sc-status`, …).
//! - Text logs: `level`, `process`, `thread`, `pid`, `tid`, `component`, `source`, `message`
//!   (whichever the format has); mirrored WSUS events in SoftwareDistribution.log add `event-id`,
//!   `type`, `category`, `event-message`.
//! - Client settings a log prints (WSUS server URL, SusClientId, proxy, target group) are records
//!   with `setting` and `value`.
//! - Events (EVTX and text exports): `provider`, `event-id`, `level`, `channel`, `computer`,
//!   `record-id`, `task`, `keywords`, each EventData value as `data:<Name>` (or `data:<n>` for
//!   unnamed values), and `message` when the event's template is known. Also `qualifiers` (the
//!   high 16 bits of a classic event id), `source` (the name as written when it is an alias of the
//!   provider's, such as `WAS`) and `binary`; `level` is the English name (`Error`, `Warning`,
//!   `Information`, `Critical`, `Verbose`) whatever the form or language it was written in.
//! - Registry values: `key` (normalized `HKLM\SOFTWARE\…`), `name`, `type`, `data`.
//! - Configuration facts (IIS configuration): `fact` plus the fact's own fields (see the parsers).

pub mod event_text;
pub mod events;
pub mod evtx;
pub mod grammar;
pub mod iis_w3c;
pub mod time;

use crate::intake::decode::{self, TextEncoding};
use crate::kind::FileKind;
use crate::records::{Problem, RecordSink};
use std::collections::BTreeMap;

/// What a parser needs besides the bytes.
#[derive(Debug, Clone, Default)]
pub struct ParseOptions {
    /// Zone for logs written in local time when the bundle does not say which (`--tz`).
    pub tz: Option<time::LocalZone>,
    /// The zone the bundle's registry records (`TimeZoneInformation`), found before parsing logs.
    pub registry_zone: Option<time::LocalZone>,
}

impl ParseOptions {
    /// The zone for a local-time log that states no offset itself: the registry's, else `--tz`.
    pub fn local_zone(&self) -> Option<(&time::LocalZone, &'static str)> {
        self.registry_zone
            .as_ref()
            .map(|z| (z, "the bundle's registry"))
            .or_else(|| self.tz.as_ref().map(|z| (z, "--tz")))
    }
}

/// A file ready to parse.
pub struct ParseInput<'a> {
    pub path: &'a str,
    pub bytes: &'a [u8],
    pub encoding: Option<TextEncoding>,
    /// The grammar id that classified the file.
    pub format: Option<&'a str>,
    pub options: &'a ParseOptions,
}

/// What a parser learned about its file besides the records.
#[derive(Debug, Default, Clone)]
pub struct ParseOutcome {
    pub records: u64,
    pub problems: Vec<Problem>,
    /// Facts a reader should know (`3 lines decoded as windows-1252`, the time zone used).
    pub notes: Vec<String>,
    /// How timestamps were placed in UTC, e.g. `UTC` or `local, +05:30 from the tz banner`.
    pub time_zone: Option<String>,
}

/// Collects problems, keeping the first few of each class and counting the rest, so a file with a
/// million bad lines reports ten and a total instead of a million.
#[derive(Debug, Default)]
pub struct Problems {
    kept: Vec<Problem>,
    overflow: BTreeMap<&'static str, u64>,
    per_class: BTreeMap<&'static str, u64>,
}

impl Problems {
    const KEEP_PER_CLASS: u64 = 10;

    pub fn push(&mut self, class: &'static str, problem: Problem) {
        let n = self.per_class.entry(class).or_insert(0);
        *n += 1;
        if *n <= Self::KEEP_PER_CLASS {
            self.kept.push(problem);
        } else {
            *self.overflow.entry(class).or_insert(0) += 1;
        }
    }

    pub fn finish(mut self) -> Vec<Problem> {
        for (class, more) in self.overflow {
            self.kept.push(Problem::new(format!(
                "{more} more lines with the same problem ({class})"
            )));
        }
        self.kept
    }
}

/// The decoded data lines of a text file, with notes on decoding.
pub struct TextView<'a> {
    pub data: &'a [u8],
    pub encoding: TextEncoding,
    pub trailing_nuls: usize,
}

impl<'a> TextView<'a> {
    pub fn new(bytes: &'a [u8], encoding: TextEncoding) -> TextView<'a> {
        let (data, trailing_nuls) = decode::data_bytes(bytes, encoding);
        TextView {
            data,
            encoding,
            trailing_nuls,
        }
    }

    /// Notes a reader should see about how the text was decoded.
    pub fn notes(&self, stats: &decode::LineStats) -> Vec<String> {
        let mut notes = Vec::new();
        if self.trailing_nuls > 0 {
            notes.push(format!(
                "{} NUL bytes at the end of the file (pre-allocated or cut log) were ignored",
                self.trailing_nuls
            ));
        }
        if stats.ansi_lines > 0 {
            notes.push(format!(
                "{} lines were not valid UTF-8 and were decoded as windows-1252",
                stats.ansi_lines
            ));
        }
        if stats.replaced > 0 {
            notes.push("malformed UTF-16 sequences were replaced with U+FFFD".to_string());
        }
        notes
    }
}

/// Parses a file of the given kind into `sink`. `None` when this version has no parser for the kind.
pub fn parse(kind: FileKind, input: &ParseInput<'_>, sink: &mut dyn RecordSink) -> Option<ParseOutcome> {
    match kind {
        FileKind::IisW3cLog => Some(iis_w3c::parse(input, sink)),
        FileKind::Evtx => Some(evtx::parse(input, sink)),
        FileKind::EventTextExport => Some(event_text::parse(input, sink)),
        _ => None,
    }
}
