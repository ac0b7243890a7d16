//! IIS 7+ configuration levels and sections, shared by applicationHost.config and web.config.
//!
//! Both files hold the same sections (`system.webServer/security/…`, `staticContent`, `system.web`,
//! `appSettings`) either at the file's own level or inside `<location path="Site/vdir">` blocks.
//! [`ConfigLevels`] indexes every element under those levels by its section path; the effective
//! value of an attribute for a URL is the merge from the file's level down the location paths that
//! are prefixes of it, the most specific (then the last written) winning, and collections
//! (`<add>`/`<remove>`/`<clear>`) merge the same way. The functions here turn that into the
//! per-URL facts (`vdir-auth`, `ssl-flags`, `ip-restriction`) and the per-element facts
//! (`mime-map`, `ip-rule`, `compression-scheme`, `impersonation`, `integrated-mode-validation`,
//! `app-setting`) named in [`super::config_facts`].

use super::Problems;
use super::config_facts::{Basis, ConfigFact, Fact, bool_value, ipv4, parse_ssl_flags, set_ssl_fields};
use super::config_xml::{Attr, ConfigDoc, ElementId};
use crate::records::Problem;
use std::collections::{BTreeMap, HashMap};

/// Which file the levels come from: it decides the labels and whether schema defaults apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileLevel {
    /// applicationHost.config: the file level is the server; unset values take the schema default.
    ApplicationHost,
    /// A web.config: unset values come from the levels above it, which this file does not show.
    WebConfig,
}

/// A level of configuration: the file's own level or one `<location>` block.
#[derive(Debug, Clone)]
pub struct Scope {
    /// The location path, trimmed of slashes (`""` for the file's own level).
    pub path: String,
    /// The path lower-cased, for prefix matching.
    key: String,
    /// How a reader finds it: `server level`, `location WSUS Administration/Content`, `web.config`.
    pub label: String,
    /// Line of the `<location>` element (of `<configuration>` for the file's own level).
    pub line: u64,
}

/// A section element and the level it stands at.
#[derive(Debug, Clone, Copy)]
struct Entry {
    scope: usize,
    element: ElementId,
}

/// Every section element of the file, indexed by section path.
pub struct ConfigLevels {
    pub level: FileLevel,
    pub scopes: Vec<Scope>,
    /// Lower-cased section path (`system.webserver/security/access`) → elements in document order.
    sections: HashMap<String, Vec<Entry>>,
    /// (section path, level path lower-cased) → elements in document order, for lookups by URL.
    by_level: HashMap<(String, String), Vec<Entry>>,
}

/// An effective attribute: where it was found.
#[derive(Debug, Clone, Copy)]
pub struct Found<'d> {
    pub attr: &'d Attr,
    pub element: ElementId,
    pub scope: usize,
}

/// Normalizes a location path: trimmed, without leading/trailing slashes, `.` = the file's level.
pub fn normalize_path(path: &str) -> String {
    let p = path.trim().trim_matches('/');
    if p == "." { String::new() } else { p.to_string() }
}

impl ConfigLevels {
    /// Indexes the sections under `<configuration>` and its `<location>` blocks.
    pub fn build(doc: &ConfigDoc, level: FileLevel) -> ConfigLevels {
        let own_label = match level {
            FileLevel::ApplicationHost => "server level",
            FileLevel::WebConfig => "web.config",
        };
        let mut levels = ConfigLevels {
            level,
            scopes: vec![Scope {
                path: String::new(),
                key: String::new(),
                label: own_label.to_string(),
                line: 1,
            }],
            sections: HashMap::new(),
            by_level: HashMap::new(),
        };
        let Some((root, root_element)) = doc.root() else {
            return levels;
        };
        if let Some(own) = levels.scopes.first_mut() {
            own.line = root_element.line;
        }
        for (child, element) in doc.children(root) {
            if element.is("location") {
                let path = normalize_path(element.value("path").unwrap_or(""));
                let label = match (level, path.is_empty()) {
                    (_, true) => own_label.to_string(),
                    (FileLevel::ApplicationHost, false) => format!("location {path}"),
                    (FileLevel::WebConfig, false) => format!("web.config location {path}"),
                };
                let scope = levels.scopes.len();
                levels.scopes.push(Scope {
                    key: path.to_ascii_lowercase(),
                    path,
                    label,
                    line: element.line,
                });
                for (grandchild, _) in doc.children(child) {
                    levels.index(doc, grandchild, scope, String::new(), false);
                }
            } else {
                levels.index(doc, child, 0, String::new(), false);
            }
        }
        levels
    }

