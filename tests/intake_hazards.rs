//! Intake hazards, one test per hostile case. Every archive is built inside its test; each case
//! must be reported as a problem on the file it concerns while the rest of the bundle is still read.

use std::io::{Cursor, Write};
use std::path::Path;
use wsus_triage::intake::Limits;
use wsus_triage::pipeline::{BundleReport, Engine, FileReport, Options, run_bundle};

const IIS: &str = "#Software: Microsoft Internet Information Services 10.0\r\n#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) sc-status sc-substatus sc-win32-status time-taken\r\n2024-11-20 09:12:04 10.1.0.20 GET /Content/3C/0D6E5A1F2B3C4D5E6F708192A3B4C5D6E7F8093C.cab - 8530 - 10.1.4.77 Microsoft+BITS/7.8 401 2 5 3\r\n";
const WU: &str = "2024/11/20 10:14:02.1234567 1204  5520  Agent           WSUS server: http://wsus01.contoso.local:8530\r\n2024/11/20 10:14:02.1234601 1204  5520  Agent           WSUS status server: http://wsus01.contoso.local:8530\r\n";

fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in files {
        w.start_file(*name, options).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn cab_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = cab::CabinetBuilder::new();
    let folder = builder.add_folder(cab::CompressionType::MsZip);
    for (name, _) in files {
        folder.add_file(*name);
    }
    let mut writer = builder.build(Cursor::new(Vec::new())).unwrap();
    let mut i = 0;
    while let Some(mut w) = writer.next_file().unwrap() {
        w.write_all(files[i].1).unwrap();
        i += 1;
    }
    writer.finish().unwrap().into_inner()
}

/// A cabinet with one LZX folder made of LZX *uncompressed* blocks (a valid LZX stream; the cab
/// crate cannot write LZX), one block per 32 KiB CFDATA chunk.
fn lzx_cab_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let stream: Vec<u8> = files.iter().flat_map(|(_, d)| d.iter().copied()).collect();
    let mut blocks = Vec::new();
    for (i, chunk) in stream.chunks(32 * 1024).enumerate() {
        // Bits, most significant first in 16-bit little-endian words: [E8 flag (first chunk only)],
        // block type 3 (uncompressed), 24-bit size, padding to the next 16-bit boundary.
        let mut bits = String::new();
        if i == 0 {
            bits.push('0');
        }
        bits.push_str("011");
        bits.push_str(&format!("{:024b}", chunk.len()));
        while !bits.len().is_multiple_of(16) {
            bits.push('0');
        }
        let mut data = Vec::new();
        for word in bits.as_bytes().chunks(16) {
            let v = u16::from_str_radix(std::str::from_utf8(word).unwrap(), 2).unwrap();
            data.extend_from_slice(&v.to_le_bytes());
        }
        for _ in 0..3 {
            data.extend_from_slice(&1u32.to_le_bytes()); // R0, R1, R2
        }
        data.extend_from_slice(chunk);
        if !chunk.len().is_multiple_of(2) {
            data.push(0);
        }
        blocks.push((data, chunk.len()));
    }
    let names_len: usize = files.iter().map(|(n, _)| 16 + n.len() + 1).sum();
    let files_at = 36 + 8;
    let data_at = files_at + names_len;
    let total = data_at + blocks.iter().map(|(d, _)| 8 + d.len()).sum::<usize>();
    let mut cab = Vec::new();
    cab.extend_from_slice(b"MSCF");
    cab.extend_from_slice(&0u32.to_le_bytes());
    cab.extend_from_slice(&(total as u32).to_le_bytes());
    cab.extend_from_slice(&0u32.to_le_bytes());
    cab.extend_from_slice(&(files_at as u32).to_le_bytes());
    cab.extend_from_slice(&0u32.to_le_bytes());
    cab.extend_from_slice(&[3, 1]); // version 1.3
    cab.extend_from_slice(&1u16.to_le_bytes()); // folders
    cab.extend_from_slice(&(files.len() as u16).to_le_bytes());
    cab.extend_from_slice(&[0; 6]); // flags, set id, index
    cab.extend_from_slice(&(data_at as u32).to_le_bytes());
    cab.extend_from_slice(&(blocks.len() as u16).to_le_bytes());
    cab.extend_from_slice(&(3u16 | (15 << 8)).to_le_bytes()); // LZX, 32 KiB window
    let mut offset = 0u32;
    for (name, data) in files {
        cab.extend_from_slice(&(data.len() as u32).to_le_bytes());
        cab.extend_from_slice(&offset.to_le_bytes());
        cab.extend_from_slice(&0u16.to_le_bytes());
        cab.extend_from_slice(&[0x21, 0x59, 0, 0x60, 0x20, 0]); // date, time, attributes
        cab.extend_from_slice(name.as_bytes());
        cab.push(0);
        offset += data.len() as u32;
    }
    for (data, uncompressed) in &blocks {
        cab.extend_from_slice(&0u32.to_le_bytes()); // no checksum
        cab.extend_from_slice(&(data.len() as u16).to_le_bytes());
        cab.extend_from_slice(&(*uncompressed as u16).to_le_bytes());
        cab.extend_from_slice(data);
    }
    assert_eq!(cab.len(), total);
    cab
}

