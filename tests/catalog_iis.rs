//! The IIS-configuration signatures of the catalog (signatures.md §2, numbers 2–16), each on a
//! realistic multi-file bundle built here: server configuration (applicationHost.config,
//! MetaBase.xml, web.config), IIS W3C logs, System/Application events (EVTX written by the test
//! writer, wevtutil text, Event Viewer CSV), registry exports and client WindowsUpdate.log. Every
//! positive test checks the signature, severity, confidence, the figures of the summary and that each
//! cited excerpt is exactly the text at the cited line of the cited file; every negative test is the
//! noise or the healthy state a naive rule would flag.

#[path = "support/evtx_writer.rs"]
mod evtx_writer;

use chrono::NaiveDateTime;
use evtx_writer::{Event, providers, write_evtx};
use std::sync::OnceLock;
use wsus_triage::diagnosis::Finding;
use wsus_triage::intake::{Bundle, Limits};
use wsus_triage::pipeline::{BundleReport, Engine, Options, run_opened};

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::load(&[]).expect("embedded grammars load"))
}

/// A bundle: (path, bytes) pairs, run through the whole pipeline with diagnosis.
struct Files(Vec<(String, Vec<u8>)>);

impl Files {
    fn new() -> Files {
        Files(Vec::new())
    }

    fn text(mut self, path: &str, text: &str) -> Files {
        self.0.push((path.to_string(), text.as_bytes().to_vec()));
        self
    }

    /// A text file written with CRLF line ends, as Windows tools write them.
    fn crlf(mut self, path: &str, text: &str) -> Files {
        self.0.push((path.to_string(), text.replace('\n', "\r\n").into_bytes()));
        self
    }

    fn bytes(mut self, path: &str, bytes: Vec<u8>) -> Files {
        self.0.push((path.to_string(), bytes));
        self
    }

    fn run(&self) -> BundleReport {
        let bundle = Bundle::from_memory("test", self.0.clone(), &Limits::default());
        run_opened(
            engine(),
            bundle,
            &Options {
                diagnose: true,
                ..Options::default()
            },
        )
    }

    /// The text of line `n` (1-based) of a file, line ends removed.
    fn line(&self, path: &str, n: u64) -> String {
        let (_, bytes) = self
            .0
            .iter()
            .find(|(p, _)| p == path)
            .unwrap_or_else(|| panic!("no file {path} in the bundle"));
        let text = String::from_utf8_lossy(bytes);
        text.lines()
            .nth(n as usize - 1)
            .unwrap_or_else(|| panic!("{path} has no line {n}"))
            .to_string()
    }
}

fn finding<'r>(report: &'r BundleReport, id: &str) -> &'r Finding {
    report.findings.iter().find(|f| f.signature == id).unwrap_or_else(|| {
        panic!(
            "{id} did not fire; findings: {:?}; files: {:?}",
            report
                .findings
                .iter()
                .map(|f| (&f.signature, f.confidence.name()))
                .collect::<Vec<_>>(),
            report
                .files
                .iter()
                .map(|f| (&f.path, f.kind.name(), f.records))
                .collect::<Vec<_>>()
        )
    })
}

fn assert_silent(report: &BundleReport, id: &str) {
    assert!(
        report.findings.iter().all(|f| f.signature != id),
        "{id} fired: {:?}",
        report.findings.iter().find(|f| f.signature == id)
    );
}

/// No signature at warning or above: the bundle shows noise or a healthy state.
fn assert_no_warning(report: &BundleReport) {
    let loud: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.severity.name() != "info")
        .map(|f| &f.signature)
        .collect();
    assert!(loud.is_empty(), "fired: {loud:?}");
}

/// Every cited excerpt located by line is exactly that line of that file; the finding cites each
/// of `files` at least once.
fn assert_cited(bundle: &Files, f: &Finding, files: &[&str]) {
    assert!(!f.evidence.is_empty(), "{} cites nothing", f.signature);
    for e in &f.evidence {
        match (e.line, e.record) {
            (Some(n), _) => assert_eq!(bundle.line(&e.file, n), e.text, "{}:{n}", e.file),
            (None, Some(_)) => assert!(e.text.starts_with("<Event"), "an EVTX record cites its XML: {}", e.text),
            _ => panic!("evidence without position: {e:?}"),
        }
    }
    for file in files {
        assert!(
            f.evidence.iter().any(|e| e.file == *file),
            "{} cites nothing from {file}: {:?}",
            f.signature,
            f.evidence.iter().map(|e| (&e.file, e.line)).collect::<Vec<_>>()
        );
    }
}

fn cites(f: &Finding, file: &str, needle: &str) -> bool {
    f.evidence.iter().any(|e| e.file == file && e.text.contains(needle))
}

// ---------------------------------------------------------------------------------------------
// Builders of real-shaped files.

const W3C_HEAD: &str = "#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n#Date: 2024-11-20 00:00:00\n#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) sc-status sc-substatus sc-win32-status time-taken\n";
const WUA10: &str = "Windows-Update-Agent/10.0.10011.16384+Client-Protocol/2.50";
const WUA7: &str = "Windows-Update-Agent/7.6.7600.320";
const BITS: &str = "Microsoft+BITS/7.8";
const CONSOLE: &str = "Mozilla/4.0+(compatible;+MSIE+6.0;+MS+Web+Services+Client+Protocol+4.0.30319.42000)";

/// One W3C line on the WSUS server 10.1.0.20; `status` is `"403 6 5"`.
#[allow(clippy::too_many_arguments)]
fn w3c(at: &str, method: &str, uri: &str, port: u16, client: &str, agent: &str, status: &str, taken: u32) -> String {
    let (stem, query) = uri.split_once('?').unwrap_or((uri, "-"));
    format!("2024-11-20 {at} 10.1.0.20 {method} {stem} {query} {port} - {client} {agent} {status} {taken}\n")
}

fn w3c_log(lines: &[String]) -> String {
    format!("{W3C_HEAD}{}", lines.concat())
}

/// One `wevtutil qe /f:text` event block.
fn wevtutil(n: usize, log: &str, source: &str, date: &str, id: u32, level: &str, message: &str) -> String {
    format!(
        "Event[{n}]:\n  Log Name: {log}\n  Source: {source}\n  Date: {date}\n  Event ID: {id}\n  Task: N/A\n  Level: {level}\n  Opcode: Info\n  Keyword: Classic\n  User: N/A\n  User Name: N/A\n  Computer: WSUS01.contoso.local\n  Description: \n{message}\n\n"
    )
}

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").expect("test time")
}

/// A WAS event as Windows writes it in System.evtx.
fn was_event(id: u16, qualifiers: u16, level: u8, time: &str, data: &[(&str, &str)]) -> Event {
    Event::manifest(
        providers::WAS,
        providers::WAS_GUID,
        id,
        level,
        0,
        0x0080_0000_0000_0000,
        at(time),
        "System",
        "WSUS01.contoso.local",
        data,
    )
    .with_source_name("WAS")
    .with_qualifiers(qualifiers)
}

/// applicationHost.config of a WSUS 4.0+ server on the custom site (8530/8531), with `pool` as the
/// WsusPool element, extra `sites`, and `locations` after </system.applicationHost>.
fn apphost(pool: &str, bindings: &str, extra_sites: &str, after: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<configuration>
    <system.applicationHost>
        <applicationPools>
            <add name="DefaultAppPool" />
{pool}
        </applicationPools>
        <sites>
{extra_sites}
            <site name="WSUS Administration" id="1274659245">
                <application path="/" applicationPool="WsusPool">
                    <virtualDirectory path="/" physicalPath="C:\Program Files\Update Services\WebServices\Root" />
                    <virtualDirectory path="/Content" physicalPath="D:\WSUS\WsusContent" />
                </application>
                <application path="/ApiRemoting30" applicationPool="WsusPool">
                    <virtualDirectory path="/" physicalPath="C:\Program Files\Update Services\Administration" />
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
                <bindings>
{bindings}
                </bindings>
            </site>
        </sites>
    </system.applicationHost>
{after}
</configuration>
"#
    )
}

const POOL_V4: &str = r#"            <add name="WsusPool" managedRuntimeVersion="v4.0" managedPipelineMode="Integrated" queueLength="2000">
                <processModel identityType="NetworkService" idleTimeout="00:00:00" pingingEnabled="false" />
                <recycling>
                    <periodicRestart privateMemory="1843200" time="1.05:00:00" />
                </recycling>
            </add>"#;
const BIND_8530: &str = r#"                    <binding protocol="http" bindingInformation="*:8530:" />
                    <binding protocol="https" bindingInformation="*:8531:" />"#;

/// A regedit export (UTF-8 here; the parser reads both).
fn reg(sections: &[(&str, &[&str])]) -> String {
    let mut out = String::from("Windows Registry Editor Version 5.00\n");
    for (key, values) in sections {
        out.push_str(&format!("\n[{key}]\n"));
        for v in *values {
            out.push_str(v);
            out.push('\n');
        }
    }
    out
}

const SETUP_KEY: &str = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Update Services\Server\Setup";

