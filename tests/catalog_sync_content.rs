//! The synchronization and content-download signatures (signatures.md §3 and §4, numbers 17 to 27)
//! on whole server bundles built here: SoftwareDistribution.log with its stack traces and mirrored
//! events, the Application log as EVTX (written by tests/support/evtx_writer.rs) or as text and CSV
//! exports (German ones too), ConfigMgr WSyncMgr.log / WCM.log, registry exports and IIS logs, with
//! the noise a real bundle carries. Each signature gets a positive bundle (signature, severity,
//! confidence, the figures of its summary, the cited text standing in the cited line or record of
//! the cited file) and a negative one (healthy state or noise a naive matcher would flag), and the
//! resolution rules are checked: a failure followed by a completed synchronization or a clean
//! content round is reported at info, and the umbrella signatures yield to the specific ones.

#[path = "support/evtx_writer.rs"]
mod evtx_writer;

use chrono::NaiveDateTime;
use evtx_writer::{Event, providers, write_evtx};
use std::sync::OnceLock;
use wsus_triage::diagnosis::{Evidence, Finding};
use wsus_triage::intake::{Bundle, Limits};
use wsus_triage::pipeline::{BundleReport, Engine, Options, run_opened};

// ---------------------------------------------------------------------------------------------
// Building bundles

const HOST: &str = "WSUS01.contoso.local";

/// A bundle in memory: paths and bytes, kept to check citations against.
struct TestBundle {
    files: Vec<(String, Vec<u8>)>,
}

impl TestBundle {
    fn new() -> TestBundle {
        TestBundle { files: Vec::new() }
    }

    fn file(mut self, path: &str, bytes: Vec<u8>) -> TestBundle {
        self.files.push((path.to_string(), bytes));
        self
    }

    fn bytes(&self, path: &str) -> &[u8] {
        &self
            .files
            .iter()
            .find(|(p, _)| p == path)
            .unwrap_or_else(|| panic!("{path} is not in the bundle"))
            .1
    }

    fn analyze(&self) -> BundleReport {
        static ENGINE: OnceLock<Engine> = OnceLock::new();
        let engine = ENGINE.get_or_init(|| Engine::load(&[]).expect("the embedded grammars load"));
        let bundle = Bundle::from_memory("test-bundle", self.files.clone(), &Limits::default());
        let report = run_opened(
            engine,
            bundle,
            &Options {
                diagnose: true,
                ..Options::default()
            },
        );
        for f in &report.files {
            assert!(f.problems.is_empty(), "{}: {:?}", f.path, f.problems);
        }
        report
    }
}

/// Lines joined with CRLF, as Windows writes them.
fn crlf(lines: &[String]) -> Vec<u8> {
    let mut text = lines.join("\r\n");
    text.push_str("\r\n");
    text.into_bytes()
}

/// UTF-16LE with a BOM and CRLF, as regedit and PowerShell redirection write.
fn utf16(lines: &[String]) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    let mut text = lines.join("\r\n");
    text.push_str("\r\n");
    for u in text.encode_utf16() {
        out.extend_from_slice(&u.to_le_bytes());
    }
    out
}

/// One SoftwareDistribution.log record line: `date time UTC level process.thread Class.Method message`.
fn sdl(at: &str, level: &str, thread: &str, source: &str, message: &str) -> String {
    format!("{at} UTC\t{level}\t{thread}\t{source}\t{message}")
}

/// A mirrored Application event: `EventLogEventReporter.ReportEvent EventId=…,Type=…,Category=…,Message=…`.
fn mirror(at: &str, id: u32, kind: &str, message: &str) -> String {
    sdl(
        at,
        "Info",
        "WsusService.15",
        "EventLogEventReporter.ReportEvent",
        &format!("EventId={id},Type={kind},Category=Synchronization,Message={message}"),
    )
}

fn sync_started(at: &str) -> String {
    mirror(at, 381, "Information", "A scheduled synchronization was started.")
}

fn sync_completed(at: &str) -> String {
    mirror(at, 384, "Information", "Synchronization completed successfully.")
}

fn content_started(at: &str) -> String {
    mirror(at, 361, "Information", "Content synchronization started.")
}

fn frame(text: &str) -> String {
    format!("   at {text}")
}

/// A CMTrace record of ConfigMgr (`type` 1 info, 2 warning, 3 error); the site server runs at UTC+1.
fn cm(component: &str, at: &str, kind: u8, message: &str) -> String {
    format!(
        "<![LOG[{message}]LOG]!><time=\"{at}.120-060\" date=\"11-20-2024\" component=\"{component}\" context=\"\" type=\"{kind}\" thread=\"4416\" file=\"wsyncmgr.cpp:1273\">"
    )
}

fn wsyncmgr(at: &str, kind: u8, message: &str) -> String {
    cm("SMS_WSUS_SYNC_MANAGER", at, kind, message)
}

/// An IIS W3C log of the WSUS site.
fn iis(lines: &[&str]) -> Vec<u8> {
    let mut all = vec![
        "#Software: Microsoft Internet Information Services 10.0".to_string(),
        "#Version: 1.0".to_string(),
        "#Date: 2024-11-20 08:00:00".to_string(),
        "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) sc-status sc-substatus sc-win32-status time-taken".to_string(),
    ];
    all.extend(lines.iter().map(|l| l.to_string()));
    crlf(&all)
}

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").expect("a test timestamp")
}

/// An Application-log event of the WSUS source (classic, `%1` template: the text is the message).
fn wsus_event(id: u16, level: u8, time: &str, text: &str) -> Event {
    Event::classic(providers::WSUS, id, 0, level, 2, at(time), "Application", HOST, &[text])
}

const ERROR: u8 = 2;
const INFO: u8 = 4;

/// Healthy client traffic of the WSUS site, present in every server bundle.
fn client_traffic() -> Vec<u8> {
    iis(&[
        "2024-11-20 08:00:01 10.1.0.20 POST /ClientWebService/client.asmx - 8530 - 10.1.4.77 Windows-Update-Agent/10.0.10011.16384+Client-Protocol/2.50 200 0 0 187",
        "2024-11-20 08:00:02 10.1.0.20 POST /ReportingWebService/ReportingWebService.asmx - 8530 - 10.1.4.77 Windows-Update-Agent/10.0.10011.16384+Client-Protocol/2.50 200 0 0 31",
        "2024-11-20 08:00:04 10.1.0.20 GET /Content/B6/A2E8C22844A4E6926F9C841B0D5AEEC8400811B6.cab - 8530 - 10.1.4.91 Microsoft+BITS/7.8 206 0 0 410",
    ])
}

// ---------------------------------------------------------------------------------------------
// Checking findings

fn finding<'r>(report: &'r BundleReport, id: &str) -> &'r Finding {
    report.findings.iter().find(|f| f.signature == id).unwrap_or_else(|| {
        panic!(
            "{id} did not fire; findings: {:?}",
            report
                .findings
                .iter()
                .map(|f| (&f.signature, f.severity, f.confidence))
                .collect::<Vec<_>>()
        )
    })
}

fn fired(report: &BundleReport) -> Vec<&str> {
    report.findings.iter().map(|f| f.signature.as_str()).collect()
}

fn assert_grade(f: &Finding, severity: &str, confidence: &str) {
    assert_eq!(
        (f.severity.name(), f.confidence.name()),
        (severity, confidence),
        "{}: {}",
        f.signature,
        f.summary
    );
}

/// A negative bundle: the signature stays quiet, and nothing at all fires at warning or above.
fn assert_quiet(report: &BundleReport, id: &str) {
    assert!(!fired(report).contains(&id), "{id} fired: {:#?}", finding(report, id));
    let loud: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.severity.name() != "info")
        .map(|f| (&f.signature, f.severity, &f.summary))
        .collect();
    assert!(loud.is_empty(), "{loud:#?}");
}

use wsus_triage::intake::decode::line_at as line_of;

