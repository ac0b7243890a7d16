//! SARIF 2.1.0 (`--format sarif`): findings as results of one run, for code-scanning dashboards
//! and ticket systems that read SARIF. Each signature that fired is a rule; each cited line a
//! location (an EVTX record or registry key goes into the region's snippet and properties).

use crate::pipeline::BundleReport;
use crate::signatures::{Catalog, Severity};
use serde_json::{Value, json};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

pub fn render(bundles: &[BundleReport], catalog: &Catalog) -> String {
    let mut rule_ids: Vec<&str> = bundles
        .iter()
        .flat_map(|b| b.findings.iter().map(|f| f.signature.as_str()))
        .collect();
    rule_ids.sort();
    rule_ids.dedup();
    let rules: Vec<Value> = rule_ids
        .iter()
        .map(|id| {
            let sig = catalog.get(id);
            json!({
                "id": id,
                "shortDescription": { "text": sig.map_or("", |s| s.title.as_str()) },
                "fullDescription": { "text": sig.map_or("", |s| s.origin.as_str()) },
                "help": { "text": sig.map_or("", |s| s.remediation.as_str()) },
                "helpUri": sig.and_then(|s| s.references.first()).cloned(),
            })
        })
        .collect();
    let mut results = Vec::new();
    for b in bundles {
        for f in &b.findings {
            let locations: Vec<Value> = f
                .evidence
                .iter()
                .map(|e| {
                    let mut region = json!({ "snippet": { "text": e.text } });
                    if let Some(l) = e.line {
                        region["startLine"] = json!(l);
                    }
                    json!({
                        "physicalLocation": {
                            "artifactLocation": { "uri": e.file, "uriBaseId": "BUNDLE" },
                            "region": region,
                        },
                        "properties": { "bundle": b.bundle, "record": e.record, "key": e.key,
                                        "timestamp": e.timestamp.map(|t| t.to_rfc3339()) },
                    })
                })
                .collect();
            results.push(json!({
                "ruleId": f.signature,
                "level": level(f.severity),
                "message": { "text": f.summary },
                "locations": locations,
                "properties": { "bundle": b.bundle, "confidence": f.confidence.name(), "count": f.count },
            }));
        }
    }
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "wsus-triage",
                "version": crate::VERSION,
                "rules": rules,
            }},
            "results": results,
        }],
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}
