//! The client signatures of the catalog (signatures.md §8, #39–#47) on realistic multi-file bundles:
//! a client's WindowsUpdate.log (classic and Windows 10 layouts), ReportingEvents.log, event text
//! exports and policy registry exports, with the WSUS server's IIS logs, applicationHost.config and
//! registry. For each signature a bundle that must be diagnosed — signature, severity, confidence,
//! the figures of the summary, and every cited text standing in the cited line of the cited file —
//! and one that must not; then the routes between them (the specific cause wins over the umbrella)
//! and the five real Windows Update logs of the shared corpus, on which none may fire at warning or
//! above.

#[path = "support/regf_writer.rs"]
mod regf_writer;

use std::sync::OnceLock;
use wsus_triage::diagnosis::Finding;
use wsus_triage::grammars::{GrammarFile, GrammarFiles};
use wsus_triage::intake::{Bundle, Limits};
use wsus_triage::pipeline::{BundleReport, Engine, Options, run_opened};
use wsus_triage::signatures::Severity;

const MINE: [&str; 9] = [
    "WSUS-CLIENT-HTTP-AUTH-DENIED",
    "WSUS-CLIENT-PROXY",
    "WSUS-CLIENT-TIMEOUT",
    "WSUS-CLIENT-UNREACHABLE",
    "WSUS-SSL-CERT-NAME-MISMATCH",
    "WSUS-CLIENT-TLS-TRUST-OR-CLOCK",
    "WSUS-CLIENT-DUPLICATE-SUSCLIENTID",
    "WSUS-CLIENT-WUSERVER-PORT-MISMATCH",
    "WSUS-CLIENT-POLICY-INCOMPLETE",
];

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::load(&[]).expect("the embedded catalog loads"))
}

type Files = Vec<(String, Vec<u8>)>;

fn run_with(engine: &Engine, files: &Files) -> BundleReport {
    let bundle = Bundle::from_memory("test", files.clone(), &Limits::default());
    run_opened(
        engine,
        bundle,
        &Options {
            diagnose: true,
            ..Options::default()
        },
    )
}

fn run(files: &Files) -> BundleReport {
    run_with(engine(), files)
}

fn finding<'r>(report: &'r BundleReport, id: &str) -> &'r Finding {
    report.findings.iter().find(|f| f.signature == id).unwrap_or_else(|| {
        panic!(
            "{id} did not fire; findings: {:?}",
            report.findings.iter().map(|f| &f.signature).collect::<Vec<_>>()
        )
    })
}

fn fired(report: &BundleReport, id: &str) -> bool {
    report.findings.iter().any(|f| f.signature == id)
}

/// None of this file's signatures at warning or above (other signatures are not this file's concern).
fn none_of_mine_alarms(report: &BundleReport) {
    let loud: Vec<_> = report
        .findings
        .iter()
        .filter(|f| MINE.contains(&f.signature.as_str()) && f.severity >= Severity::Warning)
        .map(|f| {
            format!(
                "{} {} {}: {}",
                f.signature,
                f.severity.name(),
                f.confidence.name(),
                f.summary
            )
        })
        .collect();
    assert!(loud.is_empty(), "{loud:#?}");
}

use wsus_triage::intake::decode::line_at as line_of;

/// Every cited excerpt is exactly the line it is cited at, in the file it names.
fn citations_stand(files: &Files, f: &Finding) {
    assert!(!f.evidence.is_empty(), "{} cites nothing", f.signature);
    for e in &f.evidence {
        let (_, bytes) = files
            .iter()
            .find(|(p, _)| *p == e.file)
            .unwrap_or_else(|| panic!("{} cites {}, not in the bundle", f.signature, e.file));
        if let Some(key) = &e.key {
            // A binary hive's value is cited by its key, as `name = data`.
            assert!(key.starts_with("HKLM\\") && e.text.contains(" = "), "{key}: {}", e.text);
            continue;
        }
        let n = e
            .line
            .unwrap_or_else(|| panic!("{}: text evidence is cited by line", e.file));
        assert_eq!(
            line_of(bytes, n).as_deref(),
            Some(e.text.as_str()),
            "{} cites {}:{}",
            f.signature,
            e.file,
            n
        );
    }
}

fn cites(f: &Finding, file_suffix: &str, needle: &str) -> bool {
    f.evidence
        .iter()
        .any(|e| e.file.ends_with(file_suffix) && e.text.contains(needle))
}

// ---- Writers of real-shaped lines (formats.md §3, §4, §5, §6, §9) ---------------------------------

/// Classic WindowsUpdate.log: TAB separated, pid right-aligned in 4 columns, hex tid, CRLF.
fn classic(lines: &[(&str, u32, &str, &str, &str)]) -> Vec<u8> {
    let mut out = String::new();
    for (at, pid, tid, component, text) in lines {
        let (date, time) = at.split_once(' ').unwrap();
        out += &format!("{date}\t{time}\t{pid:>4}\t{tid}\t{component}\t{text}\r\n");
    }
    out.into_bytes()
}

fn banner(at: &str, pid: u32, tid: &str, tz: &str) -> String {
    let (date, time) = at.split_once(' ').unwrap();
    format!(
        "{date}\t{time}\t{pid:>4}\t{tid}\tMisc\t===========  Logging initialized (build: 7.6.7601.24436, tz: {tz})  ===========\r\n"
    )
}

/// Windows 10+ WindowsUpdate.log (Get-WindowsUpdateLog): fixed columns, decimal pid/tid, CRLF.
fn win10(lines: &[(&str, u32, u32, &str, &str)]) -> Vec<u8> {
    let mut out = String::new();
    for (at, pid, tid, component, text) in lines {
        out += &format!("{at} {pid:<5} {tid:<5} {component:<15} {text}\r\n");
    }
    out.into_bytes()
}

/// ReportingEvents.log: TAB separated, local time with the UTC offset, bare hex HRESULT.
fn reporting(lines: &[(&str, &str, &str, &str, &str, &str)]) -> Vec<u8> {
    let mut out = String::new();
    for (n, (at, event, hresult, caller, result, message)) in lines.iter().enumerate() {
        out += &format!(
            "{{5B7D0F2E-2B1C-4E8A-9C3D-7A1E2F3B4C{n:02X}}}\t{at}\t1\t{event}\t101\t{{00000000-0000-0000-0000-000000000000}}\t0\t{hresult}\t{caller}\t{result}\tSoftware Synchronization\t{message}\r\n"
        );
    }
    out.into_bytes()
}

const W3C_FIELDS: &str = "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) sc-status sc-substatus sc-win32-status time-taken\r\n";
const WUA: &str = "Windows-Update-Agent/10.0.10011.16384+Client-Protocol/2.50";

/// An IIS W3C log of the WSUS site: `(time, method, uri, port, user, client, status)` on 2024-11-20.
fn iis(lines: &[(&str, &str, &str, u16, &str, &str, &str)]) -> Vec<u8> {
    let mut out = String::from(
        "#Software: Microsoft Internet Information Services 10.0\r\n#Version: 1.0\r\n#Date: 2024-11-20 00:00:00\r\n",
    );
    out += W3C_FIELDS;
    for (at, method, uri, port, user, client, status) in lines {
        out += &format!("2024-11-20 {at} 10.1.0.20 {method} {uri} - {port} {user} {client} {WUA} {status} 12\r\n");
    }
    out.into_bytes()
}

/// A regedit export, UTF-16LE with BOM and CRLF as regedit writes it.
fn reg_utf16(body: &str) -> Vec<u8> {
    let text = format!(
        "Windows Registry Editor Version 5.00\r\n\r\n{}",
        body.replace('\n', "\r\n")
    );
    let mut out = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        out.extend_from_slice(&u.to_le_bytes());
    }
    out
}

fn policy_reg(wuserver: Option<&str>, wustatusserver: Option<&str>, usewuserver: Option<u32>) -> Vec<u8> {
    let mut body = String::from("[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate]\n");
    if let Some(u) = wuserver {
        body += &format!("\"WUServer\"=\"{u}\"\n");
    }
    if let Some(u) = wustatusserver {
        body += &format!("\"WUStatusServer\"=\"{u}\"\n");
    }
    body += "\"ElevateNonAdmins\"=dword:00000000\n\n";
    body += "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate\\AU]\n";
    body += "\"NoAutoUpdate\"=dword:00000000\n\"AUOptions\"=dword:00000004\n\"ScheduledInstallDay\"=dword:00000000\n\"ScheduledInstallTime\"=dword:00000003\n";
    if let Some(v) = usewuserver {
        body += &format!("\"UseWUServer\"=dword:{v:08x}\n");
    }
    reg_utf16(&body)
}

