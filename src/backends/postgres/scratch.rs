//! A throwaway PostgreSQL server, for the tests and benchmarks on a machine where
//! PostgreSQL is installed but not running: `initdb` into a temporary folder, a server that
//! listens only on a unix socket in that folder, and a watcher that stops the server and
//! removes the folder once the process that started it has exited.
//!
//! The server refuses to run as root, so as root every PostgreSQL program runs as the
//! `postgres` OS user (`runuser`), which the Debian package creates; as anyone else it
//! runs as that user.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

/// Why no scratch server could be had.
#[derive(Debug, thiserror::Error)]
pub enum ScratchError {
    /// The PostgreSQL programs are not on this machine.
    #[error(
        "PostgreSQL is not installed: no initdb on PATH, in $PG_BIN_DIR or under \
         /usr/lib/postgresql/*/bin. Install the `postgresql` package (apt-get install \
         postgresql), or point DATABASE_URL at a server, or set CREDITSIM_SKIP_POSTGRES=1 to \
         skip the PostgreSQL tests and benchmarks"
    )]
    NotInstalled,
    /// A PostgreSQL program failed.
    #[error("{0}")]
    Failed(String),
}

/// Server settings for tests: durability off, which a throwaway server does not need.
pub const FAST_SETTINGS: &[(&str, &str)] = &[
    ("fsync", "off"),
    ("synchronous_commit", "off"),
    ("full_page_writes", "off"),
    ("max_connections", "200"),
    ("shared_buffers", "128MB"),
];

/// A running throwaway server; stopped and removed when dropped.
pub struct ScratchServer {
    dir: PathBuf,
    bin: PathBuf,
    as_postgres: bool,
}

impl ScratchServer {
    /// Initializes and starts a server with `settings` (`name`, `value`) pairs.
    pub fn start(settings: &[(&str, &str)]) -> Result<ScratchServer, ScratchError> {
        let bin = bin_dir().ok_or(ScratchError::NotInstalled)?;
        let as_postgres = is_root();
        static SERVERS: AtomicU64 = AtomicU64::new(0);
        let n = SERVERS.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("creditsim-pg-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| failed("creating the folder", e))?;
        let server = ScratchServer {
            dir,
            bin,
            as_postgres,
        };
        if as_postgres {
            server.plain("chown", &["-R", "postgres", &server.dir_str()])?;
        }
        let data = server.data_str();
        let init = [
            "-D",
            &data,
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        ];
        server.pg("initdb", &init)?;
        let conf: String = (settings.iter())
            .map(|(name, value)| format!("{name} = '{value}'\n"))
            .chain([
                "listen_addresses = ''\n".to_string(),
                format!("unix_socket_directories = '{}'\n", server.dir_str()),
            ])
            .collect();
        let conf_path = server.dir.join("data").join("postgresql.auto.conf");
        std::fs::write(&conf_path, conf).map_err(|e| failed("writing the settings", e))?;
        server.watch_parent()?;
        server.pg_ctl("start")?;
        Ok(server)
    }

    /// A connection string for the server's `postgres` database as its superuser.
    pub fn url(&self) -> String {
        format!(
            "host={} port=5432 user=postgres dbname=postgres",
            self.dir_str()
        )
    }

    /// Where the PostgreSQL programs are.
    pub fn bin_dir(&self) -> &Path {
        &self.bin
    }

    /// Stops the server (ending every connection) and starts it again.
    pub fn restart(&self) -> Result<(), ScratchError> {
        self.pg_ctl("restart")
    }

    /// Runs PostgreSQL program `program` (for example `pgbench`) as the server's user, with
    /// `args`, and returns what it printed.
    pub fn run(&self, program: &str, args: &[&str]) -> Result<String, ScratchError> {
        self.pg(program, args)
    }

    fn dir_str(&self) -> String {
        self.dir.display().to_string()
    }

    fn data_str(&self) -> String {
        self.dir.join("data").display().to_string()
    }

    fn pg_ctl(&self, action: &str) -> Result<(), ScratchError> {
        let (data, log) = (self.data_str(), self.dir.join("log").display().to_string());
        let args = ["-D", &data, "-l", &log, "-w", "-m", "fast", action];
        self.pg("pg_ctl", &args).map(|_| ())
    }

    /// Runs a PostgreSQL program from the bin folder, as `postgres` when we are root.
    fn pg(&self, program: &str, args: &[&str]) -> Result<String, ScratchError> {
        let path = self.bin.join(program).display().to_string();
        match self.as_postgres {
            true => {
                let mut all = vec!["-u", "postgres", "--", &path];
                all.extend_from_slice(args);
                self.plain("runuser", &all)
            }
            false => self.plain(&path, args),
        }
    }

    fn plain(&self, program: &str, args: &[&str]) -> Result<String, ScratchError> {
        let output = Command::new(program)
            .args(args)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| failed(&format!("running {program}"), e))?;
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        match output.status.success() {
            true => Ok(text),
            false => Err(ScratchError::Failed(format!(
                "{program} {} failed: {}{}",
                args.join(" "),
                text,
                String::from_utf8_lossy(&output.stderr)
            ))),
        }
    }

    /// Starts a watcher that stops the server and removes its folder once this process
    /// has exited, so that a test run that ends (or dies) leaves nothing running.
    fn watch_parent(&self) -> Result<(), ScratchError> {
        let pg_ctl = self.bin.join("pg_ctl").display().to_string();
        let stop = match self.as_postgres {
            true => format!("runuser -u postgres -- {pg_ctl}"),
            false => pg_ctl,
        };
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; \
             {stop} -D '{data}' -m immediate stop >/dev/null 2>&1; rm -rf '{dir}'",
            pid = std::process::id(),
            data = self.data_str(),
            dir = self.dir_str(),
        );
        Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map(|_| ())
            .map_err(|e| failed("starting the watcher", e))
    }
}

impl Drop for ScratchServer {
    fn drop(&mut self) {
        let data = self.data_str();
        let _ = self.pg("pg_ctl", &["-D", &data, "-m", "immediate", "stop"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn failed(what: &str, err: std::io::Error) -> ScratchError {
    ScratchError::Failed(format!("{what}: {err}"))
}

/// Where `initdb` and friends are: `$PG_BIN_DIR`, else the folder of `initdb` on PATH,
/// else the newest `/usr/lib/postgresql/<version>/bin` (Debian keeps them off PATH).
fn bin_dir() -> Option<PathBuf> {
    let has_initdb = |dir: &Path| dir.join("initdb").is_file();
    if let Some(dir) = std::env::var_os("PG_BIN_DIR").map(PathBuf::from) {
        return has_initdb(&dir).then_some(dir);
    }
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .find(|dir| has_initdb(dir));
    if on_path.is_some() {
        return on_path;
    }
    let versions = std::fs::read_dir("/usr/lib/postgresql").ok()?;
    let mut dirs: Vec<(u32, PathBuf)> = versions
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, dir)| has_initdb(dir))
        .collect();
    dirs.sort();
    dirs.pop().map(|(_, dir)| dir)
}

/// Whether this process runs as root, whom the server refuses.
fn is_root() -> bool {
    let output = Command::new("id").arg("-u").output();
    output.is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}
