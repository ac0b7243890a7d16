//! `wsus-triage timeline BUNDLE`: the bundle's timestamped records merged in time order (see
//! `wsus_triage::timeline`), as aligned lines colored by source, or as JSONL: a header line
//! `{"timeline": {...}}` naming the files and their time zones, then one line per record.

use super::args::{OutputFormat, TimelineArgs};
use super::{EXIT_CLEAN, EXIT_USAGE};
use miette::{IntoDiagnostic, Report, miette};
use serde::Serialize;
use std::collections::HashSet;
use std::io::{BufWriter, IsTerminal, Write};
use wsus_triage::kind::FileKind;
use wsus_triage::pipeline::Options;
use wsus_triage::records::{Position, TimeBasis};
use wsus_triage::timeline::{self, Collect, Timeline, TimelineFile, TimelineRecord, Window};

/// Minutes on each side of the evidence when `--around` names no N.
const DEFAULT_AROUND_MINUTES: i64 = 10;

pub fn run(a: TimelineArgs) -> miette::Result<u8> {
    let human = match a.common.format {
        None => a.common.output.is_none() && std::io::stdout().is_terminal(),
        Some(OutputFormat::Human) => true,
        Some(OutputFormat::Jsonl) => false,
        Some(other) => {
            return Err(miette!(
                "--format {other:?} is not available for timeline (use human or jsonl)"
            ));
        }
    };
    let mut kinds = Vec::new();
    for name in a.kinds.iter().map(|k| k.trim()).filter(|k| !k.is_empty()) {
        kinds.push(FileKind::from_name(name).ok_or_else(|| {
            let all: Vec<&str> = FileKind::ALL.iter().map(|k| k.name()).collect();
            miette!(
                help = format!("kinds: {}", all.join(", ")),
                "--kinds: unknown kind {name:?}"
            )
        })?);
    }
    let grep = match &a.grep {
        Some(g) => Some(regex::Regex::new(g).map_err(|e| miette!("--grep: {e}"))?),
        None => None,
    };
    let time_arg = |flag: &str, v: &Option<String>| match v {
        None => Ok(None),
        Some(text) => timeline::parse_time(text).map(Some).ok_or_else(|| {
            miette!(
                help = "e.g. 2024-11-20T09:12:00Z, 2024-11-20T10:12:00+01:00 or \"2024-11-20 09:12\" (UTC)",
                "{flag}: cannot read {text:?} as a time"
            )
        }),
    };
    let range = Window {
        from: time_arg("--from", &a.from)?,
        to: time_arg("--to", &a.to)?,
    };
    let around = match &a.around {
        None => None,
        Some(spec) => Some(match spec.rsplit_once(':') {
            Some((id, n)) => {
                let minutes: i64 = n
                    .parse()
                    .ok()
                    .filter(|m| *m >= 0)
                    .ok_or_else(|| miette!("--around {spec}: {n:?} is not a number of minutes"))?;
                (id.to_string(), minutes)
            }
            None => (spec.clone(), DEFAULT_AROUND_MINUTES),
        }),
    };
    let engine = super::engine(&a.common)?;
    let pool = super::thread_pool(&a.common)?;
    let options = Options {
        limits: super::limits(&a.limits),
        parse: super::parse_options(&a.common)?,
        ..Options::default()
    };
    let collect = Collect { kinds, grep };
    let timeline = pool
        .install(|| Timeline::build(&engine, &a.bundle, &options, &collect))
        .map_err(Report::new)?;
    if timeline.report.nothing_readable() {
        eprintln!("nothing could be read from {}", a.bundle.display());
        return Ok(EXIT_USAGE);
    }
    let (windows, evidence) = match &around {
        None => (
            if range.from.is_some() || range.to.is_some() {
                vec![range]
            } else {
                Vec::new()
            },
            HashSet::new(),
        ),
        Some((id, minutes)) => {
            let Some(finding) = timeline
                .report
                .findings
                .iter()
                .find(|f| f.signature.eq_ignore_ascii_case(id))
            else {
                let found: Vec<&str> = timeline.report.findings.iter().map(|f| f.signature.as_str()).collect();
                return Err(miette!(
                    help = if found.is_empty() {
                        "this bundle has no finding".to_string()
                    } else {
                        format!("findings of this bundle: {}", found.join(", "))
                    },
                    "--around: no finding {id} in {}",
                    a.bundle.display()
                ));
            };
            let windows: Vec<Window> = Timeline::windows_around(finding, *minutes)
                .into_iter()
                .filter_map(|w| clip(w, range))
                .collect();
            if windows.is_empty() {
                return Err(miette!(
                    "--around {id}: its evidence has no timestamp within --from/--to"
                ));
            }
            (windows, timeline.evidence_positions(finding))
        }
    };
    let writer: Box<dyn Write> = match &a.common.output {
        Some(path) => Box::new(
            std::fs::File::create(path)
                .into_diagnostic()
                .map_err(|e| e.wrap_err(format!("cannot write {}", path.display())))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = BufWriter::new(writer);
    let color = super::color(&a.common);
    let result = write_timeline(
        &mut out,
        &timeline,
        &a,
        &windows,
        around.as_ref(),
        &evidence,
        human,
        color,
    );
    match result.and_then(|()| out.flush()) {
        Ok(()) => Ok(EXIT_CLEAN),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(EXIT_CLEAN),
        Err(e) => Err(miette!("cannot write the timeline: {e}")),
    }
}

/// The part of `w` inside `range`, if any.
fn clip(w: Window, range: Window) -> Option<Window> {
    let from = w.from.max(range.from);
    let to = match (w.to, range.to) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    match (from, to) {
        (Some(f), Some(t)) if f > t => None,
        _ => Some(Window { from, to }),
    }
}

#[derive(Serialize)]
struct Header<'a> {
    bundle: String,
    files: Vec<&'a TimelineFile>,
    windows: Vec<WindowJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    around: Option<&'a str>,
}

#[derive(Serialize)]
struct WindowJson {
    from: Option<String>,
    to: Option<String>,
}

#[derive(Serialize)]
struct RecordJson<'a> {
    time: String,
    basis: &'static str,
    file: &'a str,
    kind: FileKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    record: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<&'a str>,
    text: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    continuation: &'a [String],
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    evidence: bool,
}

