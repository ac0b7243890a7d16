//! `explain`: the code tables under `grammars/codes/`, the readings of a token and the signatures
//! that involve them — through the library and through the binary.

use std::process::{Command, Output};
use wsus_triage::explain::{CodeBook, Explanation, ReadingKind, explain};
use wsus_triage::grammars::{GrammarFile, GrammarFiles};
use wsus_triage::signatures::Catalog;

fn book() -> CodeBook {
    CodeBook::embedded().expect("the embedded code tables load")
}

fn embedded_catalog() -> Catalog {
    Catalog::from_files(&GrammarFiles::embedded()).expect("the embedded catalog loads")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wsus-triage"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .output()
        .expect("the binary runs")
}

fn json_of(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// The readings as (kind, value, name, meaning), the part every spelling must share.
fn gist(e: &Explanation) -> Vec<(ReadingKind, String, Option<String>, String)> {
    e.readings
        .iter()
        .map(|r| (r.kind, r.value.clone(), r.name.clone(), r.meaning.clone()))
        .collect()
}

#[test]
fn every_spelling_of_one_code_gives_the_same_answer() {
    let (book, catalog) = (book(), embedded_catalog());
    let reference = explain("0x8024401B", &book, &catalog);
    assert_eq!(reference.readings.len(), 1, "{reference:#?}");
    assert_eq!(
        reference.readings[0].name.as_deref(),
        Some("WU_E_PT_HTTP_STATUS_PROXY_AUTH_REQ")
    );
    assert_eq!(reference.readings[0].related, vec!["407".to_string()]);
    let spellings = [
        "0X8024401b",
        "8024401b",
        "[8024401B]",
        "-2145107941",
        "2149859355",
        "hr=0x8024401B",
        "error = 8024401B",
        "0x8024401BL",
        " 0x8024401B, ",
    ];
    for s in spellings {
        assert_eq!(gist(&explain(s, &book, &catalog)), gist(&reference), "{s}");
    }
    // The same through the binary, as JSON.
    let values: Vec<serde_json::Value> = ["0x8024401B", "8024401b", "[8024401B]", "-2145107941", "2149859355"]
        .iter()
        .map(|s| {
            let out = run(&["explain", "--format", "json", s]);
            assert_eq!(out.status.code(), Some(0), "{s}");
            json_of(&out)["explanations"][0]["readings"].clone()
        })
        .collect();
    assert!(values.windows(2).all(|w| w[0] == w[1]), "{values:#?}");
    assert_eq!(values[0][0]["value"], "0x8024401B");
}

#[test]
fn a_win32_number_and_its_hresult_read_the_same() {
    let (book, catalog) = (book(), embedded_catalog());
    let small = explain("12002", &book, &catalog);
    let hex = explain("0x80072EE2", &book, &catalog);
    let code_readings = |e: &Explanation| {
        let mut g: Vec<_> = gist(e)
            .into_iter()
            .filter(|(k, ..)| matches!(k, ReadingKind::Hresult | ReadingKind::Win32))
            .collect();
        g.sort();
        g
    };
    assert_eq!(code_readings(&small), code_readings(&hex));
    let h = small
        .readings
        .iter()
        .find(|r| r.kind == ReadingKind::Hresult)
        .expect("12002 is also read as an HRESULT");
    assert_eq!(h.value, "0x80072EE2");
    assert_eq!(h.name.as_deref(), Some("ERROR_WINHTTP_TIMEOUT"));
    assert_eq!(h.derived.as_deref(), Some("HRESULT_FROM_WIN32(12002)"));
    // 12002 is a small number: also the WSUS health event; the HRESULT spelling is not an event.
    assert!(small.readings.iter().any(|r| r.kind == ReadingKind::Event));
    assert!(!hex.readings.iter().any(|r| r.kind == ReadingKind::Event));
    // MSI 1603 and its HRESULT.
    let msi = explain("1603", &book, &catalog);
    let values: Vec<&str> = msi.readings.iter().map(|r| r.value.as_str()).collect();
    assert_eq!(values, ["1603", "0x80070643"]);
    assert!(
        msi.readings
            .iter()
            .all(|r| r.name.as_deref() == Some("ERROR_INSTALL_FAILURE"))
    );
    // A WinINet alias names the same entry.
    let alias = explain("WININET_E_TIMEOUT", &book, &catalog);
    assert_eq!(code_readings(&alias), code_readings(&small));
}

#[test]
fn event_364_is_the_wsus_content_download_failure() {
    let e = explain("364", &book(), &embedded_catalog());
    let events: Vec<_> = e.readings.iter().filter(|r| r.kind == ReadingKind::Event).collect();
    assert_eq!(events.len(), 1, "{e:#?}");
    assert_eq!(events[0].provider.as_deref(), Some("Windows Server Update Services"));
    assert_eq!(events[0].level.as_deref(), Some("Error"));
    assert!(
        events[0]
            .message
            .as_deref()
            .unwrap_or_default()
            .starts_with("Content file download failed.")
    );
    assert!(events[0].wsus_context.as_deref().unwrap_or_default().contains("Range"));
    assert_eq!(
        events[0].source.as_deref(),
        Some("https://support.microsoft.com/kb/922330")
    );
    assert!(!events[0].inferred);
}

#[test]
fn event_5002_is_the_was_rapid_fail_and_its_full_id_reads_the_same() {
    let (book, catalog) = (book(), embedded_catalog());
    let e = explain("5002", &book, &catalog);
    let providers: Vec<_> = e.readings.iter().filter_map(|r| r.provider.as_deref()).collect();
    assert_eq!(providers, ["Microsoft-Windows-WAS"]);
    assert!(e.readings[0].meaning.contains("Rapid-fail"));
    let full = explain("0xC000138A", &book, &catalog);
    assert_eq!(full.readings.len(), 1, "{full:#?}");
    assert_eq!(full.readings[0].provider.as_deref(), Some("Microsoft-Windows-WAS"));
    assert_eq!(full.readings[0].value, "5002");
}

#[test]
fn event_7032_lists_scm_and_wsus_and_says_they_differ() {
    let e = explain("7032", &book(), &embedded_catalog());
    let providers: Vec<_> = e.readings.iter().filter_map(|r| r.provider.as_deref()).collect();
    assert_eq!(providers, ["Service Control Manager", "Windows Server Update Services"]);
    assert!(
        e.notes
            .iter()
            .any(|n| n.contains("different meanings") && n.contains("provider")),
        "{:#?}",
        e.notes
    );
    // One provider only: no such note.
    let single = explain("5117", &book(), &embedded_catalog());
    assert!(single.notes.iter().all(|n| !n.contains("different meanings")));
}

#[test]
fn iis_status_substatus_is_read_as_iis_and_involves_the_content_signature() {
    let e = explain("401.2", &book(), &embedded_catalog());
    assert_eq!(e.readings.len(), 1, "{e:#?}");
    let r = &e.readings[0];
    assert_eq!(r.kind, ReadingKind::IisStatus);
    assert_eq!(r.name.as_deref(), Some("Logon failed due to server configuration"));
    assert!(
        r.signatures.iter().any(|s| s == "WSUS-CONTENT-VROOT-AUTH"),
        "{:?}",
        r.signatures
    );
    assert!(
        !r.signatures.iter().any(|s| s == "WSUS-CONTENT-ACL"),
        "401.3 is ACL's, not 401.2: {:?}",
        r.signatures
    );
    // The plain status lists its known substatuses.
    let plain = explain("401", &book(), &embedded_catalog());
    assert!(plain.readings.iter().any(|r| r.kind == ReadingKind::HttpStatus));
    assert!(plain.notes.iter().any(|n| n.contains("401.2")), "{:#?}", plain.notes);
    // An unknown substatus falls back to the status, and says so.
    let odd = explain("401.77", &book(), &embedded_catalog());
    assert_eq!(odd.readings[0].kind, ReadingKind::HttpStatus);
    assert!(odd.notes.iter().any(|n| n.contains("401.77")));
}

#[test]
fn names_are_looked_up_case_insensitively() {
    let (book, catalog) = (book(), embedded_catalog());
    for name in ["AppOffline", "appoffline", "APPOFFLINE"] {
        let e = explain(name, &book, &catalog);
        assert_eq!(e.readings.len(), 1, "{name}");
        assert_eq!(e.readings[0].kind, ReadingKind::HttperrReason);
        assert_eq!(e.readings[0].value, "AppOffline");
        assert!(e.readings[0].related.contains(&"5002".to_string()));
    }
    for name in ["WU_E_PT_HTTP_STATUS_DENIED", "wu_e_pt_http_status_denied"] {
        let e = explain(name, &book, &catalog);
        assert_eq!(e.readings.len(), 1, "{name}");
        assert_eq!(e.readings[0].value, "0x80244017");
    }
    let setup = explain("SUS_INSUFFICIENT_SPACE", &book, &catalog);
    assert_eq!(setup.readings[0].kind, ReadingKind::WsusSetupExit);
    assert_eq!(setup.readings[0].value, "5211");
    // And the setup code by number, in hex or decimal.
    for spelling in ["0x00145B", "5211"] {
        let e = explain(spelling, &book, &catalog);
        assert!(
            e.readings
                .iter()
                .any(|r| r.kind == ReadingKind::WsusSetupExit && r.value == "5211"),
            "{spelling}"
        );
    }
    let partial = explain("WU_E_PT_HTTP", &book, &catalog);
    assert!(!partial.explained);
    assert!(partial.notes.iter().any(|n| n.contains("WU_E_PT_HTTP_STATUS_DENIED")));
}

#[test]
fn an_unknown_code_says_so_and_exits_2() {
    let e = explain("0x80245FFE", &book(), &embedded_catalog());
    assert!(!e.explained);
    assert!(e.readings.is_empty());
    assert!(e.tried.iter().any(|t| t.contains("HRESULT")));
    assert!(
        e.notes.iter().any(|n| n.contains("FACILITY_WINDOWSUPDATE")),
        "{:#?}",
        e.notes
    );

    let out = run(&["explain", "--format", "human", "0x80245FFE"]);
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Not in the tables"), "{stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("nothing known about \"0x80245FFE\"") && stderr.contains("as an HRESULT"),
        "{stderr}"
    );

    let out = run(&["explain", "--format", "json", "not-a-code"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json_of(&out)["explanations"][0]["explained"], false);

    // One known input is enough for exit 0; the unknown one is still reported.
    let out = run(&["explain", "--format", "json", "not-a-code", "364"]);
    assert_eq!(out.status.code(), Some(0));
    let doc = json_of(&out);
    assert_eq!(doc["explanations"][0]["explained"], false);
    assert_eq!(doc["explanations"][1]["explained"], true);
}

#[test]
fn json_has_a_stable_shape() {
    let out = run(&["explain", "--format", "json", "12002", "AppOffline"]);
    assert_eq!(out.status.code(), Some(0));
    let doc = json_of(&out);
    assert_eq!(doc["schema"], "wsus-triage-explain/v1");
    assert_eq!(doc["tool"]["name"], "wsus-triage");
    let first = &doc["explanations"][0];
    assert_eq!(first["input"], "12002");
    for r in first["readings"].as_array().expect("readings") {
        for key in [
            "kind",
            "value",
            "name",
            "meaning",
            "wsus_context",
            "source",
            "inferred",
            "signatures",
        ] {
            assert!(r.get(key).is_some(), "reading without {key}: {r}");
        }
    }
    let kinds: Vec<&str> = first["readings"]
        .as_array()
        .map(|a| a.iter().filter_map(|r| r["kind"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(kinds, ["win32", "hresult", "event"]);
    assert_eq!(first["readings"][1]["value"], "0x80072EE2");
    assert_eq!(doc["explanations"][1]["readings"][0]["kind"], "httperr-reason");
    // jsonl: one explanation per line.
    let out = run(&["explain", "--format", "jsonl", "364", "401.2"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().count(), 2, "{text}");
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("each line is JSON");
        assert_eq!(v["explained"], true);
    }
    assert_eq!(run(&["explain", "--format", "markdown", "364"]).status.code(), Some(2));
}

#[test]
fn human_output_is_a_block_per_reading() {
    let out = run(&["explain", "--format", "human", "0x8024401B", "7032", "401.2"]);
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!("explain_human", String::from_utf8_lossy(&out.stdout));
}

// ---------------------------------------------------------------------------------------------
// Signatures that involve a code

fn files_with(signatures: &[(&str, &str)]) -> GrammarFiles {
    let mut files = GrammarFiles::embedded();
    files.files.retain(|f| !f.path.starts_with("signatures/"));
    for (name, text) in signatures {
        files.files.push(GrammarFile {
            path: format!("signatures/{name}.toml"),
            text: (*text).into(),
            origin: "test".into(),
        });
    }
    files
}

fn signature(id: &str, kinds: &str, predicates: &str) -> String {
    format!(
        r#"id = "{id}"
title = "test signature {id}"
severity = "error"
origin = "field: test"
summary = "{{count}} hits"
remediation = "none"
[[evidence]]
id = "e"
kinds = [{kinds}]
[evidence.where]
{predicates}
[[confidence]]
level = "low"
require = ["e"]
"#
    )
}

#[test]
fn signatures_are_listed_for_the_values_their_evidence_mentions() {
    let sigs = [
        (
            "WSUS-EVT-364",
            signature(
                "WSUS-EVT-364",
                r#""evtx""#,
                "provider = \"Windows Server Update Services\"\nevent-id = \"364\"",
            ),
        ),
        (
            "SDL-MIRROR-7032",
            signature(
                "SDL-MIRROR-7032",
                r#""wsus-softwaredistribution-log""#,
                "event-id = \"7032\"",
            ),
        ),
        (
            "SCM-7032",
            signature(
                "SCM-7032",
                r#""evtx""#,
                "provider = { any = [\"Service Control Manager\"] }\nevent-id = { any = [\"7031\", \"7032\"] }",
            ),
        ),
        (
            "CLIENT-PROXY",
            signature(
                "CLIENT-PROXY",
                r#""windowsupdate-log""#,
                "text = { codes = [\"0x8024401B\", \"0x80244021\"] }",
            ),
        ),
        (
            "CLIENT-TIMEOUT",
            signature(
                "CLIENT-TIMEOUT",
                r#""windowsupdate-log""#,
                "text = { code = \"12002\" }",
            ),
        ),
        (
            "IIS-NTLM",
            signature(
                "IIS-NTLM",
                r#""iis-w3c-log""#,
                "sc-status = \"401\"\nsc-substatus = \"1\"\nsc-win32-status = \"2148074254\"",
            ),
        ),
        (
            "HTTPERR-OFFLINE",
            signature(
                "HTTPERR-OFFLINE",
                r#""iis-httperr-log""#,
                "sc-status = \"503\"\ns-reason = { any = [\"AppOffline\", \"QueueFull\"] }",
            ),
        ),
        (
            "NOT-ONLY",
            signature(
                "NOT-ONLY",
                r#""iis-w3c-log""#,
                "sc-status = { not_regex = '^2' }\ncs-uri-stem = { present = true }",
            ),
        ),
    ];
    let texts: Vec<(&str, &str)> = sigs.iter().map(|(n, t)| (*n, t.as_str())).collect();
    let catalog = Catalog::from_files(&files_with(&texts)).expect("test signatures load");
    assert_eq!(catalog.signatures.len(), sigs.len());
    let book = book();
    let involved = |token: &str, kind: ReadingKind, provider: Option<&str>| -> Vec<String> {
        let e = explain(token, &book, &catalog);
        e.readings
            .iter()
            .filter(|r| r.kind == kind && (provider.is_none() || r.provider.as_deref() == provider))
            .flat_map(|r| r.signatures.clone())
            .collect()
    };
    assert_eq!(involved("364", ReadingKind::Event, None), ["WSUS-EVT-364"]);
    assert_eq!(
        involved("7032", ReadingKind::Event, Some("Service Control Manager")),
        ["SCM-7032"],
        "the SCM reading gets only the SCM signature"
    );
    assert_eq!(
        involved("7032", ReadingKind::Event, Some("Windows Server Update Services")),
        ["SDL-MIRROR-7032"],
        "SoftwareDistribution.log mirrors WSUS events only"
    );
    assert_eq!(involved("0x8024401B", ReadingKind::Hresult, None), ["CLIENT-PROXY"]);
    assert_eq!(
        involved("-2145107935", ReadingKind::Hresult, None),
        ["CLIENT-PROXY"],
        "0x80244021 signed"
    );
    assert_eq!(
        involved("0x80072EE2", ReadingKind::Hresult, None),
        ["CLIENT-TIMEOUT"],
        "a Win32 number in a code predicate"
    );
    assert_eq!(involved("12002", ReadingKind::Win32, None), ["CLIENT-TIMEOUT"]);
    assert_eq!(
        involved("0x8009030E", ReadingKind::Hresult, None),
        ["IIS-NTLM"],
        "sc-win32-status holds codes"
    );
    assert_eq!(involved("401.1", ReadingKind::IisStatus, None), ["IIS-NTLM"]);
    assert!(
        involved("401.2", ReadingKind::IisStatus, None).is_empty(),
        "the substatus predicate says 1"
    );
    assert_eq!(involved("401", ReadingKind::HttpStatus, None), ["IIS-NTLM"]);
    assert_eq!(involved("503", ReadingKind::HttpStatus, None), ["HTTPERR-OFFLINE"]);
    assert_eq!(
        involved("appoffline", ReadingKind::HttperrReason, None),
        ["HTTPERR-OFFLINE"]
    );
    assert!(
        involved("404", ReadingKind::HttpStatus, None).is_empty(),
        "a negative or presence-only predicate mentions nothing"
    );
}

#[test]
fn the_embedded_signature_involves_401_on_content() {
    let e = explain("401", &book(), &embedded_catalog());
    let r = e
        .readings
        .iter()
        .find(|r| r.kind == ReadingKind::HttpStatus)
        .expect("HTTP 401");
    assert!(
        r.signatures.iter().any(|s| s == "WSUS-CONTENT-VROOT-AUTH"),
        "{:?}",
        r.signatures
    );
    // cleared_by (200/206/304) is noise that clears a hit, not evidence of the issue.
    let ok = explain("206", &book(), &embedded_catalog());
    assert!(ok.readings.iter().all(|r| r.signatures.is_empty()));
}

// ---------------------------------------------------------------------------------------------
// Table files with mistakes

fn table(name: &str, text: &str) -> GrammarFiles {
    let mut files = GrammarFiles::embedded();
    files.files.push(GrammarFile {
        path: format!("codes/{name}"),
        text: text.into(),
        origin: "/tmp/extra".into(),
    });
    files
}

fn label_offset(err: &wsus_triage::grammars::GrammarError) -> Option<usize> {
    use miette::Diagnostic;
    err.labels().and_then(|mut l| l.next()).map(|l| l.offset())
}

#[test]
fn a_duplicate_value_is_a_located_error_naming_the_file() {
    let text = r#"source = "https://example.invalid/ref"
win32 = [
  { value = 64001, name = "MY_FIRST", meaning = "first" },
  { value = 64001, name = "MY_SECOND", meaning = "second" },
]
"#;
    let err = CodeBook::from_files(&table("mine.toml", text)).expect_err("duplicate value");
    let msg = err.to_string();
    assert!(msg.contains("/tmp/extra/codes/mine.toml"), "{msg}");
    assert!(msg.contains("duplicate Win32 error 64001"), "{msg}");
    let second = text.rfind("64001").expect("in the text");
    assert_eq!(
        label_offset(&err),
        Some(second),
        "the span points at the second definition"
    );
}

#[test]
fn a_bad_hex_value_is_a_located_error_naming_the_file() {
    let text = "source = \"https://example.invalid/ref\"\nhresult = [\n  { value = \"0x8024G01B\", name = \"X\", meaning = \"m\" },\n]\n";
    let err = CodeBook::from_files(&table("bad.toml", text)).expect_err("bad hex");
    let msg = err.to_string();
    assert!(
        msg.contains("codes/bad.toml") && msg.contains("not an HRESULT"),
        "{msg}"
    );
    assert_eq!(label_offset(&err), text.find("\"0x8024G01B\""));
    // A TOML syntax error is located too.
    let err = CodeBook::from_files(&table("syntax.toml", "hresult = [ { value = ")).expect_err("syntax");
    assert!(err.to_string().contains("codes/syntax.toml"));
    assert!(label_offset(&err).is_some());
}

#[test]
fn a_grammars_folder_adds_and_overrides_entries_and_its_mistakes_stop_the_command() {
    let dir = tempfile::tempdir().expect("temp dir");
    let codes = dir.path().join("codes");
    std::fs::create_dir_all(&codes).expect("codes dir");
    std::fs::write(
        codes.join("site.toml"),
        r#"source = "https://example.invalid/site"
hresult = [
  { value = "0x8024401B", name = "WU_E_PT_HTTP_STATUS_PROXY_AUTH_REQ", meaning = "Our proxy again.", wsus = "Call the network team." },
  { value = "0x8024ABCD", name = "SITE_E_CUSTOM", meaning = "A code only our tooling logs." },
]
"#,
    )
    .expect("write table");
    let g = dir.path().to_string_lossy().into_owned();
    let out = run(&[
        "explain",
        "--format",
        "json",
        "--grammars",
        &g,
        "0x8024401B",
        "SITE_E_CUSTOM",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let doc = json_of(&out);
    assert_eq!(
        doc["explanations"][0]["readings"][0]["wsus_context"],
        "Call the network team."
    );
    assert_eq!(doc["explanations"][1]["readings"][0]["value"], "0x8024ABCD");

    std::fs::write(
        codes.join("site.toml"),
        "hresult = [\n  { value = \"0x123\", name = \"X\", meaning = \"m\", source = \"https://x\" },\n]\n",
    )
    .expect("write table");
    let out = run(&["explain", "--grammars", &g, "364"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("site.toml") && stderr.contains("not an HRESULT"),
        "{stderr}"
    );
}

// ---------------------------------------------------------------------------------------------
// The tables are complete for what the reference lists

fn assert_hresults(book: &CodeBook, list: &[(u32, &str)], section: &str) {
    let missing: Vec<String> = list
        .iter()
        .filter(|(v, name)| book.hresult(*v).is_none_or(|e| e.name != *name))
        .map(|(v, name)| format!("0x{v:08X} {name}"))
        .collect();
    assert!(missing.is_empty(), "{section}: missing or misnamed {missing:#?}");
}

#[test]
fn every_protocol_talker_code_of_formats_11_2_is_present() {
    #[rustfmt::skip]
    let list = [
        (0x80244000, "WU_E_PT_SOAPCLIENT_BASE"), (0x80244001, "WU_E_PT_SOAPCLIENT_INITIALIZE"),
        (0x80244002, "WU_E_PT_SOAPCLIENT_OUTOFMEMORY"), (0x80244003, "WU_E_PT_SOAPCLIENT_GENERATE"),
        (0x80244004, "WU_E_PT_SOAPCLIENT_CONNECT"), (0x80244005, "WU_E_PT_SOAPCLIENT_SEND"),
        (0x80244006, "WU_E_PT_SOAPCLIENT_SERVER"), (0x80244007, "WU_E_PT_SOAPCLIENT_SOAPFAULT"),
        (0x80244008, "WU_E_PT_SOAPCLIENT_PARSEFAULT"), (0x80244009, "WU_E_PT_SOAPCLIENT_READ"),
        (0x8024400A, "WU_E_PT_SOAPCLIENT_PARSE"), (0x8024400B, "WU_E_PT_SOAP_VERSION"),
        (0x8024400C, "WU_E_PT_SOAP_MUST_UNDERSTAND"), (0x8024400D, "WU_E_PT_SOAP_CLIENT"),
        (0x8024400E, "WU_E_PT_SOAP_SERVER"), (0x8024400F, "WU_E_PT_WMI_ERROR"),
        (0x80244010, "WU_E_PT_EXCEEDED_MAX_SERVER_TRIPS"), (0x80244011, "WU_E_PT_SUS_SERVER_NOT_SET"),
        (0x80244012, "WU_E_PT_DOUBLE_INITIALIZATION"), (0x80244013, "WU_E_PT_INVALID_COMPUTER_NAME"),
        (0x80244015, "WU_E_PT_REFRESH_CACHE_REQUIRED"), (0x80244016, "WU_E_PT_HTTP_STATUS_BAD_REQUEST"),
        (0x80244017, "WU_E_PT_HTTP_STATUS_DENIED"), (0x80244018, "WU_E_PT_HTTP_STATUS_FORBIDDEN"),
        (0x80244019, "WU_E_PT_HTTP_STATUS_NOT_FOUND"), (0x8024401A, "WU_E_PT_HTTP_STATUS_BAD_METHOD"),
        (0x8024401B, "WU_E_PT_HTTP_STATUS_PROXY_AUTH_REQ"), (0x8024401C, "WU_E_PT_HTTP_STATUS_REQUEST_TIMEOUT"),
        (0x8024401D, "WU_E_PT_HTTP_STATUS_CONFLICT"), (0x8024401E, "WU_E_PT_HTTP_STATUS_GONE"),
        (0x8024401F, "WU_E_PT_HTTP_STATUS_SERVER_ERROR"), (0x80244020, "WU_E_PT_HTTP_STATUS_NOT_SUPPORTED"),
        (0x80244021, "WU_E_PT_HTTP_STATUS_BAD_GATEWAY"), (0x80244022, "WU_E_PT_HTTP_STATUS_SERVICE_UNAVAIL"),
        (0x80244023, "WU_E_PT_HTTP_STATUS_GATEWAY_TIMEOUT"), (0x80244024, "WU_E_PT_HTTP_STATUS_VERSION_NOT_SUP"),
        (0x80244025, "WU_E_PT_FILE_LOCATIONS_CHANGED"), (0x80244026, "WU_E_PT_REGISTRATION_NOT_SUPPORTED"),
        (0x80244027, "WU_E_PT_NO_AUTH_PLUGINS_REQUESTED"), (0x80244028, "WU_E_PT_NO_AUTH_COOKIES_CREATED"),
        (0x80244029, "WU_E_PT_INVALID_CONFIG_PROP"), (0x8024402A, "WU_E_PT_CONFIG_PROP_MISSING"),
        (0x8024402B, "WU_E_PT_HTTP_STATUS_NOT_MAPPED"), (0x8024402C, "WU_E_PT_WINHTTP_NAME_NOT_RESOLVED"),
        (0x8024402D, "WU_E_PT_LOAD_SHEDDING"), (0x8024402F, "WU_E_PT_ECP_SUCCEEDED_WITH_ERRORS"),
        (0x80244030, "WU_E_PT_ECP_INIT_FAILED"), (0x80244031, "WU_E_PT_ECP_INVALID_FILE_FORMAT"),
        (0x80244032, "WU_E_PT_ECP_INVALID_METADATA"), (0x80244033, "WU_E_PT_ECP_FAILURE_TO_EXTRACT_DIGEST"),
        (0x80244034, "WU_E_PT_ECP_FAILURE_TO_DECOMPRESS_CAB_FILE"), (0x80244035, "WU_E_PT_ECP_FILE_LOCATION_ERROR"),
        (0x80244FFF, "WU_E_PT_UNEXPECTED"), (0x8024502D, "WU_E_PT_SAME_REDIR_ID"),
        (0x8024502E, "WU_E_PT_NO_MANAGED_RECOVER"),
    ];
    let book = book();
    assert_hresults(&book, &list, "formats.md 11.2");
    // The HTTP-mapped codes name their status, in list order (not a formula on the status).
    let statuses = [
        400, 401, 403, 404, 405, 407, 408, 409, 410, 500, 501, 502, 503, 504, 505,
    ];
    for (k, status) in statuses.iter().enumerate() {
        let v = 0x80244016 + k as u32;
        let e = book.hresult(v).expect("mapped code");
        assert_eq!(e.related, vec![status.to_string()], "0x{v:08X}");
        assert!(book.http(*status, None).is_some(), "HTTP {status}");
    }
}

#[test]
fn every_general_agent_code_of_formats_11_3_is_present() {
    #[rustfmt::skip]
    let list = [
        (0x80240001, "WU_E_NO_SERVICE"), (0x80240007, "WU_E_INVALIDINDEX"), (0x80240009, "WU_E_OPERATIONINPROGRESS"),
        (0x8024000B, "WU_E_CALL_CANCELLED"), (0x8024000C, "WU_E_NOOP"), (0x8024000D, "WU_E_XML_MISSINGDATA"),
        (0x8024000E, "WU_E_XML_INVALID"), (0x80240013, "WU_E_DUPLICATE_ITEM"), (0x80240016, "WU_E_INSTALL_NOT_ALLOWED"),
        (0x80240017, "WU_E_NOT_APPLICABLE"), (0x8024001B, "WU_E_SELFUPDATE_IN_PROGRESS"), (0x8024001E, "WU_E_SERVICE_STOP"),
        (0x8024001F, "WU_E_NO_CONNECTION"), (0x80240020, "WU_E_NO_INTERACTIVE_USER"), (0x80240021, "WU_E_TIME_OUT"),
        (0x80240022, "WU_E_ALL_UPDATES_FAILED"), (0x80240024, "WU_E_NO_UPDATE"), (0x80240025, "WU_E_USER_ACCESS_DISABLED"),
        (0x8024002E, "WU_E_WU_DISABLED"), (0x8024002F, "WU_E_CALL_CANCELLED_BY_POLICY"), (0x80240030, "WU_E_INVALID_PROXY_SERVER"),
        (0x80240032, "WU_E_INVALID_CRITERIA"), (0x80240033, "WU_E_EULA_UNAVAILABLE"), (0x80240034, "WU_E_DOWNLOAD_FAILED"),
        (0x80240038, "WU_E_WINHTTP_INVALID_FILE"), (0x80240039, "WU_E_TOO_MANY_RESYNC"), (0x80240FFF, "WU_E_UNEXPECTED"),
        (0x80242006, "WU_E_UH_INVALIDMETADATA"), (0x80242007, "WU_E_UH_INSTALLERHUNG"), (0x8024200B, "WU_E_UH_INSTALLERFAILURE"),
        (0x80242014, "WU_E_UH_POSTREBOOTSTILLPENDING"), (0x80242015, "WU_E_UH_POSTREBOOTRESULTUNKNOWN"),
        (0x80242017, "WU_E_UH_NEW_SERVICING_STACK_REQUIRED"), (0x80246002, "WU_E_DM_INCORRECTFILEHASH"),
        (0x80246005, "WU_E_DM_NONETWORK"), (0x80246007, "WU_E_DM_NOTDOWNLOADED"), (0x80246008, "WU_E_DM_FAILTOCONNECTTOBITS"),
        (0x80246009, "WU_E_DM_BITSTRANSFERERROR"), (0x80246017, "WU_E_DM_UNAUTHORIZED_LOCAL_USER"), (0x80248007, "WU_E_DS_NODATA"),
        (0x8024A10A, "USO_E_SERVICE_SHUTTING_DOWN"), (0x8024D009, "WU_E_SETUP_SKIP_UPDATE"), (0x8024F004, "WU_E_SERVER_BUSY"),
        (0x8024A000, "WU_E_AU_NOSERVICE"), (0x8024A002, "WU_E_AU_NONLEGACYSERVER"),
    ];
    assert_hresults(&book(), &list, "formats.md 11.3");
}

#[test]
fn the_whole_wuerror_h_set_is_present() {
    // Every component range of wuerror.h, by its first and last documented code.
    #[rustfmt::skip]
    let list = [
        (0x00240001, "WU_S_SERVICE_STOP"), (0x00248002, "WU_S_AAD_DEVICE_TICKET_NOT_NEEDED"),
        (0x80240014, "WU_E_INVALID_INSTALL_REQUESTED"), (0x8024006B, "WU_E_SERVICE_REENABLE_ACCESS_DENIED"),
        (0x80241001, "WU_E_MSI_WRONG_VERSION"), (0x80241FFF, "WU_E_MSP_UNEXPECTED"),
        (0x80240436, "WU_E_PT_CATALOG_SYNC_REQUIRED"), (0x8024044B, "WU_E_PT_SECURITY_SYSTEM_FAILURE"),
        (0x80244101, "WU_E_PT_GENERAL_AAD_CLIENT_ERROR"), (0x80245001, "WU_E_REDIRECTOR_LOAD_XML"),
        (0x802450FF, "WU_E_REDIRECTOR_UNEXPECTED"), (0x80245101, "WU_E_SIH_VERIFY_DOWNLOAD_ENGINE"),
        (0x802451FF, "WU_E_SIH_UNEXPECTED"), (0x80242000, "WU_E_UH_REMOTEUNAVAILABLE"),
        (0x80242026, "WU_E_UH_RESERVICING_REQUIRED_BASELINE"), (0x80242FFF, "WU_E_UH_UNEXPECTED"),
        (0x80243001, "WU_E_INSTALLATION_RESULTS_UNKNOWN_VERSION"), (0x80243FFF, "WU_E_AUCLIENT_UNEXPECTED"),
        (0x80246001, "WU_E_DM_URLNOTAVAILABLE"), (0x8024601F, "WU_E_DM_DOWNLOADTYPE_CONFLICT"),
        (0x80246FFF, "WU_E_DM_UNEXPECTED"), (0x80247001, "WU_E_OL_INVALID_SCANFILE"),
        (0x80247FFF, "WU_E_OL_UNEXPECTED"), (0x80247100, "WU_E_METADATA_NOOP"),
        (0x80247183, "WU_E_METADATA_CERT_UNTRUSTED"), (0x80248000, "WU_E_DS_SHUTDOWN"),
        (0x80248029, "WU_E_DS_NODATA_TMI"), (0x80248FFF, "WU_E_DS_UNEXPECTED"),
        (0x80249001, "WU_E_INVENTORY_PARSEFAILED"), (0x80249005, "WU_E_INVENTORY_WMI_ERROR"),
        (0x8024A008, "WU_E_AU_OOBE_IN_PROGRESS"), (0x8024AFFF, "WU_E_AU_UNEXPECTED"),
        (0x8024B001, "WU_E_WUTASK_INPROGRESS"), (0x8024B304, "WU_E_TRUST_PROVIDER_UNKNOWN"),
        (0x8024C001, "WU_E_DRV_PRUNED"), (0x8024CFFF, "WU_E_DRV_UNEXPECTED"),
        (0x8024D001, "WU_E_SETUP_INVALID_INFDATA"), (0x8024D016, "WU_E_SETUP_FAIL"),
        (0x8024DFFF, "WU_E_SETUP_UNEXPECTED"), (0x8024E001, "WU_E_EE_UNKNOWN_EXPRESSION"),
        (0x8024EFFF, "WU_E_EE_UNEXPECTED"), (0x8024F001, "WU_E_REPORTER_EVENTCACHECORRUPT"),
        (0x8024FFFF, "WU_E_REPORTER_UNEXPECTED"),
    ];
    assert_hresults(&book(), &list, "wuerror.h");
}

#[test]
fn every_winhttp_code_of_formats_11_4_is_present_as_win32_and_hresult() {
    let list = [
        (12002, "ERROR_WINHTTP_TIMEOUT"),
        (12007, "ERROR_WINHTTP_NAME_NOT_RESOLVED"),
        (12029, "ERROR_WINHTTP_CANNOT_CONNECT"),
        (12030, "ERROR_WINHTTP_CONNECTION_ERROR"),
        (12037, "ERROR_WINHTTP_SECURE_CERT_DATE_INVALID"),
        (12038, "ERROR_WINHTTP_SECURE_CERT_CN_INVALID"),
        (12044, "ERROR_WINHTTP_CLIENT_AUTH_CERT_NEEDED"),
        (12045, "ERROR_WINHTTP_SECURE_INVALID_CA"),
        (12057, "ERROR_WINHTTP_SECURE_CERT_REV_FAILED"),
        (12150, "ERROR_WINHTTP_HEADER_NOT_FOUND"),
        (12152, "ERROR_WINHTTP_INVALID_SERVER_RESPONSE"),
        (12157, "ERROR_WINHTTP_SECURE_CHANNEL_ERROR"),
        (12175, "ERROR_WINHTTP_SECURE_FAILURE"),
        (12180, "ERROR_WINHTTP_AUTODETECTION_FAILED"),
    ];
    let (book, catalog) = (book(), embedded_catalog());
    for (n, name) in list {
        assert_eq!(book.win32(n).map(|e| e.name.as_str()), Some(name), "{n}");
        let hex = format!("0x{:08X}", 0x8007_0000 | n);
        let e = explain(&hex, &book, &catalog);
        assert_eq!(e.readings.first().and_then(|r| r.name.as_deref()), Some(name), "{hex}");
    }
}

#[test]
fn every_code_of_formats_11_5_and_the_wsus_setup_codes_are_present() {
    let (book, catalog) = (book(), embedded_catalog());
    let hresults = [
        ("0x80200012", "BG_E_INSUFFICIENT_HTTP_SUPPORT"),
        ("0x80200013", "BG_E_INSUFFICIENT_RANGE_SUPPORT"),
        ("-2145386477", "BG_E_INSUFFICIENT_RANGE_SUPPORT"),
        ("0x80200053", "BG_E_VALIDATION_FAILED"),
        ("0x80190193", "BG_E_HTTP_ERROR_403"),
        ("0x80190194", "BG_E_HTTP_ERROR_404"),
        ("-2145844746", "BG_E_HTTP_ERROR_502"),
        ("0x801901F7", "BG_E_HTTP_ERROR_503"),
        ("0x800B0109", "CERT_E_UNTRUSTEDROOT"),
        ("0x800B0101", "CERT_E_EXPIRED"),
        ("0x800B010A", "CERT_E_CHAINING"),
        ("0x800B010E", "CERT_E_REVOCATION_FAILURE"),
        ("2148204800", "TRUST_E_NOSIGNATURE"),
        ("0x80092004", "CRYPT_E_NOT_FOUND"),
        ("2148074254", "SEC_E_NO_CREDENTIALS"),
        ("0x80070002", "ERROR_FILE_NOT_FOUND"),
        ("0x80070003", "ERROR_PATH_NOT_FOUND"),
        ("0x80070005", "E_ACCESSDENIED"),
        ("0x8007000D", "ERROR_INVALID_DATA"),
        ("0x80070032", "ERROR_NOT_SUPPORTED"),
        ("0x80070070", "ERROR_DISK_FULL"),
        ("0x80070422", "ERROR_SERVICE_DISABLED"),
        ("0x80070643", "ERROR_INSTALL_FAILURE"),
        ("0x80070BC9", "ERROR_FAIL_REBOOT_REQUIRED"),
        ("0x800706D9", "EPT_S_NOT_REGISTERED"),
        ("0x800710DD", "ERROR_INVALID_OPERATION"),
        ("0x803D0013", "WS_E_ENDPOINT_FAULT_RECEIVED"),
        ("0x80D02002", "DO_E_DOWNLOAD_NO_PROGRESS"),
    ];
    for (token, name) in hresults {
        let e = explain(token, &book, &catalog);
        assert_eq!(
            e.readings.first().and_then(|r| r.name.as_deref()),
            Some(name),
            "{token}"
        );
    }
    for token in ["0x80D0000A", "0xC1800118"] {
        assert!(explain(token, &book, &catalog).explained, "{token}");
    }
    // A BITS HTTP code without its own entry is read from the HTTP table, marked inferred.
    let e = explain("0x80190198", &book, &catalog);
    assert_eq!(e.readings[0].name.as_deref(), Some("BG_E_HTTP_ERROR_408"));
    assert!(e.readings[0].inferred);
    // WSUS 3.0 setup return codes (formats.md 2.1).
    let setup = [
        "SUS_LAUNCH_ERROR",
        "SUS_UNKNOWN_ERROR",
        "SUS_REBOOT_REQUIRED",
        "SUS_INVALID_COMMANDLINE",
        "SUS_LOWSQLVERSION",
        "SUS_TRIGGERSNOTSET",
        "SUS_INVALIDPATH",
        "SUS_NETWORKPATH",
        "SUS_NONNTFS_PATH",
        "SUS_NONFIXEDDRIVE",
        "SUS_NONTFS_DRIVES_PRESENT",
        "SUS_INSUFFICIENT_SPACE",
        "SUS_NEED_SERVER_AND_PORT",
        "SUS_MSCOM_SERVER",
    ];
    for (k, name) in setup.iter().enumerate() {
        assert_eq!(book.setup_exit(0x1450 + k as u32).map(|e| e.name.as_str()), Some(*name));
    }
    for (v, name) in [
        (0x1460, "SUS_ERROR_PREREQCHECK_FAIL"),
        (0x1461, "SUS_LOWDBSCHEMAUPGRADE_VERSION"),
        (0x1462, "SUS_UPGRADE_REQUIRED"),
    ] {
        assert_eq!(book.setup_exit(v).map(|e| e.name.as_str()), Some(name));
    }
}

#[test]
fn the_iis_substatus_list_of_signatures_0_1_and_the_httperr_reasons_of_formats_7_2_are_present() {
    let book = book();
    let subs = [
        (401, 1),
        (401, 2),
        (401, 3),
        (401, 4),
        (401, 5),
        (403, 4),
        (403, 6),
        (403, 7),
        (403, 14),
        (403, 503),
        (404, 0),
        (404, 2),
        (404, 3),
        (404, 7),
        (500, 11),
        (500, 12),
        (500, 13),
        (500, 19),
        (500, 24),
        (503, 0),
        (503, 2),
        (503, 3),
    ];
    for (s, sub) in subs {
        assert!(book.http(s, Some(sub)).is_some(), "{s}.{sub}");
    }
    let reasons = [
        "AppOffline",
        "AppPoolTimer",
        "AppShutdown",
        "BadRequest",
        "Client_Reset",
        "Connection_Abandoned_By_AppPool",
        "Connection_Abandoned_By_ReqQueue",
        "Connection_Dropped",
        "ConnLimit",
        "Disabled",
        "EntityTooLarge",
        "FieldLength",
        "Forbidden",
        "Header",
        "Hostname",
        "Internal",
        "Invalid_CR/LF",
        "N/A",
        "N/I",
        "Number",
        "Precondition",
        "QueueFull",
        "RequestLength",
        "Timer_AppPool",
        "Timer_ConnectionIdle",
        "Timer_EntityBody",
        "Timer_HeaderWait",
        "Timer_MinBytesPerSecond",
        "Timer_ReqQueue",
        "Timer_Response",
        "URL",
        "URL_Length",
        "Verb",
        "Version_N/S",
    ];
    for r in reasons {
        assert!(book.reason(r).is_some(), "{r}");
    }
}

#[test]
fn the_event_catalogue_of_formats_10_3_is_present_per_provider() {
    let book = book();
    let catalogue: [(&str, &[u32]); 8] = [
        (
            "Windows Server Update Services",
            &[
                361, 364, 381, 382, 384, 386, 387, 507, 7032, 7042, 7053, 10000, 10012, 10032, 12002, 12012, 12022,
                12032, 12042, 12052, 12072, 13042,
            ],
        ),
        (
            "Microsoft-Windows-WAS",
            &[
                5002, 5009, 5010, 5011, 5013, 5021, 5057, 5059, 5074, 5079, 5080, 5117, 5152, 5186,
            ],
        ),
        ("W3SVC", &[1002, 1009, 1011, 1013, 1074, 1077, 1117]),
        ("Microsoft-Windows-IIS-W3SVC-WP", &[2280, 2282, 2297, 2307]),
        (
            "Service Control Manager",
            &[
                7000, 7001, 7009, 7011, 7022, 7023, 7024, 7031, 7032, 7034, 7036, 7038, 7040, 7041, 7043,
            ],
        ),
        (
            "Microsoft-Windows-WindowsUpdateClient",
            &[16, 17, 18, 19, 20, 21, 22, 24, 25, 26, 31, 41, 43, 44],
        ),
        ("MsiInstaller", &[1022, 1033, 1034, 1035, 11707, 11708, 11724]),
        ("Microsoft-Windows-Servicing", &[1, 2, 3, 4, 5, 6]),
    ];
    for (provider, ids) in catalogue {
        for id in ids {
            assert!(
                book.events(*id).any(|e| e.provider == provider),
                "event {id} of {provider}"
            );
        }
    }
    // The WAS full ids carry the severity the level says.
    for e in (5000..5200).flat_map(|id| {
        book.events(id)
            .filter(|e| e.provider == "Microsoft-Windows-WAS")
            .cloned()
            .collect::<Vec<_>>()
    }) {
        let full = e.full.expect("WAS events have their full id");
        let level = match full >> 30 {
            3 => "Error",
            2 => "Warning",
            _ => "Information",
        };
        assert_eq!(e.level.as_deref(), Some(level), "WAS {}", e.id);
    }
}

#[test]
fn every_entry_is_sourced_or_marked_inferred() {
    let book = book();
    let [hresults, win32, setup, http, reasons, events] = book.counts();
    assert!(
        hresults > 600 && win32 > 150 && setup == 17 && http > 130 && reasons > 30 && events > 100,
        "{:?}",
        book.counts()
    );
    let (catalog, mut unsourced) = (embedded_catalog(), 0);
    for token in [
        "364",
        "7032",
        "12002",
        "0x80244007",
        "401.2",
        "AppOffline",
        "10012",
        "0x80D0000A",
    ] {
        for r in explain(token, &book, &catalog).readings {
            match &r.source {
                Some(s) => assert!(s.starts_with("https://"), "{token}: {s}"),
                None => {
                    assert!(r.inferred, "{token}: an unsourced reading must be inferred");
                    unsourced += 1;
                }
            }
        }
    }
    assert!(
        unsourced > 0,
        "some inferred WSUS events cite nothing, as the reference"
    );
}