/// The finding cites `needle` from `path`, and the cited text stands exactly there: the whole
/// line `line` of a text file, or record `record` of an EVTX file. Returns the evidence.
fn assert_cites<'f>(bundle: &TestBundle, f: &'f Finding, path: &str, needle: &str) -> &'f Evidence {
    let e = f
        .evidence
        .iter()
        .find(|e| e.file == path && e.text.contains(needle))
        .unwrap_or_else(|| panic!("{} cites no {needle:?} from {path}: {:#?}", f.signature, f.evidence));
    match (e.line, e.record) {
        (Some(n), _) => {
            let line = line_of(bundle.bytes(path), n).unwrap_or_else(|| panic!("{path} has no line {n}"));
            assert_eq!(line, e.text, "{path}:{n}");
        }
        (None, Some(r)) => {
            assert!(
                e.text.contains(&format!("<EventRecordID>{r}</EventRecordID>")),
                "record {r} of {path}: {}",
                e.text
            );
        }
        _ => panic!("{path}: evidence without line or record: {e:?}"),
    }
    e
}

// ---------------------------------------------------------------------------------------------
// 17. WSUS-SYNC-PROXY-AUTH

fn proxy_407_bundle() -> TestBundle {
    let log = crlf(&[
        sync_started("2024-11-20 03:00:01.120"),
        sdl(
            "2024-11-20 03:00:02.441",
            "Warning",
            "WsusService.25",
            "WebServiceCommunicationHelper.ProcessWebServiceProxyException",
            "ProcessWebServiceProxyException found Exception was WebException. Action: Retry. Exception Details: System.Net.WebException: The request failed with HTTP status 407: Proxy Authentication Required.",
        ),
        frame(
            "System.Web.Services.Protocols.SoapHttpClientProtocol.ReadResponse(SoapClientMessage message, WebResponse response, Stream responseStream, Boolean asyncCall)",
        ),
        frame("Microsoft.UpdateServices.ServerSync.ServerSyncProxy.GetAuthConfig()"),
        sdl(
            "2024-11-20 03:15:02.903",
            "Error",
            "WsusService.25",
            "CatalogSyncAgentCore.CatalogSyncThreadProcess",
            "System.Net.WebException: The request failed with HTTP status 407: Proxy Authentication Required.",
        ),
        frame("Microsoft.UpdateServices.ServerSync.CatalogSyncAgentCore.ExecuteSyncProtocol(Boolean allowRedirect)"),
        frame("Microsoft.UpdateServices.ServerSync.CatalogSyncAgentCore.CatalogSyncThreadProcess()"),
        mirror("2024-11-20 03:15:03.010", 386, "Error", "Synchronization failed."),
    ]);
    let events = write_evtx(&[
        wsus_event(
            381,
            INFO,
            "2024-11-20 03:00:01.120",
            "A scheduled synchronization was started.",
        ),
        wsus_event(
            364,
            ERROR,
            "2024-11-20 03:40:12.552",
            "Content file download failed.\r\nReason: HTTP status 407: Proxy authentication is required.\r\n\r\nSource File: /c/msdownload/update/software/secu/2024/11/windows10.0-kb5046615-x64_0d6e5a1f.cab\r\nDestination File: D:\\WSUS\\WsusContent\\3C\\0D6E5A1F2B3C4D5E6F708192A3B4C5D6E7F8093C.cab",
        ),
    ]);
    let wsync = crlf(&[
        wsyncmgr("04:00:00", 1, "Starting Sync"),
        wsyncmgr(
            "04:16:10",
            3,
            "Sync failed: UssCommunicationError: WebException: The request failed with HTTP status 407: Proxy Authentication Required.. Source: Microsoft.UpdateServices.ServerSyncWebServices.Client.ServerSyncProxy.GetAuthConfig",
        ),
        wsyncmgr("04:16:10", 2, "Sync failed. Will retry in 60 minutes"),
    ]);
    TestBundle::new()
        .file("WSUS01/LogFiles/SoftwareDistribution.log", log)
        .file("WSUS01/EventLogs/Application.evtx", events)
        .file("SiteServer/Logs/WSyncMgr.log", wsync)
        .file("WSUS01/W3SVC1274659245/u_ex241120.log", client_traffic())
}

#[test]
fn proxy_407_on_sync_is_high_and_explains_the_generic_and_content_failures() {
    let bundle = proxy_407_bundle();
    let report = bundle.analyze();
    let f = finding(&report, "WSUS-SYNC-PROXY-AUTH");
    assert_grade(f, "error", "high");
    assert_eq!(f.count, 2);
    assert!(
        f.summary.starts_with(
            "WSUS synchronization failed 2 time(s) between 2024-11-20 03:00:02 UTC and 2024-11-20 03:15:02 UTC with HTTP 407"
        ),
        "{}",
        f.summary
    );
    let path = "WSUS01/LogFiles/SoftwareDistribution.log";
    assert_eq!(
        assert_cites(&bundle, f, path, "CatalogSyncAgentCore.CatalogSyncThreadProcess").line,
        Some(5)
    );
    assert_cites(&bundle, f, path, "ProcessWebServiceProxyException found");
    // The generic failure (386, Error records of the sync agent) and the 407 content download
    // are the same cause: the umbrellas yield.
    let all = fired(&report);
    assert!(!all.contains(&"WSUS-SYNC-FAILED-GENERIC"), "{all:?}");
    assert!(!all.contains(&"WSUS-CONTENT-DOWNLOAD-FAILED"), "{all:?}");
}

#[test]
fn proxy_407_in_german_is_found_by_the_status_number() {
    let bundle = TestBundle::new().file(
        "LogFiles/SoftwareDistribution.log",
        crlf(&[
            mirror("2024-11-20 03:00:01.120", 381, "Information", "Eine geplante Synchronisierung wurde gestartet."),
            sdl(
                "2024-11-20 03:00:02.441",
                "Error",
                "WsusService.25",
                "CatalogSyncAgentCore.CatalogSyncThreadProcess",
                "System.Net.WebException: Der Remoteserver hat einen Fehler zurückgegeben: (407) Proxyauthentifizierung erforderlich.",
            ),
            "   bei System.Net.HttpWebRequest.GetResponse()".to_string(),
        ]),
    );
    let report = bundle.analyze();
    let f = finding(&report, "WSUS-SYNC-PROXY-AUTH");
    assert_grade(f, "error", "high");
    assert_cites(
        &bundle,
        f,
        "LogFiles/SoftwareDistribution.log",
        "(407) Proxyauthentifizierung",
    );
}

#[test]
fn proxy_407_followed_by_a_completed_sync_is_info() {
    let bundle = TestBundle::new().file(
        "LogFiles/SoftwareDistribution.log",
        crlf(&[
            sdl(
                "2024-11-20 03:00:02.441",
                "Error",
                "WsusService.25",
                "CatalogSyncAgentCore.CatalogSyncThreadProcess",
                "System.Net.WebException: The remote server returned an error: (407) Proxy Authentication Required.",
            ),
            sdl(
                "2024-11-20 09:30:11.002",
                "Change",
                "w3wp.58",
                "AdminDataAccess.StartSubscriptionManually",
                "Synchronization manually started",
            ),
            sync_completed("2024-11-20 09:41:05.166"),
        ]),
    );
    let report = bundle.analyze();
    let f = finding(&report, "WSUS-SYNC-PROXY-AUTH");
    assert_grade(f, "info", "high");
    assert!(
        f.summary
            .starts_with("Recovered: this was failing until 2024-11-20 03:00:02 UTC"),
        "{}",
        f.summary
    );
    assert_eq!(
        f.resolved_after.map(|t| t.to_rfc3339()).as_deref(),
        Some("2024-11-20T03:00:02.441Z")
    );
    assert_cites(
        &bundle,
        f,
        "LogFiles/SoftwareDistribution.log",
        "Synchronization completed successfully.",
    );
}

