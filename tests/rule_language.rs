//! The signature rule language, feature by feature, on IIS W3C records built in each test:
//! predicates, noise clearing (also across files), recovery, absent evidence, time windows,
//! captured values, evidence bound to one file, suppression by a more specific signature, the
//! literal prefilter.

use wsus_triage::grammars::{GrammarFile, GrammarFiles};
use wsus_triage::intake::{Bundle, Limits};
use wsus_triage::pipeline::{BundleReport, Engine, Options, run_opened};

const FIELDS: &str = "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) sc-status sc-substatus sc-win32-status time-taken\n";

/// An IIS line: `at` is `HH:MM:SS` on 2024-11-20.
fn line(at: &str, uri: &str, port: u16, user: &str, client: &str, status: &str) -> String {
    format!("2024-11-20 {at} 10.1.0.20 GET {uri} - {port} {user} {client} Microsoft+BITS/7.8 {status} 1\n")
}

fn engine(signatures: &[(&str, &str)]) -> Engine {
    let mut files = GrammarFiles::embedded();
    files.files.retain(|f| !f.path.starts_with("signatures/"));
    for (name, text) in signatures {
        files.files.push(GrammarFile {
            path: format!("signatures/{name}.toml"),
            text: (*text).into(),
            origin: "test".into(),
        });
    }
    Engine::from_files(&files).unwrap_or_else(|e| panic!("{:?}", miette::Report::new(e)))
}

fn run(engine: &Engine, logs: &[(&str, String)]) -> BundleReport {
    let files = logs
        .iter()
        .map(|(name, body)| (name.to_string(), format!("{FIELDS}{body}").into_bytes()))
        .collect();
    let bundle = Bundle::from_memory("test", files, &Limits::default());
    run_opened(
        engine,
        bundle,
        &Options {
            diagnose: true,
            ..Options::default()
        },
    )
}

const HEADER: &str = r#"
title = "test"
severity = "error"
origin = "test"
remediation = "fix it"
"#;

fn sig(id: &str, body: &str) -> String {
    format!("id = \"{id}\"\n{HEADER}\n{body}")
}

const CONTENT_401: &str = r#"
summary = "{count} from {distinct}"
[[evidence]]
id = "e"
kinds = ["iis-w3c-log"]
where = { sc-status = "401", cs-uri-stem = { regex = '^/Content/' } }
correlate = { key = ["c-ip", "cs-uri-stem"], cleared_by = { sc-status = { any = ["200", "206"] } }, within_seconds = 60, distinct = "c-ip" }
[[confidence]]
level = "medium"
require = ["e"]
"#;

#[test]
fn a_401_answered_within_the_window_is_noise_and_one_that_is_not_is_a_hit() {
    let e = engine(&[("S", &sig("S", CONTENT_401))]);
    let mut log = line("09:00:00", "/Content/a.cab", 8530, "-", "10.0.0.1", "401 2 5");
    log += &line("09:00:01", "/Content/a.cab", 8530, "PC1$", "10.0.0.1", "206 0 0");
    log += &line("09:00:05", "/Content/b.cab", 8530, "-", "10.0.0.2", "401 2 5");
    log += &line("09:10:00", "/Content/c.cab", 8530, "-", "10.0.0.3", "200 0 0");
    let r = run(&e, &[("u_ex1.log", log)]);
    assert_eq!(r.findings.len(), 1);
    assert_eq!(r.findings[0].summary, "1 from 1");
    assert_eq!(r.findings[0].evidence[0].line, Some(4));
}

#[test]
fn a_hit_pending_at_the_end_of_one_file_is_cleared_at_the_start_of_the_next() {
    let e = engine(&[("S", &sig("S", CONTENT_401))]);
    let first = line("23:59:59", "/Content/a.cab", 8530, "-", "10.0.0.1", "401 2 5");
    let second = line("00:00:00", "/Content/a.cab", 8530, "PC1$", "10.0.0.1", "206 0 0")
        .replace("2024-11-20 00:00:00", "2024-11-21 00:00:00");
    let r = run(&e, &[("u_ex241120.log", first.clone()), ("u_ex241121.log", second)]);
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    // Without the next day's file the 401 stands.
    assert_eq!(run(&e, &[("u_ex241120.log", first)]).findings.len(), 1);
}

