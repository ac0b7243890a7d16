//! Event logs exported as text: wevtutil `/f:text` and `/f:xml`, Event Viewer CSV (English, German,
//! French), PowerShell `Export-Csv`, the Windows Server 2003 text. Every fixture is written here in
//! the shape the exporter writes; each record must stand at the exact line it cites.

use wsus_triage::formats::time::LocalZone;
use wsus_triage::formats::{ParseInput, ParseOptions, ParseOutcome, event_text};
use wsus_triage::intake::decode::sniff;
use wsus_triage::records::{Position, Record, RecordSink, TimeBasis};

#[derive(Debug, Clone)]
struct Got {
    line: u64,
    time: Option<String>,
    basis: Option<TimeBasis>,
    text: String,
    continuation: Vec<String>,
    fields: Vec<(String, String)>,
}

impl Got {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct Collect(Vec<Got>);

impl RecordSink for Collect {
    fn record(&mut self, r: &Record<'_>) {
        let Position::Line(line) = r.position else {
            panic!("text exports are cited by line, got {:?}", r.position)
        };
        self.0.push(Got {
            line,
            time: r.time.map(|t| t.to_rfc3339()),
            basis: r.time.map(|t| t.basis),
            text: r.text.to_string(),
            continuation: r.continuation.iter().map(|c| c.to_string()).collect(),
            fields: r.fields.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
        });
    }
}

fn parse_with(text: &[u8], options: &ParseOptions) -> (Vec<Got>, ParseOutcome) {
    let input = ParseInput {
        path: "export.txt",
        bytes: text,
        encoding: Some(sniff(text)),
        format: Some("event-text-export"),
        options,
    };
    let mut sink = Collect::default();
    let out = event_text::parse(&input, &mut sink);
    assert_eq!(out.records, sink.0.len() as u64);
    (sink.0, out)
}

fn parse(text: &str) -> (Vec<Got>, ParseOutcome) {
    let (got, out) = parse_with(text.as_bytes(), &ParseOptions::default());
    assert_cited_exactly(text, &got);
    (got, out)
}

/// Every record's text is (a substring of) the line it stands at, and its continuation lines are
/// the lines that follow, as they are.
fn assert_cited_exactly(text: &str, got: &[Got]) {
    let lines: Vec<&str> = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect();
    for g in got {
        let line = lines[g.line as usize - 1];
        assert!(
            line.contains(&g.text),
            "line {}: {:?} is not in {:?}",
            g.line,
            g.text,
            line
        );
        for (i, c) in g.continuation.iter().enumerate() {
            let at = lines[g.line as usize + i];
            assert!(
                at.starts_with(c.as_str()),
                "line {}: {c:?} vs {at:?}",
                g.line as usize + 1 + i
            );
        }
    }
}

fn crlf(text: &str) -> String {
    text.replace('\n', "\r\n")
}

const WEVTUTIL_TEXT: &str = "Event[0]:
  Log Name: System
  Source: Microsoft-Windows-WAS
  Date: 2024-11-20T10:19:58.002
  Event ID: 5002
  Task: N/A
  Level: Error
  Opcode: Info
  Keyword: Classic
  User: N/A
  User Name: N/A
  Computer: WSUS01.contoso.local
  Description: 
Application pool 'WsusPool' is being automatically disabled due to a series of failures in the process(es) serving that application pool.

Event[1]:
  Log Name: Application
  Source: Windows Server Update Services
  Date: 2024-11-20T07:14:00.117
  Event ID: 364
  Task: N/A
  Level: Error
  Opcode: N/A
  Keyword: Classic
  User: N/A
  User Name: N/A
  Computer: WSUS01.contoso.local
  Description: 
Content file download failed.
Reason: HTTP status 404: The requested URL does not exist on the server.

Source File: /Content/02/0098C79E1404B4399BF0E686D88DBF052269A302.exe
Destination File: D:\\WSUS\\WsusContent\\02\\0098C79E1404B4399BF0E686D88DBF052269A302.exe

Event[2]:
  Log Name: System
  Source: Service Control Manager
  Date: 2024-11-20T07:25:00.000
  Event ID: 7031
  Task: None
  Level: Error
  Opcode: Info
  Keyword: Classic
  User: N/A
  User Name: N/A
  Computer: WSUS01.contoso.local
  Description: The WSUS Service service terminated unexpectedly.  It has done this 1 time(s).  The following corrective action will be taken in 60000 milliseconds: Restart the service.

Event[3]:
  Log Name: Application
  Source: WLMS
  Date: 2024-11-20T08:00:00.000
  Event ID: 100
  Task: None
  Level: Information
  Opcode: Info
  Keyword: Classic
  User: N/A
  User Name: N/A
  Computer: WSUS01.contoso.local
  Description:
N/A
";

#[test]
fn wevtutil_text_blocks_cite_the_first_line_of_their_message() {
    let text = crlf(WEVTUTIL_TEXT);
    let (got, out) = parse(&text);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(out.notes[0], "layout: wevtutil text");
    assert_eq!(
        out.time_zone.as_deref(),
        Some("local, zone unknown: times kept as written")
    );
    assert_eq!(got.len(), 4);

    let pool = &got[0];
    assert_eq!(pool.line, 14);
    assert!(pool.text.starts_with("Application pool 'WsusPool' is being"));
    assert!(pool.continuation.is_empty());
    assert_eq!(pool.time.as_deref(), Some("2024-11-20T10:19:58.002"));
    assert_eq!(pool.basis, Some(TimeBasis::LocalUnknown));
    assert_eq!(pool.field("provider"), Some("Microsoft-Windows-WAS"));
    assert_eq!(pool.field("event-id"), Some("5002"));
    assert_eq!(pool.field("level"), Some("Error"));
    assert_eq!(pool.field("channel"), Some("System"));
    assert_eq!(pool.field("computer"), Some("WSUS01.contoso.local"));
    assert_eq!(pool.field("keywords"), Some("Classic"));
    assert_eq!(pool.field("message"), Some(pool.text.as_str()));

    let download = &got[1];
    assert_eq!(download.line, 29);
    assert_eq!(download.text, "Content file download failed.");
    assert_eq!(download.continuation.len(), 4, "{:?}", download.continuation);
    assert_eq!(
        download.field("message").unwrap(),
        "Content file download failed.\nReason: HTTP status 404: The requested URL does not exist on the server.\n\nSource File: /Content/02/0098C79E1404B4399BF0E686D88DBF052269A302.exe\nDestination File: D:\\WSUS\\WsusContent\\02\\0098C79E1404B4399BF0E686D88DBF052269A302.exe"
    );

    // The message on the Description line itself.
    let crash = &got[2];
    assert_eq!(crash.line, 47);
    assert!(
        crash
            .text
            .starts_with("  Description: The WSUS Service service terminated")
    );
    assert!(
        crash
            .field("message")
            .unwrap()
            .starts_with("The WSUS Service service terminated")
    );

    // "N/A" is no message; the record still stands at its description.
    let none = &got[3];
    assert_eq!(none.line, 62, "{none:?}");
    assert_eq!(none.text, "N/A");
    assert_eq!(none.field("message"), None);
}

#[test]
fn wevtutil_local_times_are_converted_with_the_bundle_zone() {
    let options = ParseOptions {
        tz: Some(LocalZone::Iana(chrono_tz::Europe::Berlin)),
        ..ParseOptions::default()
    };
    let (got, out) = parse_with(WEVTUTIL_TEXT.as_bytes(), &options);
    assert_eq!(got[0].time.as_deref(), Some("2024-11-20T09:19:58.002Z"));
    assert_eq!(got[0].basis, Some(TimeBasis::Converted));
    assert_eq!(out.time_zone.as_deref(), Some("local, Europe/Berlin from --tz"));
}

#[test]
fn wevtutil_text_in_utf16_with_a_utc_date() {
    let text = "Event[0]:\r\n  Log Name: Application\r\n  Source: Windows Server Update Services\r\n  Date: 2024-11-20T06:20:11.5000000Z\r\n  Event ID: 12072\r\n  Level: Error\r\n  Description:\r\nThe WSUS content directory is not accessible.\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let (got, out) = parse_with(&bytes, &ParseOptions::default());
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].line, 8);
    assert_eq!(got[0].time.as_deref(), Some("2024-11-20T06:20:11.500Z"));
    assert_eq!(out.time_zone.as_deref(), Some("UTC"));
    assert_eq!(
        got[0].field("message"),
        Some("The WSUS content directory is not accessible.")
    );
}

