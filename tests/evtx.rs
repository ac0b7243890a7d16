//! EVTX: files written by the project's writer (tests/support/evtx_writer.rs), damaged on purpose
//! one hazard per test, and the public corpus in ../shared/corpus/evtx with exact record and problem
//! counts, compared with what the `evtx` crate itself reads.

#[path = "support/evtx_writer.rs"]
mod evtx_writer;

use chrono::NaiveDateTime;
use evtx_writer::{
    CHUNK_SIZE, Event, Options, chunk_offset, fix_chunk_crcs, fixture_events, providers, record_offsets, write_evtx,
    write_evtx_with,
};
use std::path::Path;
use wsus_triage::formats::{ParseInput, ParseOptions, ParseOutcome, evtx};
use wsus_triage::records::{Position, Record, RecordSink};

/// A record as the tests look at it.
#[derive(Debug, Clone)]
struct Got {
    id: u64,
    time: Option<String>,
    text: String,
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
        let Position::Record(id) = r.position else {
            panic!("EVTX records are positioned by record id, got {:?}", r.position)
        };
        assert!(r.continuation.is_empty());
        self.0.push(Got {
            id,
            time: r.time.map(|t| t.to_rfc3339()),
            text: r.text.to_string(),
            fields: r.fields.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
        });
    }
}

fn parse(bytes: &[u8]) -> (Vec<Got>, ParseOutcome) {
    let options = ParseOptions::default();
    let input = ParseInput {
        path: "System.evtx",
        bytes,
        encoding: None,
        format: Some("evtx"),
        options: &options,
    };
    let mut sink = Collect::default();
    let out = evtx::parse(&input, &mut sink);
    assert_eq!(out.records, sink.0.len() as u64);
    (sink.0, out)
}

/// What the `evtx` crate's own parser reads: the rendered `<Event>` elements, in order, and errors.
fn crate_reads(bytes: &[u8]) -> (Vec<String>, usize) {
    let settings = ::evtx::ParserSettings::new().indent(false).num_threads(1);
    let mut parser = ::evtx::EvtxParser::from_buffer(bytes.to_vec())
        .expect("a file header")
        .with_configuration(settings);
    let mut ok = Vec::new();
    let mut errors = 0;
    for r in parser.records() {
        match r {
            Ok(r) => ok.push(r.data[r.data.find("<Event").unwrap_or(0)..].trim_end().to_string()),
            Err(_) => errors += 1,
        }
    }
    (ok, errors)
}

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
}

/// `n` Service Control Manager 7036 events, one a minute: enough of them fill several chunks.
fn noise(n: usize) -> Vec<Event> {
    (0..n)
        .map(|i| {
            Event::manifest(
                providers::SCM,
                providers::SCM_GUID,
                7036,
                4,
                0,
                0x8080_0000_0000_0000,
                at("2024-11-19 00:00:00") + chrono::Duration::minutes(i as i64),
                "System",
                "WSUS01.contoso.local",
                &[
                    ("param1", "Windows Modules Installer"),
                    ("param2", if i % 2 == 0 { "running" } else { "stopped" }),
                ],
            )
            .with_source_name(providers::SCM)
            .with_qualifiers(16384)
        })
        .collect()
}

/// The low byte of the last character of a record's last value (the last thing before its size copy).
fn last_value_char(file: &[u8], record: usize) -> usize {
    let size = u32::from_le_bytes(file[record + 4..record + 8].try_into().unwrap()) as usize;
    record + size - 4 - 2
}

fn chunks_in(file: &[u8]) -> usize {
    (file.len() - evtx_writer::FILE_HEADER_SIZE) / CHUNK_SIZE
}

