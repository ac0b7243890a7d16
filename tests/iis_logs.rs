//! The public W3C samples of `../shared/corpus/iis/` (lnav's and plaso's test files): every file is
//! read whole, with an exact record count, the exact problems and notes, and the awkward values
//! (quoted, space-separated, local-time, date-less) where they belong. Big generated logs read in
//! parallel give exactly what one pass gives, whatever the thread count.
//!
//! Record counts were counted independently of the parser, as the lines that are neither
//! directives nor blank: `grep -c -v -e '^#' -e '^[[:space:]]*$' FILE`.

use std::path::{Path, PathBuf};
use wsus_triage::formats::{ParseInput, ParseOptions, ParseOutcome, iis_w3c};
use wsus_triage::intake::classify;
use wsus_triage::intake::decode;
use wsus_triage::kind::FileKind;
use wsus_triage::records::{Position, Problem, Record, RecordSink};

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/iis");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: {} not found", dir.display());
        None
    }
}

/// A record's line, time and fields, as text.
type Row = (u64, Option<String>, Vec<(String, String)>);

#[derive(Default)]
struct Rows(Vec<Row>);

impl RecordSink for Rows {
    fn record(&mut self, r: &Record<'_>) {
        let Position::Line(n) = r.position else {
            panic!("IIS records are lines")
        };
        self.0.push((
            n,
            r.time.map(|t| t.to_rfc3339()),
            r.fields.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect(),
        ));
    }
}

