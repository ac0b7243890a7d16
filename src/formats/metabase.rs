//! IIS 6 metabase (`%windir%\system32\inetsrv\MetaBase.xml`, Windows Server 2003: WSUS 2.0/3.0),
//! kind `iis-metabase`, read into configuration facts (vocabulary in [`super::config_facts`]).
//!
//! The file holds one element per metabase key, the element name being the key type
//! (`IIsWebService`, `IIsWebServer`, `IIsWebVirtualDir`, `IIsWebDirectory`, `IIsApplicationPool`,
//! `IIsCompressionScheme`…) and its `Location` attribute the key path, written by IIS as
//! `<IIsWebVirtualDir⇥Location ="/LM/W3SVC/1/ROOT/Content"` (TAB before `Location`, space before
//! `=`), other properties one per line. Flag properties are symbolic and joined with ` | `, and may
//! wrap inside the quotes; multi-valued properties (`ServerBindings`, `ScriptMaps`, `MimeMap`,
//! `HcFileExtensions`) put one value per line inside one attribute, so each value is cited at its
//! own line.
//!
//! Inheritable properties (`AuthFlags`, `AccessSSLFlags`, `IPSecurity`, `ScriptMaps`, `AppPoolId`,
//! application pool settings) take effect from the nearest key up the path
//! `/LM/W3SVC/<n>/ROOT/<vdir>` → `/LM/W3SVC/<n>/ROOT` → `/LM/W3SVC/<n>` → `/LM/W3SVC`
//! (`/LM/W3SVC/AppPools/<pool>` → `/LM/W3SVC/AppPools` → `/LM/W3SVC` for pools), else the
//! default IIS applies when no key sets them (`AuthFlags` = `AuthAnonymous`, no SSL; pool values
//! are the IIS 6 SDK "internal default"s, the queue length its SP1 default of 1000).
//!
//! Facts: `site` and `binding` (`ServerBindings` http, `SecureBindings` https with the site's
//! `SSLCertHash` as `certificate-hash`, `ip:port:host`) per `IIsWebServer`; per `IIsWebVirtualDir`/`IIsWebDirectory` below `/ROOT`: `vdir`, `vdir-auth`
//! (with `auth-flags` as written), `ssl-flags`, `ip-restriction` when an `IPSecurity` blob applies
//! (`decoded = "false"`: its layout is undocumented, only its presence is a fact), `aspnet-version`
//! (the framework of the `aspnet_isapi.dll` script map, `.asmx` first); `app-pool` per setting of
//! every `IIsApplicationPool`; `mime-map` per `MimeMap` value (duplicates in one list flagged);
//! `compression-scheme` per `IIsCompressionScheme`.

use super::config_facts::{
    Basis, ConfigFact, Fact, FactSink, bool_value, framework_version, is_wsus_service, parse_number, parse_ssl_flags,
    set_ssl_fields, wsus_vdir,
};
use super::config_xml::{self, Attr, ConfigDoc, ElementId, ReadConfig};
use super::{ParseInput, ParseOutcome, Problems};
use crate::records::{Problem, RecordSink};
use std::collections::HashMap;

pub fn parse(input: &ParseInput<'_>, sink: &mut dyn RecordSink) -> ParseOutcome {
    let ReadConfig {
        doc,
        mut problems,
        notes,
    } = config_xml::read(input.bytes, input.encoding);
    let metabase = Metabase::build(&doc);
    if metabase.keys.is_empty() {
        problems.push(
            "no keys",
            Problem::new("no metabase key (element with a Location) found"),
        );
    }
    let mut out = FactSink::new(&doc, sink);
    let sites = metabase.sites(&doc);
    for site in &sites {
        site_facts(&doc, site, &mut out, &mut problems);
    }
    for key in &metabase.keys {
        if let Some(vdir) = VdirKey::of(key) {
            vdir_facts(&doc, &metabase, key, &vdir, &sites, &mut out, &mut problems);
        }
    }
    for key in metabase
        .keys
        .iter()
        .filter(|k| k.kind.eq_ignore_ascii_case("IIsApplicationPool"))
    {
        for fact in pool_facts(&doc, &metabase, key, &mut problems) {
            out.emit(fact);
        }
    }
    for key in &metabase.keys {
        mime_facts(&doc, key, &mut out);
        if key.kind.eq_ignore_ascii_case("IIsCompressionScheme") {
            out.emit(compression_fact(&doc, key));
        }
    }
    ParseOutcome {
        records: out.records,
        problems: problems.finish(),
        notes,
        time_zone: None,
    }
}

