//! Catalog signatures 48–55 (signatures.md §8, clients and the WSUS 2.0 console) on whole bundles:
//! client folders (WindowsUpdate.log in both layouts, ReportingEvents.log as the agent writes it in
//! UTF-16LE, policy registry as .reg, `reg query` text and a binary hive) next to server folders
//! (SoftwareDistribution.log, ClientWebService web.config, IIS logs). Each signature has a positive
//! bundle, checked for severity, confidence, the figures of its summary and citations that really
//! stand at the cited line of the cited file, and a negative bundle of the noise or healthy state a
//! naive rule would flag. The public WindowsUpdate.log and .reg samples of ../shared/corpus must not
//! raise any of these signatures.

#[path = "support/evtx_writer.rs"]
mod evtx_writer;
#[path = "support/regf_writer.rs"]
mod regf_writer;

use evtx_writer::{Event, write_evtx};
use regf_writer::{Data, HiveWriter};
use std::path::Path;
use wsus_triage::diagnosis::Finding;
use wsus_triage::intake::{Bundle, Limits};
use wsus_triage::pipeline::{BundleReport, Engine, Options, run_opened};

/// The signatures this file covers.
const MINE: [&str; 8] = [
    "WSUS-CLIENT-DUAL-SCAN",
    "WSUS-CLIENT-MAX-ROUND-TRIPS",
    "WSUS-CLIENT-PREREQ-LIMIT",
    "WSUS-CLIENT-DOWNLOAD-FILTERED",
    "WSUS-LOCAL-PUBLISHING-CERT-UNTRUSTED",
    "WSUS-CLIENT-WU-ACCESS-DISABLED",
    "WSUS-CLIENT-MS03-031-REOFFER",
    "WSUS-CONSOLE-IE-CONFIG",
];

// ---------------------------------------------------------------------------------------------
// Building and running bundles
// ---------------------------------------------------------------------------------------------

/// A file of a bundle: its path and its bytes exactly as the bundle holds them.
struct File {
    path: String,
    bytes: Vec<u8>,
}

/// A text file with CRLF line ends, as Windows writes these logs.
fn crlf(path: &str, text: &str) -> File {
    File {
        path: path.into(),
        bytes: text.trim_start_matches('\n').replace('\n', "\r\n").into_bytes(),
    }
}

/// A text file in UTF-16LE with a byte-order mark and CRLF (regedit exports, ReportingEvents.log).
fn utf16(path: &str, text: &str) -> File {
    let text = text.trim_start_matches('\n').replace('\n', "\r\n");
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    File {
        path: path.into(),
        bytes,
    }
}

fn engine() -> Engine {
    Engine::load(&[]).expect("the embedded catalog loads")
}

fn run(files: &[File]) -> BundleReport {
    let bundle = Bundle::from_memory(
        "test",
        files.iter().map(|f| (f.path.clone(), f.bytes.clone())).collect(),
        &Limits::default(),
    );
    run_opened(
        &engine(),
        bundle,
        &Options {
            diagnose: true,
            ..Options::default()
        },
    )
}

fn finding<'r>(report: &'r BundleReport, id: &str) -> &'r Finding {
    report.findings.iter().find(|f| f.signature == id).unwrap_or_else(|| {
        panic!(
            "{id} did not fire; findings: {:?}",
            report.findings.iter().map(|f| &f.signature).collect::<Vec<_>>()
        )
    })
}

fn absent(report: &BundleReport, id: &str) {
    assert!(
        report.findings.iter().all(|f| f.signature != id),
        "{id} fired: {:?}",
        report.findings.iter().find(|f| f.signature == id)
    );
}

fn level(f: &Finding) -> (&'static str, &'static str) {
    (f.severity.name(), f.confidence.name())
}

use wsus_triage::intake::decode::line_at as line_of;

/// Every cited excerpt stands at the cited line of the cited file (or, for a hive, under the
/// cited key); returns the cited texts for further checks.
fn citations_hold(f: &Finding, files: &[File]) -> Vec<String> {
    assert!(!f.evidence.is_empty(), "{} cites nothing", f.signature);
    for e in &f.evidence {
        let file = files
            .iter()
            .find(|x| x.path == e.file)
            .unwrap_or_else(|| panic!("{} cites {}, which is not in the bundle", f.signature, e.file));
        match (e.line, &e.key) {
            (Some(n), _) => assert_eq!(
                line_of(&file.bytes, n).as_deref(),
                Some(e.text.as_str()),
                "{}: {}:{n} is not the cited text",
                f.signature,
                e.file
            ),
            (None, Some(key)) => assert!(!key.is_empty() && !e.text.is_empty(), "{e:?}"),
            (None, None) => assert!(e.record.is_some() && !e.text.is_empty(), "{e:?}"),
        }
    }
    f.evidence.iter().map(|e| e.text.clone()).collect()
}

fn cites(texts: &[String], needle: &str) -> bool {
    texts.iter().any(|t| t.contains(needle))
}

// ---------------------------------------------------------------------------------------------
// Shared pieces of client and server folders
// ---------------------------------------------------------------------------------------------

const WSUS_POLICY_REG: &str = r#"
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate]
"WUServer"="http://wsus01.contoso.local:8530"
"WUStatusServer"="http://wsus01.contoso.local:8530"
"TargetGroupEnabled"=dword:00000001
"TargetGroup"="Workstations"

[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate\AU]
"NoAutoUpdate"=dword:00000000
"AUOptions"=dword:00000004
"ScheduledInstallDay"=dword:00000000
"ScheduledInstallTime"=dword:00000003
"UseWUServer"=dword:00000001
"#;

/// A healthy Windows 10 scan against WSUS (Get-WindowsUpdateLog layout).
const WIN10_HEALTHY_SCAN: &str = "
2024/05/06 07:08:09.1234567 1204  5520  Agent           WSUS server: http://wsus01.contoso.local:8530
2024/05/06 07:08:09.1234601 1204  5520  Agent           WSUS status server: http://wsus01.contoso.local:8530
2024/05/06 07:08:09.1234622 1204  5520  Agent           Target group: Workstations
2024/05/06 07:08:09.1234640 1204  5520  Agent           Windows Update access disabled: No
2024/05/06 07:08:09.1234655 1204  5520  Agent           Do not connect to Windows Update Internet locations: No
2024/05/06 07:08:12.4471902 1204  6012  Agent           * START * Finding updates CallerId = UpdateOrchestrator  Id = 3 (cV = Qe1lR2v0cUi3Xq7A.1.0.0.1)
2024/05/06 07:08:12.5083316 1204  6012  ProtocolTalker  ServiceId = {3DA21691-E39D-4DA6-8A4B-B43877BCB1B7}, Server URL = http://wsus01.contoso.local:8530/ClientWebService/client.asmx
2024/05/06 07:08:30.9901232 1204  6012  ProtocolTalker  SyncUpdates round trips: 4
2024/05/06 07:08:31.6625010 1204  6012  Agent           * END * Finding updates CallerId = UpdateOrchestrator, Id = 3, Exit code = 0x00000000 (cV = Qe1lR2v0cUi3Xq7A.1.0.0.1)
";

const IIS_HEADER: &str = "
#Software: Microsoft Internet Information Services 10.0
#Version: 1.0
#Date: 2024-02-14 09:00:00
#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) sc-status sc-substatus sc-win32-status time-taken
";

// ---------------------------------------------------------------------------------------------
// 48 WSUS-CLIENT-DUAL-SCAN
// ---------------------------------------------------------------------------------------------

