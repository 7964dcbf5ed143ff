//! The code panel's data: code for the current configuration and its active lines.

/// Code and which lines are active.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeView {
    pub language: &'static str,
    pub title: &'static str,
    /// The code, one entry per line (owned: code can carry the configuration's values).
    pub lines: Vec<String>,
    /// 0-based indices of highlighted lines.
    pub active: Vec<usize>,
    /// Where the reference note's version goes wrong, if it does for this configuration.
    pub note: Option<&'static str>,
}

impl CodeView {
    /// A listing whose lines carry tags: the lines whose tag is in `active_tags` are the
    /// active ones.
    pub fn tagged<T: AsRef<str>>(
        language: &'static str,
        title: &'static str,
        lines: Vec<(&str, T)>,
        active_tags: &[&str],
        note: Option<&'static str>,
    ) -> CodeView {
        CodeView {
            language,
            title,
            active: lines
                .iter()
                .enumerate()
                .filter(|(_, (t, _))| active_tags.contains(t))
                .map(|(i, _)| i)
                .collect(),
            lines: lines
                .into_iter()
                .map(|(_, l)| l.as_ref().to_string())
                .collect(),
            note,
        }
    }

    /// Two listings in one panel: `a`, a blank line, then `b`, each under a comment line
    /// (`headers`, written in the listing's own comment syntax); both keep their active
    /// lines. The note is `a`'s, else `b`'s.
    pub fn side_by_side(
        a: CodeView,
        b: CodeView,
        headers: [&str; 2],
        title: &'static str,
    ) -> CodeView {
        let mut lines = vec![headers[0].to_string()];
        let mut active: Vec<usize> = a.active.iter().map(|i| i + 1).collect();
        lines.extend(a.lines);
        lines.push(String::new());
        lines.push(headers[1].to_string());
        let offset = lines.len();
        active.extend(b.active.iter().map(|i| i + offset));
        lines.extend(b.lines);
        CodeView {
            language: a.language,
            title,
            lines,
            active,
            note: a.note.or(b.note),
        }
    }
}