#[test]
fn a_healthy_sync_through_a_proxy_with_407_as_a_count_is_quiet() {
    let bundle = TestBundle::new()
        .file(
            "WSUS01/LogFiles/SoftwareDistribution.log",
            crlf(&[
                sync_started("2024-11-20 03:00:01.120"),
                sync_completed("2024-11-20 03:04:07.407"),
                sdl(
                    "2024-11-20 03:04:08.307",
                    "Info",
                    "WsusService.31",
                    "CatalogSyncAgent.SetSubscriptionStateWithRetry",
                    "Firing event SyncFinish...",
                ),
            ]),
        )
        .file(
            "SiteServer/Logs/WSyncMgr.log",
            crlf(&[
                wsyncmgr(
                    "04:08:46",
                    1,
                    "Sync succeeded. Setting sync alert to canceled state on site PS1",
                ),
                wsyncmgr(
                    "04:08:46",
                    1,
                    "Updated 407 items in SMS database, new update source content version is 502",
                ),
                wsyncmgr("04:08:46", 1, "Sync time: 0d00h04m07s"),
            ]),
        )
        .file("WSUS01/W3SVC1274659245/u_ex241120.log", client_traffic());
    assert_quiet(&bundle.analyze(), "WSUS-SYNC-PROXY-AUTH");
}

// ---------------------------------------------------------------------------------------------
// 18. WSUS-SYNC-TLS12-REQUIRED

fn tls_reset_log(extra: &[String]) -> Vec<u8> {
    let mut lines = extra.to_vec();
    lines.extend([
        sync_started("2024-11-20 03:00:01.120"),
        sdl(
            "2024-11-20 03:00:02.901",
            "Warning",
            "WsusService.25",
            "WebServiceCommunicationHelper.ProcessWebServiceProxyException",
            "ProcessWebServiceProxyException found Exception was WebException. Action: Retry. Exception Details: System.Net.WebException: The underlying connection was closed: An unexpected error occurred on a send. ---> System.IO.IOException: Unable to read data from the transport connection: An existing connection was forcibly closed by the remote host. ---> System.Net.Sockets.SocketException: An existing connection was forcibly closed by the remote host",
        ),
        frame("System.Net.Sockets.NetworkStream.Read(Byte[] buffer, Int32 offset, Int32 size)"),
        "   --- End of inner exception stack trace ---".to_string(),
        frame("System.Net.TlsStream.ProcessAuthentication(LazyAsyncResult result)"),
        frame("System.Net.TlsStream.Write(Byte[] buffer, Int32 offset, Int32 size)"),
        sdl(
            "2024-11-20 03:30:04.118",
            "Error",
            "WsusService.25",
            "CatalogSyncAgentCore.CatalogSyncThreadProcess",
            "System.Net.WebException: The underlying connection was closed: An unexpected error occurred on a receive. ---> System.ComponentModel.Win32Exception: The client and server cannot communicate, because they do not possess a common algorithm",
        ),
        frame("System.Net.SSPIWrapper.AcquireCredentialsHandle(SSPIInterface SecModule, String package, CredentialUse intent, SecureCredential scc)"),
    ]);
    crlf(&lines)
}

#[test]
fn tls_handshake_failures_with_the_tls12_client_disabled_are_high() {
    let registry = utf16(&[
        "Windows Registry Editor Version 5.00".to_string(),
        String::new(),
        r"[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Client]"
            .to_string(),
        "\"Enabled\"=dword:00000000".to_string(),
        "\"DisabledByDefault\"=dword:00000001".to_string(),
        String::new(),
        r"[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\.NETFramework\v4.0.30319]".to_string(),
        "\"SchUseStrongCrypto\"=dword:00000001".to_string(),
        "\"SystemDefaultTlsVersions\"=dword:00000001".to_string(),
    ]);
    let bundle = TestBundle::new()
        .file("WSUS01/LogFiles/SoftwareDistribution.log", tls_reset_log(&[]))
        .file("WSUS01/Registry/SCHANNEL.reg", registry)
        .file("WSUS01/W3SVC1274659245/u_ex241120.log", client_traffic());
    let report = bundle.analyze();
    let f = finding(&report, "WSUS-SYNC-TLS12-REQUIRED");
    assert_grade(f, "error", "high");
    assert!(f.summary.contains("failed 2 time(s)"), "{}", f.summary);
    assert!(f.summary.contains("Client Enabled = 0"), "{}", f.summary);
    assert_cites(
        &bundle,
        f,
        "WSUS01/LogFiles/SoftwareDistribution.log",
        "forcibly closed",
    );
    assert_cites(
        &bundle,
        f,
        "WSUS01/LogFiles/SoftwareDistribution.log",
        "common algorithm",
    );
    let reg = assert_cites(&bundle, f, "WSUS01/Registry/SCHANNEL.reg", "\"Enabled\"=dword:00000000");
    assert_eq!(reg.line, Some(4));
    // A handshake that was reset is not an unreachable server.
    assert!(!fired(&report).contains(&"WSUS-SYNC-UPSTREAM-UNREACHABLE"));
}

#[test]
fn the_start_up_probe_saying_tls12_is_disabled_is_a_cause_too() {
    let probe = sdl(
        "2024-11-20 02:58:40.012",
        "Info",
        "WsusService.9",
        "WsusService.OnStart",
        "SCHANNEL Protocol 'TLS 1.2' disabled",
    );
    let bundle = TestBundle::new().file("LogFiles/SoftwareDistribution.log", tls_reset_log(&[probe]));
    let f = finding(&bundle.analyze(), "WSUS-SYNC-TLS12-REQUIRED").clone();
    assert_grade(&f, "error", "high");
    assert!(f.summary.contains("TLS 1.2 is disabled"), "{}", f.summary);
    assert_cites(
        &bundle,
        &f,
        "LogFiles/SoftwareDistribution.log",
        "SCHANNEL Protocol 'TLS 1.2' disabled",
    );
}

#[test]
fn a_hardened_server_with_tls12_on_is_quiet() {
    let registry = utf16(&[
        "Windows Registry Editor Version 5.00".to_string(),
        String::new(),
        r"[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.0\Client]"
            .to_string(),
        "\"Enabled\"=dword:00000000".to_string(),
        "\"DisabledByDefault\"=dword:00000001".to_string(),
        String::new(),
        r"[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.1\Client]"
            .to_string(),
        "\"Enabled\"=dword:00000000".to_string(),
        "\"DisabledByDefault\"=dword:00000001".to_string(),
        String::new(),
        r"[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\.NETFramework\v4.0.30319]".to_string(),
        "\"SchUseStrongCrypto\"=dword:00000001".to_string(),
        String::new(),
        r"[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\Cryptography\Configuration\SSL\00010002]".to_string(),
        "\"Functions\"=\"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\"".to_string(),
    ]);
    let log = crlf(&[
        sdl(
            "2024-11-20 02:58:40.010",
            "Info",
            "WsusService.9",
            "WsusService.OnStart",
            "SCHANNEL Protocol 'TLS 1.0' disabled",
        ),
        sdl(
            "2024-11-20 02:58:40.011",
            "Info",
            "WsusService.9",
            "WsusService.OnStart",
            "SCHANNEL Protocol 'TLS 1.1' disabled",
        ),
        sdl(
            "2024-11-20 02:58:40.012",
            "Info",
            "WsusService.9",
            "WsusService.OnStart",
            "SCHANNEL Protocols subkey for 'TLS 1.2' not found. Protocol is enabled",
        ),
        sync_started("2024-11-20 03:00:01.120"),
        sync_completed("2024-11-20 03:04:05.166"),
    ]);
    let bundle = TestBundle::new()
        .file("WSUS01/LogFiles/SoftwareDistribution.log", log)
        .file("WSUS01/Registry/SCHANNEL.reg", registry)
        .file("WSUS01/W3SVC1274659245/u_ex241120.log", client_traffic());
    assert_quiet(&bundle.analyze(), "WSUS-SYNC-TLS12-REQUIRED");
}

// ---------------------------------------------------------------------------------------------
// 19. WSUS-SYNC-SHA2-CERT-CHAIN

/// The localized trust failure of signatures.md §0.3, as a German WSUS 3.0 SP2 logs it.
fn german_trust_failure_log() -> Vec<u8> {
    crlf(&[
        mirror("2024-11-20 03:00:01.120", 381, "Information", "Eine geplante Synchronisierung wurde gestartet."),
        sdl(
            "2024-11-20 03:00:14.870",
            "Error",
            "WsusService.25",
            "CatalogSyncAgentCore.CatalogSyncThreadProcess",
            "WebException: Die zugrunde liegende Verbindung wurde geschlossen: Für den geschützten SSL/TLS-Kanal konnte keine Vertrauensstellung hergestellt werden. System.Security.Authentication.AuthenticationException: Das Remotezertifikat ist laut Validierungsverfahren ungültig.",
        ),
        "   bei System.Net.Security.SslState.StartSendAuthResetSignal(ProtocolToken message, AsyncProtocolRequest asyncRequest, Exception exception)".to_string(),
        "   bei Microsoft.UpdateServices.ServerSync.CatalogSyncAgentCore.CatalogSyncThreadProcess()".to_string(),
    ])
}

