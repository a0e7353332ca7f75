//! The PostgreSQL ledger side by side: the stress scenario (no faults) against the actor
//! ledger, each correct PostgreSQL strategy and each flawed one, then the limit: `pgbench`
//! running the same reserve and commit functions at the same concurrency on the same server,
//! one after the other. Prints a Markdown table.
//!
//! `cargo bench --bench postgres` (uses `DATABASE_URL`, else a throwaway server; set
//! `CREDITSIM_BENCH_STEPS` to change the 20000 steps per run).

use std::path::{Path, PathBuf};
use std::process::Command;

use creditsim::backends::postgres::DEFAULT_POOL_SIZE;
use creditsim::backends::postgres::scratch::{FAST_SETTINGS, ScratchServer};
use creditsim::backends::{DatabaseOptions, LedgerKind};
use creditsim::check::Invariant;
use creditsim::report::Summary;
use creditsim::runner::{self, OutDir, Overrides, RunConfig};

/// One ledger's row of the table.
struct Row {
    ledger: String,
    cycles_per_s: f64,
    p50_us: u64,
    p99_us: u64,
    retries: u64,
    violations: String,
}

fn scenario() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/stress.toml")
}

/// Runs the stress scenario on `ledger`, keeping the schema `schema` when given.
fn run(ledger: &str, url: &str, steps: u64, schema: Option<&str>) -> (Row, Summary) {
    let overrides = Overrides {
        ledger: ledger.parse().expect("a ledger name"),
        steps: Some(steps),
        no_thresholds: true,
        out: OutDir::Discard,
        database: DatabaseOptions {
            url: Some(url.to_string()),
            schema: schema.map(str::to_string),
            drop: schema.is_none(),
            pool_size: Some(DEFAULT_POOL_SIZE),
        },
        ..Overrides::default()
    };
    let config = RunConfig::load(&scenario(), overrides).expect("the stress scenario");
    let runtime = runner::runtime(&config).expect("a runtime");
    let result = runtime
        .block_on(runner::run(&config, std::future::pending()))
        .expect("a run");
    let summary = Summary::new(&config, &result);
    let counts = result
        .verdict
        .as_ref()
        .map(|v| v.counts.clone())
        .unwrap_or_default();
    let broken: Vec<String> = (Invariant::ALL.iter())
        .filter_map(|inv| {
            counts
                .get(inv)
                .filter(|&&n| n > 0)
                .map(|n| format!("{inv} {n}"))
        })
        .collect();
    let backend_retries: u64 = ["serialization_retries", "conflict_retries"]
        .iter()
        .filter_map(|name| summary.backend.get(name))
        .sum();
    let row = Row {
        ledger: ledger.to_string(),
        cycles_per_s: summary.throughput.cycles_per_s,
        p50_us: summary.latency_by_op_us["reserve"].p50,
        p99_us: summary.latency_by_op_us["reserve"].p99,
        retries: backend_retries + summary.counts["retries"],
        violations: match broken.is_empty() {
            true => "none".into(),
            false => broken.join(", "),
        },
    };
    (row, summary)
}

/// The pgbench script: one reserve→commit cycle of one credit, a third of them on the hot
/// workspace (account 0) as in the stress scenario, two thirds on the 2000 solo accounts.
fn pgbench_script(at_ms: u64) -> String {
    format!(
        "\\set r random(0, 2)\n\
         \\if :r = 0\n\\set acct 0\n\\else\n\\set acct random(1, 2000)\n\\endif\n\
         \\set key random(1, 1000000000000000)\n\
         SELECT * FROM reserve(:acct, {at_ms}, 'pgb-' || :key, 'credits', 'post', 1, 500, \
         true, false, true, NULL, false);\n\
         SELECT * FROM commit_hold(:acct, {at_ms}, 'pgb-' || :key, 1, true, false, true);\n"
    )
}

