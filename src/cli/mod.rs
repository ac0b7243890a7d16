//! The `wsus-triage` command line: parses arguments, sets up threads and grammars, calls the
//! library, writes the chosen output shape and returns the exit status of CONTRACT.md
//! (0 analyzed and nothing at warning or above, 1 something at warning or above, 2 usage error or
//! nothing readable).

pub mod args;
mod signatures_cmd;
mod timeline_cmd;
mod triage_cmd;

use args::{AnalyzeArgs, ColorChoice, Command, CommonArgs, MinSeverity, OutputFormat};
use miette::{IntoDiagnostic, Report, miette};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use wsus_triage::formats::ParseOptions;
use wsus_triage::intake::Limits;
use wsus_triage::pipeline::{BundleReport, Engine, Options, run_bundle};
use wsus_triage::report;
use wsus_triage::signatures::Severity;

pub const EXIT_CLEAN: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_USAGE: u8 = 2;

pub fn run(cli: args::Cli) -> ExitCode {
    let result = match cli.command {
        Command::Analyze(a) => analyze(a, true),
        Command::Inventory(a) => analyze(a, false),
        Command::Triage(t) => triage_cmd::run(t),
        Command::Timeline(t) => timeline_cmd::run(t),
        Command::Signatures(s) => signatures_cmd::run(s),
        Command::Explain(e) => signatures_cmd::explain(e),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(report) => {
            eprintln!("{report:?}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// The output format: as asked, else human on a terminal and JSON elsewhere.
pub(crate) fn output_format(common: &CommonArgs) -> OutputFormat {
    common
        .format
        .unwrap_or(if common.output.is_none() && std::io::stdout().is_terminal() {
            OutputFormat::Human
        } else {
            OutputFormat::Json
        })
}

pub(crate) fn color(common: &CommonArgs) -> bool {
    match common.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            common.output.is_none() && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    }
}

pub(crate) fn write_output(common: &CommonArgs, text: &str) -> miette::Result<()> {
    match &common.output {
        Some(path) => std::fs::write(path, text)
            .into_diagnostic()
            .map_err(|e| e.wrap_err(format!("cannot write {}", path.display()))),
        None => {
            let mut out = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth a message.
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
            Ok(())
        }
    }
}

pub(crate) fn engine(common: &CommonArgs) -> miette::Result<Engine> {
    Engine::load(&common.grammars).map_err(Report::new)
}

pub(crate) fn thread_pool(common: &CommonArgs) -> miette::Result<rayon::ThreadPool> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = common.threads {
        if n == 0 {
            return Err(miette!("--threads must be at least 1"));
        }
        builder = builder.num_threads(n);
    }
    builder.build().into_diagnostic()
}

pub(crate) fn parse_options(common: &CommonArgs) -> miette::Result<ParseOptions> {
    let tz = match &common.tz {
        None => None,
        Some(name) => Some(name.parse::<chrono_tz::Tz>().map_err(|_| {
            miette!(
                help = "use an IANA zone name such as Europe/Berlin, America/New_York or UTC",
                "unknown time zone {name:?}"
            )
        })?),
    };
    Ok(ParseOptions {
        tz: tz.map(wsus_triage::formats::time::LocalZone::Iana),
        ..ParseOptions::default()
    })
}

pub(crate) fn min_severity(m: MinSeverity) -> Severity {
    match m {
        MinSeverity::Info => Severity::Info,
        MinSeverity::Warning => Severity::Warning,
        MinSeverity::Error => Severity::Error,
    }
}

fn analyze(a: AnalyzeArgs, diagnose: bool) -> miette::Result<u8> {
    let format = output_format(&a.common);
    if format == OutputFormat::Csv {
        return Err(miette!(
            help = "csv is the per-bundle table of `triage`",
            "--format csv is not available for analyze or inventory"
        ));
    }
    let engine = engine(&a.common)?;
    let pool = thread_pool(&a.common)?;
    let options = Options {
        limits: Limits {
            max_total_bytes: a.limits.max_total_bytes,
            max_member_bytes: a.limits.max_member_bytes,
            max_ratio: a.limits.max_ratio,
            max_members: a.limits.max_members,
            max_depth: a.limits.max_depth,
        },
        parse: parse_options(&a.common)?,
        diagnose,
        ..Options::default()
    };
    let floor = min_severity(a.common.min_severity);
    let mut reports: Vec<BundleReport> = Vec::new();
    let mut unreadable = 0;
    for path in &a.bundles {
        match pool.install(|| run_bundle(&engine, path, &options)) {
            Ok(mut r) => {
                if r.nothing_readable() {
                    unreadable += 1;
                }
                r.keep_findings_from(floor);
                reports.push(r);
            }
            Err(e) => {
                unreadable += 1;
                eprintln!("{:?}", Report::new(e));
            }
        }
    }
    let text = match format {
        OutputFormat::Json => report::json::document(&reports),
        OutputFormat::Jsonl => reports.iter().map(report::json::bundle_line).collect(),
        OutputFormat::Markdown => report::markdown::render(&reports, diagnose),
        OutputFormat::Sarif => report::sarif::render(&reports, &engine.catalog),
        OutputFormat::Html => report::html::render(&reports, diagnose),
        _ if diagnose => report::human::render(&reports, color(&a.common), terminal_width()),
        _ => report::inventory::render(&reports),
    };
    write_output(&a.common, &text)?;
    if unreadable == a.bundles.len() {
        return Ok(EXIT_USAGE);
    }
    let serious = reports
        .iter()
        .flat_map(|r| &r.findings)
        .any(|f| f.severity >= Severity::Warning);
    Ok(if diagnose && serious { EXIT_FINDINGS } else { EXIT_CLEAN })
}

pub(crate) fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100)
}

/// The intake limits the flags ask for.
pub(crate) fn limits(l: &args::LimitArgs) -> Limits {
    Limits {
        max_total_bytes: l.max_total_bytes,
        max_member_bytes: l.max_member_bytes,
        max_ratio: l.max_ratio,
        max_members: l.max_members,
        max_depth: l.max_depth,
    }
}
