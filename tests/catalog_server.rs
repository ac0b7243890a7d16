//! The server-side signatures of the catalog (database, setup, console, post-install servicing:
//! signatures.md §5–§7) on whole bundles built here: a server folder with SoftwareDistribution.log,
//! registry hives and exports, event logs (EVTX written by the test writer, wevtutil text exports),
//! IIS and setup logs, and client logs beside it. Each signature gets a bundle that shows the fault
//! and one that shows the noise or healthy state a naive matcher would flag; the findings' citations
//! must stand at the cited line (or record, or key) of the cited file, and their summaries must carry
//! the bundle's figures.

#[path = "support/evtx_writer.rs"]
mod evtx_writer;
#[path = "support/regf_writer.rs"]
mod regf_writer;

use chrono::NaiveDateTime;
use evtx_writer::{Event, providers, write_evtx};
use regf_writer::{Data, HiveWriter};
use std::io::Write;
use std::sync::OnceLock;
use wsus_triage::diagnosis::Finding;
use wsus_triage::intake::{Bundle, Limits};
use wsus_triage::pipeline::{BundleReport, Engine, Options, run_opened};
use wsus_triage::signatures::Severity;

/// The signatures this file covers (the negative bundles must keep all of them quiet).
const SERVER_SIGNATURES: [&str; 11] = [
    "WSUS-DB-TIMEOUT",
    "WSUS-DB-UNREACHABLE",
    "WSUS-WMSDE-FLAG-STALE",
    "WSUS-SQL-NESTED-TRIGGERS",
    "WSUS-SETUP-PREREQ-MISSING",
    "WSUS-SETUP-REMOTE-SQL-UNSUPPORTED",
    "WSUS-CONSOLE-MMC-CACHE",
    "WSUS-CONSOLE-TEMP-ACL",
    "WSUS-CONSOLE-REMOTE-API",
    "WSUS-KB3159706-POSTINSTALL",
    "WSUS-CLIENT-UPGRADE-0XC1800118",
];

const SDL: &str = "Server/Update Services/LogFiles/SoftwareDistribution.log";

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::load(&[]).expect("the embedded grammars load"))
}

/// A bundle in memory: its files, and the members of the archives among them (as `zip/member`),
/// kept to check what the findings cite.
#[derive(Default)]
struct Files {
    files: Vec<(String, Vec<u8>)>,
    members: Vec<(String, Vec<u8>)>,
}

impl Files {
    fn add(mut self, name: &str, bytes: impl Into<Vec<u8>>) -> Files {
        self.files.push((name.to_string(), bytes.into()));
        self
    }

    /// A folder a collector zipped (a client's logs inside the server bundle).
    fn add_zip(mut self, name: &str, members: &[(&str, Vec<u8>)]) -> Files {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (member, bytes) in members {
            w.start_file(*member, options).expect("a zip member");
            w.write_all(bytes).expect("zip data");
            self.members.push((format!("{name}/{member}"), bytes.clone()));
        }
        let zip = w.finish().expect("a zip").into_inner();
        self.files.push((name.to_string(), zip));
        self
    }

    fn run(&self) -> BundleReport {
        let bundle = Bundle::from_memory("bundle", self.files.clone(), &Limits::default());
        run_opened(
            engine(),
            bundle,
            &Options {
                diagnose: true,
                ..Options::default()
            },
        )
    }

    fn bytes(&self, name: &str) -> &[u8] {
        &self
            .files
            .iter()
            .chain(&self.members)
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("{name} is not in the bundle"))
            .1
    }
}

use wsus_triage::intake::decode::line_at as line_of;

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

/// Every cited excerpt stands where it says: at its line of a text file, as a value of its key in
/// a hive, as the rendered `<Event>` of its record in an EVTX file.
fn assert_citations_stand(files: &Files, f: &Finding) {
    assert!(!f.evidence.is_empty(), "{} cites nothing", f.signature);
    for e in &f.evidence {
        let bytes = files.bytes(&e.file);
        match (e.line, &e.key, e.record) {
            (Some(n), _, _) => {
                let line = line_of(bytes, n).unwrap_or_else(|| panic!("{} has no line {n}", e.file));
                assert_eq!(line, e.text, "{}:{n}", e.file);
            }
            (None, Some(key), _) => {
                assert!(key.starts_with("HKLM\\"), "{key}");
                let (name, data) = e.text.split_once(" = ").expect("a hive value cites `name = data`");
                // Hives store ASCII value names in 8 bits and string data in UTF-16LE.
                let utf16 = |s: &str| s.encode_utf16().flat_map(u16::to_le_bytes).collect::<Vec<u8>>();
                let found = |s: &str| {
                    let wide = utf16(s);
                    bytes.windows(wide.len()).any(|w| w == wide.as_slice())
                        || bytes.windows(s.len()).any(|w| w == s.as_bytes())
                };
                assert!(found(name), "{name} is not written in {}", e.file);
                if !data.chars().all(|c| c.is_ascii_digit()) {
                    assert!(found(data), "{data} is not written in {}", e.file);
                }
            }
            (None, None, Some(_)) => {
                assert!(
                    e.text.starts_with("<Event"),
                    "an EVTX record cites its rendered event: {}",
                    e.text
                );
            }
            _ => panic!("{} cites no position: {e:?}", f.signature),
        }
    }
}

fn cited_texts(f: &Finding) -> Vec<&str> {
    f.evidence.iter().map(|e| e.text.as_str()).collect()
}

fn assert_fires(report: &BundleReport, files: &Files, id: &str, severity: &str, confidence: &str) -> Finding {
    let f = finding(report, id).clone();
    assert_eq!(f.severity.name(), severity, "{id}: {}", f.summary);
    assert_eq!(f.confidence.name(), confidence, "{id}: {}", f.summary);
    assert_citations_stand(files, &f);
    f
}

fn assert_not_fired(report: &BundleReport, id: &str) {
    assert!(
        !report.findings.iter().any(|f| f.signature == id),
        "{id} fired: {:?}",
        report.findings.iter().find(|f| f.signature == id).map(|f| &f.summary)
    );
}

