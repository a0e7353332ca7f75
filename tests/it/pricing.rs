//! The pricing library: the documents' worked numbers, the audit's failing claims pinned, every
//! action of every built-in model quoted, errors for bad input, and the bridge to ledger terms.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use creditsim::accounts::{KEY_RETENTION_MS, Purchase, account_spec, pack_grant};
use creditsim::ledger::LotSource;
use creditsim::pricing::{BUILTIN_IDS, Cost, LowBalance, Model, Params, PricingError};
use creditsim::scenario::Scenario;

use crate::support::month;

fn params(pairs: &[(&str, &str)]) -> Params {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn quote(vendor: &str, action: &str, pairs: &[(&str, &str)]) -> Cost {
    let model = Model::builtin(vendor).expect("built-in model loads");
    model.quote(action, &params(pairs)).expect("quote").credits
}

fn fixed(n: u64) -> Cost {
    Cost { min: n, max: n }
}

fn range(min: u64, max: u64) -> Cost {
    Cost { min, max }
}

/// A scratch directory unique to one test, for broken copies of model files.
pub fn scratch_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("creditsim-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// A copy of a built-in model file with `from` replaced by `to` (exactly once).
pub fn edited_model(test: &str, vendor: &str, from: &str, to: &str) -> PathBuf {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/models/{vendor}.toml"));
    let text = std::fs::read_to_string(path).expect("read built-in model file");
    assert_eq!(
        text.matches(from).count(),
        1,
        "`{from}` must occur once in {vendor}.toml"
    );
    let out = scratch_dir(test).join(format!("{vendor}.toml"));
    std::fs::write(&out, text.replace(from, to)).expect("write edited model");
    out
}

// ---- The documents' numbers ---------------------------------------------------------------------

#[test]
fn aytada_video_table_and_typical_ads() {
    // "Standard 15 credits, Pro 40 credits" per scene; the ad-length table.
    for (scenes, standard, pro) in [("3", 45, 120), ("5", 75, 200), ("7", 105, 280)] {
        assert_eq!(
            quote(
                "aytada",
                "video",
                &[("scenes", scenes), ("quality", "standard")]
            ),
            fixed(standard)
        );
        assert_eq!(
            quote("aytada", "video", &[("scenes", scenes), ("quality", "pro")]),
            fixed(pro)
        );
    }
    // "Typical full ad costs" where the model follows the document.
    let ads = [
        ("short", "standard", 55),
        ("standard", "standard", 85),
        ("standard", "pro", 210),
        ("extended", "standard", 115),
    ];
    for (length, quality, total) in ads {
        assert_eq!(
            quote("aytada", "ad", &[("length", length), ("quality", quality)]),
            fixed(total)
        );
    }
    // ~295 in the document; the per-scene rule gives 280 + 5 + 5.
    assert_eq!(
        quote(
            "aytada",
            "ad",
            &[("length", "extended"), ("quality", "pro")]
        ),
        fixed(290)
    );
}

#[test]
fn aytada_fixed_costs_follow_the_tables() {
    assert_eq!(
        quote("aytada", "ideas", &[]),
        fixed(0),
        "first run, no tier"
    );
    let table = [
        ("ideas-reroll", "standard", 2),
        ("ideas-reroll", "premium", 5),
        ("script", "standard", 2),
        ("script", "premium", 5),
        ("strategy", "standard", 0),
        ("strategy", "premium", 20),
    ];
    for (action, tier, credits) in table {
        assert_eq!(
            quote("aytada", action, &[("tier", tier)]),
            fixed(credits),
            "{action} {tier}"
        );
    }
    let assets = [
        ("scene-breakdown", 0),
        ("voiceover", 5),
        ("stitch", 5),
        ("music", 5),
        ("banner", 4),
        ("flyer", 5),
        ("jingle", 5),
    ];
    for (action, credits) in assets {
        assert_eq!(quote("aytada", action, &[]), fixed(credits), "{action}");
    }
}

#[test]
fn aytada_ad_breakdown_reads_like_the_document() {
    let model = Model::builtin("aytada").unwrap();
    let q = model
        .quote("ad", &params(&[("length", "standard")]))
        .unwrap();
    assert_eq!(
        q.breakdown_text(),
        "5 scenes × 15 + voiceover 5 + stitch 5 = 85"
    );
    let sum = q.breakdown.iter().map(|l| l.credits.max).sum::<u64>();
    assert_eq!(sum, q.credits.max);
}

#[test]
fn aibc_costs_by_size_and_the_scan_pool() {
    let sizes = [
        ("image", [5, 10, 20]),
        ("audio", [15, 30, 50]),
        ("video", [25, 50, 100]),
    ];
    for (action, costs) in sizes {
        for (size, credits) in ["short", "mid", "long"].into_iter().zip(costs) {
            assert_eq!(
                quote("aibc", action, &[("size", size)]),
                fixed(credits),
                "{action} {size}"
            );
        }
    }
    assert_eq!(quote("aibc", "regenerate", &[]), range(1, 2));
    let model = Model::builtin("aibc").unwrap();
    assert_eq!(
        model.quote("deep-scan", &Params::new()).unwrap().pool,
        "scan"
    );
    assert_eq!(
        model
            .quote("image", &params(&[("size", "mid")]))
            .unwrap()
            .pool,
        "credits"
    );
}

#[test]
fn videodraft_model_tables_and_speech_rounding() {
    let images = [
        ("flux-schnell", 5),
        ("flux-kontext-pro", 5),
        ("flux-1.1-pro", 5),
        ("gpt-image-1", 10),
        ("imagen-4", 10),
    ];
    for (m, credits) in images {
        assert_eq!(
            quote("videodraft", "image", &[("model", m)]),
            fixed(credits),
            "{m}"
        );
    }
    let videos = [
        ("luma-ray-flash", 30),
        ("luma-ray-2", 90),
        ("kling-v2.1", 25),
        ("veo2-5s", 300),
        ("veo2-8s", 400),
        ("veo3", 600),
        ("veo3-fast", 320),
    ];
    for (m, credits) in videos {
        assert_eq!(
            quote("videodraft", "video", &[("model", m)]),
            fixed(credits),
            "{m}"
        );
    }
    // "1 per 100 chars": the examples' 600 → 6 and 2000 → 20; part-hundreds round up.
    for (chars, credits) in [("600", 6), ("2000", 20), ("150", 2), ("1", 1), ("0", 0)] {
        assert_eq!(
            quote("videodraft", "speech", &[("chars", chars)]),
            fixed(credits),
            "{chars} chars"
        );
    }
    assert_eq!(quote("videodraft", "script", &[]), range(5, 20));
    assert_eq!(quote("videodraft", "scene-enhancement", &[]), fixed(5));
    assert_eq!(quote("videodraft", "agent-consultation", &[]), range(5, 10));
}

#[test]
fn videodraft_example_1_adds_up_with_the_documents_script_figure() {
    // Script 10 (of 5-20) + 6 Flux Pro images 30 + 2 Kling clips 50 + 600 chars 6 = 96.
    let script = quote("videodraft", "script", &[]);
    assert!(script.min <= 10 && 10 <= script.max);
    let images = 6 * quote("videodraft", "image", &[("model", "flux-1.1-pro")]).max;
    let clips = 2 * quote("videodraft", "video", &[("model", "kling-v2.1")]).max;
    let speech = quote("videodraft", "speech", &[("chars", "600")]).max;
    assert_eq!((images, clips, speech), (30, 50, 6));
    assert_eq!(10 + images + clips + speech, 96);
}

#[test]
fn campaigns_variable_costs() {
    assert_eq!(quote("campaigns", "post", &[]), range(1, 3));
    assert_eq!(
        quote("campaigns", "multi-platform", &[("platforms", "3")]),
        range(3, 6)
    );
    assert_eq!(quote("campaigns", "regenerate", &[]), range(1, 3));
    assert_eq!(quote("campaigns", "strategy-analysis", &[]), range(2, 5));
    assert_eq!(quote("campaigns", "assistant-simple", &[]), range(0, 1));
    assert_eq!(quote("campaigns", "assistant-complex", &[]), range(1, 3));
    assert_eq!(quote("campaigns", "rss-item", &[]), fixed(1));
    assert_eq!(quote("campaigns", "optimize", &[]), range(1, 2));
    assert_eq!(quote("campaigns", "single-post", &[]), fixed(1));
    assert_eq!(quote("campaigns", "rss-item", &[("items", "4")]), fixed(4));
    let model = Model::builtin("campaigns").unwrap();
    assert_eq!(
        model.warnings(),
        [LowBalance::Below(100), LowBalance::Reaches(10)]
    );
    assert_eq!(
        model.charge_timing(),
        creditsim::pricing::ChargeTiming::AfterCompletion
    );
}

#[test]
fn aistudios_seconds_and_the_free_basic_model_of_helper_tools() {
    // "Typical video lengths are 5 or 10 seconds, which cost 5 or 10 credits."
    assert_eq!(quote("aistudios", "video", &[("seconds", "5")]), fixed(5));
    assert_eq!(quote("aistudios", "video", &[("seconds", "10")]), fixed(10));
    assert_eq!(quote("aistudios", "image", &[]), fixed(1));
    // The basic model belongs to "some tools, like Topic to Video", not to the generators.
    let model = Model::builtin("aistudios").unwrap();
    let err = model.quote("image", &params(&[("model", "basic")]));
    assert!(matches!(err, Err(PricingError::UnknownParam { .. })));
    assert_eq!(
        quote(
            "aistudios",
            "helper",
            &[("model", "basic"), ("images", "3")]
        ),
        fixed(0)
    );
    assert_eq!(
        quote(
            "aistudios",
            "helper",
            &[("model", "premium"), ("images", "3")]
        ),
        fixed(3)
    );
}

// ---- Every action of every model ----------------------------------------------------------------

/// Every combination of declared word values, with number parameters at their least allowed
/// value and at a larger one.
fn param_sets(action: &creditsim::pricing::Action) -> Vec<Params> {
    let mut sets = vec![Params::new()];
    for (name, p) in &action.params {
        let choices: Vec<String> = match &p.values {
            Some(values) => values.clone(),
            None => {
                let min = p.min.unwrap_or(0);
                vec![min.to_string(), (min + 7).to_string()]
            }
        };
        sets = sets
            .into_iter()
            .flat_map(|set| {
                choices.iter().map(move |c| {
                    let mut s = set.clone();
                    s.insert(name.clone(), c.clone());
                    s
                })
            })
            .collect();
    }
    sets
}

#[test]
fn every_builtin_action_quotes_with_every_declared_value() {
    let mut quoted = 0;
    for id in BUILTIN_IDS {
        let model = Model::builtin(id).unwrap();
        assert_eq!(model.id(), id);
        assert!(!model.actions().is_empty());
        for action in model.actions() {
            for set in param_sets(action) {
                let q = model
                    .quote(&action.id, &set)
                    .unwrap_or_else(|e| panic!("{id} {}: {e}", action.id));
                assert!(q.credits.min <= q.credits.max, "{id} {} {set:?}", action.id);
                assert_eq!(q.pool, action.pool);
                assert!(!q.breakdown.is_empty());
                let min: u64 = q.breakdown.iter().map(|l| l.credits.min).sum();
                assert_eq!(min, q.credits.min);
                quoted += 1;
            }
        }
    }
    assert!(quoted > 50, "only {quoted} quotes");
}

#[test]
fn vocabulary_of_ids_matches_the_design() {
    let want: BTreeMap<&str, &[&str]> = BTreeMap::from([
        (
            "aytada",
            &[
                "video",
                "ad",
                "voiceover",
                "stitch",
                "music",
                "banner",
                "flyer",
                "jingle",
                "ideas",
                "ideas-reroll",
                "script",
                "strategy",
                "scene-breakdown",
            ][..],
        ),
        (
            "aibc",
            &["image", "audio", "video", "regenerate", "deep-scan"][..],
        ),
        (
            "videodraft",
            &[
                "image",
                "video",
                "speech",
                "script",
                "scene-enhancement",
                "agent-consultation",
            ][..],
        ),
        (
            "campaigns",
            &[
                "post",
                "multi-platform",
                "regenerate",
                "strategy-analysis",
                "assistant-simple",
                "assistant-complex",
                "rss-item",
                "optimize",
            ][..],
        ),
        ("aistudios", &["image", "video", "helper"][..]),
    ]);
    for (id, actions) in want {
        let model = Model::builtin(id).unwrap();
        for action in actions {
            assert!(model.action(action).is_ok(), "{id} lacks {action}");
        }
    }
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

// ---- Copies of a model ----------------------------------------------------------------------------

#[test]
fn a_copied_model_with_one_price_changed_quotes_the_new_price() {
    let path = edited_model(
        "a_copied_model",
        "aytada",
        "id = \"banner\"\ndescription = \"Ad banner\"\ncredits = 4",
        "id = \"banner\"\ndescription = \"Ad banner\"\ncredits = 6",
    );
    let model = Model::resolve(path.to_str().unwrap()).unwrap();
    assert_eq!(
        model.quote("banner", &Params::new()).unwrap().credits,
        fixed(6)
    );
}

// ---- Bad input ------------------------------------------------------------------------------------

#[test]
fn unknown_ids_list_the_valid_ones() {
    let err = Model::builtin("acme").unwrap_err();
    assert!(
        matches!(&err, PricingError::UnknownVendor { valid, .. } if valid.contains("`videodraft`"))
    );
    let model = Model::builtin("aytada").unwrap();
    let err = model.quote("fly", &Params::new()).unwrap_err();
    assert!(matches!(&err, PricingError::UnknownAction { valid, .. } if valid.contains("`ad`")));
    let err = model
        .quote("ad", &params(&[("length", "short"), ("colour", "red")]))
        .unwrap_err();
    assert!(
        matches!(&err, PricingError::UnknownParam { param, valid, .. } if param == "colour" && valid.contains("`quality`"))
    );
    let err = model
        .quote("ad", &params(&[("length", "long")]))
        .unwrap_err();
    assert!(
        matches!(&err, PricingError::BadValue { expected, .. } if expected.contains("`extended`"))
    );
    let err = model
        .quote("video", &params(&[("scenes", "0")]))
        .unwrap_err();
    assert!(matches!(&err, PricingError::BadValue { expected, .. } if expected.contains("from 1")));
    let err = model.quote("ad", &Params::new()).unwrap_err();
    assert!(matches!(&err, PricingError::MissingParam { param, .. } if param == "length"));
    assert!(matches!(
        model.plan("pro").unwrap_err(),
        PricingError::UnknownPlan { .. }
    ));
    assert!(
        matches!(model.pack("max").unwrap_err(), PricingError::UnknownPack { valid, .. } if valid.contains("`creator`"))
    );
}

#[test]
fn malformed_model_files_name_line_column_and_field() {
    let path = edited_model(
        "malformed_model",
        "aytada",
        "credits = 4",
        "credits = \"four\"",
    );
    let err = Model::load(&path).unwrap_err();
    let PricingError::Malformed {
        line,
        column,
        field,
        ..
    } = &err
    else {
        panic!("expected Malformed, got {err}");
    };
    let text = std::fs::read_to_string(&path).unwrap();
    let want_line = text.lines().position(|l| l.contains("\"four\"")).unwrap() + 1;
    assert_eq!((*line, *column), (want_line, 11));
    assert_eq!(field, "actions[banner].credits");

    let path = edited_model(
        "malformed_ref",
        "aistudios",
        "requires_plan = true\nplans = [\"team\", \"team-annual\"]",
        "requires_plan = true\nplans = [\"team\", \"teams\"]",
    );
    let err = Model::load(&path).unwrap_err().to_string();
    assert!(
        err.contains("packs[team-unit].plans") && err.contains("`teams`"),
        "{err}"
    );
}

// ---- Ledger terms --------------------------------------------------------------------------------

/// A purchase at `at_ms` by an account on `plan` that started at virtual time 0.
fn bought(plan: Option<&str>, at_ms: u64) -> Purchase<'_> {
    Purchase {
        plan,
        anchor_ms: 0,
        at_ms,
    }
}

#[test]
fn team_annual_grants_allowance_times_seats_upfront_each_year() {
    let model = Model::builtin("aistudios").unwrap();
    let spec = account_spec(&model, Some("team-annual"), 3, 2, 0).unwrap();
    let allowance = &spec.recurring[0];
    assert_eq!(
        (
            allowance.credits,
            allowance.every_months,
            allowance.cycle_months
        ),
        (1800 * 3, 12, 12)
    );
    assert_eq!(
        (allowance.source, allowance.priority),
        (LotSource::Allowance, 0)
    );
    // Two team units of 200, granted monthly, expiring with the annual cycle.
    let addon = &spec.recurring[1];
    assert_eq!(
        (addon.credits, addon.every_months, addon.cycle_months),
        (400, 1, 12)
    );
    assert_eq!((addon.source, addon.priority), (LotSource::Addon, 1));
    assert_eq!(spec.entitled, None);
    assert_eq!(spec.key_retention_ms, KEY_RETENTION_MS);
    let monthly = account_spec(&model, Some("team"), 3, 1, 0).unwrap();
    let (a, u) = (&monthly.recurring[0], &monthly.recurring[1]);
    assert_eq!(
        (a.credits, a.every_months, a.cycle_months, u.cycle_months),
        (450, 1, 1, 1)
    );
}

#[test]
fn aibc_free_is_not_entitled_to_the_production_room() {
    let model = Model::builtin("aibc").unwrap();
    let spec = account_spec(&model, Some("free"), 1, 0, 0).unwrap();
    let entitled = spec.entitled.expect("free lists its entitlements");
    for action in ["image", "audio", "video"] {
        assert!(!entitled.contains(action), "{action}");
    }
    assert!(spec.recurring.is_empty(), "0 credits a month: no grant");
    let pro = account_spec(&model, Some("pro"), 1, 0, 0).unwrap();
    assert_eq!(pro.entitled, None);
    assert_eq!(
        (pro.recurring[0].credits, pro.recurring[0].every_months),
        (100, 1)
    );
}

#[test]
fn videodraft_visionary_has_unlimited_speech_and_resets_monthly() {
    let model = Model::builtin("videodraft").unwrap();
    let spec = account_spec(&model, Some("visionary"), 1, 0, 0).unwrap();
    assert_eq!(spec.unlimited, set(&["speech"]));
    let studio = account_spec(&model, Some("studio"), 1, 0, 0).unwrap();
    assert_eq!(studio.unlimited, set(&["image", "speech"]));
    let grant = &spec.recurring[0];
    assert_eq!(
        (grant.credits, grant.every_months, grant.cycle_months),
        (7500, 1, 1)
    );
    // The document names no annual plan ("Annual plans: Credits still reset monthly").
    assert!(account_spec(&model, Some("visionary-annual"), 1, 0, 0).is_err());
}

#[test]
fn account_spec_refuses_what_the_model_cannot_give() {
    let aistudios = Model::builtin("aistudios").unwrap();
    let err = account_spec(&aistudios, Some("enterprise"), 1, 0, 0).unwrap_err();
    assert!(matches!(err, PricingError::UnknownAllowance { .. }));
    let err = account_spec(&aistudios, Some("free"), 1, 1, 0).unwrap_err();
    assert!(matches!(&err, PricingError::NoAddon { valid, .. } if valid.contains("`team-annual`")));
    assert!(matches!(
        account_spec(&aistudios, Some("team"), 0, 0, 0),
        Err(PricingError::NoSeats { .. })
    ));
    let campaigns = Model::builtin("campaigns").unwrap();
    let spec = account_spec(&campaigns, None, 1, 0, 0).unwrap();
    assert!(spec.recurring.is_empty());
    assert_eq!(
        spec.warn_thresholds,
        vec![99, 10],
        "below 100 is 99; 10 is reached at 10"
    );
    let err = account_spec(&campaigns, Some("pro"), 1, 0, 0).unwrap_err();
    assert!(
        matches!(&err, PricingError::UnknownPlan { valid, .. } if valid.contains("packs only"))
    );
}

#[test]
fn pack_grants_follow_validity() {
    let now = month(3) + 1234;
    let aytada = Model::builtin("aytada").unwrap();
    let g = pack_grant(&aytada, "creator", bought(None, now), "pay-1".into()).unwrap();
    assert_eq!(
        (g.credits, g.expires_at_ms, g.source, g.priority),
        (700, None, LotSource::Pack, 2)
    );
    assert_eq!(g.key, "pay-1");

    let campaigns = Model::builtin("campaigns").unwrap();
    let g = pack_grant(&campaigns, "max", bought(None, now), "pay-2".into()).unwrap();
    assert_eq!((g.credits, g.expires_at_ms), (2350, Some(month(15) + 1234)));

    let aistudios = Model::builtin("aistudios").unwrap();
    let g = pack_grant(
        &aistudios,
        "personal-unit",
        bought(Some("personal"), now),
        "u-1".into(),
    )
    .unwrap();
    assert_eq!(
        (g.expires_at_ms, g.source, g.priority),
        (Some(month(4)), LotSource::Addon, 1)
    );
    let g = pack_grant(
        &aistudios,
        "personal-unit",
        bought(Some("personal-annual"), now),
        "u-2".into(),
    )
    .unwrap();
    assert_eq!(g.expires_at_ms, Some(month(12)));

    let err = pack_grant(&aistudios, "team-unit", bought(None, now), "u-3".into()).unwrap_err();
    assert!(matches!(&err, PricingError::PackNeedsPlan { valid, .. } if valid.contains("`team`")));
    let err = pack_grant(
        &aistudios,
        "team-unit",
        bought(Some("personal"), now),
        "u-4".into(),
    )
    .unwrap_err();
    assert!(matches!(err, PricingError::PackNotForPlan { .. }));
    let err = pack_grant(&aytada, "mega", bought(None, now), "p".into()).unwrap_err();
    assert!(matches!(err, PricingError::UnknownPack { .. }));
}

#[test]
fn the_loader_refuses_inconsistent_models() {
    let cases: [(&str, &str, &str, &str, &str); 9] = [
        // (vendor, from, to, field in the error, words in the error)
        (
            "aytada",
            "table = { standard = 15, pro = 40 }",
            "table = { standard = 15 }",
            "actions[video].table",
            "`pro`",
        ),
        (
            "aytada",
            "{ action = \"stitch\" },",
            "{ action = \"ad\" },",
            "actions[ad].steps",
            "includes itself",
        ),
        (
            "aibc",
            "entitled = [\"regenerate\"]",
            "entitled = [\"regen\"]",
            "plans[free].entitled",
            "`regen`",
        ),
        (
            "aibc",
            "pool = \"scan\"\ncredits = 1",
            "pool = \"scans\"\ncredits = 1",
            "actions[deep-scan].pool",
            "`scan`",
        ),
        (
            "videodraft",
            "unit = 100\n",
            "unit = 100\nrollover = 1\n",
            "actions[speech].rollover",
            "unknown field",
        ),
        (
            "aibc",
            "price = \"0.00\"\n",
            "price = \"0.00\"\nrollover = true\n",
            "plans[free].rollover",
            "not supported",
        ),
        (
            "aistudios",
            "plan = \"team-annual\"\nseats = 3",
            "plan = \"team-yearly\"\nseats = 3",
            "claims[team-annual-upfront]",
            "`team-yearly`",
        ),
        (
            "campaigns",
            "levels = [{ below = 100 }, { reaches = 10 }]",
            "levels = []",
            "claims[low-balance-warnings].levels",
            "needs `levels`",
        ),
        (
            "aytada",
            "kind = \"fixed-costs\"\nline = 9\n",
            "kind = \"fixed-costs\"\n",
            "claims",
            "missing field `line`",
        ),
    ];
    for (i, (vendor, from, to, field, words)) in cases.into_iter().enumerate() {
        let path = edited_model(&format!("loader_refuses_{i}"), vendor, from, to);
        let err = Model::load(&path).unwrap_err().to_string();
        assert!(
            err.contains(&format!("field `{field}")) && err.contains(words),
            "case {i}: {err}"
        );
        assert!(
            err.starts_with(&format!("{}:", path.display())),
            "case {i}: {err}"
        );
    }
}

// ---- Variable costs drawn in a run --------------------------------------------------------------

/// The actual costs a scenario's steps would charge for `action`, over `steps` steps.
fn drawn_costs(test: &str, workload: &str, steps: u64) -> Vec<u64> {
    let dir = scratch_dir(test);
    let path = dir.join("scenario.toml");
    let text = format!(
        "vendor = \"campaigns\"\n[[accounts]]\ncount = 4\npacks = [\"max\"]\n{workload}\n\
         [duration]\nsteps = {steps}\n"
    );
    std::fs::write(&path, text).unwrap();
    let scenario = Scenario::load(&path, None).unwrap();
    let model = Model::builtin("campaigns").unwrap();
    let post = model.quote("post", &Params::new()).unwrap().credits;
    let steps = scenario.all_steps().unwrap();
    steps.map(|step| step.actual_credits(post)).collect()
}

/// The mean, and how often each of 1, 2 and 3 was drawn.
fn mean_and_counts(costs: &[u64]) -> (f64, [usize; 4]) {
    let mut counts = [0; 4];
    for &c in costs {
        counts[c as usize] += 1;
    }
    let mean = costs.iter().sum::<u64>() as f64 / costs.len() as f64;
    (mean, counts)
}

#[test]
fn a_campaigns_post_averages_two_with_both_ends_drawn_a_third_of_the_time() {
    // Uniform over 1, 2, 3: mean 2, standard deviation √(2/3); over 30,000 draws the mean's
    // standard error is 0.0047, and each value's share of 1/3 has one of 0.0027.
    let n = 30_000;
    let costs = drawn_costs("uniform-post", "[[workload]]\naction = \"post\"", n);
    let (mean, counts) = mean_and_counts(&costs);
    assert!((mean - 2.0).abs() < 4.0 * 0.0047, "mean {mean}");
    for (value, &count) in counts.iter().enumerate().skip(1) {
        let share = count as f64 / n as f64;
        assert!((share - 1.0 / 3.0).abs() < 4.0 * 0.0027, "{value}: {share}");
    }
}

#[test]
fn a_scenario_mean_shifts_the_draw_and_keeps_both_ends_reachable() {
    let n = 30_000;
    let entry = "[[workload]]\naction = \"post\"\ncost = { mean = 1.8 }";
    let costs = drawn_costs("mean-post", entry, n);
    let (mean, counts) = mean_and_counts(&costs);
    // The maximum-entropy distribution on 1..3 with mean 1.8 has a standard deviation
    // under 0.82, so the mean's standard error is under 0.0048.
    assert!((mean - 1.8).abs() < 4.0 * 0.0048, "mean {mean}");
    assert!(counts[1] > counts[2] && counts[2] > counts[3], "{counts:?}");
    assert!(
        counts[3] as f64 > 0.15 * n as f64,
        "the top end stays common: {counts:?}"
    );
}

#[test]
fn a_mean_outside_the_range_or_an_unknown_draw_is_refused() {
    let dir = scratch_dir("bad-cost");
    for (cost, words) in [
        ("{ mean = 3.5 }", "outside the cost range 1–3"),
        ("\"normal\"", "expected \"uniform\" or { mean = M }"),
    ] {
        let path = dir.join("scenario.toml");
        let text = format!(
            "vendor = \"campaigns\"\n[[accounts]]\npacks = [\"max\"]\n[[workload]]\n\
             action = \"post\"\ncost = {cost}\n"
        );
        std::fs::write(&path, &text).unwrap();
        let err = Scenario::load(&path, None).unwrap_err().to_string();
        assert!(err.contains("cost") && err.contains(words), "{err}");
        assert!(err.contains(":6:"), "names the line: {err}");
    }
}

/// The aytada model with `actions` appended: recipes over its `stitch` action.
fn model_with_recipes(test: &str, actions: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/models/aytada.toml");
    let text = std::fs::read_to_string(path).unwrap();
    let out = scratch_dir(test).join("aytada.toml");
    std::fs::write(&out, format!("{text}\n{actions}")).unwrap();
    out
}

/// `[[actions]]` entry `id` with `steps` naming `step` `fan` times.
fn recipe(id: &str, step: &str, fan: usize) -> String {
    let steps = vec![format!("{{ action = \"{step}\" }}"); fan].join(", ");
    format!("[[actions]]\nid = \"{id}\"\ndescription = \"test\"\nsteps = [{steps}]\n\n")
}

#[test]
fn a_recipe_chain_past_the_depth_limit_says_so_not_that_it_includes_itself() {
    // r0 -> r1 -> ... -> r10 -> stitch: eleven recipes deep, no cycle.
    let chain: String = (0..=10)
        .map(|i| {
            let next = if i == 10 {
                "stitch".to_string()
            } else {
                format!("r{}", i + 1)
            };
            recipe(&format!("r{i}"), &next, 1)
        })
        .collect();
    let err = Model::load(&model_with_recipes("recipe_depth", &chain))
        .unwrap_err()
        .to_string();
    assert!(err.contains("more than 8 levels deep"), "{err}");
    assert!(!err.contains("includes itself"), "{err}");
    // Eight deep is within the limit and quotes.
    let fine: String = (0..8)
        .map(|i| {
            let next = if i == 7 {
                "stitch".to_string()
            } else {
                format!("r{}", i + 1)
            };
            recipe(&format!("r{i}"), &next, 1)
        })
        .collect();
    let model = Model::load(&model_with_recipes("recipe_depth_ok", &fine)).unwrap();
    assert_eq!(model.quote("r0", &Params::new()).unwrap().credits, fixed(5));
    // A real cycle is still a cycle.
    let cycle = recipe("c0", "c1", 1) + &recipe("c1", "c0", 1);
    let err = Model::load(&model_with_recipes("recipe_cycle", &cycle))
        .unwrap_err()
        .to_string();
    assert!(err.contains("includes itself"), "{err}");
}

#[test]
fn a_recipe_that_expands_past_the_size_limit_is_refused_at_load() {
    // Twelve ways, eight deep: 12^8 = 430 million lines if expanded.
    let fan: String = (0..8)
        .map(|i| {
            let next = if i == 7 {
                "stitch".to_string()
            } else {
                format!("f{}", i + 1)
            };
            recipe(&format!("f{i}"), &next, 12)
        })
        .collect();
    let err = Model::load(&model_with_recipes("recipe_fan", &fan))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("more than 10000 priced lines") && err.contains("expanded size"),
        "{err}"
    );
    // Twelve ways three deep (1,728 lines) is within it.
    let small: String = (0..3)
        .map(|i| {
            let next = if i == 2 {
                "stitch".to_string()
            } else {
                format!("f{}", i + 1)
            };
            recipe(&format!("f{i}"), &next, 12)
        })
        .collect();
    let model = Model::load(&model_with_recipes("recipe_fan_ok", &small)).unwrap();
    assert_eq!(
        model.quote("f0", &Params::new()).unwrap().credits,
        fixed(5 * 1728)
    );
}

#[test]
fn a_field_missing_in_an_action_is_blamed_on_that_entry_even_after_a_commented_header() {
    // The entry after `video`, its header commented, loses its description.
    let path = edited_model(
        "missing_in_ad",
        "aytada",
        "[[actions]]\nid = \"ad\"\ndescription = \"A full ad: its video plus one voiceover and one stitch\"\n",
        "[[actions]]  # the ad\nid = \"ad\"\n",
    );
    let err = Model::load(&path).unwrap_err();
    let PricingError::Malformed { line, field, .. } = &err else {
        panic!("expected Malformed, got {err}");
    };
    let text = std::fs::read_to_string(&path).unwrap();
    let header = text.lines().position(|l| l.contains("# the ad")).unwrap() + 1;
    assert_eq!((*line, field.as_str()), (header, "actions[ad]"), "{err}");
    assert!(
        err.to_string().contains("missing field `description`"),
        "{err}"
    );
    // An unknown key in that entry names the entry too.
    let path = edited_model(
        "unknown_in_ad",
        "aytada",
        "[[actions]]\nid = \"ad\"\n",
        "[[actions]]  # the ad\nid = \"ad\"\nstepz = 1\n",
    );
    let err = Model::load(&path).unwrap_err().to_string();
    assert!(err.contains("field `actions[ad].stepz`"), "{err}");
}