const XML_ONE_LINE: &str = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-WAS' Guid='{524B5D04-133C-4A62-8362-64E8EDB9CE40}' EventSourceName='WAS'/><EventID Qualifiers='16384'>5117</EventID><Version>0</Version><Level>4</Level><Task>0</Task><Opcode>0</Opcode><Keywords>0x80000000000000</Keywords><TimeCreated SystemTime='2024-11-20T06:10:02.345678900Z'/><EventRecordID>4</EventRecordID><Correlation/><Execution ProcessID='0' ThreadID='0'/><Channel>System</Channel><Computer>WSUS01.contoso.local</Computer><Security/></System><EventData><Data Name='AppPoolID'>WsusPool</Data><Data Name='ProcessID'>4412</Data></EventData></Event><Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-WAS' Guid='{524B5D04-133C-4A62-8362-64E8EDB9CE40}' EventSourceName='WAS'/><EventID Qualifiers='49152'>5002</EventID><Version>0</Version><Level>2</Level><Task>0</Task><Opcode>0</Opcode><Keywords>0x80000000000000</Keywords><TimeCreated SystemTime='2024-11-20T06:19:58.002000000Z'/><EventRecordID>5</EventRecordID><Correlation/><Execution ProcessID='0' ThreadID='0'/><Channel>System</Channel><Computer>WSUS01.contoso.local</Computer><Security/></System><EventData><Data Name='AppPoolID'>WsusPool</Data></EventData><RenderingInfo Culture='en-US'><Message>Application pool 'WsusPool' is being automatically disabled due to a series of failures in the process(es) serving that application pool.</Message><Level>Error</Level></RenderingInfo></Event>";