#[test]
fn dual_scan_wsus_policy_with_a_feature_deferral_is_high() {
    let policy = WSUS_POLICY_REG.replace(
        "\"TargetGroupEnabled\"",
        "\"DeferFeatureUpdates\"=dword:00000001\n\"DeferFeatureUpdatesPeriodInDays\"=dword:00000078\n\"BranchReadinessLevel\"=dword:00000010\n\"TargetGroupEnabled\"",
    );
    let files = [
        utf16("PC0042/Registry/WindowsUpdate-policy.reg", &policy),
        crlf("PC0042/Logs/WindowsUpdate.log", WIN10_HEALTHY_SCAN),
    ];
    let report = run(&files);
    let f = finding(&report, "WSUS-CLIENT-DUAL-SCAN");
    assert_eq!(level(f), ("warning", "high"));
    assert!(
        f.summary.contains("(http://wsus01.contoso.local:8530, UseWUServer=1)"),
        "{}",
        f.summary
    );
    assert!(
        f.summary.contains("deferral policies (DeferFeatureUpdates)"),
        "{}",
        f.summary
    );
    let cited = citations_hold(f, &files);
    assert!(cites(&cited, "\"DeferFeatureUpdates\"=dword:00000001"), "{cited:?}");
    assert!(cites(&cited, "\"UseWUServer\"=dword:00000001"), "{cited:?}");
}

#[test]
fn dual_scan_in_a_binary_software_hive_and_through_mdm() {
    let mut hive = HiveWriter::new("ROOT", r"\SystemRoot\System32\Config\SOFTWARE");
    let wu = r"Policies\Microsoft\Windows\WindowsUpdate";
    hive.set(wu, "WUServer", Data::sz("https://wsus01.contoso.local:8531"))
        .set(wu, "WUStatusServer", Data::sz("https://wsus01.contoso.local:8531"))
        .set(wu, "DeferQualityUpdates", Data::Dword(1))
        .set(wu, "DeferQualityUpdatesPeriodInDays", Data::Dword(7))
        .set(&format!(r"{wu}\AU"), "UseWUServer", Data::Dword(1));
    let files = [File {
        path: "PC0042/Registry/SOFTWARE".into(),
        bytes: hive.to_bytes(),
    }];
    let report = run(&files);
    let f = finding(&report, "WSUS-CLIENT-DUAL-SCAN");
    assert_eq!(level(f), ("warning", "high"));
    assert!(f.summary.contains("(DeferQualityUpdates)"), "{}", f.summary);
    citations_hold(f, &files);
    // A hive value is located by its key alone, and one citation is kept per location: of the
    // policy key's values only one is cited (the deferral shows in the summary).
    let keys: Vec<_> = f.evidence.iter().filter_map(|e| e.key.as_deref()).collect();
    assert_eq!(
        keys,
        [
            r"HKLM\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate",
            r"HKLM\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate\AU"
        ],
        "{:?}",
        f.evidence
    );

    // The same deferral set by MDM (PolicyManager) with the GPO's WSUS location: medium.
    let mdm = "
HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate
    WUServer    REG_SZ    https://wsus01.contoso.local:8531
    WUStatusServer    REG_SZ    https://wsus01.contoso.local:8531

HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate\\AU
    UseWUServer    REG_DWORD    0x1

HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\PolicyManager\\current\\device\\Update
    DeferQualityUpdatesPeriodInDays    REG_DWORD    0xe
    DeferQualityUpdatesPeriodInDays_ProviderSet    REG_DWORD    0x1

";
    let files = [crlf("PC0042/reg-query.txt", mdm)];
    let report = run(&files);
    let f = finding(&report, "WSUS-CLIENT-DUAL-SCAN");
    assert_eq!(level(f), ("warning", "medium"));
    assert!(f.summary.contains("(DeferQualityUpdatesPeriodInDays)"), "{}", f.summary);
    citations_hold(f, &files);
}

#[test]
fn dual_scan_is_quiet_when_disabled_or_when_only_the_settings_app_defers() {
    // DisableDualScan=1: deferrals then only apply to ad hoc scans against Windows Update.
    let disabled = WSUS_POLICY_REG.replace(
        "\"TargetGroupEnabled\"",
        "\"DeferQualityUpdates\"=dword:00000001\n\"DisableDualScan\"=dword:00000001\n\"TargetGroupEnabled\"",
    );
    let report = run(&[utf16("PC0042/Registry/WindowsUpdate-policy.reg", &disabled)]);
    absent(&report, "WSUS-CLIENT-DUAL-SCAN");

    // The Settings app's own deferral values and PolicyManager's defaults are not policies.
    let ux = r#"
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\WindowsUpdate\UX\Settings]
"ActiveHoursEnd"=dword:00000011
"ActiveHoursStart"=dword:00000008
"BranchReadinessLevel"=dword:00000010
"DeferFeatureUpdatesPeriodInDays"=dword:0000016d
"DeferQualityUpdatesPeriodInDays"=dword:00000004

[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\PolicyManager\default\Update\DeferQualityUpdates]
"value"=dword:00000000
"#;
    let report = run(&[
        utf16("PC0042/Registry/WindowsUpdate-policy.reg", WSUS_POLICY_REG),
        utf16("PC0042/Registry/WindowsUpdate-UX.reg", ux),
        crlf("PC0042/Logs/WindowsUpdate.log", WIN10_HEALTHY_SCAN),
    ]);
    absent(&report, "WSUS-CLIENT-DUAL-SCAN");
    assert!(report.findings.iter().all(|f| !MINE.contains(&f.signature.as_str())));
}

// ---------------------------------------------------------------------------------------------
// 49 WSUS-CLIENT-MAX-ROUND-TRIPS
// ---------------------------------------------------------------------------------------------

const WIN10_MAX_TRIPS: &str = "
2019/02/26 08:40:11.5012235 1184  6120  Agent           WSUS server: http://wsus01.contoso.local:8530
2019/02/26 08:40:11.5012270 1184  6120  Agent           WSUS status server: http://wsus01.contoso.local:8530
2019/02/26 08:40:15.0127731 1184  6120  Agent           * START * Finding updates CallerId = UpdateOrchestrator  Id = 4 (cV = h0Nq3kV7EUmcY2rT.1.0.0.1)
2019/02/26 08:40:15.2241062 1184  6120  ProtocolTalker  ServiceId = {3DA21691-E39D-4DA6-8A4B-B43877BCB1B7}, Server URL = http://wsus01.contoso.local:8530/ClientWebService/client.asmx
2019/02/26 08:58:02.8114409 1184  6120  ProtocolTalker  *FAILED* [80244010] SyncUpdates_WithRecovery failed
2019/02/26 08:58:02.8122640 1184  6120  Agent           *FAILED* [80244010] Synchronize
2019/02/26 08:58:02.8161195 1184  6120  Agent           * END * Finding updates CallerId = UpdateOrchestrator, Id = 4, Exit code = 0x80244010 (cV = h0Nq3kV7EUmcY2rT.1.0.0.1)
2019/02/26 12:40:19.0021543 1184  7730  Agent           * START * Finding updates CallerId = UpdateOrchestrator  Id = 5 (cV = Lw2vC8nT0UaB5yQe.1.0.0.1)
2019/02/26 12:59:48.7731002 1184  7730  ProtocolTalker  *FAILED* [80244010] SyncUpdates_WithRecovery failed
2019/02/26 12:59:48.7790115 1184  7730  Agent           * END * Finding updates CallerId = UpdateOrchestrator, Id = 5, Exit code = 0x80244010 (cV = Lw2vC8nT0UaB5yQe.1.0.0.1)
";

