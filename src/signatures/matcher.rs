//! The matcher: every evidence rule of every signature, tested in one pass over each file's records.
//!
//! Per file, a [`FileMatchState`] (a [`RecordSink`]) keeps bounded statistics per rule: counts,
//! distinct values, the earliest and latest hits with their exact text, and per correlation key the
//! hits still waiting to be cleared by noise rules (a 401 answered by a 200 for the same client and
//! URI within the window is NTLM negotiation, not a failure). Memory stays bounded by the number of
//! distinct keys and the noise window, not by the number of matching lines. Per-file results are
//! merged in file order into [`BundleMatches`]; every selection uses a total order, so the result is
//! the same whatever the thread count.

use super::predicate::Predicate;
use super::{Catalog, CorrelateDef};
use crate::kind::FileKind;
use crate::records::{Position, Record, RecordSink, Timestamp};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

/// How many earliest and latest hits each rule keeps with their text.
const KEEP_HITS: usize = 3;
/// Most distinct values counted per rule.
const MAX_DISTINCT: usize = 100_000;

/// One compiled evidence rule.
#[derive(Debug)]
pub struct Rule {
    pub signature: usize,
    pub evidence: usize,
    pub kinds: Vec<FileKind>,
    predicates: Vec<Pred>,
    /// The predicates on correlation-key fields: a clearing record has the same key, so it must
    /// satisfy them too. Testing them first spares the key lookup for most records.
    key_checks: Vec<Pred>,
    correlate: Option<Correlate>,
    capture: Option<Capture>,
    /// Index of the rule's literal group in its kind's prefilter, when it has one.
    literals: Vec<String>,
}

#[derive(Debug)]
struct Capture {
    field: String,
    regex: Option<regex::Regex>,
    lowercase: bool,
}

/// Kinds whose record fields are verbatim slices of the record's text (no derived or rewritten
/// value), so a literal a field predicate requires must stand in the text. IIS logs are the volume
/// that matters; other kinds rely on the signature's explicit `literal`.
fn fields_are_verbatim(kind: FileKind) -> bool {
    matches!(kind, FileKind::IisW3cLog | FileKind::IisHttperrLog)
}

/// Literals one of which must stand in the text of any record the predicates accept: the best
/// (longest shortest member) of the sets each predicate implies. Empty when none is safe.
fn verbatim_literals(kind: FileKind, preds: &[Pred]) -> Vec<String> {
    if !fields_are_verbatim(kind) {
        return Vec::new();
    }
    let mut best: Vec<String> = Vec::new();
    let mut best_len = 0;
    for p in preds {
        let set: Vec<String> = match &p.test {
            Predicate::Equals(v) => vec![v.to_ascii_lowercase()],
            Predicate::Any(vs) => vs.iter().map(|v| v.to_ascii_lowercase()).collect(),
            Predicate::Contains(n) => vec![n.clone()],
            Predicate::Regex(re) => regex_prefix(re.as_str()).into_iter().collect(),
            _ => Vec::new(),
        };
        let shortest = set.iter().map(String::len).min().unwrap_or(0);
        if !set.is_empty() && shortest >= 3 && shortest > best_len {
            best_len = shortest;
            best = set;
        }
    }
    best
}

/// The literal text a regex must match first, when that is plain: `(?i)^/Content/[0-9A-F]{2}` gives
/// `/content/`. `None` for patterns with top-level alternation or no literal start.
fn regex_prefix(pattern: &str) -> Option<String> {
    let mut rest = pattern;
    loop {
        if let Some(r) = rest.strip_prefix("(?i)") {
            rest = r;
        } else if let Some(r) = rest.strip_prefix('^') {
            rest = r;
        } else {
            break;
        }
    }
    // Top-level alternation makes any prefix optional.
    let mut depth = 0i32;
    let mut escaped = false;
    let mut in_class = false;
    for c in rest.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '[' => in_class = true,
            ']' => in_class = false,
            '(' if !in_class => depth += 1,
            ')' if !in_class => depth -= 1,
            '|' if depth == 0 && !in_class => return None,
            _ => {}
        }
    }
    let mut lit = String::new();
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        let ch = match c {
            '\\' => match chars.peek().copied() {
                Some(e) if ".-/_ $^*+?()[]{}|\\".contains(e) => {
                    chars.next();
                    e
                }
                _ => break,
            },
            c if c.is_ascii_alphanumeric() || "/-_ :=,'\"#@%&!<>".contains(c) => c,
            _ => break,
        };
        // A quantifier after the character makes it optional (stop before it) or repeatable
        // (keep it, stop after it).
        match chars.peek() {
            Some('?' | '*' | '{') => break,
            Some('+') => {
                lit.push(ch.to_ascii_lowercase());
                break;
            }
            _ => lit.push(ch.to_ascii_lowercase()),
        }
    }
    (lit.len() >= 3).then_some(lit)
}

/// Gathers the regex predicates of every rule by field into one [`RegexSet`] per field and tells
/// each predicate its place. A set that cannot be built leaves its predicates testing alone.
fn build_regex_sets(rules: &mut [Rule]) -> Vec<(FieldId, regex::RegexSet)> {
    let mut patterns: Vec<(FieldId, Vec<String>)> = Vec::new();
    let mut place = |p: &mut Pred| {
        let (re, negated) = match &p.test {
            Predicate::Regex(re) => (re.as_str().to_string(), false),
            Predicate::NotRegex(re) => (re.as_str().to_string(), true),
            _ => return,
        };
        let set = match patterns.iter().position(|(f, _)| *f == p.id) {
            Some(i) => i,
            None => {
                patterns.push((p.id, Vec::new()));
                patterns.len() - 1
            }
        };
        let list = &mut patterns[set].1;
        let index = list.iter().position(|x| *x == re).unwrap_or_else(|| {
            list.push(re);
            list.len() - 1
        });
        p.set = Some((set, index, negated));
    };
    for r in rules.iter_mut() {
        r.predicates.iter_mut().for_each(&mut place);
        r.key_checks.iter_mut().for_each(&mut place);
        if let Some(c) = r.correlate.as_mut() {
            c.cleared_by.iter_mut().for_each(&mut place);
        }
    }
    let mut sets = Vec::new();
    let mut failed = Vec::new();
    for (i, (field, list)) in patterns.into_iter().enumerate() {
        match regex::RegexSet::new(&list) {
            Ok(set) => sets.push((field, set)),
            Err(_) => {
                failed.push(i);
                sets.push((field, regex::RegexSet::empty()));
            }
        }
    }
    for r in rules.iter_mut() {
        let all = r
            .predicates
            .iter_mut()
            .chain(r.key_checks.iter_mut())
            .chain(r.correlate.iter_mut().flat_map(|c| c.cleared_by.iter_mut()));
        for p in all {
            if p.set.is_some_and(|(set, _, _)| failed.contains(&set)) {
                p.set = None;
            }
        }
    }
    sets
}