#[test]
fn failures_followed_later_by_success_for_every_key_are_reported_as_recovered() {
    let e = engine(&[("S", &sig("S", CONTENT_401))]);
    let mut log = line("09:00:00", "/Content/a.cab", 8530, "-", "10.0.0.1", "401 2 5");
    log += &line("11:00:00", "/Content/a.cab", 8530, "PC1$", "10.0.0.1", "206 0 0");
    let r = run(&e, &[("u_ex1.log", log.clone())]);
    assert_eq!(r.findings[0].severity.name(), "info");
    assert!(
        r.findings[0]
            .summary
            .starts_with("Recovered: this was failing until 2024-11-20 09:00:00 UTC"),
        "{}",
        r.findings[0].summary
    );
    // A second client that never recovers keeps it an error.
    log += &line("11:05:00", "/Content/b.cab", 8530, "-", "10.0.0.2", "401 2 5");
    assert_eq!(run(&e, &[("u_ex1.log", log)]).findings[0].severity.name(), "error");
}

#[test]
fn resolved_by_another_evidence() {
    let body = r#"
summary = "sync failed"
[[evidence]]
id = "fail"
kinds = ["iis-w3c-log"]
where = { cs-uri-stem = "/ServerSyncWebService/ServerSyncWebService.asmx", sc-status = "500" }
resolved_by = "ok"
[[evidence]]
id = "ok"
kinds = ["iis-w3c-log"]
where = { cs-uri-stem = "/ServerSyncWebService/ServerSyncWebService.asmx", sc-status = "200" }
[[confidence]]
level = "high"
require = ["fail"]
"#;
    let e = engine(&[("S", &sig("S", body))]);
    let fail = line(
        "03:00:00",
        "/ServerSyncWebService/ServerSyncWebService.asmx",
        8530,
        "-",
        "10.0.0.9",
        "500 0 0",
    );
    let ok = line(
        "04:00:00",
        "/ServerSyncWebService/ServerSyncWebService.asmx",
        8530,
        "-",
        "10.0.0.9",
        "200 0 0",
    );
    assert_eq!(run(&e, &[("u.log", fail.clone())]).findings[0].severity.name(), "error");
    assert_eq!(
        run(&e, &[("u.log", format!("{fail}{ok}"))]).findings[0].severity.name(),
        "info"
    );
    let earlier_ok = ok.replace("04:00:00", "02:00:00");
    assert_eq!(
        run(&e, &[("u.log", format!("{earlier_ok}{fail}"))]).findings[0]
            .severity
            .name(),
        "error",
        "success before the failure does not resolve it"
    );
}

#[test]
fn absent_evidence_and_time_windows_decide_tiers() {
    let body = r#"
summary = "s"
[[evidence]]
id = "a503"
kinds = ["iis-w3c-log"]
where = { sc-status = "503" }
[[evidence]]
id = "a500"
kinds = ["iis-w3c-log"]
where = { sc-status = "500" }
[[evidence]]
id = "maintenance"
kinds = ["iis-w3c-log"]
where = { cs-uri-stem = "/maintenance" }
[[confidence]]
level = "high"
require = ["a503", "a500"]
within_seconds = 300
absent = ["maintenance"]
[[confidence]]
level = "low"
require = ["a503"]
absent = ["maintenance"]
"#;
    let e = engine(&[("S", &sig("S", body))]);
    let s503 = line(
        "09:00:00",
        "/ClientWebService/client.asmx",
        8530,
        "-",
        "10.0.0.1",
        "503 0 0",
    );
    let near500 = line(
        "09:03:00",
        "/ClientWebService/client.asmx",
        8530,
        "-",
        "10.0.0.1",
        "500 0 0",
    );
    let far500 = line(
        "15:00:00",
        "/ClientWebService/client.asmx",
        8530,
        "-",
        "10.0.0.1",
        "500 0 0",
    );
    let maint = line("08:59:00", "/maintenance", 8530, "-", "10.0.0.1", "200 0 0");
    assert_eq!(
        run(&e, &[("u.log", format!("{s503}{near500}"))]).findings[0]
            .confidence
            .name(),
        "high"
    );
    assert_eq!(
        run(&e, &[("u.log", format!("{s503}{far500}"))]).findings[0]
            .confidence
            .name(),
        "low"
    );
    assert!(
        run(&e, &[("u.log", format!("{maint}{s503}{near500}"))])
            .findings
            .is_empty()
    );
}