#[test]
fn wevtutil_xml_on_one_line_gives_one_record_per_event() {
    let (got, out) = parse(XML_ONE_LINE);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(out.time_zone.as_deref(), Some("UTC"));
    assert_eq!(got.len(), 2);
    assert!(got.iter().all(|g| g.line == 1));
    assert!(got[0].text.starts_with("<Event ") && got[0].text.ends_with("</Event>"));
    assert_eq!(got[0].text.len() + got[1].text.len(), XML_ONE_LINE.len());
    assert_eq!(got[0].field("data:AppPoolID"), Some("WsusPool"));
    assert_eq!(got[0].field("record-id"), Some("4"));
    assert_eq!(got[0].time.as_deref(), Some("2024-11-20T06:10:02.345Z"));
    assert!(got[0].field("message").unwrap().contains("private bytes memory limit"));
    // /f:RenderedXml: the message is the one Windows rendered.
    assert!(
        got[1]
            .field("message")
            .unwrap()
            .starts_with("Application pool 'WsusPool' is being")
    );
}

#[test]
fn xml_events_across_lines_and_a_root_element() {
    let text = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Events>\n{}\n<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>\n  <System>\n    <Provider Name='Service Control Manager'/>\n    <EventID Qualifiers='49152'>7034</EventID>\n    <Level>2</Level>\n    <TimeCreated SystemTime='2024-11-20T06:31:40.000Z'/>\n  </System>\n  <EventData>\n    <Data Name='param1'>World Wide Web Publishing Service</Data>\n    <Data Name='param2'>2</Data>\n  </EventData>\n</Event></Events>\n<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>",
        XML_ONE_LINE
    );
    let (got, out) = parse(&text);
    assert_eq!(got.len(), 3);
    let scm = &got[2];
    assert_eq!(scm.line, 4);
    assert_eq!(scm.continuation.len(), 11);
    assert_eq!(scm.continuation[10], "</Event>");
    assert_eq!(
        scm.field("message"),
        Some("The World Wide Web Publishing Service service terminated unexpectedly.  It has done this 2 time(s).")
    );
    // The last element is cut: a located problem, not a record.
    assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
    assert_eq!(out.problems[0].line, Some(16));
}