/// The signature stays quiet, and so do the other server signatures at warning and above.
fn assert_quiet(report: &BundleReport, id: &str) {
    assert!(
        !report.findings.iter().any(|f| f.signature == id),
        "{id} fired: {:?}",
        report.findings.iter().find(|f| f.signature == id).map(|f| &f.summary)
    );
    for f in &report.findings {
        assert!(
            !(SERVER_SIGNATURES.contains(&f.signature.as_str()) && f.severity >= Severity::Warning),
            "{} fired on a healthy bundle: {}",
            f.signature,
            f.summary
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Artifacts
// ---------------------------------------------------------------------------------------------

/// SoftwareDistribution.log from `date time|level|process.thread|source|message` rows (TABs).
fn sdl(rows: &[&str]) -> Vec<u8> {
    let mut out = String::new();
    for r in rows {
        let mut cols = r.splitn(5, '|');
        let (when, level, proc, source, message) = (
            cols.next().unwrap_or(""),
            cols.next().unwrap_or(""),
            cols.next().unwrap_or(""),
            cols.next().unwrap_or(""),
            cols.next().unwrap_or(""),
        );
        out += &format!("{when} UTC\t{level}\t{proc}\t{source}\t{message}\r\n");
    }
    out.into_bytes()
}

const SYNC_STARTED: &str = "2024-11-20 03:00:00.117|Info|WsusService.21|EventLogEventReporter.ReportEvent|EventId=381,Type=Information,Category=Synchronization,Message=A scheduled synchronization was started.";
const SYNC_DONE: &str = "2024-11-20 03:04:41.502|Info|WsusService.21|EventLogEventReporter.ReportEvent|EventId=384,Type=Information,Category=Synchronization,Message=Synchronization completed successfully.";

fn sql_error(at: &str, process: &str, server: &str, number: &str, text: &str) -> String {
    format!(
        "{at}|Error|{process}|DBConnection.LogSqlException|DBLAYER: Errors[0]: Source .Net SqlClient Data Provider, Server {server}, Number {number}, Class 10, State 0, Procedure , LineNumber 0: {text}"
    )
}

const TIMEOUT_TEXT: &str =
    "Timeout expired. The timeout period elapsed prior to completion of the operation or the server is not responding.";
const WID_PIPE: &str = r"\\.\pipe\MICROSOFT##WID\tsql\query";
const NAMED_PIPES_TEXT: &str = "A network-related or instance-specific error occurred while establishing a connection to SQL Server. The server was not found or was not accessible. (provider: Named Pipes Provider, error: 40 - Could not open a connection to SQL Server)";

/// One event of a `wevtutil qe /f:text` export.
struct TextEvent {
    log: &'static str,
    source: &'static str,
    date: String,
    id: u32,
    level: &'static str,
    computer: String,
    description: String,
}

fn wevtutil(events: &[TextEvent]) -> Vec<u8> {
    let mut out = String::new();
    for (i, e) in events.iter().enumerate() {
        if i > 0 {
            out += "\r\n";
        }
        out += &format!(
            "Event[{i}]:\r\n  Log Name: {}\r\n  Source: {}\r\n  Date: {}\r\n  Event ID: {}\r\n  Task: N/A\r\n  Level: {}\r\n  Opcode: N/A\r\n  Keyword: Classic\r\n  User: N/A\r\n  User Name: N/A\r\n  Computer: {}\r\n",
            e.log, e.source, e.date, e.id, e.level, e.computer
        );
        if e.description.contains('\n') {
            out += "  Description: \r\n";
            out += &e.description.replace('\n', "\r\n");
            out += "\r\n";
        } else {
            out += &format!("  Description: {}\r\n", e.description);
        }
    }
    out.into_bytes()
}

fn console_7053(date: &str, computer: &str, exception: &str) -> TextEvent {
    TextEvent {
        log: "Application",
        source: providers::WSUS,
        date: date.to_string(),
        id: 7053,
        level: "Error",
        computer: computer.to_string(),
        description: format!(
            "The WSUS administration console has encountered an unexpected error. This may be a transient error; try restarting the administration console. If this error persists,\n\nTry removing the persisted preferences for the console by deleting the wsus file under %appdata%\\Microsoft\\MMC\\.\n\n{exception}"
        ),
    }
}

const HANDSHAKE: &str = "System.IO.IOException -- The handshake failed due to an unexpected packet format.\n\nSource\nSystem\n\nStack Trace:\n   at System.Net.Security.SslState.StartReadFrame(Byte[] buffer, Int32 readBytes, AsyncProtocolRequest asyncRequest)\n   at System.Net.Security.SslState.PartialFrameCallback(AsyncProtocolRequest asyncRequest)";

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").expect("a fixture time")
}

/// A Service Control Manager event as Windows Server 2012+ writes it (manifest provider, `param1`…).
fn scm(id: u16, qualifiers: u16, level: u8, time: &str, params: &[&str]) -> Event {
    let names = ["param1", "param2", "param3", "param4", "param5"];
    let data: Vec<(&str, &str)> = names.iter().copied().zip(params.iter().copied()).collect();
    Event::manifest(
        providers::SCM,
        providers::SCM_GUID,
        id,
        level,
        0,
        0x8080_0000_0000_0000,
        at(time),
        "System",
        "WSUS01.contoso.local",
        &data,
    )
    .with_source_name(providers::SCM)
    .with_qualifiers(qualifiers)
    .with_process(664, 3120)
}

fn wsus_event(id: u16, level: u8, time: &str, text: &str) -> Event {
    Event::classic(
        providers::WSUS,
        id,
        0,
        level,
        0,
        at(time),
        "Application",
        "WSUS01.contoso.local",
        &[text],
    )
}

/// The SOFTWARE hive of a WSUS server with its Setup values replaced.
fn software_hive(setup: &[(&str, Data)], os: &[(&str, &str)]) -> Vec<u8> {
    let mut w = regf_writer::wsus_software_hive();
    for (name, data) in setup {
        w.set(r"Microsoft\Update Services\Server\Setup", name, data.clone());
    }
    for (name, value) in os {
        w.set(r"Microsoft\Windows NT\CurrentVersion", name, Data::sz(value));
    }
    w.to_bytes()
}

/// A SYSTEM hive with a time zone (W. Europe), a computer name, a product type and services.
fn system_hive(computer: &str, product_type: &str, services: &[(&str, u32, u32)]) -> Vec<u8> {
    let mut w = HiveWriter::new("ROOT", "SYSTEM");
    w.set("Select", "Current", Data::Dword(1));
    let tz = r"ControlSet001\Control\TimeZoneInformation";
    w.set(tz, "Bias", Data::Dword(-60i32 as u32))
        .set(tz, "DaylightBias", Data::Dword(-60i32 as u32))
        .set(
            tz,
            "DaylightStart",
            Data::Binary(regf_writer::systemtime_rule(3, 0, 5, 2)),
        )
        .set(tz, "StandardBias", Data::Dword(0))
        .set(
            tz,
            "StandardStart",
            Data::Binary(regf_writer::systemtime_rule(10, 0, 5, 3)),
        )
        .set(tz, "TimeZoneKeyName", Data::sz("W. Europe Standard Time"))
        .set(tz, "ActiveTimeBias", Data::Dword(-60i32 as u32));
    w.set(
        r"ControlSet001\Control\ComputerName\ComputerName",
        "ComputerName",
        Data::sz(computer),
    );
    w.set(
        r"ControlSet001\Control\ProductOptions",
        "ProductType",
        Data::sz(product_type),
    );
    for (name, start, kind) in services {
        let key = format!(r"ControlSet001\Services\{name}");
        w.set(&key, "Start", Data::Dword(*start))
            .set(&key, "Type", Data::Dword(*kind))
            .set(&key, "ErrorControl", Data::Dword(1));
    }
    w.to_bytes()
}

/// The services of a Windows Server 2012 R2+ WSUS server: (name, Start, Type).
const SERVER_SERVICES: [(&str, u32, u32); 6] = [
    ("EventLog", 2, 0x20),
    ("LanmanServer", 2, 0x20),
    ("W3SVC", 2, 0x20),
    ("WAS", 3, 0x20),
    ("WsusService", 2, 0x10),
    ("MSSQL$MICROSOFT##WID", 2, 0x10),
];

fn utf16le_bom(text: &str) -> Vec<u8> {
    let mut v = vec![0xFF, 0xFE];
    v.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    v
}

const IIS_FIELDS: &str = "#Software: Microsoft Internet Information Services 10.0\r\n#Version: 1.0\r\n#Date: 2024-11-20 10:00:00\r\n#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) sc-status sc-substatus sc-win32-status time-taken\r\n";
const CONSOLE_UA: &str = "Mozilla/4.0+(compatible;+MSIE+6.0;+MS+Web+Services+Client+Protocol+4.0.30319.42000)";

// ---------------------------------------------------------------------------------------------
// WSUS-DB-TIMEOUT
// ---------------------------------------------------------------------------------------------

#[test]
fn db_timeout_two_logged_timeouts_and_a_client_that_cannot_upload_events() {
    let server_log = sdl(&[
        SYNC_STARTED,
        &sql_error(
            "2024-11-20 09:14:32.512",
            "w3wp.130",
            r"WSUS01\WSUS",
            "-2",
            TIMEOUT_TEXT,
        ),
        "2024-11-20 09:14:32.530|Error|w3wp.130|ClientImplementation.SyncUpdates|System.Data.SqlClient.SqlException: Timeout expired.  The timeout period elapsed prior to completion of the operation or the server is not responding.",
        &sql_error(
            "2024-11-20 09:21:07.188",
            "w3wp.141",
            r"WSUS01\WSUS",
            "-2",
            TIMEOUT_TEXT,
        ),
    ]);
    let client = "2024-11-20\t10:18:03:120\t 996\t1a4c\tReport\tWARNING: Failed to upload events to the server with hr = 80244008.\r\n2024-11-20\t10:18:03:121\t 996\t1a4c\tReport\tWARNING: Reporter failed to upload events with hr = 80244008.\r\n";
    let files = Files::default()
        .add(SDL, server_log)
        .add("Clients/PC0077/WindowsUpdate.log", client);
    let report = files.run();
    let f = assert_fires(&report, &files, "WSUS-DB-TIMEOUT", "error", "high");
    assert!(
        f.summary.starts_with(
            "2 SUSDB queries timed out (SQL error number -2 logged by DBConnection.LogSqlException) between 2024-11-20 09:14:32 UTC and 2024-11-20 09:21:07 UTC"
        ),
        "{}",
        f.summary
    );
    assert!(cited_texts(&f).iter().any(|t| t.contains("Number -2")));
    assert!(f.evidence.iter().any(|e| e.file.ends_with("WindowsUpdate.log")));
    assert_eq!(f.count, 2);
    assert_not_fired(&report, "WSUS-DB-UNREACHABLE");
}

#[test]
fn db_timeout_during_the_cleanup_wizard_reads_as_overdue_maintenance() {
    let server_log = sdl(&[
        &sql_error("2024-11-20 22:00:14.870", "w3wp.52", r"WSUS01\WSUS", "-2", TIMEOUT_TEXT),
        "2024-11-20 22:00:14.901|Error|w3wp.52|AdminDataAccess.ExecuteSPGetObsoleteUpdatesToCleanup|System.Data.SqlClient.SqlException: Timeout expired.",
        &sql_error("2024-11-20 22:10:40.332", "w3wp.52", r"WSUS01\WSUS", "-2", TIMEOUT_TEXT),
    ]);
    let files = Files::default().add(SDL, server_log);
    let report = files.run();
    let f = assert_fires(&report, &files, "WSUS-DB-TIMEOUT", "error", "medium");
    assert!(
        f.summary
            .contains("while the Server Cleanup Wizard was running (1 cleanup records)"),
        "{}",
        f.summary
    );
    assert!(f.summary.contains("maintenance is overdue"), "{}", f.summary);
}

#[test]
fn db_timeout_stays_quiet_on_a_retried_deadlock_and_successful_uploads() {
    let server_log = sdl(&[
        SYNC_STARTED,
        "2024-11-20 03:02:11.640|Warning|WsusService.21|DBConnection.LogSqlException|DBLAYER: Errors[0]: Source .Net SqlClient Data Provider, Server WSUS01\\WSUS, Number 1205, Class 13, State 51, Procedure spImportUpdate, LineNumber 0: Transaction (Process ID 62) was deadlocked on lock resources with another process and has been chosen as the deadlock victim. Rerun the transaction.",
        SYNC_DONE,
    ]);
    let client = "2024-11-20\t10:18:03:120\t 996\t1a4c\tReport\tUploading 2 events using cached cookie, reporting URL = http://wsus01.contoso.local:8530/ReportingWebService/ReportingWebService.asmx\r\n2024-11-20\t10:18:03:262\t 996\t1a4c\tReport\tReporter successfully uploaded 2 events.\r\n";
    let report = Files::default()
        .add(SDL, server_log)
        .add("Clients/PC0077/WindowsUpdate.log", client)
        .run();
    assert_quiet(&report, "WSUS-DB-TIMEOUT");
}

// ---------------------------------------------------------------------------------------------
// WSUS-DB-UNREACHABLE
// ---------------------------------------------------------------------------------------------

fn wid_crash_bundle(restarted: bool) -> Files {
    let mut events = vec![scm(
        7034,
        49152,
        2,
        "2024-11-20 09:40:12.000",
        &["Windows Internal Database", "1"],
    )];
    let mut rows = vec![
        SYNC_STARTED.to_string(),
        SYNC_DONE.to_string(),
        sql_error(
            "2024-11-20 09:41:03.377",
            "WsusService.27",
            WID_PIPE,
            "2",
            NAMED_PIPES_TEXT,
        ),
        sql_error(
            "2024-11-20 09:46:03.380",
            "WsusService.27",
            WID_PIPE,
            "2",
            NAMED_PIPES_TEXT,
        ),
    ];
    if restarted {
        events.push(scm(
            7036,
            16384,
            4,
            "2024-11-20 10:02:55.000",
            &["Windows Internal Database", "running"],
        ));
        rows.push("2024-11-20 11:00:00.204|Info|WsusService.21|EventLogEventReporter.ReportEvent|EventId=381,Type=Information,Category=Synchronization,Message=A scheduled synchronization was started.".into());
        rows.push("2024-11-20 11:04:37.918|Info|WsusService.21|EventLogEventReporter.ReportEvent|EventId=384,Type=Information,Category=Synchronization,Message=Synchronization completed successfully.".into());
    }
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    Files::default()
        .add("Server/EventLogs/System.evtx", write_evtx(&events))
        .add(SDL, sdl(&rows))
        .add(
            "Server/Registry/SYSTEM",
            system_hive("WSUS01", "ServerNT", &SERVER_SERVICES),
        )
}

#[test]
fn db_unreachable_the_internal_database_crashed_and_wsus_logs_named_pipe_errors() {
    let files = wid_crash_bundle(false);
    let report = files.run();
    let f = assert_fires(&report, &files, "WSUS-DB-UNREACHABLE", "error", "medium");
    assert!(
        f.summary.contains(
            "2 connection or login errors were logged by DBConnection.LogSqlException between 2024-11-20 09:41:03 UTC and 2024-11-20 09:46:03 UTC, and the database service failed 1 time(s) (2024-11-20 09:40:12 UTC)"
        ),
        "{}",
        f.summary
    );
    let evtx = f
        .evidence
        .iter()
        .find(|e| e.file.ends_with("System.evtx"))
        .expect("the SCM event is cited");
    assert_eq!(evtx.record, Some(1));
    assert!(evtx.text.contains("Windows Internal Database"), "{}", evtx.text);
    assert!(cited_texts(&f).iter().any(|t| t.contains("Number 2,")));
}

#[test]
fn db_unreachable_recovered_when_the_service_restarted_and_a_sync_completed() {
    let files = wid_crash_bundle(true);
    let report = files.run();
    let f = assert_fires(&report, &files, "WSUS-DB-UNREACHABLE", "info", "medium");
    assert!(
        f.summary
            .starts_with("Recovered: this was failing until 2024-11-20 09:46:03 UTC, and succeeded afterwards."),
        "{}",
        f.summary
    );
}

#[test]
fn db_unreachable_stays_quiet_on_a_planned_restart() {
    let events = vec![
        scm(7036, 16384, 4, "2024-11-20 22:00:31.000", &["WSUS Service", "stopped"]),
        scm(
            7036,
            16384,
            4,
            "2024-11-20 22:00:33.000",
            &["Windows Internal Database", "stopped"],
        ),
        scm(
            7036,
            16384,
            4,
            "2024-11-20 22:03:10.000",
            &["Windows Internal Database", "running"],
        ),
        scm(7036, 16384, 4, "2024-11-20 22:03:14.000", &["WSUS Service", "running"]),
    ];
    let report = Files::default()
        .add("Server/EventLogs/System.evtx", write_evtx(&events))
        .add(SDL, sdl(&[SYNC_STARTED, SYNC_DONE]))
        .add(
            "Server/Registry/SYSTEM",
            system_hive("WSUS01", "ServerNT", &SERVER_SERVICES),
        )
        .run();
    assert_quiet(&report, "WSUS-DB-UNREACHABLE");
}

// ---------------------------------------------------------------------------------------------
// WSUS-WMSDE-FLAG-STALE
// ---------------------------------------------------------------------------------------------

#[test]
fn wmsde_flag_left_at_1_after_moving_susdb_to_sql_server() {
    let files = Files::default()
        .add(
            "Server/Registry/SOFTWARE",
            software_hive(
                &[
                    ("SqlServerName", Data::sz(r"SQL01\WSUSDB")),
                    ("VersionString", Data::sz("3.0.6000.273")),
                    ("WmsdeInstalled", Data::Dword(1)),
                    ("InstallType", Data::Dword(0x80)),
                ],
                &[],
            ),
        )
        .add(SDL, sdl(&[SYNC_STARTED, SYNC_DONE]));
    let report = files.run();
    let f = assert_fires(&report, &files, "WSUS-WMSDE-FLAG-STALE", "warning", "high");
    assert!(
        f.summary.contains(r"SqlServerName points at SQL01\WSUSDB,"),
        "{}",
        f.summary
    );
    let flag = f
        .evidence
        .iter()
        .find(|e| e.text == "WmsdeInstalled = 1")
        .expect("the flag is cited");
    assert_eq!(
        flag.key.as_deref(),
        Some(r"HKLM\SOFTWARE\Microsoft\Update Services\Server\Setup")
    );
}

#[test]
fn wmsde_flag_is_right_while_wmsde_is_still_the_database() {
    let reg = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Update Services\\Server\\Setup]\r\n\"ContentDir\"=\"C:\\\\WSUS\"\r\n\"SqlServerName\"=\"WSUS01\\\\WSUS\"\r\n\"VersionString\"=\"2.0.0.2620\"\r\n\"WmsdeInstalled\"=dword:00000001\r\n\r\n";
    let report = Files::default()
        .add("Server/Registry/UpdateServices-Setup.reg", utf16le_bom(reg))
        .add(SDL, sdl(&[SYNC_STARTED, SYNC_DONE]))
        .run();
    assert_quiet(&report, "WSUS-WMSDE-FLAG-STALE");
}

// ---------------------------------------------------------------------------------------------
// WSUS-SQL-NESTED-TRIGGERS
// ---------------------------------------------------------------------------------------------

const REMOTE_SQL_REG: &str = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Update Services\\Server\\Setup]\r\n\"SqlServerName\"=\"SQL01\"\r\n\"WmsdeInstalled\"=dword:00000000\r\n\r\n";