/// Cheap predicates first: equality before substring before regex.
fn cost(p: &Predicate) -> u8 {
    match p {
        Predicate::Equals(_) | Predicate::Any(_) | Predicate::Present(_) | Predicate::Range { .. } => 0,
        Predicate::Contains(_) => 1,
        Predicate::Codes(_) => 2,
        Predicate::Regex(_) | Predicate::NotRegex(_) | Predicate::All(_) => 3,
    }
}

/// Per file kind: the rules that apply and a prefilter over their literals.
#[derive(Debug, Default)]
struct KindRules {
    rules: Vec<usize>,
    /// Rules with no literal: always tested.
    unfiltered: Vec<usize>,
    /// Aho-Corasick over every literal; pattern i belongs to `owners[i]`.
    prefilter: Option<aho_corasick::AhoCorasick>,
    owners: Vec<usize>,
    patterns: Vec<String>,
    /// Rules indexed by the value of one field they all test for equality (`sc-status` in IIS
    /// logs): one lookup per record picks them, instead of testing each.
    dispatch: Option<Dispatch>,
}

#[derive(Debug, Default)]
struct Dispatch {
    field: FieldId,
    /// Lower-cased value → rules that can fire (or be cleared) on a record with that value.
    rules: HashMap<String, Vec<usize>>,
}

/// The values an equality predicate on `field` accepts, lower-cased (`None`: no such predicate).
fn equality_values(preds: &[Pred], field: FieldId) -> Option<Vec<String>> {
    preds.iter().find_map(|p| match &p.test {
        Predicate::Equals(v) if p.id == field => Some(vec![v.to_ascii_lowercase()]),
        Predicate::Any(vs) if p.id == field => Some(vs.iter().map(|v| v.to_ascii_lowercase()).collect()),
        _ => None,
    })
}

/// Picks the dispatch field of a kind: the field most rules test for equality (at least three).
/// A rule joins the index only if its failure — and its clearing records, when it has some — test
/// that field for equality; the others stay with the literal prefilter.
fn build_dispatch(rules: &[Rule], members: &[usize]) -> Option<(Dispatch, Vec<usize>)> {
    let mut counts: HashMap<FieldId, usize> = HashMap::new();
    for &i in members {
        for p in &rules[i].predicates {
            if p.id != TEXT && matches!(p.test, Predicate::Equals(_) | Predicate::Any(_)) {
                *counts.entry(p.id).or_default() += 1;
            }
        }
    }
    let field = counts
        .iter()
        .filter(|(_, n)| **n >= 3)
        .max_by_key(|(f, n)| (**n, std::cmp::Reverse(**f)))
        .map(|(f, _)| *f)?;
    let mut dispatch = Dispatch {
        field,
        rules: HashMap::new(),
    };
    let mut indexed = Vec::new();
    for &i in members {
        let r = &rules[i];
        let Some(mut values) = equality_values(&r.predicates, field) else {
            continue;
        };
        if let Some(c) = r.correlate.as_ref().filter(|c| !c.cleared_by.is_empty()) {
            let Some(clearing) = equality_values(&c.cleared_by, field) else {
                continue;
            };
            values.extend(clearing);
        }
        for v in values {
            let list = dispatch.rules.entry(v).or_default();
            if !list.contains(&i) {
                list.push(i);
            }
        }
        indexed.push(i);
    }
    (!indexed.is_empty()).then_some((dispatch, indexed))
}

/// A predicate on a field, the field's name interned by the matcher.
#[derive(Debug, Clone)]
struct Pred {
    field: String,
    id: FieldId,
    test: Predicate,
    /// For a regex predicate: its place in the field's [`RegexSet`] (set, pattern, negated), so
    /// every regex on one field is run in one pass per record.
    set: Option<(usize, usize, bool)>,
}

/// Index of an interned field name; [`TEXT`] is the record's whole text.
type FieldId = u32;
const TEXT: FieldId = u32::MAX;

#[derive(Debug)]
struct Correlate {
    key: Vec<String>,
    key_ids: Vec<FieldId>,
    cleared_by: Vec<Pred>,
    window_ms: i64,
    distinct: Option<String>,
}

/// All rules of a catalog, indexed by file kind.
#[derive(Debug, Default)]
pub struct Matcher {
    pub rules: Vec<Rule>,
    by_kind: HashMap<FileKind, KindRules>,
    /// Interned field names: every predicate, key, distinct and capture field.
    names: Vec<String>,
    /// One set per field of every regex predicate on that field.
    sets: Vec<(FieldId, regex::RegexSet)>,
}

/// Interns field names (ASCII case-insensitive, as record fields compare).
fn intern(names: &mut Vec<String>, field: &str) -> FieldId {
    if field == "text" {
        return TEXT;
    }
    match names.iter().position(|n| n.eq_ignore_ascii_case(field)) {
        Some(i) => i as FieldId,
        None => {
            names.push(field.to_string());
            (names.len() - 1) as FieldId
        }
    }
}

