//! Scenario files, step generation, traces and `creditsim generate`.
//!
//! Validation of vendor ids goes through the `Catalog` seam: most tests use the small
//! catalogs below, so they exercise this module alone; a few use the real vendor models.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use creditsim::ledger::calendar::add_months;
use creditsim::pricing::Params;
use creditsim::scenario::{
    Arrival, Catalog, ClockMode, Fault, Generation, RunDuration, Scenario, ScenarioError, Step,
    StepSource, trace,
};

use crate::support::creditsim;

/// Accepts every id: for tests of parsing and structure.
struct AnyId;

impl Catalog for AnyId {
    fn check_action(&self, _: &str, _: &Params) -> Result<(), String> {
        Ok(())
    }
    fn check_account(&self, _: Option<&str>, _: u32, _: u32) -> Result<(), String> {
        Ok(())
    }
    fn check_pack(&self, _: &str, _: Option<&str>) -> Result<(), String> {
        Ok(())
    }
}

/// Knows a handful of ids and, like a vendor model, lists the valid ones when asked for
/// another.
struct Few;

impl Catalog for Few {
    fn check_action(&self, action: &str, params: &Params) -> Result<(), String> {
        let known = ["video", "banner", "post"];
        if !known.contains(&action) {
            return Err(format!("unknown action; valid: {}", known.join(", ")));
        }
        match params
            .keys()
            .find(|k| !["scenes", "quality"].contains(&k.as_str()))
        {
            Some(k) => Err(format!("unknown param {k}")),
            None => Ok(()),
        }
    }
    fn check_account(&self, plan: Option<&str>, _: u32, _: u32) -> Result<(), String> {
        match plan {
            None | Some("pro") => Ok(()),
            Some(_) => Err("unknown plan; valid: pro".to_string()),
        }
    }
    fn check_pack(&self, pack: &str, _: Option<&str>) -> Result<(), String> {
        match pack {
            "starter" => Ok(()),
            _ => Err("unknown pack; valid: starter".to_string()),
        }
    }
}

/// A fresh directory for one test's files.
fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("scenario")
        .join(test);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path
}

fn parse(text: &str) -> Result<Scenario, ScenarioError> {
    Scenario::parse(text, Path::new("scenarios/x.toml"), None, Some(&Few))
}

fn parse_err(text: &str) -> String {
    match parse(text) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(err) => err.to_string(),
    }
}

fn all_steps(plan: &Scenario) -> Vec<Step> {
    plan.all_steps().unwrap().collect()
}

const THREE_LINES: &str = "vendor = \"aytada\"\n[[workload]]\naction = \"video\"\n";

const MIXED: &str = r#"
vendor = "aytada"
[[accounts]]
count = 3
packs = ["starter"]
[[accounts]]
count = 2
agents = 4
[[workload]]
action = "video"
params = { scenes = 3, quality = "standard" }
weight = 3
[[workload]]
action = "banner"
[duration]
steps = 500
[generation]
distribution = "uniform"
min_ms = 10
max_ms = 5000
[faults]
lost_reply = 0.2
actor_crash = 0.1
"#;

#[test]
fn a_three_line_scenario_loads_with_documented_defaults() {
    let plan = parse(THREE_LINES).unwrap();
    assert_eq!(plan.name, "x");
    assert_eq!(plan.seed, 1);
    assert_eq!(plan.accounts.len(), 10);
    assert!(
        plan.accounts
            .iter()
            .all(|a| a.plan.is_none() && a.packs.is_empty())
    );
    assert_eq!(plan.agents.len(), 10);
    assert_eq!(plan.arrival, Arrival::Closed { think_ms: 0 });
    assert_eq!(plan.duration, RunDuration::Steps(10_000));
    assert_eq!(plan.generation, Generation::Fixed { ms: 0 });
    assert_eq!(plan.ttl_ms, 60_000);
    assert_eq!(plan.clock.mode, ClockMode::Virtual);
    assert_eq!((plan.clock.start_ms, plan.clock.months), (0, None));
    assert!(plan.thresholds.is_empty());
    assert_eq!(plan.faults.enabled(), vec![Fault::GenerationFailure]);
    assert_eq!(plan.faults.probability(Fault::GenerationFailure), 0.05);
    assert_eq!(plan.total_steps(), Some(10_000));
    assert_eq!(all_steps(&plan).len(), 10_000);
}