fn server_setup_reg(port: u32, ssl: bool, cert_name: Option<&str>) -> Vec<u8> {
    let mut body = String::from("[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Update Services\\Server\\Setup]\n");
    body += "\"ContentDir\"=\"D:\\\\WSUS\"\n\"SqlServerName\"=\"WSUS01\\\\MICROSOFT##WID\"\n";
    body += &format!(
        "\"PortNumber\"=dword:{port:08x}\n\"UsingSSL\"=dword:{:08x}\n",
        u32::from(ssl)
    );
    if let Some(c) = cert_name {
        body += &format!("\"ServerCertificateName\"=\"{c}\"\n");
    }
    reg_utf16(&body)
}

/// applicationHost.config of a WSUS server: the WSUS site with its bindings; `client_auth_off` turns
/// anonymous access off on ClientWebService.
fn application_host(bindings: &[(&str, u16)], client_auth_off: bool) -> Vec<u8> {
    let mut b = String::new();
    for (protocol, port) in bindings {
        b += &format!("                    <binding protocol=\"{protocol}\" bindingInformation=\"*:{port}:\" />\n");
    }
    let location = if client_auth_off {
        r#"    <location path="WSUS Administration/ClientWebService">
        <system.webServer>
            <security>
                <authentication>
                    <anonymousAuthentication enabled="false" />
                    <windowsAuthentication enabled="true" />
                </authentication>
            </security>
        </system.webServer>
    </location>
"#
    } else {
        ""
    };
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<configuration>
    <system.applicationHost>
        <sites>
            <site name="Default Web Site" id="1">
                <application path="/" applicationPool="DefaultAppPool">
                    <virtualDirectory path="/" physicalPath="%SystemDrive%\inetpub\wwwroot" />
                </application>
                <bindings>
                    <binding protocol="http" bindingInformation="*:80:" />
                </bindings>
            </site>
            <site name="WSUS Administration" id="1274659245">
                <application path="/" applicationPool="WsusPool">
                    <virtualDirectory path="/" physicalPath="C:\Program Files\Update Services\WebServices\Root" />
                </application>
                <application path="/ClientWebService" applicationPool="WsusPool">
                    <virtualDirectory path="/" physicalPath="C:\Program Files\Update Services\WebServices\ClientWebService" />
                </application>
                <application path="/SimpleAuthWebService" applicationPool="WsusPool">
                    <virtualDirectory path="/" physicalPath="C:\Program Files\Update Services\WebServices\SimpleAuthWebService" />
                </application>
                <application path="/ReportingWebService" applicationPool="WsusPool">
                    <virtualDirectory path="/" physicalPath="C:\Program Files\Update Services\WebServices\ReportingWebService" />
                </application>
                <application path="/ApiRemoting30" applicationPool="WsusPool">
                    <virtualDirectory path="/" physicalPath="C:\Program Files\Update Services\Administration" />
                </application>
                <bindings>
{b}                </bindings>
            </site>
        </sites>
    </system.applicationHost>
    <location path="WSUS Administration/ApiRemoting30">
        <system.webServer>
            <security>
                <authentication>
                    <anonymousAuthentication enabled="false" />
                    <windowsAuthentication enabled="true" />
                </authentication>
            </security>
        </system.webServer>
    </location>
{location}</configuration>
"#
    )
    .replace('\n', "\r\n")
    .into_bytes()
}

/// `wevtutil qe Microsoft-Windows-WindowsUpdateClient/Operational /f:text` for events 25 (failed
/// check) and 26 (found updates).
fn wevtutil(events: &[(&str, u32, &str)]) -> Vec<u8> {
    let mut out = String::new();
    for (i, (at, id, description)) in events.iter().enumerate() {
        let level = if *id == 25 { "Error" } else { "Information" };
        out += &format!(
            "Event[{i}]:\r\n  Log Name: Microsoft-Windows-WindowsUpdateClient/Operational\r\n  Source: Microsoft-Windows-WindowsUpdateClient\r\n  Date: {at}\r\n  Event ID: {id}\r\n  Task: Windows Update Agent\r\n  Level: {level}\r\n  Opcode: Info\r\n  Keyword: Failure\r\n  User: S-1-5-18\r\n  User Name: NT AUTHORITY\\SYSTEM\r\n  Computer: PC0077.contoso.local\r\n  Description: \r\n{description}\r\n\r\n"
        );
    }
    out.into_bytes()
}

fn files(list: Vec<(&str, Vec<u8>)>) -> Files {
    list.into_iter().map(|(p, b)| (p.to_string(), b)).collect()
}

/// The start-up block every Windows 10 agent writes (with its normal 8024000C / 80240013 noise).
fn win10_startup(at: &str, wsus: &str) -> Vec<(String, u32, u32, &'static str, String)> {
    vec![
        (
            format!("{at}.1000000"),
            1204,
            5520,
            "Agent",
            "WU client version 10.0.19041.4522".into(),
        ),
        (
            format!("{at}.2290417"),
            1204,
            5520,
            "Misc",
            "*FAILED* [8024000C] LoadHistoryEventFromRegistry completed".into(),
        ),
        (
            format!("{at}.2701121"),
            1204,
            4248,
            "Agent",
            "*FAILED* [80240013] m_services.Add()".into(),
        ),
        (
            format!("{at}.2701230"),
            1204,
            4248,
            "Agent",
            "*FAILED* [80240013] Method failed [CAgentServiceManager::DelayedInit:2678]".into(),
        ),
        (
            format!("{at}.3933659"),
            1204,
            5520,
            "Agent",
            "Initializing global settings cache".into(),
        ),
        (
            format!("{at}.3933681"),
            1204,
            5520,
            "Agent",
            format!("WSUS server: {wsus}"),
        ),
        (
            format!("{at}.3933698"),
            1204,
            5520,
            "Agent",
            format!("WSUS status server: {wsus}"),
        ),
        (
            format!("{at}.3933728"),
            1204,
            5520,
            "Agent",
            "Target group: (Unassigned Computers)".into(),
        ),
    ]
}

fn win10_owned(lines: &[(String, u32, u32, &str, String)]) -> Vec<u8> {
    let borrowed: Vec<_> = lines
        .iter()
        .map(|(a, p, t, c, m)| (a.as_str(), *p, *t, *c, m.as_str()))
        .collect();
    win10(&borrowed)
}

// ---- #39 WSUS-CLIENT-HTTP-AUTH-DENIED ------------------------------------------------------------

fn classic_401_client() -> Vec<u8> {
    let mut log = banner("2024-11-20 09:12:00:101", 988, "1a4c", "+0100").into_bytes();
    log.extend(classic(&[
        ("2024-11-20 09:12:00:350", 988, "1a4c", "Agent", "  * WSUS server: http://wsus01.contoso.local:8530"),
        ("2024-11-20 09:12:00:350", 988, "1a4c", "Agent", "  * WSUS status server: http://wsus01.contoso.local:8530"),
        ("2024-11-20 09:14:01:200", 988, "11f0", "Agent", "**  START  **  Agent: Finding updates [CallerId = AutomaticUpdates]"),
        ("2024-11-20 09:14:01:880", 988, "11f0", "PT", "+++++++++++  PT: Synchronizing server updates  +++++++++++"),
        ("2024-11-20 09:14:01:880", 988, "11f0", "PT", "  + ServiceId = {3DA21691-E39D-4DA6-8A4B-B43877BCB1B7}, Server URL = http://wsus01.contoso.local:8530/ClientWebService/client.asmx"),
        ("2024-11-20 09:14:02:318", 988, "11f0", "PT", "WARNING: SyncUpdates failure, error = 0x80244017, soap client error = 10, soap error code = 0, HTTP status code = 401"),
        ("2024-11-20 09:14:02:318", 988, "11f0", "PT", "WARNING: Sync of Updates: 0x80244017"),
        ("2024-11-20 09:14:02:320", 988, "11f0", "Agent", "  * WARNING: Failed to synchronize, error = 0x80244017"),
        ("2024-11-20 09:14:02:320", 988, "11f0", "Agent", "*********"),
        ("2024-11-20 09:14:02:320", 988, "11f0", "Agent", "**  END  **  Agent: Finding updates [CallerId = AutomaticUpdates]"),
        ("2024-11-20 13:14:02:011", 988, "11f0", "PT", "WARNING: SyncUpdates failure, error = 0x80244017, soap client error = 10, soap error code = 0, HTTP status code = 401"),
    ]));
    log
}