impl Matcher {
    /// Compiles the catalog. Predicates were validated when the catalog was loaded.
    pub fn new(catalog: &Catalog) -> Matcher {
        let mut rules = Vec::new();
        let mut names = Vec::new();
        for (si, sig) in catalog.signatures.iter().enumerate() {
            if !sig.detectable {
                continue;
            }
            for (ei, ev) in sig.evidence.iter().enumerate() {
                let mut compile = |m: &BTreeMap<String, super::predicate::PredicateDef>| {
                    m.iter()
                        .filter_map(|(f, p)| {
                            p.compile().ok().map(|p| Pred {
                                field: f.clone(),
                                id: intern(&mut names, f),
                                test: p,
                                set: None,
                            })
                        })
                        .collect::<Vec<_>>()
                };
                let mut predicates = compile(&ev.predicates);
                predicates.sort_by_key(|p| cost(&p.test));
                let cleared_by = ev
                    .correlate
                    .as_ref()
                    .map(|c| compile(&c.cleared_by))
                    .unwrap_or_default();
                let mut literals: Vec<String> = ev.literal.iter().map(|l| l.to_ascii_lowercase()).collect();
                if literals.is_empty() {
                    // A `contains` on the record text itself must find its needle there, so it is a
                    // literal too. Not so on other fields: some are derived (an event's `message` is
                    // rendered from a template and does not stand in the XML).
                    literals.extend(predicates.iter().find_map(|p| match &p.test {
                        Predicate::Contains(n) if !n.is_empty() && p.id == TEXT => Some(n.clone()),
                        _ => None,
                    }));
                }
                let correlate = ev.correlate.as_ref().map(|c: &CorrelateDef| Correlate {
                    key: c.key.clone(),
                    key_ids: c.key.iter().map(|k| intern(&mut names, k)).collect(),
                    cleared_by,
                    window_ms: c.within_seconds.saturating_mul(1000),
                    distinct: c.distinct.clone(),
                });
                let key_checks = match &correlate {
                    Some(c) if !c.cleared_by.is_empty() => predicates
                        .iter()
                        .filter(|p| c.key_ids.contains(&p.id))
                        .cloned()
                        .collect(),
                    _ => Vec::new(),
                };
                rules.push(Rule {
                    signature: si,
                    evidence: ei,
                    kinds: ev.kinds.clone(),
                    predicates,
                    key_checks,
                    correlate,
                    capture: ev.capture.as_ref().map(|c| Capture {
                        field: c.field.clone(),
                        regex: c.regex.as_deref().and_then(|r| regex::Regex::new(r).ok()),
                        lowercase: c.lowercase,
                    }),
                    literals,
                });
            }
        }
        let sets = build_regex_sets(&mut rules);
        let mut by_kind: HashMap<FileKind, KindRules> = HashMap::new();
        for (i, r) in rules.iter().enumerate() {
            for k in &r.kinds {
                by_kind.entry(*k).or_default().rules.push(i);
            }
        }
        for entry in by_kind.values_mut() {
            if let Some((dispatch, _)) = build_dispatch(&rules, &entry.rules) {
                entry.dispatch = Some(dispatch);
            }
        }
        for (i, r) in rules.iter().enumerate() {
            for k in &r.kinds {
                let Some(entry) = by_kind.get_mut(k) else { continue };
                if entry
                    .dispatch
                    .as_ref()
                    .is_some_and(|d| d.rules.values().any(|l| l.contains(&i)))
                {
                    continue; // picked by the dispatch index
                }
                let clears = r.correlate.as_ref().is_some_and(|c| !c.cleared_by.is_empty());
                // A rule that clears hits must also see its clearing records, which need not carry
                // the failure's literals; only literals of the key-field predicates (which a clearing
                // record satisfies too) may filter it.
                let literals = if clears {
                    verbatim_literals(*k, &r.key_checks)
                } else if !r.literals.is_empty() {
                    r.literals.clone()
                } else {
                    verbatim_literals(*k, &r.predicates)
                };
                if literals.is_empty() {
                    entry.unfiltered.push(i);
                } else {
                    for l in literals {
                        entry.owners.push(i);
                        entry.patterns.push(l);
                    }
                }
            }
        }
        for entry in by_kind.values_mut() {
            if entry.patterns.is_empty() {
                continue;
            }
            entry.prefilter = aho_corasick::AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .kind(Some(aho_corasick::AhoCorasickKind::DFA))
                .build(&entry.patterns)
                .ok();
            if entry.prefilter.is_none() {
                // Unreachable with plain literals; if it happens, test those rules on every record.
                let owners = std::mem::take(&mut entry.owners);
                entry.unfiltered.extend(owners);
                entry.unfiltered.sort();
                entry.unfiltered.dedup();
            }
        }
        Matcher {
            rules,
            by_kind,
            names,
            sets,
        }
    }

    /// The rule index of a signature's evidence.
    pub fn rule_index(&self, signature: usize, evidence: usize) -> Option<usize> {
        self.rules
            .iter()
            .position(|r| r.signature == signature && r.evidence == evidence)
    }

    pub fn file_state(&self, file: u32, kind: FileKind) -> FileMatchState<'_> {
        FileMatchState {
            matcher: self,
            file,
            kind_rules: self.by_kind.get(&kind),
            candidates: Vec::new(),
            slots: vec![UNKNOWN; self.names.len()],
            slots_layout: 0,
            set_at: vec![UNKNOWN; self.sets.len()],
            memo: SetMemo {
                seen: vec![rustc_hash::FxHashMap::default(); self.sets.len()],
                ..SetMemo::default()
            },
            live: rustc_hash::FxHashMap::default(),
            has_live: vec![false; self.rules.len()],
            stats: BTreeMap::new(),
            first_time: None,
        }
    }
}

/// A hit kept with its text for citation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Index of the file in the bundle's file list.
    pub file: u32,
    pub position: Position,
    pub time: Option<Timestamp>,
    /// The exact text at `position`.
    pub text: String,
    /// Byte ranges of `text` that matched, with what matched there (for highlighting).
    pub spans: Vec<(usize, usize, String)>,
    /// Hash of the correlation key (0 without one): citations prefer different keys.
    pub group: u64,
    /// The value of the correlation's distinct field (a client address).
    pub distinct: Option<String>,
    /// The evidence's captured value.
    pub captured: Option<String>,
    /// `spans` still to be found by the text predicates (done when the file ends).
    spans_pending: bool,
}

impl Hit {
    /// Total order: by time (untimed last), then file, then position.
    fn order_key(&self) -> (bool, Option<Timestamp>, u32, &Position) {
        (self.time.is_none(), self.time, self.file, &self.position)
    }
}

type Key = Vec<String>;

/// What is known about one correlation key, for resolution.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeySummary {
    pub last_failure: Option<i64>,
    pub last_success: Option<i64>,
}

/// Bounded statistics of one rule's genuine hits (noise removed).
#[derive(Debug, Clone, Default)]
pub struct RuleStats {
    pub count: u64,
    /// Hits removed by the noise rule (e.g. NTLM handshakes).
    pub cleared: u64,
    pub distinct: BTreeSet<String>,
    pub earliest: Vec<Hit>,
    pub latest: Vec<Hit>,
    pub first_time: Option<Timestamp>,
    pub last_time: Option<Timestamp>,
    pub keys: HashMap<Key, KeySummary>,
    /// Captured values, each with the distinct-field values seen with it.
    pub values: BTreeMap<String, BTreeSet<String>>,
    /// The files (bundle indexes) with at least one genuine hit: bounded by the bundle's files.
    pub files: BTreeSet<u32>,
    /// Hits still waiting for a clearing record at the end of a file (resolved at merge).
    tail_pending: Vec<(Key, Hit)>,
    /// First clearing record of each key in each file (for cross-file clearing).
    first_success: Vec<(Key, i64)>,
    window_ms: i64,
}

