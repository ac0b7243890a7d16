//! Writes the fixture hives of `tests/support/regf_writer.rs` and what they hold, for checking the
//! writer against an independent reader (scripts/ci/40-regf-fixtures.sh):
//! `cargo run --example write_hive_fixture -- OUTPUT_DIR`.
//!
//! For each hive `NAME` it writes `NAME` (the regf bytes) and `NAME.expected.json`: every key path
//! (relative to the root) and every value as `{key, name, type, data}`, data as lower-case hex of
//! the stored bytes.

#[path = "../tests/support/regf_writer.rs"]
mod regf_writer;

use regf_writer::{Data, HiveWriter};
use std::path::PathBuf;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A hive with what the sample hives lack: a default value, a big value in `db` segments, a QWORD,
/// a non-Latin-1 name, an empty key.
fn edge_cases() -> HiveWriter {
    let mut w = HiveWriter::new("ROOT", "EDGE");
    w.set(r"Contoso\Edge", "", Data::sz("default value"))
        .set(
            r"Contoso\Edge",
            "Big",
            Data::Binary((0..40_000u32).map(|i| (i % 251) as u8).collect()),
        )
        .set(r"Contoso\Edge", "Count", Data::Qword(0x1_0000_0002))
        .set(r"Contoso\Edge", "Hosts", Data::MultiSz(vec!["a".into(), "b".into()]))
        .set(r"Contoso\Edge", "Raw", Data::Raw(0x4000, vec![1, 2, 3]))
        .set(r"Contoso\Ключ", "Имя", Data::sz("значение"));
    w.key(r"Contoso\Empty");
    w
}

fn main() {
    let out: PathBuf = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/regf-fixtures"));
    std::fs::create_dir_all(&out).expect("create the output folder");
    let hives = [
        ("SOFTWARE", regf_writer::wsus_software_hive()),
        ("SYSTEM", regf_writer::wsus_system_hive()),
        ("EDGE", edge_cases()),
    ];
    for (name, writer) in hives {
        std::fs::write(out.join(name), writer.to_bytes()).expect("write the hive");
        let mut keys = Vec::new();
        collect_keys(&writer.root, "", &mut keys);
        let values: Vec<serde_json::Value> = regf_writer::listing(&writer)
            .into_iter()
            .map(|(key, name, kind, data)| serde_json::json!({"key": key, "name": name, "type": kind, "data": hex(&data)}))
            .collect();
        let doc = serde_json::json!({"keys": keys, "values": values});
        std::fs::write(
            out.join(format!("{name}.expected.json")),
            serde_json::to_string_pretty(&doc).expect("json"),
        )
        .expect("write the listing");
    }
    println!("wrote {}", out.display());
}

fn collect_keys(key: &regf_writer::Key, path: &str, out: &mut Vec<String>) {
    for k in &key.subkeys {
        let p = if path.is_empty() {
            k.name.clone()
        } else {
            format!("{path}\\{}", k.name)
        };
        out.push(p.clone());
        collect_keys(k, &p, out);
    }
}