#[test]
fn auth_denied_client_failure_and_configuration_cause_give_high() {
    let bundle = files(vec![
        ("PC0077/WindowsUpdate.log", classic_401_client()),
        (
            "PC0077/ReportingEvents.log",
            reporting(&[(
                "2024-11-20 09:14:02:330+0100",
                "148 [AGENT_DETECTION_FAILED]",
                "80244017",
                "AutomaticUpdates",
                "Failure",
                "Windows Update Client failed to detect with error 0x80244017.",
            )]),
        ),
        (
            "WSUS01/inetsrv/config/applicationHost.config",
            application_host(&[("http", 8530), ("https", 8531)], true),
        ),
        (
            "WSUS01/W3SVC1274659245/u_ex241120.log",
            iis(&[
                (
                    "08:14:02",
                    "POST",
                    "/ClientWebService/client.asmx",
                    8530,
                    "-",
                    "10.1.4.77",
                    "401 2 5",
                ),
                (
                    "12:14:02",
                    "POST",
                    "/ClientWebService/client.asmx",
                    8530,
                    "-",
                    "10.1.4.77",
                    "401 2 5",
                ),
            ]),
        ),
    ]);
    let r = run(&bundle);
    let f = finding(&r, "WSUS-CLIENT-HTTP-AUTH-DENIED");
    assert_eq!((f.severity.name(), f.confidence.name()), ("error", "high"));
    // 4 lines of the classic log (two failed scans) and the ReportingEvents record.
    assert!(
        f.summary.contains("(5 client record(s) with 0x80244017/0x80244018 between 2024-11-20 08:14:02 UTC and 2024-11-20 12:14:02 UTC)"),
        "{}",
        f.summary
    );
    assert!(
        f.summary.contains("anonymous access is off on ClientWebService"),
        "{}",
        f.summary
    );
    citations_stand(&bundle, f);
    assert!(cites(f, "WindowsUpdate.log", "HTTP status code = 401"));
    assert!(cites(
        f,
        "applicationHost.config",
        "<anonymousAuthentication enabled=\"false\" />"
    ));
    // ApiRemoting30 uses Windows authentication by design: only ClientWebService's line is cited.
    let config = &bundle[2].1;
    let text = String::from_utf8_lossy(config);
    let lines: Vec<&str> = text.lines().collect();
    let location = lines
        .iter()
        .position(|l| l.contains("<location path=\"WSUS Administration/ClientWebService\">"))
        .unwrap();
    let anonymous = location
        + lines[location..]
            .iter()
            .position(|l| l.contains("anonymousAuthentication"))
            .unwrap();
    let cited: Vec<_> = f
        .evidence
        .iter()
        .filter(|e| e.file.ends_with(".config"))
        .map(|e| e.line)
        .collect();
    assert_eq!(cited, [Some(anonymous as u64 + 1)]);
}

#[test]
fn auth_denied_not_on_negotiation_browser_noise_or_a_healthy_client() {
    let mut client = win10_startup("2024/11/20 09:14:00", "http://wsus01.contoso.local:8530");
    client.push((
        "2024/11/20 09:14:03.9913327".into(),
        1204,
        5520,
        "Agent",
        "* END * Finding updates CallerId = UpdateOrchestrator, Id = 3, Exit code = 0x00000000 (cV = aS8pKHUwl0i6mrKJ.1.2.3.0)".into(),
    ));
    let bundle = files(vec![
        ("PC0077/WindowsUpdate.log", win10_owned(&client)),
        (
            "WSUS01/inetsrv/config/applicationHost.config",
            application_host(&[("http", 8530), ("https", 8531)], false),
        ),
        (
            "WSUS01/W3SVC1274659245/u_ex241120.log",
            iis(&[
                // The console's Windows authentication on ApiRemoting30, and NTLM on ReportingWebService.
                ("08:10:00", "POST", "/ApiRemoting30/WebService.asmx", 8530, "-", "10.1.0.20", "401 2 5"),
                ("08:10:00", "POST", "/ApiRemoting30/WebService.asmx", 8530, "CONTOSO\\admin", "10.1.0.20", "200 0 0"),
                ("08:14:01", "POST", "/ReportingWebService/ReportingWebService.asmx", 8530, "-", "10.1.4.77", "401 2 5"),
                ("08:14:01", "POST", "/ReportingWebService/ReportingWebService.asmx", 8530, "-", "10.1.4.77", "401 1 2148074254"),
                ("08:14:02", "POST", "/ReportingWebService/ReportingWebService.asmx", 8530, "CONTOSO\\PC0077$", "10.1.4.77", "200 0 0"),
                ("08:14:03", "POST", "/ClientWebService/client.asmx", 8530, "-", "10.1.4.77", "200 0 0"),
            ]),
        ),
        (
            "WSUS01/W3SVC1274659245/u_ex241121.log",
            format!(
                "{W3C_FIELDS}2024-11-21 10:02:11 10.1.0.20 GET /ClientWebService/client.asmx - 8530 - 10.1.9.5 Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)+AppleWebKit/537.36+(KHTML,+like+Gecko)+Chrome/130.0.0.0+Safari/537.36 403 0 0 2\r\n"
            )
            .into_bytes(),
        ),
    ]);
    let r = run(&bundle);
    assert!(!fired(&r, "WSUS-CLIENT-HTTP-AUTH-DENIED"), "{:#?}", r.findings);
    none_of_mine_alarms(&r);
}

#[test]
fn auth_denied_yields_to_content_vroot_auth_when_anonymous_is_off_site_wide() {
    // SharePoint-style: anonymous off on the whole site, so Content and ClientWebService both refuse.
    let mut lines = Vec::new();
    for (i, client) in ["10.1.4.77", "10.1.4.91"].iter().enumerate() {
        let at = format!("08:2{i}:00");
        lines.push((
            at.clone(),
            "GET",
            "/Content/3C/0D6E5A1F2B3C4D5E6F708192A3B4C5D6E7F8093C.cab",
            *client,
            "401 2 5",
        ));
        lines.push((at, "POST", "/ClientWebService/client.asmx", *client, "401 2 5"));
    }
    let borrowed: Vec<_> = lines
        .iter()
        .map(|(a, m, u, c, s)| (a.as_str(), *m, *u, 8530u16, "-", *c, *s))
        .collect();
    let bundle = files(vec![
        ("PC0077/WindowsUpdate.log", classic_401_client()),
        ("WSUS01/W3SVC1274659245/u_ex241120.log", iis(&borrowed)),
    ]);
    let r = run(&bundle);
    assert!(fired(&r, "WSUS-CONTENT-VROOT-AUTH"));
    assert!(!fired(&r, "WSUS-CLIENT-HTTP-AUTH-DENIED"), "the umbrella yields");
    // Without the Content failures, the web-service refusal is this signature's own.
    let only_services: Vec<_> = borrowed
        .iter()
        .filter(|l| !l.2.starts_with("/Content/"))
        .cloned()
        .collect();
    let bundle = files(vec![
        ("PC0077/WindowsUpdate.log", classic_401_client()),
        ("WSUS01/W3SVC1274659245/u_ex241120.log", iis(&only_services)),
    ]);
    let r = run(&bundle);
    let f = finding(&r, "WSUS-CLIENT-HTTP-AUTH-DENIED");
    assert_eq!(f.confidence.name(), "high", "client refusal and IIS 401.2 agree");
    citations_stand(&bundle, f);
}

#[test]
fn auth_denied_yields_to_the_ip_restriction_signature_on_403_6() {
    // Use the catalog's WSUS-SITE-IP-RESTRICTION when it has one, else a stand-in with its route.
    let mut grammar_files = GrammarFiles::embedded();
    if !grammar_files
        .files
        .iter()
        .any(|f| f.path == "signatures/WSUS-SITE-IP-RESTRICTION.toml")
    {
        grammar_files.files.push(GrammarFile {
            path: "signatures/WSUS-SITE-IP-RESTRICTION.toml".into(),
            text: r#"id = "WSUS-SITE-IP-RESTRICTION"
title = "stand-in"
severity = "error"
origin = "test"
summary = "403.6"
remediation = "grant access"
[[evidence]]
id = "e"
kinds = ["iis-w3c-log"]
where = { sc-status = "403", sc-substatus = "6" }
[[confidence]]
level = "high"
require = ["e"]
"#
            .into(),
            origin: "test".into(),
        });
    }
    let engine = Engine::from_files(&grammar_files).expect("catalog with the route loads");
    let mut client = win10_startup("2024/11/20 09:14:00", "http://wsus01.contoso.local:8530");
    client.push((
        "2024/11/20 09:14:02.3181377".into(),
        1204,
        5520,
        "ProtocolTalker",
        "*FAILED* [80244018] SyncUpdates_WithRecovery failed".into(),
    ));
    let with_iis = files(vec![
        ("PC0077/WindowsUpdate.log", win10_owned(&client)),
        (
            "WSUS01/W3SVC1274659245/u_ex241120.log",
            iis(&[(
                "08:14:02",
                "POST",
                "/ClientWebService/client.asmx",
                8530,
                "-",
                "10.1.4.77",
                "403 6 5",
            )]),
        ),
    ]);
    let r = run_with(&engine, &with_iis);
    assert!(fired(&r, "WSUS-SITE-IP-RESTRICTION"));
    assert!(!fired(&r, "WSUS-CLIENT-HTTP-AUTH-DENIED"), "{:#?}", r.findings);
    // The client log alone: the umbrella speaks, at medium (a WSUS client refused, cause unknown).
    let r = run_with(
        &engine,
        &files(vec![("PC0077/WindowsUpdate.log", win10_owned(&client))]),
    );
    let f = finding(&r, "WSUS-CLIENT-HTTP-AUTH-DENIED");
    assert_eq!((f.severity.name(), f.confidence.name()), ("error", "medium"));
    assert!(f.summary.contains("1 client record(s) carry"), "{}", f.summary);
}

