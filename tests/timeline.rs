//! `wsus-triage timeline BUNDLE`: the records of every artifact merged in UTC order, around a
//! finding, filtered by time, kind and text; local times of unknown zone merged and marked.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wsus-triage"))
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("the binary runs")
}

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/wsus2019-content-401")
}

/// The header and the records of a JSONL timeline.
fn timeline(args: &[&str]) -> (Value, Vec<Value>) {
    let mut all = vec!["timeline"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "jsonl"]);
    let out = run(&all);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let mut lines = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .collect::<Vec<_>>()
        .into_iter();
    let header = lines.next().expect("a header line")["timeline"].clone();
    (header, lines.collect())
}

fn in_order(records: &[Value]) -> bool {
    // RFC 3339 in UTC with the same precision sorts as text; compare the parsed instants to be sure.
    let t = |r: &Value| chrono::DateTime::parse_from_rfc3339(r["time"].as_str().unwrap()).unwrap();
    records.windows(2).all(|w| t(&w[0]) <= t(&w[1]))
}

/// The decoded text of line `n` of a sample file.
fn line_of(path: &Path, n: u64) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines().nth(n as usize - 1).unwrap().to_string()
}

#[test]
fn around_a_finding_the_records_of_five_artifact_kinds_come_in_time_order() {
    let bundle = sample();
    let (header, records) = timeline(&[bundle.to_str().unwrap(), "--around", "WSUS-CONTENT-VROOT-AUTH:15"]);
    assert_eq!(header["around"], "WSUS-CONTENT-VROOT-AUTH");
    // ±15 min around each cited 401 (09:22:16, 09:25:31, 09:37:57, 23:51:33), overlapping ones joined.
    assert_eq!(
        header["windows"],
        serde_json::json!([
            {"from": "2024-11-20T09:07:16Z", "to": "2024-11-20T09:52:57Z"},
            {"from": "2024-11-20T23:36:33Z", "to": "2024-11-21T00:06:33Z"}
        ])
    );
    assert!(in_order(&records));
    let mut kinds: Vec<&str> = records.iter().map(|r| r["kind"].as_str().unwrap()).collect();
    kinds.sort();
    kinds.dedup();
    assert_eq!(
        kinds,
        [
            "evtx",
            "iis-w3c-log",
            "reporting-events-log",
            "windowsupdate-log",
            "wsus-softwaredistribution-log"
        ]
    );
    // The configuration change on the server, then the client failing, then the 401s it caused.
    let pos = |file_end: &str, line: u64| {
        records
            .iter()
            .position(|r| r["file"].as_str().unwrap().ends_with(file_end) && r["line"] == line)
            .unwrap_or_else(|| panic!("{file_end}:{line} not in the timeline"))
    };
    let change = pos("SoftwareDistribution.log", 15);
    let failed = pos("Clients/PC0077.zip/WindowsUpdate.log", 9);
    let first_401 = pos("u_ex241120.log", 1403);
    assert!(change < failed && failed < first_401);
    assert_eq!(
        records[failed]["time"], "2024-11-20T09:14:31.935Z",
        "10:14 local (W. Europe) is 09:14 UTC"
    );
    assert!(
        records[failed]["text"]
            .as_str()
            .unwrap()
            .contains("*FAILED* [80244017]")
    );
    let scm = records
        .iter()
        .find(|r| r["kind"] == "evtx" && r["record"] == 131912)
        .expect("the System log's event in the window");
    assert_eq!(scm["time"], "2024-11-20T09:52:14.346Z");
    assert_eq!(
        scm["text"],
        "Service Control Manager 7036 Information: The Windows Update service entered the running state."
    );
    assert_eq!(records[first_401]["evidence"], true);
    assert!(records[first_401 + 1].get("evidence").is_none());
    // Texts are the lines of the files, at their numbers.
    let iis = bundle.join("Server/inetpub/logs/LogFiles/W3SVC1274659245/u_ex241120.log");
    assert_eq!(records[first_401]["text"], line_of(&iis, 1403));
    // Everything is inside the windows.
    for r in &records {
        let t = r["time"].as_str().unwrap();
        assert!(
            ("2024-11-20T09:07:16Z"..="2024-11-20T09:52:57Z").contains(&t)
                || ("2024-11-20T23:36:33Z"..="2024-11-21T00:06:33Z").contains(&t),
            "{t}"
        );
    }
    // The time zone of each local-time log is stated in the header.
    let files = header["files"].as_array().unwrap();
    let zone_of = |end: &str| {
        files
            .iter()
            .find(|f| f["path"].as_str().unwrap().ends_with(end))
            .unwrap()["time_zone"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(zone_of("WindowsUpdate.log").contains("W. Europe Standard Time"));
    assert!(zone_of("ReportingEvents.log").contains("+01:00"));
    assert_eq!(zone_of("u_ex241120.log"), "UTC");
}

#[test]
fn the_whole_timeline_holds_every_timestamped_record_in_order() {
    let (header, records) = timeline(&[sample().to_str().unwrap()]);
    let files = header["files"].as_array().unwrap();
    let total: u64 = files.iter().map(|f| f["records"].as_u64().unwrap()).sum();
    assert_eq!(records.len() as u64, total);
    // 2 ReportingEvents + 9 WindowsUpdate + 8 + 42 events + 15 SoftwareDistribution + 3725 + 3513 IIS.
    assert_eq!(total, 7314);
    assert!(in_order(&records));
    let evtx: Vec<&Value> = records.iter().filter(|r| r["kind"] == "evtx").collect();
    assert_eq!(evtx.len(), 50);
    assert!(evtx.iter().all(|r| r["record"].is_u64() && r.get("line").is_none()));
    // The same run twice gives the same bytes (ties broken by file, then file order).
    let again = timeline(&[sample().to_str().unwrap()]).1;
    assert_eq!(again, records);
}

#[test]
fn kinds_grep_from_and_to_filter_the_records() {
    let bundle = sample();
    let b = bundle.to_str().unwrap();
    let (header, records) = timeline(&[b, "--kinds", "evtx,wsus-softwaredistribution-log"]);
    assert!(
        records
            .iter()
            .all(|r| r["kind"] == "evtx" || r["kind"] == "wsus-softwaredistribution-log")
    );
    assert_eq!(records.len(), 65);
    assert_eq!(header["files"].as_array().unwrap().len(), 3);

    let (_, records) = timeline(&[
        b,
        "--grep",
        r"/Content/.* 401 2 5 ",
        "--from",
        "2024-11-20 09:00",
        "--to",
        "2024-11-20T09:30:00Z",
    ]);
    assert_eq!(
        records.iter().map(|r| r["line"].as_u64().unwrap()).collect::<Vec<_>>(),
        [1403, 1413]
    );

    let out = run(&["timeline", b, "--kinds", "nonsense"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["timeline", b, "--around", "NO-SUCH-SIGNATURE"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("WSUS-CONTENT-VROOT-AUTH"),
        "the findings are listed"
    );
}

#[test]
fn local_times_of_unknown_zone_are_merged_as_written_and_marked() {
    let dir = tempfile::tempdir().unwrap();
    // A client log in local time with no registry in the bundle: the zone is unknown. Its lines step
    // back by milliseconds, as WindowsUpdate.log does when threads interleave.
    std::fs::write(
        dir.path().join("WindowsUpdate.log"),
        "2024/11/20 10:14:02.5082622 1204  5520  Agent           WSUS server: http://wsus01.contoso.local:8530\r\n\
         2024/11/20 10:14:02.2632181 1204  5520  Agent           Target group: (Unassigned Computers)\r\n\
         2024/11/20 10:16:00.0000000 1204  5520  Agent           Found 0 updates\r\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("u_ex241120.log"),
        "#Software: Microsoft Internet Information Services 10.0\r\n#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) sc-status sc-substatus sc-win32-status time-taken\r\n\
         2024-11-20 10:15:00 10.1.0.20 POST /ClientWebService/client.asmx - 8530 - 10.1.4.20 Windows-Update-Agent 200 0 0 12\r\n",
    )
    .unwrap();
    let (header, records) = timeline(&[dir.path().to_str().unwrap()]);
    let order: Vec<(String, &str, &str)> = records
        .iter()
        .map(|r| {
            (
                format!("{}:{}", r["file"].as_str().unwrap(), r["line"]),
                r["time"].as_str().unwrap(),
                r["basis"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        order,
        [
            (
                "WindowsUpdate.log:2".to_string(),
                "2024-11-20T10:14:02.263",
                "local-unknown"
            ),
            (
                "WindowsUpdate.log:1".to_string(),
                "2024-11-20T10:14:02.508",
                "local-unknown"
            ),
            ("u_ex241120.log:3".to_string(), "2024-11-20T10:15:00Z", "utc"),
            (
                "WindowsUpdate.log:3".to_string(),
                "2024-11-20T10:16:00",
                "local-unknown"
            ),
        ]
    );
    let wu = header["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "WindowsUpdate.log")
        .unwrap();
    assert_eq!(wu["local_unknown"], 3);
    assert!(wu["time_zone"].as_str().unwrap().contains("unknown"), "{wu}");

    let out = run(&["timeline", dir.path().to_str().unwrap(), "--format", "human"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines()
            .any(|l| l.starts_with("2024-11-20 10:14:02.263~   WindowsUpdate.log:2 ")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("2024-11-20 10:15:00.000    u_ex241120.log:3 ")),
        "{text}"
    );
}

#[test]
fn human_lines_are_aligned_and_name_file_and_position() {
    let out = run(&[
        "timeline",
        sample().to_str().unwrap(),
        "--around",
        "WSUS-CONTENT-VROOT-AUTH",
        "--format",
        "human",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("WindowsUpdate.log  "), "the header lists the files");
    assert!(text.contains("converted with W. Europe Standard Time"), "{text}");
    let body: Vec<&str> = text.lines().filter(|l| l.starts_with("2024-")).collect();
    let evidence = body
        .iter()
        .find(|l| l.contains("u_ex241120.log:1403"))
        .expect("the first cited 401");
    assert!(evidence.contains(" ▶ u_ex241120.log:1403"), "{evidence}");
    // The text column starts at the same place on every line.
    let starts: Vec<usize> = body
        .iter()
        .map(|l| {
            let chars: Vec<char> = l.chars().collect();
            let place_end = (27..chars.len()).find(|&i| chars[i] == ' ').unwrap();
            (place_end..chars.len()).find(|&i| chars[i] != ' ').unwrap()
        })
        .collect();
    assert!(starts.windows(2).all(|w| w[0] == w[1]), "{starts:?}");
}
