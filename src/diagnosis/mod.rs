//! Diagnosis: from the merged matches of a bundle to ranked findings with cited evidence.
//!
//! For each signature the highest confidence tier whose evidence is present decides the finding;
//! its summary is filled with figures from the evidence (counts, distinct clients, first and last
//! time); a condition that later recovered is reported at `info` as "was failing until …". The
//! evidence cited is the earliest and latest hits of each rule involved, ordered by file and
//! position. Findings are ordered by severity, then confidence, then signature id.

use crate::records::{Position, Timestamp};
use crate::signatures::matcher::{BundleMatches, Hit, Matcher, RuleStats, share_a_file};
use crate::signatures::{Catalog, Confidence, Requirement, Severity, SignatureDef, TierDef};
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
        let mut tiers: Vec<&TierDef> = sig.confidence.iter().collect();
        tiers.sort_by_key(|t| std::cmp::Reverse(t.level));
        let Some(tier) = tiers.into_iter().find(|t| tier_holds(t, &stats_of)) else {
            continue;
        };
        let primary = tier.require.first().and_then(|r| stats_of(r.evidence()));
        let involved: Vec<&RuleStats> = sig.evidence.iter().filter_map(|e| stats_of(&e.id)).collect();
        let recovery = recovery(sig, tier, &stats_of);
        let first_seen = involved.iter().filter_map(|s| s.first_time).min();
        let last_seen = involved.iter().filter_map(|s| s.last_time).max();
        let mut summary = fill_summary(sig, tier.summary.as_deref().unwrap_or(&sig.summary), primary, &stats_of);
        let mut severity = sig.severity;
        if let Some(until) = recovery {
            severity = Severity::Info;
            summary = format!(
                "Recovered: this was failing until {}, and succeeded afterwards. {summary}",
                human_time(&until)
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
            resolved_after: recovery,
            origin: sig.origin.clone(),
        });
    }
    // An umbrella signature yields to the specific ones that explain the same failure.
    let fired: Vec<String> = findings.iter().map(|f| f.signature.clone()).collect();
    findings.retain(|f| {
        catalog.get(&f.signature).is_none_or(|sig| {
            !sig.suppressed_by
                .iter()
                .any(|s| fired.iter().any(|x| x.eq_ignore_ascii_case(s)))
        })
    });
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.confidence.cmp(&a.confidence))
            .then(a.signature.cmp(&b.signature))
    });
    findings
}

fn tier_holds<'a>(tier: &TierDef, stats_of: &dyn Fn(&str) -> Option<&'a RuleStats>) -> bool {
    if !tier
        .require
        .iter()
        .all(|r| satisfied(r, stats_of(r.evidence()), stats_of))
    {
        return false;
    }
    if tier.absent.iter().any(|a| stats_of(a).is_some()) {
        return false;
    }
    if tier.same_file {
        let required: Vec<&RuleStats> = tier.require.iter().filter_map(|r| stats_of(r.evidence())).collect();
        if !share_a_file(&required) {
            return false;
        }
    }
    if let Some(window) = tier.within_seconds {
        // The required evidence must come close in time: their [first, last] spans, widened by the
        // window, must all overlap. Untimed evidence (configuration) does not constrain.
        let spans: Vec<(i64, i64)> = tier
            .require
            .iter()
            .filter_map(|r| stats_of(r.evidence()))
            .filter_map(|s| Some((s.first_time?.epoch_millis(), s.last_time?.epoch_millis())))
            .collect();
        let latest_start = spans.iter().map(|s| s.0).max();
        let earliest_end = spans.iter().map(|s| s.1).min();
        if let (Some(a), Some(b)) = (latest_start, earliest_end)
            && a - b > window * 1000
        {
            return false;
        }
    }
    true
}

/// When the condition recovered: every keyed evidence saw its keys succeed later, and every
/// evidence with `resolved_by` was followed by its resolving evidence. `None` while failing.
fn recovery<'a>(
    sig: &SignatureDef,
    tier: &TierDef,
    stats_of: &dyn Fn(&str) -> Option<&'a RuleStats>,
) -> Option<Timestamp> {
    let mut judged = false;
    let mut until: Option<Timestamp> = None;
    for req in &tier.require {
        let Some(s) = stats_of(req.evidence()) else { continue };
        let def = sig.evidence.iter().find(|e| e.id == req.evidence());
        if let Some(resolver) = def.and_then(|d| d.resolved_by.as_deref()) {
            judged = true;
            if !marked_later(stats_of, resolver, s.last_time) {
                return None;
            }
        } else if !s.keys.is_empty() {
            judged = true;
            if !s.recovered() {
                return None;
            }
        } else {
            continue;
        }
        until = until.max(s.last_time);
    }
    if !judged {
        return None;
    }
    // Supporting failures cleared by a marker count too: the outage lasted until the last of them
    // (a pool disabled at 14:01 whose 503s go on until 15:04 was failing until 15:04), and one that
    // is not followed by its marker means the condition has not recovered.
    for def in &sig.evidence {
        let Some(resolver) = def.resolved_by.as_deref() else {
            continue;
        };
        if tier.require.iter().any(|r| r.evidence() == def.id) {
            continue;
        }
        let Some(s) = stats_of(&def.id) else { continue };
        if s.last_time.is_none() {
            continue;
        }
        if !marked_later(stats_of, resolver, s.last_time) {
            return None;
        }
        until = until.max(s.last_time);
    }
    until
}

/// Whether the resolution marker `resolver` was last seen after the failure's last time.
fn marked_later<'a>(
    stats_of: &dyn Fn(&str) -> Option<&'a RuleStats>,
    resolver: &str,
    last_failure: Option<Timestamp>,
) -> bool {
    stats_of(resolver)
        .and_then(|r| r.last_time)
        .zip(last_failure)
        .is_some_and(|(ok, bad)| ok > bad)
}

fn satisfied<'a>(
    req: &Requirement,
    stats: Option<&RuleStats>,
    stats_of: &dyn Fn(&str) -> Option<&'a RuleStats>,
) -> bool {
    let Some(s) = stats else { return false };
    match req {
        Requirement::Id(_) => s.count > 0,
        Requirement::Threshold {
            min_count,
            min_distinct,
            min_distinct_per_value,
            values_differ_from,
            ..
        } => {
            s.count >= min_count.unwrap_or(1)
                && s.distinct.len() as u64 >= min_distinct.unwrap_or(0)
                && min_distinct_per_value.is_none_or(|n| s.values.values().any(|with| with.len() as u64 >= n))
                && values_differ_from.as_deref().is_none_or(|other| match stats_of(other) {
                    Some(o) if !o.values.is_empty() && !s.values.is_empty() => {
                        s.values.keys().all(|v| !o.values.contains_key(v))
                    }
                    _ => false,
                })
        }
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
    template: &str,
    primary: Option<&RuleStats>,
    stats_of: &dyn Fn(&str) -> Option<&'a RuleStats>,
) -> String {
    let mut out = template.trim().to_string();
    let figures = |s: Option<&RuleStats>| -> [(String, String); 5] {
        [
            (
                "values".into(),
                s.map(|s| s.values.keys().take(10).cloned().collect::<Vec<_>>().join(", "))
                    .unwrap_or_default(),
            ),
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