const REPORTING_MAX_TRIPS: &str = "
{3F2A6C1D-8E4B-4A7F-9D21-6B5C0E8F1A42}\t2019-02-26 08:58:02:830+0100\t1\t148 [AGENT_DETECTION_FAILED]\t101\t{00000000-0000-0000-0000-000000000000}\t0\t80244010\tUpdateOrchestrator\tFailure\tSoftware Synchronization\tWindows Update Client failed to detect with error 0x80244010.
{4A3B7D2E-9F5C-4B80-AE32-7C6D1F9A2B53}\t2019-02-26 12:59:48:801+0100\t1\t148 [AGENT_DETECTION_FAILED]\t101\t{00000000-0000-0000-0000-000000000000}\t0\t80244010\tUpdateOrchestrator\tFailure\tSoftware Synchronization\tWindows Update Client failed to detect with error 0x80244010.
";

#[test]
fn max_round_trips_counts_failed_scans_of_a_windows_10_client() {
    let files = [
        crlf("PC0107/WindowsUpdate.log", WIN10_MAX_TRIPS),
        utf16("PC0107/SoftwareDistribution/ReportingEvents.log", REPORTING_MAX_TRIPS),
        utf16("PC0107/Registry/WindowsUpdate-policy.reg", WSUS_POLICY_REG),
    ];
    let report = run(&files);
    let f = finding(&report, "WSUS-CLIENT-MAX-ROUND-TRIPS");
    assert_eq!(level(f), ("warning", "medium"));
    // One line per scan is counted, not every line that repeats the code.
    assert!(f.summary.contains("stopped 2 scan(s)"), "{}", f.summary);
    assert!(
        f.summary.contains(
            "between 2019-02-26 08:58:02 (local time, zone unknown) and 2019-02-26 12:59:48 (local time, zone unknown)"
        ),
        "{}",
        f.summary
    );
    let cited = citations_hold(f, &files);
    assert!(cites(&cited, "Exit code = 0x80244010"), "{cited:?}");

    // ReportingEvents.log alone (no WindowsUpdate.log collected) tells the same story in UTC.
    let files = [utf16(
        "PC0107/SoftwareDistribution/ReportingEvents.log",
        REPORTING_MAX_TRIPS,
    )];
    let report = run(&files);
    let f = finding(&report, "WSUS-CLIENT-MAX-ROUND-TRIPS");
    assert_eq!(level(f), ("warning", "medium"));
    assert!(
        f.summary
            .contains("2 failed scan(s) with 0x80244010 (WU_E_PT_EXCEEDED_MAX_SERVER_TRIPS) between 2019-02-26 07:58:02 UTC and 2019-02-26 11:59:48 UTC"),
        "{}",
        f.summary
    );
    citations_hold(f, &files);
}

#[test]
fn max_round_trips_that_a_later_scan_overcomes_is_reported_as_recovered() {
    let log = format!(
        "{WIN10_MAX_TRIPS}{}",
        "2019/02/26 16:02:40.1187720 1184  8016  Agent           * START * Finding updates CallerId = UpdateOrchestrator  Id = 6 (cV = Qm4tY9pR2UeX7bWc.1.0.0.1)
2019/02/26 16:09:12.5561190 1184  8016  ProtocolTalker  SyncUpdates round trips: 131
2019/02/26 16:09:13.0147302 1184  8016  Agent           * END * Finding updates CallerId = UpdateOrchestrator, Id = 6, Exit code = 0x00000000 (cV = Qm4tY9pR2UeX7bWc.1.0.0.1)
"
    );
    let files = [crlf("PC0107/WindowsUpdate.log", &log)];
    let report = run(&files);
    let f = finding(&report, "WSUS-CLIENT-MAX-ROUND-TRIPS");
    assert_eq!(level(f), ("info", "medium"));
    assert!(
        f.summary
            .starts_with("Recovered: this was failing until 2019-02-26 12:59:48 (local time, zone unknown)"),
        "{}",
        f.summary
    );
    citations_hold(f, &files);
}

const WUA_PROVIDER: &str = "Microsoft-Windows-WindowsUpdateClient";
const WUA_GUID: &str = "{945A8954-C147-4ACD-923F-40C45405A658}";
const WUA_CHANNEL: &str = "Microsoft-Windows-WindowsUpdateClient/Operational";

fn at(t: &str) -> chrono::NaiveDateTime {
    chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S").unwrap()
}

/// WindowsUpdateClient event 25 ("Windows Update failed to check for updates with error %1").
fn check_failed(time: &str, code: &str) -> Event {
    Event::manifest(
        WUA_PROVIDER,
        WUA_GUID,
        25,
        2,
        1,
        0x8000_0000_0000_0000,
        at(time),
        WUA_CHANNEL,
        "PC0107.contoso.local",
        &[("errorCode", code)],
    )
}

#[test]
fn max_round_trips_from_the_windowsupdateclient_event_log() {
    let files = [File {
        path: "PC0107/EventLogs/Microsoft-Windows-WindowsUpdateClient-Operational.evtx".into(),
        bytes: write_evtx(&[
            check_failed("2019-02-26 07:58:02", "0x80244010"),
            check_failed("2019-02-26 11:59:48", "0x80244010"),
            check_failed("2019-02-26 13:10:00", "0x8024402C"),
        ]),
    }];
    let report = run(&files);
    let f = finding(&report, "WSUS-CLIENT-MAX-ROUND-TRIPS");
    assert_eq!(level(f), ("warning", "medium"));
    assert!(
        f.summary.contains(
            "records 2 failed check(s) for updates with 0x80244010 (WU_E_PT_EXCEEDED_MAX_SERVER_TRIPS) between 2019-02-26 07:58:02 UTC and 2019-02-26 11:59:48 UTC"
        ),
        "{}",
        f.summary
    );
    let cited = citations_hold(f, &files);
    assert_eq!(
        f.evidence.iter().map(|e| e.record).collect::<Vec<_>>(),
        [Some(1), Some(2)]
    );
    assert!(cited.iter().all(|t| t.contains("0x80244010")), "{cited:?}");
}

#[test]
fn max_round_trips_ignores_the_round_trip_counts_of_healthy_scans() {
    let report = run(&[
        crlf("PC0107/WindowsUpdate.log", WIN10_HEALTHY_SCAN),
        utf16(
            "PC0107/SoftwareDistribution/ReportingEvents.log",
            "{AE4C6A8F-5B7D-4C9E-8F10-3B4C5D6E7F85}\t2024-05-06 07:08:31:702+0200\t1\t147 [AGENT_DETECTION_FINISHED]\t101\t{00000000-0000-0000-0000-000000000000}\t0\t0\tUpdateOrchestrator\tSuccess\tSoftware Synchronization\tWindows Update Client successfully detected 3 updates.\n",
        ),
    ]);
    absent(&report, "WSUS-CLIENT-MAX-ROUND-TRIPS");
}

// ---------------------------------------------------------------------------------------------
// 50 WSUS-CLIENT-PREREQ-LIMIT
// ---------------------------------------------------------------------------------------------

const CLIENT_WEB_CONFIG_400: &str = r#"
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <appSettings>
    <add key="maxCachedUpdates" value="22000" />
    <add key="maxInstalledPrerequisites" value="400" />
  </appSettings>
  <system.web>
    <identity impersonate="false" />
  </system.web>
</configuration>
"#;