#[test]
fn captured_values_compare_across_evidence_and_count_distinct_companions() {
    let body = r#"
summary = "client ports {client.values} vs server ports {server.values}"
[[evidence]]
id = "client"
kinds = ["iis-w3c-log"]
where = { cs-uri-stem = "/client-says" }
capture = { field = "cs-username", regex = 'port(\d+)' }
correlate = { distinct = "c-ip" }
[[evidence]]
id = "server"
kinds = ["iis-w3c-log"]
where = { cs-uri-stem = "/server-says" }
capture = { field = "s-port" }
[[confidence]]
level = "high"
require = [{ evidence = "client", values_differ_from = "server" }]
[[confidence]]
level = "medium"
require = [{ evidence = "client", min_distinct_per_value = 2 }]
"#;
    let e = engine(&[("S", &sig("S", body))]);
    let server = line("09:00:00", "/server-says", 8530, "-", "10.0.0.9", "200 0 0");
    let c80 = line("09:00:01", "/client-says", 8530, "port80", "10.0.0.1", "200 0 0");
    let c8530 = line("09:00:02", "/client-says", 8530, "port8530", "10.0.0.2", "200 0 0");
    let c8530b = line("09:00:03", "/client-says", 8530, "port8530", "10.0.0.3", "200 0 0");
    let r = run(&e, &[("u.log", format!("{server}{c80}"))]);
    assert_eq!(r.findings[0].confidence.name(), "high");
    assert_eq!(r.findings[0].summary, "client ports 80 vs server ports 8530");
    let r = run(&e, &[("u.log", format!("{server}{c8530}{c8530b}"))]);
    assert_eq!(
        r.findings[0].confidence.name(),
        "medium",
        "same port, but one value from two clients"
    );
    assert!(run(&e, &[("u.log", format!("{server}{c8530}"))]).findings.is_empty());
}

#[test]
fn a_same_file_tier_needs_its_evidence_together_in_one_file() {
    let body = r#"
summary = "same file"
[[evidence]]
id = "setting"
kinds = ["iis-w3c-log"]
where = { cs-uri-stem = "/setting" }
[[evidence]]
id = "failure"
kinds = ["iis-w3c-log"]
where = { sc-status = "404" }
[[evidence]]
id = "unbound"
kinds = ["iis-w3c-log"]
where = { cs-uri-stem = "/elsewhere" }
[[confidence]]
level = "medium"
require = ["setting", "failure"]
same_file = true
[[confidence]]
level = "low"
require = ["setting", "failure"]
"#;
    let e = engine(&[("S", &sig("S", body))]);
    let setting = line("09:00:00", "/setting", 8530, "-", "10.0.0.1", "200 0 0");
    let failure = line(
        "09:00:01",
        "/ClientWebService/client.asmx",
        80,
        "-",
        "10.0.0.1",
        "404 0 2",
    );
    let elsewhere = line("09:00:02", "/elsewhere", 8530, "-", "10.0.0.2", "200 0 0");
    let together = run(
        &e,
        &[("a.log", format!("{setting}{failure}")), ("b.log", elsewhere.clone())],
    );
    assert_eq!(together.findings[0].confidence.name(), "medium");
    let apart = run(
        &e,
        &[("a.log", format!("{setting}{elsewhere}")), ("b.log", failure.clone())],
    );
    assert_eq!(
        apart.findings[0].confidence.name(),
        "low",
        "the failure is another file's: only the bundle-wide tier holds"
    );
    let both_in_b = run(
        &e,
        &[
            ("a.log", setting.clone()),
            ("b.log", format!("{elsewhere}{setting}{failure}")),
        ],
    );
    assert_eq!(
        both_in_b.findings[0].confidence.name(),
        "medium",
        "any one file will do"
    );
}