const VIEWER_CSV_EN: &str = "Level,Date and Time,Source,Event ID,Task Category
Error,11/20/2024 7:19:58 AM,WAS,5002,None,\"Application pool 'WsusPool' is being automatically disabled due to a series of failures in the process(es) serving that application pool.\"
Error,11/20/2024 7:14:00 AM,Windows Server Update Services,364,Synchronization,\"Content file download failed.
Reason: HTTP status 404: The requested URL does not exist on the server.

Source File: /Content/02/0098C79E1404B4399BF0E686D88DBF052269A302.exe
Destination File: D:\\WSUS\\WsusContent\\02\\0098C79E1404B4399BF0E686D88DBF052269A302.exe\"
Information,11/20/2024 3:04:41 AM,Windows Server Update Services,384,Synchronization,Synchronization completed successfully.
";

#[test]
fn event_viewer_csv_rows_span_lines_and_aliases_are_resolved() {
    let text = crlf(VIEWER_CSV_EN);
    let (got, out) = parse(&text);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(out.notes[0], "layout: Event Viewer CSV");
    assert_eq!(got.len(), 3);
    let pool = &got[0];
    assert_eq!(pool.line, 2);
    assert_eq!(pool.field("provider"), Some("Microsoft-Windows-WAS"));
    assert_eq!(pool.field("source"), Some("WAS"));
    assert_eq!(pool.field("event-id"), Some("5002"));
    assert_eq!(pool.field("task"), Some("None"));
    assert_eq!(pool.time.as_deref(), Some("2024-11-20T07:19:58"));
    let download = &got[1];
    assert_eq!(download.line, 3);
    assert_eq!(download.continuation.len(), 4);
    assert!(
        download
            .field("message")
            .unwrap()
            .ends_with("0098C79E1404B4399BF0E686D88DBF052269A302.exe")
    );
    assert_eq!(got[2].line, 8);
    assert_eq!(got[2].time.as_deref(), Some("2024-11-20T03:04:41"));
    // 11/20: the 20 says month first.
    assert_eq!(out.notes.len(), 1, "{:?}", out.notes);
}

#[test]
fn german_and_french_event_viewer_csv() {
    let de = "\u{feff}Ebene,Datum und Uhrzeit,Quelle,Ereignis-ID,Aufgabenkategorie\r\nFehler,20.11.2024 07:19:58,Microsoft-Windows-WAS,5002,Keine,\"Der Anwendungspool \"\"WsusPool\"\" wird aufgrund einer Reihe von Fehlern automatisch deaktiviert.\"\r\nWarnung,05.11.2024 13:00:00,Service Control Manager,7031,Keine,Der Dienst wurde unerwartet beendet.\r\n";
    let (got, out) = parse(de);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].field("level"), Some("Error"));
    assert_eq!(got[0].time.as_deref(), Some("2024-11-20T07:19:58"));
    assert_eq!(
        got[0].field("message"),
        Some("Der Anwendungspool \"WsusPool\" wird aufgrund einer Reihe von Fehlern automatisch deaktiviert.")
    );
    assert_eq!(got[1].field("level"), Some("Warning"));
    assert_eq!(got[1].time.as_deref(), Some("2024-11-05T13:00:00"));

    let fr = "Niveau,Date et heure,Source,ID de l’événement,Catégorie de la tâche\nErreur,20/11/2024 07:19:58,Microsoft-Windows-WAS,5002,Aucun,Le pool d’applications « WsusPool » est désactivé.\nAvertissement,05/11/2024 13:00:00,Service Control Manager,7031,Aucun,Arrêt inattendu.\n";
    let (got, out) = parse(fr);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(got[0].field("level"), Some("Error"));
    // 20/11 says day first, so 05/11 is the 5th of November.
    assert_eq!(got[1].time.as_deref(), Some("2024-11-05T13:00:00"));
    assert_eq!(got[1].field("level"), Some("Warning"));
}

