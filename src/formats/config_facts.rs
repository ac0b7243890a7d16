//! Configuration facts: the vocabulary the IIS configuration parsers (applicationHost.config,
//! web.config, MetaBase.xml) speak, and the one way they emit a fact as a [`Record`].
//!
//! A fact is a record of the configuration file's kind with `fact = <name>` and the fact's own
//! fields; its `position` is the line of the attribute (or element) that decides it and its `text`
//! that line exactly, so the matcher cites what a reader sees on opening the file at that line.
//! A value the file only implies (the IIS schema default) is cited at the closest element line with
//! `basis = "schema default"`.
//!
//! Facts and fields (every value a string; booleans `true`/`false`; sizes and counts in decimal):
//!
//! | `fact` | fields |
//! |---|---|
//! | `site` | `site`, `site-id`, `wsus-site` |
//! | `binding` | `site`, `site-id`, `wsus-site`, `protocol`, `ip` (`*` = all), `port`, `host` (empty = none), `binding-information`, `binding-ssl-flags` (SNI/central store bits as written), `certificate-hash` (MetaBase `SSLCertHash`) |
//! | `vdir` | `site`, `site-id`, `wsus-site`, `vdir`, `wsus-vdir`, `vdir-type`, `physical-path`, `app-pool`, `application` |
//! | `vdir-auth` | target fields, `anonymous`, `windows`, `basic`, `digest`, `anonymous-user`, `source`, `basis` (both about `anonymous`, the deciding value, whose line is the record's), `windows-source`, `windows-line`, `basic-source`, `basic-line`, `digest-source`, `digest-line`; MetaBase adds `auth-flags` as written |
//! | `ssl-flags` | target fields, `ssl-flags` (IIS 7 names: `None`, `Ssl`, `SslNegotiateCert`, `SslRequireCert`, `SslMapCert`, `Ssl128`), `ssl-flags-value`, `require-ssl`, `client-certificates` (`ignore`/`accept`/`require`), `value` (as written), `source`, `basis` |
//! | `ip-restriction` | target fields, `allow-unlisted`, `rules`, `allowed-rules`, `denied-rules`, `loopback` (`allowed`/`denied`), `deny-action`, `decoded`, `source`, `basis` |
//! | `ip-rule` | scope fields, `ip-address`, `subnet-mask`, `domain-name`, `allowed` |
//! | `mime-map` | scope fields, `action` (`add`/`remove`/`clear`), `extension`, `mime-type`, `duplicate`, `duplicate-of`, `removed-before` |
//! | `compression-scheme` | scope fields, `name`, `dll`, `do-dynamic-compression`, `do-static-compression`, `dynamic-level`, `static-level` |
//! | `app-pool` | `pool`, `setting`, `<setting>` = value (one setting per record), `value`, `source`, `basis`, `note` (+ `<setting>-minutes` for time spans) |
//! | `aspnet-version` | target fields, `runtime-version` (`v4.0`, `v2.0.50727`; empty = no managed code / no ASP.NET script map), `pipeline-mode`, `pool`, `framework-path`, `extension`, `source`, `basis` |
//! | `impersonation` | scope fields, `impersonate`, `user-name`, `basis` |
//! | `integrated-mode-validation` | scope fields, `validate`, `basis` |
//! | `app-setting` | scope fields, `action`, `key`, `value` |
//!
//! *Target fields* (`site`, `site-id`, `wsus-site`, `vdir`, `wsus-vdir`, `vdir-type` =
//! `application` / `virtual-directory` / `directory` / `location` / `web.config`) name the URL the
//! effective value applies to; *scope fields* (`scope` = `server level`, `location <path>`,
//! `web.config`, `web.config location <path>` or `key <metabase path>`, plus `site`, `site-id`,
//! `vdir`, `wsus-vdir` when the scope is inside a site) name where the element stands; facts of a
//! web.config also carry `directory` (its folder) and `location` when no URL can be inferred. `vdir` is the URL path (`/` for the site
//! root, `/Content`); `wsus-vdir` is the canonical WSUS name of a top-level WSUS virtual directory
//! (`Content`, `ClientWebService`, `SimpleAuthWebService`, `SelfUpdate`, `ServerSyncWebService`,
//! `DssAuthWebService`, `ReportingWebService`, `ApiRemoting30`, `Inventory`, `WSUSAdmin`) matched
//! case-insensitively, absent otherwise; `wsus-site` is `true` on a site that holds WSUS web services.
//! `basis` is `explicit` (set where the fact applies), `inherited` (set on a parent level,
//! `<applicationPoolDefaults>` or a parent metabase key) or `schema default`.

use super::config_xml::ConfigDoc;
use crate::records::{Fields, Position, Record, RecordSink};
use std::borrow::Cow;