/// Runs pgbench for `seconds` on `schema` at `clients` connections; its transactions per
/// second (each transaction one reserve→commit cycle).
fn pgbench(server: &Server, schema: &str, at_ms: u64, clients: usize, seconds: u64) -> f64 {
    let script = std::env::temp_dir().join(format!("creditsim-pgbench-{}.sql", std::process::id()));
    std::fs::write(&script, pgbench_script(at_ms)).expect("writing the script");
    let topup = format!(
        "SET search_path TO {schema}; SELECT count(*) FROM accounts a, LATERAL grant_lot(a.id, \
         {at_ms}, 'pgbench-topup', 'credits', 1000000000000, 'promotion', NULL, 9::smallint, \
         true) g WHERE g.kind = 'outcome';"
    );
    server.psql(&topup);
    let (clients, seconds) = (clients.to_string(), seconds.to_string());
    let script_path = script.display().to_string();
    let args = [
        "-n",
        "-M",
        "prepared",
        "-c",
        &clients,
        "-j",
        "2",
        "-T",
        &seconds,
        "-f",
        &script_path,
    ];
    let output = server.pgbench(schema, &args);
    let _ = std::fs::remove_file(&script);
    let tps = output
        .lines()
        .find(|l| l.starts_with("tps = "))
        .expect("pgbench's tps line");
    tps[6..]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .expect("a number")
}

/// The server: the user's, or a throwaway one.
enum Server {
    Url(String),
    Scratch(ScratchServer),
}

impl Server {
    fn url(&self) -> String {
        match self {
            Server::Url(url) => url.clone(),
            Server::Scratch(server) => server.url(),
        }
    }

    fn psql(&self, sql: &str) {
        let status = Command::new(self.bin("psql"))
            .args([
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                &self.url(),
                "-c",
                sql,
            ])
            .stdout(std::process::Stdio::null())
            .status()
            .expect("psql");
        assert!(status.success(), "psql failed");
    }

    fn pgbench(&self, schema: &str, args: &[&str]) -> String {
        let output = Command::new(self.bin("pgbench"))
            .args(args)
            .arg(self.url())
            .env("PGOPTIONS", format!("-c search_path={schema}"))
            .output()
            .expect("pgbench");
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "pgbench failed: {text}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        text
    }

    fn bin(&self, program: &str) -> PathBuf {
        match self {
            Server::Scratch(server) => server.bin_dir().join(program),
            Server::Url(_) => match creditsim::backends::postgres::scratch::installed_bin_dir() {
                Some(dir) => dir.join(program),
                None => PathBuf::from(program),
            },
        }
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` lists benches; this one only runs when asked.
    }
    if std::env::var_os("CREDITSIM_SKIP_POSTGRES").is_some() {
        eprintln!("CREDITSIM_SKIP_POSTGRES is set: skipping the PostgreSQL bench");
        return;
    }
    let steps: u64 = std::env::var("CREDITSIM_BENCH_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let server = match std::env::var("DATABASE_URL") {
        Ok(url) if !url.is_empty() => Server::Url(url),
        _ => Server::Scratch(ScratchServer::start(FAST_SETTINGS).unwrap_or_else(|e| panic!("{e}"))),
    };
    let url = server.url();
    let mut rows = Vec::new();
    let (actor, _) = run("actor", &url, steps, None);
    rows.push(actor);
    let schema = format!("creditsim_bench_{}", std::process::id());
    let (row_lock, summary) = run("postgres", &url, steps, Some(&schema));
    let seconds = summary.elapsed_s.ceil().max(5.0) as u64;
    let tps = pgbench(
        &server,
        &schema,
        summary.virtual_end_ms,
        DEFAULT_POOL_SIZE,
        seconds,
    );
    server.psql(&format!("DROP SCHEMA {schema} CASCADE"));
    let ratio = row_lock.cycles_per_s / tps;
    rows.push(row_lock);
    for ledger in LedgerKind::DATABASE.iter().skip(1).map(|(name, _)| *name) {
        rows.push(run(ledger, &url, steps, None).0);
    }
    println!("stress scenario, {steps} steps, no faults; {DEFAULT_POOL_SIZE} connections\n");
    println!("| ledger | cycles/s | reserve p50 µs | reserve p99 µs | retries | violations |");
    println!("|---|---:|---:|---:|---:|---|");
    for row in &rows {
        println!(
            "| {} | {:.0} | {} | {} | {} | {} |",
            row.ledger, row.cycles_per_s, row.p50_us, row.p99_us, row.retries, row.violations
        );
    }
    println!(
        "| pgbench, same functions, {DEFAULT_POOL_SIZE} clients, {seconds} s | {tps:.0} | | | | |"
    );
    println!("\nrow-lock run / pgbench = {ratio:.2} (goal: at least 0.80)");
}