// ---- #40 WSUS-CLIENT-PROXY ----------------------------------------------------------------------

fn proxied_client(code: &str, status: u16) -> Vec<u8> {
    let status_line = format!(
        "WARNING: SyncUpdates failure, error = {code}, soap client error = 10, soap error code = 0, HTTP status code = {status}"
    );
    let failed = format!("  * WARNING: Failed to synchronize, error = {code}");
    let mut log = banner("2024-11-20 09:12:00:101", 988, "1a4c", "+0100").into_bytes();
    log.extend(classic(&[
        ("2024-11-20 09:12:00:210", 988, "1a4c", "Agent", "  * Access type: Named proxy"),
        ("2024-11-20 09:12:00:210", 988, "1a4c", "Agent", "  * Default proxy: proxy01.contoso.local:8080"),
        ("2024-11-20 09:12:00:210", 988, "1a4c", "Agent", "  * Default proxy bypass: <local>"),
        ("2024-11-20 09:12:00:350", 988, "1a4c", "Agent", "  * WSUS server: http://WSUS01.CONTOSO.LOCAL:8530"),
        ("2024-11-20 09:12:00:350", 988, "1a4c", "Agent", "  * WSUS status server: http://WSUS01.CONTOSO.LOCAL:8530"),
        ("2024-11-20 09:14:01:880", 988, "11f0", "PT", "  + ServiceId = {3DA21691-E39D-4DA6-8A4B-B43877BCB1B7}, Server URL = http://WSUS01.CONTOSO.LOCAL:8530/ClientWebService/client.asmx"),
        ("2024-11-20 09:14:02:318", 988, "11f0", "PT", &status_line),
        ("2024-11-20 09:14:02:320", 988, "11f0", "Agent", &failed),
    ]));
    log
}

#[test]
fn proxy_407_with_a_named_proxy_gives_high() {
    let bundle = files(vec![
        ("PC0077/WindowsUpdate.log", proxied_client("0x8024401B", 407)),
        (
            "PC0077/ReportingEvents.log",
            reporting(&[(
                "2024-11-20 09:14:02:330+0100",
                "148 [AGENT_DETECTION_FAILED]",
                "8024401b",
                "AutomaticUpdates",
                "Failure",
                "Windows Update Client failed to detect with error 0x8024401b.",
            )]),
        ),
        (
            "PC0077/WindowsUpdate-policy.reg",
            policy_reg(
                Some("http://WSUS01.CONTOSO.LOCAL:8530"),
                Some("http://WSUS01.CONTOSO.LOCAL:8530"),
                Some(1),
            ),
        ),
    ]);
    let r = run(&bundle);
    let f = finding(&r, "WSUS-CLIENT-PROXY");
    assert_eq!((f.severity.name(), f.confidence.name()), ("error", "high"));
    assert!(f.summary.contains(": 3 client record(s)"), "{}", f.summary);
    assert!(
        f.summary.contains("through the proxy proxy01.contoso.local:8080."),
        "{}",
        f.summary
    );
    assert!(
        f.summary
            .contains("between 2024-11-20 08:14:02 UTC and 2024-11-20 08:14:02 UTC")
    );
    citations_stand(&bundle, f);
    assert!(cites(f, "WindowsUpdate.log", "HTTP status code = 407"));
    assert!(cites(f, "WindowsUpdate.log", "Named proxy"));
    // The 407 is a proxy's refusal, not WSUS's: no other client signature speaks.
    assert!(!fired(&r, "WSUS-CLIENT-HTTP-AUTH-DENIED"));
}

#[test]
fn proxy_not_on_a_direct_client_or_an_unmanaged_one() {
    let mut log = banner("2024-11-20 09:12:00:101", 988, "1a4c", "+0100").into_bytes();
    log.extend(classic(&[
        ("2024-11-20 09:12:00:210", 988, "1a4c", "Agent", "  * Access type: No proxy"),
        ("2024-11-20 09:12:00:350", 988, "1a4c", "Agent", "  * WSUS server: http://wsus01.contoso.local:8530"),
        ("2024-11-20 09:14:01:880", 988, "11f0", "WS", "Proxy List: '(null)', Bypass List: '(null)'."),
        ("2024-11-20 09:14:05:002", 988, "11f0", "Agent", "  * Found 2 updates and 83 categories in search; evaluated appl. rules of 1616 out of 2949 deployed entities"),
    ]));
    let bundle = files(vec![
        ("PC0077/WindowsUpdate.log", log),
        (
            "PC0077/WindowsUpdate-policy.reg",
            policy_reg(
                Some("http://wsus01.contoso.local:8530"),
                Some("http://wsus01.contoso.local:8530"),
                Some(1),
            ),
        ),
    ]);
    let r = run(&bundle);
    assert!(!fired(&r, "WSUS-CLIENT-PROXY"), "{:#?}", r.findings);
    none_of_mine_alarms(&r);
    // An unmanaged laptop's Microsoft Update download through a proxy: not about WSUS.
    let mut unmanaged = win10_startup("2024/11/20 09:14:00", "(null)");
    unmanaged.push((
        "2024/11/20 09:20:11.4401876".into(),
        1204,
        7732,
        "Misc",
        "*FAILED* [8024401B] WinHttp: SendRequestWithAuthRetry using proxy failed for <http://download.windowsupdate.com/d/msdownload/update/others/2024/11/41741432_0d6e5a1f2b3c4d5e6f708192a3b4c5d6e7f8093c.cab>".into(),
    ));
    unmanaged.push((
        "2024/11/20 09:20:11.4402011".into(),
        1204,
        7732,
        "Misc",
        "*FAILED* [8024401B] Library download error. Will retry. Retry Counter: 0".into(),
    ));
    let r = run(&files(vec![("LAPTOP7/WindowsUpdate.log", win10_owned(&unmanaged))]));
    assert!(!fired(&r, "WSUS-CLIENT-PROXY"), "{:#?}", r.findings);
    none_of_mine_alarms(&r);
}

#[test]
fn a_401_through_a_named_proxy_is_routed_to_the_proxy() {
    let bundle = files(vec![("PC0077/WindowsUpdate.log", proxied_client("0x80244017", 401))]);
    let r = run(&bundle);
    let f = finding(&r, "WSUS-CLIENT-PROXY");
    assert_eq!(f.confidence.name(), "medium");
    assert!(
        f.summary.contains(
            "through the proxy proxy01.contoso.local:8080 and they fail with 0x80244017 (HTTP 401) 2 time(s)"
        ),
        "{}",
        f.summary
    );
    assert!(
        !fired(&r, "WSUS-CLIENT-HTTP-AUTH-DENIED"),
        "the umbrella yields to the proxy"
    );
    citations_stand(&bundle, f);
}

// ---- #41 WSUS-CLIENT-TIMEOUT --------------------------------------------------------------------

fn win10_timeouts(recover: bool) -> Vec<u8> {
    let mut log = win10_startup("2024/11/20 09:14:00", "http://wsus01.contoso.local:8530");
    for (at, n) in [("2024/11/20 09:14:32", 1), ("2024/11/20 13:14:40", 2)] {
        log.push((
            format!("{at}.5523118"),
            1204,
            5520,
            "WebServices",
            "*FAILED* [80072EE2] Web service call".into(),
        ));
        log.push((
            format!("{at}.5523301"),
            1204,
            5520,
            "ProtocolTalker",
            "*FAILED* [80072EE2] Sync of Updates".into(),
        ));
        log.push((
            format!("{at}.5531004"),
            1204,
            5520,
            "Agent",
            format!("* END * Finding updates CallerId = UpdateOrchestrator, Id = {n}, Exit code = 0x80072EE2 (cV = qEYuRodYLkuAjaKs.0.1.0.0.{n})"),
        ));
    }
    if recover {
        log.push((
            "2024/11/20 16:02:04.0098812".into(),
            1204,
            5520,
            "Agent",
            "* END * Finding updates CallerId = UpdateOrchestrator, Id = 3, Exit code = 0x00000000 (cV = qEYuRodYLkuAjaKs.0.1.0.0.3)".into(),
        ));
    }
    win10_owned(&log)
}

