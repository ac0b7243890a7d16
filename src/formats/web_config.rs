//! ASP.NET / IIS application configuration (`web.config`), kind `aspnet-web-config`, read into
//! configuration facts (vocabulary in [`super::config_facts`]).
//!
//! A web.config configures the folder it stands in; which URL that folder serves only
//! applicationHost.config knows. Every fact carries `directory` (the folder's name) and, when the
//! folder is one WSUS installs (`…\WebServices\ClientWebService\web.config` → `/ClientWebService`,
//! `…\WebServices\Root\web.config` → `/`), `vdir` and `wsus-vdir`.
//!
//! Facts, in document order:
//! - `app-setting` (`<appSettings>`: WSUS tuning keys such as `maxInstalledPrerequisites`,
//!   `maxCachedUpdates`), `impersonation` (`<system.web><identity impersonate=…>`),
//!   `integrated-mode-validation` (`<system.webServer><validation …>`), `mime-map` (with
//!   `removed-before`: whether a `<remove>`/`<clear/>` precedes the add, since the server level may
//!   already define the extension), `ip-rule`, `compression-scheme`;
//! - `vdir-auth`, `ssl-flags`, `ip-restriction` for the file's level and each `<location>`, with
//!   only what the file SETS: a value it does not set comes from the levels above, which this file
//!   does not show, so no schema default is assumed (the fields are absent).
//!
//! Flow: bytes → [`config_xml`] tree → [`iis_sections`] levels (`web.config`, `web.config location X`).

use super::config_facts::{FactSink, wsus_vdir};
use super::config_xml::{self, ReadConfig};
use super::iis_sections::{
    self, ACCESS, ANONYMOUS, BASIC, ConfigLevels, DIGEST, FileLevel, IP_SECURITY, Target, WINDOWS,
};
use super::{ParseInput, ParseOutcome};
use crate::records::{Problem, RecordSink};

pub fn parse(input: &ParseInput<'_>, sink: &mut dyn RecordSink) -> ParseOutcome {
    let ReadConfig {
        doc,
        mut problems,
        notes,
    } = config_xml::read(input.bytes, input.encoding);
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
    let folder = FileFolder::of(input.path);
    let levels = ConfigLevels::build(&doc, FileLevel::WebConfig);
    let mut out = FactSink::new(&doc, sink);
    let describe = |path: &str| folder.fields(path);
    for fact in iis_sections::element_facts(&levels, &doc, &describe, &mut problems) {
        out.emit(fact);
    }
    for (index, scope) in levels.scopes.iter().enumerate() {
        let own_level = scope.path.is_empty();
        // The file's level is scope 0; a path written twice has its facts with its first block.
        let first = levels
            .scopes
            .iter()
            .position(|s| s.path.eq_ignore_ascii_case(&scope.path))
            .unwrap_or(index);
        if (own_level && index != 0) || first != index {
            continue;
        }
        let target = Target {
            path: scope.path.clone(),
            fields: folder
                .fields(&scope.path)
                .into_iter()
                .chain(std::iter::once((
                    "vdir-type",
                    if own_level { "web.config" } else { "location" }.to_string(),
                )))
                .collect(),
            anchor_line: scope.line,
        };
        let sets = |sections: &[&str]| own_level || sections.iter().any(|s| levels.has_section_at(s, &scope.path));
        let facts = [
            sets(&[ANONYMOUS, WINDOWS, BASIC, DIGEST])
                .then(|| iis_sections::auth_fact(&levels, &doc, &target, &mut problems))
                .flatten(),
            sets(&[ACCESS])
                .then(|| iis_sections::ssl_fact(&levels, &doc, &target, &mut problems))
                .flatten(),
            sets(&[IP_SECURITY])
                .then(|| iis_sections::ip_fact(&levels, &doc, &target, &mut problems))
                .flatten(),
        ];
        for fact in facts.into_iter().flatten() {
            out.emit(fact);
        }
    }
    ParseOutcome {
        records: out.records,
        problems: problems.finish(),
        notes,
        time_zone: None,
    }
}

/// The folder a web.config stands in, and the WSUS URL it serves when the folder says so.
struct FileFolder {
    directory: String,
    /// `/ClientWebService`, `/` for `WebServices\Root`; `None` for a folder WSUS does not install.
    vdir: Option<String>,
}

impl FileFolder {
    fn of(path: &str) -> FileFolder {
        let mut parts = path.rsplit(['/', '\\']).skip(1);
        let directory = parts.next().unwrap_or("").to_string();
        let parent = parts.next().unwrap_or("");
        let vdir = if let Some(name) = wsus_vdir(&directory) {
            Some(format!("/{name}"))
        } else if directory.eq_ignore_ascii_case("Root") && parent.eq_ignore_ascii_case("WebServices") {
            Some("/".to_string())
        } else {
            None
        };
        FileFolder { directory, vdir }
    }

    /// Scope fields of a level of this file (`""` = the file itself, else a location path).
    fn fields(&self, location: &str) -> Vec<(&'static str, String)> {
        let location = iis_sections::normalize_path(location);
        let mut fields = vec![("directory", self.directory.clone())];
        if let Some(base) = &self.vdir {
            let url = match (base.as_str(), location.is_empty()) {
                (base, true) => base.to_string(),
                ("/", false) => format!("/{location}"),
                (base, false) => format!("{base}/{location}"),
            };
            if let Some(w) = wsus_vdir(&url) {
                fields.push(("wsus-vdir", w.to_string()));
            }
            fields.push(("vdir", url));
        } else if !location.is_empty() {
            fields.push(("location", location));
        }
        fields
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_the_wsus_vdir() {
        let f = FileFolder::of("Server/Update Services/WebServices/ClientWebService/web.config");
        assert_eq!(
            (f.directory.as_str(), f.vdir.as_deref()),
            ("ClientWebService", Some("/ClientWebService"))
        );
        let f = FileFolder::of(r"C:\Program Files\Update Services\WebServices\Root\web.config");
        assert_eq!(f.vdir.as_deref(), Some("/"));
        assert_eq!(
            f.fields("ApiRemoting30").last().cloned(),
            Some(("vdir", "/ApiRemoting30".to_string()))
        );
        let f = FileFolder::of("site/app/web.config");
        assert_eq!((f.directory.as_str(), f.vdir), ("app", None));
        assert_eq!(FileFolder::of("web.config").directory, "");
    }
}
