//! Running the examples a signature file carries: each example is a small bundle (one file or
//! several) run through the whole pipeline, and must give the confidence (and severity) it states —
//! `none` for a negative example. Used by `signatures test` and by the test suite.

use super::{Severity, SignatureDef};
use crate::intake::{Bundle, Limits};
use crate::pipeline::{Engine, Options, run_opened};

/// The outcome of one example.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExampleResult {
    pub signature: String,
    /// 1-based index of the example in its file.
    pub index: usize,
    pub name: String,
    pub passed: bool,
    /// What went wrong, when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

fn encode(text: &str, encoding: Option<&str>) -> Vec<u8> {
    match encoding {
        Some(e) if e.eq_ignore_ascii_case("utf-16le") => {
            let mut v = vec![0xFF, 0xFE];
            for u in text.encode_utf16() {
                v.extend_from_slice(&u.to_le_bytes());
            }
            v
        }
        _ => text.as_bytes().to_vec(),
    }
}

/// Runs every example of one signature.
pub fn run_signature_examples(engine: &Engine, sig: &SignatureDef) -> Vec<ExampleResult> {
    let options = Options {
        diagnose: true,
        ..Options::default()
    };
    let mut out = Vec::new();
    for (i, ex) in sig.examples.iter().enumerate() {
        let files = ex.all_files();
        let bundle = Bundle::from_memory(
            &format!("{}#{}", sig.id, i + 1),
            files
                .iter()
                .map(|f| (f.name.clone(), encode(&f.text, f.encoding.as_deref())))
                .collect(),
            &Limits::default(),
        );
        let report = run_opened(engine, bundle, &options);
        let mut failure = None;
        for f in &files {
            let Some(kind) = f.kind else { continue };
            match report.files.iter().find(|r| r.path == f.name) {
                Some(r) if r.kind == kind => {}
                Some(r) => {
                    failure = Some(format!(
                        "{} was read as {}, not {kind} ({})",
                        f.name, r.kind, r.detected
                    ))
                }
                None => failure = Some(format!("{} is missing from the bundle", f.name)),
            }
        }
        let finding = report.findings.iter().find(|f| f.signature == sig.id);
        let got = finding.map(|f| f.confidence.name()).unwrap_or("none");
        if failure.is_none() && got != ex.expect {
            failure = Some(format!("expected {}, got {got}", ex.expect));
        }
        if let (None, Some(want), Some(f)) = (&failure, ex.severity, finding)
            && f.severity != want
        {
            failure = Some(format!("expected severity {}, got {}", want.name(), f.severity.name()));
        }
        if failure.is_none() && !ex.positive() {
            // A negative example must also keep other signatures quiet at warning and above:
            // it shows noise or a healthy state.
            if let Some(other) = report.findings.iter().find(|f| f.severity >= Severity::Warning) {
                failure = Some(format!(
                    "negative example, but {} fired at {}",
                    other.signature,
                    other.severity.name()
                ));
            }
        }
        out.push(ExampleResult {
            signature: sig.id.clone(),
            index: i + 1,
            name: ex.name.clone(),
            passed: failure.is_none(),
            failure,
        });
    }
    out
}

/// Runs the examples of every signature of the engine's catalog.
pub fn run_all(engine: &Engine) -> Vec<ExampleResult> {
    engine
        .catalog
        .signatures
        .iter()
        .flat_map(|s| run_signature_examples(engine, s))
        .collect()
}
