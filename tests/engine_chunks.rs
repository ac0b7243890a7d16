//! The record engine reads big files in chunks (in parallel): with chunks forced down to a few
//! bytes, a SoftwareDistribution.log with stack traces and a classic WindowsUpdate.log with `tz:`
//! banners give exactly the records, line numbers, problems, notes and time zone of one pass.

mod common;

use std::fmt::Write as _;
use wsus_triage::formats::chunked::Plan;
use wsus_triage::formats::engine::{self, NoHooks};
use wsus_triage::formats::{ParseInput, ParseOptions, ParseOutcome};
use wsus_triage::intake::decode::sniff;
use wsus_triage::records::{Record, RecordSink};

/// Every record in full: position, time, text, continuation lines and fields.
#[derive(Default)]
struct Dump(Vec<String>);

impl RecordSink for Dump {
    fn record(&mut self, r: &Record<'_>) {
        let fields: Vec<String> = r.fields.iter().map(|(n, v)| format!("{n}={v}")).collect();
        self.0.push(format!(
            "{:?} {:?} {:?} {:?} {fields:?}",
            r.position, r.time, r.text, r.continuation
        ));
    }
}

fn read(grammar: &str, bytes: &[u8], plan: &Plan) -> (Vec<String>, ParseOutcome) {
    let layout = common::shared()
        .get(grammar)
        .and_then(|g| g.layout.as_ref())
        .expect("an embedded grammar with a layout");
    let options = ParseOptions::default();
    let input = ParseInput {
        path: "test.log",
        bytes,
        encoding: Some(sniff(bytes)),
        format: Some(grammar),
        options: &options,
    };
    let mut sink = Dump::default();
    let outcome = engine::parse_with_plan(layout, &input, &mut NoHooks, &mut sink, plan);
    (sink.0, outcome)
}

const ONE_PASS: Plan = Plan {
    parallel_from: usize::MAX,
    chunk_bytes: 1 << 20,
};

/// Reads `bytes` in one pass and in chunks of several sizes on 1 and 3 threads; all must agree.
fn assert_chunks_read_as_one_pass(grammar: &str, bytes: &[u8]) -> (Vec<String>, ParseOutcome) {
    let (records, outcome) = read(grammar, bytes, &ONE_PASS);
    for chunk_bytes in [1, 50, 333, 4096, 65536] {
        let plan = Plan {
            parallel_from: 0,
            chunk_bytes,
        };
        for threads in [1, 3] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let (chunked, chunked_outcome) = pool.install(|| read(grammar, bytes, &plan));
            let what = format!("{grammar}: chunks of {chunk_bytes} bytes, {threads} threads");
            assert_eq!(chunked.len(), records.len(), "{what}");
            for (a, b) in chunked.iter().zip(&records) {
                assert_eq!(a, b, "{what}");
            }
            assert_eq!(chunked_outcome.records, outcome.records, "{what}");
            assert_eq!(chunked_outcome.problems, outcome.problems, "{what}");
            assert_eq!(chunked_outcome.notes, outcome.notes, "{what}");
            assert_eq!(chunked_outcome.time_zone, outcome.time_zone, "{what}");
        }
    }
    (records, outcome)
}

/// A server log after a rollover: it starts inside a stack trace; errors carry .NET stack traces
/// with blank lines and inner exceptions; a few lines have NULs, an impossible date or ANSI bytes.
fn softwaredistribution_log() -> Vec<u8> {
    let mut text = String::new();
    text.push_str("   at System.Threading.ThreadHelper.ThreadStart()\r\n");
    text.push_str("   at System.Threading.ExecutionContext.Run(ExecutionContext ctx)\r\n");
    let mut bytes = Vec::new();
    for i in 0..600u32 {
        let (h, m, s) = (i / 3600 % 24, i / 60 % 60, i % 60);
        let time = format!("2025-12-20 {h:02}:{m:02}:{s:02}.{:03} UTC", i % 1000);
        match i % 7 {
            0 => {
                writeln!(text, "{time}\tError\tWsusService.52\tContentSyncAgent.JobError\tDownload error: http://wsus01.contoso.local:8530/Content/B6/{i:040X}.exe failed in download: (-2145386477) The server does not support the necessary HTTP protocol.\r").unwrap();
                text.push_str("\r\n");
                text.push_str("   at Microsoft.UpdateServices.ServerSync.ContentSyncAgent.JobError(IBitsJob job, IBitsError error)\r\n");
            }
            1 => {
                writeln!(text, "{time}\tWarning\tw3wp.130\tWebServiceCommunicationHelper.ProcessWebServiceProxyException\tProcessWebServiceProxyException found Exception was WebException. Action: Retry. Exception Details: System.Net.WebException: The underlying connection was closed ---> System.IO.IOException: Unable to read data from the transport connection.\r").unwrap();
                for k in 0..(i % 5) {
                    writeln!(
                        text,
                        "   at System.Net.Sockets.NetworkStream.Read(Byte[] buffer, Int32 offset, Int32 size{k})\r"
                    )
                    .unwrap();
                }
                text.push_str("   --- End of inner exception stack trace ---\r\n");
                text.push_str("   at System.Net.TlsStream.ProcessAuthentication(LazyAsyncResult result)\r\n");
            }
            2 if i % 3 == 0 => {
                // Not a valid date: read as a continuation of the record before.
                writeln!(
                    text,
                    "2025-13-45 {h:02}:{m:02}:{s:02}.000 UTC\tInfo\tWsusService.15\tX.Y\tbad date {i}\r"
                )
                .unwrap();
            }
            3 if i % 2 == 0 => {
                writeln!(
                    text,
                    "\0\0\0{time}\tInfo\tWsusService.15\tCatalogSyncAgent.Sync\tresumed after NULs {i}\r"
                )
                .unwrap();
            }
            4 => {
                writeln!(text, "{time}\tInfo\tWsusService.15\tEventLogEventReporter.ReportEvent\tEventId=381,Type=Information,Category=Synchronization,Message=A scheduled synchronization was started.\r").unwrap();
                bytes.extend_from_slice(text.as_bytes());
                text.clear();
                // A continuation line that is not UTF-8 (decoded on its own as Windows-1252).
                bytes.extend_from_slice(b"   Gr\xfc\xdfe aus K\xf6ln\r\n");
            }
            _ => {
                writeln!(text, "{time} Change w3wp.58 AdminDataAccess.StartSubscriptionManually    Synchronization manually started {i}\r").unwrap();
            }
        }
    }
    text.push_str("2025-12-21 00:00:00.000 UTC\tInfo\tWsusService.15\tX.Y\tlast line, cut short");
    bytes.extend_from_slice(text.as_bytes());
    bytes
}