#[test]
fn fixture_events_read_back_with_every_field() {
    let file = write_evtx(&fixture_events());
    let (got, out) = parse(&file);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(out.time_zone.as_deref(), Some("UTC"));
    assert_eq!(got.len(), 9);
    assert_eq!(
        got.iter().map(|g| g.id).collect::<Vec<_>>(),
        (1..=9).collect::<Vec<_>>()
    );

    let wsus = &got[0];
    assert_eq!(wsus.time.as_deref(), Some("2024-11-20T06:14:00.117Z"));
    assert_eq!(wsus.field("provider"), Some("Windows Server Update Services"));
    assert_eq!(wsus.field("event-id"), Some("364"));
    assert_eq!(wsus.field("qualifiers"), Some("0"));
    assert_eq!(wsus.field("level"), Some("Error"));
    assert_eq!(wsus.field("task"), Some("2"));
    assert_eq!(wsus.field("channel"), Some("Application"));
    assert_eq!(wsus.field("computer"), Some("WSUS01.contoso.local"));
    assert_eq!(wsus.field("record-id"), Some("1"));
    assert!(
        wsus.field("data:1")
            .unwrap()
            .starts_with("Content file download failed.\r\nReason: HTTP status 404")
    );
    // A .NET event source: the message is the first insertion string.
    assert_eq!(wsus.field("message"), wsus.field("data:1"));

    let pool_disabled = got.iter().find(|g| g.field("event-id") == Some("5002")).unwrap();
    assert_eq!(pool_disabled.field("provider"), Some("Microsoft-Windows-WAS"));
    assert_eq!(pool_disabled.field("qualifiers"), Some("49152"));
    assert_eq!(pool_disabled.field("data:AppPoolID"), Some("WsusPool"));
    assert_eq!(
        pool_disabled.field("message"),
        Some(
            "Application pool 'WsusPool' is being automatically disabled due to a series of failures in the process(es) serving that application pool."
        )
    );
    let recycle = got.iter().find(|g| g.field("event-id") == Some("5117")).unwrap();
    assert_eq!(recycle.field("level"), Some("Information"));
    assert_eq!(
        recycle.field("message"),
        Some(
            "A worker process serving application pool 'WsusPool' has requested a recycle because it reached its private bytes memory limit."
        )
    );
    let crashed = got.iter().find(|g| g.field("event-id") == Some("7031")).unwrap();
    assert_eq!(
        crashed.field("message"),
        Some(
            "The WSUS Service service terminated unexpectedly.  It has done this 1 time(s).  The following corrective action will be taken in 60000 milliseconds: Restart the service."
        )
    );
    let install = got.iter().find(|g| g.field("event-id") == Some("20")).unwrap();
    assert_eq!(install.field("data:errorCode"), Some("0x80244017"));
    assert_eq!(
        install.field("message"),
        Some(
            "Installation Failure: Windows failed to install the following update with error 0x80244017: 2024-11 Cumulative Update for Windows 10 Version 22H2 for x64-based Systems (KB5046613)."
        )
    );
    let scan = got.iter().find(|g| g.field("event-id") == Some("25")).unwrap();
    assert_eq!(scan.field("channel"), Some(providers::WU_OPERATIONAL));
    assert_eq!(
        scan.field("message"),
        Some("Windows Update failed to check for updates with error 0x8024402c.")
    );
}

#[test]
fn text_is_the_rendered_xml_and_values_stand_in_it() {
    let mut events = fixture_events();
    // A value that XML must escape: it is unescaped in the field and escaped in the text.
    events.push(Event::classic(
        providers::WSUS,
        364,
        0,
        2,
        2,
        at("2024-11-20 10:00:00"),
        "Application",
        "WSUS01",
        &["Content file download failed. Reason: <proxy> said \"407\" & closed"],
    ));
    let file = write_evtx(&events);
    let (got, _) = parse(&file);
    let (rendered, errors) = crate_reads(&file);
    assert_eq!(errors, 0);
    assert_eq!(got.len(), rendered.len());
    for (g, xml) in got.iter().zip(&rendered) {
        assert_eq!(&g.text, xml, "record {}", g.id);
        assert!(!g.text.starts_with("<?xml"));
        for (name, value) in &g.fields {
            if name.starts_with("data:") || ["channel", "computer", "record-id", "event-id"].contains(&name.as_str()) {
                let escaped = value.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
                assert!(
                    g.text.contains(value.as_str()) || g.text.contains(&escaped),
                    "record {}: {name} = {value:?} is not in the text",
                    g.id
                );
            }
        }
    }
    let escaped = got.last().unwrap();
    assert_eq!(
        escaped.field("data:1"),
        Some("Content file download failed. Reason: <proxy> said \"407\" & closed")
    );
}

