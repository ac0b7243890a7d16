//! `signatures list|show|test` and `explain` (rendering the library's explanations).

use super::args::{CommonArgs, ExplainArgs, OutputFormat, SignaturesCommand};
use super::{EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, engine, output_format, write_output};
use clap::ValueEnum;
use miette::{IntoDiagnostic, miette};
use serde::Serialize;
use std::fmt::Write;
use wsus_triage::codes;
use wsus_triage::explain::{self, CodeBook, Explanation, Reading, ReadingKind};
use wsus_triage::grammars::{GrammarError, GrammarFile, GrammarFiles};
use wsus_triage::pipeline::Engine;
use wsus_triage::signatures::examples::ExampleResult;
use wsus_triage::signatures::predicate::{inline_toml, rule_key};
use wsus_triage::signatures::{Catalog, Requirement, SignatureDef};

pub fn run(cmd: SignaturesCommand) -> miette::Result<u8> {
    match cmd {
        SignaturesCommand::List(a) => {
            let format = human_or_json(&a.common, "signatures list")?;
            let engine = engine(&a.common)?;
            let text = match format {
                Shape::Json => json(&engine.catalog.signatures)?,
                Shape::Human => list_human(&engine.catalog),
            };
            write_output(&a.common, &text)?;
            Ok(EXIT_CLEAN)
        }
        SignaturesCommand::Show(a) => {
            let format = human_or_json(&a.common, "signatures show")?;
            let engine = engine(&a.common)?;
            let sig = engine.catalog.get(&a.id).ok_or_else(|| {
                miette!(
                    help = "`wsus-triage signatures list` shows every id",
                    "no signature {:?}",
                    a.id
                )
            })?;
            let text = match format {
                Shape::Json => json(sig)?,
                Shape::Human => show_human(sig),
            };
            write_output(&a.common, &text)?;
            Ok(EXIT_CLEAN)
        }
        SignaturesCommand::Test(a) => {
            let format = human_or_json(&a.common, "signatures test")?;
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
            let results = wsus_triage::signatures::examples::run_all(&engine);
            let failures = results.iter().filter(|r| !r.passed).count();
            let text = match format {
                Shape::Json => json(&TestDocument {
                    schema: "wsus-triage-signatures-test/v1",
                    tool: ToolInfo {
                        name: "wsus-triage",
                        version: wsus_triage::VERSION,
                    },
                    examples: results.len(),
                    passed: results.len() - failures,
                    failed: failures,
                    results: &results,
                })?,
                Shape::Human => test_human(&results),
            };
            write_output(&a.common, &text)?;
            Ok(if failures == 0 { EXIT_CLEAN } else { EXIT_FINDINGS })
        }
    }
}

/// The two shapes the `signatures` commands write.
enum Shape {
    Human,
    Json,
}

/// The `--format` asked for, when it is one `command` can write; any other is a usage error
/// rather than human text under another name.
fn human_or_json(common: &CommonArgs, command: &str) -> miette::Result<Shape> {
    match output_format(common) {
        OutputFormat::Human => Ok(Shape::Human),
        OutputFormat::Json => Ok(Shape::Json),
        other => {
            let name = other.to_possible_value().map(|v| v.get_name().to_string());
            Err(miette!(
                "--format {} is not supported by `{command}`; use human or json",
                name.unwrap_or_else(|| format!("{other:?}"))
            ))
        }
    }
}