#[test]
fn timeout_of_a_wsus_client_is_a_low_confidence_warning() {
    let bundle = files(vec![
        ("PC0077/WindowsUpdate.log", win10_timeouts(false)),
        (
            "PC0077/ReportingEvents.log",
            reporting(&[(
                "2024-11-20 13:14:41:000+0100",
                "148 [AGENT_DETECTION_FAILED]",
                "80072ee2",
                "UpdateOrchestrator",
                "Failure",
                "Windows Update Client failed to detect with error 0x80072ee2.",
            )]),
        ),
        (
            "PC0077/WindowsUpdate-policy.reg",
            policy_reg(
                Some("http://wsus01.contoso.local:8530"),
                Some("http://wsus01.contoso.local:8530"),
                Some(1),
            ),
        ),
    ]);
    let r = run(&bundle);
    let f = finding(&r, "WSUS-CLIENT-TIMEOUT");
    assert_eq!((f.severity.name(), f.confidence.name()), ("warning", "low"));
    // Six agent lines (two failed scans) and the ReportingEvents record.
    assert!(
        f.summary.contains(": 7 client record(s) carry 0x80072EE2"),
        "{}",
        f.summary
    );
    // The Windows 10 log's times are local with no zone written; ReportingEvents carries its offset.
    assert!(
        f.summary.contains(
            "between 2024-11-20 09:14:32 (local time, zone unknown) and 2024-11-20 13:14:40 (local time, zone unknown)"
        ),
        "{}",
        f.summary
    );
    citations_stand(&bundle, f);
    assert!(cites(f, "WindowsUpdate.log", "*FAILED* [80072EE2]"));
    // A later successful WSUS scan: it was failing, and recovered.
    let bundle = files(vec![("PC0077/WindowsUpdate.log", win10_timeouts(true))]);
    let f = finding(&run(&bundle), "WSUS-CLIENT-TIMEOUT").clone();
    assert_eq!(f.severity.name(), "info");
    assert!(
        f.summary
            .starts_with("Recovered: this was failing until 2024-11-20 13:14:40 (local time, zone unknown)"),
        "{}",
        f.summary
    );
}

#[test]
fn timeout_not_on_an_unmanaged_client_downloading_from_microsoft() {
    let mut log = win10_startup("2024/04/12 01:39:30", "(null)");
    log.push((
        "2024/04/12 01:39:39.1247358".into(),
        4972,
        12948,
        "Misc",
        "*FAILED* [80072EE2] WinHttp: SendRequestWithAuthRetry using proxy failed for <http://download.windowsupdate.com/d/msdownload/update/others/2024/04/41041432_0d6e5a1f2b3c4d5e6f708192a3b4c5d6e7f8093c.cab>".into(),
    ));
    log.push((
        "2024/04/12 01:39:39.1279186".into(),
        4972,
        12948,
        "Misc",
        "*FAILED* [80072EE2] Library download error. Will retry. Retry Counter: 0".into(),
    ));
    let r = run(&files(vec![("LAPTOP7/WindowsUpdate.log", win10_owned(&log))]));
    assert!(!fired(&r, "WSUS-CLIENT-TIMEOUT"), "{:#?}", r.findings);
    none_of_mine_alarms(&r);
}

// ---- #42 WSUS-CLIENT-UNREACHABLE ----------------------------------------------------------------

fn unresolvable_client() -> Vec<u8> {
    let mut log = win10_startup("2024/11/20 09:14:00", "http://wsus01:8530");
    log.push((
        "2024/11/20 09:14:02.2040119".into(),
        1204,
        5520,
        "ProtocolTalker",
        "ServiceId = {3DA21691-E39D-4DA6-8A4B-B43877BCB1B7}, Server URL = http://wsus01:8530/ClientWebService/client.asmx".into(),
    ));
    for msg in [
        "*FAILED* [8024402C] Web service call",
        "*FAILED* [8024402C] Sync of Updates",
        "*FAILED* [8024402C] SyncServerUpdatesInternal failed",
    ] {
        log.push((
            "2024/11/20 09:14:04.3181301".into(),
            1204,
            5520,
            "ProtocolTalker",
            msg.into(),
        ));
    }
    win10_owned(&log)
}

#[test]
fn unreachable_wsus_host_gives_medium_with_the_host_named() {
    let bundle = files(vec![
        ("PC0077/WindowsUpdate.log", unresolvable_client()),
        (
            "PC0077/WindowsUpdateClient-Operational.txt",
            wevtutil(&[(
                "2024-11-20T09:14:05.950",
                25,
                "Windows Update failed to check for updates with error 0x8024402C.",
            )]),
        ),
    ]);
    let r = run(&bundle);
    let f = finding(&r, "WSUS-CLIENT-UNREACHABLE");
    assert_eq!((f.severity.name(), f.confidence.name()), ("error", "medium"));
    assert!(
        f.summary.contains("reach its WSUS server wsus01: 4 client record(s)"),
        "{}",
        f.summary
    );
    citations_stand(&bundle, f);
    assert!(cites(
        f,
        "Operational.txt",
        "failed to check for updates with error 0x8024402C"
    ));
}

#[test]
fn unreachable_not_for_an_unmanaged_client_and_yields_to_a_port_mismatch() {
    let mut log = win10_startup("2024/04/12 01:39:30", "(null)");
    for code in ["80072EFE", "8024402C"] {
        log.push((
            "2024/04/12 01:39:39.1247358".into(),
            4972,
            12948,
            "Misc",
            format!("*FAILED* [{code}] WinHttp: SendRequestWithAuthRetry using proxy failed for <http://download.windowsupdate.com/d/msdownload/update/others/2024/04/41041432_0d6e5a1f2b3c4d5e6f708192a3b4c5d6e7f8093c.cab>"),
        ));
        log.push((
            "2024/04/12 01:39:39.1279186".into(),
            4972,
            12948,
            "Misc",
            format!("*FAILED* [{code}] Library download error. Will retry. Retry Counter: 0"),
        ));
    }
    let r = run(&files(vec![("LAPTOP7/WindowsUpdate.log", win10_owned(&log))]));
    assert!(!fired(&r, "WSUS-CLIENT-UNREACHABLE"), "{:#?}", r.findings);
    none_of_mine_alarms(&r);

    // A WSUS client without Internet access: the Service Locator's calls to Microsoft fail (Misc/SLS
    // lines that name no host), its WSUS scans succeed.
    let mut log = win10_startup("2024/11/20 09:14:00", "http://wsus01.contoso.local:8530");
    for (at, component, msg) in [
        (
            "2024/11/20 09:14:05.1968039",
            "SLS",
            "Making request with URL HTTPS://slscr.update.microsoft.com/SLS/{2B81F1BF-356C-4FA1-90F1-7581A62C6764}/x64/10.0.19045.5131/0?CH=974&L=en-US&P=&PT=0x30&WUA=1023.1020.2192.0",
        ),
        (
            "2024/11/20 09:14:26.4838644",
            "Misc",
            "*FAILED* [80072EE7] Send request",
        ),
        (
            "2024/11/20 09:14:26.4838752",
            "Misc",
            "*FAILED* [80072EE7] WinHttp: SendRequestToServerForFileInformation (retrying with default proxy)",
        ),
        ("2024/11/20 09:14:47.5012210", "SLS", "*FAILED* [80072EE7] GetResponse"),
        (
            "2024/11/20 09:20:44.5121077",
            "Agent",
            "* END * Finding updates CallerId = UpdateOrchestrator, Id = 7, Exit code = 0x00000000 (cV = aS8pKHUwl0i6mrKJ.1.2.3.0)",
        ),
    ] {
        log.push((at.into(), 1204, 7716, component, msg.into()));
    }
    let r = run(&files(vec![("PC0077/WindowsUpdate.log", win10_owned(&log))]));
    assert!(!fired(&r, "WSUS-CLIENT-UNREACHABLE"), "{:#?}", r.findings);
    none_of_mine_alarms(&r);

    // Cannot connect, because the policy names port 80 and the site listens on 8530: the port is the cause.
    let bundle = port_80_bundle();
    let r = run(&bundle);
    assert!(fired(&r, "WSUS-CLIENT-WUSERVER-PORT-MISMATCH"));
    assert!(!fired(&r, "WSUS-CLIENT-UNREACHABLE"), "{:#?}", r.findings);
}

// ---- #43 WSUS-SSL-CERT-NAME-MISMATCH -----------------------------------------------------------