fn setup_key(version: &str) -> Vec<u8> {
    utf16(&[
        String::new(),
        r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Update Services\Server\Setup".to_string(),
        r"    ContentDir    REG_EXPAND_SZ    E:\WSUS".to_string(),
        r"    SqlServerName    REG_SZ    WSUS01\MICROSOFT##SSEE".to_string(),
        format!("    VersionString    REG_SZ    {version}"),
        String::new(),
    ])
}

#[test]
fn german_wsus_3_trust_failure_with_the_3_2_version_is_high() {
    let bundle = TestBundle::new()
        .file("WSUS01/LogFiles/SoftwareDistribution.log", german_trust_failure_log())
        .file("WSUS01/Registry/Setup.txt", setup_key("3.2.7600.283"))
        .file(
            "SiteServer/Logs/WSyncMgr.log",
            crlf(&[wsyncmgr(
                "04:01:10",
                3,
                "Sync failed: UssCommunicationError: WebException: Die zugrunde liegende Verbindung wurde geschlossen: Für den geschützten SSL/TLS-Kanal konnte keine Vertrauensstellung hergestellt werden.. Source: Microsoft.UpdateServices.ServerSyncWebServices.Client.ServerSyncProxy.GetAuthConfig",
            )]),
        );
    let report = bundle.analyze();
    let f = finding(&report, "WSUS-SYNC-SHA2-CERT-CHAIN");
    assert_grade(f, "error", "high");
    assert!(
        f.summary.contains("failed 1 time(s)") && f.summary.contains("this is WSUS 3.2.7600.283"),
        "{}",
        f.summary
    );
    assert_cites(
        &bundle,
        f,
        "WSUS01/LogFiles/SoftwareDistribution.log",
        "Vertrauensstellung",
    );
    let version = assert_cites(&bundle, f, "WSUS01/Registry/Setup.txt", "3.2.7600.283");
    assert_eq!(version.line, Some(5));
    assert!(!fired(&report).contains(&"WSUS-SYNC-FAILED-GENERIC"));
}

#[test]
fn the_documented_800b0109_message_is_high_on_its_own() {
    let bundle = TestBundle::new().file(
        "LogFiles/SoftwareDistribution.log",
        crlf(&[
            sync_started("2024-11-20 03:00:01.120"),
            sdl(
                "2024-11-20 03:00:03.540",
                "Error",
                "WsusService.25",
                "CatalogSyncAgentCore.CatalogSyncThreadProcess",
                "Microsoft.UpdateServices.ServerSync.ServerSyncException: The given certificate chain has not Microsoft Root CA signed root (800B0109)",
            ),
        ]),
    );
    let f = finding(&bundle.analyze(), "WSUS-SYNC-SHA2-CERT-CHAIN").clone();
    assert_grade(&f, "error", "high");
    assert_cites(&bundle, &f, "LogFiles/SoftwareDistribution.log", "(800B0109)");
}

#[test]
fn the_same_trust_failure_on_wsus_10_is_not_claimed_and_stays_a_generic_failure() {
    let bundle = TestBundle::new()
        .file("WSUS01/LogFiles/SoftwareDistribution.log", german_trust_failure_log())
        .file("WSUS01/Registry/Setup.txt", setup_key("10.0.17763.678"));
    let report = bundle.analyze();
    assert!(
        !fired(&report).contains(&"WSUS-SYNC-SHA2-CERT-CHAIN"),
        "{:?}",
        fired(&report)
    );
    let generic = finding(&report, "WSUS-SYNC-FAILED-GENERIC");
    assert_grade(generic, "warning", "low");
    assert_cites(
        &bundle,
        generic,
        "WSUS01/LogFiles/SoftwareDistribution.log",
        "Vertrauensstellung",
    );
}

#[test]
fn a_healthy_wsus_3_downstream_is_quiet() {
    let bundle = TestBundle::new()
        .file(
            "WSUS01/LogFiles/SoftwareDistribution.log",
            crlf(&[
                sync_started("2024-11-20 03:00:01.120"),
                sync_completed("2024-11-20 03:02:12.480"),
            ]),
        )
        .file("WSUS01/Registry/Setup.txt", setup_key("3.2.7600.283"));
    assert_quiet(&bundle.analyze(), "WSUS-SYNC-SHA2-CERT-CHAIN");
}

// ---------------------------------------------------------------------------------------------
// 20. WSUS-SYNC-ENDPOINT-RETIRED

fn fe2_fault(time: &str) -> Vec<String> {
    vec![
        sdl(
            time,
            "Error",
            "WsusService.25",
            "SoapUtilities.LogException",
            "USS ThrowException: Actor = https://fe2.update.microsoft.com/v6/ServerSyncWebService/ServerSyncWebService.asmx, Method = \"http://www.microsoft.com/SoftwareDistribution/GetUpdateData\", ID=6f1c2a4e-93b0-4d7a-a5c2-0e8b7d41f9a3, ErrorCode=InternalServerError, Message=",
        ),
        frame("Microsoft.UpdateServices.Internal.SoapUtilities.LogException(SoapException e)"),
        frame(
            "Microsoft.UpdateServices.Internal.WebServiceCommunicationHelper.ProcessWebServiceProxyException(SoapHttpClientProtocol& webServiceObject, Exception exceptionInfo)",
        ),
        frame("Microsoft.UpdateServices.ServerSync.CatalogSyncAgentCore.CatalogSyncThreadProcess()"),
    ]
}

#[test]
fn the_fe2_soap_fault_is_high_and_the_unresolved_fe2_name_is_not_reported_twice() {
    let mut lines = vec![sync_started("2024-11-19 03:00:01.120")];
    lines.extend(fe2_fault("2024-11-19 03:00:41.870"));
    lines.push(sync_started("2024-11-20 03:00:01.120"));
    lines.extend(fe2_fault("2024-11-20 03:00:44.210"));
    lines.push(sdl(
        "2024-11-20 03:15:02.310",
        "Error",
        "WsusService.25",
        "CatalogSyncAgentCore.CatalogSyncThreadProcess",
        "System.Net.WebException: The remote name could not be resolved: 'fe2.update.microsoft.com'",
    ));
    let bundle = TestBundle::new()
        .file("WSUS01/LogFiles/SoftwareDistribution.log", crlf(&lines))
        .file(
            "WSUS01/EventLogs/Application.evtx",
            write_evtx(&[
                wsus_event(
                    381,
                    INFO,
                    "2024-11-19 03:00:01.120",
                    "A scheduled synchronization was started.",
                ),
                wsus_event(
                    381,
                    INFO,
                    "2024-11-20 03:00:01.120",
                    "A scheduled synchronization was started.",
                ),
            ]),
        );
    let report = bundle.analyze();
    let f = finding(&report, "WSUS-SYNC-ENDPOINT-RETIRED");
    assert_grade(f, "error", "high");
    assert!(
        f.summary.starts_with(
            "WSUS synchronization failed 2 time(s) between 2024-11-19 03:00:41 UTC and 2024-11-20 03:00:44 UTC"
        ),
        "{}",
        f.summary
    );
    let e = assert_cites(
        &bundle,
        f,
        "WSUS01/LogFiles/SoftwareDistribution.log",
        "Actor = https://fe2.update.microsoft.com",
    );
    assert_eq!(e.line, Some(2));
    let all = fired(&report);
    assert!(!all.contains(&"WSUS-SYNC-UPSTREAM-UNREACHABLE"), "{all:?}");
    assert!(!all.contains(&"WSUS-SYNC-FAILED-GENERIC"), "{all:?}");
}