/// A client log after a rollover (lines before the first banner), banners with several offsets,
/// lines in no layout (problems; up to line `garbled_until`) and a cut last line.
fn windowsupdate_log(garbled_until: u32) -> Vec<u8> {
    let mut text = String::new();
    text.push_str(
        "2012-03-04\t05:05:58:120\t 888\t1a2c\tService\t**  END  **  Service: Service exit [Exit code = 0x240001]\r\n",
    );
    text.push_str("2012-03-04\t05:05:58:121\t 888\t1a2c\tService\t*************\r\n");
    let offsets = ["+0100", "-0500", "+0530", "+0100", "-0800"];
    for i in 0..800u32 {
        let (h, m, s) = (i / 3600 % 24 + 6, i / 60 % 60, i % 60);
        let at = format!("2012-03-04\t{h:02}:{m:02}:{s:02}:{:03}\t 888\t1a2c", i % 1000);
        if i % 97 == 0 {
            let tz = offsets[(i / 97) as usize % offsets.len()];
            writeln!(
                text,
                "{at}\tMisc\t===========  Logging initialized (build: 7.6.7600.320, tz: {tz})  ===========\r"
            )
            .unwrap();
            writeln!(text, "{at}\tMisc\t  = Process: C:\\Windows\\system32\\svchost.exe\r").unwrap();
        }
        match i % 11 {
            0 => writeln!(text, "{at}\tAgent\t  * WSUS server: http://wsus01.contoso.local:8530 (Changed)\r").unwrap(),
            1 => writeln!(text, "{at}\tPT\tWARNING: SyncUpdates failure, error = 0x80244022, soap client error = 10, soap error code = 0, HTTP status code = 503\r").unwrap(),
            2 if i < garbled_until => writeln!(text, "garbled line {i} without a layout\r").unwrap(),
            3 => text.push_str("\r\n"),
            4 => writeln!(text, "2012-03-04 {h:02}:{m:02}:{s:02}:{:03} 880 1160 WS WARNING: Nws Failure: errorCode=0x803d0013\r", i % 1000).unwrap(),
            _ => writeln!(text, "{at}\tAU\t  # WSUS server: http://wsus01.contoso.local:8530 {i}\r").unwrap(),
        }
    }
    text.push_str("garbled last line, cut sho");
    text.into_bytes()
}

#[test]
fn a_softwaredistribution_log_with_stack_traces_reads_the_same_in_chunks() {
    let bytes = softwaredistribution_log();
    let (records, outcome) = assert_chunks_read_as_one_pass("wsus-softwaredistribution", &bytes);
    // The file exercises what chunks must respect: continuation lines, orphan lines, NULs, ANSI.
    assert!(records.len() > 400, "{}", records.len());
    assert!(records.iter().any(|r| r.contains("End of inner exception")));
    assert!(records.iter().any(|r| r.contains("Grüße aus Köln")));
    assert!(records.iter().any(|r| r.contains("bad date")));
    assert!(
        outcome.notes.iter().any(|n| n.contains("before the first record")),
        "{:?}",
        outcome.notes
    );
    assert!(outcome.notes.iter().any(|n| n.contains("NUL")), "{:?}", outcome.notes);
    assert!(
        outcome.notes.iter().any(|n| n.contains("no line end")),
        "{:?}",
        outcome.notes
    );
}

#[test]
fn a_windowsupdate_log_with_tz_banners_reads_the_same_in_chunks() {
    let bytes = windowsupdate_log(u32::MAX);
    let (records, outcome) = assert_chunks_read_as_one_pass("windowsupdate-classic", &bytes);
    assert!(records.len() > 700, "{}", records.len());
    let zone = outcome.time_zone.clone().unwrap_or_default();
    for offset in ["+01:00", "-05:00", "+05:30", "-08:00"] {
        assert!(zone.contains(offset), "{zone}");
    }
    assert!(zone.contains("before the first banner"), "{zone}");
    assert!(
        outcome
            .problems
            .iter()
            .any(|p| p.message.contains("more lines with the same problem")),
        "{:?}",
        outcome.problems
    );
    // Few problems: the last line's, held back one line, says that the line is cut short.
    let (_, outcome) = assert_chunks_read_as_one_pass("windowsupdate-classic", &windowsupdate_log(30));
    assert_eq!(outcome.problems.len(), 4, "{:?}", outcome.problems);
    assert!(
        outcome.problems.iter().any(|p| p.message.contains("cut short")),
        "{:?}",
        outcome.problems
    );
}