#[test]
fn records_span_chunks_and_each_chunk_defines_its_templates() {
    let events = noise(1500);
    let file = write_evtx(&events);
    assert!(chunks_in(&file) >= 3, "{} chunks", chunks_in(&file));
    let (got, out) = parse(&file);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(got.len(), 1500);
    assert_eq!(
        got.iter().map(|g| g.id).collect::<Vec<_>>(),
        (1..=1500).collect::<Vec<_>>()
    );
    assert_eq!(got[1499].field("data:param2"), Some("stopped"));
    assert_eq!(got[1499].time.as_deref(), Some("2024-11-20T00:59:00Z"));
    assert_eq!(
        got[1499].field("message"),
        Some("The Windows Modules Installer service entered the stopped state.")
    );
    assert_eq!(crate_reads(&file).0.len(), 1500);
}

#[test]
fn bad_chunk_magic_skips_that_chunk_only() {
    let mut file = write_evtx(&noise(1500));
    let per_chunk = record_offsets(&file, 1).len();
    let c1 = chunk_offset(1);
    file[c1..c1 + 8].copy_from_slice(b"NotChnk\0");
    let (got, out) = parse(&file);
    assert_eq!(got.len(), 1500 - per_chunk);
    assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
    let p = &out.problems[0];
    assert_eq!(p.offset, Some(c1 as u64));
    assert!(
        p.message.starts_with("chunk 1: not an EVTX chunk (magic 4E 6F 74"),
        "{}",
        p.message
    );
    assert_eq!(crate_reads(&file).0.len(), got.len());
}

#[test]
fn crc_mismatch_is_a_problem_and_the_records_are_still_read() {
    let mut file = write_evtx(&fixture_events());
    // Change "WsusPool" in the WAS 5002 record without fixing the chunk's CRC.
    let needle: Vec<u8> = "WsusPool".encode_utf16().flat_map(u16::to_le_bytes).collect();
    let at = file
        .windows(needle.len())
        .rposition(|w| w == needle.as_slice())
        .unwrap();
    file[at + 14] = b'1'; // the final "l" becomes "1"
    let (got, out) = parse(&file);
    assert_eq!(got.len(), 9);
    assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
    assert_eq!(out.problems[0].offset, Some(chunk_offset(0) as u64));
    assert!(
        out.problems[0]
            .message
            .starts_with("chunk 0: event records CRC-32 mismatch (stored 0x")
    );
    assert!(got.iter().any(|g| g.field("data:AppPoolID") == Some("WsusPoo1")));
}

#[test]
fn stale_crc_of_the_open_chunk_of_a_dirty_file_is_only_a_note() {
    let options = Options {
        dirty: true,
        ..Options::default()
    };
    let mut file = write_evtx_with(&noise(1500), &options);
    let last = chunks_in(&file) - 1;
    let in_last = last_value_char(&file, record_offsets(&file, last)[0]);
    file[in_last] ^= 0x01; // "running" becomes "runninf": still a record, no longer its CRC
    let (got, out) = parse(&file);
    assert_eq!(got.len(), 1500);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert!(out.notes.iter().any(|n| n.contains("marked dirty")), "{:?}", out.notes);
    assert!(
        out.notes
            .iter()
            .any(|n| n.starts_with(&format!("chunk {last}: event records CRC-32 mismatch"))),
        "{:?}",
        out.notes
    );
    // The same damage in an older chunk is a problem.
    let mut file = write_evtx_with(&noise(1500), &options);
    let in_first = last_value_char(&file, record_offsets(&file, 0)[0]);
    file[in_first] ^= 0x01;
    let (_, out) = parse(&file);
    assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
}