#[test]
fn a_transient_fault_from_the_current_endpoint_is_quiet() {
    let bundle = TestBundle::new().file(
        "LogFiles/SoftwareDistribution.log",
        crlf(&[
            sync_started("2024-11-20 03:00:01.120"),
            sdl(
                "2024-11-20 03:00:41.870",
                "Error",
                "WsusService.25",
                "SoapUtilities.LogException",
                "USS ThrowException: Actor = https://sws.update.microsoft.com/ServerSyncWebService/ServerSyncWebService.asmx, Method = \"http://www.microsoft.com/SoftwareDistribution/GetUpdateData\", ID=0f2e8a51-9c44-4d1e-b5a3-2c7f0d6e9b11, ErrorCode=InternalServerError, Message=",
            ),
            frame("Microsoft.UpdateServices.Internal.SoapUtilities.LogException(SoapException e)"),
            sync_completed("2024-11-20 03:16:02.441"),
        ]),
    );
    let report = bundle.analyze();
    assert_quiet(&report, "WSUS-SYNC-ENDPOINT-RETIRED");
    // The fault is still told, as a generic failure that recovered.
    assert_grade(finding(&report, "WSUS-SYNC-FAILED-GENERIC"), "info", "low");
}

// ---------------------------------------------------------------------------------------------
// 21. WSUS-SYNC-UPSTREAM-UNREACHABLE

fn refused(time: &str, level: &str, source: &str, prefix: &str) -> String {
    sdl(
        time,
        level,
        "WsusService.25",
        source,
        &format!(
            "{prefix}System.Net.WebException: Unable to connect to the remote server ---> System.Net.Sockets.SocketException: No connection could be made because the target machine actively refused it 10.20.0.5:8531"
        ),
    )
}

#[test]
fn a_downstream_refused_by_its_upstream_names_the_endpoint() {
    let retry = "ProcessWebServiceProxyException found Exception was WebException. Action: Retry. Exception Details: ";
    let helper = "WebServiceCommunicationHelper.ProcessWebServiceProxyException";
    let log = crlf(&[
        sync_started("2024-11-20 03:00:01.120"),
        refused("2024-11-20 03:00:22.130", "Warning", helper, retry),
        frame("System.Net.Sockets.Socket.DoConnect(EndPoint endPointSnapshot, SocketAddress socketAddress)"),
        "   --- End of inner exception stack trace ---".to_string(),
        frame("Microsoft.UpdateServices.ServerSync.ServerSyncProxy.GetAuthConfig()"),
        refused("2024-11-20 03:15:22.510", "Warning", helper, retry),
        refused(
            "2024-11-20 03:30:22.901",
            "Error",
            "CatalogSyncAgentCore.CatalogSyncThreadProcess",
            "",
        ),
        frame("Microsoft.UpdateServices.ServerSync.CatalogSyncAgentCore.CatalogSyncThreadProcess()"),
        mirror("2024-11-20 03:30:23.010", 386, "Error", "Synchronization failed."),
    ]);
    let bundle = TestBundle::new()
        .file("WSUS02/LogFiles/SoftwareDistribution.log", log)
        .file("WSUS02/W3SVC1274659245/u_ex241120.log", client_traffic());
    let report = bundle.analyze();
    let f = finding(&report, "WSUS-SYNC-UPSTREAM-UNREACHABLE");
    assert_grade(f, "error", "medium");
    assert!(
        f.summary.starts_with(
            "WSUS could not connect to its update source 3 time(s) between 2024-11-20 03:00:22 UTC and 2024-11-20 03:30:22 UTC"
        ) && f.summary.contains("endpoint(s): 10.20.0.5:8531)"),
        "{}",
        f.summary
    );
    assert_cites(
        &bundle,
        f,
        "WSUS02/LogFiles/SoftwareDistribution.log",
        "CatalogSyncAgentCore.CatalogSyncThreadProcess",
    );
    assert!(!fired(&report).contains(&"WSUS-SYNC-FAILED-GENERIC"));
}

#[test]
fn a_wan_outage_that_ended_before_the_next_sync_is_info() {
    let bundle = TestBundle::new().file(
        "LogFiles/SoftwareDistribution.log",
        crlf(&[
            sync_started("2024-11-20 03:00:01.120"),
            sdl(
                "2024-11-20 03:00:22.130",
                "Warning",
                "WsusService.25",
                "WebServiceCommunicationHelper.ProcessWebServiceProxyException",
                "ProcessWebServiceProxyException found Exception was WebException. Action: Retry. Exception Details: System.Net.WebException: Unable to connect to the remote server ---> System.Net.Sockets.SocketException: A connection attempt failed because the connected party did not properly respond after a period of time, or established connection failed because connected host has failed to respond 20.72.235.82:443",
            ),
            sync_started("2024-11-20 07:00:01.120"),
            sync_completed("2024-11-20 07:06:40.552"),
        ]),
    );
    let f = finding(&bundle.analyze(), "WSUS-SYNC-UPSTREAM-UNREACHABLE").clone();
    assert_grade(&f, "info", "medium");
    assert!(
        f.summary
            .starts_with("Recovered: this was failing until 2024-11-20 03:00:22 UTC")
    );
}

#[test]
fn a_client_dropping_its_connection_to_this_server_is_quiet() {
    let bundle = TestBundle::new()
        .file(
            "LogFiles/SoftwareDistribution.log",
            crlf(&[
                sync_started("2024-11-20 03:00:01.120"),
                sdl(
                    "2024-11-20 03:01:12.774",
                    "Warning",
                    "w3wp.44",
                    "ServerImplementation.GetUpdateData",
                    "System.Net.WebException: The connection was closed unexpectedly ---> System.Net.Sockets.SocketException: An existing connection was forcibly closed by the remote host",
                ),
                frame("System.Web.HttpResponse.Flush(Boolean finalFlush)"),
                sync_completed("2024-11-20 03:04:05.166"),
            ]),
        )
        .file("W3SVC1274659245/u_ex241120.log", client_traffic());
    assert_quiet(&bundle.analyze(), "WSUS-SYNC-UPSTREAM-UNREACHABLE");
}

// ---------------------------------------------------------------------------------------------
// 22. WSUS-SYNC-FAILED-GENERIC

#[test]
fn an_unclassified_sync_failure_is_a_low_warning_citing_the_exception() {
    let log = crlf(&[
        sync_started("2024-11-20 03:00:01.120"),
        sdl(
            "2024-11-20 03:00:41.870",
            "Error",
            "WsusService.25",
            "SoapUtilities.LogException",
            "USS ThrowException: Actor = https://sws.update.microsoft.com/ServerSyncWebService/ServerSyncWebService.asmx, Method = \"http://www.microsoft.com/SoftwareDistribution/GetUpdateData\", ID=0f2e8a51-9c44-4d1e-b5a3-2c7f0d6e9b11, ErrorCode=InternalServerError, Message=",
        ),
        frame("Microsoft.UpdateServices.Internal.SoapUtilities.LogException(SoapException e)"),
        frame("Microsoft.UpdateServices.ServerSync.CatalogSyncAgentCore.CatalogSyncThreadProcess()"),
        mirror("2024-11-20 03:00:42.010", 386, "Error", "Synchronization failed."),
    ]);
    let events = write_evtx(&[
        wsus_event(
            381,
            INFO,
            "2024-11-20 03:00:01.120",
            "A scheduled synchronization was started.",
        ),
        wsus_event(386, ERROR, "2024-11-20 03:00:42.010", "Synchronization failed."),
    ]);
    let bundle = TestBundle::new()
        .file("WSUS01/LogFiles/SoftwareDistribution.log", log)
        .file("WSUS01/EventLogs/Application.evtx", events)
        .file("WSUS01/W3SVC1274659245/u_ex241120.log", client_traffic());
    let report = bundle.analyze();
    let f = finding(&report, "WSUS-SYNC-FAILED-GENERIC");
    assert_grade(f, "warning", "low");
    assert!(
        f.summary
            .starts_with("Synchronization failed: the WSUS service logged 1 synchronization error(s) between 2024-11-20 03:00:41 UTC and 2024-11-20 03:00:41 UTC."),
        "{}",
        f.summary
    );
    assert_eq!(
        assert_cites(
            &bundle,
            f,
            "WSUS01/LogFiles/SoftwareDistribution.log",
            "USS ThrowException"
        )
        .line,
        Some(2)
    );
    let event = assert_cites(
        &bundle,
        f,
        "WSUS01/EventLogs/Application.evtx",
        "Synchronization failed.",
    );
    assert_eq!(event.record, Some(2));
}

