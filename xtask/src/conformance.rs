//! `cargo xtask conformance`: every code listing the app shows, run on the real engine it
//! names, and the simulations checked against those engines (`conformance/`).
//!
//! Installs what is missing (PostgreSQL 15, Redis, python3-venv and a Java 17 runtime from
//! Debian; the Python packages pinned with hashes in `conformance/requirements.txt` and, for
//! PyFlink, `conformance/requirements-flink.txt`, in virtual environments under the target
//! folder), writes the listings with `pipelab-conformance listings`,
//! starts a PostgreSQL and a Redis server on free loopback ports for the run and stops them
//! afterwards, whatever happens (the [`Servers`] drop guard), then runs the Python tests.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::ctx::{self, probe, Ctx};
use crate::Result;

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";
const PG_USER: &str = "pipelab";

pub fn run(ctx: &Ctx, pytest_args: &[String]) -> Result {
    install_engines(ctx)?;
    let python = venv(ctx, "venv", "requirements.txt", "pytest")?;
    // PyFlink pins pandas 2, so it lives in a venv of its own; the Flink SQL tests run
    // their statements through it in a child process.
    let flink_python = venv(ctx, "venv-flink", "requirements-flink.txt", "pyflink")?;
    let servers = Servers::start(ctx)?;
    // Each run writes its own copy, so two runs at once never see each other's files.
    let listings = servers.dir.join("listings");
    let result = ctx
        .run(
            ctx.cargo()
                .args(["run", "-q", "-p", "pipelab-conformance", "--", "listings"])
                .arg(&listings),
        )
        .and_then(|()| {
            ctx.run(
                ctx.command(&python)
                    .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
                    .arg("conformance/tests")
                    .args(pytest_args)
                    .env("PIPELAB_LISTINGS", &listings)
                    // Just built by the `cargo run` above: the tests ask it for runs.
                    .env(
                        "PIPELAB_CONFORMANCE_BIN",
                        ctx.target.join("debug").join("pipelab-conformance"),
                    )
                    .env("PIPELAB_FLINK_PYTHON", &flink_python)
                    .env("PIPELAB_PG_HOST", "127.0.0.1")
                    .env("PIPELAB_PG_PORT", servers.pg_port.to_string())
                    .env("PIPELAB_PG_USER", PG_USER)
                    .env("PIPELAB_REDIS_PORT", servers.redis_port.to_string()),
            )
        });
    drop(servers);
    result
}

/// PostgreSQL 15, Redis and Python's venv module, from Debian when missing.
fn install_engines(ctx: &Ctx) -> Result {
    let pg = Path::new(PG_BIN).join("postgres").exists();
    let redis = ctx::which("redis-server").is_some();
    let venv_ok = probe("python3", &["-c", "import venv, ensurepip"]).is_some();
    let mut missing: Vec<&str> = Vec::new();
    if !pg {
        missing.push("postgresql-15");
    }
    if !redis {
        missing.push("redis-server");
    }
    if !venv_ok {
        missing.push("python3-venv");
    }
    if ctx::which("python3").is_none() {
        missing.push("python3");
    }
    // PyFlink runs Flink's jars on a Java 17 runtime.
    if probe("java", &["-version"]).is_none() {
        missing.push("openjdk-17-jre-headless");
    }
    println!(
        "conformance: engines ... {}",
        if missing.is_empty() {
            "ok".to_string()
        } else {
            format!("installing {}", missing.join(", "))
        }
    );
    if missing.is_empty() {
        return Ok(());
    }
    let hint = format!(
        "the conformance tests need {}: install them with `apt-get update && apt-get install -y \
         --no-install-recommends {}` (as root)",
        missing.join(", "),
        missing.join(" ")
    );
    if ctx::which("apt-get").is_none() || probe("id", &["-u"]).as_deref() != Some("0") {
        return Err(hint);
    }
    let apt = |args: &[&str]| {
        ctx.run(
            ctx.command("apt-get")
                .args(args)
                .env("DEBIAN_FRONTEND", "noninteractive"),
        )
    };
    apt(&["update"]).map_err(|e| format!("{e}\n{hint}"))?;
    let mut args = vec!["install", "-y", "--no-install-recommends"];
    args.extend(&missing);
    apt(&args).map_err(|e| format!("{e}\n{hint}"))
}