/// One metabase key: an element with a `Location`.
struct Key {
    /// The path as written (`/LM/W3SVC/1/ROOT/Content`).
    location: String,
    /// Lower-cased, without a trailing slash, for lookups.
    path: String,
    /// The key type (element name).
    kind: String,
    element: ElementId,
}

struct Metabase {
    keys: Vec<Key>,
    /// Lower-cased path → indexes into `keys`, in document order.
    by_path: HashMap<String, Vec<usize>>,
}

/// Where an inherited property was found.
struct Found<'d> {
    attr: &'d Attr,
    /// The `Location` of the key that sets it.
    location: &'d str,
    basis: Basis,
}

fn key_path(location: &str) -> String {
    let trimmed = location.trim().trim_end_matches('/');
    trimmed.to_ascii_lowercase()
}

/// The parent key path, `None` above `/lm/w3svc` (inheritance stops at the web service).
fn parent(path: &str) -> Option<&str> {
    if path == "/lm/w3svc" || !path.starts_with("/lm/w3svc/") {
        return None;
    }
    path.rsplit_once('/').map(|(p, _)| p)
}

impl Metabase {
    fn build(doc: &ConfigDoc) -> Metabase {
        let mut metabase = Metabase {
            keys: Vec::new(),
            by_path: HashMap::new(),
        };
        for (id, element) in doc.elements.iter().enumerate() {
            let Some(location) = element.value("Location") else {
                continue;
            };
            let index = metabase.keys.len();
            let path = key_path(location);
            metabase.by_path.entry(path.clone()).or_default().push(index);
            metabase.keys.push(Key {
                location: location.trim().to_string(),
                path,
                kind: element.name.clone(),
                element: id,
            });
        }
        metabase
    }

    /// The value of `property` that takes effect at `path`: the nearest key up the path that sets it.
    fn effective<'d>(&'d self, doc: &'d ConfigDoc, path: &str, property: &str) -> Option<Found<'d>> {
        let mut current = Some(path);
        while let Some(p) = current {
            for &index in self.by_path.get(p).into_iter().flatten().rev() {
                let Some(key) = self.keys.get(index) else { continue };
                if let Some(attr) = doc.element(key.element).and_then(|e| e.attr(property)) {
                    let basis = if p == path { Basis::Explicit } else { Basis::Inherited };
                    return Some(Found {
                        attr,
                        location: &key.location,
                        basis,
                    });
                }
            }
            current = parent(p);
        }
        None
    }

    fn sites(&self, doc: &ConfigDoc) -> Vec<Site> {
        let mut sites: Vec<Site> = self
            .keys
            .iter()
            .filter(|k| k.kind.eq_ignore_ascii_case("IIsWebServer"))
            .filter_map(|k| {
                let id = k.path.strip_prefix("/lm/w3svc/")?;
                if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                let comment = doc
                    .element(k.element)
                    .and_then(|e| e.value("ServerComment"))
                    .unwrap_or("");
                Some(Site {
                    id: id.to_string(),
                    name: comment.to_string(),
                    element: k.element,
                    wsus: false,
                })
            })
            .collect();
        for site in &mut sites {
            site.wsus = site.name.eq_ignore_ascii_case("WSUS Administration")
                || self
                    .keys
                    .iter()
                    .filter_map(VdirKey::of)
                    .any(|v| v.site_id == site.id && is_wsus_service(&v.url));
        }
        sites
    }
}

struct Site {
    id: String,
    /// `ServerComment`, the name IIS Manager shows.
    name: String,
    element: ElementId,
    wsus: bool,
}

/// A key below `/LM/W3SVC/<n>/ROOT`: a virtual directory or a directory of a site.
struct VdirKey {
    site_id: String,
    /// URL path: `/` for `ROOT`, `/Content`.
    url: String,
    vdir_type: &'static str,
}

impl VdirKey {
    fn of(key: &Key) -> Option<VdirKey> {
        let vdir_type = if key.kind.eq_ignore_ascii_case("IIsWebVirtualDir") {
            "virtual-directory"
        } else if key.kind.eq_ignore_ascii_case("IIsWebDirectory") {
            "directory"
        } else {
            return None;
        };
        let mut parts = key.location.trim().trim_end_matches('/').split('/');
        let (empty, lm, w3svc, site_id, root) = (
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
        );
        if !empty.is_empty()
            || !lm.eq_ignore_ascii_case("LM")
            || !w3svc.eq_ignore_ascii_case("W3SVC")
            || !root.eq_ignore_ascii_case("ROOT")
        {
            return None;
        }
        let rest: Vec<&str> = parts.collect();
        Some(VdirKey {
            site_id: site_id.to_string(),
            url: format!("/{}", rest.join("/")),
            vdir_type,
        })
    }
}