#[test]
fn truncated_file_keeps_the_whole_records_of_the_cut_chunk() {
    let file = write_evtx(&noise(1500));
    let last = chunks_in(&file) - 1;
    let offsets = record_offsets(&file, last);
    // Cut in the middle of the fourth record of the last chunk.
    let cut = offsets[3] + 40;
    let before_last: usize = (0..last).map(|n| record_offsets(&file, n).len()).sum();
    let (got, out) = parse(&file[..cut]);
    assert_eq!(got.len(), before_last + 3);
    let messages: Vec<&str> = out.problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages[0].starts_with(&format!("the file ends inside chunk {last}: ")),
        "{messages:?}"
    );
    assert_eq!(out.problems[0].offset, Some(chunk_offset(last) as u64));
    assert!(
        messages[1].starts_with(&format!("chunk {last}: unreadable record data at offset")),
        "{messages:?}"
    );
    assert_eq!(out.problems[1].offset, Some(offsets[3] as u64));
    // The evtx crate drops the cut chunk altogether.
    assert_eq!(crate_reads(&file[..cut]).0.len(), before_last);
}

#[test]
fn file_header_counting_more_chunks_than_present_is_reported() {
    let file = write_evtx(&noise(1500));
    let whole = chunk_offset(chunks_in(&file) - 1);
    let (got, out) = parse(&file[..whole]);
    assert!(!got.is_empty());
    assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
    assert_eq!(out.problems[0].offset, Some(42));
    assert!(out.problems[0].message.contains("the copy is truncated"));
}

#[test]
fn damaged_record_header_is_reported_where_it_stands_and_reading_goes_on() {
    let mut file = write_evtx(&fixture_events());
    let third = record_offsets(&file, 0)[2];
    file[third..third + 4].copy_from_slice(&[0, 0, 0, 0]);
    fix_chunk_crcs(&mut file, 0);
    let (got, out) = parse(&file);
    assert_eq!(
        got.iter().map(|g| g.id).collect::<Vec<_>>(),
        vec![1, 2, 4, 5, 6, 7, 8, 9]
    );
    assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
    assert_eq!(out.problems[0].offset, Some(third as u64));
    assert!(
        out.problems[0]
            .message
            .starts_with("chunk 0: unreadable record data at offset 0x")
    );
    let (_, crate_errors) = crate_reads(&file);
    assert_eq!(crate_errors, 1);
}

#[test]
fn file_header_crc_mismatch_is_reported() {
    let mut file = write_evtx(&fixture_events());
    file[24] ^= 0xFF; // next record id
    let (got, out) = parse(&file);
    assert_eq!(got.len(), 9);
    assert_eq!(out.problems.len(), 1);
    assert_eq!(out.problems[0].offset, Some(0));
    assert!(out.problems[0].message.starts_with("file header CRC-32 mismatch"));
}

#[test]
fn file_shorter_than_its_header_is_a_problem_not_a_panic() {
    let file = write_evtx(&fixture_events());
    for len in [0, 8, 100, 4095, 4096, 4096 + 511, 4096 + 512, 4096 + 600] {
        let (got, out) = parse(&file[..len]);
        assert!(got.is_empty(), "{len} bytes");
        assert!(!out.problems.is_empty() || len == 4096, "{len} bytes");
    }
}

#[test]
fn wrapped_log_is_read_from_its_oldest_chunk() {
    let file = write_evtx(&noise(1500));
    let n = chunks_in(&file);
    // Move the last chunk to the front, as a full log that overwrote its first chunk looks.
    let mut wrapped = file[..chunk_offset(0)].to_vec();
    wrapped.extend_from_slice(&file[chunk_offset(n - 1)..chunk_offset(n)]);
    wrapped.extend_from_slice(&file[chunk_offset(0)..chunk_offset(n - 1)]);
    let (got, out) = parse(&wrapped);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(
        got.iter().map(|g| g.id).collect::<Vec<_>>(),
        (1..=1500).collect::<Vec<_>>()
    );
}

