//! The pipeline of one bundle: intake → (per file, in parallel) classify, decode, parse, match →
//! merge → diagnose. The result is a [`BundleReport`], the same whatever the thread count.

use crate::diagnosis::{self, Finding};
use crate::formats::grammar::FormatCatalog;
use crate::formats::time::LocalZone;
use crate::formats::{self, ParseInput, ParseOptions};
use crate::grammars::{GrammarError, GrammarFiles};
use crate::intake::{self, BundleError, BundleFile, Limits, classify};
use crate::kind::FileKind;
use crate::records::{CountingSink, Problem, RecordSink, TeeSink, Timestamp};
use crate::signatures::matcher::{BundleMatches, FileMatches, Matcher};
use crate::signatures::{Catalog, Severity};
use rayon::prelude::*;
use serde::Serialize;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Everything loaded once per run: grammars, signatures, the compiled matcher.
pub struct Engine {
    pub formats: FormatCatalog,
    /// Event message templates (`grammars/events/`).
    pub messages: std::sync::Arc<crate::formats::events::MessageCatalog>,
    pub catalog: Catalog,
    pub matcher: Matcher,
}

impl Engine {
    /// The embedded knowledge base plus the files of `extra_grammar_dirs`.
    pub fn load(extra_grammar_dirs: &[PathBuf]) -> Result<Engine, GrammarError> {
        Engine::from_files(&GrammarFiles::load(extra_grammar_dirs)?)
    }

    pub fn from_files(files: &GrammarFiles) -> Result<Engine, GrammarError> {
        let formats = FormatCatalog::from_files(files)?;
        let messages = std::sync::Arc::new(crate::formats::events::MessageCatalog::from_files(files)?);
        let catalog = Catalog::from_files(files)?;
        let matcher = Matcher::new(&catalog);
        Ok(Engine {
            formats,
            messages,
            catalog,
            matcher,
        })
    }
}

/// What a run asks of the pipeline.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub limits: Limits,
    pub parse: ParseOptions,
    /// False for `inventory`: read and count, but do not match signatures.
    pub diagnose: bool,
    /// When raised, the bundle is abandoned: files not started are skipped and a parser in progress
    /// is unwound at its next record (triage's `--bundle-timeout`).
    pub cancel: Option<Arc<AtomicBool>>,
    /// Also sends each parsed file's records to a sink of the caller's (the timeline).
    pub tap: Option<RecordTap>,
}

/// Gives, for a file about to be parsed (index in the bundle, path, kind), a sink that also
/// receives its records, or `None` to leave the file out.
pub type TapFn = dyn Fn(u32, &str, FileKind) -> Option<Box<dyn RecordSink>> + Send + Sync;

/// A [`TapFn`] shared by the worker threads.
#[derive(Clone)]
pub struct RecordTap(pub Arc<TapFn>);

impl std::fmt::Debug for RecordTap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecordTap")
    }
}

/// The unwinding payload of an abandoned parse (no panic message: it is not a bug).
struct Abandoned;

/// Passes records on until the cancel flag is raised, then unwinds the parser.
struct CancelSink<'s> {
    inner: &'s mut dyn RecordSink,
    flag: &'s AtomicBool,
}

impl RecordSink for CancelSink<'_> {
    fn record(&mut self, record: &crate::records::Record<'_>) {
        if self.flag.load(Ordering::Relaxed) {
            // resume_unwind skips the panic hook; process_file catches it.
            std::panic::resume_unwind(Box::new(Abandoned));
        }
        self.inner.record(record);
    }
}

const ABANDONED: &str = "abandoned: the bundle ran out of time (--bundle-timeout)";

/// One file as the inventory reports it (CONTRACT.md `files[]`, with additions).
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub path: String,
    pub kind: FileKind,
    /// Text encoding; `null` for binary files and archives.
    pub encoding: Option<&'static str>,
    pub bytes: u64,
    /// Records read; `null` when the file was not parsed (see `skipped`).
    pub records: Option<u64>,
    pub problems: Vec<Problem>,
    /// The format grammar that recognized the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// Why the file got its kind.
    pub detected: String,
    /// Why the file was not parsed, when it was not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// How the file's timestamps were placed in UTC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "ser_time")]
    pub first: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "ser_time")]
    pub last: Option<Timestamp>,
    /// Whether the file's bytes could be read at all.
    #[serde(skip)]
    pub loaded: bool,
}

