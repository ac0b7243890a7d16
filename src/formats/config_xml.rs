//! Tolerant XML reading for configuration files (applicationHost.config, web.config, MetaBase.xml).
//!
//! The decoded lines of the file (numbered exactly as every other parser numbers them: BOM removed,
//! UTF-16 decoded, a bad UTF-8 line read as Windows-1252) are joined into one text and read with
//! quick-xml into a small element tree in which every element and every attribute knows its line,
//! so a configuration fact can cite the line where its deciding attribute stands.
//!
//! Malformed input is read as far as it goes, each oddity a located [`Problem`]: an element left
//! open is closed by the next end tag of an ancestor, a stray end tag is ignored, a syntax error
//! skips to the next `<`, the complete attributes of a tag cut by the end of the file are kept,
//! and the end of a truncated file closes whatever is still open.
//!
//! Attribute values are kept raw (newlines inside a value are not normalized to spaces, MetaBase.xml
//! writes multi-valued properties that way) and unescaped; [`Attr::is_encrypted`] tells an IIS
//! `[enc:Provider:…:enc]` value, which cannot be read without the machine's keys.

use super::{Problems, TextView};
use crate::intake::decode::{self, LineStats, TextEncoding, for_each_line};
use crate::records::Problem;
use quick_xml::Reader;
use quick_xml::errors::{Error as XmlError, SyntaxError};
use quick_xml::events::Event;
use quick_xml::events::attributes::Attributes;
use std::ops::ControlFlow;

/// Index of an element in [`ConfigDoc::elements`].
pub type ElementId = usize;

/// One attribute as written.
#[derive(Debug, Clone)]
pub struct Attr {
    pub name: String,
    /// The value with entities resolved; newlines inside the value kept.
    pub value: String,
    /// The value exactly as written between the quotes.
    pub raw: String,
    /// Line of the attribute's name (where a reader sees it).
    pub line: u64,
    /// Line where the value starts (after the opening quote).
    pub value_line: u64,
}

impl Attr {
    /// An IIS-encrypted value (`[enc:AesProvider:…:enc]`): its content is not readable here.
    pub fn is_encrypted(&self) -> bool {
        let v = self.value.trim();
        v.starts_with("[enc:") && v.ends_with(":enc]")
    }

    /// The pieces of a multi-valued property written one per line inside the quotes, each with its
    /// own line, unescaped; blank pieces are skipped.
    pub fn lines(&self) -> impl Iterator<Item = (u64, String)> + '_ {
        (self.value_line..)
            .zip(self.raw.split('\n'))
            .filter_map(|(line, piece)| {
                let piece = piece.trim();
                if piece.is_empty() {
                    return None;
                }
                let text = quick_xml::escape::unescape(piece)
                    .map(|c| c.into_owned())
                    .unwrap_or_else(|_| piece.to_string());
                Some((line, text))
            })
    }
}

/// One element: its name, line, attributes and place in the tree.
#[derive(Debug, Clone)]
pub struct Element {
    pub name: String,
    /// Line of the `<` that opens the element.
    pub line: u64,
    pub attrs: Vec<Attr>,
    pub parent: Option<ElementId>,
    pub children: Vec<ElementId>,
    /// Whether the element was closed by its own end tag (or was empty, `<a/>`). An element left
    /// open is most often one meant to be empty (`<access sslFlags="ssl">` in iis-docs' sample),
    /// whose "children" are really its following siblings; readers may look at them both ways.
    pub closed: bool,
}

impl Element {
    /// The attribute called `name` (ASCII case-insensitive).
    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.attrs.iter().find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// The unescaped value of the attribute called `name`.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.attr(name).map(|a| a.value.as_str())
    }

    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }
}

