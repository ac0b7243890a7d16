//! `wsus-triage triage DIR` over ticket archives built by the tests: good, faulty, corrupt and
//! oversized bundles together; the JSONL lines and summary, exit codes, --resume, --shard,
//! --bundle-timeout, and how the pipeline abandons a bundle.

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wsus-triage"));
    c.env("NO_COLOR", "1").env("COLUMNS", "120");
    c
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("the binary runs")
}

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples").join(name)
}

const FIELDS: &str = "#Software: Microsoft Internet Information Services 10.0\r\n#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) sc-status sc-substatus sc-win32-status time-taken\r\n";

/// A healthy server's IIS day of `n` rounds: NTLM handshakes answered 200, ranged BITS downloads.
fn healthy_iis_log(n: usize) -> String {
    let mut log = String::from(FIELDS);
    for i in 0..n {
        let t = format!("2024-11-20 {:02}:{:02}:{:02}", 8 + (i / 60) % 12, i % 60, i % 50);
        let c = format!("10.1.4.{}", 20 + i % 30);
        log.push_str(&format!(
            "{t} 10.1.0.20 POST /ApiRemoting30/WebService.asmx - 8530 - 10.1.0.5 Mozilla/4.0 401 2 5 1\r\n"
        ));
        log.push_str(&format!(
            "{t} 10.1.0.20 POST /ApiRemoting30/WebService.asmx - 8530 CONTOSO\\admin 10.1.0.5 Mozilla/4.0 200 0 0 9\r\n"
        ));
        log.push_str(&format!("{t} 10.1.0.20 GET /Content/3C/0D6E5A1F2B3C4D5E6F708192A3B4C5D6E7F8093C.cab - 8530 CONTOSO\\PC$ {c} Microsoft+BITS/7.8 206 0 0 40\r\n"));
        log.push_str(&format!(
            "{t} 10.1.0.20 POST /ClientWebService/client.asmx - 8530 - {c} Windows-Update-Agent 200 0 0 120\r\n"
        ));
    }
    log
}

fn zip_of(path: &Path, files: &[(&str, &[u8])]) {
    let mut w = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, data) in files {
        w.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap();
}

/// good, faulty, corrupt and oversized bundles, and entries that are not bundles.
fn mixed_archive(dir: &Path) {
    std::fs::copy(sample("wsus2019-content-401.zip"), dir.join("T100-content-401.zip")).unwrap();
    let healthy = healthy_iis_log(200);
    zip_of(
        &dir.join("T101-healthy.zip"),
        &[("inetpub/logs/LogFiles/W3SVC1/u_ex241120.log", healthy.as_bytes())],
    );
    // A folder bundle.
    std::fs::create_dir_all(dir.join("T102-folder/W3SVC1")).unwrap();
    std::fs::write(dir.join("T102-folder/W3SVC1/u_ex241120.log"), &healthy).unwrap();
    // A lone log is a bundle of one.
    std::fs::write(dir.join("T103-u_ex241121.log"), &healthy).unwrap();
    // A zip cut in the middle of its only member and its directory: nothing to salvage.
    std::fs::write(dir.join("T104-corrupt.zip"), b"PK\x03\x04\x14\x00garbage").unwrap();
    // Named .zip, but a text file.
    std::fs::write(
        dir.join("T105-not-a-zip.zip"),
        b"this is a ticket note, not an archive\n",
    )
    .unwrap();
    // 3 MiB uncompressed, over --max-total-bytes 1536K.
    let big = healthy_iis_log(8000);
    assert!(big.len() > 3 << 20);
    zip_of(&dir.join("T106-oversized.zip"), &[("u_ex241120.log", big.as_bytes())]);
    // Not bundles.
    std::fs::write(dir.join("notes.txt"), "customer called twice\n").unwrap();
    std::fs::write(
        dir.join("policy.reg"),
        "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate]\r\n\"WUServer\"=\"http://wsus01:8530\"\r\n",
    )
    .unwrap();
}

