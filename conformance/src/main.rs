//! `pipelab-conformance listings DIR`: writes every code listing the app can show, one file
//! each, and `DIR/manifest.json` naming each file's page, dialect, pitfalls and a link to a
//! state that shows it. The Python tests in `conformance/tests/` run them on real engines.
//! Enumerated from `pipelab_core::registry`, the one list of pages.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use pipelab_core::registry::{Listing, PAGES};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.as_slice() {
        [cmd, dir] if cmd == "listings" => write_listings(Path::new(dir)),
        _ => Err("usage: pipelab-conformance listings DIR".to_string()),
    };
    match result {
        Ok(n) => {
            println!("conformance: wrote {n} listings");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn write_listings(dir: &Path) -> Result<usize, String> {
    let io = |e: std::io::Error| format!("{}: {e}", dir.display());
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(io)?;
    }
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut manifest = String::from("[\n");
    let mut n = 0;
    for page in &PAGES {
        let folder = page.route.replace('/', "__");
        std::fs::create_dir_all(dir.join(&folder)).map_err(io)?;
        for (i, l) in (page.listings)().into_iter().enumerate() {
            let ext = if l.language == "python" { "py" } else { "sql" };
            let file = format!("{folder}/{i:03}.{ext}");
            std::fs::write(dir.join(&file), format!("{}\n", l.text)).map_err(io)?;
            if n > 0 {
                manifest.push_str(",\n");
            }
            entry(&mut manifest, &file, page.dialect, &l);
            n += 1;
        }
    }
    manifest.push_str("\n]\n");
    std::fs::write(dir.join("manifest.json"), manifest).map_err(io)?;
    Ok(n)
}

fn entry(out: &mut String, file: &str, dialect: &str, l: &Listing) {
    let pitfalls: Vec<String> = l.pitfalls.iter().map(|p| json_str(p)).collect();
    let _ = write!(
        out,
        "  {{\"file\": {}, \"route\": {}, \"dialect\": {}, \"language\": {}, \"title\": {}, \"link\": {}, \"pitfalls\": [{}], \"note\": {}}}",
        json_str(file),
        json_str(l.route),
        json_str(dialect),
        json_str(l.language),
        json_str(l.title),
        json_str(&l.link),
        pitfalls.join(", "),
        l.note.map_or("null".to_string(), json_str),
    );
}

/// A JSON string literal.
fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
