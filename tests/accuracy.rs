//! Accuracy on the sample bundles: every bundle of `samples/expected.toml` is analyzed in each form
//! it is shipped in (folder, zip, cab), once per form, and checked against its expectations:
//! - each `[[bundle.expect]]` finding appears with that severity and at least that confidence
//!   (recall);
//! - no other finding at warning or above appears, except those the bundle `allow`s (a true
//!   symptom of the fault that is not its root cause) (precision);
//! - every cited evidence stands where it is cited (citation honesty): the text at that line of
//!   that file (decoded as the tool decodes it), in that EVTX record's XML or EventData values, or
//!   as `name = data` under that key of a hive. The test reads folders, zips, cabs and archives
//!   nested in them itself, with the zip and cab crates, not through the tool's intake.
//!
//! Expectations marked `known_gap = "…"` document what the catalog misses or wrongly reports: they
//! count in the figures but do not fail the test. `scripts/accuracy.sh` prints the table.

use rayon::prelude::*;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use wsus_triage::diagnosis::{Evidence, Finding};
use wsus_triage::pipeline::{Engine, Options, run_bundle};
use wsus_triage::records::{Position, Record, RecordSink};

#[derive(Debug, Deserialize)]
struct Expectations {
    bundle: Vec<BundleExpectation>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BundleExpectation {
    name: String,
    forms: Vec<String>,
    #[serde(default)]
    expect: Vec<Expected>,
    /// Findings at warning or above that are tolerated: true symptoms, not the root cause.
    #[serde(default)]
    allow: Vec<Allowed>,
    /// Findings that must not appear at warning or above; with `known_gap`, a documented false alarm.
    #[serde(default)]
    reject: Vec<Rejected>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    signature: String,
    severity: String,
    min_confidence: String,
    /// `["2024-11-20T09:12:00Z", "2024-11-21T00:00:00Z"]`: the finding's first and last seen times
    /// lie in this UTC window (local times were converted with the right zone).
    window: Option<[String; 2]>,
    known_gap: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Allowed {
    signature: String,
    why: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Rejected {
    signature: String,
    known_gap: Option<String>,
}

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples")
}

fn rank(confidence: &str) -> u8 {
    match confidence {
        "high" => 3,
        "medium" => 2,
        "low" => 1,
        _ => 0,
    }
}

/// Whether the times the finding's summary reports (`2024-11-20 09:22:16 UTC`, the failure period)
/// all lie inside the UTC window, and there is at least one (no window: always true).
fn in_window(f: &Finding, window: Option<&[String; 2]>) -> bool {
    let Some([from, to]) = window else {
        return true;
    };
    let parse = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().naive_utc();
    let (from, to) = (parse(from), parse(to));
    let times = summary_times(&f.summary);
    !times.is_empty() && times.iter().all(|t| *t >= from && *t <= to)
}

fn summary_times(summary: &str) -> Vec<chrono::NaiveDateTime> {
    let re = regex::Regex::new(r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) UTC").unwrap();
    re.captures_iter(summary)
        .filter_map(|c| chrono::NaiveDateTime::parse_from_str(&c[1], "%Y-%m-%d %H:%M:%S").ok())
        .collect()
}

fn at_least_warning(f: &Finding) -> bool {
    matches!(f.severity.name(), "error" | "warning")
}

// ------------------------------------------------------------------------------------------------
// The bundle's files, read independently of the tool's intake.

/// Every file of a bundle by its path in the bundle, members of (nested) archives as
/// `outer.zip/inner/path`, as CONTRACT.md names them.
fn bundle_files(path: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    if path.is_dir() {
        for entry in walkdir::WalkDir::new(path).sort_by_file_name() {
            let entry = entry.unwrap();
            if entry.file_type().is_file() {
                let rel = entry
                    .path()
                    .strip_prefix(path)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                add_file(&mut out, rel, std::fs::read(entry.path()).unwrap());
            }
        }
    } else {
        let bytes = std::fs::read(path).unwrap();
        for (name, data) in archive_members(&bytes).expect("the bundle is an archive") {
            add_file(&mut out, name, data);
        }
    }
    out
}

fn add_file(out: &mut BTreeMap<String, Vec<u8>>, path: String, bytes: Vec<u8>) {
    if let Some(members) = archive_members(&bytes) {
        for (name, data) in members {
            add_file(out, format!("{path}/{name}"), data);
        }
    }
    out.insert(path, bytes);
}

/// The members of a zip or cab, or `None` when the bytes are neither.
fn archive_members(bytes: &[u8]) -> Option<Vec<(String, Vec<u8>)>> {
    if bytes.starts_with(b"PK\x03\x04") {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
        let mut out = Vec::new();
        for i in 0..zip.len() {
            let mut member = zip.by_index(i).unwrap();
            if member.is_dir() {
                continue;
            }
            let name = member.name().unwrap().replace('\\', "/");
            let mut data = Vec::new();
            member.read_to_end(&mut data).unwrap();
            out.push((name, data));
        }
        return Some(out);
    }
    if bytes.starts_with(b"MSCF") {
        let mut cabinet = cab::Cabinet::new(std::io::Cursor::new(bytes)).ok()?;
        let names: Vec<String> = cabinet
            .folder_entries()
            .flat_map(|f| f.file_entries().map(|e| e.name().to_string()).collect::<Vec<_>>())
            .collect();
        let mut out = Vec::new();
        for name in names {
            let mut data = Vec::new();
            cabinet.read_file(&name).unwrap().read_to_end(&mut data).unwrap();
            out.push((name.replace('\\', "/"), data));
        }
        return Some(out);
    }
    None
}

// ------------------------------------------------------------------------------------------------
// Citation honesty.

use wsus_triage::intake::decode::line_at as line_of;

/// XML with the whitespace between tags removed and entities unescaped, so the evtx crate's
/// indented rendering and the tool's compact one compare.
fn flat_xml(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len());
    let mut pending_ws = String::new();
    let mut after_tag = false;
    for c in xml.chars() {
        if c.is_whitespace() && after_tag {
            pending_ws.push(c);
            continue;
        }
        if c == '<' {
            pending_ws.clear();
        } else {
            out.push_str(&pending_ws);
            pending_ws.clear();
        }
        after_tag = c == '>';
        out.push(c);
    }
    unescape(&out)
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Whether `text` stands in the EVTX record whose EventRecordID is `id`: in its XML or in one of
/// its `<Data>` values.
fn stands_in_evtx(bytes: &[u8], id: u64, text: &str) -> bool {
    let Ok(mut parser) = evtx::EvtxParser::from_buffer(bytes.to_vec()) else {
        return false;
    };
    let wanted = format!("<EventRecordID>{id}</EventRecordID>");
    let text = unescape(text);
    let flat_text = flat_xml(&text);
    for record in parser.records().flatten() {
        let xml = flat_xml(&record.data);
        if !xml.contains(&wanted) {
            continue;
        }
        if xml.contains(&flat_text) || xml.contains(&text) {
            return true;
        }
        // EventData values, each as it is.
        return xml
            .split("<Data")
            .skip(1)
            .filter_map(|d| d.split_once('>').map(|(_, rest)| rest))
            .filter_map(|rest| rest.split_once("</Data>").map(|(value, _)| value))
            .any(|value| value.contains(&text));
    }
    false
}

/// Whether `name = data` is a value of `key` in the hive, as the tool's hive reader lists it.
fn stands_in_hive(path: &str, bytes: &[u8], key: &str, text: &str) -> bool {
    struct Values(Vec<(String, String)>);
    impl RecordSink for Values {
        fn record(&mut self, r: &Record<'_>) {
            if let Position::Key(k) = &r.position {
                self.0.push((k.clone(), r.text.to_string()));
            }
        }
    }
    let mut values = Values(Vec::new());
    let options = wsus_triage::formats::ParseOptions::default();
    let input = wsus_triage::formats::ParseInput {
        path,
        bytes,
        encoding: None,
        format: Some("registry-hive"),
        options: &options,
    };
    wsus_triage::formats::registry_hive::parse(&input, &mut values);
    values
        .0
        .iter()
        .any(|(k, t)| k.eq_ignore_ascii_case(key) && t.contains(text))
}

/// Whether one cited evidence stands; `Err` says why not.
fn check_citation(files: &BTreeMap<String, Vec<u8>>, e: &Evidence) -> Result<(), String> {
    let bytes = files
        .get(&e.file)
        .ok_or_else(|| format!("{} is not a file of the bundle", e.file))?;
    if let Some(n) = e.line {
        let line = line_of(bytes, n).ok_or_else(|| format!("{} has no line {n}", e.file))?;
        return if line.contains(&e.text) {
            Ok(())
        } else {
            Err(format!("{}:{n} is {line:?}, not {:?}", e.file, e.text))
        };
    }
    if let Some(id) = e.record {
        return if stands_in_evtx(bytes, id, &e.text) {
            Ok(())
        } else {
            Err(format!("{} record {id} does not hold {:?}", e.file, e.text))
        };
    }
    if let Some(key) = &e.key {
        return if stands_in_hive(&e.file, bytes, key, &e.text) {
            Ok(())
        } else {
            Err(format!("{} key {key} has no value {:?}", e.file, e.text))
        };
    }
    Err(format!("{}: evidence without line, record or key", e.file))
}

// ------------------------------------------------------------------------------------------------
// One bundle form against its expectations.

#[derive(Debug, Default)]
struct FormResult {
    bundle: String,
    form: String,
    expected: usize,
    found: usize,
    /// Expected findings met at info severity (recovered faults): they count for recall, not for
    /// precision, which is about the findings at warning or above.
    info_found: usize,
    /// (expectation, why missed, known gap?)
    missing: Vec<(String, String, bool)>,
    /// Findings at warning or above that are allowed (true symptoms).
    allowed: usize,
    /// (finding, known gap?)
    extra: Vec<(String, bool)>,
    cited: usize,
    standing: usize,
    citation_failures: Vec<String>,
    /// Known gaps that no longer show: the mark can go.
    fixed_gaps: Vec<String>,
}

fn evaluate(engine: &Engine, b: &BundleExpectation, form: &str) -> FormResult {
    let path = match form {
        "folder" => samples().join(&b.name),
        ext => samples().join(format!("{}.{ext}", b.name)),
    };
    let options = Options {
        diagnose: true,
        ..Options::default()
    };
    let report = run_bundle(engine, &path, &options).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut r = FormResult {
        bundle: b.name.clone(),
        form: form.to_string(),
        expected: b.expect.len(),
        ..FormResult::default()
    };
    for x in &b.expect {
        let label = format!("{} ({}, ≥{})", x.signature, x.severity, x.min_confidence);
        let hit = report.findings.iter().find(|f| f.signature == x.signature);
        let graded = hit
            .is_some_and(|f| f.severity.name() == x.severity && rank(f.confidence.name()) >= rank(&x.min_confidence));
        let timed = hit.is_some_and(|f| in_window(f, x.window.as_ref()));
        if graded && timed {
            r.found += 1;
            if x.severity == "info" {
                r.info_found += 1;
            }
            if x.known_gap.is_some() {
                r.fixed_gaps.push(label);
            }
        } else {
            let why = match hit {
                Some(f) if graded => format!(
                    "its summary's times {:?} are not all inside the window {:?}",
                    summary_times(&f.summary),
                    x.window
                ),
                Some(f) => format!("reported as {} / {}", f.severity.name(), f.confidence.name()),
                None => "not reported".to_string(),
            };
            r.missing.push((label, why, x.known_gap.is_some()));
        }
    }
    for f in report.findings.iter().filter(|f| at_least_warning(f)) {
        if b.expect.iter().any(|x| x.signature == f.signature) {
            continue;
        }
        if b.allow.iter().any(|a| a.signature == f.signature && !a.why.is_empty()) {
            r.allowed += 1;
            continue;
        }
        let known = b
            .reject
            .iter()
            .any(|x| x.signature == f.signature && x.known_gap.is_some());
        r.extra.push((
            format!("{} ({}, {})", f.signature, f.severity.name(), f.confidence.name()),
            known,
        ));
    }
    for x in b.reject.iter().filter(|x| x.known_gap.is_some()) {
        if !report
            .findings
            .iter()
            .any(|f| f.signature == x.signature && at_least_warning(f))
        {
            r.fixed_gaps.push(format!("{} no longer reported", x.signature));
        }
    }
    let files = bundle_files(&path);
    for f in &report.findings {
        for e in &f.evidence {
            r.cited += 1;
            match check_citation(&files, e) {
                Ok(()) => r.standing += 1,
                Err(why) => r.citation_failures.push(format!("{}: {why}", f.signature)),
            }
        }
    }
    r
}

fn pct(a: usize, b: usize) -> String {
    if b == 0 {
        "-".into()
    } else {
        format!("{:.1}%", 100.0 * a as f64 / b as f64)
    }
}

fn table(results: &[FormResult]) -> String {
    use std::fmt::Write as _;
    let mut out = String::from("ACCURACY on samples/ (samples/expected.toml)\n");
    let _ = writeln!(
        out,
        "{:<44} {:<6} {:>8} {:>5} {:>7} {:>7} {:>5} {:>9}",
        "bundle", "form", "expected", "found", "missing", "allowed", "extra", "citations"
    );
    for r in results {
        let _ = writeln!(
            out,
            "{:<44} {:<6} {:>8} {:>5} {:>7} {:>7} {:>5} {:>4}/{:<4}",
            r.bundle,
            r.form,
            r.expected,
            r.found,
            r.missing.len(),
            r.allowed,
            r.extra.len(),
            r.standing,
            r.cited
        );
        for (m, why, known) in &r.missing {
            let _ = writeln!(
                out,
                "    missing: {m}: {why}{}",
                if *known { " [known gap]" } else { "" }
            );
        }
        for (x, known) in &r.extra {
            let _ = writeln!(out, "    extra:   {x}{}", if *known { " [known gap]" } else { "" });
        }
        for c in &r.citation_failures {
            let _ = writeln!(out, "    citation does not stand: {c}");
        }
        for g in &r.fixed_gaps {
            let _ = writeln!(out, "    known gap no longer seen (remove the mark): {g}");
        }
    }
    let sum = |f: fn(&FormResult) -> usize| results.iter().map(f).sum::<usize>();
    let (expected, found) = (sum(|r| r.expected), sum(|r| r.found));
    let (cited, standing) = (sum(|r| r.cited), sum(|r| r.standing));
    // Reported at warning or above: the expected ones met there, the allowed ones, the extra ones.
    let true_reported = found - sum(|r| r.info_found) + sum(|r| r.allowed);
    let reported = true_reported + sum(|r| r.extra.len());
    let _ = writeln!(
        out,
        "TOTAL ({} bundle forms): recall {} ({found}/{expected} expected findings), precision {} ({true_reported}/{reported} findings at warning or above are expected or allowed), citation honesty {} ({standing}/{cited} cited evidence stands)",
        results.len(),
        pct(found, expected),
        pct(true_reported, reported),
        pct(standing, cited)
    );
    out.push_str("END ACCURACY\n");
    out
}

#[test]
fn the_sample_bundles_are_diagnosed_as_expected_with_honest_citations() {
    let text = std::fs::read_to_string(samples().join("expected.toml")).unwrap();
    let expectations: Expectations = toml::from_str(&text).unwrap();
    let engine = Engine::load(&[]).unwrap();
    let jobs: Vec<(&BundleExpectation, &str)> = expectations
        .bundle
        .iter()
        .flat_map(|b| b.forms.iter().map(move |f| (b, f.as_str())))
        .collect();
    assert!(jobs.len() >= 18, "every sample bundle in every form");
    let results: Vec<FormResult> = jobs.par_iter().map(|(b, form)| evaluate(&engine, b, form)).collect();
    let report = table(&results);
    eprintln!("{report}");
    let mut failures = Vec::new();
    for r in &results {
        for (m, why, known) in &r.missing {
            if !known {
                failures.push(format!("{} [{}]: expected {m}, {why}", r.bundle, r.form));
            }
        }
        for (x, known) in &r.extra {
            if !known {
                failures.push(format!("{} [{}]: unexpected {x}", r.bundle, r.form));
            }
        }
        for c in &r.citation_failures {
            failures.push(format!("{} [{}]: citation does not stand: {c}", r.bundle, r.form));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_committed_sample_has_expectations() {
    let text = std::fs::read_to_string(samples().join("expected.toml")).unwrap();
    let expectations: Expectations = toml::from_str(&text).unwrap();
    for entry in std::fs::read_dir(samples()).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().to_string();
        if name == "README.md" || name == "expected.toml" {
            continue;
        }
        let (stem, form) = match name.rsplit_once('.') {
            Some((stem, ext)) if !entry.path().is_dir() => (stem.to_string(), ext.to_string()),
            _ => (name.clone(), "folder".to_string()),
        };
        let b = expectations
            .bundle
            .iter()
            .find(|b| b.name == stem)
            .unwrap_or_else(|| panic!("samples/{name} has no [[bundle]] in expected.toml"));
        assert!(
            b.forms.contains(&form),
            "samples/{name}: form {form} is not listed in expected.toml"
        );
    }
}

#[test]
fn the_independent_reader_finds_nested_members_by_their_bundle_path() {
    // The zip form of the first sample holds a client zip; its members are named through it.
    let files = bundle_files(&samples().join("wsus2019-content-401.zip"));
    assert!(files.contains_key("Clients/PC0077.zip"));
    assert!(files.contains_key("Clients/PC0077.zip/WindowsUpdate.log"));
    let folder = bundle_files(&samples().join("wsus2019-content-401"));
    assert_eq!(
        files.keys().collect::<Vec<_>>(),
        folder.keys().collect::<Vec<_>>(),
        "a folder and its zip hold the same files"
    );
    // A citation that does not stand is caught.
    let bad = Evidence {
        file: "Clients/PC0077.zip/WindowsUpdate.log".into(),
        line: Some(1),
        record: None,
        key: None,
        timestamp: None,
        text: "this text is in no log".into(),
        spans: Vec::new(),
    };
    assert!(check_citation(&files, &bad).is_err());
}

#[test]
fn the_record_and_key_checks_accept_what_stands_and_nothing_else() {
    let files = bundle_files(&samples().join("wsus2019-recovered-sync.zip"));
    let evtx = &files["WSUS-BER-02/EventLogs/Application.evtx"];
    // The first record (id 120451) is the scheduled synchronization of 2024-09-09.
    assert!(stands_in_evtx(
        evtx,
        120_451,
        "A scheduled synchronization was started."
    ));
    assert!(stands_in_evtx(evtx, 120_451, "<EventID Qualifiers=\"0\">381</EventID>"));
    assert!(!stands_in_evtx(
        evtx,
        120_451,
        "Synchronization completed successfully."
    ));
    assert!(!stands_in_evtx(
        evtx,
        999_999,
        "A scheduled synchronization was started."
    ));
    let hive = &files["WSUS-BER-02/Registry/SYSTEM"];
    let tz = r"HKLM\SYSTEM\ControlSet001\Control\TimeZoneInformation";
    assert!(stands_in_hive(
        "SYSTEM",
        hive,
        tz,
        "TimeZoneKeyName = W. Europe Standard Time"
    ));
    assert!(!stands_in_hive(
        "SYSTEM",
        hive,
        tz,
        "TimeZoneKeyName = Pacific Standard Time"
    ));
    assert!(!stands_in_hive(
        "SYSTEM",
        hive,
        r"HKLM\SYSTEM\Select",
        "TimeZoneKeyName = W. Europe Standard Time"
    ));
}