fn inventory_with(path: &Path, limits: Limits) -> BundleReport {
    let engine = Engine::load(&[]).unwrap();
    let options = Options {
        limits,
        ..Options::default()
    };
    run_bundle(&engine, path, &options).unwrap()
}

fn inventory(path: &Path) -> BundleReport {
    inventory_with(path, Limits::default())
}

fn file<'a>(r: &'a BundleReport, path: &str) -> &'a FileReport {
    r.files.iter().find(|f| f.path == path).unwrap_or_else(|| {
        panic!(
            "{path} not listed; listed: {:?}",
            r.files.iter().map(|f| &f.path).collect::<Vec<_>>()
        )
    })
}

fn has_problem(f: &FileReport, needle: &str) -> bool {
    f.problems.iter().any(|p| p.message.contains(needle))
}

fn write(dir: &Path, name: &str, data: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, data).unwrap();
    p
}

#[test]
fn nested_zip_cab_and_zip_in_cab_are_all_listed_with_kind_and_encoding() {
    let dir = tempfile::tempdir().unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    for u in "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate]\r\n\"WUServer\"=\"http://wsus01:8530\"\r\n".encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    let zip_in_cab = zip_of(&[("deep/WindowsUpdate.log", WU.as_bytes())]);
    let cab = cab_of(&[("policy.reg", &utf16), ("client.zip", &zip_in_cab)]);
    let inner = zip_of(&[("u_ex241120.log", IIS.as_bytes()), ("client.cab", &cab)]);
    let outer = zip_of(&[("Logs\\IIS\\u_ex241119.log", IIS.as_bytes()), ("inner.zip", &inner)]);
    let bundle = write(dir.path(), "bundle.zip", &outer);
    let r = inventory(&bundle);
    let paths: Vec<&str> = r.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        vec![
            "Logs/IIS/u_ex241119.log",
            "inner.zip",
            "inner.zip/client.cab",
            "inner.zip/client.cab/client.zip",
            "inner.zip/client.cab/client.zip/deep/WindowsUpdate.log",
            "inner.zip/client.cab/policy.reg",
            "inner.zip/u_ex241120.log",
        ]
    );
    let kinds: Vec<&str> = r.files.iter().map(|f| f.kind.name()).collect();
    assert_eq!(
        kinds,
        vec![
            "iis-w3c-log",
            "archive",
            "archive",
            "archive",
            "windowsupdate-log",
            "reg-export",
            "iis-w3c-log"
        ]
    );
    assert_eq!(
        file(&r, "inner.zip/client.cab/policy.reg").encoding,
        Some("utf-16le-bom")
    );
    assert_eq!(file(&r, "inner.zip/u_ex241120.log").records, Some(1));
    assert!(r.files.iter().all(|f| f.problems.is_empty()), "{:?}", r.files);
}

#[test]
fn lzx_cabinet_folders_are_read() {
    let dir = tempfile::tempdir().unwrap();
    // Big enough to span several 32 KiB LZX chunks.
    let big: String = (0..2000)
        .map(|i| {
            format!(
                "2024-11-20 09:12:{:02} 10.1.0.20 GET /x - 8530 - 10.1.4.{} UA 200 0 0 1\r\n",
                i % 60,
                i % 200
            )
        })
        .collect();
    let log = format!(
        "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) sc-status sc-substatus sc-win32-status time-taken\r\n{big}"
    );
    let cab = lzx_cab_of(&[("u_ex241120.log", log.as_bytes()), ("WindowsUpdate.log", WU.as_bytes())]);
    let r = inventory(&write(dir.path(), "logs.cab", &cab));
    let iis = file(&r, "u_ex241120.log");
    assert_eq!(iis.kind.name(), "iis-w3c-log");
    assert_eq!(iis.records, Some(2000));
    assert_eq!(iis.bytes, log.len() as u64);
    assert_eq!(file(&r, "WindowsUpdate.log").kind.name(), "windowsupdate-log");
    assert!(r.problems.is_empty(), "{:?}", r.problems);
}