#[test]
fn retries_and_a_content_failure_before_a_completed_sync_are_quiet() {
    let bundle = TestBundle::new().file(
        "LogFiles/SoftwareDistribution.log",
        crlf(&[
            sync_started("2024-11-20 03:00:01.120"),
            sdl(
                "2024-11-20 03:00:41.870",
                "Warning",
                "WsusService.25",
                "WebServiceCommunicationHelper.ProcessWebServiceProxyException",
                "ProcessWebServiceProxyException found Exception was SoapException. Action: Retry. Exception Details: System.Web.Services.Protocols.SoapException: Fault occurred",
            ),
            frame("System.Web.Services.Protocols.SoapHttpClientProtocol.ReadResponse(SoapClientMessage message, WebResponse response, Stream responseStream, Boolean asyncCall)"),
            sync_completed("2024-11-20 03:04:05.166"),
            content_started("2024-11-20 03:05:00.010"),
            mirror(
                "2024-11-20 03:20:12.552",
                364,
                "Error",
                "Content file download failed. Reason: HTTP status 404: The requested URL does not exist on the server. Source File: /c/msdownload/update/software/defu/2024/11/am_delta_patch_1.421.1234.0_3c6f0a1e.exe Destination File: D:\\WSUS\\WsusContent\\A1\\7F3E2D1C0B9A8F7E6D5C4B3A29180F7E6D5C4BA1.exe",
            ),
            content_started("2024-11-20 03:40:00.010"),
        ]),
    );
    let report = bundle.analyze();
    assert_quiet(&report, "WSUS-SYNC-FAILED-GENERIC");
    // The content failure is told, recovered.
    assert_grade(finding(&report, "WSUS-CONTENT-DOWNLOAD-FAILED"), "info", "medium");
}

// ---------------------------------------------------------------------------------------------
// 23. WSUS-CONTENT-DOWNLOAD-FAILED

fn content_404(file: &str, dir: &str) -> String {
    format!(
        "Content file download failed.\r\nReason: HTTP status 404: The requested URL does not exist on the server.\r\n\r\nSource File: /Content/{dir}/{file}\r\nDestination File: D:\\WSUS\\WsusContent\\{dir}\\{file}"
    )
}

#[test]
fn events_364_with_no_content_round_since_are_an_error() {
    let events = write_evtx(&[
        wsus_event(361, INFO, "2024-11-20 06:05:00.010", "Content synchronization started."),
        wsus_event(
            364,
            ERROR,
            "2024-11-20 06:14:00.117",
            &content_404("0098C79E1404B4399BF0E686D88DBF052269A302.exe", "02"),
        ),
        wsus_event(
            364,
            ERROR,
            "2024-11-20 06:14:02.530",
            &content_404("8C44A8CC479069434AFB1EC6651C4F4E88217A92.cab", "92"),
        ),
        wsus_event(
            364,
            ERROR,
            "2024-11-20 06:14:05.002",
            &content_404("A2E8C22844A4E6926F9C841B0D5AEEC8400811B6.cab", "B6"),
        ),
    ]);
    let bundle = TestBundle::new()
        .file("WSUS02/EventLogs/Application.evtx", events)
        .file("WSUS02/W3SVC1274659245/u_ex241120.log", client_traffic());
    let report = bundle.analyze();
    let f = finding(&report, "WSUS-CONTENT-DOWNLOAD-FAILED");
    assert_grade(f, "error", "medium");
    assert_eq!(f.count, 3);
    assert!(
        f.summary
            .starts_with("3 update file download(s) failed on this server between 2024-11-20 06:14:00 UTC and 2024-11-20 06:14:05 UTC"),
        "{}",
        f.summary
    );
    let e = assert_cites(
        &bundle,
        f,
        "WSUS02/EventLogs/Application.evtx",
        "0098C79E1404B4399BF0E686D88DBF052269A302.exe",
    );
    assert_eq!(e.record, Some(2));
}

#[test]
fn a_burst_of_364_during_a_wan_outage_then_a_clean_round_is_info() {
    let events = write_evtx(&[
        wsus_event(361, INFO, "2024-11-20 01:00:00.010", "Content synchronization started."),
        wsus_event(
            364,
            ERROR,
            "2024-11-20 01:04:12.552",
            &content_404("A2E8C22844A4E6926F9C841B0D5AEEC8400811B6.cab", "B6"),
        ),
        wsus_event(
            364,
            ERROR,
            "2024-11-20 01:04:13.006",
            &content_404("0D6E5A1F2B3C4D5E6F708192A3B4C5D6E7F8093C.cab", "3C"),
        ),
        wsus_event(361, INFO, "2024-11-20 05:00:00.010", "Content synchronization started."),
    ]);
    let bundle = TestBundle::new().file("EventLogs/Application.evtx", events);
    let f = finding(&bundle.analyze(), "WSUS-CONTENT-DOWNLOAD-FAILED").clone();
    assert_grade(&f, "info", "medium");
    assert!(
        f.summary
            .starts_with("Recovered: this was failing until 2024-11-20 01:04:13 UTC"),
        "{}",
        f.summary
    );
}

#[test]
fn a_healthy_content_round_with_bits_ranges_is_quiet() {
    let bundle = TestBundle::new()
        .file(
            "EventLogs/Application.evtx",
            write_evtx(&[
                wsus_event(384, INFO, "2024-11-20 03:04:41.502", "Synchronization completed successfully."),
                wsus_event(361, INFO, "2024-11-20 03:04:42.011", "Content synchronization started."),
            ]),
        )
        .file(
            "W3SVC1274659245/u_ex241120.log",
            iis(&[
                "2024-11-20 08:00:03 10.1.0.20 HEAD /Content/B6/A2E8C22844A4E6926F9C841B0D5AEEC8400811B6.cab - 8530 - 10.1.4.77 Microsoft+BITS/7.8 200 0 0 2",
                "2024-11-20 08:00:04 10.1.0.20 GET /Content/B6/A2E8C22844A4E6926F9C841B0D5AEEC8400811B6.cab - 8530 - 10.1.4.77 Microsoft+BITS/7.8 206 0 0 410",
                "2024-11-20 08:00:05 10.1.0.20 GET /Content/B6/A2E8C22844A4E6926F9C841B0D5AEEC8400811B6.cab - 8530 - 10.1.4.77 Microsoft+BITS/7.8 206 0 0 388",
            ]),
        );
    assert_quiet(&bundle.analyze(), "WSUS-CONTENT-DOWNLOAD-FAILED");
}

// ---------------------------------------------------------------------------------------------
// 24. WSUS-CONTENT-RANGE-UNSUPPORTED

const RANGE_REASON: &str = "The server does not support the necessary HTTP protocol. Background Intelligent Transfer Service (BITS) requires that the server support the Range protocol header.";

