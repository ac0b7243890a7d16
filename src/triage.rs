//! Triage: every bundle of a ticket archive (the entries directly under one folder) analyzed with
//! bounded memory, one [`BundleLine`] per bundle, then a [`Summary`].
//!
//! Flow: [`list_entries`] decides which entries are bundles (a folder; a file with a zip or cab
//! signature, or named `.zip`/`.cab`; a plain file only when its content is recognized as a log,
//! see [`is_log_kind`]) and sorts them by name. [`select`] keeps one shard (`--shard I/N`, by a
//! stable hash of the name) and sets aside the bundles already in earlier output (`--resume`).
//! [`run`] hands the bundles to a fixed number of bundle workers; each opens its bundle and runs
//! the pipeline inside the one shared rayon pool, so the files of all bundles in flight share the
//! pool's threads and at most one file per pool thread is in memory whatever the number of
//! bundles. Results go through a reorder buffer and come out in bundle-name order as soon as every
//! earlier bundle is done; workers never run more than [`REORDER_WINDOW`] bundles ahead of the
//! output. A bundle past `--bundle-timeout` is reported at once as timed out, its cancel flag makes
//! the pipeline skip its remaining files and unwind the parser in progress, and a new worker takes
//! its place so the run keeps its pace while the abandoned one winds down.

use crate::intake::{self, ArchiveFormat, Limits, classify};
use crate::kind::FileKind;
use crate::pipeline::{Engine, Options};
use crate::signatures::{Confidence, Severity};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How far (in bundles) the workers may run ahead of the oldest bundle not yet written.
pub const REORDER_WINDOW: usize = 512;

/// An entry of the archive folder that is a bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The entry's name in the folder: the bundle's name in the output, the shard key.
    pub name: String,
    pub path: PathBuf,
    /// Named like an archive (`.zip`, `.cab`) or carrying an archive signature.
    pub archive_expected: bool,
}

/// An entry of the archive folder that is not a bundle, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotABundle {
    pub entry: String,
    pub reason: String,
}

/// What became of a bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Analyzed,
    /// Nothing in it could be read (not an archive, damaged beyond salvage, I/O error).
    Unreadable,
    /// More uncompressed bytes than `--max-total-bytes`.
    TooLarge,
    /// Still running after `--bundle-timeout`: abandoned.
    TimedOut,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Analyzed => "analyzed",
            Status::Unreadable => "unreadable",
            Status::TooLarge => "too-large",
            Status::TimedOut => "timed-out",
        }
    }
}

/// One finding, as triage reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingBrief {
    pub signature: String,
    pub severity: Severity,
    pub confidence: Confidence,
}

/// One bundle's result (CONTRACT.md `triage --format jsonl`, plus `status` and `reason`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BundleLine {
    pub bundle: String,
    pub findings: Vec<FindingBrief>,
    /// Files listed (archives and their members included).
    pub files: u64,
    /// Problems of the bundle and of all its files.
    pub problems: u64,
    /// Wall-clock seconds, from the worker picking the bundle up to its result (not deterministic).
    pub seconds: f64,
    pub status: Status,
    /// Why a bundle that is not `analyzed` could not be.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Findings below `--min-severity`, not listed in `findings` (absent when none).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub hidden: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl BundleLine {
    fn failed(bundle: &str, status: Status, reason: String, started: Instant) -> BundleLine {
        BundleLine {
            bundle: bundle.to_string(),
            findings: Vec::new(),
            files: 0,
            problems: 0,
            seconds: seconds_since(started),
            status,
            reason: Some(reason),
            hidden: 0,
        }
    }

    /// The worst severity among the findings.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

/// A bundle that could not be analyzed, in the summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    pub bundle: String,
    pub status: Status,
    pub reason: String,
}

/// The last line of the output: what the whole run (resumed bundles included) found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    /// Bundle lines written (analyzed or not).
    pub bundles: u64,
    /// For each signature, the number of bundles where it fired.
    pub by_signature: BTreeMap<String, u64>,
    pub analyzed: u64,
    /// Bundles analyzed with no finding at all.
    pub no_finding: u64,
    /// Bundles with a finding at warning or above (exit status 1).
    pub with_warning_or_above: u64,
    /// Bundles that could not be analyzed, in bundle order, with why.
    pub failed: Vec<Failure>,
    /// Entries of the folder that are not bundles, with why.
    pub not_bundles: Vec<NotABundle>,
    /// Bundles taken from `--resume` files instead of analyzed again.
    pub resumed: u64,
    /// Findings below `--min-severity`, in all bundles, not listed (absent when none).
    #[serde(skip_serializing_if = "is_zero")]
    pub hidden: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
}