/// A configuration file read into an element tree with exact lines.
#[derive(Debug, Default)]
pub struct ConfigDoc {
    /// The decoded lines joined with `\n`.
    text: String,
    /// Byte offset in `text` where each line starts (line n starts at `line_starts[n - 1]`).
    line_starts: Vec<usize>,
    pub elements: Vec<Element>,
    /// Top-level elements (normally one, `<configuration>`).
    pub roots: Vec<ElementId>,
    /// Encrypted attribute values seen anywhere (a note, not a problem: most are passwords).
    pub encrypted_values: u64,
}

/// The result of reading a file: the tree, the decoding notes and what could not be read.
pub struct ReadConfig {
    pub doc: ConfigDoc,
    pub problems: Problems,
    pub notes: Vec<String>,
}

/// Deepest nesting read; configuration files are a few levels deep, so this only stops hostile input.
const MAX_DEPTH: usize = 64;
/// Most elements read from one file.
const MAX_ELEMENTS: usize = 1_000_000;
/// Stands on the open-element stack for an element too deep to read, so its end tag pairs up.
const SKIPPED: ElementId = usize::MAX;

/// Decodes `bytes` (encoding sniffed when not given) and reads the XML tree.
pub fn read(bytes: &[u8], encoding: Option<TextEncoding>) -> ReadConfig {
    let encoding = encoding.unwrap_or_else(|| decode::sniff(bytes));
    let view = TextView::new(bytes, encoding);
    let mut text = String::with_capacity(view.data.len());
    let mut line_starts = Vec::new();
    let stats: LineStats = for_each_line(view.data, view.encoding, 1, |_, line| {
        line_starts.push(text.len());
        text.push_str(line);
        text.push('\n');
        ControlFlow::Continue(())
    });
    let mut notes = view.notes(&stats);
    let mut problems = Problems::default();
    let mut doc = ConfigDoc {
        text,
        line_starts,
        ..ConfigDoc::default()
    };
    build_tree(&mut doc, &mut problems);
    if doc.encrypted_values > 0 {
        notes.push(format!(
            "{} encrypted attribute values ([enc:…:enc]) cannot be read without the server's keys",
            doc.encrypted_values
        ));
    }
    ReadConfig { doc, problems, notes }
}

impl ConfigDoc {
    /// The decoded text of line `n` (1-based), without its line end; empty when out of range.
    pub fn line_text(&self, n: u64) -> &str {
        let Some(index) = usize::try_from(n).ok().and_then(|n| n.checked_sub(1)) else {
            return "";
        };
        let Some(&start) = self.line_starts.get(index) else {
            return "";
        };
        let end = self
            .line_starts
            .get(index + 1)
            .map(|&next| next.saturating_sub(1))
            .unwrap_or(self.text.len());
        let end = end.max(start);
        let line = self.text.get(start..end).unwrap_or("");
        line.strip_suffix('\n').unwrap_or(line)
    }

    /// Line (1-based) of a byte offset in the joined text.
    fn line_of(&self, offset: usize) -> u64 {
        self.line_starts.partition_point(|&start| start <= offset).max(1) as u64
    }

    pub fn element(&self, id: ElementId) -> Option<&Element> {
        self.elements.get(id)
    }

    /// The children of `id`, in document order.
    pub fn children(&self, id: ElementId) -> impl Iterator<Item = (ElementId, &Element)> {
        self.elements
            .get(id)
            .map(|e| e.children.as_slice())
            .unwrap_or(&[])
            .iter()
            .filter_map(|&c| self.elements.get(c).map(|e| (c, e)))
    }