#[test]
fn nested_triggers_off_stops_setup_with_sus_triggersnotset() {
    let setup = "2009-10-14 10:01:40  Windows Server Update Services Setup is starting\r\n2009-10-14 10:01:52  Using SQL Server instance SQL01 for database SUSDB\r\n2009-10-14 10:01:53  Error: SQL Server configuration check returned 0x001455 (SUS_TRIGGERSNOTSET)\r\n2009-10-14 10:01:53  Windows Server Update Services setup failed with exit code 0x001455\r\n";
    let files = Files::default()
        .add("Temp/WSUSSetup.log", setup)
        .add("Server/Registry/UpdateServices-Setup.reg", REMOTE_SQL_REG);
    let report = files.run();
    let f = assert_fires(&report, &files, "WSUS-SQL-NESTED-TRIGGERS", "warning", "medium");
    assert!(
        f.summary
            .contains("reports SUS_TRIGGERSNOTSET (0x1455) 2 time(s), first at 2009-10-14 10:01:53"),
        "{}",
        f.summary
    );
    assert!(cited_texts(&f).iter().any(|t| t.contains("(SUS_TRIGGERSNOTSET)")));
}

#[test]
fn nested_triggers_quiet_on_a_completed_install_whose_log_has_the_same_digits() {
    let setup = "2009-10-14 10:20:05  Windows Server Update Services Setup is starting\r\n2009-10-14 10:20:05  Setup process id 1455, command line: /q CREATE_DATABASE=1 SQLINSTANCE_NAME=SQL01\r\n2009-10-14 10:24:38  Windows Server Update Services setup completed successfully\r\n";
    let report = Files::default()
        .add("Temp/WSUSSetup.log", setup)
        .add("Server/Registry/UpdateServices-Setup.reg", REMOTE_SQL_REG)
        .run();
    assert_quiet(&report, "WSUS-SQL-NESTED-TRIGGERS");
}