fn ser_time<S: serde::Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&t.to_rfc3339()),
        None => s.serialize_none(),
    }
}

/// One bundle, read and diagnosed.
#[derive(Debug, Clone, Serialize)]
pub struct BundleReport {
    pub bundle: String,
    pub files: Vec<FileReport>,
    pub findings: Vec<Finding>,
    /// Problems of the bundle itself (a damaged top-level archive, a member-count limit).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
    /// Findings `--min-severity` left out, for the readable reports to say so (not in the JSON
    /// contract, where the filtered findings are simply absent).
    #[serde(skip)]
    pub hidden: Option<HiddenFindings>,
}

/// How many findings fell below the `--min-severity` floor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HiddenFindings {
    pub floor: Severity,
    pub count: usize,
}

impl BundleReport {
    /// True when not one file could be read (exit status 2).
    pub fn nothing_readable(&self) -> bool {
        !self.files.iter().any(|f| f.loaded)
    }

    /// Keeps the findings at `floor` or above, remembering how many were left out.
    pub fn keep_findings_from(&mut self, floor: Severity) {
        let before = self.findings.len();
        self.findings.retain(|f| f.severity >= floor);
        let count = before - self.findings.len();
        self.hidden = (count > 0).then_some(HiddenFindings { floor, count });
    }
}

const NO_PARSER: &str = "no parser for this kind in this version";

/// Reads, parses and (when asked) diagnoses one bundle.
pub fn run_bundle(engine: &Engine, path: &Path, options: &Options) -> Result<BundleReport, BundleError> {
    let bundle = intake::open_bundle(path, &options.limits)?;
    Ok(run_opened(engine, bundle, options))
}

/// Runs the pipeline on a bundle already opened (or built in memory).
pub fn run_opened(engine: &Engine, bundle: intake::Bundle, options: &Options) -> BundleReport {
    let zones = registry_zones(engine, &bundle);
    let mut with_messages = options.clone();
    with_messages.parse.messages = Some(engine.messages.clone());
    let options = &with_messages;
    let results: Vec<(FileReport, FileMatches)> = bundle
        .files
        .par_iter()
        .enumerate()
        .map(|(i, file)| match zone_for(&zones, &file.path) {
            Some((zone, source)) => {
                let mut options = options.clone();
                options.parse.registry_zone = Some(zone.clone());
                options.parse.registry_zone_source = Some(source.clone());
                process_file(engine, i as u32, file, &options)
            }
            None => process_file(engine, i as u32, file, options),
        })
        .collect();
    let paths: Vec<String> = bundle.files.iter().map(|f| f.path.clone()).collect();
    let (files, matches): (Vec<_>, Vec<_>) = results.into_iter().unzip();
    let findings = if options.diagnose {
        let merged = BundleMatches::merge(matches);
        diagnosis::diagnose(&engine.catalog, &engine.matcher, &merged, &paths)
    } else {
        Vec::new()
    };
    BundleReport {
        bundle: bundle.path,
        files,
        findings,
        problems: bundle.problems,
        hidden: None,
    }
}

/// A time zone recorded by a registry file of the bundle, with the archive it applies in.
struct ScopedZone {
    /// The deepest archive holding the registry file (`""` for the bundle itself).
    scope: String,
    zone: LocalZone,
    source: String,
}