    /// The children of `id` called `name`.
    pub fn children_named<'s>(
        &'s self,
        id: ElementId,
        name: &'s str,
    ) -> impl Iterator<Item = (ElementId, &'s Element)> + 's {
        self.children(id).filter(move |(_, e)| e.is(name))
    }

    /// The first child of `id` called `name`.
    pub fn child(&self, id: ElementId, name: &str) -> Option<(ElementId, &Element)> {
        self.children(id).find(|(_, e)| e.is(name))
    }

    /// The element reached from `id` through the child names of `path` (`"recycling/periodicRestart"`).
    pub fn descend(&self, id: ElementId, path: &str) -> Option<(ElementId, &Element)> {
        let mut current = (id, self.elements.get(id)?);
        for name in path.split('/').filter(|s| !s.is_empty()) {
            current = self.child(current.0, name)?;
        }
        Some(current)
    }

    /// The root element (`<configuration>` normally): the first top-level element.
    pub fn root(&self) -> Option<(ElementId, &Element)> {
        self.roots.first().and_then(|&r| self.elements.get(r).map(|e| (r, e)))
    }
}

/// Reads the events of `doc.text` into the tree, recovering from errors.
fn build_tree(doc: &mut ConfigDoc, problems: &mut Problems) {
    let text = std::mem::take(&mut doc.text);
    let mut stack: Vec<ElementId> = Vec::new();
    let mut resume = 0usize;
    let mut skipped_deep = 0u64;
    'restart: while resume < text.len() {
        let Some(rest) = text.get(resume..) else { break };
        let mut reader = Reader::from_str(rest);
        let config = reader.config_mut();
        config.check_end_names = false;
        config.allow_unmatched_ends = true;
        config.allow_dangling_amp = true;
        loop {
            let before = resume.saturating_add(usize::try_from(reader.buffer_position()).unwrap_or(0));
            match reader.read_event() {
                Ok(Event::Start(_) | Event::Empty(_)) if doc.elements.len() >= MAX_ELEMENTS => {
                    problems.push(
                        "too many elements",
                        Problem::at_line(
                            doc.line_of(before),
                            format!("more than {MAX_ELEMENTS} elements: the rest of the file is not read"),
                        ),
                    );
                    break 'restart;
                }
                Ok(Event::Start(tag)) => {
                    if stack.len() >= MAX_DEPTH {
                        skipped_deep += 1;
                        stack.push(SKIPPED);
                        continue;
                    }
                    let id = add_element(doc, &text, &tag, stack.last().copied(), problems);
                    stack.push(id);
                }
                Ok(Event::Empty(tag)) => {
                    if stack.len() >= MAX_DEPTH {
                        skipped_deep += 1;
                        continue;
                    }
                    let id = add_element(doc, &text, &tag, stack.last().copied(), problems);
                    if let Some(e) = doc.elements.get_mut(id) {
                        e.closed = true;
                    }
                }
                Ok(Event::End(end)) => {
                    let name = end.name();
                    let name = name.as_ref();
                    let line = doc.line_of(before);
                    close_element(doc, &mut stack, name, line, problems);
                }
                Ok(Event::Eof) => break 'restart,
                Ok(_) => {} // text, comments, declarations, CDATA: configuration lives in attributes
                Err(error) => {
                    let at = resume.saturating_add(usize::try_from(reader.error_position()).unwrap_or(0));
                    let line = doc.line_of(at);
                    let cut_tag = matches!(
                        error,
                        XmlError::Syntax(
                            SyntaxError::UnclosedTag
                                | SyntaxError::UnclosedDoubleQuotedAttributeValue
                                | SyntaxError::UnclosedSingleQuotedAttributeValue
                        )
                    );
                    let next_tag = text.get(at + 1..).and_then(|tail| tail.find('<')).map(|i| at + 1 + i);
                    if cut_tag && next_tag.is_none() {
                        salvage_cut_tag(doc, &text, at, stack.last().copied(), problems);
                        problems.push(
                            "cut tag",
                            Problem::at_line(
                                line,
                                "the file ends inside a tag (truncated file): complete attributes kept",
                            ),
                        );
                        break 'restart;
                    }
                    problems.push(
                        "malformed XML",
                        Problem::at_line(line, format!("malformed XML ({error}): skipped to the next tag")),
                    );
                    match next_tag {
                        Some(next) if next > resume => resume = next,
                        _ => break 'restart,
                    }
                    continue 'restart;
                }
            }
        }
    }
    if skipped_deep > 0 {
        problems.push(
            "too deep",
            Problem::new(format!(
                "{skipped_deep} elements nested deeper than {MAX_DEPTH} levels were not read"
            )),
        );
    }
    let open: Vec<ElementId> = stack.into_iter().filter(|&id| id != SKIPPED).collect();
    if let Some(&innermost) = open.last()
        && let Some(element) = doc.elements.get(innermost)
    {
        let last_line = doc.line_starts.len() as u64;
        problems.push(
            "unclosed at end",
            Problem::at_line(
                last_line.max(1),
                format!(
                    "the file ends with {} element(s) still open, innermost <{}> of line {}: truncated file?",
                    open.len(),
                    element.name,
                    element.line
                ),
            ),
        );
    }
    doc.text = text;
}