#[test]
fn accounts_and_agents_are_numbered_densely_in_file_order() {
    let plan = parse(MIXED).unwrap();
    let owners: Vec<u32> = plan.agents.iter().map(|a| a.account).collect();
    assert_eq!(owners, [0, 1, 2, 3, 3, 3, 3, 4, 4, 4, 4]);
    assert!(
        plan.agents
            .iter()
            .enumerate()
            .all(|(i, a)| a.id as usize == i)
    );
    assert_eq!(plan.accounts[0].packs, ["starter"]);
    assert_eq!(plan.accounts[4].agents, 4);
    assert_eq!(plan.accounts[4].id, 4);
}

#[test]
fn steps_are_split_across_agents_and_indexed_uniquely() {
    let plan = parse(MIXED).unwrap();
    let steps = all_steps(&plan);
    let indices: Vec<u64> = steps.iter().map(|s| s.index).collect();
    assert_eq!(indices, (0..500).collect::<Vec<_>>());
    // 500 steps over 11 agents: the first 500 % 11 = 5 agents take one more.
    for agent in plan.agents.iter() {
        let mine: Vec<Step> = plan.steps(agent.id).collect();
        let want = 45 + usize::from(agent.id < 5);
        assert_eq!(mine.len(), want, "agent {}", agent.id);
        assert!(
            mine.iter()
                .all(|s| s.agent == agent.id && s.account == agent.account)
        );
    }
    assert!(steps.iter().all(|s| (10..=5000).contains(&s.duration_ms)));
    assert!(
        steps
            .iter()
            .all(|s| s.actual_permille <= 1000 && s.send_at_us.is_none())
    );
}

#[test]
fn weights_and_probabilities_shape_the_mix() {
    let plan = parse(MIXED).unwrap();
    let steps = all_steps(&plan);
    let share = |hit: fn(&Step) -> bool| steps.iter().filter(|s| hit(s)).count() as f64 / 500.0;
    let videos = share(|s| &*s.action == "video");
    assert!((0.65..0.85).contains(&videos), "video share {videos}");
    let lost = share(|s| s.faults.has(Fault::LostReply));
    assert!((0.13..0.27).contains(&lost), "lost-reply share {lost}");
    let crashes = share(|s| s.faults.has(Fault::ActorCrash));
    assert!(
        (0.05..0.15).contains(&crashes),
        "actor-crash share {crashes}"
    );
    let fails = share(|s| s.fails);
    assert!((0.02..0.09).contains(&fails), "failure share {fails}");
    assert_eq!(share(|s| s.faults.has(Fault::KeyReuse)), 0.0);
}

#[test]
fn the_same_seed_gives_the_same_steps_and_another_seed_others() {
    let once = all_steps(&parse(MIXED).unwrap());
    let again = all_steps(&parse(MIXED).unwrap());
    assert_eq!(once, again);
    let path = Path::new("scenarios/x.toml");
    let reseeded = Scenario::parse(MIXED, path, Some(2), Some(&Few)).unwrap();
    assert_eq!(reseeded.seed, 2);
    let other = all_steps(&reseeded);
    assert_eq!(other.len(), once.len());
    assert_ne!(other, once);
    let seeded_in_file = MIXED.replace("vendor = \"aytada\"", "vendor = \"aytada\"\nseed = 2");
    assert_eq!(all_steps(&parse(&seeded_in_file).unwrap()), other);
}

#[test]
fn open_arrival_gives_every_step_an_intended_send_time() {
    let text = format!(
        "{THREE_LINES}[arrival]\nmode = \"open\"\nrate_per_s = 2000\n[duration]\nseconds = 2\n"
    );
    let plan = parse(&text).unwrap();
    assert_eq!(plan.arrival, Arrival::Open { rate_per_s: 2000 });
    let steps = all_steps(&plan);
    assert_eq!(steps.len(), 4000);
    let times: Vec<u64> = steps.iter().map(|s| s.send_at_us.unwrap()).collect();
    assert_eq!(&times[..3], [0, 500, 1000]);
    assert_eq!(times[3999], 1_999_500);
}

#[test]
fn closed_arrival_bounded_by_seconds_has_no_step_count() {
    let text = format!("{THREE_LINES}[duration]\nseconds = 2\n");
    let plan = parse(&text).unwrap();
    assert_eq!(plan.total_steps(), None);
    assert_eq!(plan.steps(3).take(2000).count(), 2000);
    let err = plan.all_steps().unwrap_err().to_string();
    assert!(
        err.contains("no fixed step count") && err.contains("duration.steps"),
        "{err}"
    );
}

