//! Where things are, and how child processes are started.

use std::ffi::OsString;
use std::io::{BufRead, BufReader, ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use crate::Result;

/// Paths every sub-command needs. Creating it also fixes `PATH` for all child processes.
pub struct Ctx {
    /// The workspace root (the folder with the workspace `Cargo.toml` and `Trunk.toml`).
    pub root: PathBuf,
    /// Cargo's target directory (`$CARGO_TARGET_DIR` or `<root>/target`).
    pub target: PathBuf,
    /// Trunk's output folder.
    pub dist: PathBuf,
    /// `<root>/tests`, home of the npm lockfile, the end-to-end tests and the browser bench.
    pub tests: PathBuf,
}

impl Ctx {
    pub fn new() -> Result<Ctx> {
        let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let root = manifest_dir
            .parent()
            .ok_or("xtask must live in a folder of the workspace")?
            .to_path_buf();
        let target = match std::env::var_os("CARGO_TARGET_DIR") {
            Some(dir) => root.join(dir),
            None => root.join("target"),
        };
        let ctx = Ctx {
            dist: root.join("dist"),
            tests: root.join("tests"),
            target,
            root,
        };
        ctx.fix_path()?;
        Ok(ctx)
    }

    /// Puts `tests/node_modules/.bin` first on `PATH` (so Trunk finds npm's working `wasm-opt`
    /// before Debian's broken one) and Cargo's bin folder next (where `cargo install` puts
    /// Trunk and the wasm-bindgen CLI). Every child process inherits it.
    fn fix_path(&self) -> Result {
        let mut dirs = vec![self.tests.join("node_modules").join(".bin")];
        if let Some(cargo_bin) = cargo_home().map(|home| home.join("bin")) {
            dirs.push(cargo_bin);
        }
        let old = std::env::var_os("PATH").unwrap_or_default();
        let rest: Vec<PathBuf> = std::env::split_paths(&old)
            .filter(|dir| !dirs.contains(dir))
            .collect();
        dirs.extend(rest);
        let path: OsString = std::env::join_paths(dirs)
            .map_err(|e| format!("cannot build PATH (a folder name contains ':'?): {e}"))?;
        // Single-threaded here; edition 2021 keeps this safe.
        std::env::set_var("PATH", path);
        Ok(())
    }

    /// A command run from the workspace root.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(&self.root);
        cmd
    }

    pub fn cargo(&self) -> Command {
        self.command("cargo")
    }

    /// Runs with inherited stdio; a non-zero exit is an error naming the command.
    pub fn run(&self, cmd: &mut Command) -> Result {
        println!("$ {}", describe(cmd));
        flush();
        let status = cmd.status().map_err(|e| spawn_error(cmd, &e))?;
        check_status(cmd, status)
    }

    /// Runs with stdout captured (stderr inherited, so build progress stays visible).
    pub fn capture(&self, cmd: &mut Command) -> Result<String> {
        println!("$ {}", describe(cmd));
        flush();
        let output = cmd
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| spawn_error(cmd, &e))?;
        check_status(cmd, output.status)?;
        String::from_utf8(output.stdout)
            .map_err(|_| format!("`{}` printed something that is not UTF-8", describe(cmd)))
    }

    /// Runs with stdout both shown line by line and captured.
    pub fn tee(&self, cmd: &mut Command) -> Result<String> {
        println!("$ {}", describe(cmd));
        flush();
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| spawn_error(cmd, &e))?;
        let mut captured = String::new();
        if let Some(stdout) = child.stdout.take() {
            for line in BufReader::new(stdout).lines() {
                let line = line.map_err(|e| format!("reading `{}`: {e}", describe(cmd)))?;
                println!("{line}");
                captured.push_str(&line);
                captured.push('\n');
            }
        }
        let status = child
            .wait()
            .map_err(|e| format!("waiting for `{}`: {e}", describe(cmd)))?;
        check_status(cmd, status)?;
        Ok(captured)
    }
}

/// `$CARGO_HOME`, or `~/.cargo`.
fn cargo_home() -> Option<PathBuf> {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
}

/// Runs a short command quietly and returns its trimmed stdout if it succeeded: for
/// `--version` probes. `None` if it is missing or failed.
pub fn probe(program: &str, args: &[&str]) -> Option<String> {
    let output = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// The first executable called `program` on `PATH`.
/// Every file under `dir` (recursively) whose name `keep` accepts, descending only into
/// folders whose name `descend` accepts. Order is the file system's; callers sort.
pub fn walk_files(
    dir: &Path,
    descend: &dyn Fn(&str) -> bool,
    keep: &dyn Fn(&str) -> bool,
    files: &mut Vec<PathBuf>,
) -> crate::Result {
    let cannot = |e: std::io::Error| format!("cannot list {}: {e}", dir.display());
    for entry in std::fs::read_dir(dir).map_err(cannot)? {
        let path = entry.map_err(cannot)?.path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if path.is_dir() {
            if descend(&name) {
                walk_files(&path, descend, keep, files)?;
            }
        } else if keep(&name) {
            files.push(path);
        }
    }
    Ok(())
}

pub fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
}

pub fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// The command as one would type it, with the environment variables it sets.
pub fn describe(cmd: &Command) -> String {
    let envs = cmd.get_envs().filter_map(|(key, value)| {
        value.map(|v| format!("{}={}", key.to_string_lossy(), v.to_string_lossy()))
    });
    let words = std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|word| quote(&word.to_string_lossy()));
    envs.chain(words).collect::<Vec<_>>().join(" ")
}

fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@+,%".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

fn spawn_error(cmd: &Command, error: &std::io::Error) -> String {
    let program = cmd.get_program().to_string_lossy();
    if error.kind() == ErrorKind::NotFound {
        format!("`{program}` was not found on PATH (run `cargo xtask setup`, which installs what is missing)")
    } else {
        format!("could not start `{}`: {error}", describe(cmd))
    }
}

fn check_status(cmd: &Command, status: ExitStatus) -> Result {
    if status.success() {
        return Ok(());
    }
    let how = match status.code() {
        Some(code) => format!("exited with status {code}"),
        None => "was killed by a signal".to_string(),
    };
    Err(format!("`{}` {how}", describe(cmd)))
}

pub fn flush() {
    let _ = std::io::stdout().flush();
}

/// `path` relative to `base` for display, or `path` itself.
pub fn rel<'a>(path: &'a Path, base: &Path) -> &'a Path {
    path.strip_prefix(base).unwrap_or(path)
}

/// Formats a duration as seconds with one decimal, e.g. `12.3 s`.
pub fn secs(d: std::time::Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// Formats an integer with thousands separators: `307,200`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(307_200), "307,200");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn describe_quotes_what_needs_it() {
        let mut cmd = Command::new("node");
        cmd.args(["-e", "console.log(1)", "/a/b"]).env("X", "1");
        assert_eq!(describe(&cmd), "X=1 node -e 'console.log(1)' /a/b");
    }
}