/// Closes the innermost open element called `name`, closing (and reporting) the ones left open
/// inside it; an end tag that matches nothing open is reported and ignored.
fn close_element(doc: &mut ConfigDoc, stack: &mut Vec<ElementId>, name: &str, line: u64, problems: &mut Problems) {
    let matches =
        |id: &ElementId| *id == SKIPPED || doc.elements.get(*id).is_some_and(|e| e.name.eq_ignore_ascii_case(name));
    let Some(depth) = stack.iter().rposition(matches) else {
        problems.push(
            "stray end tag",
            Problem::at_line(line, format!("</{name}> closes no open element: ignored")),
        );
        return;
    };
    for &unclosed in stack.get(depth + 1..).unwrap_or(&[]) {
        if let Some(element) = doc.elements.get(unclosed) {
            problems.push(
                "unclosed element",
                Problem::at_line(
                    element.line,
                    format!("<{}> is not closed (closed by </{name}> at line {line})", element.name),
                ),
            );
        }
    }
    if let Some(closed) = stack.get(depth).and_then(|&id| doc.elements.get_mut(id)) {
        closed.closed = true;
    }
    stack.truncate(depth);
}

/// Adds the element of a start or empty tag under `parent`.
fn add_element(
    doc: &mut ConfigDoc,
    text: &str,
    tag: &quick_xml::events::BytesStart<'_>,
    parent: Option<ElementId>,
    problems: &mut Problems,
) -> ElementId {
    let content: &str = tag;
    let content_start = offset_in(text, content).unwrap_or(0);
    let name = tag.name().as_ref().to_string();
    let line = doc.line_of(content_start.saturating_sub(1));
    let attrs = read_attributes(doc, text, tag.attributes(), line, AttrErrors::Report, problems);
    push_element(doc, name, line, attrs, parent)
}

fn push_element(
    doc: &mut ConfigDoc,
    name: String,
    line: u64,
    attrs: Vec<Attr>,
    parent: Option<ElementId>,
) -> ElementId {
    let id = doc.elements.len();
    doc.elements.push(Element {
        name,
        line,
        attrs,
        parent,
        children: Vec::new(),
        closed: false,
    });
    match parent.and_then(|p| doc.elements.get_mut(p)) {
        Some(p) => p.children.push(id),
        None => doc.roots.push(id),
    }
    id
}

/// What to do with an attribute that cannot be read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum AttrErrors {
    Report,
    /// The tag is known to be cut: the first bad attribute is where the file ends.
    Stop,
}