impl Summary {
    fn add(&mut self, line: &BundleLine) {
        self.bundles += 1;
        self.hidden += line.hidden;
        for f in &line.findings {
            *self.by_signature.entry(f.signature.clone()).or_insert(0) += 1;
        }
        match line.status {
            Status::Analyzed => {
                self.analyzed += 1;
                if line.findings.is_empty() {
                    self.no_finding += 1;
                }
                if line.worst() >= Some(Severity::Warning) {
                    self.with_warning_or_above += 1;
                }
            }
            status => self.failed.push(Failure {
                bundle: line.bundle.clone(),
                status,
                reason: line.reason.clone().unwrap_or_default(),
            }),
        }
    }
}

/// `--shard I/N`: the bundles whose name hashes to `I` (1-based) of `N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("{s:?}: expected I/N with 1 <= I <= N, e.g. 1/4");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u64 = i.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// The shard (1-based) a bundle name belongs to: FNV-1a 64 of its UTF-8 bytes, modulo N.
    /// Stable across machines, runs and listing order, so N machines split one archive exactly.
    pub fn of(name: &str, count: u64) -> u64 {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for b in name.as_bytes() {
            hash ^= u64::from(*b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        hash % count.max(1) + 1
    }

    pub fn contains(&self, name: &str) -> bool {
        Shard::of(name, self.count) == self.index
    }
}

/// Kinds a plain file may have to count as a bundle of one: logs, not configuration or registry
/// exports (which are never a ticket on their own).
pub fn is_log_kind(kind: FileKind) -> bool {
    matches!(
        kind,
        FileKind::WsusSoftwaredistributionLog
            | FileKind::WsusChangeLog
            | FileKind::WsusSetupLog
            | FileKind::MsiLog
            | FileKind::WindowsupdateLog
            | FileKind::ReportingEventsLog
            | FileKind::IisW3cLog
            | FileKind::IisHttperrLog
            | FileKind::Evtx
            | FileKind::EventTextExport
            | FileKind::CmtraceLog
    )
}

fn named_like_archive(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".zip") || lower.ends_with(".cab")
}

/// The entries directly under `dir`, sorted by name: the bundles, and what is not one.
pub fn list_entries(dir: &Path, engine: &Engine) -> std::io::Result<(Vec<Entry>, Vec<NotABundle>)> {
    let mut bundles = Vec::new();
    let mut others = Vec::new();
    for item in std::fs::read_dir(dir)? {
        let item = item?;
        let name = item.file_name().to_string_lossy().into_owned();
        let path = item.path();
        let mut not = |reason: &str| {
            others.push(NotABundle {
                entry: name.clone(),
                reason: reason.to_string(),
            })
        };
        if name.starts_with('.') {
            not("hidden entry");
            continue;
        }
        let file_type = match item.file_type() {
            Ok(t) => t,
            Err(e) => {
                not(&format!("cannot read: {e}"));
                continue;
            }
        };
        if file_type.is_symlink() {
            not("symbolic link: not followed");
        } else if file_type.is_dir() {
            bundles.push(Entry {
                name,
                path,
                archive_expected: false,
            });
        } else if !file_type.is_file() {
            not("not a regular file");
        } else {
            match head_of(&path) {
                Err(e) => {
                    // Listed as a bundle so the failure shows with the bundles, not silently.
                    let archive_expected = named_like_archive(&name);
                    if archive_expected {
                        bundles.push(Entry {
                            name,
                            path,
                            archive_expected,
                        });
                    } else {
                        not(&format!("cannot read: {e}"));
                    }
                }
                Ok(head) if ArchiveFormat::sniff(&head).is_some() || named_like_archive(&name) => bundles.push(Entry {
                    name,
                    path,
                    archive_expected: true,
                }),
                Ok(head) => {
                    let class = classify::classify(&engine.formats, &name, &head);
                    if is_log_kind(class.kind) {
                        bundles.push(Entry {
                            name,
                            path,
                            archive_expected: false,
                        });
                    } else if class.kind == FileKind::Unknown {
                        not("not a folder, an archive or a recognized log");
                    } else {
                        not(&format!(
                            "a lone {} is not a bundle (only logs count as bundles of one)",
                            class.kind
                        ));
                    }
                }
            }
        }
    }
    bundles.sort_by(|a, b| a.name.cmp(&b.name));
    others.sort_by(|a, b| a.entry.cmp(&b.entry));
    Ok((bundles, others))
}