impl RuleStats {
    fn add(&mut self, hit: Hit, key: Option<&Key>) {
        self.tally(
            hit.file,
            hit.time,
            hit.distinct.as_deref(),
            hit.captured.as_deref(),
            key,
        );
        keep(&mut self.earliest, hit.clone(), false);
        keep(&mut self.latest, hit, true);
    }

    /// Counts a hit like [`RuleStats::add`], but builds it (its text and spans) only when one of
    /// the citation lists would keep it: on a healthy server's log most lines are hits of some
    /// success marker, and all but a few are only counted.
    fn add_lazy(&mut self, probe: Probe<'_>, key: Option<&Key>, build: impl FnOnce() -> Hit) {
        self.tally(probe.file, probe.time, probe.distinct, probe.captured.as_deref(), key);
        let order = (probe.time.is_none(), probe.time, probe.file, probe.position);
        let early = wanted(&self.earliest, order, probe.group, false);
        let late = wanted(&self.latest, order, probe.group, true);
        if !early && !late {
            return;
        }
        let hit = build();
        if early {
            keep(&mut self.earliest, hit.clone(), false);
        }
        if late {
            keep(&mut self.latest, hit, true);
        }
    }

    /// The counters of a hit: count, distinct values, captured values, times and keys.
    fn tally(
        &mut self,
        file: u32,
        time: Option<Timestamp>,
        distinct: Option<&str>,
        captured: Option<&str>,
        key: Option<&Key>,
    ) {
        self.count += 1;
        self.files.insert(file);
        if let Some(d) = distinct
            && self.distinct.len() < MAX_DISTINCT
            && !self.distinct.contains(d)
        {
            self.distinct.insert(d.to_string());
        }
        if let Some(v) = captured {
            let with = if self.values.contains_key(v) {
                self.values.get_mut(v)
            } else if self.values.len() < MAX_DISTINCT {
                Some(self.values.entry(v.to_string()).or_default())
            } else {
                None
            };
            if let (Some(with), Some(d)) = (with, distinct)
                && with.len() < MAX_DISTINCT
                && !with.contains(d)
            {
                with.insert(d.to_string());
            }
        }
        if let Some(t) = time {
            self.first_time = Some(self.first_time.map_or(t, |f| f.min(t)));
            self.last_time = Some(self.last_time.map_or(t, |l| l.max(t)));
            if let Some(k) = key {
                let millis = t.epoch_millis();
                if !self.keys.contains_key(k) {
                    self.keys.insert(k.clone(), KeySummary::default());
                }
                let Some(s) = self.keys.get_mut(k) else { return };
                s.last_failure = Some(s.last_failure.map_or(millis, |l| l.max(millis)));
            }
        }
    }

    fn merge(&mut self, other: RuleStats) {
        self.count += other.count;
        self.cleared += other.cleared;
        for d in other.distinct {
            if self.distinct.len() >= MAX_DISTINCT {
                break;
            }
            self.distinct.insert(d);
        }
        for (v, with) in other.values {
            if self.values.len() >= MAX_DISTINCT && !self.values.contains_key(&v) {
                continue;
            }
            self.values.entry(v).or_default().extend(with);
        }
        self.files.extend(other.files);
        for h in other.earliest {
            keep(&mut self.earliest, h, false);
        }
        for h in other.latest {
            keep(&mut self.latest, h, true);
        }
        self.first_time = min_opt(self.first_time, other.first_time);
        self.last_time = max_opt(self.last_time, other.last_time);
        for (k, s) in other.keys {
            let e = self.keys.entry(k).or_default();
            e.last_failure = max_opt(e.last_failure, s.last_failure);
            e.last_success = max_opt(e.last_success, s.last_success);
        }
        self.tail_pending.extend(other.tail_pending);
        self.first_success.extend(other.first_success);
        self.window_ms = self.window_ms.max(other.window_ms);
    }

    /// Clears or confirms the hits left pending at file ends, using the other files' first
    /// clearing records of the same key.
    fn settle(&mut self) {
        let mut successes: HashMap<Key, Vec<i64>> = HashMap::new();
        for (k, t) in std::mem::take(&mut self.first_success) {
            successes.entry(k).or_default().push(t);
        }
        let mut pending = std::mem::take(&mut self.tail_pending);
        pending.sort_by(|a, b| a.1.order_key().cmp(&b.1.order_key()).then(a.0.cmp(&b.0)));
        for (key, hit) in pending {
            let t = hit.time.map(|t| t.epoch_millis());
            let cleared = t.is_some_and(|t| {
                successes
                    .get(&key)
                    .is_some_and(|ss| ss.iter().any(|s| *s >= t && *s - t <= self.window_ms))
            });
            if cleared {
                self.cleared += 1;
            } else {
                self.add(hit, Some(&key));
            }
        }
    }

    /// True when every key that failed later succeeded: the condition recovered.
    pub fn recovered(&self) -> bool {
        let failing: Vec<_> = self.keys.values().filter(|s| s.last_failure.is_some()).collect();
        !failing.is_empty()
            && failing
                .iter()
                .all(|s| s.last_success.is_some_and(|ok| Some(ok) > s.last_failure))
    }
}

/// True when one file holds a genuine hit of every rule of `stats` (a tier's `same_file`); false
/// for an empty list.
pub fn share_a_file(stats: &[&RuleStats]) -> bool {
    let Some((first, rest)) = stats.split_first() else {
        return false;
    };
    first.files.iter().any(|f| rest.iter().all(|s| s.files.contains(f)))
}

/// Keeps the `KEEP_HITS` earliest (or latest) hits, at most one per correlation key, so the
/// citations show different clients and files rather than two legs of one request.
fn keep(list: &mut Vec<Hit>, hit: Hit, latest: bool) {
    if list.contains(&hit) {
        return;
    }
    if hit.group != 0
        && let Some(i) = list.iter().position(|h| h.group == hit.group)
    {
        let better = if latest {
            hit.order_key() > list[i].order_key()
        } else {
            hit.order_key() < list[i].order_key()
        };
        if better {
            list[i] = hit;
            list.sort_by(|a, b| a.order_key().cmp(&b.order_key()));
        }
        return;
    }
    list.push(hit);
    list.sort_by(|a, b| a.order_key().cmp(&b.order_key()));
    if list.len() > KEEP_HITS {
        if latest {
            list.remove(0);
        } else {
            list.pop();
        }
    }
}

/// What [`RuleStats::add_lazy`] knows of a hit before building it.
struct Probe<'a> {
    file: u32,
    position: &'a Position,
    time: Option<Timestamp>,
    group: u64,
    distinct: Option<&'a str>,
    captured: Option<String>,
}

