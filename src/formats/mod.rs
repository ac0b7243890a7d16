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
//!   with `setting` and `value`: the line's own record carries them (WindowsUpdate.log adds
//!   `service-id` to `Server URL`, `bypass-list` to `Proxy list`).
//! - Text logs parsed by the record engine also keep their raw `date`/`time` (and `offset`) columns
//!   and get `severity` (`error`, `warning`, `info`) where their grammar maps level words.
//! - Windows Installer logs: `context` (c/s/a), `pid`, `tid`, `action` (the innermost running
//!   action), `action-event` (`start`/`ended`), `return-value`, `custom-action`, `error-code`,
//!   `property` and `value`.
//! - ReportingEvents.log: `event-guid`, `event-id`, `event-name`, `update-guid`, `revision`,
//!   `hresult` (always `0x…`), `caller`, `result`, `category`, `message`, `cv`.
//! - CMTrace logs: `component`, `type` (1 info, 2 warning, 3 error), `thread`, `file`, `context`,
//!   `message` (may span lines).
//! - Events (EVTX and text exports): `provider`, `event-id`, `level`, `channel`, `computer`,
//!   `record-id`, `task`, `keywords`, each EventData value as `data:<Name>` (or `data:<n>` for
//!   unnamed values), and `message` when the event's template is known.
//! - Registry values: `key` (normalized `HKLM\SOFTWARE\…`), `name`, `type`, `data`, plus
//!   `data-hex` (`0x…`) for DWORD/QWORD, `deleted` (`key`/`value`) for .reg deletions and
//!   `key-last-written` for hive values (see [`crate::registry`]).
//!   unnamed values), and `message` when the event's template is known. Also `qualifiers` (the
//!   high 16 bits of a classic event id), `source` (the name as written when it is an alias of the
//!   provider's, such as `WAS`) and `binary`; `level` is the English name (`Error`, `Warning`,
//!   `Information`, `Critical`, `Verbose`) whatever the form or language it was written in.
//! - Registry values: `key` (normalized `HKLM\SOFTWARE\…`), `name`, `type`, `data`.
//! - Configuration facts (IIS configuration): `fact` plus the fact's own fields (see the parsers).
//!   Kinds `iis-applicationhost-config`, `aspnet-web-config`, `iis-metabase`; each fact cites the
//!   line of its deciding attribute (`text` = that line), a schema default the closest element line
//!   with `basis = "schema default"` (else `explicit` / `inherited`, and `source` says where).
//!   Full table in [`config_facts`]; the names signatures use:
//!   - `site` (`site`, `site-id`, `wsus-site`); `binding` (+ `protocol`, `ip`, `port`, `host`);
//!   - `vdir` (`vdir` = URL path, `wsus-vdir` = canonical WSUS name, `physical-path`, `app-pool`);
//!   - `vdir-auth` (`anonymous`, `windows`, `basic`, `digest`: EFFECTIVE `true`/`false`);
//!   - `ssl-flags` (`require-ssl`, `client-certificates` = `ignore`/`accept`/`require`, `ssl-flags`);
//!   - `ip-restriction` (`allow-unlisted`, `rules`, `denied-rules`, `loopback`, `decoded`), `ip-rule`;
//!   - `app-pool`, one per setting: `pool`, `setting`, `<setting>` = value (`queue-length`,
//!     `private-memory-kb`, `memory-kb`, `recycle-time-minutes`, `idle-timeout-minutes`,
//!     `pinging-enabled`, `rapid-fail-protection`, `rapid-fail-protection-max-crashes`,
//!     `identity-type`, `managed-runtime-version`, …);
//!   - `aspnet-version` (`runtime-version`, `pipeline-mode`), `impersonation` (`impersonate`),
//!     `integrated-mode-validation` (`validate`), `mime-map` (`extension`, `mime-type`,
//!     `duplicate`, `removed-before`), `compression-scheme` (`name`, `dll`), `app-setting`
//!     (`key`, `value`).