/// Classic WindowsUpdate.log line (tab separated, local time).
fn wu_classic(date: &str, time: &str, component: &str, text: &str) -> String {
    format!("{date}\t{time}\t 996\t1c8c\t{component}\t{text}\n")
}

/// Windows 10 WindowsUpdate.log line (Get-WindowsUpdateLog).
fn wu10(date: &str, time: &str, component: &str, text: &str) -> String {
    format!("{date} {time} 1276  3628  {component:<15} {text}\n")
}

// ---------------------------------------------------------------------------------------------
// 2. WSUS-SITE-IP-RESTRICTION

#[test]
fn ip_restriction_clients_refused_with_403_6_and_config_denying_unlisted() {
    let locations = r#"    <location path="WSUS Administration">
        <system.webServer>
            <security>
                <ipSecurity allowUnlisted="false">
                    <add ipAddress="127.0.0.1" allowed="true" />
                </ipSecurity>
            </security>
        </system.webServer>
    </location>"#;
    let log = w3c_log(&[
        w3c(
            "08:00:03",
            "POST",
            "/ClientWebService/client.asmx",
            8530,
            "10.1.4.77",
            WUA10,
            "403 6 5",
            1,
        ),
        w3c(
            "08:00:04",
            "POST",
            "/ClientWebService/client.asmx",
            8530,
            "127.0.0.1",
            CONSOLE,
            "200 0 0",
            120,
        ),
        w3c(
            "08:01:40",
            "GET",
            "/Content/3C/0D6E5A1F2B3C4D5E6F708192A3B4C5D6E7F8093C.cab",
            8530,
            "10.1.4.91",
            BITS,
            "403 6 5",
            0,
        ),
        w3c(
            "08:02:10",
            "POST",
            "/ReportingWebService/ReportingWebService.asmx",
            8530,
            "10.1.4.77",
            WUA10,
            "403 503 5",
            0,
        ),
        w3c(
            "08:05:00",
            "POST",
            "/SimpleAuthWebService/SimpleAuth.asmx",
            8530,
            "10.1.5.12",
            WUA10,
            "403 6 5",
            0,
        ),
    ]);
    let bundle = Files::new()
        .crlf(
            "inetsrv/config/applicationHost.config",
            &apphost(POOL_V4, BIND_8530, "", locations),
        )
        .text("W3SVC1274659245/u_ex241120.log", &log);
    let r = bundle.run();
    let f = finding(&r, "WSUS-SITE-IP-RESTRICTION");
    assert_eq!((f.severity.name(), f.confidence.name()), ("error", "high"));
    assert!(
        f.summary.starts_with("4 requests from 3 client address(es)"),
        "{}",
        f.summary
    );
    assert!(
        f.summary
            .contains("between 2024-11-20 08:00:03 UTC and 2024-11-20 08:05:00 UTC")
    );
    assert_cited(
        &bundle,
        f,
        &[
            "W3SVC1274659245/u_ex241120.log",
            "inetsrv/config/applicationHost.config",
        ],
    );
    assert!(cites(
        f,
        "inetsrv/config/applicationHost.config",
        r#"allowUnlisted="false""#
    ));
}

#[test]
fn ip_restriction_on_apiremoting30_only_is_deliberate_hardening() {
    let locations = r#"    <location path="WSUS Administration/ApiRemoting30">
        <system.webServer>
            <security>
                <ipSecurity allowUnlisted="false">
                    <add ipAddress="10.1.6.15" allowed="true" />
                </ipSecurity>
            </security>
        </system.webServer>
    </location>"#;
    let log = w3c_log(&[
        w3c(
            "08:00:01",
            "POST",
            "/ApiRemoting30/WebService.asmx",
            8530,
            "10.1.6.99",
            CONSOLE,
            "403 6 5",
            0,
        ),
        w3c(
            "08:00:02",
            "POST",
            "/ApiRemoting30/WebService.asmx",
            8530,
            "10.1.6.98",
            CONSOLE,
            "403 503 5",
            0,
        ),
        w3c(
            "08:00:04",
            "POST",
            "/ClientWebService/client.asmx",
            8530,
            "10.1.4.77",
            WUA10,
            "200 0 0",
            187,
        ),
        w3c(
            "08:00:09",
            "GET",
            "/Content/3C/0D6E5A1F2B3C4D5E6F708192A3B4C5D6E7F8093C.cab",
            8530,
            "10.1.4.77",
            BITS,
            "206 0 0",
            310,
        ),
    ]);
    let bundle = Files::new()
        .crlf(
            "inetsrv/config/applicationHost.config",
            &apphost(POOL_V4, BIND_8530, "", locations),
        )
        .text("W3SVC1274659245/u_ex241120.log", &log);
    let r = bundle.run();
    assert_silent(&r, "WSUS-SITE-IP-RESTRICTION");
    assert_no_warning(&r);
}

// ---------------------------------------------------------------------------------------------
// 3. WSUS-SITE-HOST-HEADER

#[test]
fn host_header_binding_while_clients_use_the_short_name() {
    let bindings = r#"                    <binding protocol="http" bindingInformation="*:8530:wsus.contoso.com" />
                    <binding protocol="https" bindingInformation="*:8531:" />"#;
    let policy = reg(&[(
        r"HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate",
        &[
            r#""WUServer"="http://wsus01:8530""#,
            r#""WUStatusServer"="http://wsus01:8530""#,
        ],
    )]);
    let wu = wu_classic(
        "2024-11-20",
        "09:01:11:326",
        "Agent",
        "  * WSUS server: http://wsus01:8530",
    );
    let bundle = Files::new()
        .crlf("server/applicationHost.config", &apphost(POOL_V4, bindings, "", ""))
        .crlf("PC0077/policy.reg", &policy)
        .crlf("PC0077/WindowsUpdate.log", &wu);
    let r = bundle.run();
    let f = finding(&r, "WSUS-SITE-HOST-HEADER");
    assert_eq!((f.severity.name(), f.confidence.name()), ("warning", "medium"));
    assert!(
        f.summary.contains("bound only to wsus.contoso.com on port(s) 8530"),
        "{}",
        f.summary
    );
    assert!(f.summary.contains("reach it as wsus01"), "{}", f.summary);
    assert_cited(&bundle, f, &["server/applicationHost.config", "PC0077/policy.reg"]);
    assert!(cites(f, "server/applicationHost.config", "*:8530:wsus.contoso.com"));
}