fn utc_text(t: Option<chrono::NaiveDateTime>) -> Option<String> {
    t.map(|t| t.and_utc().to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
}

#[allow(clippy::too_many_arguments)]
fn write_timeline(
    out: &mut dyn Write,
    timeline: &Timeline,
    a: &TimelineArgs,
    windows: &[Window],
    around: Option<&(String, i64)>,
    evidence: &HashSet<(usize, Position)>,
    human: bool,
    color: bool,
) -> std::io::Result<()> {
    let sources: Vec<&TimelineFile> = timeline.sources().collect();
    if human {
        write_human_header(out, timeline, a, &sources, windows, around)?;
    } else {
        let header = Header {
            bundle: a.bundle.display().to_string(),
            files: sources.clone(),
            windows: windows
                .iter()
                .map(|w| WindowJson {
                    from: utc_text(w.from),
                    to: utc_text(w.to),
                })
                .collect(),
            around: around.map(|(id, _)| id.as_str()),
        };
        writeln!(
            out,
            "{{\"timeline\":{}}}",
            serde_json::to_string(&header).unwrap_or_default()
        )?;
    }
    let width = sources
        .iter()
        .map(|f| f.tag.chars().count() + 8)
        .max()
        .unwrap_or(20)
        .min(48);
    for record in timeline.records(windows)? {
        let record = record?;
        let Some(file) = timeline.files.get(record.file) else {
            continue;
        };
        let cited = evidence.contains(&(record.file, record.position.clone()));
        if human {
            write_human_line(out, &record, file, cited, width, color)?;
        } else {
            let (line, rec, key) = match &record.position {
                Position::Line(n) => (Some(*n), None, None),
                Position::Record(n) => (None, Some(*n), None),
                Position::Key(k) => (None, None, Some(k.as_str())),
            };
            let json = RecordJson {
                time: record.time.to_rfc3339(),
                basis: record.time.basis.name(),
                file: &file.path,
                kind: file.kind,
                line,
                record: rec,
                key,
                text: &record.text,
                continuation: &record.continuation,
                evidence: cited,
            };
            writeln!(out, "{}", serde_json::to_string(&json).unwrap_or_default())?;
        }
    }
    Ok(())
}

fn write_human_header(
    out: &mut dyn Write,
    timeline: &Timeline,
    a: &TimelineArgs,
    sources: &[&TimelineFile],
    windows: &[Window],
    around: Option<&(String, i64)>,
) -> std::io::Result<()> {
    let records: u64 = sources.iter().map(|f| f.records).sum();
    let untimed: u64 = timeline.files.iter().map(|f| f.untimed).sum();
    writeln!(
        out,
        "Timeline of {}: {records} timestamped records in {} files ({untimed} records without a time left out)",
        a.bundle.display(),
        sources.len()
    )?;
    // The full path here; the lines use the short tag, the end of the path.
    let tag_width = sources.iter().map(|f| f.path.chars().count()).max().unwrap_or(4).max(4);
    writeln!(
        out,
        "  {:<tag_width$}  {:<29}  {:>8}  TIME ZONE",
        "FILE", "KIND", "RECORDS"
    )?;
    for f in sources {
        let zone = f.time_zone.as_deref().unwrap_or("-");
        let unknown = if f.local_unknown > 0 {
            format!(" ({} local times of unknown zone, marked ~)", f.local_unknown)
        } else {
            String::new()
        };
        writeln!(
            out,
            "  {:<tag_width$}  {:<29}  {:>8}  {zone}{unknown}",
            f.path,
            f.kind.name(),
            f.records
        )?;
        for e in &f.errors {
            writeln!(out, "    problem: {e}")?;
        }
    }
    let spans: Vec<String> = windows
        .iter()
        .map(|w| {
            let t = |x: Option<chrono::NaiveDateTime>| {
                x.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                    .unwrap_or_else(|| "…".to_string())
            };
            format!("{} → {}", t(w.from), t(w.to))
        })
        .collect();
    match around {
        Some((id, minutes)) => writeln!(
            out,
            "Around {id} (±{minutes} min of its evidence, ▶ marks it): {} UTC",
            spans.join("; ")
        )?,
        None if !spans.is_empty() => writeln!(out, "Between {} UTC", spans.join("; "))?,
        None => {}
    }
    writeln!(
        out,
        "Times are UTC; ~ marks a local time of unknown zone, merged as written."
    )?;
    writeln!(out)
}

/// ANSI color of a source, by kind family.
fn kind_color(kind: FileKind) -> &'static str {
    match kind {
        FileKind::IisW3cLog | FileKind::IisHttperrLog => "36", // cyan
        FileKind::Evtx | FileKind::EventTextExport => "35",    // magenta
        FileKind::WsusSoftwaredistributionLog | FileKind::WsusChangeLog | FileKind::WsusSetupLog => "32", // green
        FileKind::WindowsupdateLog | FileKind::ReportingEventsLog => "33", // yellow
        FileKind::RegistryHive | FileKind::RegExport | FileKind::RegQueryText => "34", // blue
        _ => "37",
    }
}

fn write_human_line(
    out: &mut dyn Write,
    record: &TimelineRecord,
    file: &TimelineFile,
    cited: bool,
    width: usize,
    color: bool,
) -> std::io::Result<()> {
    let time = record.time.utc.format("%Y-%m-%d %H:%M:%S%.3f");
    let zone = if record.time.basis == TimeBasis::LocalUnknown {
        '~'
    } else {
        ' '
    };
    let place = match &record.position {
        Position::Line(n) => format!("{}:{n}", file.tag),
        Position::Record(n) => format!("{}#{n}", file.tag),
        Position::Key(k) => format!("{}[{k}]", file.tag),
    };
    let mark = if cited { '▶' } else { ' ' };
    let pad = width.saturating_sub(place.chars().count());
    if color {
        let c = kind_color(file.kind);
        writeln!(
            out,
            "{time}{zone} {mark} \x1b[{c}m{place}\x1b[0m{:pad$}  {}",
            "", record.text
        )?;
    } else {
        writeln!(out, "{time}{zone} {mark} {place}{:pad$}  {}", "", record.text)?;
    }
    for c in &record.continuation {
        writeln!(out, "{:w$}{c}", "", w = 28 + width)?;
    }
    Ok(())
}