#[test]
fn every_byte_flipped_in_a_chunk_header_is_survived() {
    let file = write_evtx(&fixture_events());
    for i in 0..512 {
        let mut damaged = file.clone();
        damaged[chunk_offset(0) + i] ^= 0xA5;
        let (got, _) = parse(&damaged);
        assert!(got.len() <= 9, "byte {i}");
    }
}

#[test]
fn pipeline_reads_a_fixture_end_to_end() {
    let file = write_evtx(&fixture_events());
    let engine = wsus_triage::pipeline::Engine::from_files(&wsus_triage::grammars::GrammarFiles::embedded()).unwrap();
    let bundle = wsus_triage::intake::Bundle::from_memory(
        "bundle",
        vec![("Server/EventLogs/System.evtx".into(), file)],
        &Default::default(),
    );
    let report = wsus_triage::pipeline::run_opened(&engine, bundle, &Default::default());
    let f = &report.files[0];
    assert_eq!(f.kind.name(), "evtx");
    assert_eq!(f.records, Some(9));
    assert!(f.problems.is_empty());
    assert_eq!(
        f.first.map(|t| t.to_rfc3339()).as_deref(),
        Some("2024-11-20T06:10:02.345Z")
    );
    assert_eq!(
        f.last.map(|t| t.to_rfc3339()).as_deref(),
        Some("2024-11-20T09:14:31.208Z")
    );
}

// ------------------------------------------------------------------------------------------------
// The public corpus
// ------------------------------------------------------------------------------------------------

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/evtx");

/// (file, records we read, problems we report, records the evtx crate reads, errors it reports).
const EXPECTED: &[(&str, u64, usize, usize, usize)] = &[
    ("2-vss_7-System.evtx", 1160, 0, 1160, 0),
    ("Application_no_crc32.evtx", 17, 0, 17, 0),
    ("MSExchange_Management_wec.evtx", 1, 0, 1, 0),
    ("Microsoft-Windows-HelloForBusiness-Operational.evtx", 6, 0, 6, 0),
    ("Microsoft-Windows-LanguagePackSetup-Operational.evtx", 17, 0, 17, 0),
    ("Security_short_selected.evtx", 7, 0, 7, 0),
    ("issue_201.evtx", 1, 0, 1, 0),
    ("new-user-security.evtx", 4, 0, 4, 0),
    ("pc-Microsoft-Windows-Bits-Client-Operational.evtx", 502, 0, 502, 0),
    (
        "pc-Microsoft-Windows-WindowsUpdateClient-Operational.evtx",
        91,
        0,
        91,
        0,
    ),
    ("pc-Setup.evtx", 8, 0, 8, 0),
    ("pc-System.evtx", 299, 0, 299, 0),
    ("plaso-dc-System.evtx", 5009, 0, 5009, 0),
    // Cut at 200,000 bytes: the crate drops the cut third chunk, we keep its 89 whole records.
    ("plaso-truncated-Security.evtx", 283, 3, 194, 0),
    ("post-Security.evtx", 126, 0, 126, 0),
    ("sample-with-irregular-bool-values.evtx", 3028, 0, 3028, 0),
    // The crate's error, plus the CRC-32 mismatch of chunk 0 (not the file's newest chunk).
    ("sample-with-zero-data-size-event.evtx", 449, 2, 449, 1),
    // The crate's 2 bad chunks and 1 bad record, plus the CRC-32 mismatches of chunks 0, 7 and 9.
    ("sample_with_a_bad_chunk_magic.evtx", 301, 5, 301, 3),
    ("security.evtx", 2261, 0, 2261, 0),
    // A header CRC-32 mismatch (the damaged string table itself is read around by the crate).
    ("security_bad_string_cache.evtx", 2261, 1, 2261, 0),
    ("sysmon.evtx", 358, 8, 358, 8),
    ("system.evtx", 1881, 0, 1881, 0),
];