/// Whether [`keep`] could change `list` with a hit of this order and group (never false when it
/// would: a hit equal to a kept one is left to `keep` to recognize).
fn wanted(list: &[Hit], order: (bool, Option<Timestamp>, u32, &Position), group: u64, latest: bool) -> bool {
    if group != 0
        && let Some(same) = list.iter().find(|h| h.group == group)
    {
        return if latest {
            order >= same.order_key()
        } else {
            order <= same.order_key()
        };
    }
    if list.len() < KEEP_HITS {
        return true;
    }
    // `keep` sorts the newcomer after equal ones, then drops the first (latest) or last (earliest).
    if latest {
        list.iter().any(|h| order >= h.order_key())
    } else {
        list.iter().any(|h| order < h.order_key())
    }
}

fn min_opt<T: Ord>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

fn max_opt<T: Ord>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

#[derive(Debug, Default)]
struct KeyLive {
    /// The key itself (its hash indexes the map).
    key: Key,
    pending: VecDeque<Hit>,
    last_success: Option<i64>,
    first_success: Option<i64>,
}

/// A correlation key is looked up by this hash of its lower-cased values; the values themselves
/// are only built when the key is kept.
type LiveKey = (usize, u64);

/// Matching state of one file.
pub struct FileMatchState<'m> {
    matcher: &'m Matcher,
    file: u32,
    kind_rules: Option<&'m KindRules>,
    /// Scratch list of the rules to test on the current record.
    candidates: Vec<usize>,
    /// Per interned field name, where it stands in the current record's fields.
    slots: Vec<u32>,
    /// The layout stamp of the fields `slots` were resolved for (0: none, resolve again).
    slots_layout: u64,
    /// Per regex set, where its matches on the current record are in `memo` (or not yet run, or
    /// the field is absent).
    set_at: Vec<u32>,
    memo: SetMemo,
    live: rustc_hash::FxHashMap<LiveKey, KeyLive>,
    /// Per rule, whether it has a live key: a clearing record matters only then, or near the
    /// start of the file (for hits pending at the end of the previous one).
    has_live: Vec<bool>,
    stats: BTreeMap<usize, RuleStats>,
    /// Time of the first timestamped record of the file.
    first_time: Option<i64>,
}

/// Regex-set results remembered per field value for the whole file: an IIS log repeats a few
/// hundred URIs and user agents over millions of lines, so most records cost one hash lookup
/// instead of a run of the set. Bounded by [`MEMO_VALUES`] values per set.
#[derive(Debug, Default)]
struct SetMemo {
    /// Per set: a value seen → where its results start in `bits`.
    seen: Vec<rustc_hash::FxHashMap<Box<str>, u32>>,
    bits: Vec<bool>,
    /// Results of the current record that are not remembered (addressed from [`SCRATCH`] up).
    scratch: Vec<bool>,
}

/// Most values remembered per regex set and file.
const MEMO_VALUES: usize = 4096;
/// Offsets from here on address [`SetMemo::scratch`].
const SCRATCH: u32 = 1 << 30;

impl SetMemo {
    fn results(m: &regex::SetMatches) -> impl Iterator<Item = bool> + '_ {
        (0..m.len()).map(|i| m.matched(i))
    }

    fn remember(&mut self, set: usize, value: &str, m: &regex::SetMatches) -> u32 {
        let full = self.seen.get(set).is_none_or(|s| s.len() >= MEMO_VALUES);
        if full || self.bits.len() >= SCRATCH as usize / 2 {
            return self.scratch(m);
        }
        let at = self.bits.len() as u32;
        self.bits.extend(Self::results(m));
        if let Some(seen) = self.seen.get_mut(set) {
            seen.insert(value.into(), at);
        }
        at
    }

    fn scratch(&mut self, m: &regex::SetMatches) -> u32 {
        let at = SCRATCH + self.scratch.len() as u32;
        self.scratch.extend(Self::results(m));
        at
    }

    fn get(&self, at: u32, index: usize) -> Option<bool> {
        match at {
            UNKNOWN | ABSENT => None,
            at if at >= SCRATCH => self.scratch.get((at - SCRATCH) as usize + index).copied(),
            at => self.bits.get(at as usize + index).copied(),
        }
    }
}

/// Slot states: not looked up yet for this record, or absent from it.
const UNKNOWN: u32 = u32::MAX;
const ABSENT: u32 = u32::MAX - 1;

/// The fields of the record being matched, each name resolved once however many predicates read it.
struct View<'r, 'a> {
    record: &'r Record<'a>,
    slots: &'r mut [u32],
    names: &'r [String],
    sets: &'r [(FieldId, regex::RegexSet)],
    /// Per regex set, where its matches on the current record are, run once when first asked.
    set_at: &'r mut [u32],
    memo: &'r mut SetMemo,
    /// The record text with its continuation lines, joined once when a predicate asks.
    joined: Option<String>,
}

impl<'r> View<'r, '_> {
    fn field(&mut self, id: FieldId) -> Option<&'r str> {
        let record: &'r Record<'_> = self.record;
        let slot = self.slots.get_mut(id as usize)?;
        if *slot == UNKNOWN {
            *slot = self
                .names
                .get(id as usize)
                .and_then(|n| record.fields.position(n))
                .map_or(ABSENT, |i| i as u32);
        }
        if *slot == ABSENT {
            None
        } else {
            record.fields.value_at(*slot as usize)
        }
    }

    /// The value a predicate reads: a field, or for [`TEXT`] the whole record text.
    fn value(&mut self, id: FieldId) -> Option<Cow<'_, str>> {
        if id != TEXT {
            return self.field(id).map(Cow::Borrowed);
        }
        if self.record.continuation.is_empty() {
            return Some(Cow::Borrowed(self.record.text.as_ref()));
        }
        let record = self.record;
        let joined = self.joined.get_or_insert_with(|| {
            let mut all = record.text.to_string();
            for l in &record.continuation {
                all.push('\n');
                all.push_str(l);
            }
            all
        });
        Some(Cow::Borrowed(joined.as_str()))
    }

    fn holds(&mut self, preds: &[Pred]) -> bool {
        preds.iter().all(|p| match p.set {
            Some((set, index, negated)) => match self.set_matched(set, index) {
                Some(m) => m != negated,
                None => negated, // no such field: a regex fails, a negated regex holds
            },
            None => {
                let v = self.value(p.id);
                p.test.test(v.as_deref())
            }
        })
    }

    /// Whether pattern `index` of regex set `set` matches its field of this record (`None` when
    /// the field is absent).
    fn set_matched(&mut self, set: usize, index: usize) -> Option<bool> {
        let mut at = *self.set_at.get(set)?;
        if at == UNKNOWN {
            at = self.run_set(set).unwrap_or(ABSENT);
            self.set_at[set] = at;
        }
        self.memo.get(at, index)
    }

    /// Runs regex set `set` on its field, or finds its result for that value in the memo.
    fn run_set(&mut self, set: usize) -> Option<u32> {
        let sets = self.sets;
        let (field, regex_set) = sets.get(set)?;
        if *field == TEXT {
            // Whole lines hardly repeat: not remembered.
            let m = regex_set.matches(self.value(TEXT)?.as_ref());
            return Some(self.memo.scratch(&m));
        }
        let value: &'r str = self.field(*field)?;
        let seen = self.memo.seen.get(set)?;
        if let Some(&at) = seen.get(value) {
            return Some(at);
        }
        let m = regex_set.matches(value);
        Some(self.memo.remember(set, value, &m))
    }

    /// The hash of the correlation key: the lower-cased values, without building them.
    fn key_hash(&mut self, ids: &[FieldId]) -> u64 {
        use std::hash::Hasher;
        let mut h = rustc_hash::FxHasher::default();
        for id in ids {
            let bytes = self.field(*id).unwrap_or("").as_bytes();
            let mut chunks = bytes.chunks_exact(8);
            for c in &mut chunks {
                let mut word = [0u8; 8];
                word.copy_from_slice(c);
                h.write_u64(ascii_lower8(u64::from_le_bytes(word)));
            }
            for b in chunks.remainder() {
                h.write_u8(b.to_ascii_lowercase());
            }
            h.write_u8(0xFF);
        }
        h.finish() | 1
    }

    fn key(&mut self, ids: &[FieldId]) -> Key {
        ids.iter()
            .map(|id| self.field(*id).unwrap_or("").to_ascii_lowercase())
            .collect()
    }
}

