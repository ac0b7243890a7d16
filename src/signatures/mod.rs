//! Issue signatures: the catalog of known WSUS problems, one TOML file per signature under
//! `grammars/signatures/`, and the matcher that runs all of them over the records in one pass.
//!
//! A signature declares its evidence (record predicates by file kind, with correlation keys, noise
//! that clears a hit, distinct counts), the confidence tiers its evidence can reach, the texts of
//! the finding (summary with figures from the evidence, remediation, references) and examples that
//! `signatures test` runs.

pub mod examples;
pub mod matcher;
pub mod predicate;

use crate::grammars::{GrammarError, GrammarFiles};
use crate::kind::FileKind;
use predicate::PredicateDef;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// How sure a finding is (see signatures.md §0.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn name(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// One signature file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureDef {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    /// `Known issue 5 (WSUS 2.0 readme)` or `field: <reference>`.
    pub origin: String,
    /// Summary template; `{count}`, `{distinct}`, `{first}`, `{last}` come from the primary evidence,
    /// `{<evidence id>.count}` and friends from any evidence.
    pub summary: String,
    pub remediation: String,
    #[serde(default)]
    pub references: Vec<String>,
    /// WSUS generations the signature applies to (empty = all).
    #[serde(default)]
    pub applies_to: Vec<String>,
    /// False for documentation entries: known issues no artifact can show.
    #[serde(default = "yes")]
    pub detectable: bool,
    /// Why a documentation entry cannot be detected.
    #[serde(default)]
    pub not_detectable_because: Option<String>,
    /// Signatures that, when they fire, make this one redundant (an umbrella yields to the specific).
    #[serde(default)]
    pub suppressed_by: Vec<String>,
    #[serde(default)]
    pub evidence: Vec<EvidenceDef>,
    #[serde(default)]
    pub confidence: Vec<TierDef>,
    #[serde(default)]
    pub examples: Vec<ExampleDef>,
}

fn yes() -> bool {
    true
}

/// A kind of record that supports (or is) the diagnosis.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceDef {
    pub id: String,
    /// File kinds whose records are tested.
    pub kinds: Vec<FileKind>,
    /// What this evidence shows, in a few words (shown by `signatures show`).
    #[serde(default)]
    pub describe: String,
    /// Field predicates, all of which must hold. The pseudo-field `text` is the record's whole text.
    #[serde(rename = "where", default)]
    pub predicates: BTreeMap<String, PredicateDef>,
    #[serde(default)]
    pub correlate: Option<CorrelateDef>,
    /// Literals of which at least one must appear in the record's text (ASCII case-insensitive): a
    /// prefilter that lets the matcher skip the evidence for most records. Optional; a `contains`
    /// predicate on `text` is used as a literal automatically. A literal must stand in the record's
    /// text itself (the log line, the event XML), not only in a derived field such as an event's
    /// rendered `message`.
    #[serde(default)]
    pub literal: Vec<String>,
    /// A value to keep from each hit (a port, a GUID, a host name), with the distinct field values
    /// seen with it; tiers compare such values.
    #[serde(default)]
    pub capture: Option<CaptureDef>,
    /// Another evidence of the same signature whose later occurrence means this one recovered
    /// (a sync failure followed by "Synchronization completed successfully").
    #[serde(default)]
    pub resolved_by: Option<String>,
}

/// What to keep from a hit: `field` (or the record text), optionally cut by a regex's first group.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CaptureDef {
    pub field: String,
    #[serde(default)]
    pub regex: Option<String>,
    /// Lower-case the captured value (host names, GUIDs).
    #[serde(default)]
    pub lowercase: bool,
}

/// Correlation of hits by a key: noise that clears a hit, distinct values to count.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CorrelateDef {
    /// Fields that identify "the same request" (e.g. `c-ip`, `cs-uri-stem`).
    #[serde(default)]
    pub key: Vec<String>,
    /// A later record with the same key matching these predicates within `within_seconds` clears
    /// the hit (NTLM negotiation: 401 then 200). A later match beyond the window marks the key
    /// as recovered.
    #[serde(default)]
    pub cleared_by: BTreeMap<String, PredicateDef>,
    #[serde(default = "default_window")]
    pub within_seconds: i64,
    /// Field whose distinct values are counted (`{distinct}`), e.g. `c-ip` for clients.
    #[serde(default)]
    pub distinct: Option<String>,
}

fn default_window() -> i64 {
    120
}

/// A confidence tier: the evidence that must be present for the signature to fire at that level.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TierDef {
    pub level: Confidence,
    pub require: Vec<Requirement>,
    /// Evidence that must NOT be present for this tier.
    #[serde(default)]
    pub absent: Vec<String>,
    /// The required evidence must occur within this many seconds of each other.
    #[serde(default)]
    pub within_seconds: Option<i64>,
    /// The required evidence must all be seen in one file, not only somewhere in the bundle: one
    /// client's own log tells the whole story (its port-less WSUS URL and its scans failing).
    /// Evidence named only by `values_differ_from` or `absent` is not bound to that file.
    #[serde(default)]
    pub same_file: bool,
    /// A summary for this tier when it tells a different story than the signature's (e.g. the
    /// configuration shows the cause but no log shows the symptom yet).
    #[serde(default)]
    pub summary: Option<String>,
}