// ---------------------------------------------------------------------------------------------
// WSUS-SETUP-PREREQ-MISSING
// ---------------------------------------------------------------------------------------------

const FAILED_MSI: &str = "=== Verbose logging started: 14/10/2009  09:12:50  Build type: SHIP UNICODE 4.05.6001.00  Calling process: C:\\Windows\\system32\\msiexec.exe ===\r\nMSI (s) (A0:44) [09:12:55:377]: Doing action: InstallFinalize\r\nAction start 09:12:55: InstallFinalize.\r\nMSI (s) (A0:18) [09:12:56:502]: Invoking remote custom action. DLL: C:\\Windows\\Installer\\MSI8F2.tmp, Entrypoint: ConfigureWebSite\r\nCustomAction ConfigureWebSite returned actual error code 1603 (note this may not be 100% accurate if translation happened inside sandbox)\r\nAction ended 09:12:57: InstallFinalize. Return value 3.\r\nMSI (c) (C8:CC) [09:12:58:001]: MainEngineThread is returning 1603\r\n=== Verbose logging stopped: 14/10/2009  09:12:58 ===\r\n";

#[test]
fn setup_fails_on_a_machine_without_iis() {
    let no_iis: Vec<(&str, u32, u32)> = SERVER_SERVICES
        .iter()
        .copied()
        .filter(|(n, _, _)| !["W3SVC", "WAS", "WsusService"].contains(n))
        .collect();
    let files = Files::default()
        .add("Temp/WSUSSetupMsi_20091014.log", utf16le_bom(FAILED_MSI))
        .add("Registry/SYSTEM", system_hive("WSUS01", "ServerNT", &no_iis));
    let report = files.run();
    let f = assert_fires(&report, &files, "WSUS-SETUP-PREREQ-MISSING", "error", "medium");
    assert!(
        f.summary.starts_with(
            "WSUS setup failed (an MSI action returned 3: InstallFinalize, first at 2009-10-14 07:12:57 UTC) on a machine whose registry has no World Wide Web Publishing Service"
        ),
        "the local time is placed with the hive's W. Europe zone (summer time, +02:00): {}",
        f.summary
    );
    assert!(
        cited_texts(&f)
            .iter()
            .any(|t| t.starts_with("CustomAction ConfigureWebSite returned actual error code 1603")),
        "the failing action's context is cited"
    );
}

