//! The service worker that keeps the site working offline after a first visit.
//!
//! `dist/sw.js` is `sw.js` (next to this file) with the build's file list and a version: a
//! hash of every file's name and bytes, so any change to the build makes a new worker and the
//! page's "new version — reload" notice.

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::ctx::Ctx;
use crate::Result;

const TEMPLATE: &str = include_str!("sw.js");
const REGISTER: &str = include_str!("register-sw.js");
/// Marks the injected registration script, so a second run replaces it.
const REGISTER_MARK: &str = "<script data-pipelab-sw>";
/// The worker's own file name in `dist/`.
pub const WORKER: &str = "sw.js";

/// Writes `dist/sw.js` for the files now in `dist/`.
pub fn write_worker(ctx: &Ctx) -> Result {
    let files = site_files(&ctx.dist)?;
    let mut contents = Vec::new();
    for name in &files {
        let path = ctx.dist.join(name);
        let bytes =
            std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        contents.push((name.clone(), bytes));
    }
    let worker = render(&contents);
    let out = ctx.dist.join(WORKER);
    std::fs::write(&out, worker).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    println!(
        "offline: dist/{WORKER} caches {} files (version {})",
        files.len(),
        version(&contents)
    );
    Ok(())
}

/// Adds (or refreshes) the worker's registration script in `dist/index.html`. Runs before
/// the CSP is computed, which then allows this script by its hash.
pub fn add_registration(ctx: &Ctx) -> Result {
    let index = ctx.dist.join("index.html");
    let html = std::fs::read_to_string(&index)
        .map_err(|e| format!("cannot read {}: {e}", index.display()))?;
    std::fs::write(&index, with_registration(&html))
        .map_err(|e| format!("cannot write {}: {e}", index.display()))
}

/// `html` with exactly one registration script, before `</head>` (or `<body`, or at the end:
/// minified HTML may leave out either).
fn with_registration(html: &str) -> String {
    let mut html = html.to_string();
    if let Some(start) = html.find(REGISTER_MARK) {
        if let Some(len) = html[start..].find("</script>") {
            html.replace_range(start..start + len + "</script>".len(), "");
        }
    }
    // The script without its comments and indentation: it ships in every page load.
    let code: Vec<&str> = REGISTER
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("//"))
        .collect();
    let script = format!("{REGISTER_MARK}{}</script>", code.join("\n"));
    let at = html
        .find("</head>")
        .or_else(|| html.find("<body"))
        .unwrap_or(html.len());
    html.insert_str(at, &script);
    html
}

/// Every file under `dir` but the worker, as sorted `/`-separated paths relative to it.
fn site_files(dir: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        let entries =
            std::fs::read_dir(&at).map_err(|e| format!("cannot list {}: {e}", at.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| format!("{}: {e}", at.display()))?.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path
                .strip_prefix(dir)
                .map_err(|e| e.to_string())?
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            if rel != WORKER {
                out.push(rel);
            }
        }
    }
    out.sort();
    if !out.iter().any(|f| f == "index.html") {
        return Err(format!("{} has no index.html", dir.display()));
    }
    Ok(out)
}

/// The first 16 hex digits of SHA-256 over every file's name and bytes.
fn version(files: &[(String, Vec<u8>)]) -> String {
    let mut hash = Sha256::new();
    for (name, bytes) in files {
        hash.update(name.as_bytes());
        hash.update([0]);
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(bytes);
    }
    hash.finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The worker's text for these files.
fn render(files: &[(String, Vec<u8>)]) -> String {
    let list = files
        .iter()
        .map(|(name, _)| format!("'/{}'", name.replace('\\', "\\\\").replace('\'', "\\'")))
        .collect::<Vec<_>>()
        .join(", ");
    TEMPLATE
        .replace("__PIPELAB_VERSION__", &version(files))
        .replace("__PIPELAB_FILES__", &format!("[{list}]"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(files: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
        files
            .iter()
            .map(|(n, b)| (n.to_string(), b.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn the_worker_lists_every_file_and_its_version_follows_the_bytes() {
        let a = site(&[("index.html", "<html>"), ("app-1.wasm", "\0asm")]);
        let text = render(&a);
        assert!(
            text.contains("const FILES = ['/index.html', '/app-1.wasm'];"),
            "{text}"
        );
        assert!(
            !text.contains("__PIPELAB_"),
            "a placeholder was left: {text}"
        );
        let b = site(&[("index.html", "<html>"), ("app-1.wasm", "\0asn")]);
        assert_ne!(
            version(&a),
            version(&b),
            "one changed byte must change the version"
        );
        assert_eq!(version(&a), version(&a.clone()));
        // Moving a byte between a name and its contents is still a different site.
        let c = site(&[("index.htm", "l<html>"), ("app-1.wasm", "\0asm")]);
        assert_ne!(version(&a), version(&c));
    }

    #[test]
    fn the_registration_is_added_once_before_the_body() {
        let html = "<html><meta charset=utf-8><title>t</title><body></body></html>";
        let once = with_registration(html);
        assert_eq!(once.matches(REGISTER_MARK).count(), 1);
        assert!(once.find(REGISTER_MARK) < once.find("<body"), "{once}");
        assert!(once.contains("register('/sw.js')"), "{once}");
        assert!(!once.contains("// "), "comments are shipped: {once}");
        assert_eq!(
            with_registration(&once),
            once,
            "a second run changes nothing"
        );
        let with_head = with_registration("<head><title>t</title></head><body></body>");
        assert!(with_head.contains("</script></head>"), "{with_head}");
    }

    #[test]
    fn the_listing_skips_the_worker_and_needs_an_index() {
        let dir = std::env::temp_dir().join(format!("pipelab-sw-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("img")).unwrap();
        std::fs::write(dir.join("sw.js"), "old").unwrap();
        std::fs::write(dir.join("img/a.svg"), "<svg/>").unwrap();
        assert!(site_files(&dir).is_err(), "no index.html must be an error");
        std::fs::write(dir.join("index.html"), "<html>").unwrap();
        assert_eq!(site_files(&dir).unwrap(), ["img/a.svg", "index.html"]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