#[test]
fn ambiguous_slash_dates_are_read_month_first_with_a_note() {
    let text = "Level,Date and Time,Source,Event ID,Task Category\nError,05/11/2024 7:19:58 AM,WAS,5002,None,x\n";
    let (got, out) = parse(text);
    assert_eq!(got[0].time.as_deref(), Some("2024-05-11T07:19:58"));
    assert!(
        out.notes
            .iter()
            .any(|n| n.contains("no date in the file tells day from month")),
        "{:?}",
        out.notes
    );
}

const POWERSHELL_CSV: &str = "#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord
\"Message\",\"Id\",\"Version\",\"Qualifiers\",\"Level\",\"Task\",\"Opcode\",\"Keywords\",\"RecordId\",\"ProviderName\",\"ProviderId\",\"LogName\",\"ProcessId\",\"ThreadId\",\"MachineName\",\"UserId\",\"TimeCreated\",\"ActivityId\",\"RelatedActivityId\",\"ContainerLog\",\"MatchedQueryIds\",\"Bookmark\",\"LevelDisplayName\",\"OpcodeDisplayName\",\"TaskDisplayName\",\"KeywordsDisplayNames\",\"Properties\"
\"The WSUS Service service terminated unexpectedly.  It has done this 1 time(s).  The following corrective action will be taken in 60000 milliseconds: Restart the service.\",\"7031\",\"0\",\"49152\",\"2\",\"0\",\"0\",\"-9187343239835811840\",\"812\",\"Service Control Manager\",\"555908d1-a6d7-4695-8e1e-26931d2012f4\",\"System\",\"664\",\"3120\",\"WSUS01.contoso.local\",,\"11/20/2024 7:25:00 AM\",,,\"System\",\"System.UInt32[]\",\"System.Diagnostics.Eventing.Reader.EventBookmark\",\"Error\",\"Info\",,\"System.Collections.ObjectModel.ReadOnlyCollection`1[System.String]\",\"System.Collections.Generic.List`1[System.Diagnostics.Eventing.Reader.EventProperty]\"
\"Content file download failed.
Reason: HTTP status 404: The requested URL does not exist on the server.\",\"364\",\"0\",\"0\",\"2\",\"2\",\"0\",\"36028797018963968\",\"9051\",\"Windows Server Update Services\",,\"Application\",\"0\",\"0\",\"WSUS01.contoso.local\",,\"11/20/2024 7:14:00 AM\",,,\"Application\",\"System.UInt32[]\",\"System.Diagnostics.Eventing.Reader.EventBookmark\",\"Error\",,\"Synchronization\",\"System.Collections.ObjectModel.ReadOnlyCollection`1[System.String]\",\"System.Collections.Generic.List`1[System.Diagnostics.Eventing.Reader.EventProperty]\"
";

#[test]
fn powershell_export_csv_of_get_winevent() {
    let text = crlf(POWERSHELL_CSV);
    let (got, out) = parse(&text);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(out.notes[0], "layout: PowerShell CSV");
    assert_eq!(got.len(), 2);
    let crash = &got[0];
    assert_eq!(crash.line, 3);
    assert_eq!(crash.field("provider"), Some("Service Control Manager"));
    assert_eq!(crash.field("event-id"), Some("7031"));
    assert_eq!(crash.field("qualifiers"), Some("49152"));
    assert_eq!(crash.field("level"), Some("Error"));
    assert_eq!(crash.field("record-id"), Some("812"));
    assert_eq!(crash.field("channel"), Some("System"));
    assert_eq!(crash.field("computer"), Some("WSUS01.contoso.local"));
    assert_eq!(crash.time.as_deref(), Some("2024-11-20T07:25:00"));
    assert!(
        crash
            .field("message")
            .unwrap()
            .starts_with("The WSUS Service service terminated")
    );
    let download = &got[1];
    assert_eq!(download.line, 4);
    assert_eq!(download.continuation.len(), 1);
    assert_eq!(download.field("task"), Some("Synchronization"));
    assert_eq!(
        download.field("message"),
        Some("Content file download failed.\nReason: HTTP status 404: The requested URL does not exist on the server.")
    );
}