/// The kinds of configuration fact (the `fact` field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigFact {
    Site,
    Binding,
    Vdir,
    VdirAuth,
    SslFlags,
    IpRestriction,
    IpRule,
    MimeMap,
    CompressionScheme,
    AppPool,
    AspnetVersion,
    Impersonation,
    IntegratedModeValidation,
    AppSetting,
}

impl ConfigFact {
    pub fn name(self) -> &'static str {
        match self {
            ConfigFact::Site => "site",
            ConfigFact::Binding => "binding",
            ConfigFact::Vdir => "vdir",
            ConfigFact::VdirAuth => "vdir-auth",
            ConfigFact::SslFlags => "ssl-flags",
            ConfigFact::IpRestriction => "ip-restriction",
            ConfigFact::IpRule => "ip-rule",
            ConfigFact::MimeMap => "mime-map",
            ConfigFact::CompressionScheme => "compression-scheme",
            ConfigFact::AppPool => "app-pool",
            ConfigFact::AspnetVersion => "aspnet-version",
            ConfigFact::Impersonation => "impersonation",
            ConfigFact::IntegratedModeValidation => "integrated-mode-validation",
            ConfigFact::AppSetting => "app-setting",
        }
    }
}

/// Where an effective value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// Written where the fact applies.
    Explicit,
    /// Written on a parent level and inherited.
    Inherited,
    /// Not written anywhere in the file: the IIS schema default.
    SchemaDefault,
}

impl Basis {
    pub fn name(self) -> &'static str {
        match self {
            Basis::Explicit => "explicit",
            Basis::Inherited => "inherited",
            Basis::SchemaDefault => "schema default",
        }
    }
}

/// A fact being built: its line and fields, in the order they will be written.
#[derive(Debug, Clone)]
pub struct Fact {
    pub fact: ConfigFact,
    pub line: u64,
    fields: Vec<(&'static str, String)>,
}

impl Fact {
    pub fn new(fact: ConfigFact, line: u64) -> Fact {
        Fact {
            fact,
            line,
            fields: Vec::new(),
        }
    }

    pub fn set(&mut self, name: &'static str, value: impl Into<String>) -> &mut Fact {
        self.fields.push((name, value.into()));
        self
    }

    /// Sets the field only when there is a value.
    pub fn set_opt(&mut self, name: &'static str, value: Option<impl Into<String>>) -> &mut Fact {
        if let Some(v) = value {
            self.fields.push((name, v.into()));
        }
        self
    }

    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Fact {
        self.set(name, value);
        self
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }
}

/// Sends facts to the record sink, citing the document's lines, and counts them.
pub struct FactSink<'a> {
    doc: &'a ConfigDoc,
    sink: &'a mut dyn RecordSink,
    pub records: u64,
}

impl<'a> FactSink<'a> {
    pub fn new(doc: &'a ConfigDoc, sink: &'a mut dyn RecordSink) -> FactSink<'a> {
        FactSink { doc, sink, records: 0 }
    }

    pub fn emit(&mut self, fact: Fact) {
        let mut fields = Fields::with_capacity(fact.fields.len() + 1);
        fields.push("fact", fact.fact.name());
        for (name, value) in fact.fields {
            fields.push(name, value);
        }
        let record = Record {
            position: Position::Line(fact.line),
            time: None,
            text: Cow::Borrowed(self.doc.line_text(fact.line)),
            continuation: Vec::new(),
            fields,
        };
        self.sink.record(&record);
        self.records += 1;
    }
}

/// The WSUS virtual directories, with their canonical spelling.
pub const WSUS_VDIRS: [&str; 10] = [
    "Content",
    "ClientWebService",
    "SimpleAuthWebService",
    "SelfUpdate",
    "ServerSyncWebService",
    "DssAuthWebService",
    "ReportingWebService",
    "ApiRemoting30",
    "Inventory",
    "WSUSAdmin",
];

/// The canonical WSUS name of a top-level URL path (`/selfupdate` → `SelfUpdate`).
pub fn wsus_vdir(url_path: &str) -> Option<&'static str> {
    let name = url_path.trim_matches('/');
    if name.contains('/') {
        return None;
    }
    WSUS_VDIRS.iter().copied().find(|v| v.eq_ignore_ascii_case(name))
}

/// Whether a vdir name marks its site as the WSUS site (the web services, not `Content` alone,
/// which another product may own).
pub fn is_wsus_service(url_path: &str) -> bool {
    matches!(
        wsus_vdir(url_path),
        Some("ClientWebService" | "SimpleAuthWebService" | "ServerSyncWebService" | "ApiRemoting30" | "WSUSAdmin")
    )
}

/// An IIS boolean (`true`/`false`, any case; the metabase writes `TRUE`/`FALSE`), normalized.
pub fn bool_value(text: &str) -> Option<&'static str> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("true") || t == "1" {
        Some("true")
    } else if t.eq_ignore_ascii_case("false") || t == "0" {
        Some("false")
    } else {
        None
    }
}