fn read_attributes(
    doc: &mut ConfigDoc,
    text: &str,
    attributes: Attributes<'_>,
    tag_line: u64,
    on_error: AttrErrors,
    problems: &mut Problems,
) -> Vec<Attr> {
    let mut attrs = Vec::new();
    for attr in attributes {
        let attr = match attr {
            Ok(a) => a,
            Err(_) if on_error == AttrErrors::Stop => break,
            Err(error) => {
                problems.push(
                    "bad attribute",
                    Problem::at_line(tag_line, format!("attribute not read ({error})")),
                );
                continue;
            }
        };
        let name: &str = attr.key.as_ref();
        let raw: &str = attr.value.as_ref();
        let line = offset_in(text, name).map(|o| doc.line_of(o)).unwrap_or(tag_line);
        let value_line = offset_in(text, raw).map(|o| doc.line_of(o)).unwrap_or(line);
        let value = match quick_xml::escape::unescape(raw) {
            Ok(v) => v.into_owned(),
            Err(error) => {
                problems.push(
                    "bad entity",
                    Problem::at_line(line, format!("value of {name} kept as written ({error})")),
                );
                raw.to_string()
            }
        };
        let attr = Attr {
            name: name.to_string(),
            value,
            raw: raw.to_string(),
            line,
            value_line,
        };
        if attr.is_encrypted() {
            doc.encrypted_values += 1;
        }
        attrs.push(attr);
    }
    attrs
}

/// Keeps the element of a tag cut by the end of the file, with the attributes that are complete.
fn salvage_cut_tag(doc: &mut ConfigDoc, text: &str, at: usize, parent: Option<ElementId>, problems: &mut Problems) {
    let Some(tail) = text.get(at + 1..) else { return };
    let name_len = tail
        .find(|c: char| c.is_whitespace() || c == '/' || c == '>')
        .unwrap_or(tail.len());
    let Some(name) = tail.get(..name_len) else { return };
    if name.is_empty() || name.starts_with(['!', '?']) {
        return;
    }
    let line = doc.line_of(at);
    // The attribute cut by the end of the file is an error of the iterator: stop there.
    let attrs = read_attributes(
        doc,
        text,
        Attributes::new(tail, name_len),
        line,
        AttrErrors::Stop,
        problems,
    );
    push_element(doc, name.to_string(), line, attrs, parent);
}

