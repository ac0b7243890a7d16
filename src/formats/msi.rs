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
