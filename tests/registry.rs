//! The registry end to end: hives written by the project's regf writer, damaged copies of them,
//! the same values through all three sources, the bundle time zone, and the public corpus
//! (`../shared/corpus/hives`, `../shared/corpus/reg`) read whole with exact counts.

#[path = "support/regf_writer.rs"]
mod regf_writer;

use chrono::{NaiveDate, NaiveDateTime};
use regf_writer::{Data, HiveWriter};
use wsus_triage::formats::regf::Hive;
use wsus_triage::formats::{self, ParseInput, ParseOptions, ParseOutcome};
use wsus_triage::intake::decode::sniff;
use wsus_triage::kind::FileKind;
use wsus_triage::records::{Position, Record, RecordSink};
use wsus_triage::registry::{self, Registry};

/// A record as the tests look at it.
#[derive(Debug, Clone)]
struct Row {
    key: String,
    text: String,
    fields: Vec<(String, String)>,
}

impl Row {
    fn get(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct Collect(Vec<Row>);

impl RecordSink for Collect {
    fn record(&mut self, r: &Record<'_>) {
        let key = match &r.position {
            Position::Key(k) => k.clone(),
            Position::Line(n) => format!("line {n}"),
            Position::Record(n) => format!("record {n}"),
        };
        self.0.push(Row {
            key,
            text: r.text.to_string(),
            fields: r.fields.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect(),
        });
    }
}

fn parse(kind: FileKind, path: &str, bytes: &[u8]) -> (Vec<Row>, ParseOutcome) {
    let options = ParseOptions::default();
    let encoding = (kind != FileKind::RegistryHive).then(|| sniff(bytes));
    let input = ParseInput {
        path,
        bytes,
        encoding,
        format: None,
        options: &options,
    };
    let mut sink = Collect::default();
    let outcome = formats::parse(kind, &input, &mut sink).expect("a registry parser");
    (sink.0, outcome)
}

fn find<'a>(rows: &'a [Row], key: &str, name: &str) -> &'a Row {
    let same = |a: &str, b: &str| a.to_lowercase() == b.to_lowercase();
    rows.iter()
        .find(|r| r.get("key").is_some_and(|k| same(k, key)) && r.get("name").is_some_and(|n| same(n, name)))
        .unwrap_or_else(|| panic!("no {key} {name}"))
}

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, mo, d)
        .unwrap()
        .and_hms_opt(h, mi, 0)
        .unwrap()
}

const SETUP: &str = r"HKLM\SOFTWARE\Microsoft\Update Services\Server\Setup";

#[test]
fn software_hive_is_mounted_at_hklm_software() {
    let writer = regf_writer::wsus_software_hive();
    let (rows, out) = parse(FileKind::RegistryHive, "Server/Registry/SOFTWARE", &writer.to_bytes());
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(out.records as usize, writer.root.value_count());
    assert_eq!(out.records, 27);
    assert!(
        out.notes
            .iter()
            .any(|n| n == &format!("{} keys, 27 values", writer.root.key_count())),
        "{:?}",
        out.notes
    );
    let port = find(&rows, SETUP, "PortNumber");
    assert_eq!(port.text, "PortNumber = 8530");
    assert_eq!(port.get("type"), Some("REG_DWORD"));
    assert_eq!(port.get("data-hex"), Some("0x2152"));
    assert_eq!(port.get("key-last-written"), Some("2024-11-20T09:00:00Z"));
    assert_eq!(find(&rows, SETUP, "ContentDir").get("type"), Some("REG_EXPAND_SZ"));
    assert_eq!(
        find(&rows, SETUP, "IISTargetWebsiteIndex").get("data"),
        Some("1274659245")
    );
    assert_eq!(
        find(&rows, SETUP, "VersionString").text,
        "VersionString = 10.0.17763.678"
    );
    find(
        &rows,
        r"HKLM\SOFTWARE\Wow6432Node\Microsoft\.NETFramework\v4.0.30319",
        "SchUseStrongCrypto",
    );
}