    /// Indexes `id` and its descendants. The children of an element left unclosed are indexed
    /// also as its siblings (once per branch, so hostile nesting cannot multiply the work).
    fn index(&mut self, doc: &ConfigDoc, id: ElementId, scope: usize, parent_path: String, aliased: bool) {
        let Some(element) = doc.element(id) else { return };
        let mut path = parent_path.clone();
        if !path.is_empty() {
            path.push('/');
        }
        path.push_str(&element.name.to_ascii_lowercase());
        let entry = Entry { scope, element: id };
        self.sections.entry(path.clone()).or_default().push(entry);
        if let Some(level) = self.scopes.get(scope) {
            self.by_level
                .entry((path.clone(), level.key.clone()))
                .or_default()
                .push(entry);
        }
        for &child in &element.children {
            self.index(doc, child, scope, path.clone(), aliased);
            if !element.closed && !aliased {
                self.index(doc, child, scope, parent_path.clone(), true);
            }
        }
    }

    /// The scope labels and paths, for describing where an element stands.
    pub fn scope(&self, index: usize) -> Option<&Scope> {
        self.scopes.get(index)
    }

    /// Every distinct non-empty location path, in document order (first spelling kept).
    pub fn location_paths(&self) -> Vec<&str> {
        let mut seen = Vec::<&str>::new();
        for scope in &self.scopes {
            if !scope.key.is_empty() && !seen.iter().any(|s| s.eq_ignore_ascii_case(&scope.path)) {
                seen.push(&scope.path);
            }
        }
        seen
    }

    /// Whether `section` is written in a level whose path is exactly `path`.
    pub fn has_section_at(&self, section: &str, path: &str) -> bool {
        let key = normalize_path(path).to_ascii_lowercase();
        self.sections.get(section).is_some_and(|entries| {
            entries
                .iter()
                .any(|e| self.scopes.get(e.scope).is_some_and(|s| s.key == key))
        })
    }

    /// Section entries that apply to `target`, from the least to the most specific level, each
    /// level's entries in document order.
    fn applicable(&self, section: &str, target: &str) -> Vec<Entry> {
        let target = normalize_path(target).to_ascii_lowercase();
        // The levels that apply are the target's path prefixes, least specific first.
        let mut prefixes = vec![String::new()];
        let mut prefix = String::new();
        for segment in target.split('/').filter(|s| !s.is_empty()) {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(segment);
            prefixes.push(prefix.clone());
        }
        prefixes
            .into_iter()
            .flat_map(|key| {
                self.by_level
                    .get(&(section.to_string(), key))
                    .map(Vec::as_slice)
                    .unwrap_or(&[])
                    .iter()
                    .copied()
            })
            .collect()
    }

    /// The effective value of `attr` of `section` for `target`: the last one along the levels.
    pub fn effective<'d>(&self, doc: &'d ConfigDoc, target: &str, section: &str, attr: &str) -> Option<Found<'d>> {
        self.applicable(section, target)
            .into_iter()
            .rev()
            .filter_map(|e| {
                let a = doc.element(e.element)?.attr(attr)?;
                Some(Found {
                    attr: a,
                    element: e.element,
                    scope: e.scope,
                })
            })
            .next()
    }

    /// The effective `<add>` elements of the collection `section` for `target`, after `<remove>`
    /// (matched on `keys`) and `<clear/>`.
    pub fn collection(&self, doc: &ConfigDoc, target: &str, section: &str, keys: &[&str]) -> Vec<(ElementId, usize)> {
        let key_of = |id: ElementId| -> Vec<String> {
            let element = doc.element(id);
            keys.iter()
                .map(|k| {
                    element
                        .and_then(|e| e.value(k))
                        .unwrap_or("")
                        .trim()
                        .to_ascii_lowercase()
                })
                .collect()
        };
        let mut items: Vec<(ElementId, usize)> = Vec::new();
        for entry in self.applicable(section, target) {
            for (child, element) in doc.children(entry.element) {
                if element.is("add") {
                    items.push((child, entry.scope));
                } else if element.is("remove") {
                    let removed = key_of(child);
                    items.retain(|(id, _)| key_of(*id) != removed);
                } else if element.is("clear") {
                    items.clear();
                }
            }
        }
        items
    }

    /// Basis of a value found at `scope` for a fact about `target`.
    fn basis(&self, scope: usize, target: &str) -> Basis {
        match self.scopes.get(scope) {
            Some(s) if s.key == target.to_ascii_lowercase() => Basis::Explicit,
            _ => Basis::Inherited,
        }
    }

    fn label(&self, scope: usize) -> &str {
        self.scopes.get(scope).map(|s| s.label.as_str()).unwrap_or("")
    }
}