fn head_of(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::new();
    std::fs::File::open(path)?
        .take(classify::CLASSIFY_BYTES)
        .read_to_end(&mut head)?;
    Ok(head)
}

/// Bundle lines of earlier runs (`--resume`): every complete line that parses; the summary line
/// and a line cut by an interruption are ignored. A bundle in several files keeps its last line.
pub fn read_resume(text: &str, into: &mut HashMap<String, BundleLine>) {
    for line in text.lines() {
        if let Ok(parsed) = serde_json::from_str::<BundleLine>(line) {
            into.insert(parsed.bundle.clone(), parsed);
        }
    }
}

/// The work of a run, in output order: each bundle either to analyze or already done.
pub enum Planned {
    Analyze(Entry),
    Resumed(BundleLine),
}

/// Keeps the shard's bundles and sets aside those already done.
pub fn select(entries: Vec<Entry>, shard: Option<Shard>, mut resumed: HashMap<String, BundleLine>) -> Vec<Planned> {
    entries
        .into_iter()
        .filter(|e| shard.is_none_or(|s| s.contains(&e.name)))
        .map(|e| match resumed.remove(&e.name) {
            Some(line) => Planned::Resumed(line),
            None => Planned::Analyze(e),
        })
        .collect()
}

/// What a triage run asks besides the pipeline options.
#[derive(Debug, Clone)]
pub struct TriageOptions {
    /// Limits, parse options; `diagnose` is forced on.
    pub pipeline: Options,
    /// Findings below this are dropped from the lines (and the exit status).
    pub min_severity: Severity,
    pub bundle_timeout: Option<Duration>,
    /// Bundles in flight at once (each holds its archive listing and nested archives in memory).
    pub jobs: usize,
}

/// Receives the results: `finished` in completion order (progress), `line` in output order.
pub trait Observer {
    fn finished(&mut self, _line: &BundleLine) {}
    fn line(&mut self, line: &BundleLine);
}

struct Job {
    index: usize,
    entry: Entry,
    cancel: Arc<AtomicBool>,
}

enum Message {
    Started(usize),
    Done(usize, BundleLine),
}