const SERVER_PREREQ_FAULTS: &str = "
2018-03-20 08:14:02.118 UTC\tInfo\tw3wp.17\tClientImplementation.SyncUpdates\tSyncUpdates called for client 7c0d5e2a-91b4-4f3e-8a6d-0e2b9c7f1d35
2018-03-20 08:14:02.121 UTC\tError\tw3wp.17\tSoapUtilities.CreateException\tThrowException: actor = http://wsus01.contoso.local:8530/ClientWebService/client.asmxs, ID=5b1f3a2c-7d44-4e0b-9c1e-2a6f8d3b0e71, ErrorCode=InvalidParameters, Message=parameters.InstalledNonLeafUpdateIDs, Client=7c0d5e2a-91b4-4f3e-8a6d-0e2b9c7f1d35
   at Microsoft.UpdateServices.Internal.SoapUtilities.CreateException(String actor, ErrorCode code, String message)
   at Microsoft.UpdateServices.Internal.ClientImplementation.SyncUpdates(Cookie cookie, SyncUpdateParameters parameters)
2018-03-20 08:16:40.902 UTC\tError\tw3wp.21\tSoapUtilities.CreateException\tThrowException: actor = http://wsus01.contoso.local:8530/ClientWebService/client.asmxs, ID=0e6a9f41-2c7b-4d15-b3a8-71f0c2d94e6b, ErrorCode=InvalidParameters, Message=parameters.InstalledNonLeafUpdateIDs, Client=a41f6c03-5e2d-4b87-9f10-3c8e7d2b6a94
2018-03-20 08:20:00.014 UTC\tInfo\tWsusService.15\tEventLogEventReporter.ReportEvent\tEventId=381,Type=Information,Category=Synchronization,Message=A scheduled synchronization was started.
";