/// Finds the time zones the bundle's registry files record (`TimeZoneInformation`), before any log
/// is parsed. Files are classified from their first bytes (a zip member is decompressed only that
/// far); only registry files are read whole.
fn registry_zones(engine: &Engine, bundle: &intake::Bundle) -> Vec<ScopedZone> {
    let archives: Vec<&str> = bundle
        .files
        .iter()
        .filter(|f| f.is_archive)
        .map(|f| f.path.as_str())
        .collect();
    let mut zones: Vec<((u8, usize), ScopedZone)> = bundle
        .files
        .par_iter()
        .enumerate()
        .filter(|(_, f)| !f.is_archive)
        .filter_map(|(i, f)| {
            let head = f.source.load_head(classify::CLASSIFY_BYTES)?;
            let class = classify::classify(&engine.formats, &f.path, &head);
            let rank = crate::registry::zone_source_rank(class.kind)?;
            let (bytes, _) = f.source.load(&Limits::default());
            let zone = crate::registry::time_zone_of_file(class.kind, &f.path, &bytes?, class.encoding)?;
            Some((
                (rank, i),
                ScopedZone {
                    scope: scope_of(&archives, &f.path),
                    zone,
                    source: f.path.clone(),
                },
            ))
        })
        .collect();
    // Within a scope the file kind decides (hive, then .reg export, then `reg query` text), then
    // bundle order.
    zones.sort_by(|(a, za), (b, zb)| za.scope.cmp(&zb.scope).then(a.cmp(b)));
    zones.dedup_by(|a, b| a.1.scope == b.1.scope);
    zones.into_iter().map(|(_, z)| z).collect()
}

/// The deepest archive containing `path`, or `""`.
fn scope_of(archives: &[&str], path: &str) -> String {
    archives
        .iter()
        .filter(|a| path.len() > a.len() && path.starts_with(*a) && path.as_bytes()[a.len()] == b'/')
        .max_by_key(|a| a.len())
        .map(|a| a.to_string())
        .unwrap_or_default()
}

/// The zone for a file: the one recorded in its own archive, else in the closest enclosing one.
fn zone_for<'z>(zones: &'z [ScopedZone], path: &str) -> Option<(&'z LocalZone, &'z String)> {
    zones
        .iter()
        .filter(|z| {
            z.scope.is_empty() || (path.starts_with(&z.scope) && path.as_bytes().get(z.scope.len()) == Some(&b'/'))
        })
        .max_by_key(|z| z.scope.len())
        .map(|z| (&z.zone, &z.source))
}

