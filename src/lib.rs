//! wsus-triage: an offline analyzer of Windows Server Update Services support bundles.
//!
//! The pipeline, one module per stage:
//!
//! 1. [`intake`] opens a bundle (folder, `.zip`, `.cab`, nested archives) without extracting it to
//!    disk, lists every file, classifies each by content and decodes its text;
//! 2. [`formats`] parses each file into [`records::Record`]s (one file per format), in parallel;
//! 3. [`signatures`] matches all records against the catalog of issue signatures in one pass;
//! 4. [`diagnosis`] turns the matches into ranked findings with cited evidence;
//! 5. [`report`] renders them: terminal (miette), JSON (CONTRACT.md), inventory tables.
//!
//! [`pipeline`] runs the stages for one bundle; the knowledge base (format grammars, signatures,
//! error codes) is data under `grammars/`, loaded by [`grammars`]. The binary is a thin shell over
//! this library.
#![deny(unsafe_code)]

pub mod codes;
pub mod diagnosis;
pub mod explain;
pub mod formats;
pub mod grammars;
pub mod intake;
pub mod kind;
pub mod pipeline;
pub mod records;
pub mod registry;
pub mod report;
pub mod signatures;
#[cfg(test)]
pub(crate) mod testing;
pub mod timeline;
pub mod triage;

/// The tool's version, as reported in JSON.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
