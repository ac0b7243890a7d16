//! Classification by content: every grammar's examples are recognized, also renamed and without an
//! extension; the public corpus files get the kinds they are.

use wsus_triage::formats::grammar::FormatCatalog;
use wsus_triage::grammars::GrammarFiles;
use wsus_triage::intake::classify::classify;
use wsus_triage::kind::FileKind;

fn catalog() -> FormatCatalog {
    FormatCatalog::from_files(&GrammarFiles::embedded()).expect("embedded grammars load")
}

#[test]
fn every_grammar_example_is_recognized_under_its_name_renamed_and_without_extension() {
    let cat = catalog();
    let mut checked = 0;
    for g in &cat.grammars {
        for ex in &g.def.examples {
            let name = ex.name.clone().unwrap_or_else(|| "example.log".into());
            let c = classify(&cat, &name, ex.text.as_bytes());
            assert_eq!(c.kind, g.def.kind, "{} example {name}: {}", g.def.id, c.reason);
            // Content decides: the same bytes under a neutral name or no extension at all.
            // (an example recognized by its name only, like Change.log's, is exempt).
            // Change.log has no documented format of its own: its name is what sets it apart.
            if !c.reason.starts_with("file name") && g.def.id != "wsus-change" {
                for renamed in ["renamed.dat", "noextension"] {
                    let c = classify(&cat, renamed, ex.text.as_bytes());
                    assert_eq!(
                        c.kind, g.def.kind,
                        "{} example {name} as {renamed}: {}",
                        g.def.id, c.reason
                    );
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} examples");
}

#[test]
fn binary_magic_decides_whatever_the_name() {
    let cat = catalog();
    let mut evtx = b"ElfFile\0".to_vec();
    evtx.resize(4096, 0);
    assert_eq!(classify(&cat, "Application.log", &evtx).kind, FileKind::Evtx);
    let mut hive = b"regf".to_vec();
    hive.resize(4096, 0);
    assert_eq!(classify(&cat, "SOFTWARE", &hive).kind, FileKind::RegistryHive);
    assert_eq!(classify(&cat, "x", b"PK\x03\x04rest").kind, FileKind::Archive);
}

#[test]
fn utf16_files_are_classified_after_decoding() {
    let cat = catalog();
    let text = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE]\r\n";
    for bom in [true, false] {
        let mut v = if bom { vec![0xFF, 0xFE] } else { Vec::new() };
        for u in text.encode_utf16() {
            v.extend_from_slice(&u.to_le_bytes());
        }
        let c = classify(&cat, "export.txt", &v);
        assert_eq!(c.kind, FileKind::RegExport, "bom={bom}: {}", c.reason);
        assert_eq!(
            c.encoding.map(|e| e.name()),
            Some(if bom { "utf-16le-bom" } else { "utf-16le" })
        );
    }
}

#[test]
fn unknown_and_unsupported_content_says_why() {
    let cat = catalog();
    let c = classify(&cat, "notes.txt", b"call the customer back on monday\n");
    assert_eq!(c.kind, FileKind::Unknown);
    assert_eq!(c.reason, "content matches no known format");
    let c = classify(&cat, "WindowsUpdate.20241120.etl", b"\x00\x00\x00\x00\x00\x01binary");
    assert_eq!(c.kind, FileKind::Unknown);
    assert!(c.reason.contains("Get-WindowsUpdateLog"), "{}", c.reason);
    let mut evt = vec![0x30, 0, 0, 0];
    evt.extend_from_slice(b"LfLe");
    assert!(classify(&cat, "AppEvent.Evt", &evt).reason.contains(".evt"));
}

#[test]
fn a_name_alone_does_not_make_a_kind_when_content_says_otherwise() {
    let cat = catalog();
    let iis = "#Software: Microsoft Internet Information Services 10.0\n#Fields: date time cs-uri-stem sc-status\n2024-11-20 09:12:04 /x 200\n";
    assert_eq!(
        classify(&cat, "WindowsUpdate.log", iis.as_bytes()).kind,
        FileKind::IisW3cLog
    );
}

#[test]
fn public_corpus_files_get_their_kinds() {
    let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"));
    if !root.is_dir() {
        eprintln!("skipped: {} not found", root.display());
        return;
    }
    let cat = catalog();
    let expected = [
        ("evtx", FileKind::Evtx),
        ("hives", FileKind::RegistryHive),
        ("reg", FileKind::RegExport),
        ("wulog", FileKind::WindowsupdateLog),
        ("cmtrace", FileKind::CmtraceLog),
        ("iis", FileKind::IisW3cLog),
        ("setup", FileKind::MsiLog),
    ];
    let mut n = 0;
    for (dir, kind) in expected {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            let c = classify(&cat, &path.to_string_lossy(), &bytes);
            assert_eq!(c.kind, kind, "{}: {}", path.display(), c.reason);
            n += 1;
        }
    }
    assert!(n >= 60, "{n} corpus files");
}
