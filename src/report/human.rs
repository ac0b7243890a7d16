//! Findings for a terminal: each finding a miette report whose cited lines are shown as source
//! snippets at their real line numbers, the matching parts highlighted, the remediation as help.
//! Followed by what was read and what was not, so an empty result always says why.

use crate::diagnosis::{Evidence, Finding, human_time};
use crate::kind::FileKind;
use crate::pipeline::BundleReport;
use crate::signatures::Severity;
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents, SourceCode,
    SourceSpan, SpanContents,
};
use std::collections::BTreeMap;
use std::fmt::{self, Write};

/// One cited line as miette source: the text of that line, numbered as in the file.
#[derive(Debug)]
struct CitedLine {
    name: String,
    line: u64,
    text: String,
}

impl SourceCode for CitedLine {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        _before: usize,
        _after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        if span.offset() + span.len() > self.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            self.text.as_bytes(),
            SourceSpan::new(0.into(), self.text.len()),
            self.line.saturating_sub(1) as usize,
            0,
            1,
        )))
    }
}

/// A cited piece of evidence as a related diagnostic.
#[derive(Debug)]
struct Citation {
    heading: String,
    source: Option<CitedLine>,
    labels: Vec<LabeledSpan>,
}

impl fmt::Display for Citation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.heading)
    }
}
impl std::error::Error for Citation {}
impl Diagnostic for Citation {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.source
            .as_ref()
            .map(|_| Box::new(self.labels.clone().into_iter()) as Box<dyn Iterator<Item = LabeledSpan>>)
    }
}

/// A finding as a miette diagnostic.
#[derive(Debug)]
struct FindingReport {
    message: String,
    code: String,
    severity: miette::Severity,
    help: String,
    url: Option<String>,
    related: Vec<Citation>,
}

impl fmt::Display for FindingReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
impl std::error::Error for FindingReport {}
impl Diagnostic for FindingReport {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.help))
    }
    fn url<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.url.as_ref().map(|u| Box::new(u) as Box<dyn fmt::Display>)
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        Some(Box::new(self.related.iter().map(|c| c as &dyn Diagnostic)))
    }
}

fn citation(e: &Evidence) -> Citation {
    // A line is shown as a snippet whose header names file and line; a record or key has no line
    // numbers to show, so the heading carries the place and the text.
    let place = match (e.line, e.record, &e.key) {
        (Some(_), _, _) => String::new(),
        (_, Some(r), _) => format!(": {} record {r}", e.file),
        (_, _, Some(k)) => format!(": {} key {k}", e.file),
        _ => format!(": {}", e.file),
    };
    let when = e.timestamp.map(|t| format!(", {}", human_time(&t))).unwrap_or_default();
    let text = if e.line.is_some() {
        String::new()
    } else {
        format!("\n{}", e.text)
    };
    let labels = if e.spans.is_empty() {
        vec![LabeledSpan::new_with_span(
            None,
            SourceSpan::new(0.into(), e.text.len()),
        )]
    } else {
        e.spans
            .iter()
            .filter(|(a, l, _)| a + l <= e.text.len())
            .map(|(a, l, what)| LabeledSpan::new_with_span(Some(what.clone()), SourceSpan::new((*a).into(), *l)))
            .collect()
    };
    Citation {
        heading: format!("evidence{place}{when}{text}"),
        source: e.line.map(|line| CitedLine {
            name: e.file.clone(),
            line,
            text: e.text.clone(),
        }),
        labels,
    }
}

fn finding_report(f: &Finding) -> FindingReport {
    let severity = match f.severity {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    };
    let shown = f.evidence.len() as u64;
    let mut message = format!("{} [{} confidence]\n{}", f.title, f.confidence.name(), f.summary);
    if f.count > shown {
        let _ = write!(message, "\n(citing {shown} of {} matching records)", f.count);
    }
    FindingReport {
        message,
        code: f.signature.clone(),
        severity,
        help: f.remediation.clone(),
        url: f.references.first().cloned(),
        related: f.evidence.iter().map(citation).collect(),
    }
}