impl Rows {
    fn field(&self, record: usize, name: &str) -> Option<&str> {
        self.0[record]
            .2
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn read(path: &Path) -> (Rows, ParseOutcome) {
    let bytes = std::fs::read(path).unwrap();
    let opts = ParseOptions::default();
    let input = ParseInput {
        path: path.to_str().unwrap(),
        bytes: &bytes,
        encoding: Some(decode::sniff(&bytes)),
        format: Some("iis-w3c"),
        options: &opts,
    };
    let mut rows = Rows::default();
    let out = iis_w3c::parse(&input, &mut rows);
    assert_eq!(out.records, rows.0.len() as u64);
    (rows, out)
}

/// (file, records, field names per record)
const FILES: [(&str, u64, usize); 15] = [
    ("logfile_w3c.0", 1, 11),
    ("logfile_w3c.1", 1, 13),
    ("logfile_w3c.2", 14, 5),
    ("logfile_w3c.3", 3, 16),
    ("logfile_w3c.4", 2, 41),
    ("logfile_w3c.5", 1, 6),
    ("logfile_w3c.6", 1, 17),
    ("logfile_w3c_big.0", 210, 17),
    ("plaso-iis10.log", 1, 15),
    ("plaso-iis10_cookies.log", 3, 16),
    ("plaso-iis10_edge_cases.log", 15, 15),
    ("plaso-iis6.log", 12, 14),
    ("plaso-iis7_owa.log", 3, 14),
    ("plaso-iis7_sqli.log", 2, 11),
    ("plaso-iis_without_date.log", 11, 14),
];

#[test]
fn every_corpus_file_reads_with_exact_counts_and_only_explained_problems() {
    let Some(dir) = corpus() else { return };
    for (name, records, width) in FILES {
        let (rows, out) = read(&dir.join(name));
        assert_eq!(out.records, records, "{name}: records");
        let expected_problems = match name {
            // lnav's "missing fields" sample: 17 values under a 6-name #Fields, kept and flagged.
            "logfile_w3c.5" => vec![Problem::at_line(2, "17 fields, #Fields names 6")],
            _ => vec![],
        };
        assert_eq!(out.problems, expected_problems, "{name}: problems");
        for (i, row) in rows.0.iter().enumerate() {
            assert_eq!(row.2.len(), width, "{name}: record {i} fields");
            assert!(row.1.is_some(), "{name}: record {i} has no time");
        }
        let expected_notes: Vec<String> = match name {
            "logfile_w3c.1" => {
                vec!["line 2: #GMT-Offset -0800 (not an IIS directive) was not applied: W3C times are UTC".into()]
            }
            _ => vec![],
        };
        assert_eq!(out.notes, expected_notes, "{name}: notes");
        let zone = match name {
            "logfile_w3c.3" => "local (date-local/time-local), zone unknown: kept as written",
            _ => "UTC",
        };
        assert_eq!(out.time_zone.as_deref(), Some(zone), "{name}: time zone");
    }
}

#[test]
fn every_corpus_file_is_classified_as_w3c() {
    let Some(dir) = corpus() else { return };
    let engine = wsus_triage::pipeline::Engine::load(&[]).unwrap();
    for (name, _, _) in FILES {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let class = classify::classify(&engine.formats, name, &bytes);
        assert_eq!(class.kind, FileKind::IisW3cLog, "{name}: {}", class.reason);
    }
}

#[test]
fn oracle_web_cache_runs_of_spaces_and_quotes() {
    let Some(dir) = corpus() else { return };
    let (rows, _) = read(&dir.join("logfile_w3c.1"));
    assert_eq!(rows.0[0].0, 7);
    assert_eq!(rows.0[0].1.as_deref(), Some("2001-10-31T00:00:18Z"));
    assert_eq!(rows.field(0, "c-ip"), Some("64.103.37.2"));
    assert_eq!(
        rows.field(0, "cs(Referrer)"),
        Some("http://www.oracle.com/nl/partner/content.html")
    );
    assert_eq!(rows.field(0, "cs(User-Agent)"), Some("Mozilla/4.5 [en] (WinNT; I)"));
}

#[test]
fn advanced_logging_quoted_agents_and_escaped_quotes() {
    let Some(dir) = corpus() else { return };
    let (rows, _) = read(&dir.join("logfile_w3c.3"));
    assert_eq!(rows.0.iter().map(|r| r.0).collect::<Vec<_>>(), vec![8, 9, 10]);
    assert_eq!(rows.0[0].1.as_deref(), Some("2012-08-15T17:00:00.363"));
    assert_eq!(rows.field(0, "c-ip"), Some("70.95.0.0"));
    assert!(
        rows.field(1, "cs(User-Agent)")
            .unwrap()
            .starts_with("Mozilla/5.0 (Macintosh;")
    );
    assert_eq!(rows.field(2, "sc-substatus"), Some(" \"garbage\" w/ spaces "));
    assert_eq!(rows.field(2, "TimeTakenMS"), Some("359"));
}

#[test]
fn incapsula_quoted_everything() {
    let Some(dir) = corpus() else { return };
    let (rows, _) = read(&dir.join("logfile_w3c.4"));
    assert_eq!(rows.0[0].1.as_deref(), Some("2017-06-28T07:26:35Z"));
    assert_eq!(rows.field(0, "cs-clapp"), Some("Chrome"));
    assert_eq!(rows.field(0, "s-caip"), Some(""));
    assert_eq!(rows.field(1, "s-ruleName"), rows.0[1].2.last().map(|(_, v)| v.as_str()));
}

#[test]
fn ftp_log_takes_its_date_from_each_block() {
    let Some(dir) = corpus() else { return };
    let (rows, _) = read(&dir.join("logfile_w3c.2"));
    assert_eq!(rows.0[0].1.as_deref(), Some("2000-10-09T16:44:49Z"));
    assert_eq!(rows.0[11].0, 20);
    assert_eq!(rows.0[11].1.as_deref(), Some("2000-10-10T16:44:49Z"));
    assert_eq!(rows.field(4, "cs-uri-stem"), Some("user@domain.com"));
}

#[test]
fn plaso_edge_cases_double_space_and_long_query() {
    let Some(dir) = corpus() else { return };
    let (rows, _) = read(&dir.join("plaso-iis10_edge_cases.log"));
    assert_eq!(rows.field(0, "cs-username"), Some("random\\ranuser1"));
    assert_eq!(rows.field(0, "c-ip"), Some("::1"));
    assert_eq!(rows.field(3, "cs-uri-stem"), Some("/api/v1.0/$metadata"));
    assert_eq!(rows.field(5, "sc-win32-status"), Some("214784354254"));
    let (rows, _) = read(&dir.join("plaso-iis_without_date.log"));
    assert_eq!(rows.0[1].1.as_deref(), Some("2013-07-30T00:00:03Z"));
    assert_eq!(rows.field(1, "cs-version"), Some("HTTP/1.1"));
}

/// A generated log of several MB (many blocks, a restart mid-file, a crash's NUL run, a line of
/// several MB, a cut last line), read through the pipeline with 1 and 3 threads: the inventory is
/// the same, and the parser's own one-pass reading agrees.
#[test]
fn big_log_reads_the_same_in_parallel_and_in_one_pass() {
    let mut text = String::new();
    let header = "#Software: Microsoft Internet Information Services 10.0\r\n#Version: 1.0\r\n#Date: 2024-11-20 00:00:00\r\n#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) sc-status sc-substatus sc-win32-status time-taken\r\n";
    text.push_str(header);
    let mut n = 0u64;
    while text.len() < 34 << 20 {
        n += 1;
        let status = if n.is_multiple_of(97) { "401 2 5" } else { "200 0 0" };
        text.push_str(&format!(
            "2024-11-20 {:02}:{:02}:{:02} 10.1.0.20 GET /Content/{:02X}/{:040X}.cab - 8530 - 10.1.{}.{} Microsoft+BITS/7.8 {status} {}\r\n",
            (n / 3600) % 24,
            (n / 60) % 60,
            n % 60,
            n % 256,
            n,
            (n / 256) % 256,
            n % 256,
            n % 1000
        ));
        if n == 100_000 {
            text.push_str("#Software: Microsoft Internet Information Services 10.0\r\n#Fields: date time c-ip cs-uri-stem sc-status\r\n");
        }
        if n == 100_005 {
            text.push_str(header);
        }
        if n == 120_000 {
            // A crash: the space IIS had reserved stays NUL, then the service starts again.
            text.push_str(&"\0".repeat(3000));
            text.push_str(header);
        }
        if n == 150_000 {
            text.push_str(&format!(
                "2024-11-20 10:00:00 10.1.0.20 GET /long q={} 8530 - 10.1.4.77 UA 200 0 0 1\r\n",
                "x".repeat(3 << 20)
            ));
        }
    }
    let mut bytes = text.into_bytes();
    // The copy was taken while IIS was writing the last line.
    bytes.truncate(bytes.len() - 10);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("u_ex241120.log");
    std::fs::write(&path, &bytes).unwrap();
    let engine = wsus_triage::pipeline::Engine::load(&[]).unwrap();
    let report = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let options = wsus_triage::pipeline::Options {
            diagnose: true,
            ..Default::default()
        };
        let r = pool
            .install(|| wsus_triage::pipeline::run_bundle(&engine, &path, &options))
            .unwrap();
        serde_json::to_string(&r).unwrap()
    };
    let one = report(1);
    assert_eq!(one, report(3));

    // The parser's one-pass reading (no chunks) gives the same records and problems.
    struct Digest(u64, u64);
    impl RecordSink for Digest {
        fn record(&mut self, r: &Record<'_>) {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            (self.1, &r.position, r.time, r.text.as_ref()).hash(&mut h);
            for (a, b) in r.fields.iter() {
                (a, b).hash(&mut h);
            }
            self.0 ^= h.finish();
            self.1 += 1;
        }
    }
    let opts = ParseOptions::default();
    let input = ParseInput {
        path: "u_ex241120.log",
        bytes: &bytes,
        encoding: Some(decode::sniff(&bytes)),
        format: Some("iis-w3c"),
        options: &opts,
    };
    let mut parallel = Digest(0, 0);
    let par_out = iis_w3c::parse(&input, &mut parallel);
    let mut single = Digest(0, 0);
    let one_pass = wsus_triage::formats::chunked::Plan {
        parallel_from: usize::MAX,
        ..Default::default()
    };
    let seq_out = iis_w3c::read_with_plan(&input, &one_pass, &mut single);
    assert_eq!((parallel.0, parallel.1), (single.0, single.1));
    assert_eq!(par_out.records, seq_out.records);
    assert_eq!(par_out.problems, seq_out.problems);
    assert_eq!(par_out.records, n + 1);
    // The restart block with 5 fields, the cut last line and the NUL byte are all reported.
    let nul = Problem::at_line(
        120_011,
        "3000 NUL bytes skipped (space reserved by a writer that stopped); the text around them is read",
    );
    assert!(par_out.problems.contains(&nul), "{:?}", par_out.problems);
    assert!(
        par_out
            .problems
            .iter()
            .any(|p| p.message.contains("the last line is cut")),
        "{:?}",
        par_out.problems
    );
    assert!(one.contains("\"records\":"));
}

/// The examples of the IIS grammars (`grammars/formats/iis-*.toml`) read with no problem at all.
#[test]
fn grammar_examples_read_without_problems() {
    let engine = wsus_triage::pipeline::Engine::load(&[]).unwrap();
    let mut checked = 0;
    for g in &engine.formats.grammars {
        if !g.def.id.starts_with("iis-w3c") && g.def.id != "iis-httperr" {
            continue;
        }
        for ex in &g.def.examples {
            let name = ex.name.as_deref().unwrap_or("example.log");
            let opts = ParseOptions::default();
            let input = ParseInput {
                path: name,
                bytes: ex.text.as_bytes(),
                encoding: Some(decode::sniff(ex.text.as_bytes())),
                format: Some(&g.def.id),
                options: &opts,
            };
            let mut rows = Rows::default();
            let out = wsus_triage::formats::parse(g.def.kind, &input, &mut rows).unwrap();
            assert!(out.problems.is_empty(), "{} {name}: {:?}", g.def.id, out.problems);
            assert!(out.records > 0, "{} {name}", g.def.id);
            assert!(
                rows.0.iter().all(|r| r.1.is_some()),
                "{} {name}: untimed record",
                g.def.id
            );
            checked += 1;
        }
    }
    assert!(checked >= 7, "{checked} examples");
}
