//! `wsus-triage triage DIR`: the bulk run over a ticket archive (see `wsus_triage::triage`).
//!
//! Lines are written as they come out of the library, in bundle-name order, and flushed one by
//! one, so an interrupted run leaves complete lines that `--resume` picks up. Shapes: `jsonl`
//! (the default off a terminal; CONTRACT.md), `json` (the same lines as one document), `csv` (one
//! row per bundle), `human` (the summary as a table, with a progress bar on the terminal).

use super::args::{OutputFormat, TriageArgs};
use super::{EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use miette::{IntoDiagnostic, miette};
use std::collections::HashMap;
use std::io::{BufWriter, IsTerminal, Write};
use std::sync::Arc;
use std::time::Duration;
use wsus_triage::pipeline::{Engine, Options};
use wsus_triage::triage::{self, BundleLine, Observer, Shard, Summary, TriageOptions};

pub fn run(a: TriageArgs) -> miette::Result<u8> {
    let format = a
        .common
        .format
        .unwrap_or(if a.common.output.is_none() && std::io::stdout().is_terminal() {
            OutputFormat::Human
        } else {
            OutputFormat::Jsonl
        });
    if matches!(
        format,
        OutputFormat::Markdown | OutputFormat::Sarif | OutputFormat::Html
    ) {
        return Err(miette!(
            "--format {format:?} is not available for triage (use jsonl, json, csv or human)"
        ));
    }
    let shard = match &a.shard {
        Some(s) => Some(s.parse::<Shard>().map_err(|e| miette!("--shard {e}"))?),
        None => None,
    };
    let bundle_timeout = match a.bundle_timeout {
        Some(s) if !(s > 0.0 && s.is_finite()) => {
            return Err(miette!("--bundle-timeout must be a positive number of seconds"));
        }
        Some(s) => Some(Duration::from_secs_f64(s)),
        None => None,
    };
    let mut resumed = HashMap::new();
    for path in &a.resume {
        if let Some(out) = &a.common.output
            && same_file(out, path)
        {
            return Err(miette!(
                help = "write to a new file: the earlier lines are copied into it, so it is complete",
                "--output {} is also a --resume file",
                out.display()
            ));
        }
        let text = std::fs::read(path)
            .into_diagnostic()
            .map_err(|e| e.wrap_err(format!("cannot read --resume {}", path.display())))?;
        triage::read_resume(&String::from_utf8_lossy(&text), &mut resumed);
    }
    let engine = Arc::new(super::engine(&a.common)?);
    let pool = Arc::new(super::thread_pool(&a.common)?);
    let (entries, not_bundles) = triage::list_entries(&a.dir, &engine)
        .into_diagnostic()
        .map_err(|e| e.wrap_err(format!("cannot list {}", a.dir.display())))?;
    let plan = triage::select(entries, shard, resumed);
    let options = TriageOptions {
        pipeline: Options {
            limits: super::limits(&a.limits),
            parse: super::parse_options(&a.common)?,
            diagnose: true,
            ..Options::default()
        },
        min_severity: super::min_severity(a.common.min_severity),
        bundle_timeout,
        jobs: a.jobs.unwrap_or(pool.current_num_threads().max(2)),
    };
    if a.jobs == Some(0) {
        return Err(miette!("--jobs must be at least 1"));
    }
    let writer: Box<dyn Write> = match &a.common.output {
        Some(path) => Box::new(
            std::fs::File::create(path)
                .into_diagnostic()
                .map_err(|e| e.wrap_err(format!("cannot write {}", path.display())))?,
        ),
        None => Box::new(std::io::stdout()),
    };
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::with_draw_target(Some(plan.len() as u64), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} bundles, eta {eta} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    } else {
        ProgressBar::hidden()
    };
    let mut out = Output {
        writer: BufWriter::new(writer),
        format,
        bar: bar.clone(),
        lines: 0,
        error: None,
        closed: false,
    };
    out.start();
    let mut summary = triage::run(engine.clone(), pool, plan, &options, &mut out);
    bar.finish_and_clear();
    summary.not_bundles = not_bundles;
    summary.shard = shard.map(|s| s.to_string());
    out.finish(&summary, &engine, &a.dir.display().to_string());
    if let Some(e) = out.error {
        return Err(miette!("cannot write the output: {e}"));
    }
    if summary.analyzed == 0 {
        eprintln!(
            "no bundle could be analyzed under {} ({} bundle(s), {} other entr(ies))",
            a.dir.display(),
            summary.bundles,
            summary.not_bundles.len()
        );
        return Ok(EXIT_USAGE);
    }
    Ok(if summary.with_warning_or_above > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    })
}

fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

struct Output {
    writer: BufWriter<Box<dyn Write>>,
    format: OutputFormat,
    bar: ProgressBar,
    lines: u64,
    error: Option<std::io::Error>,
    closed: bool,
}