fn https_client(host: &str, failure: Option<&str>) -> Vec<u8> {
    let mut log = win10_startup("2024/11/20 09:14:00", &format!("https://{host}:8531"));
    if let Some(code) = failure {
        // Windows 10 logs the WinHTTP failure under Misc, then the web service call and the scan.
        for (component, msg) in [
            ("Misc", "Send request"),
            ("WebServices", "Web service call"),
            ("ProtocolTalker", "Sync of Updates"),
        ] {
            log.push((
                "2024/11/20 09:14:02.4181301".into(),
                1204,
                5520,
                component,
                format!("*FAILED* [{code}] {msg}"),
            ));
        }
    } else {
        log.push((
            "2024/11/20 09:14:03.9913327".into(),
            1204,
            5520,
            "Agent",
            "* END * Finding updates CallerId = UpdateOrchestrator, Id = 3, Exit code = 0x00000000 (cV = aS8pKHUwl0i6mrKJ.1.2.3.0)".into(),
        ));
    }
    win10_owned(&log)
}

#[test]
fn cert_name_mismatch_on_the_short_name_gives_high() {
    let bundle = files(vec![
        ("PC0077/WindowsUpdate.log", https_client("wsus01", Some("80072F06"))),
        (
            "PC0077/WindowsUpdate-policy.reg",
            policy_reg(Some("https://wsus01:8531"), Some("https://wsus01:8531"), Some(1)),
        ),
        (
            "WSUS01/UpdateServicesSetup.reg",
            server_setup_reg(8530, true, Some("wsus01.contoso.local")),
        ),
    ]);
    let r = run(&bundle);
    let f = finding(&r, "WSUS-SSL-CERT-NAME-MISMATCH");
    assert_eq!((f.severity.name(), f.confidence.name()), ("error", "high"));
    assert!(
        f.summary.contains(": 2 client record(s) carry 0x800B010F"),
        "{}",
        f.summary
    );
    assert!(f.summary.contains("reaches WSUS as wsus01 over HTTPS"), "{}", f.summary);
    citations_stand(&bundle, f);
    assert!(cites(f, "WindowsUpdate.log", "*FAILED* [80072F06] Web service call"));
    // The Misc line is not counted: Windows 10 writes the same one for the Service Locator's calls.
    assert!(!cites(f, "WindowsUpdate.log", "*FAILED* [80072F06] Send request"));
    assert!(!fired(&r, "WSUS-CLIENT-TLS-TRUST-OR-CLOCK"));
    // Without the failure in the log, the names alone still disagree: medium.
    let bundle = files(vec![
        (
            "PC0077/WindowsUpdate-policy.reg",
            policy_reg(Some("https://wsus01:8531"), Some("https://wsus01:8531"), Some(1)),
        ),
        (
            "WSUS01/UpdateServicesSetup.reg",
            server_setup_reg(8530, true, Some("wsus01.contoso.local")),
        ),
    ]);
    let r = run(&bundle);
    let f = finding(&r, "WSUS-SSL-CERT-NAME-MISMATCH");
    assert_eq!(f.confidence.name(), "medium");
    assert!(
        f.summary
            .contains("issued to wsus01.contoso.local (ServerCertificateName)"),
        "{}",
        f.summary
    );
    citations_stand(&bundle, f);
}

#[test]
fn cert_name_mismatch_not_when_the_client_uses_the_certificate_name() {
    let bundle = files(vec![
        ("PC0077/WindowsUpdate.log", https_client("WSUS01.contoso.local", None)),
        (
            "PC0077/WindowsUpdate-policy.reg",
            policy_reg(
                Some("https://WSUS01.contoso.local:8531"),
                Some("https://WSUS01.contoso.local:8531"),
                Some(1),
            ),
        ),
        (
            "WSUS01/UpdateServicesSetup.reg",
            server_setup_reg(8530, true, Some("wsus01.contoso.local")),
        ),
    ]);
    let r = run(&bundle);
    assert!(!fired(&r, "WSUS-SSL-CERT-NAME-MISMATCH"), "{:#?}", r.findings);
    none_of_mine_alarms(&r);
}

// ---- #44 WSUS-CLIENT-TLS-TRUST-OR-CLOCK ---------------------------------------------------------

#[test]
fn tls_untrusted_root_on_an_https_wsus_gives_high() {
    let mut log = banner("2024-11-20 09:12:00:101", 988, "1a4c", "+0100").into_bytes();
    log.extend(classic(&[
        ("2024-11-20 09:12:00:350", 988, "1a4c", "Agent", "  * WSUS server: https://wsus01.contoso.local:8531"),
        ("2024-11-20 09:12:00:350", 988, "1a4c", "Agent", "  * WSUS status server: https://wsus01.contoso.local:8531"),
        ("2024-11-20 09:14:02:011", 988, "11f0", "Misc", "WARNING: Send failed with hr = 80072f0d."),
        ("2024-11-20 09:14:02:011", 988, "11f0", "Misc", "WARNING: SendRequest failed with hr = 80072f0d. Proxy List used: <(null)> Bypass List used : <(null)> Auth Schemes used : <>"),
        ("2024-11-20 09:14:02:012", 988, "11f0", "PT", "WARNING: GetCookie failure, error = 0x80072F0D, soap client error = 5, soap error code = 0, HTTP status code = 200"),
        ("2024-11-20 09:14:02:012", 988, "11f0", "PT", "WARNING: Failed to initialize Simple Targeting Cookie: 0x80072f0d"),
    ]));
    let bundle = files(vec![
        ("PC0077/WindowsUpdate.log", log),
        (
            "WSUS01/UpdateServicesSetup.reg",
            server_setup_reg(8530, true, Some("wsus01.contoso.local")),
        ),
    ]);
    let r = run(&bundle);
    let f = finding(&r, "WSUS-CLIENT-TLS-TRUST-OR-CLOCK");
    assert_eq!((f.severity.name(), f.confidence.name()), ("error", "high"));
    // "Failed to initialize Simple Targeting Cookie" names no request: three records name the cause.
    assert!(
        f.summary
            .contains("TLS handshake with its WSUS server wsus01.contoso.local:8531:"),
        "{}",
        f.summary
    );
    assert!(f.summary.contains("3 client record(s) name the cause"), "{}", f.summary);
    citations_stand(&bundle, f);
    assert!(cites(f, "WindowsUpdate.log", "GetCookie failure, error = 0x80072F0D"));
    assert!(!fired(&r, "WSUS-SSL-CERT-NAME-MISMATCH"));
}

#[test]
fn tls_not_on_a_plain_http_wsus_client_and_yields_to_a_name_mismatch() {
    let mut log = win10_startup("2024/11/20 09:14:00", "http://wsus01.contoso.local:8530");
    log.push((
        "2024/11/20 09:14:05.8993715".into(),
        4136,
        384,
        "ComApi",
        "* START *   SLS Discovery".into(),
    ));
    log.push((
        "2024/11/20 09:14:06.2210043".into(),
        1204,
        7716,
        "Misc",
        "*FAILED* [80072F8F] Send request".into(),
    ));
    log.push((
        "2024/11/20 09:20:44.5121077".into(),
        1204,
        5520,
        "Agent",
        "* END * Finding updates CallerId = UpdateOrchestrator, Id = 7, Exit code = 0x00000000 (cV = aS8pKHUwl0i6mrKJ.1.2.3.0)".into(),
    ));
    let r = run(&files(vec![("PC0077/WindowsUpdate.log", win10_owned(&log))]));
    assert!(!fired(&r, "WSUS-CLIENT-TLS-TRUST-OR-CLOCK"), "{:#?}", r.findings);
    none_of_mine_alarms(&r);

    // 0x80072F8F (generic) together with 0x80072F06 (name): the name mismatch is the cause.
    let mut log = win10_startup("2024/11/20 09:14:00", "https://wsus01:8531");
    log.push((
        "2024/11/20 09:14:02.4181301".into(),
        1204,
        5520,
        "WebServices",
        "*FAILED* [80072F06] Web service call".into(),
    ));
    log.push((
        "2024/11/20 09:14:02.4181420".into(),
        1204,
        5520,
        "ProtocolTalker",
        "*FAILED* [80072F8F] Sync of Updates".into(),
    ));
    let r = run(&files(vec![("PC0077/WindowsUpdate.log", win10_owned(&log))]));
    assert!(fired(&r, "WSUS-SSL-CERT-NAME-MISMATCH"));
    assert!(!fired(&r, "WSUS-CLIENT-TLS-TRUST-OR-CLOCK"), "{:#?}", r.findings);
}

// ---- #45 WSUS-CLIENT-DUPLICATE-SUSCLIENTID ------------------------------------------------------