#[test]
fn prerequisite_limit_server_log_and_web_config_agree() {
    let files = [
        crlf("WSUS01/Update Services/LogFiles/SoftwareDistribution.log", SERVER_PREREQ_FAULTS),
        crlf(
            "WSUS01/Update Services/WebServices/ClientWebService/web.config",
            CLIENT_WEB_CONFIG_400,
        ),
        crlf(
            "PC0077/WindowsUpdate.log",
            "
2018/03/20 09:14:01.4467012 1180  9876  Agent           * START * Finding updates CallerId = UpdateOrchestrator  Id = 7 (cV = 3mQ1W0rG8E6n0tXh.1.0.0.1)
2018/03/20 09:14:02.1234567 1180  9876  WebServices     WS error: <detail><ErrorCode>InvalidParameters</ErrorCode><Message>parameters.InstalledNonLeafUpdateIDs</Message><ID>5b1f3a2c-7d44-4e0b-9c1e-2a6f8d3b0e71</ID><Method>\"http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService/SyncUpdates\"</Method></detail>
2018/03/20 09:14:02.1241187 1180  9876  ProtocolTalker  *FAILED* [80244007] SyncUpdates_WithRecovery failed
2018/03/20 09:14:02.1278901 1180  9876  Agent           * END * Finding updates CallerId = UpdateOrchestrator, Id = 7, Exit code = 0x80244007 (cV = 3mQ1W0rG8E6n0tXh.1.0.0.1)
",
        ),
    ];
    let report = run(&files);
    let f = finding(&report, "WSUS-CLIENT-PREREQ-LIMIT");
    assert_eq!(level(f), ("error", "high"));
    assert!(
        f.summary
            .contains("(2 time(s) between 2018-03-20 08:14:02 UTC and 2018-03-20 08:16:40 UTC)"),
        "{}",
        f.summary
    );
    assert!(f.summary.contains("(web.config value 400)"), "{}", f.summary);
    let cited = citations_hold(f, &files);
    assert!(
        cites(&cited, "Message=parameters.InstalledNonLeafUpdateIDs, Client=a41f6c03"),
        "{cited:?}"
    );
    assert!(
        cites(&cited, r#"<add key="maxInstalledPrerequisites" value="400" />"#),
        "{cited:?}"
    );
    assert!(
        cites(&cited, "WS error: <detail><ErrorCode>InvalidParameters"),
        "{cited:?}"
    );
}

#[test]
fn prerequisite_limit_server_log_alone_names_the_clients() {
    let files = [crlf("LogFiles/SoftwareDistribution.log", SERVER_PREREQ_FAULTS)];
    let report = run(&files);
    let f = finding(&report, "WSUS-CLIENT-PREREQ-LIMIT");
    assert_eq!(level(f), ("error", "high"));
    assert!(
        f.summary.contains("shows 2 SyncUpdates call(s) refused"),
        "{}",
        f.summary
    );
    assert!(
        f.summary
            .contains("(client ids 7c0d5e2a-91b4-4f3e-8a6d-0e2b9c7f1d35, a41f6c03-5e2d-4b87-9f10-3c8e7d2b6a94)"),
        "{}",
        f.summary
    );
    citations_hold(f, &files);
}

#[test]
fn prerequisite_limit_ignores_other_invalid_parameters_and_the_shipped_config() {
    let report = run(&[
        crlf(
            "PC0077/WindowsUpdate.log",
            "
2015-10-30 17:12:53:980 880 1160 IdleTmr WU operation (CAgentProtocolTalker::SyncUpdates_WithRecover) started; operation # 584; does use network; is at background priority
2015-10-30 17:12:54:073 880 1160 WS WARNING: Nws Failure: errorCode=0x803d0013
2015-10-30 17:12:54:073 880 1160 WS WARNING: detail: <detail><ErrorCode>InvalidParameters</ErrorCode><Message>parameters.OtherCachedUpdateIDs</Message><ID>8889e6f6-cc94-4b2b-9d0c-9818649a5dfc</ID><Method>\"http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService/SyncUpdates\"</Method></detail>
2015-10-30 17:12:54:073 880 1160 WS FATAL: OnCallFailure failed with hr=0X80244007
2015-10-30 17:12:54:073 880 1160 PT WARNING: SyncUpdates_WithRecovery failed.: 0x80244007
",
        ),
        crlf(
            "WSUS01/Update Services/WebServices/ClientWebService/web.config",
            CLIENT_WEB_CONFIG_400,
        ),
        crlf(
            "WSUS01/Update Services/LogFiles/SoftwareDistribution.log",
            "
2015-10-30 16:12:54.070 UTC\tError\tw3wp.9\tSoapUtilities.CreateException\tThrowException: actor = http://wsus01.contoso.local:8530/ClientWebService/client.asmxs, ID=8889e6f6-cc94-4b2b-9d0c-9818649a5dfc, ErrorCode=InvalidParameters, Message=parameters.OtherCachedUpdateIDs, Client=7c0d5e2a-91b4-4f3e-8a6d-0e2b9c7f1d35
",
        ),
    ]);
    absent(&report, "WSUS-CLIENT-PREREQ-LIMIT");
}

// ---------------------------------------------------------------------------------------------
// 51 WSUS-CLIENT-DOWNLOAD-FILTERED
// ---------------------------------------------------------------------------------------------

const REPORTING_VALIDATION_FAILED: &str = "
{6A0E2C4B-1D3F-4E5A-8B7C-9D0E1F2A3B41}\t2024-02-14 10:21:07:334+0100\t1\t161 [AGENT_DOWNLOAD_FAILED]\t101\t{C4F1A2B3-5D6E-4F70-8A91-B2C3D4E5F607}\t200\t80200053\tAutomaticUpdates\tFailure\tContent Download\tError: Download failed.
{7B1F3D5C-2E4A-4F6B-9C8D-0E1F2A3B4C52}\t2024-02-14 10:21:09:871+0100\t1\t161 [AGENT_DOWNLOAD_FAILED]\t101\t{D5A2B3C4-6E7F-4A81-9B02-C3D4E5F60718}\t201\t80200053\tAutomaticUpdates\tFailure\tContent Download\tError: Download failed.
{8C2A4E6D-3F5B-4A7C-8D9E-1F2A3B4C5D63}\t2024-02-14 16:45:30:015+0100\t1\t161 [AGENT_DOWNLOAD_FAILED]\t101\t{C4F1A2B3-5D6E-4F70-8A91-B2C3D4E5F607}\t200\t80200053\tAutomaticUpdates\tFailure\tContent Download\tError: Download failed.
";

fn iis_content_served() -> String {
    format!(
        "{IIS_HEADER}{}",
        "2024-02-14 09:20:58 10.1.0.20 HEAD /Content/07/5E3A1C9B0D2F4E6A8B1C3D5E7F90A2B4C6D8E007.cab - 8530 - 10.1.4.142 Microsoft+BITS/7.8 200 0 0 1
2024-02-14 09:20:59 10.1.0.20 GET /Content/07/5E3A1C9B0D2F4E6A8B1C3D5E7F90A2B4C6D8E007.cab - 8530 - 10.1.4.142 Microsoft+BITS/7.8 206 0 0 812
2024-02-14 09:21:02 10.1.0.20 GET /Content/07/5E3A1C9B0D2F4E6A8B1C3D5E7F90A2B4C6D8E007.cab - 8530 - 10.1.4.142 Microsoft+BITS/7.8 206 0 0 1530
2024-02-14 09:24:40 10.1.0.20 GET /Content/B2/9A1C3E5F7B9D1F3A5C7E9B1D3F5A7C9E1B3D5FB2.exe - 8530 - 10.1.4.77 Microsoft+BITS/7.8 200 0 0 2204
"
    )
}

#[test]
fn download_filtered_reporting_events_and_the_classic_log_of_one_client() {
    let files = [
        utf16("PC0142/SoftwareDistribution/ReportingEvents.log", REPORTING_VALIDATION_FAILED),
        crlf(
            "PC0142/WindowsUpdate.log",
            "
2024-02-14\t10:20:51:102\t 964\t1a2c\tMisc\t===========  Logging initialized (build: 7.6.7601.24436, tz: +0100)  ===========
2024-02-14\t10:20:58:410\t 964\t1d08\tDnldMgr\t  * BITS job initialized, JobId = {0F3A5C7E-9B1D-4F3A-8C5E-7A9B1D3F5C70}
2024-02-14\t10:21:07:330\t 964\t1d08\tDnldMgr\tWARNING: BITS job {0F3A5C7E-9B1D-4F3A-8C5E-7A9B1D3F5C70} failed, updateId = {C4F1A2B3-5D6E-4F70-8A91-B2C3D4E5F607}.200, hr = 0x80200053, BG_ERROR_CONTEXT = 5
2024-02-14\t10:21:07:331\t 964\t1d08\tDnldMgr\t  Progress failure bytes total = 48213940, bytes transferred = 48213940
2024-02-14\t10:21:07:332\t 964\t1d08\tDnldMgr\t  Failed job file: URL = http://wsus01.contoso.local:8530/Content/07/5E3A1C9B0D2F4E6A8B1C3D5E7F90A2B4C6D8E007.cab, local path = C:\\Windows\\SoftwareDistribution\\Download\\3f2c\\5E3A1C9B0D2F4E6A8B1C3D5E7F90A2B4C6D8E007.cab
2024-02-14\t10:21:07:340\t 964\t1d08\tDnldMgr\tError 0x80200053 occurred while downloading update; notifying dependent calls.
",
        ),
        crlf("WSUS01/LogFiles/W3SVC1274659245/u_ex240214.log", &iis_content_served()),
    ];
    let report = run(&files);
    let f = finding(&report, "WSUS-CLIENT-DOWNLOAD-FILTERED");
    assert_eq!(level(f), ("warning", "low"));
    // Counted per download (ReportingEvents.log keys them by update), not per log line.
    assert!(
        f.summary.contains(
            "3 update download(s) failed with 0x80200053 (BG_E_VALIDATION_FAILED, \"the response from the website was not valid\") for 2 update(s) between 2024-02-14 09:21:07 UTC and 2024-02-14 15:45:30 UTC"
        ),
        "{}",
        f.summary
    );
    let cited = citations_hold(f, &files);
    assert!(cites(&cited, "\t80200053\t"), "{cited:?}");
    assert!(cites(&cited, "hr = 0x80200053, BG_ERROR_CONTEXT = 5"), "{cited:?}");
}

#[test]
fn download_filtered_ignores_a_bits_retry_that_succeeds_within_seconds() {
    let retried = "
{6A0E2C4B-1D3F-4E5A-8B7C-9D0E1F2A3B41}\t2024-02-14 10:21:07:334+0100\t1\t161 [AGENT_DOWNLOAD_FAILED]\t101\t{C4F1A2B3-5D6E-4F70-8A91-B2C3D4E5F607}\t200\t80200053\tAutomaticUpdates\tFailure\tContent Download\tError: Download failed.
{8C2A4E6D-3F5B-4A7C-8D9E-1F2A3B4C5D63}\t2024-02-14 10:21:47:902+0100\t1\t162 [AGENT_DOWNLOAD_SUCCEEDED]\t101\t{C4F1A2B3-5D6E-4F70-8A91-B2C3D4E5F607}\t200\t0\tAutomaticUpdates\tSuccess\tContent Download\tDownload succeeded.
{9D3B5F7E-4A6C-4B8D-9E0F-2A3B4C5D6E74}\t2024-02-14 10:24:51:006+0100\t1\t183 [AGENT_INSTALLING_SUCCEEDED]\t101\t{C4F1A2B3-5D6E-4F70-8A91-B2C3D4E5F607}\t200\t0\tAutomaticUpdates\tSuccess\tContent Install\tInstallation Successful: Windows successfully installed the following update: 2024-02 Cumulative Update for Windows 10 Version 22H2 for x64-based Systems (KB5034763)
";
    let report = run(&[
        utf16("PC0142/SoftwareDistribution/ReportingEvents.log", retried),
        crlf("WSUS01/LogFiles/W3SVC1274659245/u_ex240214.log", &iis_content_served()),
    ]);
    absent(&report, "WSUS-CLIENT-DOWNLOAD-FILTERED");
}

// ---------------------------------------------------------------------------------------------
// 52 WSUS-LOCAL-PUBLISHING-CERT-UNTRUSTED
// ---------------------------------------------------------------------------------------------

const REPORTING_UNTRUSTED: &str = "
{1C3E5A7B-9D2F-4A6C-8E0B-2D4F6A8C0E13}\t2024-03-05 08:12:40:551+0100\t1\t161 [AGENT_DOWNLOAD_FAILED]\t101\t{6F8A0C2E-4B6D-4E8F-A0B2-C4D6E8F0A215}\t200\t800b0109\tAutomaticUpdates\tFailure\tContent Download\tError: Download failed.
{2D4F6B8C-0E3A-4B7D-9F1C-3E5A7B9D1F24}\t2024-03-06 08:13:02:118+0100\t1\t161 [AGENT_DOWNLOAD_FAILED]\t101\t{6F8A0C2E-4B6D-4E8F-A0B2-C4D6E8F0A215}\t200\t800b0109\tAutomaticUpdates\tFailure\tContent Download\tError: Download failed.
{3E5A7C9D-1F4B-4C8E-A02D-4F6B8C0E2A35}\t2024-03-06 08:13:05:440+0100\t1\t161 [AGENT_DOWNLOAD_FAILED]\t101\t{7A9B1D3F-5C7E-4F90-B1C3-D5E7F9A1B326}\t200\t800b0004\tAutomaticUpdates\tFailure\tContent Download\tError: Download failed.
";

#[test]
fn local_publishing_untrusted_downloads_and_a_policy_without_accept_trusted_publisher() {
    let files = [
        utf16("PC0311/SoftwareDistribution/ReportingEvents.log", REPORTING_UNTRUSTED),
        utf16("PC0311/Registry/WindowsUpdate-policy.reg", WSUS_POLICY_REG),
    ];
    let report = run(&files);
    let f = finding(&report, "WSUS-LOCAL-PUBLISHING-CERT-UNTRUSTED");
    assert_eq!(level(f), ("warning", "medium"));
    assert!(
        f.summary.contains(
            "3 download(s) of 2 update(s) from WSUS failed with an untrusted signature (0x800B0109 / 0x800B0004) between 2024-03-05 07:12:40 UTC and 2024-03-06 07:13:05 UTC"
        ),
        "{}",
        f.summary
    );
    assert!(
        f.summary.contains("(WUServer http://wsus01.contoso.local:8530)"),
        "{}",
        f.summary
    );
    let cited = citations_hold(f, &files);
    assert!(cites(&cited, "\t800b0004\t"), "{cited:?}");

    // With "Allow signed updates from an intranet Microsoft update service location" enabled the
    // policy is not the cause: the failures alone stay a low-confidence finding.
    let accepting = WSUS_POLICY_REG.replace(
        "\"TargetGroupEnabled\"",
        "\"AcceptTrustedPublisherCerts\"=dword:00000001\n\"TargetGroupEnabled\"",
    );
    let report = run(&[
        utf16("PC0311/SoftwareDistribution/ReportingEvents.log", REPORTING_UNTRUSTED),
        utf16("PC0311/Registry/WindowsUpdate-policy.reg", &accepting),
    ]);
    assert_eq!(
        level(finding(&report, "WSUS-LOCAL-PUBLISHING-CERT-UNTRUSTED")),
        ("warning", "low")
    );
}

#[test]
fn local_publishing_ignores_an_untrusted_wsus_tls_certificate_at_scan_time() {
    // 0x800B0109 while scanning over HTTPS is the WSUS site's TLS chain, not a publishing certificate.
    let report = run(&[
        crlf(
            "PC0311/WindowsUpdate.log",
            "
2016-04-12\t09:30:11:206\t 964\t1b3c\tMisc\t===========  Logging initialized (build: 7.6.7601.19161, tz: +0200)  ===========
2016-04-12\t09:30:14:512\t 964\t1b3c\tAgent\t  * WSUS server: https://wsus01.contoso.local:8531
2016-04-12\t09:30:22:874\t 964\t1b3c\tPT\t+++++++++++  PT: Synchronizing server updates  +++++++++++
2016-04-12\t09:30:22:874\t 964\t1b3c\tPT\t  + ServiceId = {3DA21691-E39D-4DA6-8A4B-B43877BCB1B7}, Server URL = https://wsus01.contoso.local:8531/ClientWebService/client.asmx
2016-04-12\t09:30:23:015\t 964\t1b3c\tMisc\tWARNING: Send failed with hr = 800b0109.
2016-04-12\t09:30:23:015\t 964\t1b3c\tMisc\tWARNING: SendRequest failed with hr = 800b0109. Proxy List used: <(null)> Bypass List used : <(null)> Auth Schemes used : <>
2016-04-12\t09:30:23:016\t 964\t1b3c\tPT\tWARNING: GetConfig failure, error = 0x800B0109, soap client error = 5, soap error code = 0, HTTP status code = 200
",
        ),
        utf16(
            "PC0311/SoftwareDistribution/ReportingEvents.log",
            "{5F7B9D1E-3A5C-4E7F-9B1D-3F5A7C9E1B47}\t2016-04-12 09:30:23:120+0200\t1\t148 [AGENT_DETECTION_FAILED]\t101\t{00000000-0000-0000-0000-000000000000}\t0\t800b0109\tAutomaticUpdates\tFailure\tSoftware Synchronization\tWindows Update Client failed to detect with error 0x800b0109.\n",
        ),
    ]);
    absent(&report, "WSUS-LOCAL-PUBLISHING-CERT-UNTRUSTED");
}

// ---------------------------------------------------------------------------------------------
// 53 WSUS-CLIENT-WU-ACCESS-DISABLED
// ---------------------------------------------------------------------------------------------

#[test]
fn wu_access_disabled_without_wsus_log_reporting_and_registry() {
    let files = [
        crlf(
            "VM07/Windows/WindowsUpdate.log",
            "
2024-04-17\t08:45:09:871\t1084\t3a10\tMisc\t===========  Logging initialized (build: 7.9.9600.18970, tz: -0400)  ===========
2024-04-17\t08:45:10:060\t1084\t3a10\tAgent\t***********  Agent: Initializing global settings cache  ***********
2024-04-17\t08:45:10:060\t1084\t3a10\tAgent\t  * Endpoint Provider: 00000000-0000-0000-0000-000000000000
2024-04-17\t08:45:10:060\t1084\t3a10\tAgent\t  * WSUS server: <NULL>
2024-04-17\t08:45:10:060\t1084\t3a10\tAgent\t  * WSUS status server: <NULL>
2024-04-17\t08:45:10:060\t1084\t3a10\tAgent\t  * Target group: (Unassigned Computers)
2024-04-17\t08:45:10:060\t1084\t3a10\tAgent\t  * Windows Update access disabled: Yes
2024-04-17\t08:45:10:060\t1084\t97b0\tWuTask\tWuTaskManager delay initialize completed successfully..
",
        ),
        utf16(
            "VM07/Windows/SoftwareDistribution/ReportingEvents.log",
            "
{8F8EA247-1586-48E4-A5F6-1D19A9343341}\t2024-04-17 05:14:55:630-0400\t1\t148 [AGENT_DETECTION_FAILED]\t101\t{00000000-0000-0000-0000-000000000000}\t0\t8024002e\tAzure VM Guest Patching\tFailure\tSoftware Synchronization\tWindows Update Client failed to detect with error 0x8024002e.
{9A0FB358-2697-49F5-B6A7-2E20BA454452}\t2024-04-17 08:47:31:102-0400\t1\t148 [AGENT_DETECTION_FAILED]\t101\t{00000000-0000-0000-0000-000000000000}\t0\t8024002e\tAzure VM Guest Patching\tFailure\tSoftware Synchronization\tWindows Update Client failed to detect with error 0x8024002e.
",
        ),
        utf16(
            "VM07/Registry/WindowsUpdate-policy.reg",
            r#"
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate]
"DisableWindowsUpdateAccess"=dword:00000001

[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate\AU]
"NoAutoUpdate"=dword:00000000
"AUOptions"=dword:00000003
"#,
        ),
    ];
    let report = run(&files);
    let f = finding(&report, "WSUS-CLIENT-WU-ACCESS-DISABLED");
    assert_eq!(level(f), ("warning", "high"));
    assert!(
        f.summary
            .contains("2 failure(s) between 2024-04-17 09:14:55 UTC and 2024-04-17 12:47:31 UTC"),
        "{}",
        f.summary
    );
    let cited = citations_hold(f, &files);
    assert!(cites(&cited, "* Windows Update access disabled: Yes"), "{cited:?}");
    assert!(cites(&cited, "* WSUS server: <NULL>"), "{cited:?}");
    assert!(cites(&cited, "\t8024002e\t"), "{cited:?}");

    // A Windows 10 client: the settings block of Get-WindowsUpdateLog and event 25 in the
    // WindowsUpdateClient log.
    let files = [
        crlf(
            "VM08/WindowsUpdate.log",
            "
2024/04/17 08:45:10.0601150 1084  14864 Agent           WSUS server: (null)
2024/04/17 08:45:10.0601166 1084  14864 Agent           WSUS status server: (null)
2024/04/17 08:45:10.0601203 1084  14864 Agent           Target group: (Unassigned Computers)
2024/04/17 08:45:10.0601215 1084  14864 Agent           Windows Update access disabled: Yes
2024/04/17 08:45:10.0601228 1084  14864 Agent           Do not connect to Windows Update Internet locations: No
",
        ),
        File {
            path: "VM08/EventLogs/WindowsUpdateClient-Operational.evtx".into(),
            bytes: write_evtx(&[check_failed("2024-04-17 12:47:31", "0x8024002E")]),
        },
    ];
    let report = run(&files);
    let f = finding(&report, "WSUS-CLIENT-WU-ACCESS-DISABLED");
    assert_eq!(level(f), ("warning", "high"));
    let cited = citations_hold(f, &files);
    assert!(cites(&cited, "Windows Update access disabled: Yes"), "{cited:?}");
    assert!(cites(&cited, "0x8024002E"), "{cited:?}");

    // The registry alone tells the configuration: medium, with the key named.
    let files = [utf16(
        "VM07/Registry/WindowsUpdate-policy.reg",
        "Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate]\n\"DisableWindowsUpdateAccess\"=dword:00000001\n",
    )];
    let report = run(&files);
    let f = finding(&report, "WSUS-CLIENT-WU-ACCESS-DISABLED");
    assert_eq!(level(f), ("warning", "medium"));
    assert!(
        f.summary
            .contains(r"DisableWindowsUpdateAccess=1 (HKLM\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate)"),
        "{}",
        f.summary
    );
    citations_hold(f, &files);
}

