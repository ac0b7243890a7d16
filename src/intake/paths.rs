//! Normalization of member names: what an archive calls a file becomes a safe, `/`-separated path
//! inside the bundle. Nothing here touches the disk; the result is only ever a display name.

/// A normalized member name and what had to be changed to get it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalizedName {
    pub path: String,
    /// Human-readable notes on what was removed (`..`, an absolute root, a drive letter).
    pub changes: Vec<&'static str>,
}

/// Turns `C:\logs\..\..\x.log` into `logs/x.log`-style relative paths: `\` becomes `/`, drive
/// letters, UNC and absolute roots are dropped, `.` and `..` components are removed.
pub fn normalize_member_name(raw: &str) -> NormalizedName {
    let mut changes = Vec::new();
    let mut s = raw.replace('\\', "/");
    if s.contains('\0') {
        s = s.replace('\0', "");
        changes.push("NUL characters removed");
    }
    let bytes = s.as_bytes();
    if bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic() {
        s = s[2..].to_string();
        changes.push("drive letter removed");
    }
    if s.starts_with('/') {
        changes.push("absolute path made relative");
    }
    let mut parts: Vec<&str> = Vec::new();
    let mut dotdot = false;
    for part in s.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                dotdot = true;
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    if dotdot {
        changes.push("'..' components removed");
    }
    NormalizedName {
        path: parts.join("/"),
        changes,
    }
}

/// Joins a container path and a member path with `/` (the contract's `outer.zip/inner/x.log`).
pub fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backslashes_and_traversal() {
        let n = normalize_member_name("..\\..\\Windows\\System32\\x.log");
        assert_eq!(n.path, "Windows/System32/x.log");
        assert!(n.changes.contains(&"'..' components removed"));
    }

    #[test]
    fn drive_letters_and_roots() {
        assert_eq!(
            normalize_member_name("C:\\inetpub\\logs\\u_ex1.log").path,
            "inetpub/logs/u_ex1.log"
        );
        assert_eq!(normalize_member_name("/etc/passwd").path, "etc/passwd");
        assert_eq!(normalize_member_name("//server/share/a.log").path, "server/share/a.log");
    }

    #[test]
    fn plain_names_are_unchanged() {
        let n = normalize_member_name("Logs/IIS/u_ex051102.log");
        assert_eq!(n.path, "Logs/IIS/u_ex051102.log");
        assert!(n.changes.is_empty());
    }

    #[test]
    fn inner_dotdot_stays_inside() {
        assert_eq!(normalize_member_name("a/b/../c.log").path, "a/c.log");
    }
}
