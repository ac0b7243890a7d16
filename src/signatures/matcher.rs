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
    predicates: Vec<(String, Predicate)>,
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
}

#[derive(Debug)]
struct Correlate {
    key: Vec<String>,
    cleared_by: Vec<(String, Predicate)>,
    window_ms: i64,
    distinct: Option<String>,
}

/// All rules of a catalog, indexed by file kind.
#[derive(Debug, Default)]
pub struct Matcher {
    pub rules: Vec<Rule>,
    by_kind: HashMap<FileKind, KindRules>,
}

impl Matcher {
    /// Compiles the catalog. Predicates were validated when the catalog was loaded.
    pub fn new(catalog: &Catalog) -> Matcher {
        let mut rules = Vec::new();
        for (si, sig) in catalog.signatures.iter().enumerate() {
            if !sig.detectable {
                continue;
            }
            for (ei, ev) in sig.evidence.iter().enumerate() {
                let compile = |m: &BTreeMap<String, super::predicate::PredicateDef>| {
                    m.iter()
                        .filter_map(|(f, p)| p.compile().ok().map(|p| (f.clone(), p)))
                        .collect::<Vec<_>>()
                };
                let mut predicates = compile(&ev.predicates);
                predicates.sort_by_key(|(_, p)| cost(p));
                let mut literals: Vec<String> = ev.literal.iter().map(|l| l.to_ascii_lowercase()).collect();
                if literals.is_empty() {
                    // A `contains` on the record text itself must find its needle there, so it is a
                    // literal too. Not so on other fields: some are derived (an event's `message` is
                    // rendered from a template and does not stand in the XML).
                    literals.extend(predicates.iter().find_map(|(f, p)| match p {
                        Predicate::Contains(n) if !n.is_empty() && f == "text" => Some(n.clone()),
                        _ => None,
                    }));
                }
                rules.push(Rule {
                    signature: si,
                    evidence: ei,
                    kinds: ev.kinds.clone(),
                    predicates,
                    correlate: ev.correlate.as_ref().map(|c: &CorrelateDef| Correlate {
                        key: c.key.clone(),
                        cleared_by: compile(&c.cleared_by),
                        window_ms: c.within_seconds.saturating_mul(1000),
                        distinct: c.distinct.clone(),
                    }),
                    capture: ev.capture.as_ref().map(|c| Capture {
                        field: c.field.clone(),
                        regex: c.regex.as_deref().and_then(|r| regex::Regex::new(r).ok()),
                        lowercase: c.lowercase,
                    }),
                    literals,
                });
            }
        }
        let mut by_kind: HashMap<FileKind, KindRules> = HashMap::new();
        for (i, r) in rules.iter().enumerate() {
            for k in &r.kinds {
                let entry = by_kind.entry(*k).or_default();
                entry.rules.push(i);
                // A rule that clears hits must see every record (the clearing ones have no literal).
                let clears = r.correlate.as_ref().is_some_and(|c| !c.cleared_by.is_empty());
                if r.literals.is_empty() || clears {
                    entry.unfiltered.push(i);
                } else {
                    for l in &r.literals {
                        entry.owners.push(i);
                        entry.patterns.push(l.clone());
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
        Matcher { rules, by_kind }
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
            live: HashMap::new(),
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
    /// Hits still waiting for a clearing record at the end of a file (resolved at merge).
    tail_pending: Vec<(Key, Hit)>,
    /// First clearing record of each key in each file (for cross-file clearing).
    first_success: Vec<(Key, i64)>,
    window_ms: i64,
}

impl RuleStats {
    fn add(&mut self, hit: Hit, key: Option<&Key>) {
        self.count += 1;
        if let Some(d) = &hit.distinct
            && self.distinct.len() < MAX_DISTINCT
        {
            self.distinct.insert(d.clone());
        }
        if let Some(v) = &hit.captured
            && (self.values.len() < MAX_DISTINCT || self.values.contains_key(v))
        {
            let with = self.values.entry(v.clone()).or_default();
            if let Some(d) = &hit.distinct
                && with.len() < MAX_DISTINCT
            {
                with.insert(d.clone());
            }
        }
        if let Some(t) = hit.time {
            self.first_time = Some(self.first_time.map_or(t, |f| f.min(t)));
            self.last_time = Some(self.last_time.map_or(t, |l| l.max(t)));
            if let Some(k) = key {
                let s = self.keys.entry(k.clone()).or_default();
                s.last_failure = Some(s.last_failure.map_or(t.epoch_millis(), |l| l.max(t.epoch_millis())));
            }
        }
        keep(&mut self.earliest, hit.clone(), false);
        keep(&mut self.latest, hit, true);
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
    pending: VecDeque<Hit>,
    last_success: Option<i64>,
    first_success: Option<i64>,
}

/// Matching state of one file.
pub struct FileMatchState<'m> {
    matcher: &'m Matcher,
    file: u32,
    kind_rules: Option<&'m KindRules>,
    /// Scratch list of the rules to test on the current record.
    candidates: Vec<usize>,
    live: HashMap<(usize, Key), KeyLive>,
    stats: BTreeMap<usize, RuleStats>,
    /// Time of the first timestamped record of the file.
    first_time: Option<i64>,
}

/// The value of a field of a record; `text` is the whole record text.
fn value<'r>(record: &'r Record<'_>, field: &str) -> Option<Cow<'r, str>> {
    if field == "text" {
        if record.continuation.is_empty() {
            Some(Cow::Borrowed(record.text.as_ref()))
        } else {
            let mut all = record.text.to_string();
            for l in &record.continuation {
                all.push('\n');
                all.push_str(l);
            }
            Some(Cow::Owned(all))
        }
    } else {
        record.field(field).map(Cow::Borrowed)
    }
}

fn all_hold(preds: &[(String, Predicate)], record: &Record<'_>) -> bool {
    preds.iter().all(|(f, p)| p.test(value(record, f).as_deref()))
}

/// The line to cite: the first line of the record on which the `text` predicates hold, else the
/// record's first line; with the spans that matched on it.
fn cited(record: &Record<'_>, preds: &[(String, Predicate)]) -> (Position, String, Vec<(usize, usize, String)>) {
    let text_preds: Vec<&Predicate> = preds
        .iter()
        .filter(|(f, p)| f == "text" && !matches!(p, Predicate::NotRegex(_)))
        .map(|(_, p)| p)
        .collect();
    if !text_preds.is_empty() {
        for (line, text) in record.lines() {
            if text_preds.iter().any(|p| p.test(Some(text))) {
                let position = line.map(Position::Line).unwrap_or_else(|| record.position.clone());
                let spans = text_preds
                    .iter()
                    .flat_map(|p| p.spans(text))
                    .map(|(a, b)| (a, b, "matched".to_string()))
                    .collect();
                return (position, text.to_string(), spans);
            }
        }
    }
    // Field values borrowed from the line: their offsets in it are known exactly.
    let base = record.text.as_ptr() as usize;
    let end = base + record.text.len();
    let mut spans = Vec::new();
    for (field, p) in preds {
        if field == "text" || matches!(p, Predicate::NotRegex(_) | Predicate::Present(false)) {
            continue;
        }
        if let Some(v) = record.field(field) {
            let at = v.as_ptr() as usize;
            if at >= base && at + v.len() <= end && !v.is_empty() {
                spans.push((at - base, v.len(), field.clone()));
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
        // The prefilter: rules with literals are tested only when one of them is in the text.
        self.candidates.clear();
        self.candidates.extend_from_slice(&kr.unfiltered);
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
            self.test_rule(ri, record);
        }
        self.candidates = candidates;
    }
}

/// The value an evidence captures from a record.
fn capture(c: &Capture, record: &Record<'_>) -> Option<String> {
    let v = value(record, &c.field)?;
    let v = match &c.regex {
        Some(re) => {
            let caps = re.captures(&v)?;
            caps.get(1).or_else(|| caps.get(0))?.as_str().to_string()
        }
        None => v.into_owned(),
    };
    Some(if c.lowercase { v.to_lowercase() } else { v })
}

fn key_hash(key: &Key) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut h);
    h.finish() | 1
}

impl FileMatchState<'_> {
    fn test_rule(&mut self, ri: usize, record: &Record<'_>) {
        let rule = &self.matcher.rules[ri];
        let failed = all_hold(&rule.predicates, record);
        let corr = rule.correlate.as_ref();
        let clears = corr.is_some_and(|c| !c.cleared_by.is_empty() && all_hold(&c.cleared_by, record));
        if !failed && !clears {
            return;
        }
        let stats = self.stats.entry(ri).or_insert_with(|| RuleStats {
            window_ms: corr.map_or(0, |c| c.window_ms),
            ..RuleStats::default()
        });
        let key: Option<Key> = corr.filter(|c| !c.key.is_empty()).map(|c| {
            c.key
                .iter()
                .map(|k| record.field(k).unwrap_or("").to_ascii_lowercase())
                .collect()
        });
        let now = record.time.map(|t| t.epoch_millis());
        let window = corr.map_or(0, |c| c.window_ms);

        if failed {
            let (position, text, spans) = cited(record, &rule.predicates);
            let hit = Hit {
                file: self.file,
                position,
                time: record.time,
                text,
                spans,
                group: key.as_ref().map_or(0, key_hash),
                distinct: corr
                    .and_then(|c| c.distinct.as_deref())
                    .and_then(|d| record.field(d))
                    .map(str::to_string),
                captured: rule.capture.as_ref().and_then(|c| capture(c, record)),
            };
            let waits = corr.is_some_and(|c| !c.cleared_by.is_empty());
            match (key, now) {
                (Some(key), Some(now)) if waits => {
                    let live = self.live.entry((ri, key.clone())).or_default();
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
                (key, _) => stats.add(hit, key.as_ref()),
            }
        } else if let (Some(key), Some(now)) = (key, now) {
            // Successes matter only for keys that failed (to clear or to mark recovery), and,
            // near the start of a file, for hits left pending at the end of the previous file.
            // Tracking every successful request would cost memory per (client, URI) seen.
            let file_start = self.first_time.unwrap_or(now);
            let live_key = (ri, key);
            if !self.live.contains_key(&live_key) && now - file_start > window {
                return;
            }
            let live = self.live.entry(live_key.clone()).or_default();
            live.last_success = Some(live.last_success.map_or(now, |l| l.max(now)));
            live.first_success = Some(live.first_success.map_or(now, |f| f.min(now)));
            let key = live_key.1;
            while let Some(h) = live.pending.pop_front() {
                let t = h.time.map_or(now, |t| t.epoch_millis());
                if t <= now && now - t <= window {
                    stats.cleared += 1;
                } else {
                    stats.add(h, Some(&key));
                }
            }
            if let Some(s) = stats.keys.get_mut(&key) {
                s.last_success = max_opt(s.last_success, Some(now));
            }
        }
    }
}

impl FileMatchState<'_> {
    /// Ends the file: hits still pending are handed to the merge, which may clear them with a
    /// clearing record at the start of another file.
    pub fn finish(mut self) -> FileMatches {
        let mut live: Vec<_> = self.live.drain().collect();
        live.sort_by(|a, b| a.0.cmp(&b.0));
        for ((ri, key), state) in live {
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