#[test]
fn wu_access_disabled_on_a_wsus_client_is_policy_working() {
    // A WSUS client kept off Windows Update: a Store scan refused with 0x8024002E is expected.
    let report = run(&[
        crlf(
            "PC0042/WindowsUpdate.log",
            "
2023/06/14 07:13:15.7613820 7752  8516  Agent           WSUS server: http://wsus01.contoso.local:8530
2023/06/14 07:13:15.7613849 7752  8516  Agent           WSUS status server: http://wsus01.contoso.local:8530
2023/06/14 07:13:15.7613872 7752  8516  Agent           Windows Update access disabled: Yes
2023/06/14 07:13:15.7613877 7752  8516  Agent           Do not connect to Windows Update Internet locations: Yes
2023/06/14 07:20:41.2281004 7752  9904  Agent           * START * Finding updates CallerId = Acquisition;Microsoft.WindowsStore_8wekyb3d8bbwe  Id = 5 (cV = pX0b7Qw2Lk2sEr8d.1.0.0.1)
2023/06/14 07:20:41.2311002 7752  9904  Agent           * END * Finding updates CallerId = Acquisition;Microsoft.WindowsStore_8wekyb3d8bbwe, Id = 5, Exit code = 0x8024002E (cV = pX0b7Qw2Lk2sEr8d.1.0.0.1)
",
        ),
        utf16(
            "PC0042/Registry/WindowsUpdate-policy.reg",
            &WSUS_POLICY_REG.replace(
                "\"TargetGroupEnabled\"",
                "\"DisableWindowsUpdateAccess\"=dword:00000001\n\"DoNotConnectToWindowsUpdateInternetLocations\"=dword:00000001\n\"TargetGroupEnabled\"",
            ),
        ),
    ]);
    absent(&report, "WSUS-CLIENT-WU-ACCESS-DISABLED");
}

