//! Diagnosis: from the merged matches of a bundle to ranked findings with cited evidence.
//!
//! For each signature the highest confidence tier whose evidence is present decides the finding;
//! its summary is filled with figures from the evidence (counts, distinct clients, first and last
//! time); a condition that later recovered is reported at `info` as "was failing until …". The
//! evidence cited is the earliest and latest hits of each rule involved, ordered by file and
//! position. Findings are ordered by severity, then confidence, then signature id.

use crate::records::{Position, Timestamp};
use crate::signatures::matcher::{BundleMatches, Hit, Matcher, RuleStats};
use crate::signatures::{Catalog, Confidence, Requirement, Severity, SignatureDef};
use serde::Serialize;

/// Most evidence items cited per finding.
const MAX_CITED: usize = 8;

/// One cited excerpt (CONTRACT.md `evidence[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    pub file: String,
    pub line: Option<u64>,
    pub record: Option<u64>,
    pub key: Option<String>,
    #[serde(serialize_with = "ser_time")]
    pub timestamp: Option<Timestamp>,
    pub text: String,
    /// What matched where in `text` (byte ranges), for the terminal rendering.
    #[serde(skip)]
    pub spans: Vec<(usize, usize, String)>,
}

fn ser_time<S: serde::Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&t.to_rfc3339()),
        None => s.serialize_none(),
    }
}

/// A diagnosis (CONTRACT.md `findings[]`).
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub signature: String,
    pub title: String,
    pub severity: Severity,
    pub confidence: Confidence,
    pub summary: String,
    pub remediation: String,
    pub references: Vec<String>,
    pub evidence: Vec<Evidence>,
    /// Matching records in all (the evidence cites a few of them).
    pub count: u64,
    #[serde(serialize_with = "ser_time")]
    pub first_seen: Option<Timestamp>,
    #[serde(serialize_with = "ser_time")]
    pub last_seen: Option<Timestamp>,
    /// Set when the condition recovered: the last failure before success.
    #[serde(serialize_with = "ser_time")]
    pub resolved_after: Option<Timestamp>,
    pub origin: String,
}

/// Builds the findings of a bundle. `paths[i]` is the path of file index `i`.
pub fn diagnose(catalog: &Catalog, matcher: &Matcher, matches: &BundleMatches, paths: &[String]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (si, sig) in catalog.signatures.iter().enumerate() {
        if !sig.detectable {
            continue;
        }
        let stats_of = |evidence_id: &str| -> Option<&RuleStats> {
            let ei = sig.evidence.iter().position(|e| e.id == evidence_id)?;
            matches.get(matcher.rule_index(si, ei)?)
        };
        let mut tiers: Vec<_> = sig.confidence.iter().collect();
        tiers.sort_by_key(|t| std::cmp::Reverse(t.level));
        let Some(tier) = tiers
            .into_iter()
            .find(|t| t.require.iter().all(|r| satisfied(r, stats_of(r.evidence()))))
        else {
            continue;
        };
        let primary = tier.require.first().and_then(|r| stats_of(r.evidence()));
        let involved: Vec<&RuleStats> = sig.evidence.iter().filter_map(|e| stats_of(&e.id)).collect();
        let keyed: Vec<&RuleStats> = tier
            .require
            .iter()
            .filter_map(|r| stats_of(r.evidence()))
            .filter(|s| !s.keys.is_empty())
            .collect();
        let resolved = !keyed.is_empty() && keyed.iter().all(|s| s.recovered());
        let first_seen = involved.iter().filter_map(|s| s.first_time).min();
        let last_seen = involved.iter().filter_map(|s| s.last_time).max();
        let mut summary = fill_summary(sig, primary, &stats_of);
        let mut severity = sig.severity;
        let mut resolved_after = None;
        if resolved {
            resolved_after = keyed.iter().filter_map(|s| s.last_time).max();
            severity = Severity::Info;
            summary = format!(
                "Recovered: this was failing until {}, and the same requests succeeded afterwards. {summary}",
                resolved_after.map(|t| human_time(&t)).unwrap_or_default()
            );
        }
        findings.push(Finding {
            signature: sig.id.clone(),
            title: sig.title.clone(),
            severity,
            confidence: tier.level,
            summary,
            remediation: sig.remediation.trim().to_string(),
            references: sig.references.clone(),
            evidence: cite(&involved, paths),
            count: primary.map_or(0, |s| s.count),
            first_seen,
            last_seen,
            resolved_after,
            origin: sig.origin.clone(),
        });
    }
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.confidence.cmp(&a.confidence))
            .then(a.signature.cmp(&b.signature))
    });
    findings
}