/// The predicates on the record's text that say where it matched (a negated regex does not).
fn text_predicates(preds: &[Pred]) -> impl Iterator<Item = &Predicate> {
    preds
        .iter()
        .filter(|p| p.id == TEXT && !matches!(p.test, Predicate::NotRegex(_)))
        .map(|p| &p.test)
}

/// Where the text predicates matched in a cited line.
fn text_spans(preds: &[Pred], text: &str) -> Vec<(usize, usize, String)> {
    text_predicates(preds)
        .flat_map(|p| p.spans(text))
        .map(|(a, b)| (a, b, "matched".to_string()))
        .collect()
}

/// Eight bytes lower-cased at once (ASCII letters only, as `to_ascii_lowercase`): a key is hashed
/// for every clearing record of a rule that has failed, so this runs on most IIS lines.
fn ascii_lower8(x: u64) -> u64 {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let low7 = x & !HIGH;
    // Per byte b < 0x80: b + 0x3f has its high bit set iff b >= 'A'; b + 0x25 iff b > 'Z'.
    let from_a = low7 + 0x3f3f_3f3f_3f3f_3f3f;
    let past_z = low7 + 0x2525_2525_2525_2525;
    let upper = !x & (from_a ^ past_z) & HIGH;
    x | (upper >> 2)
}

/// The line to cite: the first line of the record on which the `text` predicates hold, else the
/// record's first line; with the spans that matched on it.
fn cited(view: &mut View<'_, '_>, preds: &[Pred]) -> (Position, String, Vec<(usize, usize, String)>) {
    let record = view.record;
    let text_preds: Vec<&Predicate> = text_predicates(preds).collect();
    if !text_preds.is_empty() {
        for (line, text) in record.lines() {
            if text_preds.iter().any(|p| p.test(Some(text))) {
                let position = line.map(Position::Line).unwrap_or_else(|| record.position.clone());
                return (position, text.to_string(), text_spans(preds, text));
            }
        }
    }
    // Field values borrowed from the line: their offsets in it are known exactly.
    let base = record.text.as_ptr() as usize;
    let end = base + record.text.len();
    let mut spans = Vec::new();
    for p in preds {
        if p.id == TEXT || matches!(p.test, Predicate::NotRegex(_) | Predicate::Present(false)) {
            continue;
        }
        if let Some(v) = view.field(p.id) {
            let at = v.as_ptr() as usize;
            if at >= base && at + v.len() <= end && !v.is_empty() {
                spans.push((at - base, v.len(), p.field.clone()));
            }
        }
    }
    spans.sort();
    (record.position.clone(), record.text.to_string(), spans)
}

impl RecordSink for FileMatchState<'_> {
    fn record(&mut self, record: &Record<'_>) {
        if self.first_time.is_none() {
            self.first_time = record.time.map(|t| t.epoch_millis());
        }
        let Some(kr) = self.kind_rules else { return };
        let mut slots = std::mem::take(&mut self.slots);
        // Names resolved for the previous record hold for this one if both have one layout.
        let layout = record.fields.layout();
        if layout == 0 || layout != self.slots_layout {
            slots.fill(UNKNOWN);
            self.slots_layout = layout;
        }
        let mut set_at = std::mem::take(&mut self.set_at);
        set_at.fill(UNKNOWN);
        let mut memo = std::mem::take(&mut self.memo);
        memo.scratch.clear();
        let mut view = View {
            record,
            slots: &mut slots,
            names: &self.matcher.names,
            sets: &self.matcher.sets,
            set_at: &mut set_at,
            memo: &mut memo,
            joined: None,
        };
        self.candidates.clear();
        self.candidates.extend_from_slice(&kr.unfiltered);
        // The dispatch index: rules picked by the value of one field.
        if let Some(d) = &kr.dispatch
            && let Some(v) = view.field(d.field)
        {
            let picked = if v.bytes().any(|b| b.is_ascii_uppercase()) {
                d.rules.get(&v.to_ascii_lowercase())
            } else {
                d.rules.get(v)
            };
            if let Some(list) = picked {
                self.candidates.extend_from_slice(list);
            }
        }
        // The prefilter: rules with literals are tested only when one of them is in the text.
        if let Some(ac) = &kr.prefilter {
            let seen = |hay: &str, candidates: &mut Vec<usize>| {
                for m in ac.find_overlapping_iter(hay) {
                    let owner = kr.owners[m.pattern().as_usize()];
                    if !candidates.contains(&owner) {
                        candidates.push(owner);
                    }
                }
            };
            seen(&record.text, &mut self.candidates);
            for l in &record.continuation {
                seen(l, &mut self.candidates);
            }
        }
        let candidates = std::mem::take(&mut self.candidates);
        for &ri in &candidates {
            self.test_rule(ri, &mut view);
        }
        self.slots = slots;
        self.set_at = set_at;
        self.memo = memo;
        self.candidates = candidates;
    }
}