#[test]
fn setup_prereq_quiet_on_a_completed_install_that_names_its_prerequisites() {
    let setup = "2009-10-14 11:40:02  Windows Server Update Services Setup is starting\r\n2009-10-14 11:40:04  Checking prerequisites: IIS 6.0, ASP.NET 2.0.50727, BITS 2.0\r\n2009-10-14 11:40:05  Prerequisite check passed\r\n2009-10-14 11:46:19  Windows Server Update Services setup completed successfully\r\n";
    let report = Files::default()
        .add("Temp/WSUSSetup.log", setup)
        .add("Registry/SYSTEM", system_hive("WSUS01", "ServerNT", &SERVER_SERVICES))
        .run();
    assert_quiet(&report, "WSUS-SETUP-PREREQ-MISSING");
}

// ---------------------------------------------------------------------------------------------
// WSUS-SETUP-REMOTE-SQL-UNSUPPORTED
// ---------------------------------------------------------------------------------------------

#[test]
fn remote_sql_from_a_domain_controller() {
    let files = Files::default()
        .add(
            "DC01/Registry/SOFTWARE",
            software_hive(
                &[
                    ("SqlServerName", Data::sz(r"sql01.contoso.local\WSUSDB")),
                    ("VersionString", Data::sz("3.2.7600.226")),
                ],
                &[("CurrentVersion", "5.2"), ("CurrentBuildNumber", "3790")],
            ),
        )
        .add(
            "DC01/Registry/SYSTEM",
            system_hive("DC01", "LanmanNT", &SERVER_SERVICES),
        );
    let report = files.run();
    let f = assert_fires(&report, &files, "WSUS-SETUP-REMOTE-SQL-UNSUPPORTED", "warning", "low");
    assert_eq!(
        f.summary,
        "WSUS on the domain controller dc01 uses a remote database (SqlServerName = sql01): the readme does not support remote SQL when either machine is a domain controller."
    );
}