fn satisfied(req: &Requirement, stats: Option<&RuleStats>) -> bool {
    let Some(s) = stats else { return false };
    match req {
        Requirement::Id(_) => s.count > 0,
        Requirement::Threshold {
            min_count,
            min_distinct,
            ..
        } => s.count >= min_count.unwrap_or(1) && s.distinct.len() as u64 >= min_distinct.unwrap_or(0),
    }
}

/// `2024-11-20 09:12:05 UTC`, or `… (local time)` when the zone is unknown.
pub fn human_time(t: &Timestamp) -> String {
    let text = t.utc.format("%Y-%m-%d %H:%M:%S").to_string();
    match t.basis {
        crate::records::TimeBasis::LocalUnknown => format!("{text} (local time, zone unknown)"),
        _ => format!("{text} UTC"),
    }
}

fn fill_summary<'a>(
    sig: &SignatureDef,
    primary: Option<&RuleStats>,
    stats_of: &dyn Fn(&str) -> Option<&'a RuleStats>,
) -> String {
    let mut out = sig.summary.trim().to_string();
    let figures = |s: Option<&RuleStats>| -> [(String, String); 4] {
        [
            ("count".into(), s.map_or(0, |s| s.count).to_string()),
            ("distinct".into(), s.map_or(0, |s| s.distinct.len()).to_string()),
            (
                "first".into(),
                s.and_then(|s| s.first_time)
                    .map(|t| human_time(&t))
                    .unwrap_or_else(|| "an unknown time".into()),
            ),
            (
                "last".into(),
                s.and_then(|s| s.last_time)
                    .map(|t| human_time(&t))
                    .unwrap_or_else(|| "an unknown time".into()),
            ),
        ]
    };
    for e in &sig.evidence {
        for (name, value) in figures(stats_of(&e.id)) {
            out = out.replace(&format!("{{{}.{name}}}", e.id), &value);
        }
    }
    for (name, value) in figures(primary) {
        out = out.replace(&format!("{{{name}}}"), &value);
    }
    out
}

fn cite(involved: &[&RuleStats], paths: &[String]) -> Vec<Evidence> {
    let mut hits: Vec<&Hit> = Vec::new();
    // Earliest and latest of each rule first, then more earliest ones, up to the cap.
    for s in involved {
        hits.extend(s.earliest.first());
        hits.extend(s.latest.last());
    }
    for s in involved {
        hits.extend(s.earliest.iter().skip(1));
    }
    let mut seen = Vec::new();
    let mut out: Vec<(u32, Position, Evidence)> = Vec::new();
    for h in hits {
        if out.len() >= MAX_CITED || seen.contains(&(h.file, &h.position)) {
            continue;
        }
        seen.push((h.file, &h.position));
        let (line, record, key) = match &h.position {
            Position::Line(n) => (Some(*n), None, None),
            Position::Record(r) => (None, Some(*r), None),
            Position::Key(k) => (None, None, Some(k.clone())),
        };
        let file = paths.get(h.file as usize).cloned().unwrap_or_default();
        out.push((
            h.file,
            h.position.clone(),
            Evidence {
                file,
                line,
                record,
                key,
                timestamp: h.time,
                text: h.text.clone(),
                spans: h.spans.clone(),
            },
        ));
    }
    out.sort_by(|a, b| a.2.file.cmp(&b.2.file).then(a.1.cmp(&b.1)));
    out.into_iter().map(|(_, _, e)| e).collect()
}