#[test]
fn traversal_absolute_and_drive_letter_names_are_normalized_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let z = zip_of(&[
        ("../../evil.log", WU.as_bytes()),
        ("/etc/abs.log", WU.as_bytes()),
        ("C:\\Windows\\WindowsUpdate.log", WU.as_bytes()),
    ]);
    let r = inventory(&write(dir.path(), "b.zip", &z));
    for (path, what) in [
        ("evil.log", "'..'"),
        ("etc/abs.log", "absolute"),
        ("Windows/WindowsUpdate.log", "drive letter"),
    ] {
        let f = file(&r, path);
        assert!(has_problem(f, what), "{path}: {:?}", f.problems);
        assert_eq!(f.kind.name(), "windowsupdate-log", "the content is still read");
    }
    // Nothing was written anywhere: the temporary folder holds only the bundle.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn total_uncompressed_budget_stops_reading_but_lists_everything() {
    let dir = tempfile::tempdir().unwrap();
    let chunk = IIS.repeat(100); // ~30 KB
    let z = zip_of(&[
        ("a/u_ex1.log", chunk.as_bytes()),
        ("a/u_ex2.log", chunk.as_bytes()),
        ("a/u_ex3.log", chunk.as_bytes()),
    ]);
    let limits = Limits {
        max_total_bytes: (chunk.len() * 2) as u64,
        ..Limits::default()
    };
    let r = inventory_with(&write(dir.path(), "b.zip", &z), limits);
    assert_eq!(r.files.len(), 3);
    assert!(file(&r, "a/u_ex1.log").records.is_some());
    assert!(file(&r, "a/u_ex2.log").records.is_some());
    let third = file(&r, "a/u_ex3.log");
    assert!(third.records.is_none());
    assert!(has_problem(third, "--max-total-bytes"), "{:?}", third.problems);
}

#[test]
fn zip_bomb_member_is_refused_by_its_ratio() {
    let dir = tempfile::tempdir().unwrap();
    let zeros = vec![b'A'; 40 << 20]; // 40 MiB compressing ~1000x
    let z = zip_of(&[("bomb.log", &zeros), ("WindowsUpdate.log", WU.as_bytes())]);
    let r = inventory(&write(dir.path(), "b.zip", &z));
    let bomb = file(&r, "bomb.log");
    assert!(has_problem(bomb, "suspected zip bomb"), "{:?}", bomb.problems);
    assert!(bomb.records.is_none());
    assert_eq!(file(&r, "WindowsUpdate.log").kind.name(), "windowsupdate-log");
}

#[test]
fn member_count_limit_is_a_bundle_problem() {
    let dir = tempfile::tempdir().unwrap();
    let names: Vec<String> = (0..10).map(|i| format!("f{i}.log")).collect();
    let files: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), WU.as_bytes())).collect();
    let limits = Limits {
        max_members: 4,
        ..Limits::default()
    };
    let r = inventory_with(&write(dir.path(), "b.zip", &zip_of(&files)), limits);
    assert_eq!(r.files.len(), 4);
    assert!(
        r.problems.iter().any(|p| p.message.contains("more than 4 files")),
        "{:?}",
        r.problems
    );
}

#[test]
fn nesting_deeper_than_the_limit_is_not_opened() {
    let dir = tempfile::tempdir().unwrap();
    let mut z = zip_of(&[("WindowsUpdate.log", WU.as_bytes())]);
    for level in (1..=6).rev() {
        z = zip_of(&[(&format!("level{level}.zip"), &z)]);
    }
    let limits = Limits {
        max_depth: 3,
        ..Limits::default()
    };
    let r = inventory_with(&write(dir.path(), "b.zip", &z), limits);
    let deepest = r.files.last().unwrap();
    assert_eq!(deepest.path, "level1.zip/level2.zip/level3.zip");
    assert!(has_problem(deepest, "nested 4 levels deep"), "{:?}", deepest.problems);
}

#[test]
fn encrypted_members_are_listed_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut z = zip_of(&[("secret.log", WU.as_bytes()), ("WindowsUpdate.log", WU.as_bytes())]);
    // Set the "encrypted" flag of the first member in its local and central headers.
    z[6] |= 1;
    let central = z.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    z[central + 8] |= 1;
    let r = inventory(&write(dir.path(), "b.zip", &z));
    let secret = file(&r, "secret.log");
    assert!(has_problem(secret, "encrypted member"), "{:?}", secret.problems);
    assert!(secret.records.is_none());
    assert_eq!(file(&r, "WindowsUpdate.log").kind.name(), "windowsupdate-log");
}