fn jsonl(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// A line without its `seconds`, the one field that is not deterministic.
fn steady(mut v: Value) -> Value {
    if let Some(o) = v.as_object_mut().filter(|o| o.contains_key("bundle")) {
        assert!(
            o.remove("seconds").is_some_and(|s| s.is_f64() || s.is_u64()),
            "seconds is a number"
        );
    }
    v
}

fn triage(dir: &Path, extra: &[&str]) -> (Output, Vec<Value>) {
    let mut args = vec![
        "triage",
        dir.to_str().unwrap(),
        "--format",
        "jsonl",
        "--max-total-bytes",
        "1536K",
    ];
    args.extend_from_slice(extra);
    let out = run(&args);
    let lines = jsonl(&out.stdout);
    (out, lines)
}

#[test]
fn a_mixed_archive_gives_one_line_per_bundle_in_name_order_the_summary_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    mixed_archive(dir.path());
    let (out, lines) = triage(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let (summary, bundles) = lines.split_last().unwrap();
    let got: Vec<Value> = bundles.iter().cloned().map(steady).collect();
    let finding =
        serde_json::json!([{"signature": "WSUS-CONTENT-VROOT-AUTH", "severity": "error", "confidence": "high"}]);
    let expected = serde_json::json!([
        {"bundle": "T100-content-401.zip", "findings": finding, "files": 13, "problems": 0, "status": "analyzed"},
        {"bundle": "T101-healthy.zip", "findings": [], "files": 1, "problems": 0, "status": "analyzed"},
        {"bundle": "T102-folder", "findings": [], "files": 1, "problems": 0, "status": "analyzed"},
        {"bundle": "T103-u_ex241121.log", "findings": [], "files": 1, "problems": 0, "status": "analyzed"},
        {"bundle": "T104-corrupt.zip", "findings": [], "files": 0, "problems": 0, "status": "unreadable",
         "reason": bundles[4]["reason"]},
        {"bundle": "T105-not-a-zip.zip", "findings": [], "files": 0, "problems": 0, "status": "unreadable",
         "reason": "named like an archive but is not one (no zip or cab signature)"},
        {"bundle": "T106-oversized.zip", "findings": [], "files": 0, "problems": 0, "status": "too-large",
         "reason": format!("{} bytes uncompressed, over the limit of 1572864 (raise --max-total-bytes)", healthy_iis_log(8000).len())},
    ]);
    assert_eq!(Value::Array(got), expected);
    let corrupt = bundles[4]["reason"].as_str().unwrap();
    assert!(corrupt.contains("central directory unreadable"), "{corrupt}");

    let s = &summary["summary"];
    assert_eq!(s["bundles"], 7);
    assert_eq!(s["by_signature"], serde_json::json!({"WSUS-CONTENT-VROOT-AUTH": 1}));
    assert_eq!(s["analyzed"], 4);
    assert_eq!(s["no_finding"], 3);
    assert_eq!(s["with_warning_or_above"], 1);
    let failed: Vec<(&str, &str)> = s["failed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["bundle"].as_str().unwrap(), f["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        failed,
        [
            ("T104-corrupt.zip", "unreadable"),
            ("T105-not-a-zip.zip", "unreadable"),
            ("T106-oversized.zip", "too-large")
        ]
    );
    let not: Vec<&str> = s["not_bundles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["entry"].as_str().unwrap())
        .collect();
    assert_eq!(not, ["notes.txt", "policy.reg"]);
    assert!(s["not_bundles"][1]["reason"].as_str().unwrap().contains("reg-export"));
}

#[test]
fn the_output_does_not_depend_on_threads_or_jobs() {
    let dir = tempfile::tempdir().unwrap();
    mixed_archive(dir.path());
    let (_, one) = triage(dir.path(), &["--threads", "1", "--jobs", "1"]);
    let (_, many) = triage(dir.path(), &["--threads", "2", "--jobs", "5"]);
    let strip = |v: Vec<Value>| v.into_iter().map(steady).collect::<Vec<_>>();
    assert_eq!(strip(one), strip(many));
}

#[test]
fn healthy_bundles_exit_0_and_nothing_readable_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    zip_of(
        &dir.path().join("a.zip"),
        &[("u_ex241120.log", healthy_iis_log(50).as_bytes())],
    );
    let (out, lines) = triage(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(lines.last().unwrap()["summary"]["no_finding"], 1);

    let bad = tempfile::tempdir().unwrap();
    std::fs::write(bad.path().join("x.zip"), b"PK\x03\x04\x14\x00cut").unwrap();
    std::fs::write(bad.path().join("readme.txt"), b"hello").unwrap();
    let (out, lines) = triage(bad.path(), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(lines.len(), 2, "the bundle's line and the summary are still written");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no bundle could be analyzed"));

    let empty = tempfile::tempdir().unwrap();
    let (out, lines) = triage(empty.path(), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(lines[0]["summary"]["bundles"], 0);

    let out = run(&["triage", "/nonexistent/archive"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["triage", empty.path().to_str().unwrap(), "--shard", "3/2"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn resume_skips_what_an_interrupted_run_wrote_and_completes_it() {
    let dir = tempfile::tempdir().unwrap();
    mixed_archive(dir.path());
    let (_, full) = triage(dir.path(), &[]);
    // An interrupted run: the first two lines, then a line cut mid-way. The second line is
    // doctored (files = 999) to show it is copied, not analyzed again.
    let mut doctored = full[1].clone();
    doctored["files"] = 999.into();
    let earlier = format!(
        "{}\n{}\n{{\"bundle\":\"T102-folder\",\"findings\":[",
        serde_json::to_string(&full[0]).unwrap(),
        serde_json::to_string(&doctored).unwrap()
    );
    let resume = dir.path().join(".earlier.jsonl");
    std::fs::write(&resume, earlier).unwrap();
    let (out, resumed) = triage(dir.path(), &["--resume", resume.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(resumed.len(), full.len());
    assert_eq!(resumed[0], full[0], "copied verbatim, seconds included");
    assert_eq!(resumed[1]["files"], 999, "not analyzed again");
    for (a, b) in resumed.iter().zip(&full).skip(2) {
        assert_eq!(steady(a.clone())["bundle"], steady(b.clone())["bundle"]);
    }
    let s = &resumed.last().unwrap()["summary"];
    assert_eq!(s["resumed"], 2);
    assert_eq!(s["bundles"], 7, "the summary covers the whole archive");
    assert_eq!(s["by_signature"]["WSUS-CONTENT-VROOT-AUTH"], 1);
    // Hidden entries (the resume file itself here) are not bundles.
    assert_eq!(s["not_bundles"][0]["entry"], ".earlier.jsonl");

    // Writing over the file being resumed would lose it.
    let out = run(&[
        "triage",
        dir.path().to_str().unwrap(),
        "--resume",
        resume.to_str().unwrap(),
        "--output",
        resume.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn shards_split_the_archive_with_no_overlap_and_nothing_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let log = healthy_iis_log(5);
    for i in 0..24 {
        std::fs::write(dir.path().join(format!("ticket-{i:03}.log")), &log).unwrap();
    }
    let names = |lines: &[Value]| -> Vec<String> {
        lines
            .iter()
            .filter_map(|l| l["bundle"].as_str().map(str::to_string))
            .collect()
    };
    let (_, all) = triage(dir.path(), &[]);
    let all = names(&all);
    assert_eq!(all.len(), 24);
    for n in [2, 3] {
        let mut union = Vec::new();
        for i in 1..=n {
            let (out, lines) = triage(dir.path(), &["--shard", &format!("{i}/{n}")]);
            assert_eq!(out.status.code(), Some(0));
            let got = names(&lines);
            assert!(
                !got.is_empty() && got.len() < 24,
                "shard {i}/{n} took {} bundles",
                got.len()
            );
            assert_eq!(lines.last().unwrap()["summary"]["shard"], format!("{i}/{n}"));
            // The same shard twice is the same bundles (by name hash, not position).
            let (_, again) = triage(dir.path(), &["--shard", &format!("{i}/{n}"), "--jobs", "1"]);
            assert_eq!(names(&again), got);
            union.extend(got);
        }
        union.sort();
        let before = union.len();
        union.dedup();
        assert_eq!(before, union.len(), "no bundle in two shards of {n}");
        assert_eq!(union, all, "the shards of {n} together are the whole");
    }
    // A new bundle does not move the others between shards.
    let (_, before) = triage(dir.path(), &["--shard", "1/2"]);
    std::fs::write(dir.path().join("aaa-first.log"), &log).unwrap();
    let (_, after) = triage(dir.path(), &["--shard", "1/2"]);
    let after: Vec<String> = names(&after).into_iter().filter(|n| n != "aaa-first.log").collect();
    assert_eq!(after, names(&before));
}

#[test]
fn a_bundle_past_the_timeout_is_reported_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let log = healthy_iis_log(3000);
    for i in 0..3 {
        zip_of(
            &dir.path().join(format!("slow-{i}.zip")),
            &[("u_ex241120.log", log.as_bytes())],
        );
    }
    // One microsecond: every bundle is past it as soon as it starts.
    let out = run(&[
        "triage",
        dir.path().to_str().unwrap(),
        "--format",
        "jsonl",
        "--bundle-timeout",
        "0.000001",
        "--jobs",
        "1",
    ]);
    let lines = jsonl(&out.stdout);
    assert_eq!(lines.len(), 4);
    for (i, l) in lines[..3].iter().enumerate() {
        assert_eq!(l["bundle"], format!("slow-{i}.zip"));
        assert_eq!(l["status"], "timed-out", "{l}");
        assert!(l["reason"].as_str().unwrap().contains("--bundle-timeout"));
    }
    assert_eq!(lines[3]["summary"]["failed"].as_array().unwrap().len(), 3);
    assert_eq!(out.status.code(), Some(2), "nothing was analyzed");
}

#[test]
fn human_and_csv_shapes() {
    let dir = tempfile::tempdir().unwrap();
    mixed_archive(dir.path());
    let out = run(&[
        "triage",
        dir.path().to_str().unwrap(),
        "--format",
        "human",
        "--max-total-bytes",
        "1536K",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "7 bundle(s); 4 analyzed, 1 with a finding at warning or above, 3 with no finding, 3 could not be read."
        ),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("WSUS-CONTENT-VROOT-AUTH") && l.contains(" 1  error ")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("T106-oversized.zip") && l.contains("too-large")),
        "{text}"
    );
    assert!(text.lines().any(|l| l.starts_with("notes.txt")), "{text}");

    let out = run(&[
        "triage",
        dir.path().to_str().unwrap(),
        "--format",
        "csv",
        "--max-total-bytes",
        "1536K",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(
        rows[0],
        "bundle,status,worst_severity,findings,files,problems,seconds,reason"
    );
    assert_eq!(rows.len(), 8);
    assert!(rows[1].starts_with("T100-content-401.zip,analyzed,error,WSUS-CONTENT-VROOT-AUTH (error/high),13,0,"));
    assert!(rows[6].starts_with("T105-not-a-zip.zip,unreadable,,,0,0,"));
    assert!(rows[6].ends_with(",named like an archive but is not one (no zip or cab signature)"));
    // The reason of the corrupt zip has commas? Then it is quoted.
    let corrupt = rows[5];
    assert!(corrupt.starts_with("T104-corrupt.zip,unreadable,"));

    let out = run(&[
        "triage",
        dir.path().to_str().unwrap(),
        "--format",
        "json",
        "--max-total-bytes",
        "1536K",
    ]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["schema"], "wsus-triage/v1");
    assert_eq!(doc["bundles"].as_array().unwrap().len(), 7);
    assert_eq!(doc["summary"]["bundles"], 7);
}

// ---- the pipeline's abandonment, deterministically (no timing involved) ----

use wsus_triage::intake::{Bundle, Limits};
use wsus_triage::kind::FileKind;
use wsus_triage::pipeline::{Engine, Options, RecordTap, run_opened};
use wsus_triage::records::{Record, RecordSink};

fn engine() -> Engine {
    Engine::load(&[]).expect("embedded grammars load")
}

fn two_logs() -> Bundle {
    Bundle::from_memory(
        "b",
        vec![
            ("a/u_ex241120.log".into(), healthy_iis_log(300).into_bytes()),
            ("b/u_ex241121.log".into(), healthy_iis_log(300).into_bytes()),
        ],
        &Limits::default(),
    )
}

#[test]
fn a_raised_cancel_flag_skips_files_not_started() {
    let options = Options {
        diagnose: true,
        cancel: Some(Arc::new(AtomicBool::new(true))),
        ..Options::default()
    };
    let report = run_opened(&engine(), two_logs(), &options);
    assert_eq!(report.files.len(), 2);
    for f in &report.files {
        assert_eq!(f.records, None);
        assert!(f.skipped.as_deref().unwrap().starts_with("abandoned"), "{f:?}");
    }
    assert!(report.findings.is_empty());
}

/// Raises the flag after `after` records.
struct RaiseAfter {
    seen: Arc<AtomicU64>,
    after: u64,
    flag: Arc<AtomicBool>,
}

impl RecordSink for RaiseAfter {
    fn record(&mut self, _: &Record<'_>) {
        if self.seen.fetch_add(1, Ordering::Relaxed) + 1 == self.after {
            self.flag.store(true, Ordering::Relaxed);
        }
    }
}

#[test]
fn a_flag_raised_during_a_parse_unwinds_the_parser_at_its_next_record() {
    let flag = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(AtomicU64::new(0));
    let tap = {
        let (flag, seen) = (flag.clone(), seen.clone());
        RecordTap(Arc::new(move |_, _: &str, kind| {
            assert_eq!(kind, FileKind::IisW3cLog);
            Some(Box::new(RaiseAfter {
                seen: seen.clone(),
                after: 100,
                flag: flag.clone(),
            }) as Box<dyn RecordSink>)
        }))
    };
    let options = Options {
        diagnose: true,
        cancel: Some(flag),
        tap: Some(tap),
        ..Options::default()
    };
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let report = pool.install(|| run_opened(&engine(), two_logs(), &options));
    assert_eq!(
        seen.load(Ordering::Relaxed),
        100,
        "no record past the one that raised the flag"
    );
    let first = &report.files[0];
    assert_eq!(first.records, Some(100));
    assert!(
        first.problems.iter().any(|p| p.message.starts_with("abandoned")),
        "{first:?}"
    );
    assert!(report.files[1].skipped.as_deref().unwrap().starts_with("abandoned"));
}

#[test]
fn findings_below_min_severity_are_counted_not_silently_dropped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        sample("wsus2012r2-pool-and-upgrade-two-faults.zip"),
        dir.path().join("two-faults.zip"),
    )
    .unwrap();
    let all = run(&["triage", dir.path().to_str().unwrap(), "--format", "jsonl"]);
    let all = jsonl(&all.stdout);
    let listed = all[0]["findings"].as_array().unwrap().len() as u64;
    assert!(all[0].get("hidden").is_none(), "nothing hidden without --min-severity");

    let out = run(&[
        "triage",
        dir.path().to_str().unwrap(),
        "--format",
        "jsonl",
        "--min-severity",
        "error",
    ]);
    let lines = jsonl(&out.stdout);
    let kept = lines[0]["findings"].as_array().unwrap();
    assert!(kept.iter().all(|f| f["severity"] == "error"));
    // The warning (pool memory recycles) and the info (recovered pool) are counted as hidden.
    let hidden = lines[0]["hidden"].as_u64().unwrap();
    assert!(hidden >= 2, "{}", lines[0]);
    assert_eq!(kept.len() as u64 + hidden, listed);
    assert_eq!(lines.last().unwrap()["summary"]["hidden"].as_u64(), Some(hidden));

    let human = run(&[
        "triage",
        dir.path().to_str().unwrap(),
        "--min-severity",
        "error",
        "--format",
        "human",
    ]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains(&format!("{hidden} finding(s) below --min-severity are not listed")),
        "{text}"
    );
}
