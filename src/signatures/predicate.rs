//! Field predicates of the rule language.
//!
//! In a signature file a predicate is written as the value of a field name:
//! `sc-status = "401"` (equal, ASCII case-insensitive), `sc-status = { any = ["200", "206"] }`,
//! `cs-uri-stem = { regex = '(?i)^/Content/' }`, `"cs(User-Agent)" = { not_regex = '^Mozilla/5' }`,
//! `text = { contains = "WebException" }`, `text = { code = "0x80244017" }` (an error code in any
//! spelling, compared as a 32-bit value), `x = { present = true }`, `n = { at_least = 3 }`.

use crate::codes;
use regex::Regex;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum PredicateDef {
    Equals(String),
    Table(PredicateTable),
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PredicateTable {
    #[serde(default)]
    pub any: Option<Vec<String>>,
    #[serde(default)]
    pub regex: Option<String>,
    #[serde(default)]
    pub not_regex: Option<String>,
    #[serde(default)]
    pub contains: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub codes: Option<Vec<String>>,
    #[serde(default)]
    pub present: Option<bool>,
    #[serde(default)]
    pub at_least: Option<f64>,
    #[serde(default)]
    pub at_most: Option<f64>,
}

/// A predicate ready to test values.
#[derive(Debug, Clone)]
pub enum Predicate {
    Equals(String),
    Any(Vec<String>),
    Regex(Regex),
    NotRegex(Regex),
    /// Case-insensitive substring (ASCII).
    Contains(String),
    Codes(Vec<u32>),
    Present(bool),
    Range {
        at_least: Option<f64>,
        at_most: Option<f64>,
    },
    All(Vec<Predicate>),
}

/// A regex compiled once per process: the catalog is validated, then compiled into the matcher,
/// and many signatures share patterns (the WSUS web-service URIs), so each pattern is compiled
/// once and cloned (a `Regex` clone shares its compiled program).
fn compiled(pattern: &str) -> Result<Regex, String> {
    static CACHE: std::sync::OnceLock<std::sync::Mutex<std::collections::HashMap<String, Regex>>> =
        std::sync::OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(re) = cache.lock().ok().and_then(|c| c.get(pattern).cloned()) {
        return Ok(re);
    }
    let re = Regex::new(pattern).map_err(|e| e.to_string())?;
    if let Ok(mut c) = cache.lock() {
        c.insert(pattern.to_string(), re.clone());
    }
    Ok(re)
}

impl PredicateDef {
    /// The predicate as it is written in a signature file, on one line: `"401"`,
    /// `{ any = ["200", "206"] }`, `{ codes = ["0x80244017"], not_regex = '...' }`.
    pub fn to_rule_text(&self) -> String {
        inline_toml(self)
    }
}

/// A field name as a TOML key: bare when it can be (`sc-status`), quoted otherwise
/// (`"cs(User-Agent)"`).
pub fn rule_key(name: &str) -> String {
    let bare = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if bare { name.to_string() } else { inline_toml(name) }
}

/// Any rule-language value as one line of TOML (a string, an array or an inline table). A value
/// TOML cannot hold says so in the text instead of vanishing.
pub fn inline_toml<T: Serialize + ?Sized>(value: &T) -> String {
    let mut out = String::new();
    match value.serialize(toml::ser::ValueSerializer::new(&mut out)) {
        Ok(_) => out,
        Err(e) => format!("<cannot be written as TOML: {e}>"),
    }
}

impl PredicateDef {
    pub fn compile(&self) -> Result<Predicate, String> {
        let t = match self {
            PredicateDef::Equals(v) => return Ok(Predicate::Equals(v.clone())),
            PredicateDef::Table(t) => t,
        };
        let mut parts = Vec::new();
        if let Some(any) = &t.any {
            parts.push(Predicate::Any(any.clone()));
        }
        if let Some(r) = &t.regex {
            parts.push(Predicate::Regex(compiled(r)?));
        }
        if let Some(r) = &t.not_regex {
            parts.push(Predicate::NotRegex(compiled(r)?));
        }
        if let Some(c) = &t.contains {
            parts.push(Predicate::Contains(c.to_ascii_lowercase()));
        }
        let mut code_list = Vec::new();
        for c in t.code.iter().chain(t.codes.iter().flatten()) {
            code_list.push(codes::parse_code(c).ok_or_else(|| format!("{c:?} is not an error code"))?);
        }
        if !code_list.is_empty() {
            parts.push(Predicate::Codes(code_list));
        }
        if let Some(p) = t.present {
            parts.push(Predicate::Present(p));
        }
        if t.at_least.is_some() || t.at_most.is_some() {
            parts.push(Predicate::Range {
                at_least: t.at_least,
                at_most: t.at_most,
            });
        }
        match parts.len() {
            0 => Err("empty predicate".into()),
            1 => Ok(parts.remove(0)),
            _ => Ok(Predicate::All(parts)),
        }
    }
}

impl Predicate {
    /// Tests a field value (`None` when the record has no such field).
    pub fn test(&self, value: Option<&str>) -> bool {
        match self {
            Predicate::Present(want) => value.is_some_and(|v| !v.is_empty() && v != "-") == *want,
            Predicate::NotRegex(re) => value.is_none_or(|v| !re.is_match(v)),
            Predicate::All(ps) => ps.iter().all(|p| p.test(value)),
            _ => match value {
                None => false,
                Some(v) => match self {
                    Predicate::Equals(want) => v.eq_ignore_ascii_case(want),
                    Predicate::Any(list) => list.iter().any(|w| v.eq_ignore_ascii_case(w)),
                    Predicate::Regex(re) => re.is_match(v),
                    Predicate::Contains(needle) => contains_ignore_ascii_case(v, needle),
                    Predicate::Codes(list) => {
                        codes::parse_code(v)
                            .is_some_and(|c| list.contains(&c) || list.contains(&codes::win32_to_hresult(c)))
                            || codes::find_codes(v).iter().any(|(_, c)| list.contains(c))
                    }
                    Predicate::Range { at_least, at_most } => v
                        .trim()
                        .parse::<f64>()
                        .is_ok_and(|n| at_least.is_none_or(|l| n >= l) && at_most.is_none_or(|m| n <= m)),
                    Predicate::Present(_) | Predicate::NotRegex(_) | Predicate::All(_) => false,
                },
            },
        }
    }
}

impl Predicate {
    /// Byte ranges of `text` where this predicate found what it looks for (for highlighting).
    pub fn spans(&self, text: &str) -> Vec<(usize, usize)> {
        match self {
            Predicate::Regex(re) => re.find(text).map(|m| vec![(m.start(), m.len())]).unwrap_or_default(),
            Predicate::Contains(n) => text
                .to_ascii_lowercase()
                .find(n.as_str())
                .map(|i| vec![(i, n.len())])
                .unwrap_or_default(),
            Predicate::Codes(list) => codes::find_codes(text)
                .into_iter()
                .filter(|(_, c)| list.contains(c))
                .map(|(r, _)| (r.start, r.len()))
                .collect(),
            Predicate::All(ps) => ps.iter().flat_map(|p| p.spans(text)).collect(),
            _ => Vec::new(),
        }
    }
}

fn contains_ignore_ascii_case(haystack: &str, lower_needle: &str) -> bool {
    if lower_needle.is_empty() {
        return true;
    }
    let h = haystack.as_bytes();
    let n = lower_needle.as_bytes();
    h.windows(n.len())
        .any(|w| w.iter().zip(n).all(|(a, b)| a.to_ascii_lowercase() == *b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Must, TestResult};

    fn p(toml_value: &str) -> Result<Predicate, String> {
        #[derive(Deserialize)]
        struct W {
            v: PredicateDef,
        }
        let w: W = toml::from_str(&format!("v = {toml_value}")).must()?;
        w.v.compile()
    }

    #[test]
    fn equality_and_lists() -> TestResult {
        assert!(p("\"401\"")?.test(Some("401")));
        assert!(!p("\"401\"")?.test(Some("4011")));
        assert!(!p("\"401\"")?.test(None));
        assert!(p("{ any = [\"200\", \"206\"] }")?.test(Some("206")));
        Ok(())
    }

    #[test]
    fn regexes_and_absent_fields() -> TestResult {
        assert!(p("{ regex = '(?i)^/content/' }")?.test(Some("/Content/3C/x.cab")));
        assert!(p("{ not_regex = '^Mozilla/5' }")?.test(None));
        assert!(!p("{ not_regex = '^Mozilla/5' }")?.test(Some("Mozilla/5.0+(Windows)")));
        Ok(())
    }

    #[test]
    fn codes_compare_as_values() -> TestResult {
        let c = p("{ code = \"0x80244017\" }")?;
        assert!(c.test(Some("*FAILED* [80244017] SyncUpdates")));
        assert!(c.test(Some("error = 0X80244017, soap client error = 10")));
        assert!(!c.test(Some("*FAILED* [80244018]")));
        let w = p("{ code = \"0x80072EE2\" }")?;
        assert!(w.test(Some("12002")), "a Win32 number matches its HRESULT");
        Ok(())
    }

    /// `signatures show` printed equality predicates blank: a bare string is not a TOML document.
    #[test]
    fn every_predicate_kind_is_rendered_as_rule_text_that_reads_back() -> TestResult {
        for (written, rendered) in [
            ("\"401\"", "\"401\""),
            ("{ any = [\"200\", \"206\"] }", "{ any = [\"200\", \"206\"] }"),
            ("{ regex = '(?i)^/Content/\\d' }", "{ regex = '(?i)^/Content/\\d' }"),
            ("{ not_regex = '^Mozilla/5' }", "{ not_regex = \"^Mozilla/5\" }"),
            ("{ contains = \"WebException\" }", "{ contains = \"WebException\" }"),
            ("{ code = \"0x80244017\" }", "{ code = \"0x80244017\" }"),
            (
                "{ codes = [\"0x80244017\", \"0x80244018\"], not_regex = 'x' }",
                "{ not_regex = \"x\", codes = [\"0x80244017\", \"0x80244018\"] }",
            ),
            ("{ present = true }", "{ present = true }"),
            ("{ at_least = 3, at_most = 10.5 }", "{ at_least = 3.0, at_most = 10.5 }"),
        ] {
            #[derive(Deserialize)]
            struct W {
                v: PredicateDef,
            }
            let def = toml::from_str::<W>(&format!("v = {written}")).must()?.v;
            let text = def.to_rule_text();
            assert_eq!(text, rendered, "{written}");
            let back = toml::from_str::<W>(&format!("v = {text}")).must()?.v;
            assert_eq!(back.to_rule_text(), text, "{written} reads back as written");
        }
        assert_eq!(rule_key("sc-status"), "sc-status");
        assert_eq!(rule_key("cs(User-Agent)"), "\"cs(User-Agent)\"");
        Ok(())
    }

    #[test]
    fn contains_is_case_insensitive_and_ranges_are_numeric() -> TestResult {
        assert!(p("{ contains = \"webexception\" }")?.test(Some("System.Net.WebException: x")));
        assert!(p("{ at_least = 1000 }")?.test(Some("30000")));
        assert!(!p("{ at_least = 1000 }")?.test(Some("-")));
        Ok(())
    }
}
