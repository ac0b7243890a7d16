//! Command-line arguments (CONTRACT.md "Commands"), declared with clap.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "wsus-triage",
    version,
    about = "Offline analyzer of WSUS support bundles: root cause, the log lines that prove it, and the fix.",
    long_about = None,
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Diagnose one or more bundles (folder, .zip or .cab; archives may nest).
    Analyze(AnalyzeArgs),
    /// List every file of a bundle: its kind, encoding, what was read of it and what was not.
    Inventory(AnalyzeArgs),
    /// Bulk: analyze every bundle directly under DIR.
    Triage(TriageArgs),
    /// All timestamped records of a bundle, merged in time order.
    Timeline(TimelineArgs),
    /// The signature catalog: list, show one, or run the examples.
    #[command(subcommand)]
    Signatures(SignaturesCommand),
    /// Explain an HRESULT, Win32 code, WSUS event id or HTTP status (any spelling).
    Explain(ExplainArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Human,
    Json,
    Jsonl,
    Markdown,
    Sarif,
    Html,
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MinSeverity {
    Info,
    Warning,
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Options every command takes.
#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// Output shape; `human` on a terminal, `json` otherwise.
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// Write the output to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Worker threads (default: one per core). The output does not depend on it.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Extra or overriding grammar files (formats/, signatures/, codes/ under DIR). Repeatable.
    #[arg(long, value_name = "DIR")]
    pub grammars: Vec<PathBuf>,
    /// Time zone of logs written in local time when the bundle does not say (IANA name, e.g. Europe/Berlin).
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
    /// Only report findings at this severity or above.
    #[arg(long, value_enum, default_value = "info")]
    pub min_severity: MinSeverity,
    /// Colors in human output.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
}

/// Bounds on what intake reads from a bundle (sizes accept K, M, G suffixes).
#[derive(Debug, Clone, Args)]
pub struct LimitArgs {
    /// Most uncompressed bytes read from the archives of one bundle.
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "16G")]
    pub max_total_bytes: u64,
    /// Largest archive member read.
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "2G")]
    pub max_member_bytes: u64,
    /// Largest compression ratio accepted for a member over 16 MiB (zip bombs).
    #[arg(long, value_name = "RATIO", default_value_t = 500)]
    pub max_ratio: u64,
    /// Most files listed from one bundle.
    #[arg(long, value_name = "N", default_value_t = 200_000)]
    pub max_members: usize,
    /// Deepest nesting of archives in archives.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub max_depth: u32,
}

#[derive(Debug, Clone, Args)]
pub struct AnalyzeArgs {
    /// Bundles: folders, .zip or .cab files (a single log file is a bundle of one).
    #[arg(required = true, value_name = "BUNDLE")]
    pub bundles: Vec<PathBuf>,
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub limits: LimitArgs,
}

#[derive(Debug, Clone, Args)]
pub struct TriageArgs {
    /// The archive folder: every folder, .zip, .cab or log file directly under it is a bundle.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Abandon a bundle still running after SECONDS: reported as timed-out, the run goes on.
    #[arg(long, value_name = "SECONDS")]
    pub bundle_timeout: Option<f64>,
    /// Skip the bundles already in an earlier JSONL output (repeatable); their lines are copied
    /// into this output, so it is complete.
    #[arg(long, value_name = "FILE")]
    pub resume: Vec<PathBuf>,
    /// Take part I of N (1-based) of the bundles, chosen by a stable hash of the bundle name.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Bundles analyzed at once (default: the thread count, at least 2). Their files share the threads.
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub limits: LimitArgs,
}

#[derive(Debug, Clone, Args)]
pub struct TimelineArgs {
    #[arg(value_name = "BUNDLE")]
    pub bundle: PathBuf,
    /// Only records at or after this time (RFC 3339, or `YYYY-MM-DD[ HH:MM[:SS]]` in UTC).
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    /// Only records at or before this time (same forms as --from).
    #[arg(long, value_name = "TIME")]
    pub to: Option<String>,
    /// Only the records within N minutes (default 10) of the timestamped evidence of this finding.
    #[arg(long, value_name = "SIGNATURE[:N]")]
    pub around: Option<String>,
    /// Only files of these kinds (comma-separated CONTRACT.md names, e.g. iis-w3c-log,evtx).
    #[arg(long, value_name = "KINDS", value_delimiter = ',')]
    pub kinds: Vec<String>,
    /// Only records whose text matches this regular expression (`(?i)` for any case).
    #[arg(long, value_name = "REGEX")]
    pub grep: Option<String>,
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub limits: LimitArgs,
}

#[derive(Debug, Clone, Subcommand)]
pub enum SignaturesCommand {
    /// Every signature, with severity, origin and whether it can be detected.
    List(SignatureListArgs),
    /// One signature in full: evidence, confidence tiers, remediation, examples.
    Show(SignatureShowArgs),
    /// Run the examples of every signature (or of the given signature files).
    Test(SignatureTestArgs),
}

#[derive(Debug, Clone, Args)]
pub struct SignatureListArgs {
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Clone, Args)]
pub struct SignatureShowArgs {
    #[arg(value_name = "ID")]
    pub id: String,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Clone, Args)]
pub struct SignatureTestArgs {
    /// Signature files to test instead of the catalog.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Clone, Args)]
pub struct ExplainArgs {
    #[arg(required = true, value_name = "CODE", allow_negative_numbers = true)]
    pub codes: Vec<String>,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// `16G`, `512M`, `2GiB`, `1048576`.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    let digits: String = lower.chars().take_while(|c| c.is_ascii_digit()).collect();
    let unit = lower[digits.len()..]
        .trim()
        .trim_end_matches("ib")
        .trim_end_matches('b');
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{s:?} is not a size (examples: 512M, 16G)"))?;
    let shift = match unit {
        "" => 0,
        "k" => 10,
        "m" => 20,
        "g" => 30,
        "t" => 40,
        _ => return Err(format!("{s:?}: unknown size unit (use K, M, G or T)")),
    };
    n.checked_mul(1u64 << shift)
        .ok_or_else(|| format!("{s:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("16G"), Ok(16 << 30));
        assert_eq!(parse_size("512MiB"), Ok(512 << 20));
        assert_eq!(parse_size("1024"), Ok(1024));
        assert!(parse_size("12Q").is_err());
    }

    #[test]
    fn cli_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
