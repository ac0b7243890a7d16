//! The sample bundles: they are exactly what `examples/make_samples.rs` writes, `analyze` finds
//! their fault with citations that really stand in the files, and the output does not depend on
//! the thread count.

#[allow(dead_code)]
#[path = "../examples/make_samples.rs"]
mod make_samples;

use std::path::{Path, PathBuf};
use wsus_triage::pipeline::{BundleReport, Engine, Options, run_bundle};

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples")
}

fn analyze(path: &Path, threads: usize) -> BundleReport {
    let engine = Engine::load(&[]).unwrap();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    let options = Options {
        diagnose: true,
        ..Options::default()
    };
    pool.install(|| run_bundle(&engine, path, &options)).unwrap()
}

use wsus_triage::intake::decode::line_at as line_of;

#[test]
fn committed_samples_are_what_the_generator_writes() {
    let dir = tempfile::tempdir().unwrap();
    make_samples::write_all(dir.path());
    let mut generated = Vec::new();
    for entry in walkdir::WalkDir::new(dir.path()).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            generated.push(entry.path().strip_prefix(dir.path()).unwrap().to_path_buf());
        }
    }
    assert!(!generated.is_empty());
    for rel in &generated {
        let committed =
            std::fs::read(samples().join(rel)).unwrap_or_else(|_| panic!("samples/{} is not committed", rel.display()));
        let fresh = std::fs::read(dir.path().join(rel)).unwrap();
        assert!(
            committed == fresh,
            "samples/{} differs from the generator: run `cargo run --example make_samples`",
            rel.display()
        );
    }
}

#[test]
fn the_content_401_sample_is_diagnosed_with_citations_that_stand_in_the_files() {
    let folder = samples().join("wsus2019-content-401");
    let report = analyze(&folder, 2);
    let f = report
        .findings
        .iter()
        .find(|f| f.signature == "WSUS-CONTENT-VROOT-AUTH")
        .expect("the fault is found");
    assert_eq!(f.severity.name(), "error");
    assert!(f.summary.contains("from 37 client(s)"), "{}", f.summary);
    assert!(
        f.summary.contains("2024-11-20 09:"),
        "the fault began after 09:12 UTC: {}",
        f.summary
    );
    assert!(!f.evidence.is_empty());
    for e in &f.evidence {
        let bytes = std::fs::read(folder.join(&e.file)).unwrap();
        let line = line_of(&bytes, e.line.unwrap()).unwrap();
        assert!(
            line.contains(&e.text),
            "{}:{} does not contain the cited text",
            e.file,
            e.line.unwrap()
        );
        if e.file.ends_with("applicationHost.config") {
            assert!(
                e.text.contains("<anonymousAuthentication enabled=\"false\" />"),
                "{}",
                e.text
            );
            continue;
        }
        assert!(e.text.contains(" 401 "), "{}", e.text);
        assert!(
            e.timestamp.unwrap().utc
                >= chrono::NaiveDate::from_ymd_opt(2024, 11, 20)
                    .unwrap()
                    .and_hms_opt(9, 12, 0)
                    .unwrap()
        );
    }
    assert_eq!(f.confidence.name(), "high", "configuration cause and log symptom agree");
    assert!(f.evidence.iter().any(|e| e.file.ends_with("applicationHost.config")));
    // The NTLM handshakes of the console (401 then 200 on ApiRemoting30) and the browser's 403 are noise.
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.signature == "WSUS-CONTENT-VROOT-AUTH" || f.severity.name() != "error")
    );
}

#[test]
fn folder_and_zip_give_the_same_diagnosis() {
    let a = analyze(&samples().join("wsus2019-content-401"), 2);
    let b = analyze(&samples().join("wsus2019-content-401.zip"), 2);
    let paths = |r: &BundleReport| {
        r.files
            .iter()
            .map(|f| (f.path.clone(), f.kind, f.records))
            .collect::<Vec<_>>()
    };
    assert_eq!(paths(&a), paths(&b));
    let json = |r: &BundleReport| serde_json::to_string(&r.findings).unwrap();
    assert_eq!(json(&a), json(&b));
}

#[test]
fn output_is_byte_identical_whatever_the_thread_count() {
    let zip = samples().join("wsus2019-content-401.zip");
    let one = wsus_triage::report::json::document(&[analyze(&zip, 1)]);
    let four = wsus_triage::report::json::document(&[analyze(&zip, 4)]);
    assert_eq!(one, four);
}