/// The hit of a record on which `rule` failed. With `defer_spans` (a one-line record) the cited
/// line is the record's and its spans are found when the file ends ([`Hit::spans_pending`]).
fn new_hit(file: u32, rule: &Rule, view: &mut View<'_, '_>, group: u64, defer_spans: bool) -> Hit {
    let record = view.record;
    let (position, text, spans) = if defer_spans {
        (record.position.clone(), record.text.to_string(), Vec::new())
    } else {
        cited(view, &rule.predicates)
    };
    Hit {
        file,
        position,
        time: record.time,
        text,
        spans,
        group,
        distinct: rule
            .correlate
            .as_ref()
            .and_then(|c| c.distinct.as_deref())
            .and_then(|d| record.field(d))
            .map(str::to_string),
        captured: rule.capture.as_ref().and_then(|c| capture(c, record)),
        spans_pending: defer_spans,
    }
}

/// The value an evidence captures from a record.
fn capture(c: &Capture, record: &Record<'_>) -> Option<String> {
    let v = if c.field == "text" {
        Cow::Owned(record.lines().map(|(_, l)| l).collect::<Vec<_>>().join("\n"))
    } else {
        Cow::Borrowed(record.field(&c.field)?)
    };
    let v = match &c.regex {
        // The first match in which group 1 takes part: an alternative without it skips text that
        // must not be captured (an event's `xmlns="http://schemas.microsoft.com/…"` before its URL).
        Some(re) if re.captures_len() > 1 => re.captures_iter(&v).find_map(|m| m.get(1))?.as_str().to_string(),
        Some(re) => re.find(&v)?.as_str().to_string(),
        None => v.into_owned(),
    };
    Some(if c.lowercase { v.to_lowercase() } else { v })
}

impl FileMatchState<'_> {
    fn test_rule(&mut self, ri: usize, view: &mut View<'_, '_>) {
        let rule = &self.matcher.rules[ri];
        let record = view.record;
        let failed = view.holds(&rule.predicates);
        let corr = rule.correlate.as_ref();
        let clears = !failed
            && corr.is_some_and(|c| {
                !c.cleared_by.is_empty()
                    && !c.key.is_empty()
                    && record.time.is_some_and(|t| {
                        self.has_live.get(ri).copied().unwrap_or(true)
                            || t.epoch_millis() - self.first_time.unwrap_or(i64::MIN) <= c.window_ms
                    })
                    && view.holds(&c.cleared_by)
                    && view.holds(&rule.key_checks)
            });
        if !failed && !clears {
            return;
        }
        let keyed = corr.filter(|c| !c.key.is_empty());
        let now = record.time.map(|t| t.epoch_millis());
        let window = corr.map_or(0, |c| c.window_ms);

        if failed {
            let key: Option<Key> = keyed.map(|c| view.key(&c.key_ids));
            let hash = keyed.map(|c| view.key_hash(&c.key_ids));
            let waits = corr.is_some_and(|c| !c.cleared_by.is_empty());
            if !(waits && key.is_some() && now.is_some()) && record.continuation.is_empty() {
                // Counted at once; the hit is built only if it is cited.
                let probe = Probe {
                    file: self.file,
                    position: &record.position,
                    time: record.time,
                    group: hash.unwrap_or(0),
                    distinct: corr.and_then(|c| c.distinct.as_deref()).and_then(|d| record.field(d)),
                    captured: rule.capture.as_ref().and_then(|c| capture(c, record)),
                };
                let file = self.file;
                let stats = self.stats.entry(ri).or_insert_with(|| RuleStats {
                    window_ms: window,
                    ..RuleStats::default()
                });
                // A one-line record matched its text predicates on that line: it is the cited line,
                // and where they matched is found later, for the hits finally cited (the latest
                // hits change with every line of a log in time order).
                let defer_spans = text_predicates(&rule.predicates).next().is_some();
                stats.add_lazy(probe, key.as_ref(), || {
                    new_hit(file, rule, view, hash.unwrap_or(0), defer_spans)
                });
                return;
            }
            let hit = new_hit(self.file, rule, view, hash.unwrap_or(0), false);
            let stats = self.stats.entry(ri).or_insert_with(|| RuleStats {
                window_ms: window,
                ..RuleStats::default()
            });
            match (key, hash, now) {
                (Some(key), Some(hash), Some(now)) if waits => {
                    if let Some(flag) = self.has_live.get_mut(ri) {
                        *flag = true;
                    }
                    let live = self.live.entry((ri, hash)).or_insert_with(|| KeyLive {
                        key: key.clone(),
                        ..KeyLive::default()
                    });
                    // Hits older than the window can no longer be cleared: they are genuine.
                    while live
                        .pending
                        .front()
                        .is_some_and(|h| h.time.is_some_and(|t| now - t.epoch_millis() > window))
                    {
                        if let Some(h) = live.pending.pop_front() {
                            stats.add(h, Some(&key));
                        }
                    }
                    live.pending.push_back(hit);
                }
                (key, _, _) => stats.add(hit, key.as_ref()),
            }
        } else if let (Some(c), Some(now)) = (keyed, now) {
            // Successes matter only for keys that failed (to clear or to mark recovery), and,
            // near the start of a file, for hits left pending at the end of the previous file.
            // Tracking every successful request would cost memory per (client, URI) seen.
            let file_start = self.first_time.unwrap_or(now);
            let live_key = (ri, view.key_hash(&c.key_ids));
            let live = match self.live.entry(live_key) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    if now - file_start > window {
                        return;
                    }
                    if let Some(flag) = self.has_live.get_mut(ri) {
                        *flag = true;
                    }
                    e.insert(KeyLive {
                        key: view.key(&c.key_ids),
                        ..KeyLive::default()
                    })
                }
            };
            live.last_success = Some(live.last_success.map_or(now, |l| l.max(now)));
            live.first_success = Some(live.first_success.map_or(now, |f| f.min(now)));
            let stats = self.stats.entry(ri).or_insert_with(|| RuleStats {
                window_ms: window,
                ..RuleStats::default()
            });
            while let Some(h) = live.pending.pop_front() {
                let t = h.time.map_or(now, |t| t.epoch_millis());
                if t <= now && now - t <= window {
                    stats.cleared += 1;
                } else {
                    stats.add(h, Some(&live.key));
                }
            }
            if let Some(s) = stats.keys.get_mut(&live.key) {
                s.last_success = max_opt(s.last_success, Some(now));
            }
        }
    }
}