fn cookie_log(dns: &str, client_id: &str, at: &str) -> Vec<u8> {
    let mut log = win10_startup(at, "http://wsus01.contoso.local:8530");
    log.push((
        format!("{at}.7781120"),
        1188,
        4420,
        "ProtocolTalker",
        format!("Initializing simple targeting cookie, clientId = {client_id}, target group = Workstations, DNS name = {dns}"),
    ));
    log.push((
        format!("{at}.7781151"),
        1188,
        4420,
        "ProtocolTalker",
        "  Server URL = http://wsus01.contoso.local:8530/SimpleAuthWebService/SimpleAuth.asmx".into(),
    ));
    win10_owned(&log)
}

#[test]
fn duplicate_susclientid_across_cloned_computers_gives_high() {
    let shared = "6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b";
    let bundle = files(vec![
        (
            "PC0101/WindowsUpdate.log",
            cookie_log("pc0101.contoso.local", shared, "2024/11/20 09:14:02"),
        ),
        (
            "PC0102/WindowsUpdate.log",
            cookie_log("pc0102.contoso.local", shared, "2024/11/20 09:31:42"),
        ),
        (
            "PC0103/WindowsUpdate.log",
            cookie_log(
                "pc0103.contoso.local",
                "0a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d",
                "2024/11/20 09:40:10",
            ),
        ),
    ]);
    let r = run(&bundle);
    let f = finding(&r, "WSUS-CLIENT-DUPLICATE-SUSCLIENTID");
    assert_eq!((f.severity.name(), f.confidence.name()), ("warning", "high"));
    assert!(
        f.summary
            .contains(&format!("0a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d, {shared}")),
        "{}",
        f.summary
    );
    assert!(f.summary.contains("(3 simple-targeting identities"), "{}", f.summary);
    citations_stand(&bundle, f);
    assert!(cites(f, "PC0101/WindowsUpdate.log", shared) && cites(f, "PC0102/WindowsUpdate.log", shared));
}

#[test]
fn duplicate_susclientid_not_for_one_computer_over_restarts() {
    let id = "6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b";
    let mut log = cookie_log("pc0101.contoso.local", id, "2024/11/19 18:06:22");
    log.extend(cookie_log("pc0101.contoso.local", id, "2024/11/20 07:37:46"));
    let mut classic_log = banner("2024-11-20 09:30:00:101", 912, "1b08", "+0100").into_bytes();
    classic_log.extend(classic(&[
        ("2024-11-20 09:30:00:350", 912, "1b08", "Agent", "  * SusClientId = '0a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d'"),
        ("2024-11-20 09:31:42:778", 912, "1b08", "PT", "Initializing simple targeting cookie, clientId = 0a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d, target group = Workstations, DNS name = pc0102.contoso.local"),
    ]));
    let r = run(&files(vec![
        ("PC0101/WindowsUpdate.log", log),
        ("PC0102/WindowsUpdate.log", classic_log),
    ]));
    assert!(!fired(&r, "WSUS-CLIENT-DUPLICATE-SUSCLIENTID"), "{:#?}", r.findings);
    none_of_mine_alarms(&r);
}

// ---- #46 WSUS-CLIENT-WUSERVER-PORT-MISMATCH -----------------------------------------------------

fn port_80_bundle() -> Files {
    let mut log = banner("2024-11-20 09:12:00:101", 988, "1a4c", "+0100").into_bytes();
    log.extend(classic(&[
        ("2024-11-20 09:12:00:350", 988, "1a4c", "Agent", "  * WSUS server: http://wsus01.contoso.local:80"),
        ("2024-11-20 09:12:00:350", 988, "1a4c", "Agent", "  * WSUS status server: http://wsus01.contoso.local:80"),
        ("2024-11-20 09:14:21:077", 988, "11f0", "Misc", "WARNING: SendRequest failed with hr = 80072efd. Proxy List used: <(null)> Bypass List used : <(null)> Auth Schemes used : <>"),
        ("2024-11-20 09:14:21:078", 988, "11f0", "PT", "WARNING: GetConfig failure, error = 0x80072EFD, soap client error = 5, soap error code = 0, HTTP status code = 200"),
    ]));
    files(vec![
        (
            "PC0077/WindowsUpdate-policy.reg",
            policy_reg(
                Some("http://wsus01.contoso.local:80"),
                Some("http://wsus01.contoso.local:80"),
                Some(1),
            ),
        ),
        ("PC0077/WindowsUpdate.log", log),
        (
            "WSUS01/inetsrv/config/applicationHost.config",
            application_host(&[("http", 8530), ("https", 8531)], false),
        ),
    ])
}

#[test]
fn port_mismatch_between_wuserver_and_the_site_binding_gives_high() {
    let bundle = port_80_bundle();
    let r = run(&bundle);
    let f = finding(&r, "WSUS-CLIENT-WUSERVER-PORT-MISMATCH");
    assert_eq!((f.severity.name(), f.confidence.name()), ("error", "high"));
    assert!(
        f.summary
            .contains("uses port 80, but the WSUS site listens on 8530, 8531."),
        "{}",
        f.summary
    );
    citations_stand(&bundle, f);
    assert!(cites(
        f,
        "WindowsUpdate-policy.reg",
        "\"WUServer\"=\"http://wsus01.contoso.local:80\""
    ));
    assert!(cites(f, "applicationHost.config", "bindingInformation=\"*:8530:\""));
    // The Default Web Site's port 80 is not the WSUS site's.
    assert!(!cites(f, "applicationHost.config", "*:80:"));
    assert!(cites(f, "WindowsUpdate.log", "0x80072EFD"), "the symptom is cited too");

    // The server's IIS log alone tells the port WSUS answers on.
    let mut bundle = port_80_bundle();
    bundle.retain(|(p, _)| !p.ends_with(".config"));
    bundle.push((
        "WSUS01/W3SVC1274659245/u_ex241120.log".into(),
        iis(&[
            (
                "08:10:00",
                "POST",
                "/ClientWebService/client.asmx",
                8530,
                "-",
                "10.1.4.91",
                "200 0 0",
            ),
            (
                "08:10:01",
                "POST",
                "/ReportingWebService/ReportingWebService.asmx",
                8530,
                "-",
                "10.1.4.91",
                "200 0 0",
            ),
        ]),
    ));
    let r = run(&bundle);
    let f = finding(&r, "WSUS-CLIENT-WUSERVER-PORT-MISMATCH");
    assert_eq!(f.confidence.name(), "high");
    assert!(
        f.summary
            .contains("answering on port 8530 (2 successful scan/report requests)"),
        "{}",
        f.summary
    );
    citations_stand(&bundle, f);
}

#[test]
fn port_mismatch_not_when_client_and_site_agree_or_wsus_is_on_port_80() {
    let mut log = win10_startup("2024/11/20 09:14:00", "http://wsus01.contoso.local:8530");
    log.push((
        "2024/11/20 09:14:00.3933750".into(),
        1204,
        5520,
        "Agent",
        "WSUS status server: http://wsus01.contoso.local:8530 (Unchanged)".into(),
    ));
    let bundle = files(vec![
        (
            "PC0077/WindowsUpdate-policy.reg",
            policy_reg(
                Some("http://wsus01.contoso.local:8530"),
                Some("http://wsus01.contoso.local:8530"),
                Some(1),
            ),
        ),
        ("PC0077/WindowsUpdate.log", win10_owned(&log)),
        (
            "WSUS01/inetsrv/config/applicationHost.config",
            application_host(&[("http", 8530), ("https", 8531)], false),
        ),
        ("WSUS01/UpdateServicesSetup.reg", server_setup_reg(8530, false, None)),
    ]);
    let r = run(&bundle);
    assert!(!fired(&r, "WSUS-CLIENT-WUSERVER-PORT-MISMATCH"), "{:#?}", r.findings);
    none_of_mine_alarms(&r);
    // WSUS 3.0 on the Default Web Site: no port in the URL is right (the site binds 80).
    let bundle = files(vec![
        (
            "PC0077/WindowsUpdate-policy.reg",
            policy_reg(
                Some("http://wsus01.contoso.local"),
                Some("http://wsus01.contoso.local"),
                Some(1),
            ),
        ),
        (
            "WSUS01/inetsrv/config/applicationHost.config",
            application_host(&[("http", 80), ("https", 443)], false),
        ),
    ]);
    let r = run(&bundle);
    assert!(!fired(&r, "WSUS-CLIENT-WUSERVER-PORT-MISMATCH"), "{:#?}", r.findings);
}

