//! The signature catalog as a whole: every example of every signature passes through the whole
//! pipeline, and every detectable signature carries at least one positive and one negative example.

use wsus_triage::pipeline::Engine;
use wsus_triage::signatures::examples::run_all;

#[test]
fn every_signature_example_passes() {
    let engine = Engine::load(&[]).unwrap();
    let results = run_all(&engine);
    let failures: Vec<String> = results
        .iter()
        .filter(|r| !r.passed)
        .map(|r| {
            format!(
                "{} example {} ({}): {}",
                r.signature,
                r.index,
                r.name,
                r.failure.as_deref().unwrap_or("")
            )
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} examples failed:\n{}",
        failures.len(),
        results.len(),
        failures.join("\n")
    );
}

#[test]
fn every_detectable_signature_has_positive_and_negative_examples() {
    let engine = Engine::load(&[]).unwrap();
    for sig in engine.catalog.signatures.iter().filter(|s| s.detectable) {
        assert!(
            sig.examples.iter().any(|e| e.positive()),
            "{} has no positive example",
            sig.id
        );
        assert!(
            sig.examples.iter().any(|e| !e.positive()),
            "{} has no negative example",
            sig.id
        );
    }
}

#[test]
fn documentation_entries_say_why_they_cannot_be_detected() {
    let engine = Engine::load(&[]).unwrap();
    for sig in engine.catalog.signatures.iter().filter(|s| !s.detectable) {
        assert!(
            sig.not_detectable_because.as_deref().is_some_and(|w| w.len() > 20),
            "{}",
            sig.id
        );
        assert!(sig.evidence.is_empty(), "{} is documentation but has evidence", sig.id);
    }
}

/// The 55 ids of the signature catalog of the reference (signatures.md §1), same ids, same meaning.
const REFERENCE_IDS: [&str; 55] = [
    "WSUS-ASPNET-ACCOUNT-DC-ROLE",
    "WSUS-ASPNET-VERSION-REMAPPED",
    "WSUS-CLIENT-DOWNLOAD-FILTERED",
    "WSUS-CLIENT-DUAL-SCAN",
    "WSUS-CLIENT-DUPLICATE-SUSCLIENTID",
    "WSUS-CLIENT-HTTP-AUTH-DENIED",
    "WSUS-CLIENT-MAX-ROUND-TRIPS",
    "WSUS-CLIENT-MS03-031-REOFFER",
    "WSUS-CLIENT-POLICY-INCOMPLETE",
    "WSUS-CLIENT-PREREQ-LIMIT",
    "WSUS-CLIENT-PROXY",
    "WSUS-CLIENT-TIMEOUT",
    "WSUS-CLIENT-TLS-TRUST-OR-CLOCK",
    "WSUS-CLIENT-UNREACHABLE",
    "WSUS-CLIENT-UPGRADE-0XC1800118",
    "WSUS-CLIENT-WU-ACCESS-DISABLED",
    "WSUS-CLIENT-WUSERVER-PORT-MISMATCH",
    "WSUS-CLIENTWEBSERVICE-OVERLOAD",
    "WSUS-CONSOLE-IE-CONFIG",
    "WSUS-CONSOLE-MMC-CACHE",
    "WSUS-CONSOLE-REMOTE-API",
    "WSUS-CONSOLE-TEMP-ACL",
    "WSUS-CONTENT-ACL",
    "WSUS-CONTENT-DISK-FULL",
    "WSUS-CONTENT-DOWNLOAD-FAILED",
    "WSUS-CONTENT-RANGE-UNSUPPORTED",
    "WSUS-CONTENT-SIGNATURE-INVALID",
    "WSUS-CONTENT-VDIR-CONFLICT",
    "WSUS-CONTENT-VROOT-AUTH",
    "WSUS-DB-TIMEOUT",
    "WSUS-DB-UNREACHABLE",
    "WSUS-IIS-ASPNET-IMPERSONATION",
    "WSUS-KB3159706-POSTINSTALL",
    "WSUS-LOCAL-PUBLISHING-CERT-UNTRUSTED",
    "WSUS-MIME-DUPLICATE-ENTRY",
    "WSUS-MIME-TYPE-MISSING",
    "WSUS-POOL-DISABLED-503",
    "WSUS-POOL-MEMORY-RECYCLE",
    "WSUS-SELFUPDATE-UNAVAILABLE",
    "WSUS-SETUP-PREREQ-MISSING",
    "WSUS-SETUP-REMOTE-SQL-UNSUPPORTED",
    "WSUS-SITE-HOST-HEADER",
    "WSUS-SITE-IP-RESTRICTION",
    "WSUS-SQL-NESTED-TRIGGERS",
    "WSUS-SSL-CERT-NAME-MISMATCH",
    "WSUS-SSL-VROOT-MISCONFIG",
    "WSUS-SYNC-ENDPOINT-RETIRED",
    "WSUS-SYNC-FAILED-GENERIC",
    "WSUS-SYNC-PROXY-AUTH",
    "WSUS-SYNC-SHA2-CERT-CHAIN",
    "WSUS-SYNC-TLS12-REQUIRED",
    "WSUS-SYNC-UPSTREAM-UNREACHABLE",
    "WSUS-URLSCAN-ADVISORY",
    "WSUS-WEBSERVICE-NTFS-DENIED",
    "WSUS-WMSDE-FLAG-STALE",
];

#[test]
fn the_catalog_has_every_reference_signature_and_each_is_detectable() {
    let engine = Engine::load(&[]).unwrap();
    for id in REFERENCE_IDS {
        let sig = engine
            .catalog
            .get(id)
            .unwrap_or_else(|| panic!("{id} is missing from the catalog"));
        assert!(sig.detectable, "{id} is in the reference's detectable catalog");
    }
    let detectable = engine.catalog.signatures.iter().filter(|s| s.detectable).count();
    assert_eq!(detectable, 55, "detectable signatures beyond the reference's 55");
}
