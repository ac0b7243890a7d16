//! `signatures list|show|test` and `explain`.

use super::args::{ExplainArgs, OutputFormat, SignaturesCommand};
use super::{EXIT_CLEAN, EXIT_FINDINGS, engine, output_format, write_output};
use miette::{IntoDiagnostic, miette};
use serde::Serialize;
use std::fmt::Write;
use wsus_triage::codes;
use wsus_triage::grammars::{GrammarError, GrammarFile, GrammarFiles};
use wsus_triage::pipeline::Engine;
use wsus_triage::signatures::{Catalog, SignatureDef};

pub fn run(cmd: SignaturesCommand) -> miette::Result<u8> {
    match cmd {
        SignaturesCommand::List(a) => {
            let engine = engine(&a.common)?;
            let text = match output_format(&a.common) {
                OutputFormat::Json => json(&engine.catalog.signatures)?,
                _ => list_human(&engine.catalog),
            };
            write_output(&a.common, &text)?;
            Ok(EXIT_CLEAN)
        }
        SignaturesCommand::Show(a) => {
            let engine = engine(&a.common)?;
            let sig = engine.catalog.get(&a.id).ok_or_else(|| {
                miette!(
                    help = "`wsus-triage signatures list` shows every id",
                    "no signature {:?}",
                    a.id
                )
            })?;
            let text = match output_format(&a.common) {
                OutputFormat::Json => json(sig)?,
                _ => show_human(sig),
            };
            write_output(&a.common, &text)?;
            Ok(EXIT_CLEAN)
        }
        SignaturesCommand::Test(a) => {
            let mut files = GrammarFiles::load(&a.common.grammars).map_err(miette::Report::new)?;
            if !a.files.is_empty() {
                // Only the given signature files, on top of the format grammars.
                files.files.retain(|f| !f.path.starts_with("signatures/"));
                for path in &a.files {
                    let text = std::fs::read_to_string(path).into_diagnostic()?;
                    let name = path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    files.files.push(GrammarFile {
                        path: format!("signatures/{name}"),
                        text: text.into(),
                        origin: path.display().to_string(),
                    });
                }
            }
            let engine = Engine::from_files(&files).map_err(|e: GrammarError| miette::Report::new(e))?;
            let (report, failures) = test_examples(&engine);
            write_output(&a.common, &report)?;
            Ok(if failures == 0 { EXIT_CLEAN } else { EXIT_FINDINGS })
        }
    }
}

fn json<T: Serialize + ?Sized>(value: &T) -> miette::Result<String> {
    let mut s = serde_json::to_string_pretty(value).into_diagnostic()?;
    s.push('\n');
    Ok(s)
}

fn list_human(catalog: &Catalog) -> String {
    let mut out = String::new();
    let width = catalog.signatures.iter().map(|s| s.id.len()).max().unwrap_or(10);
    for s in &catalog.signatures {
        let _ = writeln!(out, "{:<width$}  {:<7}  {}", s.id, s.severity.name(), s.title);
        if !s.detectable {
            let _ = writeln!(
                out,
                "{:<width$}  {:<7}  not detectable: {}",
                "",
                "",
                s.not_detectable_because.as_deref().unwrap_or("")
            );
        }
    }
    let detectable = catalog.signatures.iter().filter(|s| s.detectable).count();
    let _ = writeln!(
        out,
        "\n{} signatures ({detectable} detectable, {} documentation entries).",
        catalog.signatures.len(),
        catalog.signatures.len() - detectable
    );
    out
}

fn show_human(s: &SignatureDef) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} — {}", s.id, s.title);
    let _ = writeln!(out, "severity: {}   origin: {}", s.severity.name(), s.origin);
    if !s.applies_to.is_empty() {
        let _ = writeln!(out, "applies to: {}", s.applies_to.join(", "));
    }
    if let Some(why) = &s.not_detectable_because {
        let _ = writeln!(out, "not detectable: {why}");
    }
    let _ = writeln!(out, "\nSummary: {}", s.summary.trim());
    if !s.evidence.is_empty() {
        let _ = writeln!(out, "\nEvidence:");
        for e in &s.evidence {
            let kinds: Vec<&str> = e.kinds.iter().map(|k| k.name()).collect();
            let _ = writeln!(out, "  {} [{}] {}", e.id, kinds.join(", "), e.describe);
            for (field, p) in &e.predicates {
                let _ = writeln!(out, "      {field} {}", toml::to_string(p).unwrap_or_default().trim());
            }
        }
    }
    if !s.confidence.is_empty() {
        let _ = writeln!(out, "\nConfidence:");
        for t in &s.confidence {
            let reqs: Vec<String> = t
                .require
                .iter()
                .map(|r| {
                    toml::to_string(r)
                        .map(|t| t.trim().replace('\n', ", "))
                        .unwrap_or_else(|_| r.evidence().to_string())
                })
                .collect();
            let _ = writeln!(out, "  {:<6} when {}", t.level.name(), reqs.join(" and "));
        }
    }
    let _ = writeln!(out, "\nRemediation: {}", s.remediation.trim());
    for r in &s.references {
        let _ = writeln!(out, "  {r}");
    }
    let _ = writeln!(out, "\n{} example(s).", s.examples.len());
    out
}

/// Runs every example of every signature through the whole pipeline.
pub fn test_examples(engine: &Engine) -> (String, usize) {
    let mut out = String::new();
    let results = wsus_triage::signatures::examples::run_all(engine);
    let failures = results.iter().filter(|r| !r.passed).count();
    for r in results.iter().filter(|r| !r.passed) {
        let _ = writeln!(
            out,
            "FAIL {} example {} ({}): {}",
            r.signature,
            r.index,
            r.name,
            r.failure.as_deref().unwrap_or("")
        );
    }
    let _ = writeln!(
        out,
        "{} examples, {} passed, {failures} failed.",
        results.len(),
        results.len() - failures
    );
    (out, failures)
}

pub fn explain(a: ExplainArgs) -> miette::Result<u8> {
    let mut out = String::new();
    for raw in &a.codes {
        match codes::parse_code(raw) {
            Some(v) => {
                let _ = writeln!(
                    out,
                    "{raw}: {} (unsigned {v}, signed {})",
                    codes::format_code(v),
                    v as i32
                );
                if v < 0x10000 {
                    let _ = writeln!(
                        out,
                        "  as a Win32 error: HRESULT {}",
                        codes::format_code(codes::win32_to_hresult(v))
                    );
                }
                let _ = writeln!(out, "  no description for this code in this version yet");
            }
            None => {
                let _ = writeln!(out, "{raw}: not an error code this version understands");
            }
        }
    }
    write_output(&a.common, &out)?;
    Ok(EXIT_CLEAN)
}