// ---------------------------------------------------------------------------------------------
// 54 WSUS-CLIENT-MS03-031-REOFFER
// ---------------------------------------------------------------------------------------------

#[test]
fn ms03_031_installed_again_and_again() {
    let files = [
        utf16(
            "SQLCLIENT01/SoftwareDistribution/ReportingEvents.log",
            "
{0B2D4F61-83A5-4C7E-9E1B-3D5F7A9C1E28}\t2007-09-11 03:04:11:530+0200\t1\t183 [AGENT_INSTALLING_SUCCEEDED]\t101\t{2C5B7E9A-1D3F-4A6C-8E0B-4F6A8C0E2B91}\t101\t0\tAutomaticUpdates\tSuccess\tContent Install\tInstallation Successful: Windows successfully installed the following update: MS03-031: Cumulative Security Patch for SQL Server (KB815495)
{1C3E5072-94B6-4D8F-AF2C-4E6A8B0D2F39}\t2007-09-12 03:02:47:118+0200\t1\t183 [AGENT_INSTALLING_SUCCEEDED]\t101\t{2C5B7E9A-1D3F-4A6C-8E0B-4F6A8C0E2B91}\t101\t0\tAutomaticUpdates\tSuccess\tContent Install\tInstallation Successful: Windows successfully installed the following update: MS03-031: Cumulative Security Patch for SQL Server (KB815495)
{2D4F6183-A5C7-4E9A-B03D-5F7B9C1E3A40}\t2007-09-13 03:05:20:904+0200\t1\t182 [AGENT_INSTALLING_FAILED]\t101\t{2C5B7E9A-1D3F-4A6C-8E0B-4F6A8C0E2B91}\t101\t80070643\tAutomaticUpdates\tFailure\tContent Install\tInstallation Failure: Windows failed to install the following update with error 0x80070643: MS03-031: Cumulative Security Patch for SQL Server (KB815495).
",
        ),
        crlf("SQLCLIENT01/WindowsUpdate.log", "
2007-09-13\t03:01:02:331\t1012\t6a4\tMisc\t===========  Logging initialized (build: 7.0.6000.374, tz: +0200)  ===========
2007-09-13\t03:01:02:520\t1012\t6a4\tAgent\t  * WSUS server: http://wsus01:80
2007-09-13\t03:01:02:520\t1012\t6a4\tAgent\t  * WSUS status server: http://wsus01:80
"),
    ];
    let report = run(&files);
    let f = finding(&report, "WSUS-CLIENT-MS03-031-REOFFER");
    assert_eq!(level(f), ("info", "low"));
    assert!(
        f.summary
            .contains("update 2c5b7e9a-1d3f-4a6c-8e0b-4f6a8c0e2b91 appears in 3 installation record(s) between 2007-09-11 01:04:11 UTC and 2007-09-13 01:05:20 UTC"),
        "{}",
        f.summary
    );
    let cited = citations_hold(f, &files);
    assert!(cites(&cited, "182 [AGENT_INSTALLING_FAILED]"), "{cited:?}");
}

#[test]
fn ms03_031_once_and_daily_definition_updates_are_not_reoffers() {
    let report = run(&[utf16(
        "PC0042/SoftwareDistribution/ReportingEvents.log",
        "
{0B2D4F61-83A5-4C7E-9E1B-3D5F7A9C1E28}\t2007-09-11 03:04:11:530+0200\t1\t183 [AGENT_INSTALLING_SUCCEEDED]\t101\t{2C5B7E9A-1D3F-4A6C-8E0B-4F6A8C0E2B91}\t101\t0\tAutomaticUpdates\tSuccess\tContent Install\tInstallation Successful: Windows successfully installed the following update: MS03-031: Cumulative Security Patch for SQL Server (KB815495)
{5E7A9C1E-3B5D-4F70-8A2C-6E8A0C2E4A13}\t2024-05-06 09:12:40:207+0200\t1\t183 [AGENT_INSTALLING_SUCCEEDED]\t101\t{E0789628-CE08-4437-BE74-2495B842F43B}\t200\t0\tAutomaticUpdates\tSuccess\tContent Install\tInstallation Successful: Windows successfully installed the following update: Security Intelligence Update for Microsoft Defender Antivirus - KB2267602 (Version 1.411.172.0)
{6F8B0D2F-4C6E-4A81-9B3D-7F9B1D3F5B24}\t2024-05-07 09:15:03:611+0200\t1\t183 [AGENT_INSTALLING_SUCCEEDED]\t101\t{E0789628-CE08-4437-BE74-2495B842F43B}\t200\t0\tAutomaticUpdates\tSuccess\tContent Install\tInstallation Successful: Windows successfully installed the following update: Security Intelligence Update for Microsoft Defender Antivirus - KB2267602 (Version 1.411.221.0)
",
    )]);
    absent(&report, "WSUS-CLIENT-MS03-031-REOFFER");
}

// ---------------------------------------------------------------------------------------------
// 55 WSUS-CONSOLE-IE-CONFIG
// ---------------------------------------------------------------------------------------------

const IIS6_HEADER: &str = "
#Software: Microsoft Internet Information Services 6.0
#Version: 1.0
#Date: 2006-02-14 08:00:02
#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) sc-status sc-substatus sc-win32-status
";
const IE6: &str = "Mozilla/4.0+(compatible;+MSIE+6.0;+Windows+NT+5.2;+SV1;+.NET+CLR+1.1.4322)";

const ESC_INSTALLED_REG: &str = r#"
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Active Setup\Installed Components\{A509B1A7-37EF-4b3f-8CFC-4F3A74704073}]
@="IE Hardening Admin"
"IsInstalled"=dword:00000001
"Locale"="*"
"StubPath"="rundll32.exe iesetup.dll,IEHardenAdmin"
"#;