impl Output {
    fn write(&mut self, text: &str) {
        if self.error.is_some() || self.closed {
            return;
        }
        let bar = self.bar.clone();
        let result = bar.suspend(|| {
            self.writer.write_all(text.as_bytes())?;
            // One line at a time reaches the disk: an interrupted run leaves whole lines to resume.
            self.writer.flush()
        });
        if let Err(e) = result {
            // A closed pipe (`| head`) ends the output quietly, like the other commands.
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                self.closed = true;
            } else {
                self.error = Some(e);
            }
        }
    }

    fn start(&mut self) {
        match self.format {
            OutputFormat::Json => self.write(&format!(
                "{{\"schema\": \"{}\", \"tool\": {{\"name\": \"wsus-triage\", \"version\": \"{}\"}},\n\"bundles\": [",
                wsus_triage::report::json::SCHEMA,
                wsus_triage::VERSION
            )),
            OutputFormat::Csv => self.write("bundle,status,worst_severity,findings,files,problems,seconds,reason\n"),
            _ => {}
        }
    }

    fn finish(&mut self, summary: &Summary, engine: &Engine, dir: &str) {
        // invariant: the summary serializes infallibly (string keys, finite numbers).
        let summary_json = serde_json::to_string(summary).unwrap_or_default();
        match self.format {
            OutputFormat::Jsonl => self.write(&format!("{{\"summary\":{summary_json}}}\n")),
            OutputFormat::Json => {
                let close = if self.lines == 0 { "" } else { "\n" };
                self.write(&format!("{close}],\n\"summary\": {summary_json}}}\n"))
            }
            OutputFormat::Csv => {}
            _ => self.write(&human_summary(summary, engine, dir)),
        }
    }
}

impl Observer for Output {
    fn finished(&mut self, line: &BundleLine) {
        self.bar.inc(1);
        self.bar.set_message(line.bundle.clone());
    }

    fn line(&mut self, line: &BundleLine) {
        match self.format {
            OutputFormat::Jsonl => {
                let mut text = serde_json::to_string(line).unwrap_or_default();
                text.push('\n');
                self.write(&text);
            }
            OutputFormat::Json => {
                let sep = if self.lines == 0 { "\n" } else { ",\n" };
                let text = serde_json::to_string(line).unwrap_or_default();
                self.write(&format!("{sep}{text}"));
            }
            OutputFormat::Csv => self.write(&csv_row(line)),
            _ => {}
        }
        self.lines += 1;
    }
}

/// One CSV row (RFC 4180 quoting); `findings` is `SIGNATURE (severity/confidence)` joined by `; `.
fn csv_row(line: &BundleLine) -> String {
    let findings: Vec<String> = line
        .findings
        .iter()
        .map(|f| format!("{} ({}/{})", f.signature, f.severity.name(), f.confidence.name()))
        .collect();
    let fields = [
        line.bundle.clone(),
        line.status.name().to_string(),
        line.worst().map(|s| s.name().to_string()).unwrap_or_default(),
        findings.join("; "),
        line.files.to_string(),
        line.problems.to_string(),
        format!("{:.3}", line.seconds),
        line.reason.clone().unwrap_or_default(),
    ];
    let mut row = fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(",");
    row.push('\n');
    row
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The summary as tables: bundles per signature, then what could not be read, then what is not a bundle.
fn human_summary(summary: &Summary, engine: &Engine, dir: &str) -> String {
    let mut out = format!("Triage of {dir}: {} bundle(s)", summary.bundles);
    if let Some(shard) = &summary.shard {
        out.push_str(&format!(" in shard {shard}"));
    }
    if summary.resumed > 0 {
        out.push_str(&format!(", {} taken from --resume", summary.resumed));
    }
    out.push_str(&format!(
        "; {} analyzed, {} with a finding at warning or above, {} with no finding, {} could not be read.\n",
        summary.analyzed,
        summary.with_warning_or_above,
        summary.no_finding,
        summary.failed.len()
    ));
    if summary.hidden > 0 {
        out.push_str(&format!(
            "{} finding(s) below --min-severity are not listed.\n",
            summary.hidden
        ));
    }
    if !summary.by_signature.is_empty() {
        let mut rows: Vec<(&String, &u64)> = summary.by_signature.iter().collect();
        rows.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let width = rows.iter().map(|(id, _)| id.len()).max().unwrap_or(9).max(9);
        out.push_str(&format!(
            "\n{:<width$}  {:>7}  {:<8}  TITLE\n",
            "SIGNATURE", "BUNDLES", "SEVERITY"
        ));
        for (id, n) in rows {
            let (severity, title) = engine
                .catalog
                .get(id)
                .map(|s| (s.severity.name(), s.title.as_str()))
                .unwrap_or(("?", ""));
            out.push_str(&format!("{id:<width$}  {n:>7}  {severity:<8}  {title}\n"));
        }
    }
    if !summary.failed.is_empty() {
        let width = summary.failed.iter().map(|f| f.bundle.len()).max().unwrap_or(6).max(6);
        out.push_str(&format!(
            "\nCould not be read:\n{:<width$}  {:<10}  REASON\n",
            "BUNDLE", "STATUS"
        ));
        for f in &summary.failed {
            out.push_str(&format!(
                "{:<width$}  {:<10}  {}\n",
                f.bundle,
                f.status.name(),
                f.reason
            ));
        }
    }
    if !summary.not_bundles.is_empty() {
        let width = summary
            .not_bundles
            .iter()
            .map(|f| f.entry.len())
            .max()
            .unwrap_or(5)
            .max(5);
        out.push_str(&format!("\nNot bundles (skipped):\n{:<width$}  REASON\n", "ENTRY"));
        for n in &summary.not_bundles {
            out.push_str(&format!("{:<width$}  {}\n", n.entry, n.reason));
        }
    }
    out
}
