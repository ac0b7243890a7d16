//! The text-log parsers (record engine + grammars): real-shaped lines built here from the grammars
//! in formats.md, every grammar example, the public corpus, and any-bytes property tests.

mod common;

use common::{Rec, assert_positions_exact, parse, parse_in, utf16le, with_grammar};
use wsus_triage::codes::{find_codes, parse_code, win32_to_hresult};
use wsus_triage::formats::time::LocalZone;
use wsus_triage::formats::{ParseOptions, engine};
use wsus_triage::intake::classify::classify;
use wsus_triage::kind::FileKind;
use wsus_triage::records::TimeBasis;

fn codes_in(text: &str) -> Vec<u32> {
    find_codes(text).into_iter().map(|(_, c)| c).collect()
}

/// Lines joined with CRLF, each ending with one (the way Windows writes these logs).
fn crlf(lines: &[&str]) -> String {
    lines.iter().map(|l| format!("{l}\r\n")).collect()
}

fn with_tz(zone: LocalZone) -> ParseOptions {
    ParseOptions {
        tz: Some(zone),
        ..ParseOptions::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Every grammar's examples: detection and the parser.

#[test]
fn every_grammar_example_is_detected_and_parsed() {
    let catalog = common::embedded();
    let mut parsed = 0;
    for g in &catalog.grammars {
        for (i, ex) in g.def.examples.iter().enumerate() {
            let name = ex.name.as_deref().unwrap_or("example.log");
            let class = classify(&catalog, name, ex.text.as_bytes());
            assert_eq!(
                class.format.as_deref(),
                Some(g.def.id.as_str()),
                "{} example {i} ({name}) detected as {:?}: {}",
                g.def.id,
                class.format,
                class.reason
            );
            if engine::KINDS.contains(&g.def.kind) {
                assert!(ex.records.is_some(), "{} example {i} must say `records = N`", g.def.id);
            }
            let Some(expected) = ex.records else { continue };
            let p = parse_in(&catalog, name, ex.text.as_bytes(), &ParseOptions::default());
            assert_eq!(p.records.len() as u64, expected, "{} example {i}: records", g.def.id);
            assert_eq!(p.outcome.records, expected, "{} example {i}: counted records", g.def.id);
            assert!(
                p.outcome.problems.is_empty(),
                "{} example {i}: {:?}",
                g.def.id,
                p.outcome.problems
            );
            assert_positions_exact(ex.text.as_bytes(), &p.records);
            parsed += 1;
        }
    }
    assert!(parsed >= 20, "only {parsed} examples went through a parser");
}

// ---------------------------------------------------------------------------------------------
// SoftwareDistribution.log

fn sdl() -> String {
    crlf(&[
        "2024-05-06 07:08:09.123 UTC\tInfo\tWsusService.15\tEventLogEventReporter.ReportEvent\tEventId=364,Type=Error,Category=Synchronization,Message=Content file download failed. Reason: The server does not support the necessary HTTP protocol.",
        "2024-05-06 07:09:41.870 UTC  Error        WsusService.25 WebServiceCommunicationHelper.ProcessWebServiceProxyException    ProcessWebServiceProxyException found Exception was WebException. Action: Retry. Exception Details: System.Net.WebException: The underlying connection was closed: An unexpected error occurred on a send. ---> System.IO.IOException: Unable to read data from the transport connection.",
        "",
        "   at System.Net.Sockets.NetworkStream.Read(Byte[] buffer, Int32 offset, Int32 size)",
        "   --- End of inner exception stack trace ---",
        "   at System.Net.TlsStream.ProcessAuthentication(LazyAsyncResult result)",
        "wrapped text of the message",
        "2024-05-06 07:10:00.001 UTC\tWarning\tw3wp.130\tContentSyncAgent.JobError\tDownload error: http://wsus01/Content/B6/x.exe failed in download: (-2145386477) The server does not support the necessary HTTP protocol.",
    ])
}

fn check_sdl(records: &[Rec]) {
    assert_eq!(records.len(), 3);
    let [a, b, c] = [&records[0], &records[1], &records[2]];
    assert_eq!((a.line, b.line, c.line), (1, 2, 8));
    assert_eq!(a.time.as_deref(), Some("2024-05-06T07:08:09.123Z"));
    assert_eq!(a.basis, Some(TimeBasis::Utc));
    assert_eq!(a.field("level"), Some("Info"));
    assert_eq!(a.field("process"), Some("WsusService"));
    assert_eq!(a.field("thread"), Some("15"));
    assert_eq!(a.field("source"), Some("EventLogEventReporter.ReportEvent"));
    assert_eq!(a.field("event-id"), Some("364"));
    assert_eq!(a.field("type"), Some("Error"));
    assert_eq!(a.field("category"), Some("Synchronization"));
    assert!(
        a.field("event-message")
            .unwrap()
            .starts_with("Content file download failed.")
    );
    assert!(a.continuation.is_empty());
    // The space-separated rendering reads the same columns; the stack, the inner exception
    // marker, the blank line and the wrapped text belong to the record.
    assert_eq!(b.field("level"), Some("Error"));
    assert_eq!(
        b.field("source"),
        Some("WebServiceCommunicationHelper.ProcessWebServiceProxyException")
    );
    assert!(
        b.field("message")
            .unwrap()
            .starts_with("ProcessWebServiceProxyException found")
    );
    assert_eq!(b.field("severity"), Some("error"));
    assert_eq!(b.continuation.len(), 5);
    assert_eq!(b.continuation[2], "   --- End of inner exception stack trace ---");
    assert_eq!(c.field("severity"), Some("warning"));
    assert_eq!(c.field("event-id"), None);
}

#[test]
fn softwaredistribution_records_keep_their_stack_traces() {
    let p = parse("SoftwareDistribution.log", sdl().as_bytes());
    assert_eq!(p.class.kind, FileKind::WsusSoftwaredistributionLog);
    check_sdl(&p.records);
    assert!(p.outcome.problems.is_empty(), "{:?}", p.outcome.problems);
    assert_eq!(p.outcome.time_zone.as_deref(), Some("UTC"));
    assert_positions_exact(sdl().as_bytes(), &p.records);
    // HRESULTs appear in signed decimal in this log.
    assert_eq!(codes_in(p.records[2].field("message").unwrap()), vec![0x80200013]);
}

#[test]
fn softwaredistribution_in_utf16_with_and_without_bom() {
    for bom in [true, false] {
        let bytes = utf16le(&sdl(), bom);
        let p = parse("SoftwareDistribution.log", &bytes);
        check_sdl(&p.records);
        assert!(p.outcome.problems.is_empty());
        assert_positions_exact(&bytes, &p.records);
    }
}

#[test]
fn a_rollover_starting_inside_a_stack_is_explained_not_a_problem() {
    let text = "   at System.Threading.ThreadHelper.ThreadStart()\r\n\r\n2024-05-06 07:08:09.123 UTC Info WsusService.15 Class.Method text\r\n";
    let p = parse("SoftwareDistribution.log.1", text.as_bytes());
    assert_eq!(
        p.records.len(),
        2,
        "the leading stack frame is kept as a text-only record"
    );
    assert_eq!(p.records[0].time, None);
    assert!(p.outcome.problems.is_empty());
    assert!(
        p.outcome.notes.iter().any(|n| n.contains("before the first record")),
        "{:?}",
        p.outcome.notes
    );
}

// ---------------------------------------------------------------------------------------------
// Classic WindowsUpdate.log

fn classic() -> String {
    crlf(&[
        "2012-03-04\t04:59:58:120\t 888\t1a2c\tService\t**  END  **  Service: Service exit [Exit code = 0x240001]",
        "2012-03-04\t05:06:07:089\t 888\t1a2c\tMisc\t===========  Logging initialized (build: 7.6.7600.320, tz: +0100)  ===========",
        "2012-03-04\t05:06:09:421\t 888\t1a2c\tPT\tWARNING: SyncUpdates failure, error = 0x80244022, soap client error = 10, soap error code = 0, HTTP status code = 503",
        "2012-03-04\t05:06:09:430\t 888\t1a2c\tMisc\tWARNING: SendRequest failed with hr = 80072ee2. Proxy List used: <(null)> Bypass List used : <(null)> Auth Schemes used : <>",
        "2012-03-04\t05:06:09:431\t 888\t1a2c\tWS\tFATAL: OnCallFailure failed with hr=0X80244007",
        "2012-03-25\t03:10:00:000\t 912\t2b0\tMisc\t===========  Logging initialized (build: 7.6.7600.320, tz: +0200)  ===========",
        "2012-03-25 03:10:01:500 912 2b0 Agent   * WSUS server: http://wsus01.contoso.local:8530 (Changed)",
        "2012-03-25\t03:10:01:501\t 912\t2b0\tAgent\t  * SusClientId = '071ffd36-f490-4d63-87a7-f7b11866b9fb'",
        "2012-03-25\t03:10:01:502\t 912\t2b0\tAgent\t  * Access type: Named proxy",
        "2012-03-25\t03:10:01:503\t 912\t2b0\tAgent\t  * Default proxy: proxy.contoso.local:8080",
        "2012-03-25\t03:10:01:504\t 912\t2b0\tAgent\t  * Windows Update access disabled: No",
        "2012-03-25\t03:10:02:000\t 912\t2b0\tPT\t  + ServiceId = {3DA21691-E39D-4DA6-8A4B-B43877BCB1B7}, Server URL = http://wsus01.contoso.local:8530/ClientWebService/client.asmx",
    ])
}

#[test]
fn classic_times_follow_the_tz_banner_in_force() {
    let p = parse("WindowsUpdate.log", classic().as_bytes());
    assert_eq!(p.class.format.as_deref(), Some("windowsupdate-classic"));
    assert!(p.outcome.problems.is_empty(), "{:?}", p.outcome.problems);
    let times: Vec<_> = p.records.iter().map(|r| r.time.clone().unwrap()).collect();
    // Line 1 comes before the first banner: it takes that banner's +01:00.
    assert_eq!(times[0], "2012-03-04T03:59:58.120Z");
    assert_eq!(times[1], "2012-03-04T04:06:07.089Z");
    assert_eq!(times[2], "2012-03-04T04:06:09.421Z");
    // The banner of line 6 changes the offset to +02:00 (DST) from there on.
    assert_eq!(times[5], "2012-03-25T01:10:00Z");
    assert_eq!(times[6], "2012-03-25T01:10:01.500Z");
    let tz = p.outcome.time_zone.unwrap();
    assert!(tz.contains("+01:00, +02:00"), "{tz}");
    assert!(tz.contains("1 record before the first banner (line 2)"), "{tz}");
    assert_eq!(p.records[0].field("pid"), Some("888"));
    assert_eq!(p.records[0].field("tid"), Some("1a2c"));
    assert_eq!(p.records[0].field("component"), Some("Service"));
    assert_eq!(p.records[2].field("severity"), Some("warning"));
    assert_eq!(p.records[4].field("severity"), Some("error"));
    assert_positions_exact(classic().as_bytes(), &p.records);
}

#[test]
fn a_banner_outranks_tz_and_its_absence_falls_back_to_it() {
    let berlin = with_tz(LocalZone::Iana(chrono_tz::Europe::Berlin));
    let p = parse_in(common::shared(), "WindowsUpdate.log", classic().as_bytes(), &berlin);
    assert_eq!(p.records[1].time.as_deref(), Some("2012-03-04T04:06:07.089Z"));
    let no_banner = crlf(&[
        "2012-07-04\t05:06:09:421\t 888\t1a2c\tPT\tWARNING: SyncUpdates failure",
        "2012-07-04\t05:06:09:422\t 888\t1a2c\tPT\tsecond line",
    ]);
    let p = parse_in(common::shared(), "WindowsUpdate.log", no_banner.as_bytes(), &berlin);
    assert_eq!(p.records[0].time.as_deref(), Some("2012-07-04T03:06:09.421Z"));
    let tz = p.outcome.time_zone.unwrap();
    assert!(
        tz.contains("Europe/Berlin") && tz.contains("no time-zone banner"),
        "{tz}"
    );
    let p = parse("WindowsUpdate.log", no_banner.as_bytes());
    assert_eq!(p.records[0].basis, Some(TimeBasis::LocalUnknown));
    assert!(p.outcome.time_zone.unwrap().contains("zone unknown"));
}

#[test]
fn client_settings_are_fields_of_their_line() {
    let p = parse("WindowsUpdate.log", classic().as_bytes());
    let setting = |name: &str| {
        p.records
            .iter()
            .find(|r| r.field("setting") == Some(name))
            .unwrap_or_else(|| panic!("no {name}"))
    };
    assert_eq!(
        setting("WSUS server").field("value"),
        Some("http://wsus01.contoso.local:8530")
    );
    assert_eq!(setting("WSUS server").line, 7);
    assert_eq!(
        setting("SusClientId").field("value"),
        Some("071ffd36-f490-4d63-87a7-f7b11866b9fb")
    );
    assert_eq!(setting("Access type").field("value"), Some("Named proxy"));
    assert_eq!(
        setting("Default proxy").field("value"),
        Some("proxy.contoso.local:8080")
    );
    assert_eq!(setting("Windows Update access disabled").field("value"), Some("No"));
    let url = setting("Server URL");
    assert_eq!(
        url.field("value"),
        Some("http://wsus01.contoso.local:8530/ClientWebService/client.asmx")
    );
    assert_eq!(url.field("service-id"), Some("{3DA21691-E39D-4DA6-8A4B-B43877BCB1B7}"));
    // The settings records are the lines themselves: one record per line.
    assert_eq!(p.records.len(), classic().lines().count());
    assert_eq!(p.records.iter().filter(|r| r.field("setting").is_some()).count(), 6);
}

// ---------------------------------------------------------------------------------------------
// Windows 10+ WindowsUpdate.log

fn etw_line(ts: &str, pid: u32, tid: u32, comp: &str, msg: &str) -> String {
    format!("{ts} {pid:<5} {tid:<5} {comp:<15} {msg}\r\n")
}

#[test]
fn etw_layout_any_date_separator_with_or_without_bom() {
    for (sep, bom) in [('/', false), ('-', true), ('.', false)] {
        let d = |s: &str| s.replace('/', &sep.to_string());
        let mut text = String::new();
        if bom {
            text.push('\u{feff}');
        }
        text += &etw_line(
            &d("2024/05/06 07:08:09.1234567"),
            1204,
            5520,
            "Agent",
            "WSUS server: http://wsus01.contoso.local:8530",
        );
        text += &etw_line(
            &d("2024/05/06 07:08:09.1234601"),
            1204,
            5520,
            "Agent",
            "WSUS status server: http://wsus01.contoso.local:8530",
        );
        text += &etw_line(
            &d("2024/05/06 07:08:11.0043217"),
            123456,
            5520,
            "ProtocolTalker",
            "*FAILED* [80244017] SyncUpdates_WithRecovery failed",
        );
        text += &etw_line(
            &d("2024/05/06 07:08:11.0043300"),
            1204,
            17036,
            "Deployment",
            "  Title = 9WZDNCRD1HKW-Microsoft.XboxIdentityProvider",
        );
        let p = parse("WindowsUpdate.log", text.as_bytes());
        assert_eq!(p.class.format.as_deref(), Some("windowsupdate-etw"), "{sep}");
        assert!(p.outcome.problems.is_empty(), "{sep}: {:?}", p.outcome.problems);
        assert_eq!(p.records.len(), 4);
        let r = &p.records[0];
        assert_eq!(
            r.time.as_deref(),
            Some("2024-05-06T07:08:09.123"),
            "local, zone unknown: no Z"
        );
        assert_eq!(r.basis, Some(TimeBasis::LocalUnknown));
        assert_eq!(
            (r.field("pid"), r.field("tid"), r.field("component")),
            (Some("1204"), Some("5520"), Some("Agent"))
        );
        assert_eq!(r.field("setting"), Some("WSUS server"));
        assert_eq!(p.records[2].field("pid"), Some("123456"), "a pid wider than its column");
        assert_eq!(p.records[2].field("severity"), Some("error"));
        assert_eq!(codes_in(p.records[2].field("message").unwrap()), vec![0x80244017]);
        assert_eq!(
            p.records[3].field("message"),
            Some("Title = 9WZDNCRD1HKW-Microsoft.XboxIdentityProvider")
        );
        assert_eq!(p.outcome.time_zone.as_deref(), Some("local time, zone unknown"));
        assert_positions_exact(text.as_bytes(), &p.records);
    }
}

#[test]
fn etw_times_use_the_bundle_zone_when_there_is_one() {
    let text = etw_line(
        "2024/01/06 07:08:09.1234567",
        1204,
        5520,
        "Agent",
        "WU client version 10.0.22621.3235",
    );
    let p = parse_in(
        common::shared(),
        "WindowsUpdate.log",
        text.as_bytes(),
        &with_tz(LocalZone::Iana(chrono_tz::Europe::Berlin)),
    );
    assert_eq!(p.records[0].time.as_deref(), Some("2024-01-06T06:08:09.123Z"));
    assert_eq!(p.records[0].basis, Some(TimeBasis::Converted));
    assert_eq!(
        p.outcome.time_zone.as_deref(),
        Some("local, converted with Europe/Berlin (from --tz)")
    );
    let registry = ParseOptions {
        tz: Some(LocalZone::Iana(chrono_tz::Europe::Berlin)),
        registry_zone: Some(LocalZone::Fixed(19800)),
        ..ParseOptions::default()
    };
    let p = parse_in(common::shared(), "WindowsUpdate.log", text.as_bytes(), &registry);
    assert_eq!(p.records[0].time.as_deref(), Some("2024-01-06T01:38:09.123Z"));
    assert!(p.outcome.time_zone.unwrap().contains("the bundle's registry"));
}

#[test]
fn the_windows_10_stub_is_zero_records_and_a_note() {
    let stub = "Windows Update logs are now generated using ETW (Event Tracing for Windows).\r\nPlease run the Get-WindowsUpdateLog PowerShell command to convert ETW traces into a readable WindowsUpdate.log.\r\n\r\nFor more information, please visit https://go.microsoft.com/fwlink/?LinkId=518345\r\n";
    let p = parse("WindowsUpdate.log", stub.as_bytes());
    assert_eq!(p.class.kind, FileKind::WindowsupdateLog);
    assert_eq!(p.records.len(), 0);
    assert!(p.outcome.problems.is_empty(), "{:?}", p.outcome.problems);
    assert!(
        p.outcome
            .notes
            .iter()
            .any(|n| n.contains("stub") && n.contains("Get-WindowsUpdateLog")),
        "{:?}",
        p.outcome.notes
    );
}

#[test]
fn raw_wpp_and_undecodable_lines_are_notes_not_problems() {
    let mut text = etw_line(
        "2017/10/02 09:41:12.1302214",
        1276,
        3628,
        "Agent",
        "WU client version 10.0.14393.1715",
    );
    text += "Unknown( 10): GUID=5e0954e9-a6a5-3bf4-1a3c-ca1fe4d2b3f0 (No Format Information found).\r\n";
    text += "Unknown( 11): GUID=5e0954e9-a6a5-3bf4-1a3c-ca1fe4d2b3f0 (No Format Information found).\r\n";
    text += "DownloadManager [0]12F4.1FE8::09/29/2017-13:45:08.530 [agent]DO job {C6E2F6DC-5B78-4608-B6F1-0678C23614BD} hit a transient error, updateId = 5537BD35-BB74-40B2-A8C3-B696D3C97CBA.201 <NULL>, error = 0x80D0000A\r\n";
    let p = parse("WindowsUpdate.log", text.as_bytes());
    assert!(p.outcome.problems.is_empty(), "{:?}", p.outcome.problems);
    assert_eq!(p.records.len(), 2);
    let wpp = &p.records[1];
    assert_eq!(wpp.line, 4);
    assert_eq!(wpp.field("component"), Some("DownloadManager"));
    assert_eq!((wpp.field("pid"), wpp.field("tid")), (Some("12F4"), Some("1FE8")));
    assert_eq!(wpp.field("module"), Some("agent"));
    assert_eq!(wpp.time.as_deref(), Some("2017-09-29T13:45:08.530"));
    assert_eq!(codes_in(wpp.field("message").unwrap()), vec![0x80D0000A]);
    let notes = p.outcome.notes.join("\n");
    assert!(
        notes.contains("2 lines (from line 2) not read as records: undecodable ETW events"),
        "{notes}"
    );
    assert!(
        notes.contains("1 line (from line 4) in the raw WPP rendering"),
        "{notes}"
    );
}

#[test]
fn a_line_that_is_not_a_record_is_a_located_problem_and_a_cut_last_line_says_so() {
    let mut text = etw_line("2024/05/06 07:08:09.1234567", 1204, 5520, "Agent", "first");
    text += "garbage that is no record\r\n";
    text += &etw_line("2024/05/06 07:08:10.1234567", 1204, 5520, "Agent", "third");
    text += "2024/05/06 07:08:1";
    let p = parse("WindowsUpdate.log", text.as_bytes());
    assert_eq!(p.records.len(), 4, "every line stays a record, with its text");
    let lines: Vec<_> = p.outcome.problems.iter().map(|x| x.line).collect();
    assert_eq!(lines, vec![Some(2), Some(4)]);
    assert!(
        p.outcome.problems[1].message.contains("cut short"),
        "{:?}",
        p.outcome.problems
    );
    assert!(p.outcome.notes.iter().any(|n| n.contains("no line end")));
    assert_positions_exact(text.as_bytes(), &p.records);
}

// ---------------------------------------------------------------------------------------------
// ReportingEvents.log

fn reporting() -> String {
    crlf(&[
        "{5D1A7C0E-3B7F-4C11-9E2A-7F4B8D2C6A10}\t2024-05-06 07:08:09:123+0200\t1\t161 [AGENT_DOWNLOAD_FAILED]\t101\t{2B7E6C3A-91D4-4F0B-A8E5-6C1D3F9B2E47}\t201\t80244019\tAutomaticUpdates\tFailure\tContent Download\tError: Download failed.",
        "{16D57C29-4F0B-4C2E-9A41-0B7E5D3C2A11}\t2023-01-06 09:45:55.528-0500\t1\t183 [AGENT_INSTALLING_SUCCEEDED]\t101\t{A188C2E0-6D3B-4E8F-9C1A-2B5D7E9F0A13}\t200\t240005\tMoUpdateOrchestrator\tSuccess\tContent Install\tInstallation Successful: Windows successfully installed the following update: 2023-01 Cumulative Update\taS8pKHUwl0i6mrKJ.1.2.3.0",
    ])
}

#[test]
fn reporting_events_utf16_per_line_offsets_and_hex_hresults() {
    let bytes = utf16le(&reporting(), true);
    let p = parse("ReportingEvents.log", &bytes);
    assert_eq!(p.class.kind, FileKind::ReportingEventsLog);
    assert!(p.outcome.problems.is_empty(), "{:?}", p.outcome.problems);
    let [a, b] = [&p.records[0], &p.records[1]];
    assert_eq!(a.time.as_deref(), Some("2024-05-06T05:08:09.123Z"));
    assert_eq!(b.time.as_deref(), Some("2023-01-06T14:45:55.528Z"));
    assert_eq!(a.field("event-guid"), Some("{5D1A7C0E-3B7F-4C11-9E2A-7F4B8D2C6A10}"));
    assert_eq!(
        (a.field("event-id"), a.field("event-name")),
        (Some("161"), Some("AGENT_DOWNLOAD_FAILED"))
    );
    assert_eq!(a.field("update-guid"), Some("{2B7E6C3A-91D4-4F0B-A8E5-6C1D3F9B2E47}"));
    assert_eq!(a.field("revision"), Some("201"));
    assert_eq!(a.field("caller"), Some("AutomaticUpdates"));
    assert_eq!(a.field("result"), Some("Failure"));
    assert_eq!(a.field("category"), Some("Content Download"));
    assert_eq!(a.field("message"), Some("Error: Download failed."));
    assert_eq!(a.field("cv"), None);
    assert_eq!(a.field("severity"), Some("error"));
    assert_eq!(b.field("cv"), Some("aS8pKHUwl0i6mrKJ.1.2.3.0"));
    // The HRESULT column is hex without 0x or padding: rewritten so it cannot pass for decimal.
    assert_eq!(a.field("hresult"), Some("0x80244019"));
    assert_eq!(b.field("hresult"), Some("0x00240005"));
    assert_eq!(parse_code(a.field("hresult").unwrap()), Some(0x80244019));
    let tz = p.outcome.time_zone.unwrap();
    assert!(tz.contains("-05:00, +02:00"), "{tz}");
    assert_positions_exact(&bytes, &p.records);
}

// ---------------------------------------------------------------------------------------------
// CMTrace (Configuration Manager) logs

fn cm(message: &str, time: &str, date: &str, kind: u8) -> String {
    format!(
        "<![LOG[{message}]LOG]!><time=\"{time}\" date=\"{date}\" component=\"WUAHandler\" context=\"\" type=\"{kind}\" thread=\"4120\" file=\"cwuahandler.cpp:3734\">\r\n"
    )
}

#[test]
fn cmtrace_offset_is_the_windows_bias() {
    let text = cm(
        "Its a WSUS Update Source type ({6C1B7D58-9A44-4C3B-9E0F-2C8D7A1B3E55}), adding it.",
        "07:08:09.123+060",
        "05-06-2024",
        1,
    ) + &cm("Evaluating health check rule", "19:33:19.766-330", "11-28-2014", 1)
        + &cm("Some stuff happened.", "01:52:13.827+480", "11-24-2014", 1)
        + &cm("no offset written", "10:22:50.8422964", "1-2-2015", 0);
    let p = parse("WUAHandler.log", text.as_bytes());
    assert!(p.outcome.problems.is_empty(), "{:?}", p.outcome.problems);
    let times: Vec<_> = p.records.iter().map(|r| r.time.clone().unwrap()).collect();
    // UTC = local + bias: +060 is UTC−1, -330 is UTC+5:30 (India), +480 is UTC−8 (US Pacific).
    assert_eq!(times[0], "2024-05-06T08:08:09.123Z");
    assert_eq!(times[1], "2014-11-28T14:03:19.766Z");
    assert_eq!(times[2], "2014-11-24T09:52:13.827Z");
    assert_eq!(times[3], "2015-01-02T10:22:50.842", "no offset: local, zone unknown");
    let tz = p.outcome.time_zone.unwrap();
    assert!(
        tz.contains("-08:00, -01:00, +05:30") && tz.contains("1 record without an offset"),
        "{tz}"
    );
    let r = &p.records[0];
    assert_eq!(r.field("component"), Some("WUAHandler"));
    assert_eq!(r.field("type"), Some("1"));
    assert_eq!(r.field("thread"), Some("4120"));
    assert_eq!(r.field("file"), Some("cwuahandler.cpp:3734"));
    assert!(r.field("message").unwrap().starts_with("Its a WSUS Update Source type"));
}

#[test]
fn cmtrace_messages_span_lines_until_the_attributes() {
    let text = cm(
        "Scan failed with error = 0x80244010.\r\nRetrying in 30 minutes.\r\n\r\n   (end)",
        "14:02:31.879+300",
        "11-20-2024",
        3,
    ) + &cm(
        "OnSearchComplete - Failed to end search job. Error = 0x80244010.",
        "14:02:31.880+300",
        "11-20-2024",
        2,
    );
    let p = parse("WUAHandler.log", text.as_bytes());
    assert!(p.outcome.problems.is_empty(), "{:?}", p.outcome.problems);
    assert_eq!(p.records.len(), 2);
    let r = &p.records[0];
    assert_eq!(r.line, 1);
    assert_eq!(r.continuation.len(), 3);
    assert_eq!(
        r.field("message"),
        Some("Scan failed with error = 0x80244010.\nRetrying in 30 minutes.\n\n   (end)")
    );
    assert_eq!(r.field("severity"), Some("error"));
    assert_eq!(p.records[1].line, 5);
    assert_eq!(p.records[1].field("severity"), Some("warning"));
    assert_eq!(codes_in(p.records[1].field("message").unwrap()), vec![0x80244010]);
    assert_positions_exact(text.as_bytes(), &p.records);
}

#[test]
fn cmtrace_cut_records_are_located_problems() {
    let text = "<![LOG[Scan failed with error = 0x80244010.\r\n".to_string()
        + &cm("next record", "14:02:31.880+300", "11-20-2024", 1)
        + "<![LOG[the last record is cut";
    let p = parse("WUAHandler.log", text.as_bytes());
    assert_eq!(p.records.len(), 3);
    // One problem per cut record, at its first line.
    let located: Vec<_> = p.outcome.problems.iter().map(|x| x.line).collect();
    assert_eq!(located, vec![Some(1), Some(3)], "{:?}", p.outcome.problems);
    assert!(p.outcome.problems[0].message.contains("not closed before line 2"));
    assert!(p.outcome.problems[1].message.contains("cut short"));
    assert_eq!(p.records[1].time.as_deref(), Some("2024-11-20T19:02:31.880Z"));
}

#[test]
fn cmtrace_older_sms_layout() {
    let text = crlf(&[
        "Synchronizing update 3DDB8AF4-BC5E-4275-BCEB-F6084A5747BE  $$<SMS_WSUS_SYNC_MANAGER><11-20-2024 14:05:00.120-60><thread=4416 (0x1140)>",
        "Sync failed: WSUS update source not found on site PS1.",
        "Source: getSiteUpdateSource  $$<SMS_WSUS_SYNC_MANAGER><11-20-2024 14:05:00.377-60><thread=4416 (0x1140)>",
    ]);
    let p = parse("WSyncMgr.log", text.as_bytes());
    assert!(p.outcome.problems.is_empty(), "{:?}", p.outcome.problems);
    assert_eq!(p.records.len(), 2);
    assert_eq!(p.records[0].field("component"), Some("SMS_WSUS_SYNC_MANAGER"));
    assert_eq!(p.records[0].field("thread"), Some("4416"));
    assert_eq!(p.records[0].time.as_deref(), Some("2024-11-20T13:05:00.120Z"));
    assert_eq!(p.records[1].continuation.len(), 1);
    assert_eq!(
        p.records[1].field("message"),
        Some("Sync failed: WSUS update source not found on site PS1.\nSource: getSiteUpdateSource")
    );
}

// ---------------------------------------------------------------------------------------------
// Windows Installer logs

fn msi_failing() -> String {
    crlf(&[
        "=== Verbose logging started: 14/10/2009  23:59:58  Build type: SHIP UNICODE 4.05.6001.00  Calling process: C:\\Windows\\system32\\msiexec.exe ===",
        "MSI (c) (C8:CC) [23:59:58:115]: ******* RunEngine:",
        "           ******* Product: C:\\Users\\admin\\AppData\\Local\\Temp\\WSUS3Setupx64.msi",
        "Action start 23:59:59: INSTALL.",
        "Action start 23:59:59: InstallFinalize.",
        "MSI (s) (A0:18) [00:00:01:502]: Invoking remote custom action. DLL: C:\\Windows\\Installer\\MSI8F2.tmp, Entrypoint: CreateWsusDatabase",
        "WSUSCa: Error 0x80070643: SQL script failed",
        "CustomAction CreateWsusDatabase returned actual error code 1603 (note this may not be 100% accurate if translation happened inside sandbox)",
        "Action ended 0:00:02: InstallFinalize. Return value 3.",
        "Action ended 0:00:02: INSTALL. Return value 3.",
        "Property(S): WSUS_INSTALL_DIR = C:\\Program Files\\Update Services\\",
        "MSI (c) (C8:CC) [00:00:03:001]: MainEngineThread is returning 1603",
        "=== Verbose logging stopped: 15/10/2009  0:00:03 ===",
    ])
}

#[test]
fn msi_failing_action_keeps_its_context() {
    let p = parse("WSUS3Setupx64.msi.log", msi_failing().as_bytes());
    assert_eq!(p.class.kind, FileKind::MsiLog);
    assert!(p.outcome.problems.is_empty(), "{:?}", p.outcome.problems);
    assert_eq!(p.records.len(), 12);
    let failed = p.records.iter().find(|r| r.field("return-value") == Some("3")).unwrap();
    assert_eq!(failed.line, 9);
    assert_eq!(failed.field("action"), Some("InstallFinalize"));
    assert_eq!(failed.field("action-event"), Some("ended"));
    assert_eq!(failed.field("severity"), Some("error"));
    // Everything between `Action start InstallFinalize` and its end carries the action's name.
    let inside: Vec<u64> = p
        .records
        .iter()
        .filter(|r| r.field("action") == Some("InstallFinalize"))
        .map(|r| r.line)
        .collect();
    assert_eq!(inside, vec![5, 6, 7, 8, 9]);
    let at = |line: u64| p.records.iter().find(|r| r.line == line).unwrap();
    assert_eq!(at(2).field("action"), None, "before any action");
    assert_eq!(at(4).field("action"), Some("INSTALL"));
    assert_eq!(at(11).field("action"), None, "after INSTALL ended");
    let ca = at(8);
    assert_eq!(ca.field("custom-action"), Some("CreateWsusDatabase"));
    let code = parse_code(ca.field("error-code").unwrap()).unwrap();
    assert_eq!(win32_to_hresult(code), 0x80070643);
    assert_eq!(codes_in(&at(7).text), vec![0x80070643]);
    let prop = p.records.iter().find(|r| r.field("property").is_some()).unwrap();
    assert_eq!(prop.field("property"), Some("WSUS_INSTALL_DIR"));
    assert_eq!(prop.field("value"), Some("C:\\Program Files\\Update Services\\"));
    assert_eq!(p.records[1].continuation.len(), 1);
    assert_positions_exact(msi_failing().as_bytes(), &p.records);
}

#[test]
fn msi_dates_come_from_the_header_in_its_locale_and_turn_at_midnight() {
    let p = parse("WSUS3Setupx64.msi.log", msi_failing().as_bytes());
    let time = |line: u64| p.records.iter().find(|r| r.line == line).unwrap().time.clone();
    // 14/10/2009 can only be day-first.
    assert_eq!(time(1).as_deref(), Some("2009-10-14T23:59:58"));
    assert_eq!(time(2).as_deref(), Some("2009-10-14T23:59:58.115"));
    assert_eq!(
        time(6).as_deref(),
        Some("2009-10-15T00:00:01.502"),
        "past midnight: the next day"
    );
    assert_eq!(time(9).as_deref(), Some("2009-10-15T00:00:02"));
    assert_eq!(time(7), None, "custom-action output has no time of its own");
    assert_eq!(p.outcome.time_zone.as_deref(), Some("local time, zone unknown"));

    let header = |date: &str| {
        format!(
            "=== Verbose logging started: {date}  9:12:53  Build type: SHIP UNICODE 5.00.10011.00  Calling process: C:\\Windows\\SYSTEM32\\msiexec.exe ===\r\nMSI (c) (C0:94) [09:12:53:767]: Resetting cached policy values\r\n"
        )
    };
    for (date, expected) in [
        ("4/25/2015", "2015-04-25"),
        ("20.11.2024", "2024-11-20"),
        ("08.03.2021", "2021-03-08"),
        ("2024-11-20", "2024-11-20"),
    ] {
        let p = parse("setup.log", header(date).as_bytes());
        assert_eq!(
            p.records[1].time.as_deref(),
            Some(format!("{expected}T09:12:53.767").as_str()),
            "{date}"
        );
        assert!(
            !p.outcome.notes.iter().any(|n| n.contains("day-first or month-first")),
            "{date}"
        );
    }
    let p = parse("setup.log", header("12/3/2015").as_bytes());
    assert_eq!(p.records[1].time.as_deref(), Some("2015-12-03T09:12:53.767"));
    assert!(
        p.outcome
            .notes
            .iter()
            .any(|n| n.contains("\"12/3/2015\"") && n.contains("month-first")),
        "{:?}",
        p.outcome.notes
    );
    // With a zone, local times are converted.
    let p = parse_in(
        common::shared(),
        "setup.log",
        header("20.11.2024").as_bytes(),
        &with_tz(LocalZone::Fixed(3600)),
    );
    assert_eq!(p.records[1].time.as_deref(), Some("2024-11-20T08:12:53.767Z"));
}

#[test]
fn msi_without_a_header_has_no_dates_and_says_so() {
    let text = "MSI (s) (50:5C) [15:05:06:362]: Hello, I'm your 32bit Impersonated custom action server.\r\nMSI (s) (50:5C) [15:05:06:370]: Doing action: InstallFinalize\r\nMSI (s) (50:BC) [15:05:06:377]: Machine policy value 'DisableRollback' is 0\r\n";
    let bytes = utf16le(text, false);
    let p = parse("install.txt", &bytes);
    assert_eq!(p.class.kind, FileKind::MsiLog);
    assert_eq!(p.records.len(), 3);
    assert!(p.records.iter().all(|r| r.time.is_none()));
    assert!(p.outcome.problems.is_empty());
    assert!(
        p.outcome
            .notes
            .iter()
            .any(|n| n.contains("3 records have a time of day")),
        "{:?}",
        p.outcome.notes
    );
}

// ---------------------------------------------------------------------------------------------
// Setup and Change logs

#[test]
fn setup_and_change_logs_read_generic_lines() {
    let setup = "2009-10-14 10:02:11  Windows Server Update Services setup started\r\nChecking prerequisites\r\n\r\n2009-10-14 10:02:19.004  Windows Server Update Services setup completed successfully\r\n";
    let p = parse("WSUSSetup.log", setup.as_bytes());
    assert_eq!(p.class.kind, FileKind::WsusSetupLog);
    assert_eq!(p.records.len(), 3);
    assert_eq!(p.records[1].time, None);
    assert_eq!(p.records[1].field("message"), Some("Checking prerequisites"));
    assert_eq!(p.records[2].time.as_deref(), Some("2009-10-14T10:02:19.004"));
    assert!(p.outcome.problems.is_empty());

    let change = "2024-05-06 07:10:00  Update Source changed by CONTOSO\\wsusadmin\r\n    from Microsoft Update to upstream wsus01\r\n2024-05-06 07:12:31  Classifications changed\r\n";
    let p = parse("Change.log", change.as_bytes());
    assert_eq!(p.class.kind, FileKind::WsusChangeLog);
    assert_eq!(p.records.len(), 2);
    assert_eq!(p.records[0].continuation.len(), 1);
    assert_eq!(p.records[0].basis, Some(TimeBasis::LocalUnknown));
    assert!(p.outcome.time_zone.unwrap().contains("not stated"));
}

// ---------------------------------------------------------------------------------------------
// Hostile and damaged input

#[test]
fn nul_bytes_inside_and_after_the_text() {
    let mut bytes = b"2012-03-04\t05:06:07:089\t 888\t1a2c\tMisc\t===========  Logging initialized (build: 7.6.7600.320, tz: +0100)  ===========\r\n".to_vec();
    bytes.extend(std::iter::repeat_n(0u8, 300));
    bytes.extend_from_slice(
        b"2012-03-04\t05:06:09:421\t 888\t1a2c\tPT\tWARNING: SyncUpdates failure, error = 0x80244022\r\n",
    );
    bytes.extend(std::iter::repeat_n(0u8, 4096));
    // Classification calls a file with NULs in its head binary; the parser must cope anyway.
    let p = common::parse_as("windowsupdate-classic", "WindowsUpdate.log", &bytes);
    assert_eq!(p.records.len(), 2);
    assert!(p.outcome.problems.is_empty(), "{:?}", p.outcome.problems);
    assert_eq!(
        p.records[1].field("component"),
        Some("PT"),
        "the line after a NUL run is read"
    );
    assert_eq!(p.records[1].time.as_deref(), Some("2012-03-04T04:06:09.421Z"));
    let notes = p.outcome.notes.join("\n");
    assert!(
        notes.contains("1 line holds NUL bytes") && notes.contains("4096 NUL bytes at the end"),
        "{notes}"
    );
    assert_positions_exact(&bytes, &p.records);
}

#[test]
fn a_record_of_several_megabytes() {
    let big = "x".repeat(6 << 20);
    let text = format!(
        "2024-05-06 07:08:09.123 UTC\tError\tWsusService.25\tSoapUtilities.LogException\t{big}\r\n   at A.B()\r\n2024-05-06 07:08:10.000 UTC\tInfo\tWsusService.25\tA.B\tok\r\n"
    );
    let p = parse("SoftwareDistribution.log", text.as_bytes());
    assert_eq!(p.records.len(), 2);
    assert_eq!(p.records[0].field("message").map(str::len), Some(big.len()));
    assert_eq!(p.records[0].continuation, vec!["   at A.B()".to_string()]);
    assert_eq!(p.records[1].line, 3);
}

#[test]
fn a_windows_1252_line_in_a_utf8_file() {
    let mut bytes = Vec::new();
    // Past the 64 KiB that encoding sniffing reads, so the file stays UTF-8 and only that line
    // falls back to windows-1252.
    for i in 0..1200 {
        bytes.extend_from_slice(
            format!(
                "2024-05-06 07:08:09.{:03} UTC\tInfo\tWsusService.15\tA.B\tGrüße aus Köln, line {i}\r\n",
                i % 1000
            )
            .as_bytes(),
        );
    }
    bytes
        .extend_from_slice(b"2024-05-06 07:09:00.000 UTC\tError\tw3wp.58\tA.B\tZugriff verweigert f\xfcr Benutzer\r\n");
    let p = parse("SoftwareDistribution.log", &bytes);
    assert_eq!(p.records.len(), 1201);
    assert_eq!(p.records[0].field("message"), Some("Grüße aus Köln, line 0"));
    assert_eq!(
        p.records[1200].field("message"),
        Some("Zugriff verweigert für Benutzer")
    );
    assert!(
        p.outcome.notes.iter().any(|n| n.contains("decoded as windows-1252")),
        "{:?}",
        p.outcome.notes
    );
    assert!(p.outcome.problems.is_empty());
}

#[test]
fn a_truncated_softwaredistribution_log_is_noted() {
    let text = "2024-05-06 07:08:09.123 UTC\tInfo\tWsusService.15\tA.B\tok\r\n2024-05-06 07:08:1";
    let p = parse("SoftwareDistribution.log", text.as_bytes());
    assert_eq!(p.records.len(), 1);
    assert_eq!(
        p.records[0].continuation.len(),
        1,
        "a cut header cannot be told from wrapped text"
    );
    assert!(
        p.outcome.notes.iter().any(|n| n.contains("line (2) has no line end")),
        "{:?}",
        p.outcome.notes
    );
}

// ---------------------------------------------------------------------------------------------
// Error codes in every spelling these logs use, read with the one normalizer.

#[test]
fn every_error_code_spelling_reads_as_one_value() {
    let classic = parse("WindowsUpdate.log", classic().as_bytes());
    assert_eq!(codes_in(classic.records[2].field("message").unwrap()), vec![0x80244022]);
    assert_eq!(
        codes_in(classic.records[3].field("message").unwrap()),
        vec![0x80072EE2],
        "hr = 80072ee2."
    );
    assert_eq!(
        codes_in(classic.records[4].field("message").unwrap()),
        vec![0x80244007],
        "hr=0X80244007"
    );
    let sdl = parse("SoftwareDistribution.log", sdl().as_bytes());
    assert_eq!(codes_in(&sdl.records[2].text), vec![0x80200013], "(-2145386477)");
    let etw = parse(
        "WindowsUpdate.log",
        etw_line(
            "2021/07/13 10:23:06.3460256",
            3696,
            8172,
            "Misc",
            "*FAILED* [8024000C] LoadHistoryEventFromRegistry completed",
        )
        .as_bytes(),
    );
    assert_eq!(
        codes_in(etw.records[0].field("message").unwrap()),
        vec![0x8024000C],
        "[8024000C]"
    );
    let rep = parse("ReportingEvents.log", reporting().as_bytes());
    assert_eq!(parse_code(rep.records[0].field("hresult").unwrap()), Some(0x80244019));
    assert_eq!(parse_code(rep.records[1].field("hresult").unwrap()), Some(0x00240005));
    let msi = parse("WSUS3Setupx64.msi.log", msi_failing().as_bytes());
    let ca = msi.records.iter().find_map(|r| r.field("error-code")).unwrap();
    assert_eq!(parse_code(ca).map(win32_to_hresult), Some(0x80070643), "1603");
    let cmtrace = parse(
        "UpdatesDeployment.log",
        cm(
            "GetUpdateInfo - failed to get targeted update, error = 0x87d00215.",
            "08:53:19.672+240",
            "07-14-2021",
            3,
        )
        .as_bytes(),
    );
    assert_eq!(codes_in(cmtrace.records[0].field("message").unwrap()), vec![0x87D00215]);
}

// ---------------------------------------------------------------------------------------------
// A grammar a support engineer writes: parsed by the engine alone.

const CONTOSO: &str = r#"
id = "contoso-patch-agent"
kind = "wsus-setup-log"
title = "Contoso patch agent log (written in a test)"

[detect]
names = ["ContosoPatch*.log"]
headers = ['^\[\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}:\d{2}\] \| ']

[record]
other_lines = "continue"

[[record.layouts]]
pattern = '^\[(?P<date>\d{2}\.\d{2}\.\d{4}) (?P<time>\d{2}:\d{2}:\d{2})\] \| (?P<level>\w+) \| (?P<component>[^#|]+)#(?P<thread>\d+) \| (?P<message>.*)$'

[record.time]
fields = ["date", "time"]
layouts = ["dd.MM.yyyy HH:mm:ss"]
zone = "local"

[record.severity]
field = "level"
error = ["ERR"]
warning = ["WRN"]

[[record.extract]]
pattern = '^Download of (?P<kb>KB\d+) failed'

[[record.extract]]
setting = "WSUS server"
pattern = '^Update server is (?P<value>\S+)'

[[examples]]
name = "ContosoPatch-20241120.log"
text = """
[20.11.2024 09:15:02] | INF | Agent#12 | Update server is http://wsus01.contoso.local:8530
[20.11.2024 09:15:09] | ERR | Downloader#14 | Download of KB5031364 failed: 0x80244019
    at Contoso.Patch.Downloader.Fetch()
"""
records = 2
"#;

const CONTOSO_TAB: &str = r#"
id = "contoso-change-export"
kind = "wsus-change-log"
title = "Contoso change export, TAB separated (written in a test)"

[detect]
names = ["ContosoChange*.tsv"]

[record]
other_lines = "problem"

[[record.layouts]]
separator = "tab"
columns = ["date", "time", "=CHG", "user"]
rest = "message"

[record.time]
fields = ["date", "time"]
layouts = ["yyyy-MM-dd HH:mm:ss"]
zone = "utc"

[[examples]]
name = "ContosoChange.tsv"
text = "2024-11-20\t09:15:02\tCHG\tCONTOSO\\wsusadmin\tApproved KB5031364 for Servers\n"
records = 1
"#;

#[test]
fn a_new_grammar_file_parses_through_the_engine_alone() {
    let catalog = with_grammar("formats/contoso-patch-agent.toml", CONTOSO).expect("the grammar loads");
    let g = catalog.get("contoso-patch-agent").unwrap();
    let ex = &g.def.examples[0];
    let p = parse_in(
        &catalog,
        "ContosoPatch-20241120.log",
        ex.text.as_bytes(),
        &with_tz(LocalZone::Fixed(3600)),
    );
    assert_eq!(p.class.format.as_deref(), Some("contoso-patch-agent"));
    assert_eq!(p.records.len() as u64, ex.records.unwrap());
    assert!(p.outcome.problems.is_empty(), "{:?}", p.outcome.problems);
    let [a, b] = [&p.records[0], &p.records[1]];
    assert_eq!(a.time.as_deref(), Some("2024-11-20T08:15:02Z"));
    assert_eq!(
        (a.field("setting"), a.field("value")),
        (Some("WSUS server"), Some("http://wsus01.contoso.local:8530"))
    );
    assert_eq!(
        (b.field("component"), b.field("thread")),
        (Some("Downloader"), Some("14"))
    );
    assert_eq!((b.field("kb"), b.field("severity")), (Some("KB5031364"), Some("error")));
    assert_eq!(
        b.continuation,
        vec!["    at Contoso.Patch.Downloader.Fetch()".to_string()]
    );

    let catalog = with_grammar("formats/contoso-change-export.toml", CONTOSO_TAB).unwrap();
    let text = "2024-11-20\t09:15:02\tCHG\tCONTOSO\\wsusadmin\tApproved KB5031364 for Servers\n2024-11-20\t09:15:03\tXYZ\tnobody\tnot a change line\n";
    let p = parse_in(&catalog, "ContosoChange.tsv", text.as_bytes(), &ParseOptions::default());
    assert_eq!(p.class.format.as_deref(), Some("contoso-change-export"));
    assert_eq!(p.records[0].field("user"), Some("CONTOSO\\wsusadmin"));
    assert_eq!(p.records[0].time.as_deref(), Some("2024-11-20T09:15:02Z"));
    assert_eq!(
        p.outcome.problems.len(),
        1,
        "the literal column `CHG` does not match on line 2"
    );
    assert_eq!(p.outcome.problems[0].line, Some(2));
}

#[test]
fn an_overriding_grammar_is_the_one_used() {
    let embedded = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/grammars/formats/wsus-change.toml"
    ))
    .unwrap();
    let utc = embedded.replace("zone = \"unknown\"", "zone = \"utc\"");
    assert_ne!(utc, embedded);
    let catalog = with_grammar("formats/wsus-change.toml", &utc).unwrap();
    let p = parse_in(
        &catalog,
        "Change.log",
        b"2024-05-06 07:10:00  Update Source changed\r\n",
        &ParseOptions::default(),
    );
    assert_eq!(p.records[0].time.as_deref(), Some("2024-05-06T07:10:00Z"));
}

