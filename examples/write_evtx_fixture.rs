//! Writes the EVTX test fixture and what it should contain, for the independent-reader check in
//! `scripts/ci/30-evtx-fixtures.sh`: `cargo run --example write_evtx_fixture -- DIR` writes
//! `DIR/fixture.evtx` (two chunks: the fixture events, then enough noise to fill the first chunk)
//! and `DIR/fixture.json` (per record: id, provider, event id, qualifiers, level, time, channel,
//! computer and EventData values).

#[path = "../tests/support/evtx_writer.rs"]
mod evtx_writer;

use evtx_writer::{Event, EventData, fixture_events, write_evtx};
use std::path::PathBuf;

fn main() {
    let dir: PathBuf = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let mut events = fixture_events();
    // Enough Service Control Manager noise to need a second chunk (templates are per chunk).
    let base = events[0].time;
    for i in 0..400u32 {
        let mut e = Event::manifest(
            evtx_writer::providers::SCM,
            evtx_writer::providers::SCM_GUID,
            7036,
            4,
            0,
            0x8080_0000_0000_0000,
            base + chrono::Duration::seconds(i64::from(i) * 37),
            "System",
            "WSUS01.contoso.local",
            &[
                ("param1", "Windows Modules Installer"),
                ("param2", if i % 2 == 0 { "running" } else { "stopped" }),
            ],
        )
        .with_source_name(evtx_writer::providers::SCM)
        .with_qualifiers(16384);
        e.process_id = 664;
        events.push(e);
    }
    let bytes = write_evtx(&events);
    std::fs::create_dir_all(&dir).expect("output directory");
    std::fs::write(dir.join("fixture.evtx"), &bytes).expect("write fixture.evtx");
    let expected: Vec<serde_json::Value> = events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let data: Vec<serde_json::Value> = match &e.data {
                EventData::Named(v) => v
                    .iter()
                    .map(|(n, t)| serde_json::json!({"name": n, "value": t}))
                    .collect(),
                EventData::Unnamed(v) => v
                    .iter()
                    .map(|t| serde_json::json!({"name": null, "value": t}))
                    .collect(),
            };
            serde_json::json!({
                "record_id": i + 1,
                "provider": e.provider,
                "event_id": e.event_id,
                "qualifiers": e.qualifiers,
                "level": e.level,
                "time": e.time.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                "channel": e.channel,
                "computer": e.computer,
                "data": data,
            })
        })
        .collect();
    let json = serde_json::to_string_pretty(&expected).expect("json");
    std::fs::write(dir.join("fixture.json"), json).expect("write fixture.json");
    println!(
        "wrote {} records ({} bytes) to {}",
        events.len(),
        bytes.len(),
        dir.join("fixture.evtx").display()
    );
}