fn corpus() -> Option<&'static Path> {
    let dir = Path::new(CORPUS);
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: the corpus is not at {CORPUS}");
        None
    }
}

#[test]
fn corpus_files_are_read_with_exact_record_and_problem_counts() {
    let Some(dir) = corpus() else { return };
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".evtx"))
        .collect();
    files.sort();
    let listed: Vec<&str> = EXPECTED.iter().map(|e| e.0).collect();
    assert_eq!(files, listed, "the corpus changed: update EXPECTED");
    for &(name, records, problems, crate_records, crate_errors) in EXPECTED {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let (got, out) = parse(&bytes);
        assert_eq!(
            (got.len() as u64, out.problems.len()),
            (records, problems),
            "{name}: {:#?}",
            out.problems
        );
        let (rendered, errors) = crate_reads(&bytes);
        assert_eq!(
            (rendered.len(), errors),
            (crate_records, crate_errors),
            "{name}: the evtx crate"
        );
        // Where both read the same records, the text is the crate's rendering, record for record.
        for (g, xml) in got.iter().zip(&rendered) {
            assert_eq!(&g.text, xml, "{name}: record {}", g.id);
            // The position is the EventRecordID Event Viewer shows, from the XML.
            match g.field("record-id") {
                None | Some("0") => {} // the file's own number stands in
                Some(r) => assert_eq!(r, g.id.to_string(), "{name}"),
            }
        }
        for p in &out.problems {
            assert!(
                p.offset.is_some() || p.record.is_some(),
                "{name}: unlocated problem {p:?}"
            );
        }
    }
}

#[test]
fn corpus_saved_and_forwarded_events_keep_the_record_id_event_viewer_shows() {
    let Some(dir) = corpus() else { return };
    // A forwarded event (Windows Event Collector): record 1 of this file, 3229 on its source.
    let (got, _) = parse(&std::fs::read(dir.join("MSExchange_Management_wec.evtx")).unwrap());
    assert_eq!(got[0].id, 3229);
    // "Save selected events": the file numbers its records 1 to 7, the events keep their ids.
    let (got, _) = parse(&std::fs::read(dir.join("Security_short_selected.evtx")).unwrap());
    assert!(
        got.iter().all(|g| g.id > 7),
        "{:?}",
        got.iter().map(|g| g.id).collect::<Vec<_>>()
    );
    // EventRecordID 0 (with a zero TimeCreated) is no id: the file's own number stands in.
    let (got, _) = parse(&std::fs::read(dir.join("Microsoft-Windows-HelloForBusiness-Operational.evtx")).unwrap());
    let placeholder = got.iter().find(|g| g.field("record-id") == Some("0")).unwrap();
    assert_eq!(placeholder.id, 6);
}

#[test]
fn corpus_windows_update_client_events_get_their_messages() {
    let Some(dir) = corpus() else { return };
    let (got, _) = parse(&std::fs::read(dir.join("pc-System.evtx")).unwrap());
    let failure = got
        .iter()
        .find(|g| g.field("provider") == Some(providers::WU_CLIENT) && g.field("event-id") == Some("20"))
        .expect("a WindowsUpdateClient 20");
    assert_eq!(failure.field("data:errorCode"), Some("0x80073cf9"));
    assert_eq!(failure.field("channel"), Some("System"));
    assert_eq!(
        failure.field("message"),
        Some(
            "Installation Failure: Windows failed to install the following update with error 0x80073cf9: 9NZKPSTSNW4P-Microsoft.XboxGamingOverlay."
        )
    );
    let (got, _) = parse(&std::fs::read(dir.join("pc-Setup.evtx")).unwrap());
    let servicing = got
        .iter()
        .find(|g| g.field("event-id") == Some("3"))
        .expect("a Servicing 3");
    assert_eq!(servicing.field("data:ErrorCode"), Some("0x800f0984"));
    assert_eq!(
        servicing.field("message"),
        Some("Package KB5020683 failed to be changed to the Installed state. Status: 0x800f0984.")
    );
    // A FILETIME of zero is no time: the record's written time stands in.
    let (got, _) = parse(&std::fs::read(dir.join("Microsoft-Windows-HelloForBusiness-Operational.evtx")).unwrap());
    assert!(
        got.iter()
            .all(|g| g.time.as_deref().is_some_and(|t| !t.starts_with("1601")))
    );
}