#[test]
fn remote_sql_from_a_member_server_is_supported() {
    let report = Files::default()
        .add(
            "WSUS01/Registry/SOFTWARE",
            software_hive(
                &[
                    ("SqlServerName", Data::sz(r"sql01.contoso.local\WSUSDB")),
                    ("VersionString", Data::sz("3.2.7600.226")),
                ],
                &[("CurrentVersion", "5.2"), ("CurrentBuildNumber", "3790")],
            ),
        )
        .add(
            "WSUS01/Registry/SYSTEM",
            system_hive("WSUS01", "ServerNT", &SERVER_SERVICES),
        )
        .run();
    assert_quiet(&report, "WSUS-SETUP-REMOTE-SQL-UNSUPPORTED");
}

// ---------------------------------------------------------------------------------------------
// WSUS-CONSOLE-MMC-CACHE
// ---------------------------------------------------------------------------------------------

const NULL_REFERENCE: &str = "System.NullReferenceException -- Object reference not set to an instance of an object.\n\nSource\nMicrosoft.UpdateServices.UI.SnapIn\n\nStack Trace:\n   at Microsoft.UpdateServices.UI.SnapIn.Scope.ServerSummaryScopeNode.GetSummaryPanel()";

#[test]
fn mmc_cache_a_console_crash_with_nothing_wrong_on_the_server() {
    let console = console_7053_text("2024-11-20 10:02:17.431", NULL_REFERENCE);
    let files = Files::default()
        .add("Server/EventLogs/Application.evtx", write_evtx(&[console]))
        .add(SDL, sdl(&[SYNC_STARTED, SYNC_DONE]));
    let report = files.run();
    let f = assert_fires(&report, &files, "WSUS-CONSOLE-MMC-CACHE", "warning", "medium");
    assert!(
        f.summary.starts_with(
            "The WSUS administration console crashed 1 time(s) with event 7053 between 2024-11-20 10:02:17 UTC and 2024-11-20 10:02:17 UTC"
        ),
        "{}",
        f.summary
    );
    assert!(f.evidence[0].text.contains("NullReferenceException"));
}

/// A 7053 as the console's event source writes it: one insertion string.
fn console_7053_text(time: &str, exception: &str) -> Event {
    wsus_event(
        7053,
        2,
        time,
        &format!(
            "The WSUS administration console has encountered an unexpected error. This may be a transient error; try restarting the administration console. If this error persists,\r\n\r\n{}",
            exception.replace('\n', "\r\n")
        ),
    )
}

#[test]
fn mmc_cache_yields_when_the_console_error_is_a_database_time_out() {
    let console = console_7053_text(
        "2024-11-20 09:15:02.000",
        "System.Data.SqlClient.SqlException -- Timeout expired.  The timeout period elapsed prior to completion of the operation or the server is not responding.",
    );
    let files = Files::default()
        .add("Server/EventLogs/Application.evtx", write_evtx(&[console]))
        .add(
            SDL,
            sdl(&[&sql_error(
                "2024-11-20 09:14:32.512",
                "w3wp.130",
                r"WSUS01\WSUS",
                "-2",
                TIMEOUT_TEXT,
            )]),
        );
    let report = files.run();
    assert_fires(&report, &files, "WSUS-DB-TIMEOUT", "error", "high");
    assert_not_fired(&report, "WSUS-CONSOLE-MMC-CACHE");
}

#[test]
fn mmc_cache_quiet_on_a_healthy_server() {
    let report = Files::default()
        .add(
            "Server/EventLogs/Application.evtx",
            write_evtx(&[wsus_event(10000, 4, "2024-11-20 10:05:00.000", "WSUS is working correctly.")]),
        )
        .add(
            SDL,
            sdl(&[
                SYNC_STARTED,
                SYNC_DONE,
                "2024-11-20 10:03:12.406|Change|w3wp.36|AdminDataAccess.SetConfiguration|Configuration changed by CONTOSO\\wsusadmin",
            ]),
        )
        .run();
    assert_quiet(&report, "WSUS-CONSOLE-MMC-CACHE");
}

// ---------------------------------------------------------------------------------------------
// WSUS-CONSOLE-TEMP-ACL
// ---------------------------------------------------------------------------------------------

const WSUS2_REG: &str = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Update Services\\Server\\Setup]\r\n\"SqlServerName\"=\"WSUS01\\\\WSUS\"\r\n\"VersionString\"=\"2.0.0.2620\"\r\n\"WmsdeInstalled\"=dword:00000001\r\n\r\n";

#[test]
fn temp_acl_the_web_console_cannot_load_its_serializer_assembly() {
    let log = "2006-03-14 15:22:07.884 UTC\tInfo\tw3wp.9\tWebService.Initialize\tInitializing WSUS administration web service\r\n2006-03-14 15:22:08.130 UTC\tError\tw3wp.9\tWebService.ProcessRequest\tSystem.IO.FileNotFoundException: File or assembly name qxhdnkdu.dll, or one of its dependencies, was not found.\r\n   at System.Reflection.Assembly.nLoad(AssemblyName fileName, String codeBase, Boolean isStringized, Evidence assemblySecurity, Boolean throwOnFileNotFound, Assembly locationHint, StackCrawlMark& stackMark)\r\n   at System.Xml.Serialization.Compiler.Compile()\r\n2006-03-14 15:31:40.002 UTC\tError\tw3wp.9\tWebService.ProcessRequest\tSystem.IO.FileNotFoundException: File or assembly name 3vzq0x1k.dll, or one of its dependencies, was not found.\r\n";
    let files = Files::default()
        .add(
            "Server/Microsoft Windows Update Services/LogFiles/SoftwareDistribution.log",
            log,
        )
        .add("Server/Registry/UpdateServices-Setup.reg", utf16le_bom(WSUS2_REG));
    let report = files.run();
    let f = assert_fires(&report, &files, "WSUS-CONSOLE-TEMP-ACL", "error", "medium");
    assert!(
        f.summary.starts_with(
            "2 FileNotFoundException errors for a randomly named assembly (3vzq0x1k.dll, qxhdnkdu.dll) between 2006-03-14 15:22:08 UTC and 2006-03-14 15:31:40 UTC"
        ),
        "{}",
        f.summary
    );
}