#[test]
fn range_header_stripped_is_high_and_the_umbrella_yields() {
    let url = "http://download.windowsupdate.com/c/msdownload/update/software/secu/2024/11/windows10.0-kb5046615-x64_0d6e5a1f.cab";
    let log = crlf(&[
        content_started("2024-11-20 05:00:00.010"),
        sdl(
            "2024-11-20 05:08:34.090",
            "Error",
            "WsusService.52",
            "ContentSyncAgent.JobError",
            &format!("Download error: {url} failed in download: (-2145386477) {RANGE_REASON}"),
        ),
        String::new(),
        frame("Microsoft.UpdateServices.ServerSync.ContentSyncAgent.JobError(IBitsJob job, IBitsError error)"),
        sdl(
            "2024-11-20 05:08:34.120",
            "Warning",
            "WsusService.50",
            "ContentSyncAgent.ProcessBITSNotificationQueue",
            "ContentSyncAgent received Failure for job {3A1F0C9E-7B2D-4E8A-9C61-5D0E2B7F4A13}",
        ),
    ]);
    let events = write_evtx(&[
        wsus_event(361, INFO, "2024-11-20 05:00:00.010", "Content synchronization started."),
        wsus_event(
            364,
            ERROR,
            "2024-11-20 05:08:34.200",
            &format!(
                "Content file download failed.\r\nReason: {RANGE_REASON}\r\n\r\nSource File: /c/msdownload/update/software/secu/2024/11/windows10.0-kb5046615-x64_0d6e5a1f.cab\r\nDestination File: D:\\WSUS\\WsusContent\\3C\\0D6E5A1F2B3C4D5E6F708192A3B4C5D6E7F8093C.cab"
            ),
        ),
    ]);
    let bundle = TestBundle::new()
        .file("WSUS01/LogFiles/SoftwareDistribution.log", log)
        .file("WSUS01/EventLogs/Application.evtx", events)
        .file("WSUS01/W3SVC1274659245/u_ex241120.log", client_traffic());
    let report = bundle.analyze();
    let f = finding(&report, "WSUS-CONTENT-RANGE-UNSUPPORTED");
    assert_grade(f, "error", "high");
    assert!(
        f.summary
            .starts_with("1 update file download(s) failed between 2024-11-20 05:08:34 UTC and 2024-11-20 05:08:34 UTC with BG_E_INSUFFICIENT_RANGE_SUPPORT"),
        "{}",
        f.summary
    );
    let e = assert_cites(&bundle, f, "WSUS01/LogFiles/SoftwareDistribution.log", "(-2145386477)");
    assert_eq!(e.line, Some(2));
    assert!(
        !fired(&report).contains(&"WSUS-CONTENT-DOWNLOAD-FAILED"),
        "{:?}",
        fired(&report)
    );
}

#[test]
fn partial_content_answers_are_normal_bits_traffic_and_quiet() {
    let bundle = TestBundle::new()
        .file(
            "W3SVC1274659245/u_ex241120.log",
            iis(&[
                "2024-11-20 08:00:03 10.1.0.20 HEAD /Content/B6/A2E8C22844A4E6926F9C841B0D5AEEC8400811B6.cab - 8530 - 10.1.4.77 Microsoft+BITS/7.8 200 0 0 2",
                "2024-11-20 08:00:04 10.1.0.20 GET /Content/B6/A2E8C22844A4E6926F9C841B0D5AEEC8400811B6.cab - 8530 - 10.1.4.77 Microsoft+BITS/7.8 206 0 0 410",
                "2024-11-20 08:00:05 10.1.0.20 GET /Content/B6/A2E8C22844A4E6926F9C841B0D5AEEC8400811B6.cab - 8530 - 10.1.4.77 Microsoft+BITS/7.8 206 0 0 388",
            ]),
        )
        .file(
            "LogFiles/SoftwareDistribution.log",
            crlf(&[
                content_started("2024-11-20 05:00:00.010"),
                sdl(
                    "2024-11-20 05:00:00.220",
                    "Info",
                    "WsusService.31",
                    "ContentSyncAgent.ContentSyncThreadProcess",
                    "ContentSyncAgent: 12 files to download",
                ),
            ]),
        );
    assert_quiet(&bundle.analyze(), "WSUS-CONTENT-RANGE-UNSUPPORTED");
}

// ---------------------------------------------------------------------------------------------
// 25. WSUS-CONTENT-DISK-FULL

#[test]
fn disk_full_on_the_content_volume_is_high_in_english_and_german() {
    let job = |time: &str, kb: &str| {
        sdl(
            time,
            "Error",
            "WsusService.52",
            "ContentSyncAgent.JobError",
            &format!(
                "Download error: http://download.windowsupdate.com/d/msdownload/update/software/updt/2024/11/windows10.0-{kb}-x64_4f6e2a1c.cab failed in download: (-2147024784) There is not enough space on the disk."
            ),
        )
    };
    let log = crlf(&[
        content_started("2024-11-20 05:00:00.010"),
        job("2024-11-20 05:41:17.338", "kb5046617"),
        frame("Microsoft.UpdateServices.ServerSync.ContentSyncAgent.JobError(IBitsJob job, IBitsError error)"),
        job("2024-11-20 05:44:02.907", "kb5046613"),
        frame("Microsoft.UpdateServices.ServerSync.ContentSyncAgent.JobError(IBitsJob job, IBitsError error)"),
    ]);
    let bundle = TestBundle::new()
        .file("WSUS01/LogFiles/SoftwareDistribution.log", log)
        .file("WSUS01/Registry/Setup.txt", setup_key("10.0.17763.678"));
    let report = bundle.analyze();
    let f = finding(&report, "WSUS-CONTENT-DISK-FULL");
    assert_grade(f, "error", "high");
    assert!(
        f.summary.starts_with(
            "WSUS failed 2 time(s) between 2024-11-20 05:41:17 UTC and 2024-11-20 05:44:02 UTC with ERROR_DISK_FULL"
        ),
        "{}",
        f.summary
    );
    assert_eq!(
        assert_cites(&bundle, f, "WSUS01/LogFiles/SoftwareDistribution.log", "(-2147024784)").line,
        Some(2)
    );
    assert!(!fired(&report).contains(&"WSUS-CONTENT-DOWNLOAD-FAILED"));

    // A German server's Application log: no code, the localized reason.
    let german = write_evtx(&[wsus_event(
        364,
        ERROR,
        "2024-11-20 05:41:17.402",
        "Fehler beim Herunterladen der Inhaltsdatei.\r\nUrsache: Auf dem Datenträger ist nicht genügend Speicherplatz vorhanden.\r\n\r\nQuelldatei: /d/msdownload/update/software/updt/2024/11/windows10.0-kb5046617-x64_4f6e2a1c.cab\r\nZieldatei: D:\\WSUS\\WsusContent\\1C\\4F6E2A1C9B3D5E7F80A1B2C3D4E5F60718293A1C.cab",
    )]);
    let bundle = TestBundle::new().file("WSUS01/EventLogs/Application.evtx", german);
    let report = bundle.analyze();
    let f = finding(&report, "WSUS-CONTENT-DISK-FULL");
    assert_grade(f, "error", "high");
    assert!(
        f.summary.starts_with("1 event(s) 364 between 2024-11-20 05:41:17 UTC"),
        "{}",
        f.summary
    );
    assert_eq!(
        assert_cites(
            &bundle,
            f,
            "WSUS01/EventLogs/Application.evtx",
            "nicht genügend Speicherplatz"
        )
        .record,
        Some(1)
    );
}

#[test]
fn a_content_file_whose_hash_contains_the_code_is_quiet() {
    let bundle = TestBundle::new().file(
        "LogFiles/SoftwareDistribution.log",
        crlf(&[
            content_started("2024-11-20 05:00:00.010"),
            sdl(
                "2024-11-20 05:02:41.005",
                "Info",
                "WsusService.50",
                "ContentSyncAgent.ProcessBITSNotificationQueue",
                "File downloaded: D:\\WSUS\\WsusContent\\70\\80070070E1C2D3B4A5968778695A4B3C2D1E0F70.cab",
            ),
        ]),
    );
    assert_quiet(&bundle.analyze(), "WSUS-CONTENT-DISK-FULL");
}

// ---------------------------------------------------------------------------------------------
// 26. WSUS-CONTENT-ACL