/// A URL the per-URL facts are about.
pub struct Target {
    /// Configuration path (`WSUS Administration/Content`; `""` = the file's own level).
    pub path: String,
    /// Target fields (`site`, `site-id`, `wsus-site`, `vdir`, `wsus-vdir`, `vdir-type`).
    pub fields: Vec<(&'static str, String)>,
    /// The element to cite when the value is a schema default (the vdir or site line).
    pub anchor_line: u64,
}

impl Target {
    fn fact(&self, fact: ConfigFact, line: u64) -> Fact {
        let mut f = Fact::new(fact, line);
        for (name, value) in &self.fields {
            f.set(name, value.clone());
        }
        f
    }
}

pub const ANONYMOUS: &str = "system.webserver/security/authentication/anonymousauthentication";
pub const WINDOWS: &str = "system.webserver/security/authentication/windowsauthentication";
pub const BASIC: &str = "system.webserver/security/authentication/basicauthentication";
pub const DIGEST: &str = "system.webserver/security/authentication/digestauthentication";
pub const ACCESS: &str = "system.webserver/security/access";
pub const IP_SECURITY: &str = "system.webserver/security/ipsecurity";

/// A boolean attribute, normalized; an unreadable one is reported and kept as written.
fn read_bool(found: &Found<'_>, problems: &mut Problems) -> String {
    let attr = found.attr;
    if attr.is_encrypted() {
        problems.push(
            "encrypted value",
            Problem::at_line(attr.line, format!("{} is encrypted: its value is unknown", attr.name)),
        );
        return "unknown".to_string();
    }
    match bool_value(&attr.value) {
        Some(v) => v.to_string(),
        None => {
            problems.push(
                "bad boolean",
                Problem::at_line(
                    attr.line,
                    format!("{}={:?} is not true or false", attr.name, attr.value),
                ),
            );
            attr.value.clone()
        }
    }
}

/// The `vdir-auth` fact of a target: anonymous / Windows / Basic / Digest as they take effect.
pub fn auth_fact(levels: &ConfigLevels, doc: &ConfigDoc, target: &Target, problems: &mut Problems) -> Option<Fact> {
    let schema = levels.level == FileLevel::ApplicationHost;
    let anonymous = levels.effective(doc, &target.path, ANONYMOUS, "enabled");
    let others = [
        ("windows", "windows-source", "windows-line", WINDOWS),
        ("basic", "basic-source", "basic-line", BASIC),
        ("digest", "digest-source", "digest-line", DIGEST),
    ]
    .map(|(field, source, line, section)| {
        (
            field,
            source,
            line,
            levels.effective(doc, &target.path, section, "enabled"),
        )
    });
    if !schema && anonymous.is_none() && others.iter().all(|o| o.3.is_none()) {
        return None;
    }
    let line = anonymous
        .map(|f| f.attr.line)
        .or_else(|| {
            if schema {
                None
            } else {
                others.iter().find_map(|o| o.3.map(|f| f.attr.line))
            }
        })
        .unwrap_or(target.anchor_line);
    let mut fact = target.fact(ConfigFact::VdirAuth, line);
    match anonymous {
        Some(found) => {
            let value = read_bool(&found, problems);
            fact.set("anonymous", value)
                .set("source", levels.label(found.scope))
                .set("basis", levels.basis(found.scope, &target.path).name());
        }
        None if schema => {
            fact.set("anonymous", "true")
                .set("source", "schema default")
                .set("basis", Basis::SchemaDefault.name());
        }
        None => {}
    }
    if let Some(user) = levels.effective(doc, &target.path, ANONYMOUS, "userName")
        && !user.attr.is_encrypted()
    {
        fact.set("anonymous-user", user.attr.value.clone());
    }
    for (field, source, line_field, found) in others {
        match found {
            Some(found) => {
                let value = read_bool(&found, problems);
                fact.set(field, value)
                    .set(source, levels.label(found.scope))
                    .set(line_field, found.attr.line.to_string());
            }
            None if schema => {
                fact.set(field, "false").set(source, "schema default");
            }
            None => {}
        }
    }
    Some(fact)
}

/// The `ssl-flags` fact of a target (`system.webServer/security/access@sslFlags`).
pub fn ssl_fact(levels: &ConfigLevels, doc: &ConfigDoc, target: &Target, problems: &mut Problems) -> Option<Fact> {
    let found = levels.effective(doc, &target.path, ACCESS, "sslFlags");
    let Some(found) = found else {
        if levels.level != FileLevel::ApplicationHost {
            return None;
        }
        let mut fact = target.fact(ConfigFact::SslFlags, target.anchor_line);
        set_ssl_fields(&mut fact, 0);
        fact.set("source", "schema default")
            .set("basis", Basis::SchemaDefault.name());
        return Some(fact);
    };
    let mut fact = target.fact(ConfigFact::SslFlags, found.attr.line);
    let bits = match parse_ssl_flags(&found.attr.value) {
        Ok(bits) => bits,
        Err(word) => {
            problems.push(
                "bad sslFlags",
                Problem::at_line(found.attr.line, format!("sslFlags word {word:?} is not an SSL flag")),
            );
            parse_ssl_flags(&found.attr.value.replace(word.as_str(), "")).unwrap_or(0)
        }
    };
    set_ssl_fields(&mut fact, bits);
    fact.set("value", found.attr.value.clone())
        .set("source", levels.label(found.scope))
        .set("basis", levels.basis(found.scope, &target.path).name());
    Some(fact)
}

/// Whether an `<add>` rule of `ipSecurity` covers an IPv4 address.
fn rule_covers(doc: &ConfigDoc, id: ElementId, address: u32) -> bool {
    let Some(element) = doc.element(id) else { return false };
    let Some(ip) = element.value("ipAddress").and_then(ipv4) else {
        return false;
    };
    let mask = element.value("subnetMask").and_then(ipv4).unwrap_or(u32::MAX);
    ip & mask == address & mask
}

fn rule_allows(doc: &ConfigDoc, id: ElementId) -> bool {
    doc.element(id).and_then(|e| e.value("allowed")).and_then(bool_value) == Some("true")
}

/// The `ip-restriction` fact of a target, when its effective `ipSecurity` restricts anything.
pub fn ip_fact(levels: &ConfigLevels, doc: &ConfigDoc, target: &Target, problems: &mut Problems) -> Option<Fact> {
    let allow_unlisted = levels.effective(doc, &target.path, IP_SECURITY, "allowUnlisted");
    let rules = levels.collection(
        doc,
        &target.path,
        IP_SECURITY,
        &["ipAddress", "subnetMask", "domainName"],
    );
    let allow_value = allow_unlisted.map(|f| read_bool(&f, problems));
    let unlisted_allowed = allow_value.as_deref() != Some("false");
    if unlisted_allowed && rules.is_empty() {
        return None;
    }
    let allowed_rules = rules.iter().filter(|(id, _)| rule_allows(doc, *id)).count();
    let first_deny = rules.iter().find(|(id, _)| !rule_allows(doc, *id));
    let (line, scope) = match (allow_unlisted, unlisted_allowed) {
        (Some(found), false) => (found.attr.line, found.scope),
        _ => {
            let (id, scope) = first_deny.or(rules.first()).copied().unwrap_or((usize::MAX, 0));
            (doc.element(id).map(|e| e.line).unwrap_or(target.anchor_line), scope)
        }
    };
    // Rules are read top to bottom, the first that covers the address decides; then allowUnlisted.
    let loopback = 0x7F00_0001;
    let loopback_allowed = rules
        .iter()
        .find(|(id, _)| rule_covers(doc, *id, loopback))
        .map(|(id, _)| rule_allows(doc, *id))
        .unwrap_or(unlisted_allowed);
    let mut fact = target.fact(ConfigFact::IpRestriction, line);
    fact.set("allow-unlisted", allow_value.unwrap_or_else(|| "true".to_string()))
        .set("rules", rules.len().to_string())
        .set("allowed-rules", allowed_rules.to_string())
        .set("denied-rules", (rules.len() - allowed_rules).to_string())
        .set("loopback", if loopback_allowed { "allowed" } else { "denied" });
    match levels.effective(doc, &target.path, IP_SECURITY, "denyAction") {
        Some(found) => fact.set("deny-action", found.attr.value.clone()),
        None if levels.level == FileLevel::ApplicationHost => fact.set("deny-action", "Forbidden"),
        None => &mut fact,
    };
    fact.set("decoded", "true")
        .set("source", levels.label(scope))
        .set("basis", levels.basis(scope, &target.path).name());
    Some(fact)
}

/// Per-element facts of every level, in document order: `mime-map`, `ip-rule`,
/// `compression-scheme`, `impersonation`, `integrated-mode-validation`, `app-setting`.
/// `describe` gives the scope fields of a level path (`site`, `vdir`, …).
pub fn element_facts(
    levels: &ConfigLevels,
    doc: &ConfigDoc,
    describe: &dyn Fn(&str) -> Vec<(&'static str, String)>,
    problems: &mut Problems,
) -> Vec<Fact> {
    let mut facts: Vec<(ElementId, Fact)> = Vec::new();
    let scope_fact = |fact: ConfigFact, line: u64, scope: usize| -> Fact {
        let mut f = Fact::new(fact, line);
        if let Some(s) = levels.scope(scope) {
            f.set("scope", s.label.clone());
            for (name, value) in describe(&s.path) {
                f.set(name, value);
            }
        }
        f
    };
    mime_facts(levels, doc, &scope_fact, &mut facts);
    for entry in levels.sections.get(IP_SECURITY).into_iter().flatten() {
        for (id, add) in doc.children_named(entry.element, "add") {
            let mut f = scope_fact(ConfigFact::IpRule, add.line, entry.scope);
            f.set_opt("ip-address", add.value("ipAddress"))
                .set("subnet-mask", add.value("subnetMask").unwrap_or("255.255.255.255"))
                .set_opt("domain-name", add.value("domainName"))
                .set("allowed", if rule_allows(doc, id) { "true" } else { "false" });
            facts.push((id, f));
        }
    }
    for entry in levels
        .sections
        .get("system.webserver/httpcompression/scheme")
        .into_iter()
        .flatten()
    {
        let Some(scheme) = doc.element(entry.element) else {
            continue;
        };
        let line = scheme.attr("dll").map(|a| a.line).unwrap_or(scheme.line);
        let mut f = scope_fact(ConfigFact::CompressionScheme, line, entry.scope);
        f.set_opt("name", scheme.value("name"))
            .set_opt("dll", scheme.value("dll"))
            .set_opt(
                "do-dynamic-compression",
                scheme.value("doDynamicCompression").and_then(bool_value),
            )
            .set_opt(
                "do-static-compression",
                scheme.value("doStaticCompression").and_then(bool_value),
            )
            .set_opt("dynamic-level", scheme.value("dynamicCompressionLevel"))
            .set_opt("static-level", scheme.value("staticCompressionLevel"));
        facts.push((entry.element, f));
    }
    for entry in levels.sections.get("system.web/identity").into_iter().flatten() {
        let Some(identity) = doc.element(entry.element) else {
            continue;
        };
        let (line, value, basis) = match identity.attr("impersonate") {
            Some(a) => {
                let found = Found {
                    attr: a,
                    element: entry.element,
                    scope: entry.scope,
                };
                (a.line, read_bool(&found, problems), Basis::Explicit)
            }
            None => (identity.line, "false".to_string(), Basis::SchemaDefault),
        };
        let mut f = scope_fact(ConfigFact::Impersonation, line, entry.scope);
        f.set("impersonate", value).set("basis", basis.name());
        if let Some(user) = identity.attr("userName") {
            f.set(
                "user-name",
                if user.is_encrypted() {
                    "encrypted".to_string()
                } else {
                    user.value.clone()
                },
            );
        }
        facts.push((entry.element, f));
    }
    for entry in levels.sections.get("system.webserver/validation").into_iter().flatten() {
        let Some(validation) = doc.element(entry.element) else {
            continue;
        };
        let (line, value, basis) = match validation.attr("validateIntegratedModeConfiguration") {
            Some(a) => {
                let found = Found {
                    attr: a,
                    element: entry.element,
                    scope: entry.scope,
                };
                (a.line, read_bool(&found, problems), Basis::Explicit)
            }
            None => (validation.line, "true".to_string(), Basis::SchemaDefault),
        };
        let mut f = scope_fact(ConfigFact::IntegratedModeValidation, line, entry.scope);
        f.set("validate", value).set("basis", basis.name());
        facts.push((entry.element, f));
    }
    for entry in levels.sections.get("appsettings").into_iter().flatten() {
        let Some(settings) = doc.element(entry.element) else {
            continue;
        };
        if let Some(provider) = settings.value("configProtectionProvider") {
            problems.push(
                "encrypted section",
                Problem::at_line(
                    settings.line,
                    format!("appSettings is encrypted with {provider}: its keys cannot be read"),
                ),
            );
        }
        for (id, item) in doc.children(entry.element) {
            let action = if item.is("add") {
                "add"
            } else if item.is("remove") {
                "remove"
            } else if item.is("clear") {
                "clear"
            } else {
                continue;
            };
            let mut f = scope_fact(ConfigFact::AppSetting, item.line, entry.scope);
            f.set("action", action).set_opt("key", item.value("key"));
            if let Some(value) = item.attr("value") {
                f.set(
                    "value",
                    if value.is_encrypted() {
                        "encrypted".to_string()
                    } else {
                        value.value.clone()
                    },
                );
            }
            facts.push((id, f));
        }
    }
    facts.sort_by_key(|(id, _)| *id);
    // An element indexed twice (below an unclosed element) gives its fact once.
    facts.dedup_by(|a, b| a.0 == b.0 && a.1.fact == b.1.fact);
    facts.into_iter().map(|(_, f)| f).collect()
}

/// `mime-map` facts, with duplicates found along each level's inheritance chain in the file.
fn mime_facts(
    levels: &ConfigLevels,
    doc: &ConfigDoc,
    scope_fact: &dyn Fn(ConfigFact, u64, usize) -> Fact,
    facts: &mut Vec<(ElementId, Fact)>,
) {
    const STATIC_CONTENT: &str = "system.webserver/staticcontent";
    let Some(entries) = levels.sections.get(STATIC_CONTENT) else {
        return;
    };
    let mut targets: Vec<&str> = Vec::new();
    for entry in entries {
        if let Some(s) = levels.scope(entry.scope)
            && !targets.contains(&s.key.as_str())
        {
            targets.push(&s.key);
        }
    }
    for target in targets {
        // extension → line of the add that defines it, along the chain down to `target`.
        let mut defined: BTreeMap<String, u64> = BTreeMap::new();
        let mut removed: Vec<String> = Vec::new();
        for entry in levels.applicable(STATIC_CONTENT, target) {
            let own = levels.scope(entry.scope).is_some_and(|s| s.key == target);
            for (id, item) in doc.children(entry.element) {
                let extension = item.value("fileExtension").map(|e| e.trim().to_ascii_lowercase());
                let action = if item.is("mimeMap") {
                    "add"
                } else if item.is("remove") {
                    "remove"
                } else if item.is("clear") {
                    "clear"
                } else {
                    continue;
                };
                let mut fact = own.then(|| {
                    let mut f = scope_fact(ConfigFact::MimeMap, item.line, entry.scope);
                    f.set("action", action)
                        .set_opt("extension", item.value("fileExtension"))
                        .set_opt("mime-type", item.value("mimeType"));
                    f
                });
                match (action, extension) {
                    ("add", Some(ext)) => {
                        if let Some(f) = fact.as_mut() {
                            let previous = defined.get(&ext).copied();
                            f.set("duplicate", if previous.is_some() { "true" } else { "false" })
                                .set_opt("duplicate-of", previous.map(|l| format!("line {l}")))
                                .set(
                                    "removed-before",
                                    if removed.iter().any(|r| *r == ext || r == "*") {
                                        "true"
                                    } else {
                                        "false"
                                    },
                                );
                        }
                        defined.entry(ext).or_insert(item.line);
                    }
                    ("remove", Some(ext)) => {
                        defined.remove(&ext);
                        removed.push(ext);
                    }
                    ("clear", _) => {
                        // Every extension is removed, including those the chain defines later.
                        defined.clear();
                        removed.push("*".to_string());
                    }
                    _ => {}
                }
                if let Some(f) = fact {
                    facts.push((id, f));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::config_xml;
    use crate::testing::{Must, TestResult};

    fn levels(text: &str) -> (ConfigDoc, ConfigLevels) {
        let read = config_xml::read(text.as_bytes(), None);
        let levels = ConfigLevels::build(&read.doc, FileLevel::ApplicationHost);
        (read.doc, levels)
    }

    const MERGE: &str = r#"<configuration>
<system.webServer>
  <security><authentication><anonymousAuthentication enabled="true" userName="" /></authentication></security>
</system.webServer>
<location path="Site">
  <system.webServer><security><authentication><anonymousAuthentication enabled="false" /></authentication></security></system.webServer>
</location>
<location path="Site/Content">
  <system.webServer><security><access sslFlags="Ssl" /></security></system.webServer>
</location>
<location path="Site2">
  <system.webServer><security><authentication><anonymousAuthentication enabled="true" /></authentication></security></system.webServer>
</location>
</configuration>
"#;

    #[test]
    fn effective_value_is_the_most_specific_prefix_level() -> TestResult {
        let (doc, levels) = levels(MERGE);
        let found = levels.effective(&doc, "site/content", ANONYMOUS, "enabled").must()?;
        assert_eq!((found.attr.value.as_str(), found.attr.line), ("false", 6));
        assert_eq!(levels.label(found.scope), "location Site");
        assert_eq!(levels.basis(found.scope, "Site/Content"), Basis::Inherited);
        // "Site2" is not a path prefix of "Site/Content" nor is "Site" one of "Site2".
        let found = levels.effective(&doc, "Site2", ANONYMOUS, "enabled").must()?;
        assert_eq!(found.attr.line, 12);
        let found = levels.effective(&doc, "Other", ANONYMOUS, "enabled").must()?;
        assert_eq!((found.attr.line, levels.label(found.scope)), (3, "server level"));
        Ok(())
    }

    #[test]
    fn auth_fact_cites_the_deciding_line_and_fills_schema_defaults() -> TestResult {
        let (doc, levels) = levels(MERGE);
        let target = Target {
            path: "Site/Content".into(),
            fields: vec![("vdir", "/Content".into())],
            anchor_line: 99,
        };
        let mut problems = Problems::default();
        let fact = auth_fact(&levels, &doc, &target, &mut problems).must()?;
        assert_eq!(fact.line, 6);
        assert_eq!(fact.get("anonymous"), Some("false"));
        assert_eq!(fact.get("windows"), Some("false"));
        assert_eq!(fact.get("windows-source"), Some("schema default"));
        assert_eq!(fact.get("basis"), Some("inherited"));
        assert_eq!(fact.get("anonymous-user"), Some(""));
        let ssl = ssl_fact(&levels, &doc, &target, &mut problems).must()?;
        assert_eq!(
            (ssl.line, ssl.get("require-ssl"), ssl.get("basis")),
            (9, Some("true"), Some("explicit"))
        );
        let root = Target {
            path: "Site".into(),
            fields: vec![],
            anchor_line: 42,
        };
        let ssl = ssl_fact(&levels, &doc, &root, &mut problems).must()?;
        assert_eq!((ssl.line, ssl.get("basis")), (42, Some("schema default")));
        assert!(problems.finish().is_empty());
        Ok(())
    }

    #[test]
    fn collections_merge_with_remove_and_clear() -> TestResult {
        let text = r#"<configuration>
<system.webServer><security><ipSecurity><add ipAddress="10.0.0.1" /><add ipAddress="10.0.0.2" /></ipSecurity></security></system.webServer>
<location path="S"><system.webServer><security><ipSecurity><remove ipAddress="10.0.0.1" /><add ipAddress="127.0.0.1" allowed="true" /></ipSecurity></security></system.webServer></location>
<location path="T"><system.webServer><security><ipSecurity allowUnlisted="false"><clear /></ipSecurity></security></system.webServer></location>
</configuration>"#;
        let (doc, levels) = levels(text);
        let ips = |t: &str| -> Vec<String> {
            levels
                .collection(&doc, t, IP_SECURITY, &["ipAddress", "subnetMask", "domainName"])
                .into_iter()
                .filter_map(|(id, _)| doc.element(id)?.value("ipAddress").map(str::to_string))
                .collect()
        };
        assert_eq!(ips("S/x"), vec!["10.0.0.2", "127.0.0.1"]);
        assert!(ips("T").is_empty());
        let mut problems = Problems::default();
        let t = Target {
            path: "T".into(),
            fields: vec![],
            anchor_line: 1,
        };
        let fact = ip_fact(&levels, &doc, &t, &mut problems).must()?;
        assert_eq!(
            (fact.line, fact.get("allow-unlisted"), fact.get("loopback")),
            (4, Some("false"), Some("denied"))
        );
        let s = Target {
            path: "S".into(),
            fields: vec![],
            anchor_line: 1,
        };
        let fact = ip_fact(&levels, &doc, &s, &mut problems).must()?;
        assert_eq!(fact.get("loopback"), Some("allowed"));
        assert_eq!(fact.get("denied-rules"), Some("1"));
        assert_eq!(fact.line, 2, "the first deny rule decides");
        Ok(())
    }

    #[test]
    fn an_encrypted_deciding_value_is_a_located_problem_not_a_guess() -> TestResult {
        let text = "<configuration>\n<location path=\"S\">\n<system.webServer><security><authentication>\n<anonymousAuthentication enabled=\"[enc:AesProvider:QUJD:enc]\" />\n</authentication></security></system.webServer>\n</location>\n</configuration>\n";
        let (doc, levels) = levels(text);
        let target = Target {
            path: "S".into(),
            fields: vec![],
            anchor_line: 1,
        };
        let mut problems = Problems::default();
        let fact = auth_fact(&levels, &doc, &target, &mut problems).must()?;
        assert_eq!((fact.get("anonymous"), fact.line), (Some("unknown"), 4));
        assert_eq!(
            problems.finish(),
            vec![Problem::at_line(4, "enabled is encrypted: its value is unknown")]
        );
        Ok(())
    }

    #[test]
    fn web_config_levels_assume_no_schema_default() -> TestResult {
        let text = "<configuration>\n<location path=\"ApiRemoting30\">\n<system.webServer><security><access sslFlags=\"Ssl,SslRequireCert\" /></security></system.webServer>\n</location>\n</configuration>\n";
        let read = config_xml::read(text.as_bytes(), None);
        let levels = ConfigLevels::build(&read.doc, FileLevel::WebConfig);
        let mut problems = Problems::default();
        let own = Target {
            path: String::new(),
            fields: vec![],
            anchor_line: 1,
        };
        assert!(auth_fact(&levels, &read.doc, &own, &mut problems).is_none());
        assert!(ssl_fact(&levels, &read.doc, &own, &mut problems).is_none());
        let api = Target {
            path: "ApiRemoting30".into(),
            fields: vec![],
            anchor_line: 2,
        };
        let ssl = ssl_fact(&levels, &read.doc, &api, &mut problems).must()?;
        assert_eq!(
            (ssl.get("client-certificates"), ssl.get("source")),
            (Some("require"), Some("web.config location ApiRemoting30"))
        );
        Ok(())
    }
}