#[test]
fn temp_acl_quiet_on_the_benign_xmlserializers_probe() {
    let log = "2024-11-20 10:03:12.406 UTC\tInfo\tw3wp.36\tWebService.Initialize\tSystem.IO.FileNotFoundException: Could not load file or assembly 'Microsoft.UpdateServices.BaseApi.XmlSerializers, Version=3.2.7600.226, Culture=neutral, PublicKeyToken=31bf3856ad364e35' or one of its dependencies. The system cannot find the file specified.\r\n2024-11-20 10:03:12.980 UTC\tInfo\tw3wp.36\tWebService.Initialize\tWeb service initialized\r\n";
    let report = Files::default()
        .add(SDL, log)
        .add("Server/Registry/UpdateServices-Setup.reg", utf16le_bom(WSUS2_REG))
        .run();
    assert_quiet(&report, "WSUS-CONSOLE-TEMP-ACL");
}

// ---------------------------------------------------------------------------------------------
// WSUS-CONSOLE-REMOTE-API
// ---------------------------------------------------------------------------------------------

#[test]
fn remote_api_handshake_fails_because_w3svc_interacts_with_the_desktop() {
    let mut services = SERVER_SERVICES;
    services[2] = ("W3SVC", 2, 0x120);
    let files = Files::default()
        .add(
            "Console/Application.txt",
            wevtutil(&[console_7053(
                "2024-11-20T10:02:17.431",
                "ADMIN01.contoso.local",
                HANDSHAKE,
            )]),
        )
        .add("Server/Registry/SYSTEM", system_hive("WSUS01", "ServerNT", &services))
        .add(
            "Server/Registry/SOFTWARE",
            software_hive(&[("VersionString", Data::sz("10.0.17763.678"))], &[]),
        );
    let report = files.run();
    let f = assert_fires(&report, &files, "WSUS-CONSOLE-REMOTE-API", "error", "high");
    assert!(
        f.summary.starts_with(
            "The console's TLS handshake to the remote API failed 1 time(s) (event 7053, IOException from SslState.StartReadFrame, first at 2024-11-20 09:02:17 UTC)"
        ),
        "the export's local time is placed with the hive's zone: {}",
        f.summary
    );
    assert!(
        f.evidence.iter().any(|e| e.file == "Console/Application.txt"
            && e.text == "System.IO.IOException -- The handshake failed due to an unexpected packet format."),
        "the exception line is cited: {:?}",
        cited_texts(&f)
    );
    let w3svc = f
        .evidence
        .iter()
        .find(|e| e.file == "Server/Registry/SYSTEM")
        .expect("the service configuration is cited");
    assert!(
        w3svc.key.as_deref().is_some_and(|k| k.ends_with(r"\Services\W3SVC")),
        "{:?}",
        w3svc.key
    );
    assert_eq!(w3svc.text, "Type = 288");
    // Not a 2012/2012 R2 server.
    assert_not_fired(&report, "WSUS-KB3159706-POSTINSTALL");
}

#[test]
fn remote_api_quiet_on_the_consoles_windows_authentication_handshake() {
    let mut iis = IIS_FIELDS.to_string();
    for (status, user) in [
        ("401 2 5", "-"),
        ("401 1 2148074254", "-"),
        ("200 0 0", "CONTOSO\\wsusadmin"),
    ] {
        iis += &format!(
            "2024-11-20 10:01:58 10.1.0.20 POST /ApiRemoting30/WebService.asmx - 8530 {user} 10.1.0.5 {CONSOLE_UA} {status} 187\r\n"
        );
    }
    let report = Files::default()
        .add("Server/inetpub/logs/LogFiles/W3SVC1274659245/u_ex241120.log", iis)
        .add(
            "Server/EventLogs/Application.evtx",
            write_evtx(&[wsus_event(
                10000,
                4,
                "2024-11-20 10:05:00.000",
                "WSUS is working correctly.",
            )]),
        )
        .run();
    assert_quiet(&report, "WSUS-CONSOLE-REMOTE-API");
}

// ---------------------------------------------------------------------------------------------
// WSUS-KB3159706-POSTINSTALL
// ---------------------------------------------------------------------------------------------

fn server_2012r2_software() -> Vec<u8> {
    software_hive(
        &[("VersionString", Data::sz("6.3.9600.18324"))],
        &[
            ("ProductName", "Windows Server 2012 R2 Standard"),
            ("CurrentBuild", "9600"),
            ("CurrentBuildNumber", "9600"),
        ],
    )
}

#[test]
fn kb3159706_console_handshake_fails_on_windows_server_2012_r2() {
    let files = Files::default()
        .add(
            "Server/EventLogs/Application.txt",
            wevtutil(&[console_7053(
                "2024-11-20T10:02:17.431",
                "WSUS01.contoso.local",
                HANDSHAKE,
            )]),
        )
        .add("Server/Registry/SOFTWARE", server_2012r2_software())
        .add(
            "Server/Registry/SYSTEM",
            system_hive("WSUS01", "ServerNT", &SERVER_SERVICES),
        );
    let report = files.run();
    let f = assert_fires(&report, &files, "WSUS-KB3159706-POSTINSTALL", "error", "high");
    assert!(
        f.summary.contains("version or Windows build 6.3.9600.18324, 9600)"),
        "{}",
        f.summary
    );
    assert!(f.summary.contains("failed 1 time(s)"), "{}", f.summary);
    // The generic remote-API finding yields to the specific one.
    assert_not_fired(&report, "WSUS-CONSOLE-REMOTE-API");
}

#[test]
fn kb3159706_quiet_when_the_post_install_servicing_ran() {
    let packages = "\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\Packages\\Package_for_KB3159706~31bf3856ad364e35~amd64~~6.3.1.0\r\n    CurrentState    REG_DWORD    0x70\r\n    InstallClient    REG_SZ    WindowsUpdateAgent\r\n\r\n";
    let postinstall = "2024-11-20 11:15:02  Post install is starting\r\n2024-11-20 11:15:40  Post install has successfully completed\r\n";
    let report = Files::default()
        .add("Server/Registry/SOFTWARE", server_2012r2_software())
        .add("Server/Registry/cbs-packages.txt", packages)
        .add("Server/Temp/WSUS_PostInstall_20241120T111502.log", postinstall)
        .add(SDL, sdl(&[SYNC_STARTED, SYNC_DONE]))
        .run();
    assert_quiet(&report, "WSUS-KB3159706-POSTINSTALL");
}