/// Runs the plan; lines reach `observer` in plan order. Returns the summary.
pub fn run(
    engine: Arc<Engine>,
    pool: Arc<rayon::ThreadPool>,
    plan: Vec<Planned>,
    options: &TriageOptions,
    observer: &mut dyn Observer,
) -> Summary {
    let mut summary = Summary::default();
    let total = plan.len();
    let (job_tx, job_rx) = mpsc::channel::<Job>();
    let job_rx = Arc::new(Mutex::new(job_rx));
    let (msg_tx, msg_rx) = mpsc::channel::<Message>();
    let options = Arc::new(options.clone());
    let spawn_worker = || {
        let (engine, pool, options) = (engine.clone(), pool.clone(), options.clone());
        let (job_rx, msg_tx) = (job_rx.clone(), msg_tx.clone());
        // Not scoped: an abandoned worker stuck in a file must not hold up the end of the run.
        std::thread::spawn(move || worker(&engine, &pool, &options, &job_rx, &msg_tx));
    };
    let jobs = options.jobs.max(1);
    for _ in 0..jobs {
        spawn_worker();
    }
    let mut plan = plan.into_iter().enumerate().peekable();
    let mut done: BTreeMap<usize, BundleLine> = BTreeMap::new();
    let mut running: HashMap<usize, (Instant, Arc<AtomicBool>, String)> = HashMap::new();
    let mut dispatched = 0usize; // jobs sent and not yet answered
    let mut written = 0usize;
    while written < total {
        // Hand out work while a worker is free and the window allows.
        while let Some((index, _)) = plan.peek() {
            if *index >= written + REORDER_WINDOW {
                break;
            }
            if matches!(plan.peek(), Some((_, Planned::Analyze(_)))) && dispatched >= jobs {
                break;
            }
            let Some((index, item)) = plan.next() else { break };
            match item {
                Planned::Resumed(line) => {
                    summary.resumed += 1;
                    done.insert(index, line);
                }
                Planned::Analyze(entry) => {
                    let cancel = Arc::new(AtomicBool::new(false));
                    running.insert(index, (Instant::now(), cancel.clone(), entry.name.clone()));
                    if job_tx.send(Job { index, entry, cancel }).is_ok() {
                        dispatched += 1;
                    }
                }
            }
        }
        while let Some(line) = done.remove(&written) {
            summary.add(&line);
            observer.line(&line);
            written += 1;
        }
        if written >= total {
            break;
        }
        let wait = options
            .bundle_timeout
            .and_then(|t| {
                running
                    .values()
                    .map(|(s, _, _)| (*s + t).saturating_duration_since(Instant::now()))
                    .min()
            })
            .unwrap_or(Duration::from_secs(1))
            .max(Duration::from_millis(5));
        match msg_rx.recv_timeout(wait) {
            Ok(Message::Started(index)) => {
                if let Some(r) = running.get_mut(&index) {
                    r.0 = Instant::now();
                }
            }
            Ok(Message::Done(index, line)) => {
                // A late answer of an abandoned bundle finds it no longer running: dropped. One
                // that arrives past the limit before the check below saw it is past it all the
                // same: the verdict depends on the time taken, not on when this loop woke up.
                if let Some((start, _, name)) = running.remove(&index) {
                    dispatched = dispatched.saturating_sub(1);
                    let line = match options.bundle_timeout {
                        Some(limit) if start.elapsed() >= limit => timed_out(&name, limit, start),
                        _ => line,
                    };
                    observer.finished(&line);
                    done.insert(index, line);
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if let Some(limit) = options.bundle_timeout {
            let expired: Vec<usize> = running
                .iter()
                .filter(|(_, (start, _, _))| start.elapsed() >= limit)
                .map(|(i, _)| *i)
                .collect();
            for index in expired {
                let Some((start, cancel, name)) = running.remove(&index) else {
                    continue;
                };
                cancel.store(true, Ordering::Relaxed);
                let line = timed_out(&name, limit, start);
                observer.finished(&line);
                done.insert(index, line);
                dispatched = dispatched.saturating_sub(1);
                // The abandoned worker leaves when it returns; this one takes its place now.
                spawn_worker();
            }
        }
    }
    drop(job_tx);
    summary
}

/// The line of a bundle past `--bundle-timeout`.
fn timed_out(name: &str, limit: Duration, start: Instant) -> BundleLine {
    BundleLine::failed(
        name,
        Status::TimedOut,
        format!(
            "still running after {} s (--bundle-timeout): abandoned",
            limit.as_secs_f64()
        ),
        start,
    )
}

fn worker(
    engine: &Engine,
    pool: &rayon::ThreadPool,
    options: &TriageOptions,
    jobs: &Mutex<mpsc::Receiver<Job>>,
    messages: &mpsc::Sender<Message>,
) {
    loop {
        let job = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        let _ = messages.send(Message::Started(job.index));
        let started = Instant::now();
        // A bug outside the parsers (which catch their own) must not leave the bundle unanswered.
        let line = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            triage_bundle(engine, pool, &job.entry, options, &job.cancel)
        }))
        .unwrap_or_else(|_| {
            BundleLine::failed(
                &job.entry.name,
                Status::Unreadable,
                "internal error while analyzing this bundle (a bug: please report it with the bundle)".into(),
                started,
            )
        });
        let _ = messages.send(Message::Done(job.index, line));
        if job.cancel.load(Ordering::Relaxed) {
            return; // replaced when it was abandoned
        }
    }
}

fn seconds_since(start: Instant) -> f64 {
    (start.elapsed().as_secs_f64() * 1000.0).round() / 1000.0
}

