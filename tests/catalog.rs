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
