//! Adds a Content-Security-Policy `<meta>` to Trunk's `index.html`.
//!
//! Trunk starts the app with an inline `<script type="module">` loader; the policy allows
//! exactly that script by its SHA-256, plus same-origin files and wasm compilation. Running
//! it again replaces the previous meta, so the result is the same however often it runs.

use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::Result;

const META_START: &str = "<meta http-equiv=\"Content-Security-Policy\"";

/// Returns `html` with exactly one CSP meta, placed after `<meta charset>` (or `<head>`).
pub fn inject(html: &str) -> Result<String> {
    let html = remove_existing(html);
    let hashes: Vec<String> = inline_scripts(&html)?
        .iter()
        .map(|script| script_hash(script))
        .collect();
    let meta = format!("{META_START} content=\"{}\">", policy(&hashes));
    let at = insertion_point(&html)?;
    Ok(format!("{}\n{meta}{}", &html[..at], &html[at..]))
}

/// The policy text for the given `'sha256-…'` sources.
pub fn policy(script_hashes: &[String]) -> String {
    let mut script_src = vec!["'self'".to_string()];
    script_src.extend(script_hashes.iter().cloned());
    script_src.push("'wasm-unsafe-eval'".to_string());
    [
        "default-src 'self'".to_string(),
        format!("script-src {}", script_src.join(" ")),
        "style-src 'self' 'unsafe-inline'".to_string(),
        "img-src 'self' data:".to_string(),
        "connect-src 'self'".to_string(),
        "object-src 'none'".to_string(),
        "base-uri 'none'".to_string(),
    ]
    .join("; ")
}

/// `'sha256-<base64>'` of a script's text as the browser sees it (HTML parsing turns CR LF
/// and lone CR into LF before the hash is taken).
pub fn script_hash(text: &str) -> String {
    let normalized = text.replace("\r\n", "\n").replace('\r', "\n");
    let digest = Sha256::digest(normalized.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The text of every `<script>` without a `src` attribute.
fn inline_scripts(html: &str) -> Result<Vec<&str>> {
    let lower = html.to_ascii_lowercase();
    let mut scripts = Vec::new();
    let mut from = 0;
    while let Some(start) = find_tag(&lower, "<script", from) {
        let open_end = tag_end(html, start).ok_or("a <script> tag is never closed with `>`")?;
        let close = lower[open_end..]
            .find("</script")
            .map(|i| open_end + i)
            .ok_or("a <script> has no </script>")?;
        if !has_attribute(&lower[start..open_end], "src") {
            scripts.push(&html[open_end..close]);
        }
        from = close + "</script".len();
    }
    Ok(scripts)
}

/// Removes every CSP meta (and the newline xtask put before it).
fn remove_existing(html: &str) -> String {
    let mut html = html.to_string();
    loop {
        let lower = html.to_ascii_lowercase();
        let found = find_all_tags(&lower, "<meta").into_iter().find(|&start| {
            tag_end(&html, start).is_some_and(|end| {
                let tag = lower[start..end].replace(['\'', '"'], "");
                tag.contains("http-equiv=content-security-policy")
            })
        });
        let Some(start) = found else { return html };
        let end = tag_end(&html, start).unwrap_or(html.len());
        let start = if html[..start].ends_with('\n') {
            start - 1
        } else {
            start
        };
        html.replace_range(start..end, "");
    }
}

/// Just after `<meta charset=…>` when it is in the head, else just after `<head …>`.
/// Minified HTML may leave out the optional `<head>` tags: the head is then implied from
/// `<html …>` (or the start) up to `<body`.
fn insertion_point(html: &str) -> Result<usize> {
    let lower = html.to_ascii_lowercase();
    let (head_end, body) = match find_tag(&lower, "<head", 0) {
        Some(head) => {
            let head_end = tag_end(html, head).ok_or("the <head> tag is never closed")?;
            (
                head_end,
                lower[head_end..].find("</head").map(|i| head_end + i),
            )
        }
        None => {
            let start = match find_tag(&lower, "<html", 0) {
                Some(h) => tag_end(html, h).ok_or("the <html> tag is never closed")?,
                None => 0,
            };
            (start, find_tag(&lower, "<body", start))
        }
    };
    let charset = find_all_tags(&lower, "<meta")
        .into_iter()
        .filter(|&start| start >= head_end && body.is_none_or(|b| start < b))
        .find(|&start| {
            tag_end(html, start).is_some_and(|end| has_attribute(&lower[start..end], "charset"))
        });
    match charset {
        Some(start) => tag_end(html, start).ok_or_else(|| "a <meta> is never closed".into()),
        None => Ok(head_end),
    }
}

/// The next `<name` that is a whole tag name (followed by space, `>` or `/`).
fn find_tag(lower: &str, name: &str, from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(i) = lower.get(at..)?.find(name) {
        let start = at + i;
        let next = lower[start + name.len()..].chars().next();
        if matches!(next, Some(c) if c.is_ascii_whitespace() || c == '>' || c == '/') {
            return Some(start);
        }
        at = start + name.len();
    }
    None
}

fn find_all_tags(lower: &str, name: &str) -> Vec<usize> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(start) = find_tag(lower, name, from) {
        found.push(start);
        from = start + name.len();
    }
    found
}

/// The index just past the `>` that closes the tag starting at `start`, skipping quoted
/// attribute values.
fn tag_end(html: &str, start: usize) -> Option<usize> {
    let mut quote = None;
    for (i, c) in html[start..].char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '>') => return Some(start + i + 1),
            _ => {}
        }
    }
    None
}

