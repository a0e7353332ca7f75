//! `run` reports per persona: the `persona` label of `[[accounts]]` groups accounts, agents,
//! credits and blocked steps in `summary.json`, `--json` and the human summary.

use std::collections::BTreeMap;

use creditsim::runner::{OutDir, Overrides};

use crate::support::{run_path, temp_dir};

/// Two personas on Aytada's packs: a few small buyers who run dry, and an agency with a big
/// pack shared by three people that lasts.
const TWO_PERSONAS: &str = r#"vendor = "aytada"
seed = 7
[[accounts]]
count = 4
persona = "hobbyist"
packs = ["starter"]
[[accounts]]
count = 2
persona = "agency"
packs = ["business"]
agents = 3
[[workload]]
action = "video"
params = { scenes = 3 }
[[workload]]
action = "banner"
weight = 3
[duration]
steps = 200
[generation]
failure_probability = 0.1
"#;

#[test]
fn persona_tallies_add_up_to_the_run_and_differ_between_personas() {
    let dir = temp_dir("personas");
    let path = dir.join("two.toml");
    std::fs::write(&path, TWO_PERSONAS).unwrap();
    let overrides = Overrides {
        deterministic: true,
        out: OutDir::Discard,
        ..Overrides::default()
    };
    let summary = run_path(&path, overrides).summary;
    let personas = &summary.personas;
    assert_eq!(
        personas.keys().collect::<Vec<_>>(),
        ["agency", "hobbyist"],
        "{personas:?}"
    );
    let (agency, hobbyist) = (&personas["agency"], &personas["hobbyist"]);
    assert_eq!((agency.accounts, agency.agents), (2, 6));
    assert_eq!((hobbyist.accounts, hobbyist.agents), (4, 4));
    let blocked: u64 = personas.values().map(|p| p.insufficient).sum();
    assert_eq!(blocked, summary.counts["insufficient"]);
    assert!(hobbyist.insufficient > agency.insufficient, "{personas:?}");
    let mut sums: BTreeMap<&str, [u64; 5]> = BTreeMap::new();
    for persona in personas.values() {
        for (pool, t) in &persona.credits {
            let sum = sums.entry(pool).or_default();
            let parts = [t.granted, t.charged, t.expired, t.remaining, t.held];
            sum.iter_mut().zip(parts).for_each(|(s, p)| *s += p);
        }
    }
    for (pool, t) in &summary.credits {
        let whole = [t.granted, t.charged, t.expired, t.remaining, t.held];
        assert_eq!(sums[pool.as_str()], whole, "pool {pool}");
    }
    let granted = |p: &str| personas[p].credits["credits"].granted;
    assert_ne!(granted("agency"), granted("hobbyist"));
    assert!(personas["agency"].credits["credits"].charged > 0);
    let json = serde_json::to_value(&summary).unwrap();
    assert_eq!(json["personas"]["agency"]["agents"], 6, "{json}");
    let text = creditsim::report::render_summary(&summary, None);
    assert!(text.contains("\npersonas "), "{text}");
    let row = text
        .lines()
        .find(|l| l.trim_start().starts_with("hobbyist"))
        .unwrap();
    assert!(row.contains(&hobbyist.insufficient.to_string()), "{row}");
    let _ = std::fs::remove_dir_all(dir);
}