#[test]
fn corrupt_central_directory_is_salvaged_from_local_headers() {
    let dir = tempfile::tempdir().unwrap();
    let mut z = zip_of(&[("u_ex1.log", IIS.as_bytes()), ("WindowsUpdate.log", WU.as_bytes())]);
    let central = z.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    for b in &mut z[central..] {
        *b = 0x55;
    }
    let path = write(dir.path(), "b.zip", &z);
    let r = inventory(&path);
    assert!(
        r.problems
            .iter()
            .any(|p| p.message.contains("central directory unreadable") && p.message.contains("2 member(s) recovered")),
        "{:?}",
        r.problems
    );
    assert_eq!(file(&r, "u_ex1.log").records, Some(1));
    assert_eq!(file(&r, "WindowsUpdate.log").kind.name(), "windowsupdate-log");
}

#[test]
fn truncated_archive_keeps_what_precedes_the_cut() {
    let dir = tempfile::tempdir().unwrap();
    let second = IIS.repeat(200);
    let z = zip_of(&[("WindowsUpdate.log", WU.as_bytes()), ("u_ex1.log", second.as_bytes())]);
    let cut = z.windows(4).rposition(|w| w == b"PK\x03\x04").unwrap() + 200;
    let r = inventory(&write(dir.path(), "b.zip", &z[..cut]));
    assert_eq!(file(&r, "WindowsUpdate.log").kind.name(), "windowsupdate-log");
    let partial = file(&r, "u_ex1.log");
    assert!(has_problem(partial, "truncated or damaged"), "{:?}", partial.problems);
    assert!(!r.problems.is_empty());
}

#[test]
fn truncated_and_garbage_cabinets_are_problems() {
    let dir = tempfile::tempdir().unwrap();
    let cab = cab_of(&[
        ("WindowsUpdate.log", WU.as_bytes()),
        ("u_ex1.log", IIS.repeat(50).as_bytes()),
    ]);
    write(dir.path(), "cut.cab", &cab[..cab.len() - 300]);
    write(dir.path(), "garbage.cab", b"MSCF\x00\x00\x00\x00 not really a cabinet");
    let r = inventory(dir.path());
    assert!(
        has_problem(file(&r, "garbage.cab"), "cannot read cabinet"),
        "{:?}",
        file(&r, "garbage.cab").problems
    );
    let cut = file(&r, "cut.cab/u_ex1.log");
    assert!(!cut.problems.is_empty(), "the truncated member says so: {cut:?}");
}

#[test]
fn zero_byte_files_and_members_are_listed_with_a_problem() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "empty.log", b"");
    write(dir.path(), "b.zip", &zip_of(&[("WindowsUpdate.log", b"")]));
    let r = inventory(dir.path());
    assert!(has_problem(file(&r, "empty.log"), "empty file"));
    let member = file(&r, "b.zip/WindowsUpdate.log");
    assert!(has_problem(member, "empty file"));
    assert_eq!(
        member.kind.name(),
        "windowsupdate-log",
        "an empty file keeps the kind its name suggests"
    );
}

#[cfg(unix)]
#[test]
fn links_and_special_files_are_reported_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "WindowsUpdate.log", WU.as_bytes());
    std::os::unix::fs::symlink("/etc/passwd", dir.path().join("escape.log")).unwrap();
    let _socket = std::os::unix::net::UnixListener::bind(dir.path().join("socket.log")).unwrap();
    let r = inventory(dir.path());
    assert!(has_problem(file(&r, "escape.log"), "symbolic link"));
    assert!(has_problem(file(&r, "socket.log"), "not a regular file"));
    assert_eq!(file(&r, "WindowsUpdate.log").kind.name(), "windowsupdate-log");
}

#[test]
fn names_colliding_after_normalization_are_disambiguated() {
    let dir = tempfile::tempdir().unwrap();
    let z = zip_of(&[("Logs/a.log", WU.as_bytes()), ("Logs\\A.log", IIS.as_bytes())]);
    let r = inventory(&write(dir.path(), "b.zip", &z));
    assert_eq!(r.files.len(), 2);
    let second = file(&r, "Logs/A.log#2");
    assert!(has_problem(second, "collides"), "{:?}", second.problems);
    assert_eq!(second.kind.name(), "iis-w3c-log");
}