/// The virtual environment `target/conformance/<name>` with `conformance/<requirements>`
/// installed (again only when that file changed, or when `module` does not import: an
/// install that was cut short); returns its Python.
fn venv(ctx: &Ctx, name: &str, requirements: &str, module: &str) -> Result<PathBuf> {
    let dir = ctx.target.join("conformance").join(name);
    let python = dir.join("bin").join("python");
    let requirements = ctx.root.join("conformance").join(requirements);
    let wanted = std::fs::read_to_string(&requirements)
        .map_err(|e| format!("{}: {e}", requirements.display()))?;
    let stamp = dir.join("pipelab-requirements.txt");
    let imports = || {
        probe(
            &python.to_string_lossy(),
            &["-c", &format!("import {module}")],
        )
        .is_some()
    };
    if python.exists()
        && std::fs::read_to_string(&stamp).ok().as_deref() == Some(&wanted)
        && imports()
    {
        println!("conformance: Python packages ({name}) ... ok");
        return Ok(python);
    }
    println!(
        "conformance: Python packages ({name}) ... installing ({})",
        requirements.display()
    );
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    ctx.run(ctx.command("python3").args(["-m", "venv"]).arg(&dir))?;
    ctx.run(
        ctx.command(&python)
            .args(["-m", "pip", "install", "-q", "--disable-pip-version-check"])
            .args(["--require-hashes", "-r"])
            .arg(&requirements),
    )?;
    std::fs::write(&stamp, wanted).map_err(|e| format!("{}: {e}", stamp.display()))?;
    Ok(python)
}

/// A free TCP port on loopback (the system may already run servers on 5432 and 6379).
fn free_port() -> Result<u16> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

/// The run's PostgreSQL and Redis. Dropping it stops both and removes their folder, also
/// when a test failed or xtask is unwinding.
struct Servers {
    dir: PathBuf,
    pg_port: u16,
    redis_port: u16,
    pg_started: bool,
    redis_started: bool,
}

impl Servers {
    fn start(ctx: &Ctx) -> Result<Servers> {
        // A fresh folder each run (so no stale postmaster.pid), owned by `postgres`:
        // PostgreSQL refuses to run as root, and a folder under a 0700 home is not
        // traversable by another user.
        let dir = ctx
            .capture(Command::new("mktemp").args(["-d", "/tmp/pipelab-conformance.XXXXXX"]))?
            .trim()
            .to_string();
        let mut s = Servers {
            dir: PathBuf::from(dir),
            pg_port: free_port()?,
            redis_port: 0,
            pg_started: false,
            redis_started: false,
        };
        let as_postgres = probe("id", &["-u"]).as_deref() == Some("0");
        let pg = |program: &str| -> Command {
            let bin = Path::new(PG_BIN).join(program);
            if as_postgres {
                let mut c = Command::new("runuser");
                c.args(["-u", "postgres", "--"]).arg(bin);
                c
            } else {
                Command::new(bin)
            }
        };
        if as_postgres {
            ctx.run(Command::new("chown").arg("postgres:postgres").arg(&s.dir))?;
        }
        let data = s.dir.join("data");
        ctx.run(
            pg("initdb")
                .args(["-A", "trust", "-U", PG_USER, "--no-sync", "-D"])
                .arg(&data)
                .stdout(std::process::Stdio::null()),
        )?;
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c shared_preload_libraries=pg_stat_statements \
             -c fsync=off -c synchronous_commit=off",
            s.pg_port,
            s.dir.display()
        );
        ctx.run(
            pg("pg_ctl")
                .arg("-D")
                .arg(&data)
                .args(["-o", &options, "-w", "-l"])
                .arg(s.dir.join("postgres.log"))
                .arg("start"),
        )
        .map_err(|e| {
            let log = std::fs::read_to_string(s.dir.join("postgres.log")).unwrap_or_default();
            format!("{e}\nPostgreSQL's log:\n{log}")
        })?;
        s.pg_started = true;
        s.redis_port = free_port()?;
        ctx.run(
            Command::new("redis-server")
                .args(["--port", &s.redis_port.to_string()])
                .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
                .args(["--daemonize", "yes", "--pidfile"])
                .arg(s.dir.join("redis.pid"))
                .arg("--logfile")
                .arg(s.dir.join("redis.log")),
        )?;
        s.redis_started = true;
        wait_for_port(s.redis_port)?;
        Ok(s)
    }
}

fn wait_for_port(port: u16) -> Result {
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Err(format!("nothing answers on 127.0.0.1:{port}"))
}

impl Drop for Servers {
    fn drop(&mut self) {
        if self.redis_started {
            let _ = Command::new("redis-cli")
                .args(["-p", &self.redis_port.to_string(), "shutdown", "nosave"])
                .output();
        }
        if self.pg_started {
            let data = self.dir.join("data");
            let bin = Path::new(PG_BIN).join("pg_ctl");
            let mut c = if probe("id", &["-u"]).as_deref() == Some("0") {
                let mut c = Command::new("runuser");
                c.args(["-u", "postgres", "--"]).arg(bin);
                c
            } else {
                Command::new(bin)
            };
            let _ = c
                .arg("-D")
                .arg(&data)
                .args(["-m", "fast", "-w", "stop"])
                .output();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
        println!("conformance: servers stopped");
    }
}