#[test]
fn faults_enabled_from_the_command_line_get_the_default_probability() {
    let mut plan = parse(MIXED).unwrap();
    plan.enable_faults(&Fault::parse_list("lost-reply,slow-generation,cycle-boundary").unwrap())
        .unwrap();
    assert_eq!(plan.faults.probability(Fault::LostReply), 0.2);
    assert_eq!(plan.faults.probability(Fault::SlowGeneration), 0.01);
    assert_eq!(plan.faults.probability(Fault::CycleBoundary), 0.01);
    assert_eq!(
        plan.clock.start_ms, 0,
        "the boundary fault moves agents, not the start"
    );
    let mut plan = parse(MIXED).unwrap();
    plan.enable_faults(&[Fault::SlowGeneration]).unwrap();
    plan.faults = plan.faults.with(Fault::SlowGeneration, 1.0);
    let steps = all_steps(&plan);
    assert!(steps.iter().all(|s| s.duration_ms >= 2 * plan.ttl_ms));
}

#[test]
fn virtual_time_is_the_default_and_paced_time_the_default_for_open_arrival() {
    let virtual_ = parse(THREE_LINES).unwrap();
    assert_eq!(virtual_.clock.mode, ClockMode::Virtual);
    let open = format!("{THREE_LINES}[arrival]\nmode = \"open\"\nrate_per_s = 50\n");
    let paced = parse(&open).unwrap();
    assert_eq!(paced.clock.mode, ClockMode::Paced { speedup: 1 });
    let sped = format!("{THREE_LINES}[clock]\nspeedup = 40\n");
    assert_eq!(
        parse(&sped).unwrap().clock.mode,
        ClockMode::Paced { speedup: 40 }
    );
    let mixed = format!("{THREE_LINES}[clock]\nmode = \"virtual\"\nspeedup = 40\n");
    let err = parse(&mixed).unwrap_err().to_string();
    assert!(err.contains("speedup") && err.contains("paced"), "{err}");
}

#[test]
fn months_spread_the_steps_over_exactly_their_span() {
    let text =
        format!("{THREE_LINES}[duration]\nsteps = 100\n[clock]\nmonths = 12\nstart_ms = 7\n");
    let plan = parse(&text).unwrap();
    let end = add_months(7, 12).unwrap();
    assert_eq!(plan.clock.end_ms(), Some(end));
    let due: Vec<u64> = all_steps(&plan)
        .iter()
        .map(|s| s.send_at_us.unwrap())
        .collect();
    assert_eq!(due.len(), 100);
    assert_eq!(due[0], 0);
    assert!(
        due.windows(2).all(|w| w[0] < w[1]),
        "evenly spaced, in order"
    );
    let span_us = (end - 7) * 1000;
    assert_eq!(
        due[99],
        span_us * 99 / 100,
        "the last step is due before the end"
    );
    let unbounded = format!("{THREE_LINES}[duration]\nseconds = 3\n[clock]\nmonths = 2\n");
    let err = parse(&unbounded).unwrap_err().to_string();
    assert!(
        err.contains("months") && err.contains("duration.steps"),
        "{err}"
    );
    let huge = format!("{THREE_LINES}[clock]\nmonths = 100000\n");
    let err = parse(&huge).unwrap_err().to_string();
    assert!(
        err.contains("at most 1200 (the limit of `months`)"),
        "{err}"
    );
}

#[test]
fn every_field_of_the_schema_is_read() {
    let text = r#"
name = "everything"
vendor = "aytada"
seed = 9
[[accounts]]
count = 2
persona = "team"
plan = "pro"
seats = 3
packs = ["starter", "starter"]
addon_units = 2
agents = 2
[[workload]]
action = "post"
[arrival]
mode = "closed"
think_ms = 7
[duration]
steps = 40
[generation]
distribution = "exponential"
mean_ms = 100
[hold]
ttl_ms = 900
[clock]
months = 12
start_ms = 3
[thresholds]
reserve_p99_us = 10
commit_p99_us = 11
min_cycles_per_s = 12
min_steps_per_s = 13.5
max_insufficient_ratio = 0.25
[faults]
generation_failure = 0.5
slow_generation = 0.1
duplicate_delivery = 0.1
lost_reply = 0.1
key_reuse = 0.1
duplicate_grant = 0.1
actor_crash = 0.1
cycle_boundary = 0.1
"#;
    let plan = parse(text).unwrap();
    assert_eq!((plan.name.as_str(), plan.seed), ("everything", 9));
    let a = &plan.accounts[1];
    assert_eq!(
        (a.persona.as_str(), a.plan.as_deref()),
        ("team", Some("pro"))
    );
    assert_eq!(
        (a.seats, a.addon_units, a.agents, a.packs.len()),
        (3, 2, 2, 2)
    );
    assert_eq!(plan.arrival, Arrival::Closed { think_ms: 7 });
    assert_eq!(plan.generation, Generation::Exponential { mean_ms: 100 });
    assert_eq!(plan.ttl_ms, 900);
    assert_eq!(plan.clock.months, Some(12));
    assert_eq!(plan.clock.end_ms(), add_months(3, 12));
    assert_eq!(plan.clock.start_ms, 3);
    let limit = |written| plan.thresholds.get(written).map(|t| t.limit);
    assert_eq!(limit("min_steps_per_s"), Some(13.5));
    assert_eq!(limit("max_insufficient_ratio"), Some(0.25));
    assert_eq!(plan.thresholds.limits.len(), 5);
    assert_eq!(plan.faults.enabled().len(), 8);
    assert_eq!(plan.faults.probability(Fault::GenerationFailure), 0.5);
    let steps = all_steps(&plan);
    assert!(steps.iter().all(|s| s.duration_ms <= 2000));
}