#[test]
fn console_credential_prompts_with_ie_esc_installed() {
    let log = format!(
        "{IIS6_HEADER}2006-02-14 08:12:40 10.1.0.20 GET /WSUSAdmin/Default.aspx - 80 - 10.1.2.15 {IE6} 401 2 5
2006-02-14 08:12:46 10.1.0.20 GET /WSUSAdmin/Default.aspx - 80 - 10.1.2.15 {IE6} 401 1 2148074254
2006-02-14 08:13:30 10.1.0.20 GET /iuident.cab - 80 - 10.1.3.40 Windows-Update-Agent 200 0 0
2006-02-14 08:15:03 10.1.0.20 GET /WSUSAdmin/Default.aspx - 80 - 10.1.2.15 {IE6} 401 2 5
"
    );
    let files = [
        crlf("WSUS01/LogFiles/W3SVC1/ex060214.log", &log),
        utf16("WSUS01/Registry/ActiveSetup.reg", ESC_INSTALLED_REG),
    ];
    let report = run(&files);
    let f = finding(&report, "WSUS-CONSOLE-IE-CONFIG");
    assert_eq!(level(f), ("info", "low"));
    assert!(
        f.summary.contains(
            "refused 3 browser request(s) from 1 administrator workstation(s) with HTTP 401 between 2006-02-14 08:12:40 UTC and 2006-02-14 08:15:03 UTC"
        ),
        "{}",
        f.summary
    );
    assert!(
        f.summary.contains("Enhanced Security Configuration is installed"),
        "{}",
        f.summary
    );
    let cited = citations_hold(f, &files);
    assert!(cites(&cited, "\"IsInstalled\"=dword:00000001"), "{cited:?}");
}

#[test]
fn console_logon_handshake_is_not_a_prompt() {
    let log = format!(
        "{IIS6_HEADER}2006-02-14 09:01:12 10.1.0.20 GET /WSUSAdmin/Default.aspx - 80 - 10.1.2.15 {IE6} 401 2 5
2006-02-14 09:01:12 10.1.0.20 GET /WSUSAdmin/Default.aspx - 80 - 10.1.2.15 {IE6} 401 1 2148074254
2006-02-14 09:01:13 10.1.0.20 GET /WSUSAdmin/Default.aspx - 80 CONTOSO\\wsusadmin 10.1.2.15 {IE6} 200 0 0
2006-02-14 09:01:14 10.1.0.20 GET /WSUSAdmin/Home.aspx - 80 CONTOSO\\wsusadmin 10.1.2.15 {IE6} 200 0 0
"
    );
    let report = run(&[
        crlf("WSUS01/LogFiles/W3SVC1/ex060214.log", &log),
        utf16("WSUS01/Registry/ActiveSetup.reg", ESC_INSTALLED_REG),
    ]);
    absent(&report, "WSUS-CONSOLE-IE-CONFIG");
}

// ---------------------------------------------------------------------------------------------
// Real logs: none of these signatures fires on them
// ---------------------------------------------------------------------------------------------

fn corpus(sub: &str) -> Option<std::path::PathBuf> {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus")).join(sub);
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: {} is not here", dir.display());
        None
    }
}

fn corpus_files(dir: &Path, prefix: &str) -> Vec<File> {
    let mut files: Vec<File> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| File {
            path: format!("{prefix}/{}", e.file_name().to_string_lossy()),
            bytes: std::fs::read(e.path()).unwrap(),
        })
        .collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// The five public WindowsUpdate.log files (Windows 7 classic without WSUS, a Server 2019 ConfigMgr
/// client on HTTPS 8531, three Windows 10/11 machines scanning Windows Update) print settings blocks
/// with `Windows Update access disabled: No`, `WSUS server: <NULL>` / `(null)`, `SyncUpdates round
/// trips: N` and `BranchReadinessLevel=CB` device attributes: each alone, and all as one bundle with
/// the public .reg files (a WSUS policy; the Settings app's deferral values), raises none of
/// signatures 48–55 at any severity.
#[test]
fn the_public_windowsupdate_logs_and_reg_files_raise_none_of_these_signatures() {
    let (Some(wulog), Some(reg)) = (corpus("wulog"), corpus("reg")) else {
        return;
    };
    let logs = corpus_files(&wulog, "wulog");
    assert_eq!(logs.len(), 5);
    let mut all = Vec::new();
    for log in logs {
        let report = run(std::slice::from_ref(&log));
        let file = &report.files[0];
        assert_eq!(file.kind.to_string(), "windowsupdate-log", "{}", log.path);
        assert!(file.records.unwrap_or(0) > 1000, "{}: {:?}", log.path, file.records);
        let mine: Vec<_> = report
            .findings
            .iter()
            .filter(|f| MINE.contains(&f.signature.as_str()))
            .map(|f| (&f.signature, f.severity.name(), &f.summary))
            .collect();
        assert!(mine.is_empty(), "{}: {mine:?}", log.path);
        all.push(log);
    }
    all.extend(corpus_files(&reg, "reg"));
    let report = run(&all);
    let mine: Vec<_> = report
        .findings
        .iter()
        .filter(|f| MINE.contains(&f.signature.as_str()))
        .map(|f| (&f.signature, f.severity.name(), &f.summary))
        .collect();
    assert!(mine.is_empty(), "{mine:?}");
}