const LEGACY_2003: &str = "Event Type:\tError
Event Source:\tWindows Update Agent
Event Category:\tInstallation 
Event ID:\t20
Date:\t\t16/03/2007
Time:\t\t06:00:19
User:\t\tN/A
Computer:
servername
Description:
Installation Failure: Windows failed to install the following update with error 0x80242007: Windows Server 2003 Service Pack 2 (32-bit x86).

For more information, see Help and Support Center at http://go.microsoft.com/fwlink/events.asp.

Event Type:\tError
Event Source:\tWindows Server Update Services
Event Category:\t(2)
Event ID:\t364
Date:\t\t05/03/2007
Time:\t\t6:12:40 PM
User:\t\tN/A
Computer:\tSERVERNAME
Description:
Content file download failed. Reason: The server does not support the necessary HTTP protocol. Background Intelligent Transfer Service (BITS) requires that the server support the Range protocol header.
Data:
0000: 00 00 00 00               ....
";

#[test]
fn windows_server_2003_text_export() {
    let (got, out) = parse(LEGACY_2003);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(out.notes[0], "layout: Windows Server 2003 Event Viewer text");
    assert_eq!(got.len(), 2);
    let install = &got[0];
    assert_eq!(install.line, 11);
    assert_eq!(install.continuation.len(), 2);
    assert_eq!(install.field("provider"), Some("Microsoft-Windows-WindowsUpdateClient"));
    assert_eq!(install.field("source"), Some("Windows Update Agent"));
    assert_eq!(install.field("event-id"), Some("20"));
    assert_eq!(install.field("task"), Some("Installation"));
    assert_eq!(install.field("computer"), Some("servername"));
    // 16/03 says day first.
    assert_eq!(install.time.as_deref(), Some("2007-03-16T06:00:19"));
    let content = &got[1];
    assert_eq!(content.line, 24);
    assert!(content.continuation.is_empty(), "the Data: dump is not message");
    assert_eq!(content.time.as_deref(), Some("2007-03-05T18:12:40"));
    assert_eq!(content.field("task"), Some("(2)"));
    assert!(
        content
            .field("message")
            .unwrap()
            .starts_with("Content file download failed. Reason: The server does not support")
    );
}

#[test]
fn damaged_exports_give_located_problems_not_panics() {
    // A block without an Event ID and with a bad date.
    let (got, out) = parse("Event[0]:\n  Source: X\n  Date: yesterday\n  Description:\nsomething\n");
    assert_eq!(got.len(), 1);
    assert_eq!(out.problems.len(), 2, "{:?}", out.problems);
    assert!(out.problems.iter().all(|p| p.line == Some(1)));
    // A CSV cut inside a quoted message.
    let (got, out) = parse(
        "Level,Date and Time,Source,Event ID,Task Category\nError,11/20/2024 7:19:58 AM,WAS,5002,None,\"cut here\n",
    );
    assert_eq!(got.len(), 1);
    assert_eq!(out.problems.len(), 1);
    assert_eq!(out.problems[0].line, Some(2));
    // XML that is not XML inside an element.
    let (got, out) = parse("<Event xmlns='x'><System><Provider Name='a\"/></Sys</Event>\n");
    assert!(got.len() <= 1);
    let _ = out;
    // Every prefix of every fixture: no panic.
    for fixture in [WEVTUTIL_TEXT, XML_ONE_LINE, VIEWER_CSV_EN, POWERSHELL_CSV, LEGACY_2003] {
        for cut in (0..fixture.len()).step_by(7).filter(|&c| fixture.is_char_boundary(c)) {
            let _ = parse_with(&fixture.as_bytes()[..cut], &ParseOptions::default());
        }
    }
}