#[test]
fn an_unknown_field_names_file_line_and_field() {
    let err = parse_err("vendor = \"aytada\"\n[[workload]]\naction = \"video\"\nwieght = 3\n");
    assert!(
        err.starts_with("scenarios/x.toml:4:1: field \"wieght\":"),
        "{err}"
    );
    assert!(
        err.contains("unknown field") && err.contains("weight"),
        "{err}"
    );
    let err = parse_err(&format!("{THREE_LINES}[clock]\nspeed = 2\n"));
    assert!(
        err.starts_with("scenarios/x.toml:5:1: field \"speed\":"),
        "{err}"
    );
}

#[test]
fn bad_values_get_clear_errors() {
    let cases = [
        (
            format!("{THREE_LINES}weight = -3\n"),
            "scenarios/x.toml:4:10: field \"weight\": expected a positive integer, got -3",
        ),
        (
            format!("{THREE_LINES}[generation]\nfailure_probability = 1.5\n"),
            "scenarios/x.toml:5:23: field \"failure_probability\": expected a probability between 0 and 1, got 1.5",
        ),
        (
            format!("{THREE_LINES}[faults]\nkey_reuse = -0.1\n"),
            "scenarios/x.toml:5:13: field \"key_reuse\": expected a probability between 0 and 1, got -0.1",
        ),
        (
            format!("trace = \"t.csv\"\n{THREE_LINES}"),
            "scenarios/x.toml:1:9: field \"trace\": expected either `trace` or [[workload]], not both",
        ),
        (
            "vendor = \"aytada\"\n".to_string(),
            "scenarios/x.toml:1:1: expected a [[workload]] table or `trace",
        ),
        (
            format!("{THREE_LINES}[clock]\nspeedup = 10\nmonths = 2\n"),
            "scenarios/x.toml:6:10: field \"months\": set either `speedup` or `months`, not both",
        ),
        (
            format!("{THREE_LINES}[arrival]\nmode = \"open\"\n"),
            "field \"rate_per_s\": expected a positive number of steps per second",
        ),
        (
            format!("{THREE_LINES}[arrival]\nrate_per_s = 10\n"),
            "scenarios/x.toml:5:14: field \"rate_per_s\": only allowed with mode = \"open\"",
        ),
        (
            format!("{THREE_LINES}[arrival]\nmode = \"sideways\"\n"),
            "scenarios/x.toml:5:8: field \"mode\": unknown variant `sideways`",
        ),
        (
            format!("{THREE_LINES}[duration]\nsteps = 10\nseconds = 2\n"),
            "field \"seconds\": expected `steps` or `seconds`, not both",
        ),
        (
            format!("{THREE_LINES}[generation]\nmin_ms = 10\n"),
            "scenarios/x.toml:5:10: field \"min_ms\": not used by distribution = \"fixed\"",
        ),
        (
            format!(
                "{THREE_LINES}[generation]\ndistribution = \"uniform\"\nmin_ms = 10\nmax_ms = 5\n"
            ),
            "scenarios/x.toml:7:10: field \"max_ms\": expected at least min_ms (10), got 5",
        ),
        (
            format!(
                "{THREE_LINES}[generation]\nfailure_probability = 0.1\n[faults]\ngeneration_failure = 0.1\n"
            ),
            "field \"generation_failure\": the same knob as generation.failure_probability",
        ),
        (
            format!("{THREE_LINES}[hold]\nttl_ms = \"long\"\n"),
            "scenarios/x.toml:5:10: field \"ttl_ms\": invalid type: string \"long\", expected a whole number",
        ),
        (
            "vendor = \"aytada\"\n[[accounts]]\ncount = 0\n[[workload]]\naction = \"video\"\n"
                .to_string(),
            "scenarios/x.toml:3:9: field \"count\": expected a positive integer, got 0",
        ),
        (
            format!("{THREE_LINES}params = {{ scenes = true }}\n"),
            "expected a string or an integer",
        ),
        (
            format!("{THREE_LINES}params = {{ quality = \"a;b\" }}\n"),
            "field \"quality\": expected a value without ';'",
        ),
        (
            "[[workload]]\naction = \"video\"\n".to_string(),
            "field \"vendor\": missing field `vendor`",
        ),
    ];
    for (text, want) in cases {
        let err = parse_err(&text);
        assert!(
            err.contains(want),
            "want {want:?}\n got {err:?}\n for:\n{text}"
        );
    }
}