#[test]
fn a_missing_bundle_is_an_error_not_a_panic() {
    let engine = Engine::load(&[]).unwrap();
    assert!(run_bundle(&engine, Path::new("/nonexistent/bundle.zip"), &Options::default()).is_err());
}

/// The same archive with its central directory (and end record) cut off, as a download stopped
/// just before the end leaves it: intake must salvage it from the local headers.
fn without_central_directory(z: &[u8]) -> Vec<u8> {
    let central = z.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    z[..central].to_vec()
}

/// The problems of a member other than the note that it was recovered from a damaged archive.
fn problems_but_recovery(f: &FileReport) -> Vec<String> {
    f.problems
        .iter()
        .map(|p| p.message.clone())
        .filter(|m| !m.contains("recovered from a damaged archive"))
        .collect()
}

#[test]
fn damaged_zip_applies_the_same_member_limits_as_an_intact_one() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = vec![b'A'; 40 << 20]; // 40 MiB compressing ~1000x
    let log = IIS.repeat(100); // ~30 KB
    let z = zip_of(&[
        ("bomb.log", &bomb),
        ("a/u_ex1.log", log.as_bytes()),
        ("a/u_ex2.log", log.as_bytes()),
        ("WindowsUpdate.log", WU.as_bytes()),
    ]);
    let intact = write(dir.path(), "intact.zip", &z);
    let damaged = write(dir.path(), "damaged.zip", &without_central_directory(&z));
    let cases = [
        ("ratio", Limits::default(), "bomb.log", "suspected zip bomb"),
        (
            "member size",
            Limits {
                max_ratio: u64::MAX,
                max_member_bytes: 1 << 20,
                ..Limits::default()
            },
            "bomb.log",
            "--max-member-bytes",
        ),
        (
            "bundle total",
            Limits {
                max_ratio: u64::MAX,
                max_total_bytes: (40 << 20) + (log.len() + WU.len()) as u64,
                ..Limits::default()
            },
            "a/u_ex2.log",
            "--max-total-bytes",
        ),
    ];
    for (what, limits, refused, needle) in cases {
        let ri = inventory_with(&intact, limits.clone());
        let rd = inventory_with(&damaged, limits);
        assert!(
            rd.problems
                .iter()
                .any(|p| p.message.contains("central directory unreadable")),
            "{what}: the damaged copy went through salvage: {:?}",
            rd.problems
        );
        let (fi, fd) = (file(&ri, refused), file(&rd, refused));
        assert!(has_problem(fi, needle), "{what}, intact: {:?}", fi.problems);
        assert_eq!(
            problems_but_recovery(fd),
            problems_but_recovery(fi),
            "{what}: same problem when damaged"
        );
        assert!(
            fd.records.is_none() && fd.kind.name() == fi.kind.name(),
            "{what}: {fd:?}"
        );
        assert_eq!(
            file(&rd, "WindowsUpdate.log").kind.name(),
            "windowsupdate-log",
            "{what}"
        );
        assert_eq!(file(&rd, "a/u_ex1.log").records, Some(100), "{what}");
    }
}

#[test]
fn damaged_zip_reports_unsafe_member_names() {
    let dir = tempfile::tempdir().unwrap();
    let z = zip_of(&[
        ("../../evil.log", WU.as_bytes()),
        ("/etc/abs.log", WU.as_bytes()),
        ("C:\\Windows\\WindowsUpdate.log", WU.as_bytes()),
    ]);
    let r = inventory(&write(dir.path(), "b.zip", &without_central_directory(&z)));
    for (path, what) in [
        ("evil.log", "'..'"),
        ("etc/abs.log", "absolute"),
        ("Windows/WindowsUpdate.log", "drive letter"),
    ] {
        let f = file(&r, path);
        assert!(has_problem(f, what), "{path}: {:?}", f.problems);
        assert!(has_problem(f, "is unsafe"), "{path}: {:?}", f.problems);
        assert_eq!(f.kind.name(), "windowsupdate-log", "the content is still read");
    }
}

#[test]
fn a_file_named_zip_that_is_not_an_archive_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ticket-upload.zip");
    std::fs::write(&path, b"<html><body>502 Bad Gateway</body></html>\r\n").unwrap();
    let bundle = wsus_triage::intake::open_bundle(&path, &wsus_triage::intake::Limits::default()).unwrap();
    assert_eq!(bundle.files.len(), 1);
    let problems: Vec<String> = bundle.files[0].problems.iter().map(|p| p.to_string()).collect();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("named .zip but is not a zip archive")),
        "{problems:?}"
    );
}