/// Byte offset of `inner` inside `outer` when `inner` is a sub-slice of it.
fn offset_in(outer: &str, inner: &str) -> Option<usize> {
    let start = (inner.as_ptr() as usize).checked_sub(outer.as_ptr() as usize)?;
    (start + inner.len() <= outer.len()).then_some(start)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Must, TestResult};

    fn doc(text: &str) -> ReadConfig {
        read(text.as_bytes(), None)
    }

    fn names(d: &ConfigDoc) -> Vec<(String, u64)> {
        d.elements.iter().map(|e| (e.name.clone(), e.line)).collect()
    }

    #[test]
    fn elements_and_attributes_know_their_lines() -> TestResult {
        let r = doc("<configuration>\r\n  <a x=\"1\"\r\n     y=\"2\" />\r\n</configuration>\r\n");
        assert!(r.problems.finish().is_empty());
        let a = &r.doc.elements[1];
        assert_eq!((a.name.as_str(), a.line), ("a", 2));
        assert_eq!(a.attr("x").map(|x| x.line), Some(2));
        assert_eq!(a.attr("Y").map(|x| (x.line, x.value.as_str())), Some((3, "2")));
        assert_eq!(r.doc.line_text(3), "     y=\"2\" />");
        assert_eq!(r.doc.line_text(99), "");
        Ok(())
    }

    #[test]
    fn multi_line_values_keep_their_pieces_and_lines() -> TestResult {
        let r = doc("<K\tLocation =\"/LM/W3SVC\"\n\tScriptMaps=\".asp,a.dll,1\n\t\t.asmx,b.dll,1\"\n>\n</K>\n");
        let k = &r.doc.elements[0];
        assert_eq!(k.value("Location"), Some("/LM/W3SVC"));
        let pieces: Vec<_> = k.attr("ScriptMaps").into_iter().flat_map(|a| a.lines()).collect();
        assert_eq!(
            pieces,
            vec![(2, ".asp,a.dll,1".to_string()), (3, ".asmx,b.dll,1".to_string())]
        );
        Ok(())
    }

    #[test]
    fn unclosed_element_is_closed_by_its_parent_end_tag() -> TestResult {
        let r = doc(
            "<location path=\"Contoso\">\n <security>\n  <access sslFlags=\"ssl\">\n </security>\n <x/>\n</location>\n",
        );
        let problems = r.problems.finish();
        assert_eq!(
            problems,
            vec![Problem::at_line(
                3,
                "<access> is not closed (closed by </security> at line 4)"
            )]
        );
        let x = r.doc.elements.iter().position(|e| e.name == "x").must()?;
        assert_eq!(
            r.doc.elements[x].parent,
            Some(0),
            "x belongs to location, not to access"
        );
        Ok(())
    }

    #[test]
    fn truncated_file_keeps_complete_attributes_of_the_cut_tag() -> TestResult {
        let r = doc("<configuration>\n<add name=\"WsusPool\" queueLength=\"2000\" managedRun");
        let problems = r.problems.finish();
        let add = r.doc.elements.iter().find(|e| e.name == "add").must()?;
        assert_eq!(add.value("queueLength"), Some("2000"));
        assert_eq!(add.line, 2);
        assert!(
            problems
                .iter()
                .any(|p| p.line == Some(2) && p.message.contains("ends inside a tag")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.message.contains("still open")),
            "{problems:?}"
        );
        Ok(())
    }

    #[test]
    fn syntax_error_skips_to_the_next_tag() -> TestResult {
        let r = doc("<configuration>\n<!-- cut comment\n<a v=\"1\"/>\n</configuration>\n");
        // An unclosed comment swallows the rest: nothing after it can be trusted, but nothing panics.
        assert!(!r.problems.finish().is_empty());
        let r = doc("<configuration>\n<a v=\"1\" < />\n<b v=\"2\"/>\n</configuration>\n");
        assert!(
            r.doc
                .elements
                .iter()
                .any(|e| e.name == "b" && e.value("v") == Some("2")),
            "{:?}",
            names(&r.doc)
        );
        Ok(())
    }

    #[test]
    fn utf16_and_bom_give_the_same_lines() -> TestResult {
        let text = "<configuration>\r\n<a enabled=\"false\" />\r\n</configuration>\r\n";
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(text.as_bytes());
        for bytes in [utf16, bom] {
            let r = read(&bytes, None);
            assert_eq!(
                names(&r.doc),
                vec![("configuration".to_string(), 1), ("a".to_string(), 2)]
            );
            assert_eq!(r.doc.line_text(2), "<a enabled=\"false\" />");
        }
        Ok(())
    }

    #[test]
    fn encrypted_values_are_counted_and_flagged() -> TestResult {
        let r = doc("<a password=\"[enc:AesProvider:QUJD:enc]\" user=\"x\"/>");
        assert!(r.doc.elements[0].attr("password").must()?.is_encrypted());
        assert!(!r.doc.elements[0].attr("user").must()?.is_encrypted());
        assert_eq!(r.doc.encrypted_values, 1);
        assert_eq!(r.notes.len(), 1);
        Ok(())
    }

    #[test]
    fn stray_end_tag_is_reported_and_ignored() -> TestResult {
        let r = doc("<a>\n</b>\n<c/>\n</a>\n");
        assert_eq!(
            r.problems.finish(),
            vec![Problem::at_line(2, "</b> closes no open element: ignored")]
        );
        assert_eq!(
            (r.doc.elements[1].name.as_str(), r.doc.elements[1].parent),
            ("c", Some(0))
        );
        Ok(())
    }

    #[test]
    fn hostile_nesting_is_bounded() -> TestResult {
        let text = format!("{}{}", "<a>".repeat(10_000), "</a>".repeat(10_000));
        let r = doc(&text);
        assert_eq!(r.doc.elements.len(), MAX_DEPTH);
        let problems = r.problems.finish();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].message.contains("deeper than 64"));
        Ok(())
    }
}