fn site_facts(doc: &ConfigDoc, site: &Site, out: &mut FactSink<'_>, problems: &mut Problems) {
    let Some(element) = doc.element(site.element) else {
        return;
    };
    let line = element.attr("ServerComment").map(|a| a.line).unwrap_or(element.line);
    let base = |fact: ConfigFact, line: u64| {
        Fact::new(fact, line)
            .with("site", site.name.clone())
            .with("site-id", site.id.clone())
            .with("wsus-site", site.wsus.to_string())
    };
    out.emit(base(ConfigFact::Site, line));
    for (property, protocol) in [("ServerBindings", "http"), ("SecureBindings", "https")] {
        let Some(attr) = element.attr(property) else { continue };
        for (line, binding) in attr.lines() {
            let mut fact = base(ConfigFact::Binding, line).with("protocol", protocol);
            let mut parts = binding.splitn(3, ':');
            match (parts.next(), parts.next(), parts.next()) {
                (Some(ip), Some(port), host) if port.trim().parse::<u16>().is_ok() => {
                    fact.set("ip", if ip.is_empty() { "*" } else { ip })
                        .set("port", port.trim())
                        .set("host", host.unwrap_or("").trim());
                }
                _ => problems.push(
                    "bad binding",
                    Problem::at_line(line, format!("{property} value {binding:?} is not ip:port:host")),
                ),
            }
            fact.set("binding-information", binding.clone());
            if protocol == "https" {
                fact.set_opt("certificate-hash", element.value("SSLCertHash"));
            }
            out.emit(fact);
        }
    }
}

/// `AuthFlags` bits.
const AUTH_FLAGS: [(&str, u32); 5] = [
    ("AuthAnonymous", 1),
    ("AuthBasic", 2),
    ("AuthNTLM", 4),
    ("AuthMD5", 16),
    ("AuthPassport", 64),
];

/// Parses `AuthFlags` (`AuthAnonymous | AuthNTLM`, numbers, wrapped lines); unknown words reported.
fn parse_auth_flags(attr: &Attr, problems: &mut Problems) -> u32 {
    let mut bits = 0;
    for word in attr.value.split(['|', ' ', '\t', '\n', ',']).filter(|w| !w.is_empty()) {
        if let Some(n) = parse_number(word) {
            bits |= n;
        } else if let Some((_, bit)) = AUTH_FLAGS.iter().find(|(name, _)| name.eq_ignore_ascii_case(word)) {
            bits |= bit;
        } else {
            problems.push(
                "bad AuthFlags",
                Problem::at_line(
                    attr.line,
                    format!("AuthFlags word {word:?} is not an authentication flag"),
                ),
            );
        }
    }
    bits
}