#[test]
fn ids_the_vendor_rejects_point_at_their_field() {
    let cases = [
        (
            "vendor = \"aytada\"\n[[workload]]\naction = \"teleport\"\n",
            "scenarios/x.toml:3:10: field \"action\": the vendor cannot price action \"teleport\" with no params: unknown action; valid: video, banner, post",
        ),
        (
            "vendor = \"aytada\"\n[[workload]]\naction = \"video\"\nparams = { fps = 60 }\n",
            "scenarios/x.toml:3:10: field \"action\": the vendor cannot price action \"video\" with params \"fps=60\": unknown param fps",
        ),
        (
            "vendor = \"aytada\"\n[[accounts]]\nplan = \"platinum\"\n[[workload]]\naction = \"video\"\n",
            "scenarios/x.toml:3:8: field \"plan\": the vendor rejects plan \"platinum\": unknown plan; valid: pro",
        ),
        (
            "vendor = \"aytada\"\n[[accounts]]\npacks = [\"starter\", \"mega\"]\n[[workload]]\naction = \"video\"\n",
            "scenarios/x.toml:3:21: field \"packs\": the vendor has no pack \"mega\": unknown pack; valid: starter",
        ),
    ];
    for (text, want) in cases {
        assert_eq!(parse_err(text), want);
    }
    let second_group = "vendor = \"aytada\"\n[[accounts]]\ncount = 2\nplan = \"pro\"\n\
                        [[accounts]]\nplan = \"gold\"\n[[workload]]\naction = \"post\"\n";
    let err = parse_err(second_group);
    assert!(
        err.starts_with("scenarios/x.toml:6:8: field \"plan\": the vendor rejects plan \"gold\""),
        "{err}"
    );
}

/// Like `Few`, but every account needs a plan.
struct PlanRequired;

impl Catalog for PlanRequired {
    fn check_action(&self, action: &str, params: &Params) -> Result<(), String> {
        Few.check_action(action, params)
    }
    fn check_account(&self, plan: Option<&str>, seats: u32, units: u32) -> Result<(), String> {
        match plan {
            None => Err("an account needs a plan".to_string()),
            Some(_) => Few.check_account(plan, seats, units),
        }
    }
    fn check_pack(&self, pack: &str, plan: Option<&str>) -> Result<(), String> {
        Few.check_pack(pack, plan)
    }
}

#[test]
fn default_accounts_that_the_vendor_rejects_are_reported() {
    let err = Scenario::parse(THREE_LINES, Path::new("x.toml"), None, Some(&PlanRequired))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("x.toml:1:1: the default accounts (10, no plan, no packs)"),
        "{err}"
    );
    assert!(err.contains("an account needs a plan"), "{err}");
}

#[test]
fn every_shipped_scenario_parses_and_yields_steps() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut names = BTreeSet::new();
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let plan =
                Scenario::load_with_catalog(&path, None, &AnyId).unwrap_or_else(|e| panic!("{e}"));
            let total = plan
                .total_steps()
                .expect("shipped scenarios have a step count");
            assert!(
                (1..=200_000).contains(&total),
                "{}: {total} steps",
                path.display()
            );
            assert!(plan.all_steps().unwrap().take(100).count() > 0);
            names.insert(plan.name);
        }
    }
    let want = [
        "aibc",
        "aistudios",
        "aytada",
        "campaigns",
        "paced",
        "stress",
        "videodraft",
    ];
    assert_eq!(names, want.map(String::from).into());
    let stress = Scenario::load_with_catalog(&dir.join("stress.toml"), None, &AnyId).unwrap();
    let hot = stress.agents.iter().filter(|a| a.account == 0).count();
    assert_eq!(hot, 1000);
    assert!(stress.accounts.len() > 1000);
}

#[test]

fn every_shipped_scenario_passes_its_vendor_model() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            Scenario::load(&path, None).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

/// Writes `plan`'s steps as a trace in `dir` and a scenario that replays it.
fn replay_of(plan: &Scenario, dir: &Path, accounts: &str) -> Scenario {
    let mut csv = Vec::new();
    let rows = trace::write(plan.all_steps().unwrap(), &mut csv).unwrap();
    assert_eq!(Some(rows), plan.total_steps());
    fs::write(dir.join("steps.csv"), csv).unwrap();
    let text = format!("vendor = \"aytada\"\ntrace = \"steps.csv\"\n{accounts}");
    let path = write(dir, "replay.toml", &text);
    Scenario::load_with_catalog(&path, None, &Few).unwrap()
}