#[test]
fn host_header_next_to_a_catch_all_binding_on_the_same_port() {
    let bindings = r#"                    <binding protocol="http" bindingInformation="*:8530:wsus.contoso.com" />
                    <binding protocol="http" bindingInformation="*:8530:" />
                    <binding protocol="https" bindingInformation="*:8531:" />"#;
    // A complete client policy (a partial one would rightly be WSUS-CLIENT-POLICY-INCOMPLETE).
    let policy = reg(&[
        (
            r"HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate",
            &[
                r#""WUServer"="http://wsus01:8530""#,
                r#""WUStatusServer"="http://wsus01:8530""#,
            ],
        ),
        (
            r"HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate\AU",
            &[r#""UseWUServer"=dword:00000001"#],
        ),
    ]);
    let bundle = Files::new()
        .crlf("server/applicationHost.config", &apphost(POOL_V4, bindings, "", ""))
        .crlf("PC0077/policy.reg", &policy);
    let r = bundle.run();
    assert_silent(&r, "WSUS-SITE-HOST-HEADER");
    assert_no_warning(&r);
}

#[test]
fn host_header_rejections_in_httperr_make_it_high() {
    let bindings = r#"                    <binding protocol="http" bindingInformation="*:8530:wsus.contoso.com" />"#;
    let httperr = "#Software: Microsoft HTTP API 2.0\n#Version: 1.0\n#Date: 2024-11-20 09:00:00\n#Fields: date time c-ip c-port s-ip s-port cs-version cs-method cs-uri sc-status s-siteid s-reason s-queuename\n2024-11-20 09:00:02 10.1.4.77 50112 10.1.0.20 8530 HTTP/1.1 POST /ClientWebService/client.asmx 400 - Hostname -\n2024-11-20 09:00:09 10.1.4.78 50200 10.1.0.20 8530 HTTP/1.1 POST /ClientWebService/client.asmx 400 - Hostname -\n";
    let bundle = Files::new()
        .crlf("server/applicationHost.config", &apphost(POOL_V4, bindings, "", ""))
        .crlf("HTTPERR/httperr1.log", httperr);
    let r = bundle.run();
    let f = finding(&r, "WSUS-SITE-HOST-HEADER");
    assert_eq!(f.confidence.name(), "high");
    assert!(
        f.summary.contains("2 request(s) from 2 client(s) with 400 Hostname"),
        "{}",
        f.summary
    );
    assert_cited(&bundle, f, &["HTTPERR/httperr1.log"]);
}

// ---------------------------------------------------------------------------------------------
// 4. WSUS-ASPNET-VERSION-REMAPPED

#[test]
fn aspnet_version_wsuspool_on_clr_2_on_a_wsus_10_server() {
    let pool = r#"            <add name="WsusPool" managedRuntimeVersion="v2.0" managedPipelineMode="Integrated" queueLength="2000">
                <processModel identityType="NetworkService" />
            </add>"#;
    let setup = reg(&[(
        SETUP_KEY,
        &[
            r#""ContentDir"="D:\\WSUS""#,
            r#""IISTargetWebsiteIndex"=dword:4bfa6c6d"#,
            r#""VersionString"="10.0.17763.678""#,
        ],
    )]);
    let log = w3c_log(&[
        w3c(
            "09:00:01",
            "POST",
            "/ClientWebService/client.asmx",
            8530,
            "10.1.4.77",
            WUA10,
            "500 0 0",
            14,
        ),
        w3c(
            "09:00:02",
            "POST",
            "/ApiRemoting30/WebService.asmx",
            8530,
            "10.1.6.15",
            CONSOLE,
            "500 0 0",
            9,
        ),
    ]);
    let bundle = Files::new()
        .crlf(
            "server/inetsrv/config/applicationHost.config",
            &apphost(pool, BIND_8530, "", ""),
        )
        .crlf("server/registry/UpdateServices.reg", &setup)
        .text("server/W3SVC1274659245/u_ex241120.log", &log);
    let r = bundle.run();
    let f = finding(&r, "WSUS-ASPNET-VERSION-REMAPPED");
    assert_eq!((f.severity.name(), f.confidence.name()), ("error", "high"));
    assert!(f.summary.contains("runs .NET CLR v2.0"), "{}", f.summary);
    assert!(f.summary.contains("(version 10.0.17763.678)"), "{}", f.summary);
    assert_cited(
        &bundle,
        f,
        &[
            "server/inetsrv/config/applicationHost.config",
            "server/registry/UpdateServices.reg",
        ],
    );
    assert!(cites(
        f,
        "server/inetsrv/config/applicationHost.config",
        r#"managedRuntimeVersion="v2.0""#
    ));
}

#[test]
fn aspnet_version_clr_2_is_right_for_wsus_3_sp2() {
    let pool = r#"            <add name="WsusPool" managedRuntimeVersion="v2.0" managedPipelineMode="Integrated">
                <processModel identityType="NetworkService" />
            </add>"#;
    let setup = reg(&[(
        SETUP_KEY,
        &[r#""ContentDir"="D:\\WSUS""#, r#""VersionString"="3.2.7600.251""#],
    )]);
    let log = w3c_log(&[
        w3c(
            "09:00:01",
            "POST",
            "/ClientWebService/client.asmx",
            8530,
            "10.1.4.77",
            WUA7,
            "200 0 0",
            190,
        ),
        w3c(
            "09:00:02",
            "POST",
            "/ApiRemoting30/WebService.asmx",
            8530,
            "10.1.6.15",
            CONSOLE,
            "200 0 0",
            31,
        ),
    ]);
    let bundle = Files::new()
        .crlf("server/applicationHost.config", &apphost(pool, BIND_8530, "", ""))
        .crlf("server/UpdateServices.reg", &setup)
        .text("server/u_ex241120.log", &log);
    let r = bundle.run();
    assert_silent(&r, "WSUS-ASPNET-VERSION-REMAPPED");
    assert_no_warning(&r);
}

// ---------------------------------------------------------------------------------------------
// 5. WSUS-ASPNET-ACCOUNT-DC-ROLE

const METABASE_WSUS2: &str = "<?xml version =\"1.0\"?>\n<configuration xmlns=\"urn:microsoft-catalog:XML_Metabase_V64_0\">\n<MBProperty>\n<IIsWebServer\tLocation =\"/LM/W3SVC/1\"\n\t\tServerBindings=\":80:\"\n\t\tServerComment=\"Default Web Site\"\n\t>\n</IIsWebServer>\n<IIsWebVirtualDir\tLocation =\"/LM/W3SVC/1/ROOT/WSUSAdmin\"\n\t\tAppPoolId=\"WsusPool\"\n\t\tAuthFlags=\"AuthNTLM\"\n\t\tPath=\"C:\\Program Files\\Update Services\\Administration\"\n\t\tScriptMaps=\".asmx,C:\\WINDOWS\\Microsoft.NET\\Framework\\v1.1.4322\\aspnet_isapi.dll,1,GET,HEAD,POST,DEBUG\"\n\t>\n</IIsWebVirtualDir>\n</MBProperty>\n</configuration>\n";

const PRODUCT_OPTIONS: &str = r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\ProductOptions";

#[test]
fn dc_role_aspnet_worker_cannot_start_after_promotion() {
    let events = "Event Type:\tError\nEvent Source:\tASP.NET 1.1.4322.0\nEvent Category:\tNone\nEvent ID:\t1000\nDate:\t\t11/20/2006\nTime:\t\t9:14:03 AM\nUser:\t\tN/A\nComputer:\tWSUS01\nDescription:\naspnet_wp.exe could not be started. HRESULT for the failure: 80070005\n\n";
    let registry = reg(&[
        (PRODUCT_OPTIONS, &[r#""ProductType"="LanmanNt""#]),
        (
            r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\NTDS\Parameters",
            &[r#""DSA Working Directory"="C:\\WINDOWS\\NTDS""#],
        ),
    ]);
    let bundle = Files::new()
        .crlf("events/Application.txt", events)
        .crlf("registry/system.reg", &registry)
        .crlf("inetsrv/MetaBase.xml", METABASE_WSUS2);
    let r = bundle.run();
    let f = finding(&r, "WSUS-ASPNET-ACCOUNT-DC-ROLE");
    assert_eq!((f.severity.name(), f.confidence.name()), ("error", "medium"));
    assert!(f.summary.contains("could not be started (1 time(s)"), "{}", f.summary);
    assert_cited(&bundle, f, &["events/Application.txt", "registry/system.reg"]);
    assert!(cites(f, "events/Application.txt", "HRESULT for the failure: 80070005"));
    assert!(cites(f, "registry/system.reg", "LanmanNt"));
}

#[test]
fn dc_role_with_wsus_3_is_supported() {
    let registry = reg(&[
        (PRODUCT_OPTIONS, &[r#""ProductType"="LanmanNt""#]),
        (
            SETUP_KEY,
            &[r#""VersionString"="3.2.7600.251""#, r#""ContentDir"="D:\\WSUS""#],
        ),
    ]);
    let events = wevtutil(
        0,
        "System",
        "Service Control Manager",
        "2024-11-20T06:00:01.000",
        7036,
        "Information",
        "The WSUS Service service entered the running state.",
    );
    let bundle = Files::new()
        .crlf("registry/system.reg", &registry)
        .crlf("events/System.txt", &events);
    let r = bundle.run();
    assert_silent(&r, "WSUS-ASPNET-ACCOUNT-DC-ROLE");
    assert_no_warning(&r);
}

// ---------------------------------------------------------------------------------------------
// 6. WSUS-URLSCAN-ADVISORY

/// IIS 5 (Windows 2000) serving WSUS 2.0 clients normally.
const IIS5_LOG: &str = "#Software: Microsoft Internet Information Services 5.0\n#Version: 1.0\n#Date: 2006-11-20 09:00:00\n#Fields: date time c-ip cs-username s-ip s-port cs-method cs-uri-stem cs-uri-query sc-status sc-win32-status cs(User-Agent)\n2006-11-20 09:00:02 10.1.4.31 - 10.1.0.20 80 GET /selfupdate/wuident.cab 0611200900 200 0 Windows-Update-Agent\n2006-11-20 09:00:04 10.1.4.31 - 10.1.0.20 80 POST /ClientWebService/client.asmx - 200 0 Windows-Update-Agent\n";

const CURRENT_VERSION: &str = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion";

#[test]
fn urlscan_advisory_on_windows_2000_without_a_filter() {
    let registry = reg(&[
        (
            CURRENT_VERSION,
            &[r#""CurrentVersion"="5.0""#, r#""CurrentBuildNumber"="2195""#],
        ),
        (
            SETUP_KEY,
            &[
                r#""ContentDir"="D:\\WSUS""#,
                r#""IISTargetWebsiteIndex"=dword:00000001"#,
            ],
        ),
    ]);
    let bundle = Files::new()
        .crlf("registry/software.reg", &registry)
        .text("W3SVC1/ex061120.log", IIS5_LOG);
    let r = bundle.run();
    let f = finding(&r, "WSUS-URLSCAN-ADVISORY");
    assert_eq!((f.severity.name(), f.confidence.name()), ("info", "low"));
    assert!(
        f.summary.contains("runs Windows 2000 (CurrentVersion 5.0)"),
        "{}",
        f.summary
    );
    assert_cited(&bundle, f, &["registry/software.reg"]);
    assert!(cites(f, "registry/software.reg", r#""CurrentVersion"="5.0""#));
}

#[test]
fn urlscan_advisory_quiet_when_urlscan_is_registered() {
    let registry = reg(&[
        (CURRENT_VERSION, &[r#""CurrentVersion"="5.0""#]),
        (SETUP_KEY, &[r#""ContentDir"="D:\\WSUS""#]),
        (
            r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\W3SVC\Parameters",
            &[r#""Filter DLLs"="C:\\WINNT\\system32\\inetsrv\\urlscan\\urlscan.dll""#],
        ),
    ]);
    let r = Files::new()
        .crlf("registry/software.reg", &registry)
        .text("W3SVC1/ex061120.log", IIS5_LOG)
        .run();
    assert_silent(&r, "WSUS-URLSCAN-ADVISORY");
    assert_no_warning(&r);
}

// ---------------------------------------------------------------------------------------------
// 7. WSUS-POOL-MEMORY-RECYCLE

#[test]
fn memory_recycle_three_5117_in_system_evtx_and_the_default_limit() {
    let pool = [("AppPoolID", "WsusPool")];
    let evtx = write_evtx(&[
        was_event(5117, 16384, 4, "2024-11-20 06:10:02.345", &pool),
        was_event(5117, 16384, 4, "2024-11-20 07:42:51.005", &pool),
        was_event(
            5074,
            16384,
            4,
            "2024-11-20 08:00:00.114",
            &[("ProcessID", "5120"), ("AppPoolID", "WsusPool")],
        ),
        was_event(5117, 16384, 4, "2024-11-20 09:03:37.660", &pool),
    ]);
    let bundle = Files::new().bytes("events/System.evtx", evtx).crlf(
        "inetsrv/config/applicationHost.config",
        &apphost(POOL_V4, BIND_8530, "", ""),
    );
    let r = bundle.run();
    let f = finding(&r, "WSUS-POOL-MEMORY-RECYCLE");
    assert_eq!((f.severity.name(), f.confidence.name()), ("warning", "high"));
    assert!(
        f.summary
            .contains("recycled 3 times between 2024-11-20 06:10:02 UTC and 2024-11-20 09:03:37 UTC"),
        "{}",
        f.summary
    );
    assert!(f.summary.contains("caps WsusPool at 1843200 KB"), "{}", f.summary);
    assert_cited(
        &bundle,
        f,
        &["events/System.evtx", "inetsrv/config/applicationHost.config"],
    );
    assert!(cites(
        f,
        "inetsrv/config/applicationHost.config",
        r#"privateMemory="1843200""#
    ));
    assert!(cites(f, "events/System.evtx", "WsusPool"));
}

#[test]
fn memory_recycle_in_german_event_viewer_csv() {
    let csv = "Ebene,Datum und Uhrzeit,Quelle,Ereignis-ID,Aufgabenkategorie\nInformationen,20.11.2024 09:03:37,Microsoft-Windows-WAS,5117,Keine,\"Ein Workerprozess, der den Anwendungspool \"\"WsusPool\"\" bedient, hat eine Wiederverwendung angefordert, da das Limit für private Bytes erreicht wurde.\"\nInformationen,20.11.2024 07:10:12,Microsoft-Windows-WAS,5117,Keine,\"Ein Workerprozess, der den Anwendungspool \"\"WsusPool\"\" bedient, hat eine Wiederverwendung angefordert, da das Limit für private Bytes erreicht wurde.\"\n";
    let bundle = Files::new().crlf("events/System.csv", csv);
    let r = bundle.run();
    let f = finding(&r, "WSUS-POOL-MEMORY-RECYCLE");
    assert_eq!(f.confidence.name(), "medium");
    assert!(f.summary.contains("recycled 2 time(s)"), "{}", f.summary);
    assert_cited(&bundle, f, &["events/System.csv"]);
}

#[test]
fn memory_recycle_single_5117_after_a_scheduled_recycle_is_normal() {
    let evtx = write_evtx(&[
        was_event(
            5074,
            16384,
            4,
            "2024-11-20 03:00:00.114",
            &[("ProcessID", "4412"), ("AppPoolID", "WsusPool")],
        ),
        was_event(5117, 16384, 4, "2024-11-20 03:04:41.902", &[("AppPoolID", "WsusPool")]),
    ]);
    let log = w3c_log(&[
        w3c(
            "03:04:42",
            "POST",
            "/ClientWebService/client.asmx",
            8530,
            "10.1.4.77",
            WUA10,
            "503 0 0",
            2,
        ),
        w3c(
            "03:04:50",
            "POST",
            "/ClientWebService/client.asmx",
            8530,
            "10.1.4.77",
            WUA10,
            "200 0 0",
            2410,
        ),
    ]);
    let r = Files::new()
        .bytes("events/System.evtx", evtx)
        .crlf(
            "inetsrv/config/applicationHost.config",
            &apphost(POOL_V4, BIND_8530, "", ""),
        )
        .text("W3SVC1274659245/u_ex241120.log", &log)
        .run();
    assert_silent(&r, "WSUS-POOL-MEMORY-RECYCLE");
    assert_silent(&r, "WSUS-POOL-DISABLED-503");
    assert_no_warning(&r);
}

// ---------------------------------------------------------------------------------------------
// 8. WSUS-POOL-DISABLED-503

#[test]
fn pool_disabled_by_rapid_fail_protection_with_503s_and_client_errors() {
    let evtx = write_evtx(&[
        was_event(5117, 16384, 4, "2024-11-20 06:10:02.345", &[("AppPoolID", "WsusPool")]),
        was_event(
            5009,
            32768,
            3,
            "2024-11-20 06:18:40.000",
            &[
                ("AppPoolID", "WsusPool"),
                ("ProcessID", "4412"),
                ("ExitCode", "e0434352"),
            ],
        ),
        was_event(5002, 49152, 2, "2024-11-20 06:19:58.002", &[("AppPoolID", "WsusPool")]),
    ]);
    let mut lines = Vec::new();
    for (i, client) in ["10.1.4.77", "10.1.4.78", "10.1.4.79"].iter().enumerate() {
        lines.push(w3c(
            &format!("06:2{i}:00"),
            "POST",
            "/ClientWebService/client.asmx",
            8530,
            client,
            WUA10,
            "503 0 0",
            1,
        ));
    }
    let wu = [
        wu10(
            "2024/11/20",
            "07:21:00.1234567",
            "ProtocolTalker",
            "*FAILED* [80244022] SyncUpdates_WithRecovery failed",
        ),
        wu10(
            "2024/11/20",
            "07:21:00.1299999",
            "Agent",
            "*FAILED* [80244022] Synchronize",
        ),
    ]
    .concat();
    let bundle = Files::new()
        .bytes("server/System.evtx", evtx)
        .text("server/W3SVC1274659245/u_ex241120.log", &w3c_log(&lines))
        .crlf("PC0077/WindowsUpdate.log", &wu);
    let r = bundle.run();
    let f = finding(&r, "WSUS-POOL-DISABLED-503");
    assert_eq!((f.severity.name(), f.confidence.name()), ("error", "high"));
    assert!(
        f.summary
            .contains("disabled the WsusPool application pool 1 time(s) between 2024-11-20 06:19:58 UTC"),
        "{}",
        f.summary
    );
    assert_cited(
        &bundle,
        f,
        &[
            "server/System.evtx",
            "server/W3SVC1274659245/u_ex241120.log",
            "PC0077/WindowsUpdate.log",
        ],
    );
    assert!(
        f.evidence
            .iter()
            .any(|e| e.file == "server/System.evtx" && e.text.contains(">5002<"))
    );
}

#[test]
fn pool_disabled_then_served_again_is_reported_as_recovered() {
    let events = wevtutil(
        0,
        "System",
        "WAS",
        "2024-11-20T06:19:58.002",
        5002,
        "Error",
        "Application pool 'WsusPool' is being automatically disabled due to a series of failures in the process(es) serving that application pool.",
    );
    let log = w3c_log(&[
        w3c(
            "08:30:03",
            "POST",
            "/SimpleAuthWebService/SimpleAuth.asmx",
            8530,
            "10.1.4.77",
            WUA10,
            "200 0 0",
            31,
        ),
        w3c(
            "08:30:04",
            "POST",
            "/ClientWebService/client.asmx",
            8530,
            "10.1.4.77",
            WUA10,
            "200 0 0",
            187,
        ),
    ]);
    let bundle = Files::new()
        .crlf("events/System.txt", &events)
        .text("W3SVC1274659245/u_ex241120.log", &log);
    let r = bundle.run();
    let f = finding(&r, "WSUS-POOL-DISABLED-503");
    assert_eq!((f.severity.name(), f.confidence.name()), ("info", "high"));
    assert!(
        f.summary
            .starts_with("Recovered: this was failing until 2024-11-20 06:19:58"),
        "{}",
        f.summary
    );
    assert_cited(&bundle, f, &["events/System.txt"]);
}

#[test]
fn pool_503_seen_by_the_wsus_health_check_in_an_application_log_export() {
    let events = [
        wevtutil(
            0,
            "Application",
            "Windows Server Update Services",
            "2024-11-20T06:20:11.500",
            12072,
            "Error",
            "The WSUS content directory is not accessible.\nSystem.Net.WebException: The remote server returned an error: (503) Server Unavailable.\n   at Microsoft.UpdateServices.Internal.HealthMonitoring.HmtWebServices.CheckContentDirWebAccess(EventLoggingType type, HealthEventLogger logger)",
        ),
        wevtutil(
            1,
            "Application",
            "Windows Server Update Services",
            "2024-11-20T06:30:11.500",
            12072,
            "Error",
            "The WSUS content directory is not accessible.\nSystem.Net.WebException: The remote server returned an error: (503) Server Unavailable.",
        ),
    ]
    .concat();
    let setup = reg(&[(
        SETUP_KEY,
        &[r#""ContentDir"="D:\\WSUS""#, r#""VersionString"="10.0.17763.678""#],
    )]);
    let bundle = Files::new()
        .crlf("events/Application.txt", &events)
        .crlf("registry/UpdateServices.reg", &setup);
    let r = bundle.run();
    let f = finding(&r, "WSUS-POOL-DISABLED-503");
    assert_eq!((f.severity.name(), f.confidence.name()), ("error", "medium"));
    assert!(
        f.summary.contains("(2 event(s) 12072 between 2024-11-20 06:20:11"),
        "{}",
        f.summary
    );
    assert_cited(&bundle, f, &["events/Application.txt"]);
    assert!(cites(f, "events/Application.txt", "(503) Server Unavailable"));
}

#[test]
fn pool_503s_during_an_iisreset_are_expected() {
    let events = [
        wevtutil(
            0,
            "System",
            "Service Control Manager",
            "2024-11-20T22:00:01.250",
            7036,
            "Information",
            "The World Wide Web Publishing Service service entered the stopped state.",
        ),
        wevtutil(
            1,
            "System",
            "Service Control Manager",
            "2024-11-20T22:00:09.861",
            7036,
            "Information",
            "The World Wide Web Publishing Service service entered the running state.",
        ),
    ]
    .concat();
    let mut lines = Vec::new();
    for i in 0..12u32 {
        lines.push(w3c(
            &format!("22:00:{:02}", i / 2),
            "POST",
            "/ClientWebService/client.asmx",
            8530,
            &format!("10.1.4.{}", 70 + i),
            WUA10,
            "503 0 0",
            1,
        ));
    }
    lines.push(w3c(
        "22:00:12",
        "POST",
        "/ClientWebService/client.asmx",
        8530,
        "10.1.4.70",
        WUA10,
        "200 0 0",
        241,
    ));
    let r = Files::new()
        .crlf("events/System.txt", &events)
        .text("W3SVC1274659245/u_ex241120.log", &w3c_log(&lines))
        .run();
    assert_silent(&r, "WSUS-POOL-DISABLED-503");
    assert_no_warning(&r);
}

#[test]
fn pool_offline_in_httperr_is_high() {
    let httperr = "#Software: Microsoft HTTP API 2.0\n#Version: 1.0\n#Date: 2024-11-20 06:20:00\n#Fields: date time c-ip c-port s-ip s-port cs-version cs-method cs-uri sc-status s-siteid s-reason s-queuename\n2024-11-20 06:20:03 10.1.4.77 56433 10.1.0.20 8530 HTTP/1.1 POST /SimpleAuthWebService/SimpleAuth.asmx 503 1274659245 AppOffline WsusPool\n2024-11-20 06:20:09 10.1.4.78 56440 10.1.0.20 8530 HTTP/1.1 POST /ClientWebService/client.asmx 503 1274659245 AppOffline WsusPool\n";
    let bundle = Files::new().crlf("HTTPERR/httperr1.log", httperr);
    let r = bundle.run();
    let f = finding(&r, "WSUS-POOL-DISABLED-503");
    assert_eq!((f.severity.name(), f.confidence.name()), ("error", "high"));
    assert!(
        f.summary
            .contains("refused 2 request(s) from 2 client(s) with 503 AppOffline"),
        "{}",
        f.summary
    );
    assert_cited(&bundle, f, &["HTTPERR/httperr1.log"]);
}

// ---------------------------------------------------------------------------------------------
// 9. WSUS-CLIENTWEBSERVICE-OVERLOAD

#[test]
fn clientwebservice_overload_after_patch_tuesday() {
    let mut lines = Vec::new();
    for i in 0..12u32 {
        let client = format!("10.1.4.{}", 77 + i % 4);
        lines.push(w3c(
            &format!("18:{:02}:0{}", i, i % 10),
            "POST",
            "/ClientWebService/client.asmx",
            8530,
            &client,
            WUA10,
            "500 0 0",
            60000 + i,
        ));
        if i % 3 == 0 {
            lines.push(w3c(
                &format!("18:{:02}:30", i),
                "POST",
                "/ClientWebService/client.asmx",
                8530,
                "10.1.5.2",
                WUA10,
                "200 0 0",
                44120,
            ));
        }
    }
    let wu = [
        wu10(
            "2024/11/20",
            "18:05:02.4410021",
            "ProtocolTalker",
            "SyncUpdates round trips: 1",
        ),
        wu10(
            "2024/11/20",
            "18:05:02.4410187",
            "ProtocolTalker",
            "*FAILED* [8024401C] SyncUpdates_WithRecovery failed",
        ),
        wu10(
            "2024/11/20",
            "18:05:02.4412310",
            "Agent",
            "*FAILED* [8024401C] Synchronize",
        ),
    ]
    .concat();
    let evtx = write_evtx(&[was_event(
        5117,
        16384,
        4,
        "2024-11-20 18:06:30.120",
        &[("AppPoolID", "WsusPool")],
    )]);
    let bundle = Files::new()
        .text("server/W3SVC1274659245/u_ex241120.log", &w3c_log(&lines))
        .crlf("PC0077/WindowsUpdate.log", &wu)
        .bytes("server/System.evtx", evtx);
    let r = bundle.run();
    let f = finding(&r, "WSUS-CLIENTWEBSERVICE-OVERLOAD");
    assert_eq!((f.severity.name(), f.confidence.name()), ("error", "high"));
    assert!(
        f.summary
            .contains("answered 12 scan requests from 4 clients with HTTP 500"),
        "{}",
        f.summary
    );
    assert!(f.summary.contains("(2 times)"), "{}", f.summary);
    assert_cited(
        &bundle,
        f,
        &[
            "server/W3SVC1274659245/u_ex241120.log",
            "PC0077/WindowsUpdate.log",
            "server/System.evtx",
        ],
    );
}

#[test]
fn clientwebservice_500_24_everywhere_is_impersonation_not_overload() {
    let mut lines = Vec::new();
    for i in 0..12u32 {
        lines.push(w3c(
            &format!("09:00:{i:02}"),
            "POST",
            "/ClientWebService/client.asmx",
            8530,
            &format!("10.1.4.{}", 70 + i),
            WUA10,
            "500 24 50",
            2,
        ));
    }
    let wu = wu10(
        "2024/11/20",
        "09:00:05.0000001",
        "ProtocolTalker",
        "*FAILED* [8024401F] SyncUpdates_WithRecovery failed",
    );
    let r = Files::new()
        .text("W3SVC1274659245/u_ex241120.log", &w3c_log(&lines))
        .crlf("PC0077/WindowsUpdate.log", &wu)
        .run();
    assert_silent(&r, "WSUS-CLIENTWEBSERVICE-OVERLOAD");
    assert_eq!(finding(&r, "WSUS-IIS-ASPNET-IMPERSONATION").confidence.name(), "high");
}

// ---------------------------------------------------------------------------------------------
// 10. WSUS-IIS-ASPNET-IMPERSONATION

#[test]
fn impersonation_500_24_on_every_endpoint_and_the_setting_in_the_config() {
    let locations = r#"    <location path="WSUS Administration">
        <system.web>
            <identity impersonate="true" />
        </system.web>
    </location>"#;
    let log = w3c_log(&[
        w3c(
            "09:00:01",
            "POST",
            "/ClientWebService/Client.asmx",
            8530,
            "10.1.4.77",
            WUA10,
            "500 24 50",
            508,
        ),
        w3c(
            "09:00:02",
            "POST",
            "/ReportingWebService/ReportingWebService.asmx",
            8530,
            "10.1.4.77",
            "Windows-Update-Agent",
            "500 24 50",
            12,
        ),
        w3c(
            "09:00:05",
            "GET",
            "/selfupdate/iuident.cab",
            8530,
            "10.1.4.78",
            "Windows-Update-Agent",
            "500 24 50",
            3,
        ),
        w3c(
            "09:01:00",
            "POST",
            "/ApiRemoting30/WebService.asmx",
            8530,
            "10.1.6.15",
            CONSOLE,
            "500 24 50",
            6,
        ),
    ]);
    let bundle = Files::new()
        .crlf(
            "inetsrv/config/applicationHost.config",
            &apphost(POOL_V4, BIND_8530, "", locations),
        )
        .text("W3SVC1274659245/u_ex241120.log", &log);
    let r = bundle.run();
    let f = finding(&r, "WSUS-IIS-ASPNET-IMPERSONATION");
    assert_eq!((f.severity.name(), f.confidence.name()), ("error", "high"));
    assert!(
        f.summary
            .starts_with("4 requests to the WSUS web services from 3 address(es) failed with HTTP 500.24"),
        "{}",
        f.summary
    );
    assert_cited(
        &bundle,
        f,
        &[
            "W3SVC1274659245/u_ex241120.log",
            "inetsrv/config/applicationHost.config",
        ],
    );
    assert!(cites(
        f,
        "inetsrv/config/applicationHost.config",
        r#"<identity impersonate="true" />"#
    ));
    assert_silent(&r, "WSUS-CLIENTWEBSERVICE-OVERLOAD");
}

#[test]
fn impersonation_turned_off_later_is_reported_as_recovered() {
    let log = w3c_log(&[
        w3c(
            "08:00:02",
            "POST",
            "/ClientWebService/client.asmx",
            8530,
            "10.1.4.77",
            WUA10,
            "500 24 50",
            3,
        ),
        w3c(
            "08:00:03",
            "POST",
            "/SimpleAuthWebService/SimpleAuth.asmx",
            8530,
            "10.1.4.78",
            WUA10,
            "500 24 50",
            2,
        ),
        w3c(
            "10:15:39",
            "POST",
            "/SimpleAuthWebService/SimpleAuth.asmx",
            8530,
            "10.1.4.77",
            WUA10,
            "200 0 0",
            31,
        ),
        w3c(
            "10:15:40",
            "POST",
            "/ClientWebService/client.asmx",
            8530,
            "10.1.4.77",
            WUA10,
            "200 0 0",
            190,
        ),
    ]);
    let bundle = Files::new()
        .crlf(
            "inetsrv/config/applicationHost.config",
            &apphost(POOL_V4, BIND_8530, "", ""),
        )
        .text("W3SVC1274659245/u_ex241120.log", &log);
    let r = bundle.run();
    let f = finding(&r, "WSUS-IIS-ASPNET-IMPERSONATION");
    assert_eq!((f.severity.name(), f.confidence.name()), ("info", "high"));
    assert!(
        f.summary
            .starts_with("Recovered: this was failing until 2024-11-20 08:00:03 UTC"),
        "{}",
        f.summary
    );
    assert!(
        f.summary
            .contains("2 requests to the WSUS web services from 2 address(es)"),
        "{}",
        f.summary
    );
    assert_cited(&bundle, f, &["W3SVC1274659245/u_ex241120.log"]);
}

#[test]
fn impersonation_with_integrated_mode_validation_off_serves_normally() {
    let locations = r#"    <location path="WSUS Administration">
        <system.web>
            <identity impersonate="true" />
        </system.web>
        <system.webServer>
            <validation validateIntegratedModeConfiguration="false" />
        </system.webServer>
    </location>"#;
    let log = w3c_log(&[
        w3c(
            "09:00:01",
            "POST",
            "/ClientWebService/client.asmx",
            8530,
            "10.1.4.77",
            WUA10,
            "200 0 0",
            190,
        ),
        w3c(
            "09:00:02",
            "POST",
            "/ReportingWebService/ReportingWebService.asmx",
            8530,
            "10.1.4.77",
            WUA10,
            "200 0 0",
            40,
        ),
    ]);
    let r = Files::new()
        .crlf(
            "inetsrv/config/applicationHost.config",
            &apphost(POOL_V4, BIND_8530, "", locations),
        )
        .text("W3SVC1274659245/u_ex241120.log", &log)
        .run();
    assert_silent(&r, "WSUS-IIS-ASPNET-IMPERSONATION");
    assert_no_warning(&r);
}

// ---------------------------------------------------------------------------------------------
// 11. WSUS-WEBSERVICE-NTFS-DENIED

#[test]
fn ntfs_denied_401_3_on_the_web_services_and_0x800710dd_on_the_client() {
    let log = w3c_log(&[
        w3c(
            "10:00:02",
            "POST",
            "/ClientWebService/client.asmx",
            8530,
            "10.1.4.77",
            "Windows-Update-Agent",
            "401 3 5",
            15,
        ),
        w3c(
            "10:00:40",
            "POST",
            "/SimpleAuthWebService/SimpleAuth.asmx",
            8530,
            "10.1.4.78",
            "Windows-Update-Agent",
            "401 3 5",
            9,
        ),
    ]);
    let wu = [
        wu_classic("2024-11-20", "11:00:02:311", "Misc", "WARNING: SendRequest failed with hr = 800710dd. Proxy List used: <(null)> Bypass List used : <(null)> Auth Schemes used : <>"),
        wu_classic("2024-11-20", "11:00:02:312", "PT", "  + Last proxy send request failed with hr = 0x800710DD, HTTP status code = 401"),
        wu_classic("2024-11-20", "11:00:02:314", "PT", "WARNING: SyncUpdates failure, error = 0x800710DD, soap client error = 5, soap error code = 0, HTTP status code = 200"),
        wu_classic("2024-11-20", "11:00:02:320", "Agent", "  * WARNING: Failed to synchronize, error = 0x800710DD"),
    ]
    .concat();
    let bundle = Files::new()
        .text("server/u_ex241120.log", &log)
        .crlf("PC0077/WindowsUpdate.log", &wu);
    let r = bundle.run();
    let f = finding(&r, "WSUS-WEBSERVICE-NTFS-DENIED");
    assert_eq!((f.severity.name(), f.confidence.name()), ("error", "medium"));
    assert!(
        f.summary
            .contains("refused 2 request(s) from 2 client(s) with HTTP 401.3"),
        "{}",
        f.summary
    );
    assert!(f.summary.contains("0x800710DD failures (4)"), "{}", f.summary);
    assert_cited(&bundle, f, &["server/u_ex241120.log", "PC0077/WindowsUpdate.log"]);
}

#[test]
fn ntfs_denied_not_claimed_for_a_handshake_or_an_authenticating_proxy() {
    let log = w3c_log(&[
        w3c(
            "10:00:02",
            "POST",
            "/ServerSyncWebService/ServerSyncWebService.asmx",
            8530,
            "10.1.0.30",
            CONSOLE,
            "401 3 5",
            2,
        ),
        w3c(
            "10:00:02",
            "POST",
            "/ServerSyncWebService/ServerSyncWebService.asmx",
            8530,
            "10.1.0.30",
            CONSOLE,
            "200 0 0",
            340,
        ),
        w3c(
            "10:00:05",
            "POST",
            "/ClientWebService/client.asmx",
            8530,
            "10.1.4.77",
            WUA10,
            "401 2 5",
            1,
        ),
        w3c(
            "10:00:05",
            "POST",
            "/ClientWebService/client.asmx",
            8530,
            "10.1.4.77",
            WUA10,
            "200 0 0",
            190,
        ),
    ]);
    let wu = [
        wu_classic("2024-11-20", "11:00:02:311", "Misc", "WARNING: SendRequest failed with hr = 800710dd. Proxy List used: <proxy.contoso.local:8080> Bypass List used : <(null)> Auth Schemes used : <NTLM;Negotiate>"),
        wu_classic("2024-11-20", "11:00:02:312", "PT", "  + Last proxy send request failed with hr = 0x800710DD, HTTP status code = 401"),
    ]
    .concat();
    let r = Files::new()
        .text("server/u_ex241120.log", &log)
        .crlf("PC0077/WindowsUpdate.log", &wu)
        .run();
    assert_silent(&r, "WSUS-WEBSERVICE-NTFS-DENIED");
}

// ---------------------------------------------------------------------------------------------
// 12. WSUS-SSL-VROOT-MISCONFIG

fn ssl_location(path: &str, flags: &str) -> String {
    format!(
        "    <location path=\"WSUS Administration{path}\">\n        <system.webServer>\n            <security>\n                <access sslFlags=\"{flags}\" />\n            </security>\n        </system.webServer>\n    </location>\n"
    )
}

#[test]
fn ssl_required_on_the_whole_site_breaks_content_downloads() {
    let locations = ssl_location("", "Ssl");
    let log = w3c_log(&[
        w3c(
            "13:00:02",
            "GET",
            "/Content/3C/0D6E5A1F2B3C4D5E6F708192A3B4C5D6E7F8093C.cab",
            8530,
            "10.1.4.77",
            BITS,
            "403 4 5",
            1,
        ),
        w3c(
            "13:00:09",
            "HEAD",
            "/Content/A1/7F3E2D1C0B9A8F7E6D5C4B3A29180F7E6D5C4BA1.exe",
            8530,
            "10.1.4.78",
            BITS,
            "403 4 5",
            0,
        ),
        w3c(
            "13:01:00",
            "POST",
            "/ClientWebService/client.asmx",
            8531,
            "10.1.4.77",
            WUA10,
            "200 0 0",
            210,
        ),
    ]);
    let bundle = Files::new()
        .crlf(
            "inetsrv/config/applicationHost.config",
            &apphost(POOL_V4, BIND_8530, "", &locations),
        )
        .text("W3SVC1274659245/u_ex241120.log", &log);
    let r = bundle.run();
    let f = finding(&r, "WSUS-SSL-VROOT-MISCONFIG");
    assert_eq!((f.severity.name(), f.confidence.name()), ("error", "high"));
    // Content and ReportingWebService, the two of the four non-SSL vdirs this site has, inherit it.
    assert!(
        f.summary.contains("(2 virtual directory setting(s) among Content"),
        "{}",
        f.summary
    );
    assert_cited(
        &bundle,
        f,
        &[
            "inetsrv/config/applicationHost.config",
            "W3SVC1274659245/u_ex241120.log",
        ],
    );
    assert!(cites(f, "inetsrv/config/applicationHost.config", r#"sslFlags="Ssl""#));
}

#[test]
fn ssl_client_certificates_required_show_as_0x80072f0c_on_clients() {
    let wu = [
        wu_classic("2024-11-20", "13:00:02:311", "Misc", "WARNING: SendRequest failed with hr = 80072f0c. Proxy List used: <(null)> Bypass List used : <(null)> Auth Schemes used : <>"),
        wu_classic("2024-11-20", "13:00:02:312", "PT", "WARNING: GetCookie failure, error = 0x80072F0C, soap client error = 5, soap error code = 0, HTTP status code = 200"),
    ]
    .concat();
    let bundle = Files::new().crlf("PC0077/WindowsUpdate.log", &wu);
    let r = bundle.run();
    let f = finding(&r, "WSUS-SSL-VROOT-MISCONFIG");
    assert_eq!(f.confidence.name(), "high");
    assert!(
        f.summary.starts_with("The client failed 2 time(s) with 0x80072F0C"),
        "{}",
        f.summary
    );
    assert_cited(&bundle, f, &["PC0077/WindowsUpdate.log"]);
}

#[test]
fn ssl_on_the_five_web_services_is_the_documented_setup() {
    let mut locations = String::new();
    for vdir in ["/ApiRemoting30", "/ClientWebService", "/SimpleAuthWebService"] {
        locations += &ssl_location(vdir, "Ssl");
    }
    let log = w3c_log(&[
        w3c(
            "13:00:02",
            "GET",
            "/Content/3C/0D6E5A1F2B3C4D5E6F708192A3B4C5D6E7F8093C.cab",
            8530,
            "10.1.4.77",
            BITS,
            "206 0 0",
            310,
        ),
        w3c(
            "13:01:00",
            "POST",
            "/ClientWebService/client.asmx",
            8531,
            "10.1.4.77",
            WUA10,
            "200 0 0",
            210,
        ),
        w3c(
            "13:01:02",
            "POST",
            "/ReportingWebService/ReportingWebService.asmx",
            8530,
            "10.1.4.77",
            WUA10,
            "200 0 0",
            40,
        ),
    ]);
    let r = Files::new()
        .crlf(
            "inetsrv/config/applicationHost.config",
            &apphost(POOL_V4, BIND_8530, "", &locations),
        )
        .text("W3SVC1274659245/u_ex241120.log", &log)
        .run();
    assert_silent(&r, "WSUS-SSL-VROOT-MISCONFIG");
    assert_no_warning(&r);
}

// ---------------------------------------------------------------------------------------------
// 13. WSUS-MIME-TYPE-MISSING

#[test]
fn mime_type_missing_404_3_on_psf_and_esd_content() {
    let log = w3c_log(&[
        w3c(
            "10:00:02",
            "HEAD",
            "/Content/B6/A2E8C22844A4E6926F9C841B0D5AEEC8400811B6.psf",
            8530,
            "10.1.4.77",
            BITS,
            "404 3 50",
            1,
        ),
        w3c(
            "10:00:03",
            "GET",
            "/Content/3C/0D6E5A1F2B3C4D5E6F708192A3B4C5D6E7F8093C.cab",
            8530,
            "10.1.4.77",
            BITS,
            "206 0 0",
            212,
        ),
        w3c(
            "10:02:40",
            "HEAD",
            "/Content/71/6C0E5B2A9D8F7E6D5C4B3A291807F6E5D4C3B271.esd",
            8530,
            "10.1.4.91",
            BITS,
            "404 3 50",
            1,
        ),
        w3c(
            "10:03:10",
            "HEAD",
            "/Content/B6/A2E8C22844A4E6926F9C841B0D5AEEC8400811B6.psf",
            8530,
            "10.1.4.91",
            BITS,
            "404 3 50",
            1,
        ),
    ]);
    let wu = [
        wu10("2024/11/20", "10:00:02.5000000", "DownloadManager", "BITS job {F65EC03C-34DC-4CFC-BDFD-EA8DF7A1FBB2} hit a transient error, updateId = {9829AC5C-CF1D-4706-A3C3-8DC63A1F5924}.1 <NULL>, error = 0x80190194"),
    ]
    .concat();
    let bundle = Files::new()
        .text("W3SVC1274659245/u_ex241120.log", &log)
        .crlf("PC0077/WindowsUpdate.log", &wu);
    let r = bundle.run();
    let f = finding(&r, "WSUS-MIME-TYPE-MISSING");
    assert_eq!((f.severity.name(), f.confidence.name()), ("error", "high"));
    assert!(
        f.summary
            .starts_with("IIS refused 3 download(s) of update files from 2 client(s)"),
        "{}",
        f.summary
    );
    assert!(f.summary.contains("for the extension(s) .esd, .psf"), "{}", f.summary);
    assert_cited(&bundle, f, &["W3SVC1274659245/u_ex241120.log"]);
}

#[test]
fn mime_type_missing_not_claimed_for_a_file_that_is_really_missing() {
    let log = w3c_log(&[
        w3c(
            "10:00:02",
            "GET",
            "/Content/3C/0D6E5A1F2B3C4D5E6F708192A3B4C5D6E7F8093C.cab",
            8530,
            "10.1.4.77",
            BITS,
            "404 0 2",
            1,
        ),
        w3c(
            "10:00:03",
            "GET",
            "/Content/B6/A2E8C22844A4E6926F9C841B0D5AEEC8400811B6.psf",
            8530,
            "10.1.4.77",
            BITS,
            "206 0 0",
            880,
        ),
        w3c(
            "10:00:09",
            "GET",
            "/Content/B6/A2E8C22844A4E6926F9C841B0D5AEEC8400811B6.psf",
            8530,
            "10.1.4.77",
            BITS,
            "206 0 0",
            901,
        ),
    ]);
    let wu = [
        wu_classic("2024-11-20", "11:00:02:101", "DnldMgr", "WARNING: BITS job {F65EC03C-34DC-4CFC-BDFD-EA8DF7A1FBB2} failed, updateId = {9829AC5C-CF1D-4706-A3C3-8DC63A1F5924}.100, hr = 0x80190194, BG_ERROR_CONTEXT = 5"),
        wu_classic("2024-11-20", "11:00:02:102", "DnldMgr", "  Failed job file: URL = http://wsus01:8530/Content/3C/0D6E5A1F2B3C4D5E6F708192A3B4C5D6E7F8093C.cab, local path = C:\\WINDOWS\\SoftwareDistribution\\Download\\0D6E5A1F2B3C4D5E6F708192A3B4C5D6E7F8093C.cab"),
    ]
    .concat();
    let r = Files::new()
        .text("W3SVC1274659245/u_ex241120.log", &log)
        .crlf("PC0077/WindowsUpdate.log", &wu)
        .run();
    assert_silent(&r, "WSUS-MIME-TYPE-MISSING");
}

// ---------------------------------------------------------------------------------------------
// 14. WSUS-MIME-DUPLICATE-ENTRY

const SERVER_MIME_UUP: &str = r#"    <system.webServer>
        <staticContent>
            <mimeMap fileExtension=".msu" mimeType="application/octet-stream" />
            <mimeMap fileExtension=".wim" mimeType="application/x-ms-wim" />
        </staticContent>
    </system.webServer>"#;

#[test]
fn mime_duplicate_web_config_adds_wim_again_and_the_console_reports_the_error() {
    let web_config = r#"<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <system.webServer>
    <staticContent>
      <mimeMap fileExtension=".wim" mimeType="application/x-ms-wim" />
    </staticContent>
  </system.webServer>
</configuration>
"#;
    let events = wevtutil(
        0,
        "Application",
        "Windows Server Update Services",
        "2023-02-16T09:14:27.310",
        7053,
        "Error",
        "The WSUS administration console has encountered an unexpected error. This may be a transient error; try restarting the administration console.\nSystem.Net.WebException -- The remote server returned an error: (500) Internal Server Error. Cannot add duplicate collection entry of type 'mimeMap' with unique key attribute 'fileExtension' set to '.wim'",
    );
    let log = "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) sc-status sc-substatus sc-win32-status time-taken\n2023-02-16 09:20:11 10.1.0.20 POST /ClientWebService/client.asmx - 8530 - 10.1.4.77 Windows-Update-Agent 500 19 183 0\n";
    let bundle = Files::new()
        .crlf(
            "inetsrv/config/applicationHost.config",
            &apphost(POOL_V4, BIND_8530, "", SERVER_MIME_UUP),
        )
        .crlf("WebServices/ClientWebService/Web.config", web_config)
        .crlf("events/Application.txt", &events)
        .text("W3SVC1274659245/u_ex230216.log", log);
    let r = bundle.run();
    let f = finding(&r, "WSUS-MIME-DUPLICATE-ENTRY");
    assert_eq!((f.severity.name(), f.confidence.name()), ("error", "high"));
    assert!(
        f.summary
            .contains("duplicate mimeMap entry (1 time(s) between 2023-02-16 09:14:27"),
        "{}",
        f.summary
    );
    assert_cited(
        &bundle,
        f,
        &[
            "events/Application.txt",
            "WebServices/ClientWebService/Web.config",
            "inetsrv/config/applicationHost.config",
        ],
    );
    assert!(cites(f, "events/Application.txt", "'mimeMap'"));
}

#[test]
fn mime_duplicate_across_files_without_an_error_is_medium() {
    let web_config = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<configuration>\n  <system.webServer>\n    <staticContent>\n      <mimeMap fileExtension=\".msu\" mimeType=\"application/octet-stream\" />\n    </staticContent>\n  </system.webServer>\n</configuration>\n";
    let bundle = Files::new()
        .crlf(
            "inetsrv/config/applicationHost.config",
            &apphost(POOL_V4, BIND_8530, "", SERVER_MIME_UUP),
        )
        .crlf("WebServices/ApiRemoting30/web.config", web_config);
    let r = bundle.run();
    let f = finding(&r, "WSUS-MIME-DUPLICATE-ENTRY");
    assert_eq!(f.confidence.name(), "medium");
    assert!(
        f.summary
            .contains("adds .wim/.msu, which the server level already defines"),
        "{}",
        f.summary
    );
    assert_cited(
        &bundle,
        f,
        &[
            "WebServices/ApiRemoting30/web.config",
            "inetsrv/config/applicationHost.config",
        ],
    );
}

#[test]
fn mime_duplicate_fixed_with_remove_before_the_entry() {
    let web_config = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<configuration>\n  <system.webServer>\n    <staticContent>\n      <remove fileExtension=\".wim\" />\n      <mimeMap fileExtension=\".wim\" mimeType=\"application/x-ms-wim\" />\n    </staticContent>\n  </system.webServer>\n</configuration>\n";
    let r = Files::new()
        .crlf(
            "inetsrv/config/applicationHost.config",
            &apphost(POOL_V4, BIND_8530, "", SERVER_MIME_UUP),
        )
        .crlf("WebServices/ClientWebService/Web.config", web_config)
        .run();
    assert_silent(&r, "WSUS-MIME-DUPLICATE-ENTRY");
    assert_no_warning(&r);
}

// ---------------------------------------------------------------------------------------------
// 15. WSUS-SELFUPDATE-UNAVAILABLE

const DEFAULT_SITE_NO_SELFUPDATE: &str = r#"            <site name="Default Web Site" id="1">
                <application path="/" applicationPool="DefaultAppPool">
                    <virtualDirectory path="/" physicalPath="%SystemDrive%\inetpub\wwwroot" />
                </application>
                <bindings>
                    <binding protocol="http" bindingInformation="*:80:" />
                </bindings>
            </site>"#;

#[test]
fn selfupdate_missing_on_port_80_while_windows_7_clients_need_it() {
    let log = w3c_log(&[
        w3c(
            "09:00:02",
            "GET",
            "/selfupdate/wuident.cab?1411201530",
            8530,
            "10.1.4.31",
            WUA7,
            "404 0 2",
            1,
        ),
        w3c(
            "09:00:40",
            "GET",
            "/selfupdate/wuident.cab?1411201530",
            8530,
            "10.1.4.32",
            WUA7,
            "404 0 2",
            1,
        ),
        w3c(
            "09:01:10",
            "GET",
            "/selfupdate/wuident.cab?1411201530",
            8530,
            "10.1.4.77",
            WUA10,
            "404 0 2",
            0,
        ),
    ]);
    let bundle = Files::new()
        .crlf(
            "inetsrv/config/applicationHost.config",
            &apphost(POOL_V4, BIND_8530, DEFAULT_SITE_NO_SELFUPDATE, ""),
        )
        .text("W3SVC1274659245/u_ex241120.log", &log);
    let r = bundle.run();
    let f = finding(&r, "WSUS-SELFUPDATE-UNAVAILABLE");
    assert_eq!((f.severity.name(), f.confidence.name()), ("error", "high"));
    // The Windows 10 client's 404 is not counted.
    assert!(
        f.summary.starts_with("2 self-update check(s) from 2 client(s)"),
        "{}",
        f.summary
    );
    assert_cited(
        &bundle,
        f,
        &[
            "W3SVC1274659245/u_ex241120.log",
            "inetsrv/config/applicationHost.config",
        ],
    );
    assert!(cites(f, "inetsrv/config/applicationHost.config", "*:8530:"));
    assert!(!cites(f, "W3SVC1274659245/u_ex241120.log", "10.1.4.77"));
}

#[test]
fn selfupdate_404_from_windows_10_clients_is_harmless() {
    let log = w3c_log(&[
        w3c(
            "09:00:02",
            "GET",
            "/selfupdate/wuident.cab?1411201530",
            8530,
            "10.1.4.77",
            WUA10,
            "404 0 2",
            1,
        ),
        w3c(
            "09:00:05",
            "POST",
            "/ClientWebService/client.asmx",
            8530,
            "10.1.4.77",
            WUA10,
            "200 0 0",
            190,
        ),
        w3c(
            "09:03:11",
            "GET",
            "/selfupdate/wuident.cab?1411201530",
            8530,
            "10.1.5.12",
            "Windows-Update-Agent/10.0.10011.16384+Client-Protocol/2.61",
            "404 0 2",
            0,
        ),
    ]);
    let r = Files::new()
        .crlf(
            "inetsrv/config/applicationHost.config",
            &apphost(POOL_V4, BIND_8530, DEFAULT_SITE_NO_SELFUPDATE, ""),
        )
        .text("W3SVC1274659245/u_ex241120.log", &log)
        .run();
    assert_silent(&r, "WSUS-SELFUPDATE-UNAVAILABLE");
    assert_no_warning(&r);
}

// ---------------------------------------------------------------------------------------------
// 16. WSUS-CONTENT-VDIR-CONFLICT

#[test]
fn content_vdir_owned_by_symantec_endpoint_protection_manager() {
    let metabase = "<?xml version =\"1.0\"?>\n<configuration xmlns=\"urn:microsoft-catalog:XML_Metabase_V64_0\">\n<MBProperty>\n<IIsWebServer\tLocation =\"/LM/W3SVC/1\"\n\t\tServerBindings=\":80:\"\n\t\tServerComment=\"Default Web Site\"\n\t>\n</IIsWebServer>\n<IIsWebVirtualDir\tLocation =\"/LM/W3SVC/1/ROOT/ClientWebService\"\n\t\tAppPoolId=\"WsusPool\"\n\t\tPath=\"C:\\Program Files\\Update Services\\WebServices\\ClientWebService\"\n\t>\n</IIsWebVirtualDir>\n<IIsWebVirtualDir\tLocation =\"/LM/W3SVC/1/ROOT/Content\"\n\t\tAccessFlags=\"AccessRead\"\n\t\tPath=\"C:\\Program Files\\Symantec\\Symantec Endpoint Protection Manager\\Inetpub\\content\"\n\t>\n</IIsWebVirtualDir>\n</MBProperty>\n</configuration>\n";
    let registry = reg(&[
        (
            SETUP_KEY,
            &[
                r#""ContentDir"="E:\\WSUS\\""#,
                r#""IISTargetWebsiteIndex"=dword:00000001"#,
            ],
        ),
        (
            r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\{F8A0AE4E-7C2A-4DB2-9B5E-1E4C5F2A3B61}",
            &[r#""DisplayName"="Symantec Endpoint Protection Manager""#],
        ),
    ]);
    let log = "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) sc-status sc-substatus sc-win32-status\n2009-05-12 10:00:02 10.1.0.20 GET /Content/3C/0D6E5A1F2B3C4D5E6F708192A3B4C5D6E7F8093C.cab - 80 - 10.1.4.77 Microsoft+BITS/6.7 404 0 2\n2009-05-12 10:04:10 10.1.0.20 GET /Content/A1/7F3E2D1C0B9A8F7E6D5C4B3A29180F7E6D5C4BA1.exe - 80 - 10.1.4.78 Microsoft+BITS/6.7 404 0 2\n";
    let bundle = Files::new()
        .crlf("inetsrv/MetaBase.xml", metabase)
        .crlf("registry/software.reg", &registry)
        .text("W3SVC1/ex090512.log", log);
    let r = bundle.run();
    let f = finding(&r, "WSUS-CONTENT-VDIR-CONFLICT");
    assert_eq!((f.severity.name(), f.confidence.name()), ("error", "high"));
    assert!(
        f.summary.contains(
            r"points at c:\program files\symantec\symantec endpoint protection manager\inetpub\content, not at the WSUS content store under ContentDir (e:\wsus)"
        ),
        "{}",
        f.summary
    );
    assert_cited(
        &bundle,
        f,
        &["inetsrv/MetaBase.xml", "registry/software.reg", "W3SVC1/ex090512.log"],
    );
    assert!(cites(f, "inetsrv/MetaBase.xml", "Symantec Endpoint Protection Manager"));
}

#[test]
fn content_vdir_under_content_dir_written_differently_is_fine() {
    let registry = reg(&[(SETUP_KEY, &[r#""ContentDir"="d:\\wsus\\""#])]);
    let r = Files::new()
        .crlf(
            "inetsrv/config/applicationHost.config",
            &apphost(POOL_V4, BIND_8530, "", ""),
        )
        .crlf("registry/software.reg", &registry)
        .run();
    assert_silent(&r, "WSUS-CONTENT-VDIR-CONFLICT");
    assert_no_warning(&r);
}
