//! IIS configuration facts (applicationHost.config, web.config, MetaBase.xml) read from
//! realistic files built here from the documented schemas.

use std::collections::BTreeMap;
use wsus_triage::formats::{self, ParseInput, ParseOptions, ParseOutcome};
use wsus_triage::kind::FileKind;
use wsus_triage::records::{Position, Record, RecordSink};

/// One fact as the matcher sees it.
#[derive(Debug, Clone)]
struct Row {
    line: u64,
    text: String,
    fields: BTreeMap<String, String>,
}

impl Row {
    fn get(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

#[derive(Default)]
struct Collect(Vec<Row>);

impl RecordSink for Collect {
    fn record(&mut self, r: &Record<'_>) {
        let Position::Line(line) = r.position else {
            panic!("config facts are cited by line")
        };
        self.0.push(Row {
            line,
            text: r.text.to_string(),
            fields: r.fields.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect(),
        });
    }
}

fn parse(kind: FileKind, path: &str, bytes: &[u8]) -> (Vec<Row>, ParseOutcome) {
    let options = ParseOptions::default();
    let input = ParseInput {
        path,
        bytes,
        encoding: None,
        format: None,
        options: &options,
    };
    let mut sink = Collect::default();
    let outcome = formats::parse(kind, &input, &mut sink).expect("a parser for the kind");
    assert_eq!(outcome.records, sink.0.len() as u64);
    (sink.0, outcome)
}

/// Facts matching every `(field, value)` pair.
fn find<'r>(rows: &'r [Row], want: &[(&str, &str)]) -> Vec<&'r Row> {
    rows.iter()
        .filter(|r| want.iter().all(|(k, v)| r.get(k) == Some(*v)))
        .collect()
}

fn one<'r>(rows: &'r [Row], want: &[(&str, &str)]) -> &'r Row {
    let found = find(rows, want);
    assert_eq!(found.len(), 1, "exactly one fact {want:?}, got {found:#?}");
    found[0]
}

fn dump(rows: &[Row]) {
    for r in rows {
        eprintln!("{:>4} {:?} | {}", r.line, r.fields, r.text);
    }
}

#[test]
fn sample_bundle_content_vdir_has_anonymous_disabled() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/wsus2019-content-401/Server/inetsrv/config/applicationHost.config"
    );
    let bytes = std::fs::read(path).expect("the sample bundle is part of the repository");
    let (rows, outcome) = parse(FileKind::IisApplicationhostConfig, path, &bytes);
    dump(&rows);
    assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
    let content = one(
        &rows,
        &[
            ("fact", "vdir-auth"),
            ("site", "WSUS Administration"),
            ("vdir", "/Content"),
        ],
    );
    assert_eq!(content.get("anonymous"), Some("false"));
    assert_eq!(content.get("windows"), Some("true"));
    assert_eq!(content.get("source"), Some("location WSUS Administration/Content"));
    assert_eq!(content.get("basis"), Some("explicit"));
    assert_eq!(content.get("wsus-vdir"), Some("Content"));
    let text = String::from_utf8_lossy(&bytes);
    let line = text
        .lines()
        .position(|l| l.contains("anonymousAuthentication enabled=\"false\""))
        .unwrap();
    // The second such line (ApiRemoting30 is the first): the one inside the Content location.
    let content_line = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("anonymousAuthentication enabled=\"false\""))
        .map(|(i, _)| i as u64 + 1)
        .last()
        .unwrap();
    assert!(line as u64 + 1 < content_line);
    assert_eq!(content.line, content_line);
    assert_eq!(content.text.trim(), "<anonymousAuthentication enabled=\"false\" />");
}