#[test]
fn grammar_mistakes_are_located_errors() {
    for (wrong, says) in [
        (
            CONTOSO.replace("dd.MM.yyyy HH:mm:ss", "DD.MM.YYYY HH:mm:ss"),
            "time layout",
        ),
        (
            CONTOSO.replace("other_lines = \"continue\"", "other_lines = \"continue\"\nstartt = 'x'"),
            "unknown field",
        ),
        (CONTOSO.replace("(?P<kb>KB\\d+)", "(?P<kb>KB\\d+"), "regular expression"),
        (
            CONTOSO.replace("'^Update server is (?P<value>\\S+)'", "'^Update server is (\\S+)'"),
            "`value` group",
        ),
    ] {
        let err = with_grammar("formats/contoso-patch-agent.toml", &wrong).expect_err(says);
        assert!(format!("{err:?}").contains(says), "{says}: {err:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// The public corpus: every file read whole, exact record counts, zero problems.

/// (file, records, how they were counted independently of the parser).
const CORPUS: &[(&str, u64, &str)] = &[
    // WindowsUpdate.log files are one record per line, and every line matched
    // `grep -cvaP '^(\xef\xbb\xbf)?\d{4}[/.-]\d{2}[/.-]\d{2}[ \t]+\d{2}:\d{2}:\d{2}[.:]\d{3,7}[ \t]+\d+[ \t]+[0-9a-fA-F]+[ \t]+\S+'` = 0;
    // the count is `wc -l` (every file ends with CRLF, no blank line).
    ("wulog/win10-a-WindowsUpdate.log", 5314, "wc -l"),
    ("wulog/win-b-WindowsUpdate.log", 5711, "wc -l"),
    ("wulog/win-c-WindowsUpdate.log", 18773, "wc -l"),
    ("wulog/win-d-utf8bom-WindowsUpdate.log", 10919, "wc -l"),
    ("wulog/win7-legacy-WindowsUpdate.log", 12665, "wc -l"),
    // MSI logs: `iconv -f UTF-16LE -t UTF-8`, then lines that are neither blank nor start with
    // a blank (awk): verbose 6770 lines = 6761 records + 6 indented + 3 blank; basic 68 = 66 + 2 blank.
    (
        "setup/msi-verbose-utf16.log",
        6761,
        "non-blank lines not starting with a blank",
    ),
    (
        "setup/msi-basic-utf16.log",
        66,
        "non-blank lines not starting with a blank",
    ),
    // CMTrace: one record per `]LOG]!>` marker (`grep -o ']LOG]!>' | wc -l`), equal to the number
    // of `<![LOG[` openers; plaso's own test expects 10 for sccm_various.log.
    ("cmtrace/UpdatesDeployment.log", 107, "]LOG]!> markers"),
    ("cmtrace/UpdatesHandler.log", 10, "]LOG]!> markers"),
    ("cmtrace/UpdatesStore.log", 412, "]LOG]!> markers"),
    ("cmtrace/WUAHandler.log", 26, "]LOG]!> markers"),
    ("cmtrace/plaso-sccm_various.log", 10, "]LOG]!> markers"),
];

#[test]
fn corpus_files_read_whole_with_exact_counts_and_no_problem() {
    for &(file, expected, counted) in CORPUS {
        let Some(bytes) = common::corpus(file) else { return };
        let name = file.rsplit('/').next().unwrap();
        let p = parse(name, &bytes);
        assert_eq!(p.records.len() as u64, expected, "{file} ({counted})");
        assert_eq!(p.outcome.records, expected, "{file}");
        assert!(p.outcome.problems.is_empty(), "{file}: {:?}", p.outcome.problems);
        assert_positions_exact(&bytes, &p.records);
        // MSI custom-action output and property lines carry no time of their own.
        if !file.starts_with("setup/") {
            let timed = p.records.iter().filter(|r| r.time.is_some()).count();
            assert_eq!(timed, p.records.len(), "{file}: every record has a time");
        }
    }
}

#[test]
fn corpus_times_and_zones() {
    let Some(bytes) = common::corpus("cmtrace/WUAHandler.log") else {
        return;
    };
    // A US-Eastern client in July writes +240: UTC−4.
    let p = parse("WUAHandler.log", &bytes);
    assert_eq!(p.records[0].time.as_deref(), Some("2021-07-14T12:52:44.338Z"));
    assert_eq!(
        p.outcome.time_zone.as_deref(),
        Some("local, converted with each record's UTC offset (-04:00)")
    );
    let Some(bytes) = common::corpus("wulog/win7-legacy-WindowsUpdate.log") else {
        return;
    };
    let p = parse("WindowsUpdate.log", &bytes);
    // Lines 1–4 come before the first banner (line 5, tz: +0530).
    assert_eq!(p.records[0].time.as_deref(), Some("2021-08-27T21:37:48.216Z"));
    assert!(
        p.outcome
            .time_zone
            .unwrap()
            .contains("4 records before the first banner (line 5)")
    );
    assert_eq!(
        p.records
            .iter()
            .filter(|r| r.field("setting") == Some("WSUS server"))
            .count(),
        204
    );
    let Some(bytes) = common::corpus("setup/msi-verbose-utf16.log") else {
        return;
    };
    let p = parse("msi.log", &bytes);
    assert_eq!(
        p.records[1].time.as_deref(),
        Some("2023-10-31T09:12:53.767"),
        "31/10/2023 is day-first"
    );
    assert!(
        p.records
            .iter()
            .filter(|r| r.field("return-value").is_some())
            .all(|r| r.field("return-value") != Some("3"))
    );
}

// ---------------------------------------------------------------------------------------------
// Any bytes in: no panic, and every record's line number points at its own text.

mod any_bytes {
    use super::common::{Collect, decoded_lines, shared};
    use proptest::prelude::*;
    use wsus_triage::formats::{ParseInput, ParseOptions, parse_with_grammar};
    use wsus_triage::intake::decode::sniff;

    /// Fragments of the formats, so random input reaches deep into the parsers.
    const FRAGMENTS: &[&str] = &[
        "2024-05-06 07:08:09.123 UTC\tError\tWsusService.25\tA.B\tEventId=364,Type=Error,Category=X,Message=y",
        "   at Microsoft.UpdateServices.X()",
        "2012-03-04\t05:06:07:089\t 888\t1a2c\tMisc\t===========  Logging initialized (build: 7.6.7600.320, tz: +0100)  ===========",
        "2012-03-04\t05:06:07:090\t 888\t1a2c\tAgent\t  * WSUS server: http://x:8530",
        "2024/05/06 07:08:09.1234567 1204  5520  Agent           WSUS server: x",
        "Unknown( 10): GUID=5e0954e9-a6a5-3bf4-1a3c-ca1fe4d2b3f0 (No Format Information found).",
        "Windows Update logs are now generated using ETW",
        "{5D1A7C0E-3B7F-4C11-9E2A-7F4B8D2C6A10}\t2024-05-06 07:08:09:123+0200\t1\t161 [A]\t101\t{x}\t201\t80244019\tAU\tFailure\tC\tm",
        "<![LOG[",
        "]LOG]!><time=\"07:08:09.123+060\" date=\"05-06-2024\" component=\"X\" context=\"\" type=\"3\" thread=\"1\" file=\"\">",
        " $$<C><11-20-2024 14:05:00.120-60><thread=1 (0x1)>",
        "=== Verbose logging started: 12/3/2015  23:59:59  Build type: SHIP ===",
        "MSI (s) (50:5C) [23:59:59:999]: x",
        "MSI (s) (50:5C) [00:00:00:001]: y",
        "Action start 1:02:03: X.",
        "Action ended 1:02:04: X. Return value 3.",
        "\r\n",
        "\n",
        "\r",
        "\0\0\0",
        "\u{feff}",
        "\t",
        " ",
        "é",
        "\u{1F600}",
    ];

    fn input() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            3 => prop::sample::select(FRAGMENTS).prop_map(|s| s.as_bytes().to_vec()),
            1 => prop::collection::vec(any::<u8>(), 0..40),
        ];
        prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]
        #[test]
        fn no_panic_and_exact_line_numbers(bytes in input(), utf16 in any::<bool>()) {
            let bytes = if utf16 {
                let text = String::from_utf8_lossy(&bytes);
                super::utf16le(&text, bytes.first() == Some(&b'2'))
            } else {
                bytes
            };
            let catalog = shared();
            let lines = decoded_lines(&bytes);
            for g in catalog.grammars.iter().filter(|g| g.layout.is_some()) {
                let options = ParseOptions::default();
                let input = ParseInput { path: "x.log", bytes: &bytes, encoding: Some(sniff(&bytes)), format: Some(&g.def.id), options: &options };
                let mut sink = Collect::default();
                let out = parse_with_grammar(g.def.kind, &input, Some(g), &mut sink).unwrap();
                prop_assert_eq!(out.records, sink.0.len() as u64);
                for r in &sink.0 {
                    let at = |n: u64| lines.get((n as usize).wrapping_sub(1)).map(String::as_str);
                    prop_assert_eq!(at(r.line), Some(r.text.as_str()), "{}: line {}", g.def.id, r.line);
                    for (i, c) in r.continuation.iter().enumerate() {
                        prop_assert_eq!(at(r.line + 1 + i as u64), Some(c.as_str()), "{}: line {}", g.def.id, r.line);
                    }
                }
                for p in &out.problems {
                    if let Some(n) = p.line {
                        prop_assert!(n >= 1 && n as usize <= lines.len(), "{}: problem at line {} of {}", g.def.id, n, lines.len());
                    }
                }
            }
        }
    }
}