/// A flag list as written, on one line (wrapped lists have newlines and TABs inside the quotes).
fn one_line(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn vdir_facts(
    doc: &ConfigDoc,
    metabase: &Metabase,
    key: &Key,
    vdir: &VdirKey,
    sites: &[Site],
    out: &mut FactSink<'_>,
    problems: &mut Problems,
) {
    let Some(element) = doc.element(key.element) else {
        return;
    };
    let site = sites.iter().find(|s| s.id == vdir.site_id);
    let mut target = vec![
        ("site", site.map(|s| s.name.clone()).unwrap_or_default()),
        ("site-id", vdir.site_id.clone()),
        ("wsus-site", site.is_some_and(|s| s.wsus).to_string()),
        ("vdir", vdir.url.clone()),
    ];
    if let Some(w) = wsus_vdir(&vdir.url) {
        target.push(("wsus-vdir", w.to_string()));
    }
    target.push(("vdir-type", vdir.vdir_type.to_string()));
    let fact = |kind: ConfigFact, line: u64| {
        let mut f = Fact::new(kind, line);
        for (name, value) in &target {
            f.set(name, value.clone());
        }
        f
    };
    let source = |found: &Found<'_>| format!("key {}", found.location);

    // vdir: physical path and application pool.
    let path_attr = element.attr("Path");
    let mut v = fact(ConfigFact::Vdir, path_attr.map(|a| a.line).unwrap_or(element.line));
    v.set_opt("physical-path", path_attr.map(|a| a.value.clone()));
    let pool = metabase.effective(doc, &key.path, "AppPoolId");
    v.set(
        "app-pool",
        pool.as_ref()
            .map(|p| p.attr.value.clone())
            .unwrap_or_else(|| "DefaultAppPool".into()),
    );
    out.emit(v);

    // vdir-auth: AuthFlags, inherited, default AuthAnonymous.
    let mut auth = match metabase.effective(doc, &key.path, "AuthFlags") {
        Some(found) => {
            let bits = parse_auth_flags(found.attr, problems);
            let mut f = fact(ConfigFact::VdirAuth, found.attr.line);
            set_auth_fields(&mut f, bits);
            f.set("auth-flags", one_line(&found.attr.value))
                .set("source", source(&found))
                .set("basis", found.basis.name());
            f
        }
        None => {
            let mut f = fact(ConfigFact::VdirAuth, element.line);
            set_auth_fields(&mut f, 1);
            f.set("auth-flags", "AuthAnonymous")
                .set("source", "schema default")
                .set("basis", Basis::SchemaDefault.name());
            f
        }
    };
    if let Some(user) = metabase.effective(doc, &key.path, "AnonymousUserName") {
        auth.set("anonymous-user", user.attr.value.clone());
    }
    out.emit(auth);

    // ssl-flags: AccessSSLFlags, inherited, default none.
    let ssl = match metabase.effective(doc, &key.path, "AccessSSLFlags") {
        Some(found) => {
            let bits = parse_ssl_flags(&found.attr.value).unwrap_or_else(|word| {
                problems.push(
                    "bad AccessSSLFlags",
                    Problem::at_line(
                        found.attr.line,
                        format!("AccessSSLFlags word {word:?} is not an SSL flag"),
                    ),
                );
                0
            });
            let mut f = fact(ConfigFact::SslFlags, found.attr.line);
            set_ssl_fields(&mut f, bits);
            f.set("value", one_line(&found.attr.value))
                .set("source", source(&found))
                .set("basis", found.basis.name());
            f
        }
        None => {
            let mut f = fact(ConfigFact::SslFlags, element.line);
            set_ssl_fields(&mut f, 0);
            f.set("source", "schema default")
                .set("basis", Basis::SchemaDefault.name());
            f
        }
    };
    out.emit(ssl);

    // ip-restriction: an IPSecurity blob applies; its layout is undocumented.
    if let Some(found) = metabase.effective(doc, &key.path, "IPSecurity")
        && !found.attr.value.trim().is_empty()
    {
        let mut f = fact(ConfigFact::IpRestriction, found.attr.line);
        f.set("decoded", "false")
            .set("source", source(&found))
            .set("basis", found.basis.name());
        out.emit(f);
    }

    // aspnet-version: the framework of the aspnet_isapi.dll script map.
    if let Some(found) = metabase.effective(doc, &key.path, "ScriptMaps") {
        let maps: Vec<(u64, String)> = found.attr.lines().collect();
        let aspnet = |ext: Option<&str>| {
            maps.iter().find(|(_, m)| {
                framework_version(m).is_some()
                    && ext.is_none_or(|e| m.split(',').next().is_some_and(|x| x.trim().eq_ignore_ascii_case(e)))
            })
        };
        let chosen = aspnet(Some(".asmx"))
            .or_else(|| aspnet(Some(".aspx")))
            .or_else(|| aspnet(None));
        let mut f = fact(
            ConfigFact::AspnetVersion,
            chosen.map(|(l, _)| *l).unwrap_or(found.attr.line),
        );
        match chosen {
            Some((_, map)) => {
                let mut fields = map.split(',');
                let extension = fields.next().unwrap_or("").trim().to_string();
                let dll = fields.next().unwrap_or("").trim().to_string();
                f.set("runtime-version", framework_version(&dll).unwrap_or("").to_string())
                    .set("framework-path", dll)
                    .set("extension", extension);
            }
            None => {
                f.set("runtime-version", "");
            }
        }
        f.set("source", source(&found)).set("basis", found.basis.name());
        out.emit(f);
    }
}

fn set_auth_fields(fact: &mut Fact, bits: u32) {
    let on = |bit: u32| if bits & bit != 0 { "true" } else { "false" };
    fact.set("anonymous", on(1))
        .set("windows", on(4))
        .set("basic", on(2))
        .set("digest", on(16));
}

#[derive(Clone, Copy)]
enum PoolValue {
    Number,
    Bool,
    /// Minutes; the fact adds the `hh:mm:ss` time span and the `-minutes` field.
    Minutes(&'static str),
    /// `AppPoolIdentityType`: 0 LocalSystem, 1 LocalService, 2 NetworkService, 3 SpecificUser.
    Identity,
}

/// IIS 6 pool properties mapped to the fact settings of applicationHost.config.
const POOL_SETTINGS: [(&str, &str, &str, PoolValue); 11] = [
    ("queue-length", "AppPoolQueueLength", "1000", PoolValue::Number),
    ("identity-type", "AppPoolIdentityType", "2", PoolValue::Identity),
    (
        "idle-timeout",
        "IdleTimeout",
        "20",
        PoolValue::Minutes("idle-timeout-minutes"),
    ),
    ("pinging-enabled", "PingingEnabled", "TRUE", PoolValue::Bool),
    (
        "private-memory-kb",
        "PeriodicRestartPrivateMemory",
        "0",
        PoolValue::Number,
    ),
    ("memory-kb", "PeriodicRestartMemory", "0", PoolValue::Number),
    (
        "recycle-time",
        "PeriodicRestartTime",
        "1740",
        PoolValue::Minutes("recycle-time-minutes"),
    ),
    ("recycle-requests", "PeriodicRestartRequests", "0", PoolValue::Number),
    ("rapid-fail-protection", "RapidFailProtection", "TRUE", PoolValue::Bool),
    (
        "rapid-fail-protection-interval",
        "RapidFailProtectionInterval",
        "5",
        PoolValue::Minutes("rapid-fail-protection-interval-minutes"),
    ),
    (
        "rapid-fail-protection-max-crashes",
        "RapidFailProtectionMaxCrashes",
        "5",
        PoolValue::Number,
    ),
];

fn pool_facts(doc: &ConfigDoc, metabase: &Metabase, key: &Key, problems: &mut Problems) -> Vec<Fact> {
    let pool = key
        .location
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_string();
    let key_line = doc.element(key.element).map(|e| e.line).unwrap_or(1);
    let mut facts = Vec::new();
    for (setting, property, default, kind) in POOL_SETTINGS {
        let found = metabase.effective(doc, &key.path, property);
        let (raw, line, source, basis) = match &found {
            Some(f) => (
                f.attr.value.trim().to_string(),
                f.attr.line,
                format!("key {}", f.location),
                f.basis,
            ),
            None => (
                default.to_string(),
                key_line,
                "schema default".to_string(),
                Basis::SchemaDefault,
            ),
        };
        let mut fact = Fact::new(ConfigFact::AppPool, line);
        fact.set("pool", pool.clone()).set("setting", setting);
        let number = parse_number(&raw);
        let value = match kind {
            PoolValue::Number => number.map(|n| n.to_string()),
            PoolValue::Bool => bool_value(&raw).map(str::to_string),
            PoolValue::Minutes(_) => number.map(|m| format!("{:02}:{:02}:00", m / 60, m % 60)),
            PoolValue::Identity => number
                .and_then(|n| ["LocalSystem", "LocalService", "NetworkService", "SpecificUser"].get(n as usize))
                .map(|s| s.to_string()),
        };
        let value = value.unwrap_or_else(|| {
            problems.push(
                "bad pool value",
                Problem::at_line(line, format!("{property}={raw:?} is not a valid value")),
            );
            raw.clone()
        });
        fact.set(setting, value.clone()).set("value", value);
        if let (PoolValue::Minutes(field), Some(m)) = (kind, number) {
            fact.set(field, m.to_string());
        }
        fact.set("source", source).set("basis", basis.name());
        facts.push(fact);
    }
    if let Some(found) = metabase.effective(doc, &key.path, "PeriodicRestartSchedule") {
        let times: Vec<String> = found.attr.lines().map(|(_, t)| t).collect();
        if !times.is_empty() {
            let mut fact = Fact::new(ConfigFact::AppPool, found.attr.line);
            fact.set("pool", pool.clone())
                .set("setting", "recycle-schedule")
                .set("recycle-schedule", times.join(", "))
                .set("value", times.join(", "))
                .set("source", format!("key {}", found.location))
                .set("basis", found.basis.name());
            facts.push(fact);
        }
    }
    facts
}

/// `mime-map` facts of a key's own `MimeMap` list (`.ext,type` one per line).
fn mime_facts(doc: &ConfigDoc, key: &Key, out: &mut FactSink<'_>) {
    let Some(attr) = doc.element(key.element).and_then(|e| e.attr("MimeMap")) else {
        return;
    };
    let mut seen: HashMap<String, u64> = HashMap::new();
    for (line, entry) in attr.lines() {
        let (extension, mime_type) = entry.split_once(',').unwrap_or((entry.as_str(), ""));
        let extension = extension.trim();
        let previous = seen.get(&extension.to_ascii_lowercase()).copied();
        let mut fact = Fact::new(ConfigFact::MimeMap, line);
        fact.set("scope", format!("key {}", key.location))
            .set("action", "add")
            .set("extension", extension)
            .set("mime-type", mime_type.trim())
            .set("duplicate", if previous.is_some() { "true" } else { "false" })
            .set_opt("duplicate-of", previous.map(|l| format!("line {l}")));
        seen.entry(extension.to_ascii_lowercase()).or_insert(line);
        out.emit(fact);
    }
}

fn compression_fact(doc: &ConfigDoc, key: &Key) -> Fact {
    let element = doc.element(key.element);
    let value = |name: &str| element.and_then(|e| e.value(name)).map(str::to_string);
    let line = element
        .and_then(|e| e.attr("HcCompressionDll").map(|a| a.line).or(Some(e.line)))
        .unwrap_or(1);
    let name = key
        .location
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_string();
    let mut fact = Fact::new(ConfigFact::CompressionScheme, line);
    fact.set("scope", format!("key {}", key.location))
        .set("name", name)
        .set_opt("dll", value("HcCompressionDll"))
        .set_opt(
            "do-dynamic-compression",
            value("HcDoDynamicCompression").and_then(|v| bool_value(&v).map(str::to_string)),
        )
        .set_opt(
            "do-static-compression",
            value("HcDoStaticCompression").and_then(|v| bool_value(&v).map(str::to_string)),
        )
        .set_opt("dynamic-level", value("HcDynamicCompressionLevel"))
        .set_opt("static-level", value("HcOnDemandCompLevel"));
    fact
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Must, TestResult};

    #[test]
    fn parent_paths_stop_at_the_web_service() -> TestResult {
        assert_eq!(parent("/lm/w3svc/1/root/content"), Some("/lm/w3svc/1/root"));
        assert_eq!(parent("/lm/w3svc/1"), Some("/lm/w3svc"));
        assert_eq!(parent("/lm/w3svc"), None);
        assert_eq!(parent("/lm/mimemap"), None);
        Ok(())
    }

    #[test]
    fn vdir_keys_are_below_root() -> TestResult {
        let key = |location: &str, kind: &str| Key {
            location: location.into(),
            path: key_path(location),
            kind: kind.into(),
            element: 0,
        };
        let v = VdirKey::of(&key("/LM/W3SVC/1/ROOT/Content", "IIsWebVirtualDir")).must()?;
        assert_eq!((v.site_id.as_str(), v.url.as_str()), ("1", "/Content"));
        let v = VdirKey::of(&key("/LM/W3SVC/98004751/root", "IIsWebVirtualDir")).must()?;
        assert_eq!(v.url, "/");
        assert!(VdirKey::of(&key("/LM/W3SVC/1", "IIsWebServer")).is_none());
        assert!(VdirKey::of(&key("/LM/W3SVC/AppPools/WsusPool", "IIsWebVirtualDir")).is_none());
        Ok(())
    }

    #[test]
    fn auth_flags_symbolic_numeric_and_wrapped() -> TestResult {
        let attr = |value: &str| Attr {
            name: "AuthFlags".into(),
            value: value.into(),
            raw: value.into(),
            line: 7,
            value_line: 7,
        };
        let mut problems = Problems::default();
        assert_eq!(parse_auth_flags(&attr("AuthAnonymous | AuthNTLM"), &mut problems), 5);
        assert_eq!(parse_auth_flags(&attr("AuthBasic |\n\t\tAuthMD5"), &mut problems), 18);
        assert_eq!(parse_auth_flags(&attr("0"), &mut problems), 0);
        assert!(problems.finish().is_empty());
        let mut problems = Problems::default();
        assert_eq!(parse_auth_flags(&attr("AuthNTLM | AuthKerberos"), &mut problems), 4);
        assert_eq!(problems.finish().len(), 1);
        Ok(())
    }
}
