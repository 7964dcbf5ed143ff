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