#[test]
fn every_layout_is_detected_and_parsed_by_the_pipeline() {
    let engine = wsus_triage::pipeline::Engine::from_files(&wsus_triage::grammars::GrammarFiles::embedded()).unwrap();
    let files: Vec<(String, Vec<u8>)> = vec![
        ("Events/System.txt".into(), crlf(WEVTUTIL_TEXT).into_bytes()),
        ("Events/System.xml".into(), XML_ONE_LINE.as_bytes().to_vec()),
        ("Events/Application.csv".into(), crlf(VIEWER_CSV_EN).into_bytes()),
        ("Events/events.csv".into(), crlf(POWERSHELL_CSV).into_bytes()),
        ("Events/appevent.txt".into(), LEGACY_2003.as_bytes().to_vec()),
    ];
    let bundle = wsus_triage::intake::Bundle::from_memory("bundle", files, &Default::default());
    let report = wsus_triage::pipeline::run_opened(&engine, bundle, &Default::default());
    let got: Vec<(&str, &str, Option<u64>)> = report
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.kind.name(), f.records))
        .collect();
    assert_eq!(
        got,
        vec![
            ("Events/Application.csv", "event-text-export", Some(3)),
            ("Events/System.txt", "event-text-export", Some(4)),
            ("Events/System.xml", "event-text-export", Some(2)),
            ("Events/appevent.txt", "event-text-export", Some(2)),
            ("Events/events.csv", "event-text-export", Some(2)),
        ]
    );
}

#[test]
fn powershell_export_csv_of_get_eventlog_with_the_culture_delimiter() {
    let text = "#TYPE System.Diagnostics.EventLogEntry#System/Service Control Manager/3221232503\r\n\"EventID\";\"MachineName\";\"Data\";\"Index\";\"Category\";\"CategoryNumber\";\"EntryType\";\"Message\";\"Source\";\"ReplacementStrings\";\"InstanceId\";\"TimeGenerated\";\"TimeWritten\";\"UserName\";\"Site\";\"Container\"\r\n\"7031\";\"WSUS01.contoso.local\";\"System.Byte[]\";\"812\";\"(0)\";\"0\";\"Error\";\"Der Dienst \"\"WSUS-Dienst\"\" wurde unerwartet beendet. Dies ist bereits 1 Mal passiert.\";\"Service Control Manager\";\"System.String[]\";\"3221232503\";\"20.11.2024 07:25:00\";\"20.11.2024 07:25:00\";;;\r\n";
    let (got, out) = parse(text);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(got.len(), 1);
    let crash = &got[0];
    assert_eq!(crash.line, 3);
    assert_eq!(crash.field("provider"), Some("Service Control Manager"));
    assert_eq!(crash.field("event-id"), Some("7031"));
    assert_eq!(crash.field("level"), Some("Error"));
    assert_eq!(crash.field("record-id"), Some("812"));
    assert_eq!(crash.field("task"), Some("(0)"));
    assert_eq!(crash.time.as_deref(), Some("2024-11-20T07:25:00"));
    assert_eq!(
        crash.field("message"),
        Some("Der Dienst \"WSUS-Dienst\" wurde unerwartet beendet. Dies ist bereits 1 Mal passiert.")
    );
}

#[test]
fn the_grammar_examples_are_detected_and_read() {
    let catalog =
        wsus_triage::formats::grammar::FormatCatalog::from_files(&wsus_triage::grammars::GrammarFiles::embedded())
            .unwrap();
    let grammar = catalog.get("event-text-export").unwrap();
    assert!(grammar.def.examples.len() >= 3);
    for example in &grammar.def.examples {
        let name = example.name.as_deref().unwrap_or("example.log");
        let class = wsus_triage::intake::classify::classify(&catalog, name, example.text.as_bytes());
        assert_eq!(class.kind.name(), "event-text-export", "{name}: {}", class.reason);
        let (got, out) = parse(&example.text);
        assert_eq!(got.len(), 1, "{name}: {:?}", out.problems);
        assert!(got[0].field("event-id").is_some(), "{name}");
    }
}
