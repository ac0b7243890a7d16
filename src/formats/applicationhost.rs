//! IIS 7+ server configuration (`%windir%\System32\inetsrv\config\applicationHost.config`), kind
//! `iis-applicationhost-config`, read into configuration facts (vocabulary in
//! [`super::config_facts`]).
//!
//! Flow: bytes → [`config_xml`] tree (exact lines, tolerant of malformed XML) → facts:
//! - `site` and `binding` for every `<site>` and `<binding>` (`bindingInformation` = `ip:port:host`);
//! - `vdir` for every virtual directory (URL = application path + virtual directory path), with its
//!   physical path and application pool (`applicationPool` of the application, else the site's then
//!   the server's `<applicationDefaults>`, else `DefaultAppPool`);
//! - `vdir-auth`, `ssl-flags` for every virtual directory and `ip-restriction` where one applies:
//!   the EFFECTIVE value, merged from server level down the `<location path="Site/vdir">` blocks
//!   ([`iis_sections`]), the schema default (anonymous on, Windows/Basic/Digest off, no SSL, every
//!   client allowed) when the file sets nothing, cited at the virtual directory's line; location
//!   paths that name no virtual directory get the facts their own block sets;
//! - `app-pool`, one record per setting of every pool: the attribute on the pool's `<add>`, else
//!   on `<applicationPoolDefaults>` (`basis = "inherited"`), else the schema default cited at the
//!   pool's `<add>` line;
//! - `aspnet-version` for every application: its pool's `managedRuntimeVersion` and pipeline mode;
//! - per-element facts of every level (`mime-map`, `ip-rule`, `compression-scheme`,
//!   `impersonation`, `integrated-mode-validation`, `app-setting`).

use super::config_facts::{Basis, ConfigFact, Fact, FactSink, bool_value, is_wsus_service, wsus_vdir};
use super::config_xml::{self, ConfigDoc, ElementId, ReadConfig};
use super::iis_sections::{
    self, ACCESS, ANONYMOUS, BASIC, ConfigLevels, DIGEST, FileLevel, IP_SECURITY, Target, WINDOWS,
};
use super::{ParseInput, ParseOutcome, Problems};
use crate::records::{Problem, RecordSink};

pub fn parse(input: &ParseInput<'_>, sink: &mut dyn RecordSink) -> ParseOutcome {
    let ReadConfig {
        doc,
        mut problems,
        notes,
    } = config_xml::read(input.bytes, input.encoding);
    let mut out = FactSink::new(&doc, sink);
    match doc.root() {
        Some((_, root)) if root.is("configuration") => {}
        Some((_, root)) => problems.push(
            "no configuration",
            Problem::at_line(
                root.line,
                format!("the root element is <{}>, not <configuration>", root.name),
            ),
        ),
        None => problems.push("no configuration", Problem::new("no XML element found")),
    }
    let levels = ConfigLevels::build(&doc, FileLevel::ApplicationHost);
    let host = doc
        .root()
        .and_then(|(root, _)| doc.child(root, "system.applicationHost"))
        .map(|(id, _)| id);
    let pools = host.map(|h| read_pools(&doc, h)).unwrap_or_default();
    for pool in &pools {
        for fact in pool_facts(&doc, pool, &mut problems) {
            out.emit(fact);
        }
    }
    let sites = host.map(|h| read_sites(&doc, h, &mut problems)).unwrap_or_default();
    for site in &sites {
        site_facts(&doc, &levels, site, &pools, &mut out, &mut problems);
    }
    location_only_facts(&doc, &levels, &sites, &mut out, &mut problems);
    let describe = |path: &str| scope_fields(path, &sites);
    for fact in iis_sections::element_facts(&levels, &doc, &describe, &mut problems) {
        out.emit(fact);
    }
    ParseOutcome {
        records: out.records,
        problems: problems.finish(),
        notes,
        time_zone: None,
    }
}