/// Opens and analyzes one bundle.
pub fn triage_bundle(
    engine: &Engine,
    pool: &rayon::ThreadPool,
    entry: &Entry,
    options: &TriageOptions,
    cancel: &Arc<AtomicBool>,
) -> BundleLine {
    let start = Instant::now();
    let limits: &Limits = &options.pipeline.limits;
    if entry.archive_expected {
        match head_of(&entry.path) {
            Err(e) => return BundleLine::failed(&entry.name, Status::Unreadable, format!("cannot read: {e}"), start),
            Ok(head) if ArchiveFormat::sniff(&head).is_none() => {
                let what = if head.is_empty() {
                    "empty file"
                } else {
                    "no zip or cab signature"
                };
                return BundleLine::failed(
                    &entry.name,
                    Status::Unreadable,
                    format!("named like an archive but is not one ({what})"),
                    start,
                );
            }
            Ok(_) => {}
        }
    }
    let bundle = match intake::open_bundle(&entry.path, limits) {
        Ok(b) => b,
        Err(e) => return BundleLine::failed(&entry.name, Status::Unreadable, e.to_string(), start),
    };
    let uncompressed: u64 = bundle.files.iter().filter(|f| !f.is_archive).map(|f| f.size).sum();
    if uncompressed > limits.max_total_bytes {
        return BundleLine::failed(
            &entry.name,
            Status::TooLarge,
            format!(
                "{uncompressed} bytes uncompressed, over the limit of {} (raise --max-total-bytes)",
                limits.max_total_bytes
            ),
            start,
        );
    }
    let mut pipeline = options.pipeline.clone();
    pipeline.diagnose = true;
    pipeline.cancel = Some(cancel.clone());
    let mut report = pool.install(|| crate::pipeline::run_opened(engine, bundle, &pipeline));
    if report.nothing_readable() {
        let why = report
            .problems
            .iter()
            .chain(report.files.iter().flat_map(|f| &f.problems))
            .next()
            .map(|p| p.to_string())
            .unwrap_or_else(|| "no file in the bundle".to_string());
        return BundleLine::failed(&entry.name, Status::Unreadable, why, start);
    }
    let listed_from = report.findings.len();
    report.findings.retain(|f| f.severity >= options.min_severity);
    let hidden = (listed_from - report.findings.len()) as u64;
    BundleLine {
        bundle: entry.name.clone(),
        findings: report
            .findings
            .iter()
            .map(|f| FindingBrief {
                signature: f.signature.clone(),
                severity: f.severity,
                confidence: f.confidence,
            })
            .collect(),
        files: report.files.len() as u64,
        problems: (report.problems.len() + report.files.iter().map(|f| f.problems.len()).sum::<usize>()) as u64,
        seconds: seconds_since(start),
        status: Status::Analyzed,
        reason: None,
        hidden,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_names_and_do_not_depend_on_order() {
        let names: Vec<String> = (0..1000).map(|i| format!("ticket-{i:05}.zip")).collect();
        let mut seen = vec![0u32; names.len()];
        for i in 1..=3 {
            let shard = Shard { index: i, count: 3 };
            for (n, name) in names.iter().enumerate() {
                if shard.contains(name) {
                    seen[n] += 1;
                }
            }
        }
        assert!(seen.iter().all(|&c| c == 1), "every name in exactly one shard");
        let first = names.iter().filter(|n| Shard::of(n, 3) == 1).count();
        assert!((250..420).contains(&first), "roughly a third: {first}");
        // Pinned: the hash is part of the contract between machines.
        assert_eq!(Shard::of("ticket-00001.zip", 1000), Shard::of("ticket-00001.zip", 1000));
        assert_eq!(Shard::of("", 7), 0xcbf2_9ce4_8422_2325u64 % 7 + 1);
    }

    #[test]
    fn shard_syntax() {
        assert_eq!("2/5".parse::<Shard>(), Ok(Shard { index: 2, count: 5 }));
        for bad in ["0/3", "4/3", "1/0", "x/2", "3"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn resume_reads_bundle_lines_and_ignores_the_summary_and_a_cut_line() {
        let text = concat!(
            r#"{"bundle":"a.zip","findings":[{"signature":"X","severity":"error","confidence":"high"}],"files":3,"problems":0,"seconds":0.5,"status":"analyzed"}"#,
            "\n",
            r#"{"summary":{"bundles":1,"by_signature":{"X":1}}}"#,
            "\n",
            r#"{"bundle":"b.zip","findings":[],"files":"#,
        );
        let mut got = HashMap::new();
        read_resume(text, &mut got);
        assert_eq!(got.len(), 1);
        assert_eq!(got["a.zip"].findings[0].severity, Severity::Error);
    }
}
