//! The size report: every file of `dist/`, raw and gzip -9, against `size-budget.toml`.

use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;
use flate2::Compression;

use crate::ctx::{self, thousands, Ctx};
use crate::Result;

struct Entry {
    path: String,
    raw: u64,
    gzip: u64,
}

/// Prints the report, writes it to `target/size-report.txt`, and fails over budget.
/// Returns the report's text.
pub fn report(ctx: &Ctx) -> Result<String> {
    if !ctx.dist.join("index.html").is_file() {
        return Err(format!(
            "{} has no index.html; build it first with `cargo xtask build`",
            ctx.dist.display()
        ));
    }
    let budget = read_budget(&ctx.root.join("size-budget.toml"))?;
    let entries = measure(&ctx.dist)?;
    let (text, over) = render(&entries, budget);
    print!("{text}");
    let out = ctx.target.join("size-report.txt");
    std::fs::create_dir_all(&ctx.target)
        .and_then(|()| std::fs::write(&out, &text))
        .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    println!("(written to {})", ctx::rel(&out, &ctx.root).display());
    if over {
        return Err(format!(
            "dist/ is over the size budget in size-budget.toml ({} gzip bytes)",
            thousands(budget)
        ));
    }
    Ok(text)
}

/// Every file under `dir`, sorted by path, with raw and gzip -9 sizes.
fn measure(dir: &Path) -> Result<Vec<Entry>> {
    let mut files = Vec::new();
    walk(dir, &mut files)?;
    files.sort();
    files
        .iter()
        .map(|file| {
            let bytes =
                std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            Ok(Entry {
                path: ctx::rel(file, dir).to_string_lossy().into_owned(),
                raw: bytes.len() as u64,
                gzip: gzip_len(&bytes)?,
            })
        })
        .collect()
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> Result {
    ctx::walk_files(dir, &|_| true, &|_| true, files)
}

/// Size of the gzip stream at the highest level (the same as `gzip -9`'s level).
pub fn gzip_len(bytes: &[u8]) -> Result<u64> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder
        .write_all(bytes)
        .and_then(|()| encoder.finish())
        .map(|out| out.len() as u64)
        .map_err(|e| format!("gzip failed: {e}"))
}

/// The table, and whether the total is over budget.
fn render(entries: &[Entry], budget: u64) -> (String, bool) {
    let raw: u64 = entries.iter().map(|e| e.raw).sum();
    let gzip: u64 = entries.iter().map(|e| e.gzip).sum();
    let mut text = String::from("size report of dist/ (gzip -9)\n");
    text.push_str(&format!(
        "{:>12}  {:>12}  file\n",
        "raw bytes", "gzip bytes"
    ));
    for e in entries {
        text.push_str(&format!(
            "{:>12}  {:>12}  {}\n",
            thousands(e.raw),
            thousands(e.gzip),
            e.path
        ));
    }
    text.push_str(&format!(
        "{:>12}  {:>12}  total ({} files)\n",
        thousands(raw),
        thousands(gzip),
        entries.len()
    ));
    let over = gzip > budget;
    let percent = gzip as f64 * 100.0 / budget.max(1) as f64;
    text.push_str(&format!(
        "budget: {} gzip bytes (size-budget.toml); used {percent:.1}%: {}\n",
        thousands(budget),
        if over { "OVER BUDGET" } else { "ok" }
    ));
    (text, over)
}

/// `total_gzip_bytes = N` from the budget file.
fn read_budget(path: &Path) -> Result<u64> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse_budget(&text).ok_or_else(|| {
        format!(
            "{} has no `total_gzip_bytes = <integer>` line",
            path.display()
        )
    })
}

fn parse_budget(text: &str) -> Option<u64> {
    text.lines().find_map(|line| {
        let line = line.split('#').next()?;
        let (key, value) = line.split_once('=')?;
        if key.trim() != "total_gzip_bytes" {
            return None;
        }
        value.trim().replace('_', "").parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_budget_file() {
        let text = "# comment = 1\n\ntotal_gzip_bytes = 307_200 # 300 KiB\n";
        assert_eq!(parse_budget(text), Some(307_200));
        assert_eq!(parse_budget("other = 3\n"), None);
    }

    #[test]
    fn gzip_is_deterministic_and_compresses() {
        let data = vec![b'a'; 10_000];
        let n = gzip_len(&data).unwrap();
        assert!(n < 100);
        assert_eq!(gzip_len(&data).unwrap(), n);
    }

    #[test]
    fn fails_over_budget() {
        let entries = [Entry {
            path: "a.wasm".into(),
            raw: 1000,
            gzip: 600,
        }];
        assert!(!render(&entries, 600).1);
        let (text, over) = render(&entries, 599);
        assert!(over);
        assert!(text.contains("OVER BUDGET"));
    }
}