#[test]
fn generate_then_replay_yields_identical_steps() {
    let dir = scratch("round_trip");
    let accounts =
        "[[accounts]]\ncount = 3\npacks = [\"starter\"]\n[[accounts]]\ncount = 2\nagents = 4\n";
    for arrival in ["", "[arrival]\nmode = \"open\"\nrate_per_s = 300\n"] {
        let text = format!("{MIXED}{arrival}").replace("[faults]", "[faults]\nkey_reuse = 0.3");
        let mut plan = parse(&text).unwrap();
        plan.enable_faults(&Fault::ALL).unwrap();
        let replay = replay_of(&plan, &dir, accounts);
        assert!(matches!(replay.source, StepSource::Trace(_)));
        assert_eq!(all_steps(&replay), all_steps(&plan));
        for agent in &plan.agents {
            let drawn: Vec<Step> = plan.steps(agent.id).collect();
            let replayed: Vec<Step> = replay.steps(agent.id).collect();
            assert_eq!(drawn, replayed, "agent {}", agent.id);
        }
        assert_eq!(
            matches!(replay.arrival, Arrival::Open { .. }),
            !arrival.is_empty()
        );
        let err = replay
            .clone()
            .enable_faults(&[Fault::LostReply])
            .unwrap_err()
            .to_string();
        assert!(err.contains("records each step's faults"), "{err}");
    }
}

#[test]
fn a_trace_scenario_refuses_what_the_trace_fixes() {
    let dir = scratch("trace_refusals");
    let plan = parse(MIXED).unwrap();
    let accounts = "[[accounts]]\ncount = 3\n[[accounts]]\ncount = 2\nagents = 4\n";
    replay_of(&plan, &dir, accounts);
    let with = |extra: &str| {
        let text = format!("vendor = \"aytada\"\ntrace = \"steps.csv\"\n{accounts}{extra}");
        let path = write(&dir, "bad.toml", &text);
        Scenario::load_with_catalog(&path, None, &Few)
            .unwrap_err()
            .to_string()
    };
    assert!(
        with("[faults]\nlost_reply = 0.1\n").contains("field \"faults\": not allowed with `trace`")
    );
    assert!(with("[duration]\nsteps = 5\n").contains("field \"duration\": not allowed"));
    assert!(with("[arrival]\nmode = \"open\"\n").contains("field \"mode\": the trace is closed"));
    let short = "[[accounts]]\ncount = 3\n[[accounts]]\ncount = 1\nagents = 4\n";
    let text = format!("vendor = \"aytada\"\ntrace = \"steps.csv\"\n{short}");
    let path = write(&dir, "short.toml", &text);
    let err = Scenario::load_with_catalog(&path, None, &Few)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("steps.csv:") && err.contains("field \"agent\": expected an agent id below 7"),
        "{err}"
    );
}

/// A valid trace for `MIXED`'s 11 agents, then `row` appended as line 4.
fn trace_with(dir: &Path, row: &str) -> String {
    let head = "send_at_us,agent,account,action,params,fails,duration_ms,actual_permille,faults\n\
                ,0,0,video,quality=standard;scenes=3,false,100,500,\n\
                ,5,3,banner,,true,20,0,lost-reply\n";
    fs::write(dir.join("steps.csv"), format!("{head}{row}\n")).unwrap();
    let text = "vendor = \"aytada\"\ntrace = \"steps.csv\"\n[[accounts]]\ncount = 3\n[[accounts]]\ncount = 2\nagents = 4\n";
    let path = write(dir, "replay.toml", text);
    match Scenario::load_with_catalog(&path, None, &Few) {
        Ok(plan) => format!("ok {}", plan.total_steps().unwrap()),
        Err(err) => err.to_string(),
    }
}

