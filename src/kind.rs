//! The vocabulary of file kinds a bundle can hold (CONTRACT.md `files[].kind`).
//!
//! Intake assigns a kind to every file; formats parse by kind; signatures select records by kind.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What a file in a bundle is, decided from its content (the name is only a hint).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    WsusSoftwaredistributionLog,
    WsusChangeLog,
    WsusSetupLog,
    MsiLog,
    WindowsupdateLog,
    ReportingEventsLog,
    IisW3cLog,
    IisHttperrLog,
    IisMetabase,
    IisApplicationhostConfig,
    AspnetWebConfig,
    RegExport,
    RegQueryText,
    RegistryHive,
    Evtx,
    EventTextExport,
    CmtraceLog,
    Archive,
    Unknown,
}

impl FileKind {
    /// Every kind, in the order CONTRACT.md lists them.
    pub const ALL: [FileKind; 19] = [
        FileKind::WsusSoftwaredistributionLog,
        FileKind::WsusChangeLog,
        FileKind::WsusSetupLog,
        FileKind::MsiLog,
        FileKind::WindowsupdateLog,
        FileKind::ReportingEventsLog,
        FileKind::IisW3cLog,
        FileKind::IisHttperrLog,
        FileKind::IisMetabase,
        FileKind::IisApplicationhostConfig,
        FileKind::AspnetWebConfig,
        FileKind::RegExport,
        FileKind::RegQueryText,
        FileKind::RegistryHive,
        FileKind::Evtx,
        FileKind::EventTextExport,
        FileKind::CmtraceLog,
        FileKind::Archive,
        FileKind::Unknown,
    ];

    /// The contract name, e.g. `iis-w3c-log`.
    pub fn name(self) -> &'static str {
        match self {
            FileKind::WsusSoftwaredistributionLog => "wsus-softwaredistribution-log",
            FileKind::WsusChangeLog => "wsus-change-log",
            FileKind::WsusSetupLog => "wsus-setup-log",
            FileKind::MsiLog => "msi-log",
            FileKind::WindowsupdateLog => "windowsupdate-log",
            FileKind::ReportingEventsLog => "reporting-events-log",
            FileKind::IisW3cLog => "iis-w3c-log",
            FileKind::IisHttperrLog => "iis-httperr-log",
            FileKind::IisMetabase => "iis-metabase",
            FileKind::IisApplicationhostConfig => "iis-applicationhost-config",
            FileKind::AspnetWebConfig => "aspnet-web-config",
            FileKind::RegExport => "reg-export",
            FileKind::RegQueryText => "reg-query-text",
            FileKind::RegistryHive => "registry-hive",
            FileKind::Evtx => "evtx",
            FileKind::EventTextExport => "event-text-export",
            FileKind::CmtraceLog => "cmtrace-log",
            FileKind::Archive => "archive",
            FileKind::Unknown => "unknown",
        }
    }

    /// Parses a contract name back into a kind.
    pub fn from_name(name: &str) -> Option<FileKind> {
        FileKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Kinds whose content is binary rather than text.
    pub fn is_binary(self) -> bool {
        matches!(self, FileKind::RegistryHive | FileKind::Evtx | FileKind::Archive)
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Must, TestResult};

    #[test]
    fn names_round_trip_and_match_serde() -> TestResult {
        for kind in FileKind::ALL {
            assert_eq!(FileKind::from_name(kind.name()), Some(kind));
            let json = serde_json::to_string(&kind).must()?;
            assert_eq!(json, format!("\"{}\"", kind.name()));
        }
        Ok(())
    }
}