#[test]
fn an_umbrella_signature_yields_to_the_specific_one() {
    let generic = sig(
        "GENERIC",
        r#"
summary = "generic"
suppressed_by = ["SPECIFIC"]
[[evidence]]
id = "e"
kinds = ["iis-w3c-log"]
where = { sc-status = "500" }
[[confidence]]
level = "low"
require = ["e"]
"#,
    );
    let specific = sig(
        "SPECIFIC",
        r#"
summary = "specific"
[[evidence]]
id = "e"
kinds = ["iis-w3c-log"]
where = { sc-status = "500", sc-substatus = "24" }
[[confidence]]
level = "high"
require = ["e"]
"#,
    );
    let e = engine(&[("GENERIC", &generic), ("SPECIFIC", &specific)]);
    let r = run(
        &e,
        &[("u.log", line("09:00:00", "/x", 8530, "-", "10.0.0.1", "500 24 50"))],
    );
    assert_eq!(
        r.findings.iter().map(|f| f.signature.as_str()).collect::<Vec<_>>(),
        vec!["SPECIFIC"]
    );
    let r = run(
        &e,
        &[("u.log", line("09:00:00", "/x", 8530, "-", "10.0.0.1", "500 0 0"))],
    );
    assert_eq!(
        r.findings.iter().map(|f| f.signature.as_str()).collect::<Vec<_>>(),
        vec!["GENERIC"]
    );
}

#[test]
fn the_literal_prefilter_skips_nothing_that_matches() {
    let body = r#"
summary = "{count}"
[[evidence]]
id = "e"
kinds = ["iis-w3c-log"]
literal = ["selfupdate"]
where = { cs-uri-stem = { regex = '(?i)^/selfupdate/wuident\.cab$' }, sc-status = "404" }
[[confidence]]
level = "medium"
require = ["e"]
"#;
    let e = engine(&[("S", &sig("S", body))]);
    let mut log = String::new();
    for i in 0..50 {
        log += &line(
            "09:00:00",
            "/ClientWebService/client.asmx",
            8530,
            "-",
            &format!("10.0.0.{i}"),
            "404 0 2",
        );
    }
    log += &line("09:00:01", "/SelfUpdate/wuident.cab", 8530, "-", "10.0.0.1", "404 0 2");
    log += &line("09:00:02", "/selfupdate/WUIDENT.CAB", 8530, "-", "10.0.0.2", "404 0 2");
    assert_eq!(run(&e, &[("u.log", log)]).findings[0].summary, "2");
}

#[test]
fn broken_rules_are_rejected_with_the_signature_and_field_named() {
    let mut files = GrammarFiles::embedded();
    files.files.push(GrammarFile {
        path: "signatures/BAD.toml".into(),
        text: sig("BAD", "summary = \"s\"\n[[evidence]]\nid = \"e\"\nkinds = [\"iis-w3c-log\"]\nwhere = { cs-uri-stem = { regex = '(' } }\n[[confidence]]\nlevel = \"low\"\nrequire = [\"e\"]\n").into(),
        origin: "test".into(),
    });
    let err = match Engine::from_files(&files) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("accepted a broken regex"),
    };
    assert!(err.contains("BAD") && err.contains("cs-uri-stem"), "{err}");
}