#[test]
fn port_mismatch_read_from_two_binary_hives_gives_medium() {
    use regf_writer::{Data, HiveWriter};
    let mut client = HiveWriter::new("ROOT", r"\SystemRoot\System32\Config\SOFTWARE");
    let policy = r"Policies\Microsoft\Windows\WindowsUpdate";
    client
        .set(policy, "WUServer", Data::sz("http://wsus01.contoso.local:80"))
        .set(policy, "WUStatusServer", Data::sz("http://wsus01.contoso.local:80"))
        .set(&format!(r"{policy}\AU"), "AUOptions", Data::Dword(4))
        .set(&format!(r"{policy}\AU"), "UseWUServer", Data::Dword(1));
    // The server's hive: PortNumber 8530, UsingSSL 0; no IIS configuration in the bundle.
    let bundle = files(vec![
        ("PC0077/Registry/SOFTWARE", client.to_bytes()),
        ("WSUS01/Registry/SOFTWARE", regf_writer::wsus_software_hive().to_bytes()),
    ]);
    let r = run(&bundle);
    let f = finding(&r, "WSUS-CLIENT-WUSERVER-PORT-MISMATCH");
    assert_eq!((f.severity.name(), f.confidence.name()), ("error", "medium"));
    assert!(
        f.summary
            .contains("uses port 80, but the WSUS server's registry says it listens on 8530 (PortNumber;"),
        "{}",
        f.summary
    );
    citations_stand(&bundle, f);
    assert!(f.evidence.iter().any(|e| e.key.as_deref()
        == Some(r"HKLM\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate")
        && e.text == "WUServer = http://wsus01.contoso.local:80"));
    assert!(f.evidence.iter().any(|e| e.text == "PortNumber = 8530"));
    assert!(
        !fired(&r, "WSUS-CLIENT-POLICY-INCOMPLETE"),
        "the policy itself is complete"
    );
}

// ---- #47 WSUS-CLIENT-POLICY-INCOMPLETE ----------------------------------------------------------

#[test]
fn policy_with_wuserver_but_usewuserver_0_gives_high() {
    let mut log = banner("2024-11-20 09:12:00:101", 988, "1a4c", "+0100").into_bytes();
    log.extend(classic(&[
        ("2024-11-20 09:12:00:350", 988, "1a4c", "Agent", "  * WSUS server: <NULL>"),
        ("2024-11-20 09:12:00:350", 988, "1a4c", "Agent", "  * WSUS status server: <NULL>"),
        ("2024-11-20 09:12:00:351", 988, "1a4c", "Agent", "  * Target group: (Unassigned Computers)"),
        ("2024-11-20 09:14:05:002", 988, "11f0", "Agent", "  * Found 14 updates and 83 categories in search; evaluated appl. rules of 1616 out of 2949 deployed entities"),
    ]));
    let bundle = files(vec![
        (
            "PC0077/WindowsUpdate-policy.reg",
            policy_reg(
                Some("http://wsus01.contoso.local:8530"),
                Some("http://wsus01.contoso.local:8530"),
                Some(0),
            ),
        ),
        ("PC0077/WindowsUpdate.log", log),
    ]);
    let r = run(&bundle);
    let f = finding(&r, "WSUS-CLIENT-POLICY-INCOMPLETE");
    assert_eq!((f.severity.name(), f.confidence.name()), ("error", "high"));
    assert!(
        f.summary
            .contains("WUServer is http://wsus01.contoso.local:8530, but AU\\UseWUServer is not 1"),
        "{}",
        f.summary
    );
    citations_stand(&bundle, f);
    assert!(cites(f, "WindowsUpdate-policy.reg", "\"UseWUServer\"=dword:00000000"));
    assert!(cites(f, "WindowsUpdate.log", "WSUS server: <NULL>"));
    // The agent scans Microsoft Update meanwhile: no other client signature claims it.
    let mine: Vec<_> = r
        .findings
        .iter()
        .filter(|f| MINE.contains(&f.signature.as_str()))
        .map(|f| f.signature.as_str())
        .collect();
    assert_eq!(mine, ["WSUS-CLIENT-POLICY-INCOMPLETE"]);
}

#[test]
fn policy_complete_or_absent_is_not_flagged_and_the_real_policy_export_is_healthy() {
    let mut log = banner("2024-11-20 09:12:00:101", 988, "1a4c", "+0100").into_bytes();
    log.extend(classic(&[
        ("2024-11-20 09:12:00:350", 988, "1a4c", "Agent", "  * WSUS server: http://wsus01.contoso.local:8530"),
        ("2024-11-20 09:12:00:350", 988, "1a4c", "Agent", "  * WSUS status server: http://wsus01.contoso.local:8530"),
        ("2024-11-20 09:14:05:002", 988, "11f0", "Agent", "  * Found 2 updates and 83 categories in search; evaluated appl. rules of 1616 out of 2949 deployed entities"),
    ]));
    let bundle = files(vec![
        (
            "PC0077/WindowsUpdate-policy.reg",
            policy_reg(
                Some("http://wsus01.contoso.local:8530"),
                Some("http://wsus01.contoso.local:8530"),
                Some(1),
            ),
        ),
        ("PC0077/WindowsUpdate.log", log),
    ]);
    let r = run(&bundle);
    assert!(!fired(&r, "WSUS-CLIENT-POLICY-INCOMPLETE"), "{:#?}", r.findings);
    none_of_mine_alarms(&r);
    // A computer that was never a WSUS client: nothing is missing.
    let mut unmanaged = banner("2021-08-28 11:05:07:920", 576, "a70", "+0530").into_bytes();
    unmanaged.extend(classic(&[
        (
            "2021-08-28 11:05:53:800",
            576,
            "a70",
            "Agent",
            "  * WSUS server: <NULL>",
        ),
        (
            "2021-08-28 11:05:53:800",
            576,
            "a70",
            "Agent",
            "  * WSUS status server: <NULL>",
        ),
    ]));
    let r = run(&files(vec![("HOME-PC/WindowsUpdate.log", unmanaged)]));
    assert!(!fired(&r, "WSUS-CLIENT-POLICY-INCOMPLETE"), "{:#?}", r.findings);
    // A real regedit export of a complete policy (UTF-16LE, port 8530, UseWUServer = 1).
    if let Some(bytes) = corpus("reg/wsus-policy-utf16.reg") {
        let r = run(&files(vec![("WSUS.reg", bytes)]));
        assert!(
            !r.findings.iter().any(|f| MINE.contains(&f.signature.as_str())),
            "{:#?}",
            r.findings
        );
    }
}

// ---- The shared corpus ---------------------------------------------------------------------------

fn corpus(rel: &str) -> Option<Vec<u8>> {
    let path = format!("{}/../shared/corpus/{rel}", env!("CARGO_MANIFEST_DIR"));
    match std::fs::read(&path) {
        Ok(b) => Some(b),
        Err(_) => {
            eprintln!("skipped: {path} not found (the shared corpus is not beside the repository)");
            None
        }
    }
}

/// The five real WindowsUpdate.log files: four unmanaged Windows 7/10/11 clients and one
/// ConfigMgr/WSUS client (win-b) whose WSUS policy was absent for most of a day. None of the client
/// signatures may fire at warning or above; on win-b the policy gap is reported, at info, as recovered.
#[test]
fn the_real_windows_update_logs_raise_no_client_alarm() {
    let expected: [(&str, &[&str]); 5] = [
        ("win10-a-WindowsUpdate.log", &[]),
        ("win-b-WindowsUpdate.log", &["WSUS-CLIENT-POLICY-INCOMPLETE"]),
        ("win-c-WindowsUpdate.log", &[]),
        ("win-d-utf8bom-WindowsUpdate.log", &[]),
        ("win7-legacy-WindowsUpdate.log", &[]),
    ];
    for (name, fires) in expected {
        let Some(bytes) = corpus(&format!("wulog/{name}")) else {
            return;
        };
        let bundle = files(vec![(name, bytes)]);
        let r = run(&bundle);
        none_of_mine_alarms(&r);
        let mine: Vec<&str> = r
            .findings
            .iter()
            .filter(|f| MINE.contains(&f.signature.as_str()))
            .map(|f| f.signature.as_str())
            .collect();
        assert_eq!(mine, fires, "{name}");
        for f in r.findings.iter().filter(|f| MINE.contains(&f.signature.as_str())) {
            assert_eq!(f.severity.name(), "info", "{name}: {}", f.summary);
            citations_stand(&bundle, f);
        }
    }
    if let Some(bytes) = corpus("wulog/win-b-WindowsUpdate.log") {
        let r = run(&files(vec![("win-b.log", bytes)]));
        let f = finding(&r, "WSUS-CLIENT-POLICY-INCOMPLETE");
        assert!(
            f.summary
                .starts_with("Recovered: this was failing until 2021-07-13 10:31:32"),
            "{}",
            f.summary
        );
        assert!(
            f.summary
                .contains("marked `(Changed)`, 1 time(s), last at 2021-07-13 10:31:32"),
            "{}",
            f.summary
        );
    }
}