// ---------------------------------------------------------------------------------------------
// WSUS-CLIENT-UPGRADE-0XC1800118
// ---------------------------------------------------------------------------------------------

#[test]
fn c1800118_clients_of_a_2012_r2_server_cannot_use_the_upgrade_content() {
    let reporting = "{4B9C0A13-6E2F-4D1B-9A57-0C8E3F5D2B61}\t2024-11-20 11:42:07:318-0500\t1\t182 [AGENT_INSTALLING_FAILED]\t101\t{6C5F8D2E-3B1A-4E7C-9D40-2A8B5C1E7F93}\t200\tc1800118\tUpdateOrchestrator\tFailure\tContent Install\tInstallation Failure: Windows failed to install the following update with error 0xC1800118: Feature update to Windows 10, version 1607.\taS8pKHUwl0i6mrKJ.1.2.3.0\r\n";
    let wu = "2024/11/20 11:42:07.3181552 1180  5512  Handler         *FAILED* [C1800118] Install failed for update 6C5F8D2E-3B1A-4E7C-9D40-2A8B5C1E7F93.200\r\n2024/11/20 11:42:07.3190004 1180  5512  Deployment      Update 6C5F8D2E-3B1A-4E7C-9D40-2A8B5C1E7F93.200 failed with 0xC1800118\r\n";
    let files = Files::default()
        .add_zip(
            "Clients/PC0077.zip",
            &[
                ("SoftwareDistribution/ReportingEvents.log", utf16le_bom(reporting)),
                ("WindowsUpdate.log", wu.as_bytes().to_vec()),
            ],
        )
        .add("Server/Registry/SOFTWARE", server_2012r2_software());
    let report = files.run();
    let f = assert_fires(&report, &files, "WSUS-CLIENT-UPGRADE-0XC1800118", "error", "high");
    assert!(
        f.summary.starts_with(
            "Clients of this WSUS 6.2/6.3 server (6.3.9600.18324) failed to install a Windows 10 feature update with 0xC1800118 3 time(s) between 2024-11-20 "
        ),
        "{}",
        f.summary
    );
    assert!(
        f.summary.contains("2024-11-20 16:42:07 UTC"),
        "ReportingEvents states its offset: {}",
        f.summary
    );
    assert!(
        f.evidence
            .iter()
            .any(|e| e.file == "Clients/PC0077.zip/SoftwareDistribution/ReportingEvents.log"),
        "the client's zipped log is cited by its path inside the zip"
    );
}

#[test]
fn c1800118_quiet_when_only_an_update_identity_has_those_digits() {
    let reporting = "{7D2E4F10-8A3B-4C5D-9E6F-1A2B3C4D5E6F}\t2024-11-20 11:42:07:318-0500\t1\t183 [AGENT_INSTALLING_SUCCEEDED]\t101\t{C1800118-5A3E-4B2C-8D1F-6E7A9B0C2D34}\t200\t0\tUpdateOrchestrator\tSuccess\tContent Install\tInstallation Successful: Windows successfully installed the following update: 2024-11 Cumulative Update for Windows 10 Version 1607\taS8pKHUwl0i6mrKJ.1.2.3.1\r\n";
    let report = Files::default()
        .add("Clients/PC0077/ReportingEvents.log", utf16le_bom(reporting))
        .add("Server/Registry/SOFTWARE", server_2012r2_software())
        .run();
    assert_quiet(&report, "WSUS-CLIENT-UPGRADE-0XC1800118");
}

// ---------------------------------------------------------------------------------------------
// Documentation entries
// ---------------------------------------------------------------------------------------------

#[test]
fn seeds_no_artifact_can_show_are_documentation_entries_that_never_fire() {
    let catalog = &engine().catalog;
    for id in [
        "WSUS-DOC-B7-UNATTENDED-SETUP-PARAMETERS",
        "WSUS-DOC-K2-DIRECT-DB-EDIT",
        "WSUS-DOC-K4-SETUP-RESTARTS-IIS",
        "WSUS-DOC-K8-GROUP-MOVE-DELAY",
        "WSUS-DOC-K13-REPLICA-APPROVALS",
        "WSUS-DOC-K21-SUS-APPROVALS-MIGRATION",
        "WSUS-DOC-K23-REMOTE-SQL-SP1-ORDER",
    ] {
        let sig = catalog.get(id).unwrap_or_else(|| panic!("{id} is in the catalog"));
        assert!(!sig.detectable, "{id}");
        assert!(sig.evidence.is_empty() && sig.examples.is_empty(), "{id}");
        assert!(
            sig.not_detectable_because
                .as_deref()
                .is_some_and(|w| w.contains("signatures.md §9")),
            "{id} says why, with its source"
        );
    }
    // A bundle full of setup activity (K4: setup restarts IIS) is not a finding of any kind.
    let events = vec![
        scm(
            7036,
            16384,
            4,
            "2024-11-20 09:12:00.000",
            &["World Wide Web Publishing Service", "stopped"],
        ),
        scm(
            7036,
            16384,
            4,
            "2024-11-20 09:12:09.000",
            &["World Wide Web Publishing Service", "running"],
        ),
    ];
    let report = Files::default()
        .add("Server/EventLogs/System.evtx", write_evtx(&events))
        .add(
            "Temp/WSUSSetup.log",
            "2024-11-20 10:11:40  Windows Server Update Services Setup is starting\r\n2024-11-20 10:14:38  Windows Server Update Services setup completed successfully\r\n",
        )
        .add("Registry/SYSTEM", system_hive("WSUS01", "ServerNT", &SERVER_SERVICES))
        .run();
    assert!(
        report
            .findings
            .iter()
            .all(|f| !f.signature.starts_with("WSUS-DOC-") && !SERVER_SIGNATURES.contains(&f.signature.as_str())),
        "{:?}",
        report.findings.iter().map(|f| &f.signature).collect::<Vec<_>>()
    );
}