#[test]
fn sample_bundle_event_logs_are_those_of_a_healthy_server() {
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/wsus2019-content-401/Server/EventLogs"
    ));
    let read = |name: &str| {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let (got, out) = parse(&bytes);
        assert!(out.problems.is_empty(), "{name}: {:?}", out.problems);
        assert!(
            out.notes.iter().any(|n| n.contains("marked dirty")),
            "{name}: copied live"
        );
        assert_eq!(crate_reads(&bytes).0.len(), got.len(), "{name}");
        got
    };
    let application = read("Application.evtx");
    assert_eq!(application.len(), 8);
    assert_eq!(application[0].id, 48_211);
    let syncs: Vec<(&str, &str)> = application
        .iter()
        .filter(|g| g.field("provider") == Some(providers::WSUS))
        .map(|g| (g.field("event-id").unwrap(), g.time.as_deref().unwrap()))
        .collect();
    // As SoftwareDistribution.log has them.
    assert_eq!(
        syncs,
        vec![
            ("381", "2024-11-19T03:00:00.117Z"),
            ("384", "2024-11-19T03:04:41.502Z"),
            ("361", "2024-11-19T03:04:42.011Z"),
            ("381", "2024-11-20T03:00:00.117Z"),
            ("384", "2024-11-20T03:04:41.502Z"),
            ("361", "2024-11-20T03:04:42.011Z"),
        ]
    );
    let system = read("System.evtx");
    assert_eq!(system.len(), 42);
    assert_eq!(system[0].id, 131_877);
    // Healthy: nothing at Error or Warning, no pool or service failure.
    for g in application.iter().chain(&system) {
        assert_eq!(g.field("level"), Some("Information"), "record {}", g.id);
        assert!(!["5002", "5117", "7031", "7034", "12072", "364"].contains(&g.field("event-id").unwrap()));
    }
    let time = |g: &Got| chrono::DateTime::parse_from_rfc3339(g.time.as_deref().unwrap()).unwrap();
    assert!(system.windows(2).all(|w| time(&w[0]) <= time(&w[1])), "time order");
}

/// A signature written on event fields, for the citation test below.
const POOL_SIGNATURE: &str = r#"
id = "TEST-POOL-DISABLED"
title = "WsusPool disabled by rapid-fail protection"
severity = "error"
origin = "test"
summary = "{count} events"
remediation = "Start WsusPool."

[[evidence]]
id = "pool-disabled"
kinds = ["evtx", "event-text-export"]
[evidence.where]
provider = "Microsoft-Windows-WAS"
event-id = "5002"
message = { regex = "pool 'WsusPool'" }

[[confidence]]
level = "high"
require = ["pool-disabled"]
"#;