#[test]
fn a_malformed_trace_row_is_reported_with_line_and_column() {
    let dir = scratch("bad_rows");
    assert_eq!(trace_with(&dir, ",1,1,post,,false,0,0,"), "ok 3");
    let cases = [
        (
            ",1,1,post,,maybe,0,0,",
            "steps.csv:4:12: field \"fails\": expected true or false, got \"maybe\"",
        ),
        (
            ",1,2,post,,false,0,0,",
            "steps.csv:4:4: field \"account\": expected 1 (agent 1's account), got 2",
        ),
        (
            ",99,4,post,,false,0,0,",
            "steps.csv:4:2: field \"agent\": expected an agent id below 11",
        ),
        (
            ",1,1,post,,false,-5,0,",
            "steps.csv:4:18: field \"duration_ms\": expected a whole number, got \"-5\"",
        ),
        (
            ",1,1,post,,false,0,1001,",
            "steps.csv:4:20: field \"actual_permille\": expected a number from 0 to 1000, got 1001",
        ),
        (
            ",1,1,post,,false,0,0,gremlins",
            "steps.csv:4:22: field \"faults\": unknown fault \"gremlins\"",
        ),
        (
            ",1,1,post,,false,0,0,generation-failure",
            "field \"faults\": generation-failure is recorded in the `fails` column",
        ),
        (
            ",1,1,post,scenes,false,0,0,",
            "steps.csv:4:11: field \"params\": expected k=v pairs",
        ),
        (
            ",1,1,teleport,,false,0,0,",
            "steps.csv:4:6: field \"action\": the vendor cannot price action \"teleport\"",
        ),
        (
            "7,1,1,post,,false,0,0,",
            "steps.csv:4:1: field \"send_at_us\": expected no send time, as no earlier row has",
        ),
        (
            ",1,1,post,,false,0,0",
            "steps.csv:4:1: expected 9 fields, got 8",
        ),
    ];
    for (row, want) in cases {
        let err = trace_with(&dir, row);
        assert!(err.contains(want), "want {want:?}\n got {err:?}");
    }
    fs::write(dir.join("steps.csv"), "agent,account\n,0\n").unwrap();
    let err = Scenario::load_with_catalog(&dir.join("replay.toml"), None, &Few)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("steps.csv:1:1: expected the header \"send_at_us,agent,"),
        "{err}"
    );
}

#[test]
fn a_missing_scenario_names_the_file() {
    let err = Scenario::load(Path::new("no/such.toml"), None).unwrap_err();
    assert_eq!(err.to_string(), "no/such.toml: cannot read scenario");
    let reason = std::error::Error::source(&err).expect("the OS reason is the source");
    assert!(reason.to_string().contains("No such file"), "{reason}");
}

#[test]
fn a_bad_scenario_makes_generate_exit_2_naming_the_field() {
    let dir = scratch("cli_bad");
    let path = write(
        &dir,
        "bad.toml",
        "vendor = \"aytada\"\n[[workload]]\naction = \"video\"\nweight = -3\n",
    );
    let out = creditsim()
        .args(["generate", path.to_str().unwrap(), "--out"])
        .arg(dir.join("t.csv"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.toml:4:10: field \"weight\": expected a positive integer, got -3"),
        "{stderr}"
    );
    assert!(!dir.join("t.csv").exists());
    let out = creditsim()
        .args([
            "generate",
            path.to_str().unwrap(),
            "--out",
            "-",
            "--faults",
            "gremlins",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unknown fault \"gremlins\"") && stderr.contains("lost-reply"),
        "{stderr}"
    );
}

#[test]