/// `signatures test --format json`: the counts, then every example with its outcome.
#[derive(Serialize)]
struct TestDocument<'a> {
    schema: &'static str,
    tool: ToolInfo,
    examples: usize,
    passed: usize,
    failed: usize,
    results: &'a [ExampleResult],
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
                let _ = writeln!(out, "      {} = {}", rule_key(field), p.to_rule_text());
            }
        }
    }
    if !s.confidence.is_empty() {
        let _ = writeln!(out, "\nConfidence:");
        for t in &s.confidence {
            let reqs: Vec<String> = t
                .require
                .iter()
                .map(|r| match r {
                    Requirement::Id(id) => id.clone(),
                    // The tier's keys without the braces: `evidence = "x", min_distinct = 2`.
                    threshold => {
                        let table = inline_toml(threshold);
                        let keys = table.strip_prefix("{ ").and_then(|t| t.strip_suffix(" }"));
                        keys.map_or(table.clone(), str::to_string)
                    }
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

/// Each failed example, then the totals.
fn test_human(results: &[ExampleResult]) -> String {
    let mut out = String::new();
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
    out
}

/// `explain CODE...`: every reading of each token from the `codes/` tables, with the signatures
/// that involve it. Exit 0 when at least one token was explained, 2 when none was.
pub fn explain(a: ExplainArgs) -> miette::Result<u8> {
    let format = output_format(&a.common);
    if !matches!(format, OutputFormat::Human | OutputFormat::Json | OutputFormat::Jsonl) {
        return Err(miette!(
            "--format {format:?} is not available for explain (use human, json or jsonl)"
        ));
    }
    let files = GrammarFiles::load(&a.common.grammars).map_err(miette::Report::new)?;
    let book = CodeBook::from_files(&files).map_err(miette::Report::new)?;
    let catalog = Catalog::from_files(&files).map_err(miette::Report::new)?;
    let explanations: Vec<Explanation> = a.codes.iter().map(|c| explain::explain(c, &book, &catalog)).collect();
    let text = match format {
        OutputFormat::Json => json(&ExplainDocument {
            schema: "wsus-triage-explain/v1",
            tool: ToolInfo {
                name: "wsus-triage",
                version: wsus_triage::VERSION,
            },
            explanations: &explanations,
        })?,
        OutputFormat::Jsonl => {
            let mut out = String::new();
            for e in &explanations {
                out.push_str(&serde_json::to_string(e).into_diagnostic()?);
                out.push('\n');
            }
            out
        }
        _ => explain_human(&explanations, terminal_width()),
    };
    write_output(&a.common, &text)?;
    if explanations.iter().any(|e| e.explained) {
        return Ok(EXIT_CLEAN);
    }
    for e in &explanations {
        eprintln!("nothing known about {:?}: tried {}.", e.input, e.tried.join(", "));
        for n in &e.notes {
            eprintln!("  {n}");
        }
    }
    Ok(EXIT_USAGE)
}

#[derive(Serialize)]
struct ExplainDocument<'a> {
    schema: &'static str,
    tool: ToolInfo,
    explanations: &'a [Explanation],
}

#[derive(Serialize)]
struct ToolInfo {
    name: &'static str,
    version: &'static str,
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<usize>().ok())
        .unwrap_or(100)
        .clamp(40, 200)
}

/// A short block per reading: title line, then meaning, WSUS context, signatures and source.
fn explain_human(explanations: &[Explanation], width: usize) -> String {
    let mut out = String::new();
    for (i, e) in explanations.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = writeln!(out, "{}", e.input.trim());
        if !e.explained {
            wrap_into(
                &mut out,
                "  ",
                &format!("Not in the tables. Tried {}.", e.tried.join(", ")),
                width,
            );
        }
        for r in &e.readings {
            let _ = writeln!(out, "  {}", reading_title(r));
            if let Some(m) = &r.message {
                wrap_into(&mut out, "    ", &format!("Message: {m}"), width);
            }
            wrap_into(&mut out, "    ", &r.meaning, width);
            if let Some(w) = &r.wsus_context {
                wrap_into(&mut out, "    ", &format!("On WSUS: {w}"), width);
            }
            if !r.related.is_empty() {
                let _ = writeln!(out, "    Related: {}", r.related.join(", "));
            }
            let sigs = if r.signatures.is_empty() {
                "none in the catalog".to_string()
            } else {
                r.signatures.join(", ")
            };
            let _ = writeln!(out, "    Signatures: {sigs}");
            let inferred = if r.inferred { " (inferred)" } else { "" };
            let _ = writeln!(out, "    Source: {}{inferred}", r.source.as_deref().unwrap_or("none"));
        }
        for n in &e.notes {
            wrap_into(&mut out, "  ", &format!("Note: {n}"), width);
        }
    }
    out
}

fn reading_title(r: &Reading) -> String {
    let mut t = format!("{} {}", r.kind.title(), r.value);
    if r.kind == ReadingKind::Hresult
        && let Some(v) = codes::parse_code(&r.value)
    {
        let _ = write!(t, " (unsigned {v}, signed {})", v as i32);
    }
    if let Some(p) = &r.provider {
        let _ = write!(t, " - {p}");
        if let Some(l) = &r.level {
            let _ = write!(t, " ({l})");
        }
    }
    if let Some(n) = r.name.as_ref().filter(|n| **n != r.value) {
        let _ = write!(t, " - {n}");
    }
    if let Some(d) = &r.derived {
        let _ = write!(t, " [{d}]");
    }
    t
}

/// Appends `text` wrapped at `width` columns, each line starting with `indent`.
fn wrap_into(out: &mut String, indent: &str, text: &str, width: usize) {
    let room = width.saturating_sub(indent.len()).max(20);
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > room {
            let _ = writeln!(out, "{indent}{line}");
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        let _ = writeln!(out, "{indent}{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Must, TestResult};
    use wsus_triage::signatures::predicate::PredicateDef;

    /// Equality predicates (`sc-status = "401"`, `fact = "vdir"`) used to print blank: every
    /// predicate of the embedded catalog must show as a rule line that reads back as itself.
    #[test]
    fn show_prints_every_predicate_of_the_catalog_as_rule_text() -> TestResult {
        let engine = Engine::load(&[]).must()?;
        let mut equalities = 0;
        for sig in &engine.catalog.signatures {
            let text = show_human(sig);
            for e in &sig.evidence {
                for (field, p) in &e.predicates {
                    let line = format!("      {} = {}", rule_key(field), p.to_rule_text());
                    assert!(
                        text.lines().any(|l| l == line),
                        "{}: {line:?} missing from\n{text}",
                        sig.id
                    );
                    let back: toml::Table = toml::from_str(line.trim()).must()?;
                    let back: PredicateDef = back[field.as_str()].clone().try_into().must()?;
                    assert_eq!(back.to_rule_text(), p.to_rule_text(), "{}", sig.id);
                    equalities += matches!(p, PredicateDef::Equals(_)) as usize;
                }
            }
        }
        assert!(equalities > 10, "the catalog has equality predicates ({equalities})");
        let auth = show_human(engine.catalog.get("WSUS-CLIENT-HTTP-AUTH-DENIED").must()?);
        assert!(auth.contains("\n      sc-status = \"401\"\n"), "{auth}");
        assert!(
            auth.contains("medium when evidence = \"iis-services-401\", min_distinct = 2\n"),
            "{auth}"
        );
        assert!(
            auth.contains("\n      \"cs(User-Agent)\" = { not_regex = \"(?i)^Mozilla/\" }\n"),
            "{auth}"
        );
        Ok(())
    }
}
