//! Windows Installer logs (`msiexec /l*v`, WSUS setup's MSI logs): what `grammars/formats/msi.toml`
//! cannot declare. The grammar reads each line (engine lines `MSI (s) (50:5C) [15:05:06:362]: …`,
//! `Action start/ended`, `CustomAction … returned actual error code`, `Property(S): …`, custom-action
//! output); this hook keeps the context of an action together: every record between
//! `Action start X` and `Action ended X` carries the field `action` = X (the innermost running
//! action), so the lines that explain a `Return value 3` are found by its `action`.

use super::engine::{Hooks, PendingRecord};

/// The actions running at the current line, outermost first.
#[derive(Debug, Default)]
pub struct ActionContext {
    running: Vec<String>,
}

impl Hooks for ActionContext {
    fn record(&mut self, record: &mut PendingRecord<'_>) {
        let named = record.field("action").map(str::to_string);
        match (record.field("action-event"), named) {
            (Some(event), Some(action)) if event.eq_ignore_ascii_case("start") => self.running.push(action),
            (Some(event), Some(action)) if event.eq_ignore_ascii_case("ended") => {
                if let Some(i) = self.running.iter().rposition(|a| *a == action) {
                    self.running.truncate(i);
                }
            }
            (_, None) => {
                if let Some(current) = self.running.last() {
                    record.push_field("action", current.clone());
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::formats::{ParseInput, ParseOptions, parse};
    use crate::intake::decode::TextEncoding;
    use crate::kind::FileKind;
    use crate::records::{Record, RecordSink};
    use crate::testing::{Must, TestResult};

    struct Actions(Vec<(u64, Option<String>)>);
    impl RecordSink for Actions {
        fn record(&mut self, r: &Record<'_>) {
            let crate::records::Position::Line(n) = r.position else {
                return;
            };
            self.0.push((n, r.field("action").map(str::to_string)));
        }
    }

    #[test]
    fn nested_actions_and_an_end_without_a_start() -> TestResult {
        let text = "Action start 10:00:00: INSTALL.\n\
                    Action start 10:00:01: CostInitialize.\n\
                    MSI (s) (A0:44) [10:00:01:100]: inside CostInitialize\n\
                    Action ended 10:00:02: CostInitialize. Return value 1.\n\
                    MSI (s) (A0:44) [10:00:02:100]: back in INSTALL\n\
                    Action ended 10:00:02: NeverStarted. Return value 1.\n\
                    Action ended 10:00:03: INSTALL. Return value 1.\n\
                    MSI (s) (A0:44) [10:00:03:100]: after everything\n";
        let options = ParseOptions::default();
        let input = ParseInput {
            path: "setup.log",
            bytes: text.as_bytes(),
            encoding: Some(TextEncoding::Utf8),
            format: Some("msi"),
            options: &options,
        };
        let mut sink = Actions(Vec::new());
        let out = parse(FileKind::MsiLog, &input, &mut sink).must()?;
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        let action = |line: u64| sink.0.iter().find(|(n, _)| *n == line).and_then(|(_, a)| a.clone());
        assert_eq!(action(3).as_deref(), Some("CostInitialize"));
        assert_eq!(action(5).as_deref(), Some("INSTALL"));
        assert_eq!(
            action(6).as_deref(),
            Some("NeverStarted"),
            "its own name, and the stack is unchanged"
        );
        assert_eq!(action(8), None);
        Ok(())
    }
}