/// Renders findings and the reading summary of each bundle.
pub fn render(bundles: &[BundleReport], color: bool, width: usize) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_links(false);
    let mut out = String::new();
    for b in bundles {
        let _ = writeln!(out, "Bundle {}", b.bundle);
        for f in &b.findings {
            // Citations are rendered as reports of their own: as `related` diagnostics miette would
            // head each one with a severity word that means nothing here.
            let report = finding_report(f);
            let _ = handler.render_report(
                &mut out,
                &FindingReport {
                    related: Vec::new(),
                    ..report
                },
            );
            for c in f.evidence.iter().map(citation) {
                let _ = handler.render_report(&mut out, &c);
            }
            out.push('\n');
        }
        out.push_str(&reading_summary(b));
        out.push('\n');
    }
    out
}

/// Bundle problems quoted in the summary; the rest are counted and left to `inventory`.
const BUNDLE_PROBLEMS_SHOWN: usize = 5;

/// What was found, what was read and what was not: the answer to "why is this empty?".
pub fn reading_summary(b: &BundleReport) -> String {
    let mut out = String::new();
    let count = |s: Severity| b.findings.iter().filter(|f| f.severity == s).count();
    match (b.findings.is_empty(), b.hidden) {
        (true, None) => out.push_str("No known issue found.\n"),
        (true, Some(h)) => {
            let _ = writeln!(
                out,
                "No finding at or above {} ({} below it hidden by --min-severity).",
                h.floor.name(),
                h.count
            );
        }
        (false, hidden) => {
            let hidden = hidden
                .map(|h| format!(" ({} below {} hidden by --min-severity)", h.count, h.floor.name()))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{} finding(s): {} error, {} warning, {} info{hidden}.",
                b.findings.len(),
                count(Severity::Error),
                count(Severity::Warning),
                count(Severity::Info)
            );
        }
    }
    let mut by_kind: BTreeMap<FileKind, (usize, u64)> = BTreeMap::new();
    let mut not_read: BTreeMap<String, usize> = BTreeMap::new();
    for f in &b.files {
        match (f.records, &f.skipped) {
            (Some(n), _) => {
                let e = by_kind.entry(f.kind).or_default();
                e.0 += 1;
                e.1 += n;
            }
            (None, Some(why)) if f.kind != FileKind::Archive => {
                *not_read.entry(format!("{} ({why})", f.kind)).or_default() += 1
            }
            _ => {}
        }
    }
    if by_kind.is_empty() {
        out.push_str("Read: no file with a parser in this version.\n");
    } else {
        let parts: Vec<String> = by_kind
            .iter()
            .map(|(k, (files, recs))| format!("{files} {k} ({recs} records)"))
            .collect();
        let _ = writeln!(out, "Read: {}.", parts.join(", "));
    }
    if !not_read.is_empty() {
        let parts: Vec<String> = not_read.iter().map(|(what, n)| format!("{n} {what}")).collect();
        let _ = writeln!(out, "Not read: {}.", parts.join("; "));
    }
    // The bundle's own problems (a damaged archive, a limit that stopped the listing) belong to no
    // file, so they are said here rather than left to `inventory`.
    for p in b.problems.iter().take(BUNDLE_PROBLEMS_SHOWN) {
        let _ = writeln!(out, "Bundle problem: {p}");
    }
    let unshown = b.problems.len().saturating_sub(BUNDLE_PROBLEMS_SHOWN);
    if unshown > 0 {
        let _ = writeln!(
            out,
            "{unshown} more bundle problem(s): run `wsus-triage inventory {}` to see them.",
            b.bundle
        );
    }
    let with_problems = b.files.iter().filter(|f| !f.problems.is_empty()).count();
    if with_problems > 0 {
        let _ = writeln!(
            out,
            "{with_problems} file(s) with problems: run `wsus-triage inventory {}` to see them.",
            b.bundle
        );
    }
    out
}
