//! Helpers shared by the text-format tests: classify and parse bytes the way the pipeline does, and
//! keep the records as owned values to assert on.
#![allow(dead_code)]

use std::ops::ControlFlow;
use wsus_triage::formats::grammar::FormatCatalog;
use wsus_triage::formats::{self, ParseInput, ParseOptions, ParseOutcome};
use wsus_triage::grammars::{GrammarFile, GrammarFiles};
use wsus_triage::intake::classify::{Classification, classify};
use wsus_triage::intake::decode::{data_bytes, for_each_line, sniff};
use wsus_triage::records::{Position, Record, RecordSink, TimeBasis};

/// A record as the tests see it.
#[derive(Debug, Clone)]
pub struct Rec {
    pub line: u64,
    pub time: Option<String>,
    pub basis: Option<TimeBasis>,
    pub text: String,
    pub continuation: Vec<String>,
    pub fields: Vec<(String, String)>,
}

impl Rec {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
pub struct Collect(pub Vec<Rec>);

impl RecordSink for Collect {
    fn record(&mut self, r: &Record<'_>) {
        let Position::Line(line) = r.position else {
            panic!("text records are located by line")
        };
        self.0.push(Rec {
            line,
            time: r.time.map(|t| t.to_rfc3339()),
            basis: r.time.map(|t| t.basis),
            text: r.text.to_string(),
            continuation: r.continuation.iter().map(|c| c.to_string()).collect(),
            fields: r.fields.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect(),
        });
    }
}

pub struct Parsed {
    pub class: Classification,
    pub records: Vec<Rec>,
    pub outcome: ParseOutcome,
}

pub fn embedded() -> FormatCatalog {
    FormatCatalog::from_files(&GrammarFiles::embedded()).expect("embedded grammars load")
}

/// The embedded catalog, compiled once per test binary.
pub fn shared() -> &'static FormatCatalog {
    static CATALOG: std::sync::OnceLock<FormatCatalog> = std::sync::OnceLock::new();
    CATALOG.get_or_init(embedded)
}

/// The embedded grammars plus one file, as `--grammars DIR` adds it (or replaces the embedded
/// file with the same path).
pub fn with_grammar(path: &str, text: &str) -> Result<FormatCatalog, wsus_triage::grammars::GrammarError> {
    let mut files = GrammarFiles::embedded();
    files.files.retain(|f| f.path != path);
    files.files.push(GrammarFile {
        path: path.to_string(),
        text: text.into(),
        origin: "test".into(),
    });
    FormatCatalog::from_files(&files)
}

pub fn parse_in(catalog: &FormatCatalog, name: &str, bytes: &[u8], options: &ParseOptions) -> Parsed {
    let class = classify(catalog, name, bytes);
    let input = ParseInput {
        path: name,
        bytes,
        encoding: class.encoding,
        format: class.format.as_deref(),
        options,
    };
    let grammar = class.format.as_deref().and_then(|id| catalog.get(id));
    let mut sink = Collect::default();
    let outcome = formats::parse_with_grammar(class.kind, &input, grammar, &mut sink)
        .unwrap_or_else(|| panic!("{name}: no parser for {}", class.kind));
    Parsed {
        class,
        records: sink.0,
        outcome,
    }
}

/// Parses with one embedded grammar, skipping classification.
pub fn parse_as(id: &str, name: &str, bytes: &[u8]) -> Parsed {
    let grammar = shared().get(id).expect("a grammar with that id");
    let options = ParseOptions::default();
    let input = ParseInput {
        path: name,
        bytes,
        encoding: Some(sniff(bytes)),
        format: Some(id),
        options: &options,
    };
    let mut sink = Collect::default();
    let outcome = formats::parse_with_grammar(grammar.def.kind, &input, Some(grammar), &mut sink).expect("a parser");
    Parsed {
        class: Classification {
            kind: grammar.def.kind,
            format: Some(id.to_string()),
            encoding: input.encoding,
            reason: "given".into(),
        },
        records: sink.0,
        outcome,
    }
}

pub fn parse(name: &str, bytes: &[u8]) -> Parsed {
    parse_in(shared(), name, bytes, &ParseOptions::default())
}

/// Every line of `bytes` as the decoder numbers them (1-based), for checking record positions.
pub fn decoded_lines(bytes: &[u8]) -> Vec<String> {
    let enc = sniff(bytes);
    let (data, _) = data_bytes(bytes, enc);
    let mut lines = Vec::new();
    for_each_line(data, enc, 1, |_, l| {
        lines.push(l.to_string());
        ControlFlow::Continue(())
    });
    lines
}

/// Asserts that each record's first line and continuation lines are the lines at its position.
pub fn assert_positions_exact(bytes: &[u8], records: &[Rec]) {
    let lines = decoded_lines(bytes);
    for r in records {
        let at = |n: u64| lines.get(n as usize - 1).map(String::as_str);
        assert_eq!(at(r.line), Some(r.text.as_str()), "record at line {}", r.line);
        for (i, c) in r.continuation.iter().enumerate() {
            assert_eq!(
                at(r.line + 1 + i as u64),
                Some(c.as_str()),
                "continuation {i} of line {}",
                r.line
            );
        }
    }
}

pub fn utf16le(text: &str, bom: bool) -> Vec<u8> {
    let mut v = if bom { vec![0xFF, 0xFE] } else { Vec::new() };
    for u in text.encode_utf16() {
        v.extend_from_slice(&u.to_le_bytes());
    }
    v
}

/// The public sample corpus, when present beside the repository.
pub fn corpus(rel: &str) -> Option<Vec<u8>> {
    let path = format!("{}/../shared/corpus/{rel}", env!("CARGO_MANIFEST_DIR"));
    match std::fs::read(&path) {
        Ok(b) => Some(b),
        Err(_) => {
            eprintln!("skipped: {path} not found (the shared corpus is not beside the repository)");
            None
        }
    }
}