/// SSL flag bits, shared by IIS 7 `sslFlags` and IIS 6 `AccessSSLFlags` (same numeric values).
pub const SSL_FLAGS: [(&str, &str, u32); 5] = [
    ("Ssl", "AccessSSL", 8),
    ("SslNegotiateCert", "AccessSSLNegotiateCert", 32),
    ("SslRequireCert", "AccessSSLRequireCert", 64),
    ("SslMapCert", "AccessSSLMapCert", 128),
    ("Ssl128", "AccessSSL128", 256),
];

/// Parses an SSL flags value: names (IIS 7 or IIS 6 spelling, any case) joined by `,`, `|` or
/// spaces, or a decimal/hex number. Unknown words are returned as the error.
pub fn parse_ssl_flags(text: &str) -> Result<u32, String> {
    let mut bits = 0u32;
    for word in text.split([',', '|', ' ', '\t', '\n']).filter(|w| !w.is_empty()) {
        if word.eq_ignore_ascii_case("None") {
            continue;
        }
        if let Some(n) = parse_number(word) {
            bits |= n;
            continue;
        }
        match SSL_FLAGS
            .iter()
            .find(|(v7, v6, _)| v7.eq_ignore_ascii_case(word) || v6.eq_ignore_ascii_case(word))
        {
            Some((_, _, bit)) => bits |= bit,
            None => return Err(word.to_string()),
        }
    }
    Ok(bits)
}

/// Sets the derived SSL fields of a fact from the flag bits.
pub fn set_ssl_fields(fact: &mut Fact, bits: u32) {
    let names: Vec<&str> = SSL_FLAGS
        .iter()
        .filter(|(_, _, bit)| bits & bit != 0)
        .map(|(name, _, _)| *name)
        .collect();
    let names = if names.is_empty() {
        "None".to_string()
    } else {
        names.join(", ")
    };
    let client_certificates = if bits & 64 != 0 {
        "require"
    } else if bits & 32 != 0 {
        "accept"
    } else {
        "ignore"
    };
    fact.set("ssl-flags", names)
        .set("ssl-flags-value", bits.to_string())
        .set("require-ssl", if bits & 8 != 0 { "true" } else { "false" })
        .set("client-certificates", client_certificates);
}

/// A decimal or `0x` hexadecimal number.
pub fn parse_number(word: &str) -> Option<u32> {
    let w = word.trim();
    match w.strip_prefix("0x").or_else(|| w.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => w.parse().ok(),
    }
}

/// An IPv4 address as a number, for matching rules against the loopback address.
pub fn ipv4(text: &str) -> Option<u32> {
    text.trim().parse::<std::net::Ipv4Addr>().ok().map(u32::from)
}

/// `major.minor` framework version from an `aspnet_isapi.dll` path
/// (`C:\WINDOWS\Microsoft.NET\Framework\v2.0.50727\aspnet_isapi.dll` → `v2.0.50727`).
pub fn framework_version(path: &str) -> Option<&str> {
    let lower = path.to_ascii_lowercase();
    if !lower.contains("aspnet_isapi.dll") {
        return None;
    }
    path.split(['\\', '/']).find(|part| {
        part.strip_prefix(['v', 'V'])
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssl_flags_read_names_numbers_and_both_spellings() {
        assert_eq!(parse_ssl_flags("Ssl, SslNegotiateCert"), Ok(40));
        assert_eq!(parse_ssl_flags("ssl"), Ok(8));
        assert_eq!(parse_ssl_flags("8"), Ok(8));
        assert_eq!(parse_ssl_flags("AccessSSL | AccessSSLRequireCert"), Ok(72));
        assert_eq!(parse_ssl_flags("None"), Ok(0));
        assert_eq!(parse_ssl_flags("Ssl,Bogus"), Err("Bogus".to_string()));
        let mut f = Fact::new(ConfigFact::SslFlags, 1);
        set_ssl_fields(&mut f, 72);
        assert_eq!(f.get("ssl-flags"), Some("Ssl, SslRequireCert"));
        assert_eq!(f.get("client-certificates"), Some("require"));
        assert_eq!(f.get("require-ssl"), Some("true"));
    }

    #[test]
    fn wsus_vdir_names_are_canonical_and_top_level_only() {
        assert_eq!(wsus_vdir("/selfupdate"), Some("SelfUpdate"));
        assert_eq!(wsus_vdir("/Content"), Some("Content"));
        assert_eq!(wsus_vdir("/Content/0A"), None);
        assert_eq!(wsus_vdir("/"), None);
        assert!(is_wsus_service("/ClientWebService"));
        assert!(!is_wsus_service("/Content"));
    }

    #[test]
    fn framework_version_comes_from_the_isapi_path() {
        assert_eq!(
            framework_version(r"C:\WINDOWS\Microsoft.NET\Framework\v1.1.4322\aspnet_isapi.dll"),
            Some("v1.1.4322")
        );
        assert_eq!(framework_version(r"C:\WINDOWS\system32\inetsrv\asp.dll"), None);
    }
}