thread_local! {
    static PARSING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// True on a thread that is inside a parser, where a panic is caught and reported as a problem
/// of the file (the binary's panic hook stays quiet there).
pub fn is_parsing() -> bool {
    PARSING.with(|p| p.get())
}

fn process_file(engine: &Engine, index: u32, file: &BundleFile, options: &Options) -> (FileReport, FileMatches) {
    let mut report = FileReport {
        path: file.path.clone(),
        kind: FileKind::Unknown,
        encoding: None,
        bytes: file.size,
        records: None,
        problems: file.problems.clone(),
        format: None,
        detected: String::new(),
        skipped: None,
        notes: Vec::new(),
        time_zone: None,
        first: None,
        last: None,
        loaded: false,
    };
    if file.is_archive {
        report.loaded = !matches!(file.source, crate::intake::Source::Unreadable);
        report.kind = FileKind::Archive;
        report.detected = "archive signature".into();
        report.skipped = Some("archive: its members are listed after it".into());
        return (report, FileMatches::default());
    }
    if options.cancel.as_ref().is_some_and(|c| c.load(Ordering::Relaxed)) {
        report.skipped = Some(ABANDONED.into());
        return (report, FileMatches::default());
    }
    let (bytes, load_problems) = file.source.load(&options.limits);
    report.problems.extend(load_problems);
    let Some(bytes) = bytes else {
        report.detected = "not read".into();
        report.skipped = Some("could not be read (see problems)".into());
        return (report, FileMatches::default());
    };
    report.bytes = bytes.len() as u64;
    report.loaded = true;
    let class = classify::classify(&engine.formats, &file.path, &bytes);
    report.kind = class.kind;
    report.format = class.format.clone();
    report.encoding = class.encoding.map(|e| e.name());
    report.detected = class.reason.clone();
    if bytes.is_empty() {
        report.problems.push(Problem::new("empty file (0 bytes)"));
        report.skipped = Some("empty".into());
        return (report, FileMatches::default());
    }
    if class.kind == FileKind::Unknown {
        report.skipped = Some(class.reason);
        return (report, FileMatches::default());
    }
    let input = ParseInput {
        path: &file.path,
        bytes: &bytes,
        encoding: class.encoding,
        format: class.format.as_deref(),
        options: &options.parse,
    };
    let mut counter = CountingSink::default();
    let mut state = options.diagnose.then(|| engine.matcher.file_state(index, class.kind));
    let mut tap = options.tap.as_ref().and_then(|t| (t.0)(index, &file.path, class.kind));
    PARSING.with(|p| p.set(true));
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let mut sink: Box<dyn RecordSink + '_> = match state.as_mut() {
            Some(m) => Box::new(TeeSink { a: &mut counter, b: m }),
            None => Box::new(&mut counter),
        };
        let mut tapped;
        let mut sink: &mut dyn RecordSink = match tap.as_mut() {
            Some(t) => {
                tapped = TeeSink {
                    a: sink.as_mut(),
                    b: t.as_mut(),
                };
                &mut tapped
            }
            None => sink.as_mut(),
        };
        let mut guarded;
        if let Some(flag) = options.cancel.as_deref() {
            guarded = CancelSink { inner: sink, flag };
            sink = &mut guarded;
        }
        let grammar = class.format.as_deref().and_then(|id| engine.formats.get(id));
        formats::parse_with_grammar(class.kind, &input, grammar, sink)
    }));
    drop(tap);
    PARSING.with(|p| p.set(false));
    let matches = state.map(|s| s.finish()).unwrap_or_default();
    match outcome {
        Ok(Some(out)) => {
            report.records = Some(out.records);
            report.problems.extend(out.problems);
            report.notes = out.notes;
            report.time_zone = out.time_zone;
            report.first = counter.first;
            report.last = counter.last;
        }
        Ok(None) => report.skipped = Some(NO_PARSER.into()),
        Err(panic) if panic.is::<Abandoned>() => {
            report.problems.push(Problem::new(ABANDONED));
            report.records = Some(counter.records);
            return (report, FileMatches::default());
        }
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown cause".into());
            report.problems.push(Problem::new(format!(
                "internal error while parsing ({message}); the rest of the bundle was analyzed. This is a bug: please report it with this file"
            )));
            report.records = Some(counter.records);
            return (report, FileMatches::default());
        }
    }
    (report, matches)
}

impl RecordSink for &mut CountingSink {
    fn record(&mut self, record: &crate::records::Record<'_>) {
        (**self).record(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(scope: &str, secs: i32) -> ScopedZone {
        ScopedZone {
            scope: scope.into(),
            zone: LocalZone::Fixed(secs),
            source: format!("{scope}/SYSTEM"),
        }
    }

    #[test]
    fn a_registry_zone_applies_in_its_archive_and_the_closest_wins() {
        let archives = ["Clients/PC1.zip", "Clients/PC1.zip/inner.zip"];
        assert_eq!(
            scope_of(&archives, "Clients/PC1.zip/Registry/SYSTEM"),
            "Clients/PC1.zip"
        );
        assert_eq!(
            scope_of(&archives, "Clients/PC1.zip/inner.zip/x.log"),
            "Clients/PC1.zip/inner.zip"
        );
        assert_eq!(scope_of(&archives, "Server/Registry/SYSTEM"), "");
        assert_eq!(scope_of(&archives, "Clients/PC1.zipper/x.log"), "");
        let zones = vec![zone("", 3600), zone("Clients/PC1.zip", -18000)];
        assert_eq!(
            zone_for(&zones, "Server/WindowsUpdate.log").map(|z| z.0),
            Some(&LocalZone::Fixed(3600))
        );
        assert_eq!(
            zone_for(&zones, "Clients/PC1.zip/WindowsUpdate.log").map(|z| z.0),
            Some(&LocalZone::Fixed(-18000))
        );
        assert!(
            zone_for(&zones[1..], "Server/WindowsUpdate.log").is_none(),
            "a client's zone is not the server's"
        );
    }
}