#[test]
fn access_denied_on_the_content_store_is_medium_from_the_log_or_from_iis() {
    let denied = |time: &str, kb: &str| {
        sdl(
            time,
            "Error",
            "WsusService.52",
            "ContentSyncAgent.JobError",
            &format!(
                "Download error: http://download.windowsupdate.com/c/msdownload/update/software/secu/2024/11/windows10.0-{kb}-x64_0d6e5a1f.cab failed in download: (-2147024891) Access is denied."
            ),
        )
    };
    let log = crlf(&[
        content_started("2024-11-20 05:00:00.010"),
        denied("2024-11-20 05:03:22.801", "kb5046615"),
        denied("2024-11-20 05:03:23.114", "kb5046617"),
        denied("2024-11-20 05:03:24.950", "kb5046613"),
    ]);
    let bundle = TestBundle::new().file("WSUS01/LogFiles/SoftwareDistribution.log", log);
    let report = bundle.analyze();
    let f = finding(&report, "WSUS-CONTENT-ACL");
    assert_grade(f, "error", "medium");
    assert!(
        f.summary
            .starts_with("3 update file download(s) failed between 2024-11-20 05:03:22 UTC and 2024-11-20 05:03:24 UTC with access denied"),
        "{}",
        f.summary
    );
    assert_eq!(
        assert_cites(&bundle, f, "WSUS01/LogFiles/SoftwareDistribution.log", "(-2147024891)").line,
        Some(2)
    );

    // IIS serves the content anonymously: 401.3 is the file's ACL refusing IUSR.
    let bundle = TestBundle::new().file(
        "WSUS01/W3SVC1274659245/u_ex241120.log",
        iis(&[
            "2024-11-20 08:00:04 10.1.0.20 GET /Content/3C/0D6E5A1F2B3C4D5E6F708192A3B4C5D6E7F8093C.cab - 8530 - 10.1.4.77 Microsoft+BITS/7.8 401 3 5 2",
            "2024-11-20 08:02:11 10.1.0.20 GET /Content/3C/0D6E5A1F2B3C4D5E6F708192A3B4C5D6E7F8093C.cab - 8530 - 10.1.4.91 Microsoft+BITS/7.8 401 3 5 1",
            "2024-11-20 08:05:40 10.1.0.20 GET /Content/B6/A2E8C22844A4E6926F9C841B0D5AEEC8400811B6.cab - 8530 - 10.1.4.102 Microsoft+BITS/7.8 401 3 5 1",
        ]),
    );
    let report = bundle.analyze();
    let f = finding(&report, "WSUS-CONTENT-ACL");
    assert_grade(f, "error", "medium");
    assert!(
        f.summary
            .starts_with("3 request(s) for update files from 3 client(s) got HTTP 401.3"),
        "{}",
        f.summary
    );
    assert_eq!(
        assert_cites(&bundle, f, "WSUS01/W3SVC1274659245/u_ex241120.log", "10.1.4.91").line,
        Some(6)
    );
}

#[test]
fn ntlm_negotiation_on_content_is_quiet() {
    let bundle = TestBundle::new()
        .file(
            "W3SVC1274659245/u_ex241120.log",
            iis(&[
                "2024-11-20 08:00:01 10.1.0.20 GET /Content/3C/0D6E5A1F2B3C4D5E6F708192A3B4C5D6E7F8093C.cab - 8530 - 10.1.4.77 Microsoft+BITS/7.8 401 2 5 2",
                "2024-11-20 08:00:01 10.1.0.20 GET /Content/3C/0D6E5A1F2B3C4D5E6F708192A3B4C5D6E7F8093C.cab - 8530 - 10.1.4.77 Microsoft+BITS/7.8 401 1 2148074254 1",
                "2024-11-20 08:00:02 10.1.0.20 GET /Content/3C/0D6E5A1F2B3C4D5E6F708192A3B4C5D6E7F8093C.cab - 8530 CONTOSO\\PC0077$ 10.1.4.77 Microsoft+BITS/7.8 206 0 0 48",
            ]),
        )
        .file(
            "LogFiles/SoftwareDistribution.log",
            crlf(&[
                content_started("2024-11-20 05:00:00.010"),
                sdl(
                    "2024-11-20 05:00:00.220",
                    "Info",
                    "WsusService.31",
                    "ContentSyncAgent.ContentSyncThreadProcess",
                    "ContentSyncAgent: 2 files to download",
                ),
            ]),
        );
    assert_quiet(&bundle.analyze(), "WSUS-CONTENT-ACL");
}

// ---------------------------------------------------------------------------------------------
// 27. WSUS-CONTENT-SIGNATURE-INVALID

const FILES: [&str; 6] = [
    "92\\8C44A8CC479069434AFB1EC6651C4F4E88217A92.cab",
    "B6\\A2E8C22844A4E6926F9C841B0D5AEEC8400811B6.cab",
    "3C\\0D6E5A1F2B3C4D5E6F708192A3B4C5D6E7F8093C.cab",
    "A1\\7F3E2D1C0B9A8F7E6D5C4B3A29180F7E6D5C4BA1.exe",
    "1C\\4F6E2A1C9B3D5E7F80A1B2C3D4E5F60718293A1C.cab",
    "02\\0098C79E1404B4399BF0E686D88DBF052269A302.exe",
];

#[test]
fn many_files_failing_verification_is_systemic_and_high() {
    let mut lines = vec![content_started("2024-11-20 02:00:00.010")];
    for (i, file) in FILES.iter().enumerate() {
        let time = format!("2024-11-20 02:07:{:02}.222", 10 + i * 7);
        lines.push(sdl(
            &time,
            "Warning",
            "WsusService.11",
            "CabUtilities.CheckCertificateSignature",
            &format!("File cert verification failed for D:\\WSUS\\WsusContent\\{file} with 2148204800"),
        ));
        lines.push(sdl(
            &time,
            "Warning",
            "WsusService.11",
            "ContentSyncAgent.ProcessBITSNotificationQueue",
            &format!("Invalid file deleted: D:\\WSUS\\WsusContent\\{file}"),
        ));
    }
    // The first file fails again on the retry: still six distinct files.
    lines.push(sdl(
        "2024-11-20 02:30:00.501",
        "Warning",
        "WsusService.11",
        "CabUtilities.CheckCertificateSignature",
        &format!(
            "File cert verification failed for D:\\WSUS\\WsusContent\\{} with 2148204800",
            FILES[0]
        ),
    ));
    let bundle = TestBundle::new()
        .file("WSUS01/LogFiles/SoftwareDistribution.log", crlf(&lines))
        .file("WSUS01/W3SVC1274659245/u_ex241120.log", client_traffic());
    let report = bundle.analyze();
    let f = finding(&report, "WSUS-CONTENT-SIGNATURE-INVALID");
    assert_grade(f, "warning", "high");
    assert!(
        f.summary
            .starts_with("The signature check of 6 downloaded update file(s) failed 7 time(s) between 2024-11-20 02:07:10 UTC and 2024-11-20 02:30:00 UTC"),
        "{}",
        f.summary
    );
    assert_eq!(
        assert_cites(
            &bundle,
            f,
            "WSUS01/LogFiles/SoftwareDistribution.log",
            "with 2148204800"
        )
        .line,
        Some(2)
    );
}

#[test]
fn one_file_failing_verification_is_medium_and_recovers_with_a_clean_round() {
    let failing = vec![
        content_started("2024-11-20 02:00:00.010"),
        sdl(
            "2024-11-20 02:07:41.222",
            "Warning",
            "WsusService.11",
            "CabUtilities.CheckCertificateSignature",
            &format!(
                "File cert verification failed for D:\\WSUS\\WsusContent\\{} with 2148204800",
                FILES[0]
            ),
        ),
    ];
    let bundle = TestBundle::new().file("LogFiles/SoftwareDistribution.log", crlf(&failing));
    assert_grade(
        finding(&bundle.analyze(), "WSUS-CONTENT-SIGNATURE-INVALID"),
        "warning",
        "medium",
    );
    let mut recovered = failing;
    recovered.push(content_started("2024-11-20 10:00:00.010"));
    let bundle = TestBundle::new().file("LogFiles/SoftwareDistribution.log", crlf(&recovered));
    assert_grade(
        finding(&bundle.analyze(), "WSUS-CONTENT-SIGNATURE-INVALID"),
        "info",
        "medium",
    );
}

#[test]
fn files_that_verify_are_quiet() {
    let mut lines = vec![content_started("2024-11-20 02:00:00.010")];
    for (i, file) in FILES.iter().enumerate() {
        lines.push(sdl(
            &format!("2024-11-20 02:07:{:02}.222", 10 + i * 7),
            "Info",
            "WsusService.11",
            "CabUtilities.CheckCertificateSignature",
            &format!("File cert verification succeeded for D:\\WSUS\\WsusContent\\{file}"),
        ));
    }
    let bundle = TestBundle::new().file("LogFiles/SoftwareDistribution.log", crlf(&lines));
    assert_quiet(&bundle.analyze(), "WSUS-CONTENT-SIGNATURE-INVALID");
}