pub mod applicationhost;
pub mod chunked;
pub mod config_facts;
pub mod config_xml;
pub mod engine;
pub mod event_text;
pub mod events;
pub mod evtx;
pub mod grammar;
pub mod iis_httperr;
pub mod iis_sections;
pub mod iis_w3c;
pub mod metabase;
pub mod msi;
pub mod reg_export;
pub mod reg_query;
pub mod regf;
pub mod registry_hive;
pub mod reporting_events;
pub mod time;
pub mod web_config;

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
    /// The registry file `registry_zone` comes from.
    pub registry_zone_source: Option<String>,
    /// Event message templates of the run (embedded plus `--grammars`); `None` = the embedded ones.
    pub messages: Option<std::sync::Arc<events::MessageCatalog>>,
}

impl ParseOptions {
    /// The event message templates to render with.
    pub fn messages(&self) -> &events::MessageCatalog {
        self.messages
            .as_deref()
            .unwrap_or_else(|| events::MessageCatalog::embedded())
    }
}

impl ParseOptions {
    /// The zone for a local-time log that states no offset itself: the registry's, else `--tz`;
    /// with where it comes from, as the file's `time_zone` will say.
    pub fn local_zone(&self) -> Option<(&time::LocalZone, String)> {
        if let Some(z) = &self.registry_zone {
            let source = match &self.registry_zone_source {
                Some(path) => format!("the registry in {path}"),
                None => "the bundle's registry".to_string(),
            };
            return Some((z, source));
        }
        self.tz.as_ref().map(|z| (z, "--tz".to_string()))
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
    /// The class of each kept problem, for [`Problems::merge`].
    classes: Vec<&'static str>,
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
            self.classes.push(class);
        } else {
            *self.overflow.entry(class).or_insert(0) += 1;
        }
    }

    /// Adds the problems of a later part of the same file (a chunk parsed in parallel), as if they
    /// had been pushed here one by one: the kept ones and the counts come out the same.
    pub fn merge(&mut self, later: Problems) {
        for (class, problem) in later.classes.iter().zip(later.kept) {
            self.push(class, problem);
        }
        // Beyond the kept ones, `later` only counted: count them here too.
        for (class, more) in later.overflow {
            *self.per_class.entry(class).or_insert(0) += more;
            *self.overflow.entry(class).or_insert(0) += more;
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
/// Grammar-driven parsers use the embedded grammar `input.format`; see [`parse_with_grammar`].
pub fn parse(kind: FileKind, input: &ParseInput<'_>, sink: &mut dyn RecordSink) -> Option<ParseOutcome> {
    parse_with_grammar(kind, input, None, sink)
}

/// Like [`parse`], with the grammar that classified the file taken from the run's catalog (so
/// `--grammars` files are honoured); grammar-driven parsers fall back to the embedded one.
pub fn parse_with_grammar(
    kind: FileKind,
    input: &ParseInput<'_>,
    grammar: Option<&grammar::FormatGrammar>,
    sink: &mut dyn RecordSink,
) -> Option<ParseOutcome> {
    match kind {
        FileKind::IisW3cLog => Some(iis_w3c::parse(input, sink)),
        FileKind::IisHttperrLog => Some(iis_httperr::parse(input, sink)),
        FileKind::IisApplicationhostConfig => Some(applicationhost::parse(input, sink)),
        FileKind::AspnetWebConfig => Some(web_config::parse(input, sink)),
        FileKind::IisMetabase => Some(metabase::parse(input, sink)),
        FileKind::RegExport => Some(reg_export::parse(input, sink)),
        FileKind::RegQueryText => Some(reg_query::parse(input, sink)),
        FileKind::RegistryHive => Some(registry_hive::parse(input, sink)),
        // Text logs: the record engine reads the grammar's [record]; hooks add what it cannot say.
        FileKind::MsiLog => Some(engine::parse_with(
            kind,
            input,
            grammar,
            &mut msi::ActionContext::default(),
            sink,
        )),
        FileKind::ReportingEventsLog => Some(engine::parse_with(
            kind,
            input,
            grammar,
            &mut reporting_events::HexHresult,
            sink,
        )),
        FileKind::WsusSoftwaredistributionLog
        | FileKind::WsusChangeLog
        | FileKind::WsusSetupLog
        | FileKind::WindowsupdateLog
        | FileKind::CmtraceLog => Some(engine::parse_with(kind, input, grammar, &mut engine::NoHooks, sink)),
        FileKind::Evtx => Some(evtx::parse(input, sink)),
        FileKind::EventTextExport => Some(event_text::parse(input, sink)),
        _ => None,
    }
}