/// An application pool: its `<add>` and the server's `<applicationPoolDefaults>`.
struct Pool {
    name: String,
    element: ElementId,
    defaults: Option<ElementId>,
}

fn read_pools(doc: &ConfigDoc, host: ElementId) -> Vec<Pool> {
    let Some((pools, _)) = doc.child(host, "applicationPools") else {
        return Vec::new();
    };
    let defaults = doc.child(pools, "applicationPoolDefaults").map(|(id, _)| id);
    doc.children_named(pools, "add")
        .map(|(id, add)| Pool {
            name: add.value("name").unwrap_or("").to_string(),
            element: id,
            defaults,
        })
        .collect()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ValueKind {
    Number,
    Bool,
    /// `[d.]hh:mm:ss[.fffffff]`; the fact adds the value in minutes.
    TimeSpan(&'static str),
    Text,
}

/// One application pool setting: fact field, element below `<add>`, attribute, schema default.
struct PoolSetting {
    setting: &'static str,
    path: &'static str,
    attr: &'static str,
    default: &'static str,
    kind: ValueKind,
}

const fn setting(
    setting: &'static str,
    path: &'static str,
    attr: &'static str,
    default: &'static str,
    kind: ValueKind,
) -> PoolSetting {
    PoolSetting {
        setting,
        path,
        attr,
        default,
        kind,
    }
}

/// The settings WSUS guidance and the signatures look at, with IIS schema defaults (iis-docs
/// `applicationPools/add` and its children; IIS 8+ where the versions differ).
const RUNTIME_VERSION: PoolSetting = setting(
    "managed-runtime-version",
    "",
    "managedRuntimeVersion",
    "",
    ValueKind::Text,
);
const PIPELINE_MODE: PoolSetting = setting(
    "managed-pipeline-mode",
    "",
    "managedPipelineMode",
    "Integrated",
    ValueKind::Text,
);
const POOL_SETTINGS: [PoolSetting; 16] = [
    setting("queue-length", "", "queueLength", "1000", ValueKind::Number),
    RUNTIME_VERSION,
    PIPELINE_MODE,
    setting("auto-start", "", "autoStart", "true", ValueKind::Bool),
    setting("start-mode", "", "startMode", "OnDemand", ValueKind::Text),
    setting(
        "identity-type",
        "processModel",
        "identityType",
        "ApplicationPoolIdentity",
        ValueKind::Text,
    ),
    setting(
        "idle-timeout",
        "processModel",
        "idleTimeout",
        "00:20:00",
        ValueKind::TimeSpan("idle-timeout-minutes"),
    ),
    setting(
        "pinging-enabled",
        "processModel",
        "pingingEnabled",
        "true",
        ValueKind::Bool,
    ),
    setting(
        "private-memory-kb",
        "recycling/periodicRestart",
        "privateMemory",
        "0",
        ValueKind::Number,
    ),
    setting(
        "memory-kb",
        "recycling/periodicRestart",
        "memory",
        "0",
        ValueKind::Number,
    ),
    setting(
        "recycle-time",
        "recycling/periodicRestart",
        "time",
        "1.05:00:00",
        ValueKind::TimeSpan("recycle-time-minutes"),
    ),
    setting(
        "recycle-requests",
        "recycling/periodicRestart",
        "requests",
        "0",
        ValueKind::Number,
    ),
    setting(
        "rapid-fail-protection",
        "failure",
        "rapidFailProtection",
        "true",
        ValueKind::Bool,
    ),
    setting(
        "rapid-fail-protection-interval",
        "failure",
        "rapidFailProtectionInterval",
        "00:05:00",
        ValueKind::TimeSpan("rapid-fail-protection-interval-minutes"),
    ),
    setting(
        "rapid-fail-protection-max-crashes",
        "failure",
        "rapidFailProtectionMaxCrashes",
        "5",
        ValueKind::Number,
    ),
    setting(
        "load-balancer-capabilities",
        "failure",
        "loadBalancerCapabilities",
        "HttpLevel",
        ValueKind::Text,
    ),
];

/// Where a pool setting's effective value was found.
struct Resolved {
    value: String,
    line: u64,
    source: String,
    basis: Basis,
}

/// The effective value of one setting: the pool's `<add>`, `<applicationPoolDefaults>`, the schema.
fn resolve(doc: &ConfigDoc, pool: &Pool, s: &PoolSetting, problems: &mut Problems) -> Resolved {
    let on = |id: ElementId| doc.descend(id, s.path).and_then(|(_, e)| e.attr(s.attr));
    let pool_line = doc.element(pool.element).map(|e| e.line).unwrap_or(1);
    let (attr, source, basis) = match on(pool.element) {
        Some(a) => (
            a,
            format!("applicationPools/add name=\"{}\"", pool.name),
            Basis::Explicit,
        ),
        None => match pool.defaults.and_then(on) {
            Some(a) => (a, "applicationPoolDefaults".to_string(), Basis::Inherited),
            None => {
                return Resolved {
                    value: s.default.to_string(),
                    line: pool_line,
                    source: "schema default".to_string(),
                    basis: Basis::SchemaDefault,
                };
            }
        },
    };
    let mut value = attr.value.trim().to_string();
    if attr.is_encrypted() {
        problems.push(
            "encrypted value",
            Problem::at_line(attr.line, format!("{} is encrypted: its value is unknown", attr.name)),
        );
        value = "unknown".to_string();
    } else {
        let valid = match s.kind {
            ValueKind::Number => value.parse::<u64>().is_ok(),
            ValueKind::Bool => match bool_value(&value) {
                Some(b) => {
                    value = b.to_string();
                    true
                }
                None => false,
            },
            ValueKind::TimeSpan(_) => timespan_minutes(&value).is_some(),
            ValueKind::Text => true,
        };
        if !valid {
            problems.push(
                "bad pool value",
                Problem::at_line(
                    attr.line,
                    format!("{}={:?} is not a valid value", attr.name, attr.value),
                ),
            );
        }
    }
    Resolved {
        value,
        line: attr.line,
        source,
        basis,
    }
}

/// One `app-pool` fact per setting, plus `recycle-schedule` when times are scheduled.
fn pool_facts(doc: &ConfigDoc, pool: &Pool, problems: &mut Problems) -> Vec<Fact> {
    let pool_line = doc.element(pool.element).map(|e| e.line).unwrap_or(1);
    if pool.name.is_empty() {
        problems.push(
            "pool without name",
            Problem::at_line(pool_line, "application pool <add> without a name"),
        );
    }
    let mut facts = Vec::new();
    for s in &POOL_SETTINGS {
        let r = resolve(doc, pool, s, problems);
        let mut fact = Fact::new(ConfigFact::AppPool, r.line);
        fact.set("pool", pool.name.clone())
            .set("setting", s.setting)
            .set(s.setting, r.value.clone())
            .set("value", r.value.clone());
        if let ValueKind::TimeSpan(minutes_field) = s.kind
            && let Some(minutes) = timespan_minutes(&r.value)
        {
            fact.set(minutes_field, format_minutes(minutes));
        }
        fact.set("source", r.source).set("basis", r.basis.name());
        if s.setting == "managed-runtime-version" && r.basis == Basis::SchemaDefault {
            fact.set(
                "note",
                "schema default of IIS 8 and later; IIS 7 and 7.5 default to v2.0",
            );
        }
        facts.push(fact);
    }
    let schedule = |id: ElementId| {
        doc.descend(id, "recycling/periodicRestart/schedule")
            .map(|(schedule, _)| doc.children_named(schedule, "add").collect::<Vec<_>>())
            .filter(|adds| !adds.is_empty())
    };
    let (adds, source, basis) = match schedule(pool.element) {
        Some(adds) => (
            adds,
            format!("applicationPools/add name=\"{}\"", pool.name),
            Basis::Explicit,
        ),
        None => match pool.defaults.and_then(schedule) {
            Some(adds) => (adds, "applicationPoolDefaults".to_string(), Basis::Inherited),
            None => return facts,
        },
    };
    let times: Vec<&str> = adds.iter().filter_map(|(_, a)| a.value("value")).collect();
    let line = adds.first().map(|(_, a)| a.line).unwrap_or(pool_line);
    let mut fact = Fact::new(ConfigFact::AppPool, line);
    fact.set("pool", pool.name.clone())
        .set("setting", "recycle-schedule")
        .set("recycle-schedule", times.join(", "))
        .set("value", times.join(", "))
        .set("source", source)
        .set("basis", basis.name());
    facts.push(fact);
    facts
}

/// Minutes in an IIS time span `[-][d.]hh:mm:ss[.fffffff]`.
pub fn timespan_minutes(text: &str) -> Option<f64> {
    let t = text.trim();
    let (negative, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let mut parts = t.split(':');
    let (first, minutes, seconds) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let (days, hours) = match first.split_once('.') {
        Some((d, h)) => (d.parse::<u64>().ok()?, h.parse::<u64>().ok()?),
        None => (0, first.parse::<u64>().ok()?),
    };
    let minutes: u64 = minutes.parse().ok()?;
    let seconds: f64 = seconds.parse().ok()?;
    if hours > 23 || minutes > 59 || !(0.0..60.0).contains(&seconds) {
        return None;
    }
    let total = (days * 24 * 60 + hours * 60 + minutes) as f64 + seconds / 60.0;
    Some(if negative { -total } else { total })
}

/// Minutes as text: an integer when whole, else two decimals.
pub fn format_minutes(minutes: f64) -> String {
    if minutes.fract() == 0.0 {
        format!("{}", minutes as i64)
    } else {
        format!("{minutes:.2}")
    }
}

/// A site and what it holds.
struct Site {
    name: String,
    id: String,
    element: ElementId,
    wsus: bool,
    applications: Vec<Application>,
}

struct Application {
    path: String,
    pool: String,
    /// Where the pool name was decided: the line and how.
    pool_line: u64,
    vdirs: Vec<VirtualDirectory>,
}

struct VirtualDirectory {
    url: String,
    element: ElementId,
}

/// Joins an application path and a virtual directory path into a URL path.
fn join_url(app: &str, vdir: &str) -> String {
    let app = app.trim().trim_end_matches('/');
    let vdir = vdir.trim().trim_start_matches('/');
    let joined = format!("{app}/{vdir}");
    let joined = joined.trim_end_matches('/');
    let joined = if joined.starts_with('/') {
        joined.to_string()
    } else {
        format!("/{joined}")
    };
    if joined.is_empty() { "/".to_string() } else { joined }
}

fn read_sites(doc: &ConfigDoc, host: ElementId, problems: &mut Problems) -> Vec<Site> {
    let Some((sites_id, _)) = doc.child(host, "sites") else {
        return Vec::new();
    };
    let server_pool = doc
        .child(sites_id, "applicationDefaults")
        .and_then(|(_, d)| d.attr("applicationPool"))
        .map(|a| (a.value.clone(), a.line));
    let mut sites = Vec::new();
    for (site_id, site) in doc.children_named(sites_id, "site") {
        let name = site.value("name").unwrap_or("").to_string();
        if name.is_empty() {
            problems.push(
                "site without name",
                Problem::at_line(site.line, "<site> without a name"),
            );
        }
        let site_pool = doc
            .child(site_id, "applicationDefaults")
            .and_then(|(_, d)| d.attr("applicationPool"))
            .map(|a| (a.value.clone(), a.line))
            .or_else(|| server_pool.clone());
        let mut applications = Vec::new();
        for (app_id, app) in doc.children_named(site_id, "application") {
            let path = app.value("path").unwrap_or("/").to_string();
            let (pool, pool_line) = match app.attr("applicationPool") {
                Some(a) => (a.value.clone(), a.line),
                None => site_pool.clone().unwrap_or(("DefaultAppPool".to_string(), app.line)),
            };
            let vdirs = doc
                .children_named(app_id, "virtualDirectory")
                .map(|(vdir_id, vdir)| VirtualDirectory {
                    url: join_url(&path, vdir.value("path").unwrap_or("/")),
                    element: vdir_id,
                })
                .collect();
            applications.push(Application {
                path,
                pool,
                pool_line,
                vdirs,
            });
        }
        let wsus = name.eq_ignore_ascii_case("WSUS Administration")
            || applications
                .iter()
                .flat_map(|a| a.vdirs.iter())
                .any(|v| is_wsus_service(&v.url));
        sites.push(Site {
            name,
            id: site.value("id").unwrap_or("").to_string(),
            element: site_id,
            wsus,
            applications,
        });
    }
    sites
}

/// Configuration path of a URL of a site (`WSUS Administration/Content`, the site name for `/`).
fn config_path(site: &str, url: &str) -> String {
    let rest = url.trim_matches('/');
    if rest.is_empty() {
        site.to_string()
    } else {
        format!("{site}/{rest}")
    }
}

fn target_fields(site: &Site, url: &str, vdir_type: &str) -> Vec<(&'static str, String)> {
    let mut fields = vec![
        ("site", site.name.clone()),
        ("site-id", site.id.clone()),
        ("wsus-site", site.wsus.to_string()),
        ("vdir", url.to_string()),
    ];
    if let Some(w) = wsus_vdir(url) {
        fields.push(("wsus-vdir", w.to_string()));
    }
    fields.push(("vdir-type", vdir_type.to_string()));
    fields
}

fn site_facts(
    doc: &ConfigDoc,
    levels: &ConfigLevels,
    site: &Site,
    pools: &[Pool],
    out: &mut FactSink<'_>,
    problems: &mut Problems,
) {
    let Some(element) = doc.element(site.element) else {
        return;
    };
    let name_line = element.attr("name").map(|a| a.line).unwrap_or(element.line);
    out.emit(
        Fact::new(ConfigFact::Site, name_line)
            .with("site", site.name.clone())
            .with("site-id", site.id.clone())
            .with("wsus-site", site.wsus.to_string()),
    );
    if let Some((bindings, _)) = doc.child(site.element, "bindings") {
        for (_, binding) in doc.children_named(bindings, "binding") {
            let info = binding.attr("bindingInformation");
            let mut fact = Fact::new(ConfigFact::Binding, info.map(|a| a.line).unwrap_or(binding.line));
            fact.set("site", site.name.clone())
                .set("site-id", site.id.clone())
                .set("wsus-site", site.wsus.to_string())
                .set("protocol", binding.value("protocol").unwrap_or("").to_string());
            match info {
                Some(info) => {
                    let protocol = binding.value("protocol").unwrap_or("");
                    if protocol.eq_ignore_ascii_case("http") || protocol.eq_ignore_ascii_case("https") {
                        match split_binding(&info.value) {
                            Some((ip, port, host)) => {
                                fact.set("ip", ip).set("port", port).set("host", host);
                            }
                            None => problems.push(
                                "bad binding",
                                Problem::at_line(
                                    info.line,
                                    format!("bindingInformation {:?} is not ip:port:host", info.value),
                                ),
                            ),
                        }
                    }
                    fact.set("binding-information", info.value.clone());
                    fact.set_opt("binding-ssl-flags", binding.value("sslFlags"));
                }
                None => problems.push(
                    "bad binding",
                    Problem::at_line(binding.line, "<binding> without bindingInformation"),
                ),
            }
            out.emit(fact);
        }
    }
    for app in &site.applications {
        for vdir in &app.vdirs {
            let Some(v) = doc.element(vdir.element) else { continue };
            let physical = v.attr("physicalPath");
            let vdir_type = if v.value("path").unwrap_or("/").trim_matches('/').is_empty() {
                "application"
            } else {
                "virtual-directory"
            };
            let mut fact = Fact::new(ConfigFact::Vdir, physical.map(|a| a.line).unwrap_or(v.line));
            for (name, value) in target_fields(site, &vdir.url, vdir_type) {
                fact.set(name, value);
            }
            fact.set_opt("physical-path", physical.map(|a| a.value.clone()))
                .set("app-pool", app.pool.clone())
                .set("application", app.path.clone());
            out.emit(fact);
            let target = Target {
                path: config_path(&site.name, &vdir.url),
                fields: target_fields(site, &vdir.url, vdir_type),
                anchor_line: v.line,
            };
            url_facts(levels, doc, &target, out, problems);
        }
        out.emit(aspnet_fact(site, app, pools, doc));
    }
}

/// `vdir-auth`, `ssl-flags`, `ip-restriction` of one target.
fn url_facts(levels: &ConfigLevels, doc: &ConfigDoc, target: &Target, out: &mut FactSink<'_>, problems: &mut Problems) {
    for fact in [
        iis_sections::auth_fact(levels, doc, target, problems),
        iis_sections::ssl_fact(levels, doc, target, problems),
        iis_sections::ip_fact(levels, doc, target, problems),
    ]
    .into_iter()
    .flatten()
    {
        out.emit(fact);
    }
}

/// `ip:port:host`; the address may be IPv6 in brackets, which holds colons.
fn split_binding(info: &str) -> Option<(String, String, String)> {
    let mut parts = info.rsplitn(3, ':');
    let host = parts.next()?;
    let port = parts.next()?;
    let ip = parts.next()?;
    if port.parse::<u16>().is_err() {
        return None;
    }
    let ip = if ip.is_empty() { "*" } else { ip };
    Some((ip.to_string(), port.to_string(), host.to_string()))
}

/// The `aspnet-version` of an application: its pool's runtime version and pipeline mode.
fn aspnet_fact(site: &Site, app: &Application, pools: &[Pool], doc: &ConfigDoc) -> Fact {
    let fields = target_fields(site, &join_url(&app.path, "/"), "application");
    let Some(pool) = pools.iter().find(|p| p.name.eq_ignore_ascii_case(&app.pool)) else {
        let mut fact = Fact::new(ConfigFact::AspnetVersion, app.pool_line);
        for (name, value) in fields {
            fact.set(name, value);
        }
        fact.set("pool", app.pool.clone())
            .set("source", "the pool is not defined in this file");
        return fact;
    };
    // Problems of these values were reported with the pool's own facts.
    let mut reported = Problems::default();
    let version = resolve(doc, pool, &RUNTIME_VERSION, &mut reported);
    let mode = resolve(doc, pool, &PIPELINE_MODE, &mut reported);
    let mut fact = Fact::new(ConfigFact::AspnetVersion, version.line);
    for (name, value) in fields {
        fact.set(name, value);
    }
    fact.set("runtime-version", version.value)
        .set("pipeline-mode", mode.value)
        .set("pool", pool.name.clone())
        .set("source", version.source)
        .set("basis", version.basis.name());
    fact
}

/// Facts of `<location>` paths that name no virtual directory of the file (a physical folder, or a
/// site this file does not define): only what their own block sets.
fn location_only_facts(
    doc: &ConfigDoc,
    levels: &ConfigLevels,
    sites: &[Site],
    out: &mut FactSink<'_>,
    problems: &mut Problems,
) {
    let known: Vec<String> = sites
        .iter()
        .flat_map(|s| {
            s.applications
                .iter()
                .flat_map(|a| a.vdirs.iter())
                .map(|v| config_path(&s.name, &v.url).to_ascii_lowercase())
                .chain(std::iter::once(s.name.to_ascii_lowercase()))
        })
        .collect();
    for path in levels.location_paths() {
        if known.contains(&path.to_ascii_lowercase()) {
            continue;
        }
        let anchor = levels
            .scopes
            .iter()
            .find(|s| s.path.eq_ignore_ascii_case(path))
            .map(|s| s.line)
            .unwrap_or(1);
        let target = Target {
            path: path.to_string(),
            fields: scope_fields(path, sites)
                .into_iter()
                .chain(std::iter::once(("vdir-type", "location".to_string())))
                .collect(),
            anchor_line: anchor,
        };
        let sets = |sections: &[&str]| sections.iter().any(|s| levels.has_section_at(s, path));
        if sets(&[ANONYMOUS, WINDOWS, BASIC, DIGEST])
            && let Some(f) = iis_sections::auth_fact(levels, doc, &target, problems)
        {
            out.emit(f);
        }
        if sets(&[ACCESS])
            && let Some(f) = iis_sections::ssl_fact(levels, doc, &target, problems)
        {
            out.emit(f);
        }
        if sets(&[IP_SECURITY])
            && let Some(f) = iis_sections::ip_fact(levels, doc, &target, problems)
        {
            out.emit(f);
        }
    }
}

/// Scope fields of a location path: the site (and its id when the file defines it) and the URL.
fn scope_fields(path: &str, sites: &[Site]) -> Vec<(&'static str, String)> {
    let path = iis_sections::normalize_path(path);
    if path.is_empty() {
        return Vec::new();
    }
    let (site_name, rest) = path.split_once('/').unwrap_or((path.as_str(), ""));
    let url = format!("/{rest}");
    let site = sites.iter().find(|s| s.name.eq_ignore_ascii_case(site_name));
    let mut fields = vec![(
        "site",
        site.map(|s| s.name.clone()).unwrap_or_else(|| site_name.to_string()),
    )];
    if let Some(s) = site {
        fields.push(("site-id", s.id.clone()));
        fields.push(("wsus-site", s.wsus.to_string()));
    }
    fields.push(("vdir", url.clone()));
    if let Some(w) = wsus_vdir(&url) {
        fields.push(("wsus-vdir", w.to_string()));
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_spans_in_minutes() {
        assert_eq!(timespan_minutes("1.05:00:00"), Some(1740.0));
        assert_eq!(timespan_minutes("00:20:00"), Some(20.0));
        assert_eq!(timespan_minutes("00:00:00"), Some(0.0));
        assert_eq!(timespan_minutes("00:00:30"), Some(0.5));
        assert_eq!(timespan_minutes("20"), None);
        assert_eq!(timespan_minutes("00:61:00"), None);
        assert_eq!(format_minutes(1740.0), "1740");
        assert_eq!(format_minutes(0.5), "0.50");
    }

    #[test]
    fn urls_join_application_and_vdir_paths() {
        assert_eq!(join_url("/", "/"), "/");
        assert_eq!(join_url("/", "/Content"), "/Content");
        assert_eq!(join_url("/ApiRemoting30", "/"), "/ApiRemoting30");
        assert_eq!(join_url("/a/", "/b"), "/a/b");
        assert_eq!(config_path("WSUS Administration", "/"), "WSUS Administration");
        assert_eq!(
            config_path("WSUS Administration", "/Content"),
            "WSUS Administration/Content"
        );
    }

    #[test]
    fn bindings_split_into_ip_port_host() {
        assert_eq!(split_binding("*:8530:"), Some(("*".into(), "8530".into(), "".into())));
        assert_eq!(
            split_binding("192.168.0.1:80:www.contoso.com"),
            Some(("192.168.0.1".into(), "80".into(), "www.contoso.com".into()))
        );
        assert_eq!(
            split_binding("[::1]:443:"),
            Some(("[::1]".into(), "443".into(), "".into()))
        );
        assert_eq!(split_binding(":80:"), Some(("*".into(), "80".into(), "".into())));
        assert_eq!(split_binding("808:*"), None);
    }
}