fn generate_writes_a_trace_that_replays_identically() {
    let dir = scratch("cli_generate");
    let text = "vendor = \"aytada\"\nseed = 4\n[[accounts]]\ncount = 3\npacks = [\"starter\"]\n\
                [[workload]]\naction = \"video\"\nparams = { scenes = 3, quality = \"standard\" }\n\
                [[workload]]\naction = \"banner\"\n[duration]\nsteps = 50\n";
    let path = write(&dir, "gen.toml", text);
    let out = creditsim()
        .args([
            "generate",
            path.to_str().unwrap(),
            "--faults",
            "all",
            "--out",
        ])
        .arg(dir.join("steps.csv"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = fs::read_to_string(dir.join("steps.csv")).unwrap();
    assert_eq!(csv.lines().count(), 51);
    let mut plan = Scenario::load(&path, None).unwrap();
    plan.enable_faults(&Fault::ALL).unwrap();
    let replay = write(
        &dir,
        "replay.toml",
        "vendor = \"aytada\"\ntrace = \"steps.csv\"\n[[accounts]]\ncount = 3\npacks = [\"starter\"]\n",
    );
    assert_eq!(
        all_steps(&Scenario::load(&replay, None).unwrap()),
        all_steps(&plan)
    );
}

/// A scenario that sets `field` to `value`, in the section where the field lives.
fn with_field(field: &str, value: &str) -> String {
    let head = "vendor = \"aytada\"\n";
    let workload = "[[workload]]\naction = \"video\"\n";
    match field {
        "count" | "agents" | "seats" | "addon_units" => {
            format!("{head}[[accounts]]\n{field} = {value}\n{workload}")
        }
        "weight" => format!("{head}[[workload]]\naction = \"video\"\nweight = {value}\n"),
        "steps" | "seconds" => format!("{head}{workload}[duration]\n{field} = {value}\n"),
        "rate_per_s" => {
            format!("{head}{workload}[arrival]\nmode = \"open\"\nrate_per_s = {value}\n")
        }
        "think_ms" => format!("{head}{workload}[arrival]\nthink_ms = {value}\n"),
        "duration_ms" => format!("{head}{workload}[generation]\nduration_ms = {value}\n"),
        "min_ms" => format!(
            "{head}{workload}[generation]\ndistribution = \"uniform\"\nmin_ms = {value}\n\
             max_ms = {value}\n"
        ),
        "max_ms" => format!(
            "{head}{workload}[generation]\ndistribution = \"uniform\"\nmin_ms = 0\n\
             max_ms = {value}\n"
        ),
        "mean_ms" => {
            format!(
                "{head}{workload}[generation]\ndistribution = \"exponential\"\nmean_ms = {value}\n"
            )
        }
        "ttl_ms" => format!("{head}{workload}[hold]\nttl_ms = {value}\n"),
        "speedup" => format!("{head}{workload}[clock]\nmode = \"paced\"\nspeedup = {value}\n"),
        "months" | "start_ms" => format!("{head}{workload}[clock]\n{field} = {value}\n"),
        other => panic!("no section for {other}: add it here when adding a limit"),
    }
}

#[test]
fn every_limited_field_refuses_negatives_the_largest_integer_and_one_past_its_limit() {
    for &(field, max) in creditsim::scenario::limits::all() {
        let past = (max + 1).to_string();
        for bad in ["-1", &i64::MAX.to_string(), &past] {
            let err = parse(&with_field(field, bad))
                .err()
                .unwrap_or_else(|| panic!("{field} = {bad} was accepted"));
            let text = err.to_string();
            assert!(
                text.contains(&format!("field \"{field}\"")),
                "{field} = {bad}: {text}"
            );
        }
        let past_err = parse(&with_field(field, &past)).err().unwrap().to_string();
        assert!(
            past_err.contains(&format!("at most {max}")),
            "{field}: {past_err}"
        );
        let at_limit = parse(&with_field(field, &max.to_string()));
        assert!(
            at_limit.is_ok(),
            "{field} = {max}: {}",
            at_limit.err().unwrap()
        );
        let zero = parse(&with_field(field, "0"));
        let zero_allowed = [
            "addon_units",
            "think_ms",
            "duration_ms",
            "min_ms",
            "max_ms",
            "start_ms",
        ];
        assert_eq!(
            zero.is_ok(),
            zero_allowed.contains(&field),
            "{field} = 0: {zero:?}"
        );
    }
}

#[test]
fn toml_mistakes_read_plainly() {
    let twice = format!("{THREE_LINES}[hold]\nttl_ms = 5\nttl_ms = 6\n");
    let err = parse_err(&twice);
    assert!(err.contains("duplicate key `ttl_ms`"), "{err}");
    let huge =
        "vendor = \"aytada\"\nseed = 99999999999999999999\n[[workload]]\naction = \"video\"\n";
    let err = parse_err(huge);
    assert!(
        err.contains("whole number of at most 9223372036854775807"),
        "{err}"
    );
    let fraction = format!("{THREE_LINES}[hold]\nttl_ms = 1.5\n");
    assert!(parse_err(&fraction).contains("expected a whole number"));
}

#[test]
fn seats_on_a_plan_that_is_not_per_seat_are_refused_not_ignored() {
    let text = "vendor = \"videodraft\"\n[[accounts]]\nplan = \"pro\"\nseats = 3\n\
                [[workload]]\naction = \"script\"\n";
    let err = Scenario::parse(text, Path::new("s.toml"), None, None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`seats = 3` has no effect") && err.contains("s.toml:3"),
        "{err}"
    );
}

/// A path that names a device, not a file, is refused instead of read forever: a trace of
/// `/dev/zero` once grew memory without end.
#[test]
fn inputs_that_are_not_regular_files_are_refused() {
    let chain = |err: &dyn std::error::Error| {
        let mut text = err.to_string();
        let mut cause = err.source();
        while let Some(next) = cause {
            text += &format!(": {next}");
            cause = next.source();
        }
        text
    };
    let trace = "vendor = \"aytada\"\ntrace = \"/dev/zero\"\n";
    let err = chain(&parse(trace).unwrap_err());
    assert!(
        err.contains("/dev/zero") && err.contains("not a regular file"),
        "{err}"
    );
    let dir = scratch("not-a-file");
    let err = chain(&Scenario::load(&dir, None).unwrap_err());
    assert!(err.contains("not a regular file"), "{err}");
}