impl FileMatchState<'_> {
    /// Ends the file: hits still pending are handed to the merge, which may clear them with a
    /// clearing record at the start of another file.
    pub fn finish(mut self) -> FileMatches {
        for (ri, stats) in self.stats.iter_mut() {
            let Some(rule) = self.matcher.rules.get(*ri) else {
                continue;
            };
            for hit in stats.earliest.iter_mut().chain(stats.latest.iter_mut()) {
                if std::mem::take(&mut hit.spans_pending) {
                    hit.spans = text_spans(&rule.predicates, &hit.text);
                }
            }
        }
        let mut live: Vec<_> = self.live.drain().map(|((ri, _), state)| (ri, state)).collect();
        live.sort_by(|a, b| (a.0, &a.1.key).cmp(&(b.0, &b.1.key)));
        for (ri, state) in live {
            let key = state.key;
            let stats = self.stats.entry(ri).or_default();
            if let Some(t) = state.first_success {
                stats.first_success.push((key.clone(), t));
            }
            for hit in state.pending {
                stats.tail_pending.push((key.clone(), hit));
            }
        }
        FileMatches { stats: self.stats }
    }
}

/// The matches of one file.
#[derive(Debug, Default)]
pub struct FileMatches {
    pub stats: BTreeMap<usize, RuleStats>,
}

/// The matches of a whole bundle, per rule.
#[derive(Debug, Default)]
pub struct BundleMatches {
    pub stats: BTreeMap<usize, RuleStats>,
}

impl BundleMatches {
    /// Merges per-file matches in file order and settles hits left pending at file ends.
    pub fn merge(files: Vec<FileMatches>) -> BundleMatches {
        let mut stats: BTreeMap<usize, RuleStats> = BTreeMap::new();
        for f in files {
            for (ri, s) in f.stats {
                stats.entry(ri).or_default().merge(s);
            }
        }
        for s in stats.values_mut() {
            s.settle();
        }
        BundleMatches { stats }
    }

    pub fn get(&self, rule: usize) -> Option<&RuleStats> {
        self.stats.get(&rule).filter(|s| s.count > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::{Hit, RuleStats, regex_prefix, share_a_file};
    use crate::records::Position;

    fn stats_with_hits_in(files: &[u32]) -> RuleStats {
        let mut s = RuleStats::default();
        for (n, f) in files.iter().enumerate() {
            let hit = Hit {
                file: *f,
                position: Position::Line(n as u64 + 1),
                time: None,
                text: format!("hit {n}"),
                spans: Vec::new(),
                group: 0,
                distinct: None,
                captured: None,
                spans_pending: false,
            };
            s.add(hit, None);
        }
        s
    }

    #[test]
    fn evidence_shares_a_file_only_when_one_file_holds_a_hit_of_each() {
        let url_in_client_a = stats_with_hits_in(&[3]);
        let failures_in_a_and_b = stats_with_hits_in(&[4, 3, 4]);
        let failures_in_b = stats_with_hits_in(&[4]);
        assert!(share_a_file(&[&url_in_client_a, &failures_in_a_and_b]));
        assert!(!share_a_file(&[&url_in_client_a, &failures_in_b]));
        assert!(!share_a_file(&[]), "no evidence shares nothing");
        // Merging per-file matches keeps the files of both sides.
        let mut merged = stats_with_hits_in(&[9]);
        merged.merge(failures_in_b);
        assert!(share_a_file(&[&merged, &stats_with_hits_in(&[4])]));
        assert!(share_a_file(&[&merged, &stats_with_hits_in(&[9])]));
        assert!(!share_a_file(&[&merged, &url_in_client_a]));
    }

    #[test]
    fn a_capture_takes_the_first_match_where_its_group_takes_part() {
        let server = super::Capture {
            field: "text".into(),
            regex: regex::Regex::new(r#"(?i)\bxmlns(?::\w+)?="[^"]*"|https?://([^/:\s"<]+)"#).ok(),
            lowercase: true,
        };
        let event = crate::records::Record::line(
            1,
            r#"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><Data Name="serverUrl">http://WSUS01.contoso.local:8530</Data></Event>"#,
        );
        assert_eq!(super::capture(&server, &event).as_deref(), Some("wsus01.contoso.local"));
        let only_namespace = crate::records::Record::line(1, r#"<Event xmlns="http://schemas.microsoft.com/x"/>"#);
        assert_eq!(super::capture(&server, &only_namespace), None);
        // Without a group the whole match is captured.
        let whole = super::Capture {
            field: "text".into(),
            regex: regex::Regex::new(r"(?i)\bKB815495\b").ok(),
            lowercase: false,
        };
        let line = crate::records::Record::line(3, "Installing KB815495 failed");
        assert_eq!(super::capture(&whole, &line).as_deref(), Some("KB815495"));
    }

    #[test]
    fn eight_bytes_lower_case_like_to_ascii_lowercase() {
        for text in [
            *b"ABCZ@[`{",
            *b"az09-/._",
            *b"\xC3\x89Aa\x80\xFFZz",
            *b"/CONTENT",
            *b"GET /Wsu",
        ] {
            let mut lowered = text;
            lowered.make_ascii_lowercase();
            assert_eq!(
                super::ascii_lower8(u64::from_le_bytes(text)).to_le_bytes(),
                lowered,
                "{:?}",
                String::from_utf8_lossy(&text)
            );
        }
        for b in 0..=255u8 {
            let word = u64::from_le_bytes([b; 8]);
            assert_eq!(
                super::ascii_lower8(word).to_le_bytes(),
                [b.to_ascii_lowercase(); 8],
                "byte {b:#x}"
            );
        }
    }

    #[test]
    fn regex_prefixes_are_only_what_every_match_starts_with() {
        assert_eq!(
            regex_prefix(r"(?i)^/Content/[0-9A-F]{2}/[0-9A-F]{40}\.\w+$").as_deref(),
            Some("/content/")
        );
        assert_eq!(
            regex_prefix(r"^/ClientWebService/client\.asmx$").as_deref(),
            Some("/clientwebservice/client.asmx")
        );
        assert_eq!(
            regex_prefix(r"^/selfupdate/(wuident|iuident)\.cab").as_deref(),
            Some("/selfupdate/")
        );
        assert_eq!(regex_prefix(r"^(/Content|/SelfUpdate)/"), None, "top-level alternation");
        assert_eq!(regex_prefix(r"^/a|/b"), None);
        assert_eq!(
            regex_prefix(r"^abcd?e").as_deref(),
            Some("abc"),
            "an optional character ends the literal"
        );
        assert_eq!(
            regex_prefix(r"^abc+d").as_deref(),
            Some("abc"),
            "a repeated character is kept, then it ends"
        );
        assert_eq!(regex_prefix(r"^\d+"), None);
        assert_eq!(regex_prefix(r"^ab"), None, "too short to filter");
    }
}