/// An evidence id, or an evidence id with thresholds.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Requirement {
    Id(String),
    Threshold {
        evidence: String,
        #[serde(default)]
        min_count: Option<u64>,
        #[serde(default)]
        min_distinct: Option<u64>,
        /// Some captured value was seen with at least this many distinct values of the
        /// correlation's `distinct` field (one SusClientId on two computers).
        #[serde(default)]
        min_distinct_per_value: Option<u64>,
        /// The captured values share nothing with those of this other evidence (a client's WUServer
        /// port versus the site's binding ports).
        #[serde(default)]
        values_differ_from: Option<String>,
    },
}

impl Requirement {
    pub fn evidence(&self) -> &str {
        match self {
            Requirement::Id(id) => id,
            Requirement::Threshold { evidence, .. } => evidence,
        }
    }
}

/// A snippet of one file kind and what the signature must conclude from it alone.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExampleDef {
    /// What the example shows, for the reader.
    #[serde(default)]
    pub name: String,
    /// A one-file example: the kind the file must be read as, its name and text.
    #[serde(default)]
    pub kind: Option<FileKind>,
    #[serde(default)]
    pub file: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
    /// A bundle-level example: several files (server and client artifacts together).
    #[serde(default)]
    pub files: Vec<ExampleFile>,
    /// The confidence expected, or `none` when the signature must not fire.
    pub expect: String,
    /// The severity expected when it fires (e.g. `info` for a condition that recovered).
    #[serde(default)]
    pub severity: Option<Severity>,
}

/// One file of a bundle-level example.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExampleFile {
    /// Path inside the example bundle.
    pub name: String,
    /// The kind the file must be read as.
    #[serde(default)]
    pub kind: Option<FileKind>,
    pub text: String,
    /// `utf-16le` to store the text as UTF-16LE with a BOM, as regedit and some Windows tools do.
    #[serde(default)]
    pub encoding: Option<String>,
}

impl ExampleDef {
    /// The files of the example, one-file examples included.
    pub fn all_files(&self) -> Vec<ExampleFile> {
        let mut files = self.files.clone();
        if let Some(text) = &self.text {
            files.insert(
                0,
                ExampleFile {
                    name: self.file.clone().unwrap_or_else(|| "example.log".into()),
                    kind: self.kind,
                    text: text.clone(),
                    encoding: None,
                },
            );
        }
        files
    }

    /// True when the signature is expected to fire.
    pub fn positive(&self) -> bool {
        self.expect != "none"
    }
}

/// All signatures of a run, sorted by id.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub signatures: Vec<SignatureDef>,
}

impl Catalog {
    pub fn from_files(files: &GrammarFiles) -> Result<Catalog, GrammarError> {
        let mut signatures: Vec<SignatureDef> = Vec::new();
        for file in files.under("signatures") {
            let mut def: SignatureDef = GrammarError::parse_toml(file)?;
            def.summary = reflow(&def.summary);
            def.remediation = reflow(&def.remediation);
            for tier in &mut def.confidence {
                tier.summary = tier.summary.as_deref().map(reflow);
            }
            validate(&def).map_err(|m| GrammarError::invalid(file, m, None))?;
            if let Some(pos) = signatures.iter().position(|s| s.id == def.id) {
                signatures[pos] = def; // a later file (from --grammars) overrides
            } else {
                signatures.push(def);
            }
        }
        signatures.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(Catalog { signatures })
    }

    pub fn get(&self, id: &str) -> Option<&SignatureDef> {
        self.signatures.iter().find(|s| s.id.eq_ignore_ascii_case(id))
    }
}

/// Joins the lines of a TOML multi-line string into paragraphs: single newlines become spaces,
/// blank lines stay paragraph breaks.
pub fn reflow(text: &str) -> String {
    text.trim()
        .split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn validate(def: &SignatureDef) -> Result<(), String> {
    for tier in &def.confidence {
        for req in &tier.require {
            if !def.evidence.iter().any(|e| e.id == req.evidence()) {
                return Err(format!(
                    "{}: confidence tier requires unknown evidence {:?}",
                    def.id,
                    req.evidence()
                ));
            }
        }
    }
    if def.detectable && (def.evidence.is_empty() || def.confidence.is_empty()) {
        return Err(format!(
            "{}: a detectable signature needs evidence and confidence tiers",
            def.id
        ));
    }
    for (i, ex) in def.examples.iter().enumerate() {
        if ex.all_files().is_empty() {
            return Err(format!("{}: example {} has neither text nor files", def.id, i + 1));
        }
        if !matches!(ex.expect.as_str(), "none" | "low" | "medium" | "high") {
            return Err(format!(
                "{}: example {} expects {:?} (none, low, medium or high)",
                def.id,
                i + 1,
                ex.expect
            ));
        }
    }
    if !def.detectable && def.not_detectable_because.is_none() {
        return Err(format!(
            "{}: a documentation entry must say why it cannot be detected",
            def.id
        ));
    }
    for e in &def.evidence {
        for (field, p) in e
            .predicates
            .iter()
            .chain(e.correlate.iter().flat_map(|c| c.cleared_by.iter()))
        {
            p.compile()
                .map_err(|m| format!("{}: evidence {:?}, field {field:?}: {m}", def.id, e.id))?;
        }
    }
    Ok(())
}