/// Whether an opening tag (lower-cased) has the attribute `name`, outside quoted values.
fn has_attribute(tag: &str, name: &str) -> bool {
    let mut unquoted = String::new();
    let mut quote = None;
    for c in tag.chars() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, _) => unquoted.push(c),
            _ => {}
        }
    }
    unquoted
        .split(|c: char| c.is_ascii_whitespace() || c == '/' || c == '>')
        .any(|word| word == name || word.starts_with(&format!("{name}=")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRUNK_LIKE: &str = "<!DOCTYPE html>\n<html lang=\"en\"><head>\n    <meta charset=\"utf-8\">\n    <title>pipelab</title>\n<link rel=\"modulepreload\" href=\"/app-1.js\" crossorigin=\"anonymous\" integrity=\"sha384-x\">\n<script type=\"module\">\nimport init from '/app-1.js';\nconst wasm = await init({ module_or_path: '/app-1_bg.wasm' });\n</script><script src=\"/other.js\"></script></head>\n<body></body></html>\n";

    #[test]
    fn hashes_only_inline_scripts_and_places_meta_after_charset() {
        let out = inject(TRUNK_LIKE).unwrap();
        let loader = "\nimport init from '/app-1.js';\nconst wasm = await init({ module_or_path: '/app-1_bg.wasm' });\n";
        let expected = format!(
            "{META_START} content=\"{}\">",
            policy(&[script_hash(loader)])
        );
        assert!(out.contains(&format!(
            "<meta charset=\"utf-8\">\n{expected}\n    <title>"
        )));
        assert_eq!(out.matches("'sha256-").count(), 1);
        assert!(out.contains("'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline';"));
    }

    #[test]
    fn is_idempotent() {
        let once = inject(TRUNK_LIKE).unwrap();
        assert_eq!(inject(&once).unwrap(), once);
        assert_eq!(once.matches("Content-Security-Policy").count(), 1);
    }

    #[test]
    fn known_hash() {
        // echo -n 'alert(1)' | openssl sha256 -binary | base64
        assert_eq!(
            script_hash("alert(1)"),
            "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"
        );
        assert_eq!(script_hash("a\r\nb"), script_hash("a\nb"));
    }

    #[test]
    fn falls_back_to_head_or_to_the_implied_head_of_minified_html() {
        let out = inject("<html><head><title>t</title></head></html>").unwrap();
        assert!(out.starts_with(&format!("<html><head>\n{META_START}")));
        // Minifiers drop the optional <head> tags: the meta still lands in the implied head,
        // after the charset, and the unquoted module script is hashed.
        let min = "<!doctype html><html lang=en><meta charset=utf-8><title>t</title><script type=module>go()</script><body></body>";
        let out = inject(min).unwrap();
        assert!(
            out.starts_with(&format!(
                "<!doctype html><html lang=en><meta charset=utf-8>\n{META_START}"
            )),
            "{out}"
        );
        assert!(out.contains(&script_hash("go()")));
        let bare = inject("<html><body></body></html>").unwrap();
        assert!(bare.starts_with(&format!("<html>\n{META_START}")), "{bare}");
    }

    #[test]
    fn attribute_detection_ignores_quoted_text() {
        assert!(has_attribute("<script src=\"/a.js\">", "src"));
        assert!(!has_attribute(
            "<script type=\"module\" data-x=\"src=1\">",
            "src"
        ));
        assert!(!has_attribute("<script data-src=\"x\">", "src"));
    }
}