#[test]
fn a_signature_on_event_fields_cites_text_that_stands_in_the_record() {
    let mut files = wsus_triage::grammars::GrammarFiles::embedded();
    files.files.push(wsus_triage::grammars::GrammarFile {
        path: "signatures/TEST-POOL-DISABLED.toml".into(),
        text: POOL_SIGNATURE.into(),
        origin: "test".into(),
    });
    let engine = wsus_triage::pipeline::Engine::from_files(&files).unwrap();
    let evtx = write_evtx(&fixture_events());
    let csv = "Level,Date and Time,Source,Event ID,Task Category\r\nError,11/20/2024 7:19:58 AM,WAS,5002,None,\"Application pool 'WsusPool' is being automatically disabled due to a series of failures in the process(es) serving that application pool.\"\r\n";
    let bundle = wsus_triage::intake::Bundle::from_memory(
        "bundle",
        vec![
            ("Server/EventLogs/System.evtx".into(), evtx.clone()),
            ("Server/Exports/System.csv".into(), csv.as_bytes().to_vec()),
        ],
        &Default::default(),
    );
    let options = wsus_triage::pipeline::Options {
        diagnose: true,
        ..Default::default()
    };
    let report = wsus_triage::pipeline::run_opened(&engine, bundle, &options);
    let finding = report
        .findings
        .iter()
        .find(|f| f.signature == "TEST-POOL-DISABLED")
        .expect("the test signature fires");
    assert_eq!(finding.evidence.len(), 2, "{:#?}", finding.evidence);
    let from_evtx = finding.evidence.iter().find(|e| e.file.ends_with(".evtx")).unwrap();
    assert_eq!((from_evtx.record, from_evtx.line), (Some(5), None));
    let (rendered, _) = crate_reads(&evtx);
    assert!(
        rendered.contains(&from_evtx.text),
        "the cited text is the record's rendered XML"
    );
    assert!(from_evtx.text.contains(r#"<Data Name="AppPoolID">WsusPool</Data>"#));
    // The values the predicates read are highlighted where they stand in the XML.
    let spans: Vec<&str> = from_evtx
        .spans
        .iter()
        .map(|(at, len, _)| &from_evtx.text[*at..at + len])
        .collect();
    assert_eq!(spans, vec!["Microsoft-Windows-WAS", "5002"]);
    let from_csv = finding.evidence.iter().find(|e| e.file.ends_with(".csv")).unwrap();
    assert_eq!((from_csv.record, from_csv.line), (None, Some(2)));
    assert!(csv.lines().nth(1).unwrap().contains(&from_csv.text));
}

#[test]
fn message_templates_from_the_grammar_files_of_the_run_are_used() {
    // A signature that reads the rendered message, and a run whose WAS templates say something else.
    let sig = r#"
id = "TEST-MESSAGE"
title = "t"
severity = "error"
origin = "test"
summary = "s"
remediation = "r"
[[evidence]]
id = "e"
kinds = ["evtx"]
where = { provider = "Microsoft-Windows-WAS", event-id = "5002", message = { contains = "switched off by the override" } }
[[confidence]]
level = "high"
require = ["e"]
"#;
    let engine_with = |override_was: bool| {
        let mut files = wsus_triage::grammars::GrammarFiles::embedded();
        files.files.push(wsus_triage::grammars::GrammarFile {
            path: "signatures/TEST-MESSAGE.toml".into(),
            text: sig.into(),
            origin: "test".into(),
        });
        if override_was {
            let f = files
                .files
                .iter_mut()
                .find(|f| f.path == "events/microsoft-windows-was.toml")
                .unwrap();
            f.text = f
                .text
                .replace("is being automatically disabled", "was switched off by the override")
                .into();
        }
        wsus_triage::pipeline::Engine::from_files(&files).unwrap()
    };
    let evtx = write_evtx(&fixture_events());
    let fires = |engine: &wsus_triage::pipeline::Engine| {
        let bundle = wsus_triage::intake::Bundle::from_memory(
            "b",
            vec![("System.evtx".into(), evtx.clone())],
            &Default::default(),
        );
        let options = wsus_triage::pipeline::Options {
            diagnose: true,
            ..Default::default()
        };
        wsus_triage::pipeline::run_opened(engine, bundle, &options)
            .findings
            .iter()
            .any(|f| f.signature == "TEST-MESSAGE")
    };
    assert!(!fires(&engine_with(false)));
    assert!(fires(&engine_with(true)));
}