#[test]
fn system_hive_exposes_current_control_set_and_its_time_zone() {
    let writer = regf_writer::wsus_system_hive();
    let bytes = writer.to_bytes();
    let (rows, out) = parse(FileKind::RegistryHive, "SYSTEM", &bytes);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let control_set_001: usize = rows
        .iter()
        .filter(|r| r.key.starts_with(r"HKLM\SYSTEM\ControlSet001\"))
        .count();
    let current: usize = rows
        .iter()
        .filter(|r| r.key.starts_with(r"HKLM\SYSTEM\CurrentControlSet\"))
        .count();
    assert_eq!(control_set_001, 36);
    assert_eq!(current, control_set_001);
    assert_eq!(out.records as usize, writer.root.value_count() + current);
    let start = find(&rows, r"HKLM\SYSTEM\CurrentControlSet\Services\WsusService", "Start");
    assert_eq!((start.text.as_str(), start.get("data-hex")), ("Start = 2", Some("0x2")));
    assert_eq!(
        find(
            &rows,
            r"HKLM\SYSTEM\CurrentControlSet\Services\W3SVC",
            "DependOnService"
        )
        .get("data"),
        Some("WAS\nHTTP")
    );
    let zone = registry::time_zone_of_file(FileKind::RegistryHive, "SYSTEM", &bytes, None).expect("a zone");
    assert_eq!(zone.describe(), "W. Europe Standard Time");
    assert_eq!(zone.to_utc(at(2024, 11, 20, 10, 14)), at(2024, 11, 20, 9, 14));
    assert_eq!(zone.to_utc(at(2024, 7, 1, 12, 0)), at(2024, 7, 1, 10, 0));
}

#[test]
fn hive_type_comes_from_content_then_names() {
    let mut user = HiveWriter::new("ROOT", r"\??\C:\Users\admin\ntuser.dat");
    user.set(
        r"Software\Microsoft\Windows\CurrentVersion\Internet Settings",
        "ProxyEnable",
        Data::Dword(1),
    );
    user.set(
        "Environment",
        "TEMP",
        Data::ExpandSz(r"%USERPROFILE%\AppData\Local\Temp".into()),
    );
    let (rows, _) = parse(FileKind::RegistryHive, "Users/admin/NTUSER.DAT", &user.to_bytes());
    assert_eq!(rows[0].key, "HKCU\\Environment");
    let (rows, _) = parse(FileKind::RegistryHive, "config/DEFAULT", &user.to_bytes());
    assert_eq!(rows[0].key, "HKU\\.DEFAULT\\Environment");
    let mut odd = HiveWriter::new("ROOT", "");
    odd.set("Thing", "Value", Data::sz("x"));
    let (rows, out) = parse(FileKind::RegistryHive, "export/odd.hiv", &odd.to_bytes());
    assert_eq!(rows[0].key, "HIVE(odd.hiv)\\Thing");
    assert!(out.notes[0].starts_with("hive type not recognized"), "{:?}", out.notes);
    // Named only by its embedded name.
    let mut soft = HiveWriter::new("ROOT", r"\SystemRoot\System32\Config\SOFTWARE");
    soft.set("Contoso", "A", Data::Dword(1));
    let (rows, _) = parse(FileKind::RegistryHive, "hive1.bin", &soft.to_bytes());
    assert_eq!(rows[0].key, r"HKLM\SOFTWARE\Contoso");
}

#[test]
fn big_values_default_values_and_unicode_names_read_back() {
    let big: Vec<u8> = (0..40_000u32).map(|i| (i % 251) as u8).collect();
    let mut w = HiveWriter::new("ROOT", "SOFTWARE");
    w.set(r"Contoso\Edge", "", Data::sz("default value"))
        .set(r"Contoso\Edge", "Big", Data::Binary(big.clone()))
        .set(r"Contoso\Edge", "Count", Data::Qword(0x1_0000_0002))
        .set(r"Contoso\Ключ", "Имя", Data::sz("значение"));
    let (rows, out) = parse(FileKind::RegistryHive, "SOFTWARE", &w.to_bytes());
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(
        find(&rows, r"HKLM\SOFTWARE\Contoso\Edge", "(Default)").text,
        "(Default) = default value"
    );
    let hex: String = big.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        find(&rows, r"HKLM\SOFTWARE\Contoso\Edge", "Big").get("data"),
        Some(hex.as_str())
    );
    let count = find(&rows, r"HKLM\SOFTWARE\Contoso\Edge", "Count");
    assert_eq!(
        (count.get("data"), count.get("data-hex")),
        (Some("4294967298"), Some("0x100000002"))
    );
    assert_eq!(
        find(&rows, r"HKLM\SOFTWARE\Contoso\Ключ", "имя").get("data"),
        Some("значение")
    );
}

#[test]
fn dirty_hive_is_read_with_a_note() {
    let mut w = regf_writer::wsus_software_hive();
    w.dirty = true;
    let (rows, out) = parse(FileKind::RegistryHive, "SOFTWARE", &w.to_bytes());
    assert_eq!(rows.len(), 27);
    assert!(
        out.notes
            .iter()
            .any(|n| n.starts_with("dirty hive: recent changes may be missing")),
        "{:?}",
        out.notes
    );
}

/// File offset of the first cell whose body starts with `sig` and holds `name`.
fn cell_with(bytes: &[u8], sig: &[u8], name: &[u8]) -> usize {
    (4096..bytes.len() - 80)
        .find(|&i| {
            &bytes[i..i + 2] == sig
                && bytes[i..i + 100.min(bytes.len() - i)]
                    .windows(name.len())
                    .any(|w| w == name)
        })
        .expect("the cell")
}

#[test]
fn damaged_key_is_a_located_problem_and_the_rest_is_read() {
    let w = regf_writer::wsus_software_hive();
    let mut bytes = w.to_bytes();
    let nk = cell_with(&bytes, b"nk", b"Windows NT");
    bytes[nk..nk + 2].copy_from_slice(b"XX");
    let (rows, out) = parse(FileKind::RegistryHive, "SOFTWARE", &bytes);
    assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
    assert_eq!(out.problems[0].offset, Some(nk as u64 - 4));
    assert!(
        out.problems[0].message.contains("expected a key node"),
        "{:?}",
        out.problems
    );
    // The 7 values under Windows NT\CurrentVersion are lost, the other 20 are read.
    assert_eq!(rows.len(), 20);
    find(&rows, SETUP, "PortNumber");
}

#[test]
fn truncated_and_checksum_damaged_hives_are_read_as_far_as_they_go() {
    let bytes = regf_writer::wsus_system_hive().to_bytes();
    let (rows, out) = parse(FileKind::RegistryHive, "SYSTEM", &bytes[..4096 + 3000]);
    assert!(out.problems.iter().any(|p| p.offset == Some(40)), "{:?}", out.problems);
    assert!(rows.len() < 41);
    let mut bad = bytes.clone();
    bad[100] ^= 0xFF;
    let (rows, out) = parse(FileKind::RegistryHive, "SYSTEM", &bad);
    assert_eq!(
        out.problems.iter().map(|p| p.offset).collect::<Vec<_>>(),
        vec![Some(508)]
    );
    assert_eq!(rows.len(), 77);
    let (rows, out) = parse(FileKind::RegistryHive, "SYSTEM", &bytes[..2000]);
    assert!(rows.is_empty());
    assert_eq!(out.problems[0].offset, Some(0));
}

#[test]
fn hostile_bytes_never_panic() {
    let clean = regf_writer::wsus_system_hive().to_bytes();
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    for _ in 0..300 {
        let mut bytes = clean.clone();
        for _ in 0..1 + next() % 16 {
            let at = 4096 + (next() as usize % (bytes.len() - 4096));
            bytes[at] = next() as u8;
        }
        let (rows, _) = parse(FileKind::RegistryHive, "SYSTEM", &bytes);
        assert!(rows.len() <= 200);
        let _ = registry::time_zone_of_file(FileKind::RegistryHive, "SYSTEM", &bytes, None);
    }
}

/// Cell offsets of the root's subkeys and of the value list of the subkey `name`.
fn layout(bytes: &[u8], name: &str) -> (Vec<u32>, u32) {
    let (hive, _) = Hive::open(bytes).unwrap();
    let root = hive.root().unwrap();
    let mut errors = Vec::new();
    let key = hive.subkey(&root, name, &mut errors).unwrap();
    (hive.subkey_offsets(&root, &mut errors), key.value_list)
}

fn put32(bytes: &mut [u8], at: usize, v: u32) {
    bytes[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

#[test]
fn keys_sharing_one_big_value_list_are_cut_by_the_decode_budget() {
    let mut w = HiveWriter::new("ROOT", "SOFTWARE");
    w.set("Big", "Blob", Data::Binary(vec![7; 40_000]));
    for i in 0..3000 {
        w.key(&format!("K{i:04}"));
    }
    let mut bytes = w.to_bytes();
    let (keys, big_list) = layout(&bytes, "Big");
    for nk in keys {
        let body = 4096 + nk as usize + 4;
        put32(&mut bytes, body + 36, 1);
        put32(&mut bytes, body + 40, big_list);
    }
    let (rows, out) = parse(FileKind::RegistryHive, "SOFTWARE", &bytes);
    assert!(
        out.problems.iter().any(|p| p.message.contains("reading stopped")),
        "{:?}",
        out.problems
    );
    assert!(rows.len() > 1000 && rows.len() < 3000, "{}", rows.len());
}

#[test]
fn a_value_listed_twice_is_read_once() {
    let mut w = HiveWriter::new("ROOT", "SOFTWARE");
    w.set("A", "One", Data::Dword(1)).set("A", "Two", Data::Dword(2));
    let mut bytes = w.to_bytes();
    let (_, list) = layout(&bytes, "A");
    let body = 4096 + list as usize + 4;
    let first = u32::from_le_bytes(bytes[body..body + 4].try_into().unwrap());
    put32(&mut bytes, body + 4, first);
    let (rows, out) = parse(FileKind::RegistryHive, "SOFTWARE", &bytes);
    assert_eq!(rows.len(), 1);
    assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
    assert!(out.problems[0].message.contains("the same value twice"));
}

fn utf16_bom(text: &str) -> Vec<u8> {
    let mut v = vec![0xFF, 0xFE];
    v.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    v
}

/// The same TimeZoneInformation (AUS Eastern: UTC+10, DST from the first Sunday of October)
/// as a hive, a .reg export and `reg query` text.
fn three_sources() -> Vec<(FileKind, &'static str, Vec<u8>)> {
    let mut hive = HiveWriter::new("ROOT", "SYSTEM");
    hive.set("Select", "Current", Data::Dword(2));
    let tz = r"ControlSet002\Control\TimeZoneInformation";
    hive.set(tz, "Bias", Data::Dword(-600i32 as u32))
        .set(tz, "StandardBias", Data::Dword(0))
        .set(tz, "DaylightBias", Data::Dword(-60i32 as u32))
        .set(
            tz,
            "StandardStart",
            Data::Binary(regf_writer::systemtime_rule(4, 0, 1, 3)),
        )
        .set(
            tz,
            "DaylightStart",
            Data::Binary(regf_writer::systemtime_rule(10, 0, 1, 2)),
        )
        .set(tz, "TimeZoneKeyName", Data::sz("AUS Eastern Standard Time"));
    let reg = utf16_bom(
        "Windows Registry Editor Version 5.00\r\n\r\n\
         [HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet002\\Control\\TimeZoneInformation]\r\n\
         \"Bias\"=dword:fffffda8\r\n\
         \"StandardBias\"=dword:00000000\r\n\
         \"DaylightBias\"=dword:ffffffc4\r\n\
         \"StandardStart\"=hex:00,00,04,00,00,00,01,00,03,00,00,00,00,00,00,00\r\n\
         \"DaylightStart\"=hex:00,00,0a,00,00,00,01,00,02,00,00,00,00,00,00,00\r\n\
         \"TimeZoneKeyName\"=\"AUS Eastern Standard Time\"\r\n\r\n",
    );
    let query = "\r\nHKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\TimeZoneInformation\r\n\
         \x20   Bias    REG_DWORD    0xfffffda8\r\n\
         \x20   StandardBias    REG_DWORD    0x0\r\n\
         \x20   DaylightBias    REG_DWORD    0xffffffc4\r\n\
         \x20   StandardStart    REG_BINARY    00000400000001000300000000000000\r\n\
         \x20   DaylightStart    REG_BINARY    00000A00000001000200000000000000\r\n\
         \x20   TimeZoneKeyName    REG_SZ    AUS Eastern Standard Time\r\n\r\n";
    vec![
        (FileKind::RegistryHive, "SYSTEM", hive.to_bytes()),
        (FileKind::RegExport, "tz.reg", reg),
        (FileKind::RegQueryText, "tz.txt", query.as_bytes().to_vec()),
    ]
}

#[test]
fn the_three_sources_give_the_same_time_zone_and_lookups() {
    for (kind, path, bytes) in three_sources() {
        let zone = registry::time_zone_of_file(kind, path, &bytes, None).unwrap_or_else(|| panic!("{kind}: no zone"));
        assert_eq!(zone.describe(), "AUS Eastern Standard Time", "{kind}");
        assert_eq!(
            zone.to_utc(at(2024, 1, 15, 12, 0)),
            at(2024, 1, 15, 1, 0),
            "{kind}: January is UTC+11"
        );
        assert_eq!(
            zone.to_utc(at(2024, 7, 15, 12, 0)),
            at(2024, 7, 15, 2, 0),
            "{kind}: July is UTC+10"
        );
        let mut model = Registry::new();
        assert!(model.load_file(kind, path, &bytes, None));
        let key = r"hkey_local_machine\system\currentcontrolset\control\timezoneinformation";
        let (value_type, data) = model.data(key, "BIAS").unwrap_or_else(|| panic!("{kind}: no Bias"));
        assert_eq!(
            (value_type.name().as_ref(), data.as_u64()),
            ("REG_DWORD", Some(0xfffffda8)),
            "{kind}"
        );
        assert_eq!(model.values(key).count(), 6, "{kind}");
    }
}

#[test]
fn reg_export_of_the_sample_bundle_reads_as_the_hive_does() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/wsus2019-content-401/Server/Registry/UpdateServices-Setup.reg"
    );
    let bytes = std::fs::read(path).expect("sample .reg");
    let mut from_reg = Registry::new();
    from_reg.load_file(FileKind::RegExport, path, &bytes, None);
    let mut from_hive = Registry::new();
    from_hive.load_file(
        FileKind::RegistryHive,
        "SOFTWARE",
        &regf_writer::wsus_software_hive().to_bytes(),
        None,
    );
    for name in [
        "SqlServerName",
        "PortNumber",
        "UsingSSL",
        "IISTargetWebsiteIndex",
        "VersionString",
        "WmsdeInstalled",
    ] {
        let a = from_reg.data(SETUP, name).map(|(_, d)| d.render());
        let b = from_hive.data(SETUP, name).map(|(_, d)| d.render());
        assert!(a.is_some(), "{name}");
        assert_eq!(a, b, "{name}");
    }
}

#[test]
fn bundle_time_zone_prefers_the_hive() {
    let mut sources = three_sources();
    // A .reg export of another zone, listed first, loses to the hive.
    let other = utf16_bom(
        "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\TimeZoneInformation]\r\n\"Bias\"=dword:00000000\r\n\"TimeZoneKeyName\"=\"UTC\"\r\n",
    );
    sources.insert(0, (FileKind::RegExport, "old.reg", other));
    sources.push((FileKind::IisW3cLog, "u_ex.log", b"#Fields: date".to_vec()));
    let files = sources.iter().map(|(k, p, b)| (*k, *p, b.as_slice(), None));
    let (zone, from) = registry::bundle_time_zone(files).expect("a zone");
    assert_eq!(
        (zone.describe(), from.as_str()),
        ("AUS Eastern Standard Time".into(), "SYSTEM")
    );
    let only_reg = sources
        .iter()
        .filter(|s| s.1 == "old.reg")
        .map(|(k, p, b)| (*k, *p, b.as_slice(), None));
    let (zone, _) = registry::bundle_time_zone(only_reg).expect("a zone");
    assert_eq!(zone.to_utc(at(2024, 7, 1, 12, 0)), at(2024, 7, 1, 12, 0));
    assert!(registry::bundle_time_zone(std::iter::empty()).is_none());
}

/// `reg query` text of another zone (UTC) than the SYSTEM hive of [`three_sources`] (AUS Eastern).
const UTC_QUERY: &str = "\r\nHKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\TimeZoneInformation\r\n\
     \x20   Bias    REG_DWORD    0x0\r\n\
     \x20   StandardBias    REG_DWORD    0x0\r\n\
     \x20   DaylightBias    REG_DWORD    0x0\r\n\
     \x20   TimeZoneKeyName    REG_SZ    UTC\r\n\r\n";

/// The time zone the pipeline gives a Windows 10 WindowsUpdate.log (local time, no offset) in a
/// bundle of `files` and that log.
fn log_zone_in_bundle(files: Vec<(String, Vec<u8>)>) -> String {
    use wsus_triage::intake::{Bundle, Limits};
    use wsus_triage::pipeline::{Engine, Options, run_opened};
    let mut files = files;
    files.push((
        "Client/WindowsUpdate.log".into(),
        b"2024/11/20 10:14:02.1234567 1204  5520  Agent           WSUS server: http://wsus01:8530\r\n".to_vec(),
    ));
    let engine = Engine::load(&[]).unwrap();
    let report = run_opened(
        &engine,
        Bundle::from_memory("b", files, &Limits::default()),
        &Options::default(),
    );
    let log = report
        .files
        .iter()
        .find(|f| f.path == "Client/WindowsUpdate.log")
        .unwrap();
    assert_eq!(log.kind, FileKind::WindowsupdateLog);
    log.time_zone.clone().unwrap_or_default()
}

#[test]
fn a_hive_zone_wins_over_conflicting_reg_query_text_whatever_the_bundle_order() {
    let hive = three_sources().remove(0).2;
    // `reg query` text first in bundle order, then after the hive: the hive decides both times.
    for (query_path, hive_path) in [
        ("A/tz-query.txt", "Z/Registry/SYSTEM"),
        ("Z/tz-query.txt", "A/Registry/SYSTEM"),
    ] {
        let zone = log_zone_in_bundle(vec![
            (query_path.into(), UTC_QUERY.as_bytes().to_vec()),
            (hive_path.into(), hive.clone()),
        ]);
        assert!(
            zone.contains("AUS Eastern Standard Time") && zone.contains(hive_path),
            "query {query_path}, hive {hive_path}: {zone}"
        );
    }
    // A .reg export beats `reg query` text the same way.
    let reg = three_sources().remove(1).2;
    for (query_path, reg_path) in [("A/tz-query.txt", "Z/tz.reg"), ("Z/tz-query.txt", "A/tz.reg")] {
        let zone = log_zone_in_bundle(vec![
            (query_path.into(), UTC_QUERY.as_bytes().to_vec()),
            (reg_path.into(), reg.clone()),
        ]);
        assert!(
            zone.contains("AUS Eastern Standard Time") && zone.contains(reg_path),
            "query {query_path}, export {reg_path}: {zone}"
        );
    }
    // Alone, the `reg query` text gives its zone (the test above is not won by default).
    let zone = log_zone_in_bundle(vec![("A/tz-query.txt".into(), UTC_QUERY.as_bytes().to_vec())]);
    assert!(zone.contains("UTC") && zone.contains("A/tz-query.txt"), "{zone}");
}

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus");

/// (file, records, problems, keys, values) for every hive of the corpus. The key counts of the
/// two NTUSER files are regipy's (SOURCES.md); the others were checked against regipy 6.5 too,
/// except the two damaged ones, where regipy stops (corrupted SYSTEM) or counts the broken key.
const HIVES: &[(&str, u64, usize, &str)] = &[
    ("NTUSER.DAT", 5523, 0, "2853 keys, 5523 values"),
    ("win7_ntuser.dat", 16545, 0, "4841 keys, 16545 values"),
    ("plaso-100_sub_keys.hiv", 100, 0, "101 keys, 100 values"),
    ("plaso-corrupt_sub_key_list.hiv", 99, 1, "100 keys, 99 values"),
    ("regipy-SECURITY-dirty", 109, 0, "100 keys, 109 values"),
    ("regipy-SYSTEM", 110_117, 0, "30756 keys, 73456 values"),
    ("regipy-corrupted-SYSTEM", 11_213, 11, "1687 keys, 5618 values"),
    ("regipy-software-partial", 19_990, 0, "6396 keys, 19990 values"),
];

#[test]
fn corpus_hives_are_read_whole_with_exact_counts() {
    let dir = format!("{CORPUS}/hives");
    if !std::path::Path::new(&dir).is_dir() {
        eprintln!("skipped: {dir} not found");
        return;
    }
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let expected: Vec<&str> = HIVES.iter().map(|h| h.0).collect();
    let mut sorted = expected.clone();
    sorted.sort();
    assert_eq!(names, sorted, "every corpus hive has its expected counts here");
    for (name, records, problems, counts) in HIVES {
        let bytes = std::fs::read(format!("{dir}/{name}")).unwrap();
        let (_, out) = parse(FileKind::RegistryHive, name, &bytes);
        assert_eq!(out.records, *records, "{name}");
        assert_eq!(out.problems.len(), *problems, "{name}: {:?}", out.problems);
        assert!(out.notes.iter().any(|n| n == counts), "{name}: {:?}", out.notes);
    }
    let dirty = std::fs::read(format!("{dir}/regipy-SECURITY-dirty")).unwrap();
    let (_, out) = parse(FileKind::RegistryHive, "regipy-SECURITY-dirty", &dirty);
    assert!(out.notes.iter().any(|n| n.starts_with("dirty hive")), "{:?}", out.notes);
    let system = std::fs::read(format!("{dir}/regipy-SYSTEM")).unwrap();
    let (rows, _) = parse(FileKind::RegistryHive, "regipy-SYSTEM", &system);
    find(&rows, r"HKLM\SYSTEM\CurrentControlSet\Services\wuauserv", "Start");
    let zone = registry::time_zone_of_file(FileKind::RegistryHive, "regipy-SYSTEM", &system, None);
    assert!(zone.is_some(), "the SYSTEM hive records a zone");
}

#[test]
fn corpus_reg_exports_are_read_whole() {
    let dir = format!("{CORPUS}/reg");
    if !std::path::Path::new(&dir).is_dir() {
        eprintln!("skipped: {dir} not found");
        return;
    }
    // (file, values, problems)
    for (name, records, problems) in [
        ("wsus-policy-template.reg", 23, 0),
        ("wsus-policy-utf16.reg", 8, 0),
        ("wu-ux-settings-utf16.reg", 16, 0),
    ] {
        let bytes = std::fs::read(format!("{dir}/{name}")).unwrap();
        let (rows, out) = parse(FileKind::RegExport, name, &bytes);
        assert_eq!(
            (out.records, out.problems.len()),
            (records, problems),
            "{name}: {:?}",
            out.problems
        );
        assert!(
            rows.iter().all(|r| r.get("key").is_some_and(|k| k.starts_with("HK"))),
            "{name}"
        );
    }
    let bytes = std::fs::read(format!("{dir}/wsus-policy-utf16.reg")).unwrap();
    let (rows, _) = parse(FileKind::RegExport, "wsus-policy-utf16.reg", &bytes);
    let server = find(
        &rows,
        r"HKLM\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate",
        "WUServer",
    );
    assert!(server.get("data").is_some_and(|d| d.ends_with(":8530")), "{server:?}");
}
