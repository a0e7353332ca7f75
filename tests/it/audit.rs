//! `audit`: every claim names its document lines and quotes them; the failing and assumed
//! claims are pinned per vendor; and edited copies of the models (per-seat off, an unlimited
//! removed, a validity changed, an action moved to another pool, a threshold changed, ...)
//! make the right rule claim fail, which shows the checks look at what the ledger does.

use std::collections::BTreeSet;
use std::path::PathBuf;

use creditsim::audit::{Counts, audit};
use creditsim::pricing::{BUILTIN_IDS, ClaimStatus, Model};

use crate::pricing::scratch_dir;

fn ids_with(model: &Model, verdict: ClaimStatus) -> BTreeSet<String> {
    (audit(model).into_iter())
        .filter(|r| r.verdict == verdict)
        .map(|r| r.id)
        .collect()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

/// Lower-case letters and digits only, so that a quote matches its document whatever the
/// tables' spacing, bullets and markdown.
fn squeeze(text: &str) -> String {
    (text.chars())
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The vendor document's lines, from the copy kept in `docs/vendor-docs/` (the documents the
/// models are written from; a claim's line numbers refer to them).
fn document(vendor: &str) -> Vec<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("docs/vendor-docs")
        .join(format!("{vendor}.txt"));
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    text.lines().map(str::to_string).collect()
}

#[test]
fn every_claim_quotes_the_lines_it_names() {
    for vendor in BUILTIN_IDS {
        let lines = document(vendor);
        for result in audit(&Model::builtin(vendor).unwrap()) {
            let numbers: Vec<usize> = (result.line.split(", "))
                .map(|n| n.parse().expect("a line number"))
                .collect();
            let named: String = (numbers.iter())
                .map(|&n| lines.get(n - 1).map_or("", String::as_str))
                .collect::<Vec<_>>()
                .join("\n");
            let named = squeeze(&named);
            for fragment in result.says.split("...") {
                let words = squeeze(fragment);
                assert!(
                    !words.is_empty() && named.contains(&words),
                    "{vendor} {}: \"{}\" is not on line(s) {}",
                    result.id,
                    fragment.trim(),
                    result.line
                );
            }
            assert!(!result.checked.is_empty(), "{vendor} {}", result.id);
        }
    }
}

#[test]
fn failing_and_assumed_claims_are_pinned_per_vendor() {
    let failing: [(&str, &[&str]); 5] = [
        (
            "aytada",
            &[
                "strategy-and-ideation-always-free",
                "ad-extended-pro",
                "approx-standard-ads",
                "creator-best-value",
            ],
        ),
        ("aibc", &[]),
        (
            "videodraft",
            &["studio-basic-images", "kling-videos", "starter-scripts"],
        ),
        ("campaigns", &["credits-dont-expire"]),
        ("aistudios", &[]),
    ];
    for (vendor, ids) in failing {
        let model = Model::builtin(vendor).unwrap();
        assert_eq!(ids_with(&model, ClaimStatus::Fails), set(ids), "{vendor}");
    }
    let campaigns = Model::builtin("campaigns").unwrap();
    let assumed = [
        "operation-blocked",
        "single-post",
        "variable-costs",
        "currency",
    ];
    assert_eq!(ids_with(&campaigns, ClaimStatus::Assumed), set(&assumed));
}

#[test]
fn every_vendor_states_rules_and_assumptions_not_only_arithmetic() {
    for vendor in BUILTIN_IDS {
        let model = Model::builtin(vendor).unwrap();
        let results = audit(&model);
        assert_eq!(results.len(), model.claims().len());
        let rules = results.iter().filter(|r| r.kind.is_rule()).count();
        assert!(rules >= 3, "{vendor}: only {rules} rule claims");
        let counts = Counts::of(&results);
        assert!(counts.assumed + counts.unverifiable > 0, "{vendor}");
        assert!(
            results
                .iter()
                .all(|r| r.holds == (r.verdict == ClaimStatus::Holds))
        );
    }
}

#[test]
fn a_contradiction_shows_both_readings() {
    let aytada = audit(&Model::builtin("aytada").unwrap());
    let ad = aytada.iter().find(|r| r.id == "ad-extended-pro").unwrap();
    assert_eq!(ad.document, "295");
    assert!(ad.model.ends_with("= 290"), "{}", ad.model);
    let best = aytada
        .iter()
        .find(|r| r.id == "creator-best-value")
        .unwrap();
    assert!(best.model.contains("cheapest: business"), "{}", best.model);
    let ads = aytada
        .iter()
        .find(|r| r.id == "approx-standard-ads")
        .unwrap();
    assert!(
        ads.model
            .contains("down: 2, 8, 17; to nearest: 3, 8, 18; up: 3, 9, 18")
    );
    let videodraft = audit(&Model::builtin("videodraft").unwrap());
    let kling = videodraft.iter().find(|r| r.id == "kling-videos").unwrap();
    assert!(kling.model.contains("down 30"), "{}", kling.model);
    let campaigns = audit(&Model::builtin("campaigns").unwrap());
    let valid = campaigns
        .iter()
        .find(|r| r.id == "valid-12-months")
        .unwrap();
    assert_eq!(valid.verdict, ClaimStatus::Holds);
    assert!(
        valid.checked.contains("12 calendar months"),
        "{}",
        valid.checked
    );
}

/// A copy of a built-in model file with each `from` replaced by its `to` (every `from` must
/// occur in the file).
fn edited(test: &str, vendor: &str, edits: &[(&str, &str)]) -> Model {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/models/{vendor}.toml"));
    let mut text = std::fs::read_to_string(path).expect("read built-in model file");
    for (from, to) in edits {
        assert!(text.contains(from), "`{from}` is not in {vendor}.toml");
        text = text.replace(from, to);
    }
    let out = scratch_dir(test).join(format!("{vendor}.toml"));
    std::fs::write(&out, text).expect("write edited model");
    Model::load(&out).unwrap_or_else(|e| panic!("{test}: {e}"))
}

/// The claims that fail on the edited copy but not on the built-in model.
fn newly_failing(vendor: &str, copy: &Model) -> BTreeSet<String> {
    let before = ids_with(&Model::builtin(vendor).unwrap(), ClaimStatus::Fails);
    let after = ids_with(copy, ClaimStatus::Fails);
    after.difference(&before).cloned().collect()
}

#[test]
fn mutations_fail_the_rule_they_break() {
    type Mutation<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], &'a [&'a str]);
    let mutations: [Mutation; 14] = [
        (
            "per-seat-off",
            "aistudios",
            &[("allowance = 150\nper_seat = true", "allowance = 150")],
            &["team-per-seat"],
        ),
        (
            "annual-made-monthly",
            "aistudios",
            &[(
                "allowance = 720\nperiod = \"annual\"\nrefresh = \"upfront\"",
                "allowance = 720\nperiod = \"annual\"\nrefresh = \"monthly\"",
            )],
            // Add-on units no longer expire with base credits that now expire monthly.
            &["personal-annual-upfront", "annual-units"],
        ),
        (
            "unlimited-removed",
            "videodraft",
            &[
                ("unlimited = [\"speech\"]\n", ""),
                ("unlimited = [\"speech\", \"image\"]\n", ""),
            ],
            &["unlimited-speech", "studio-unlimited-images"],
        ),
        (
            "never-expiring",
            "campaigns",
            &[("validity = \"12-months\"", "validity = \"never\"")],
            &["valid-12-months"],
        ),
        (
            "packs-expire",
            "aytada",
            &[("validity = \"never\"", "validity = \"12-months\"")],
            &["packs-never-expire"],
        ),
        (
            "scans-in-monthly-pool",
            "aibc",
            &[("pool = \"scan\"\ncredits = 1", "credits = 1")],
            &["deep-scans-separate-pool"],
        ),
        (
            "warning-at-50",
            "campaigns",
            &[("warnings = [{ below = 100 }", "warnings = [{ below = 50 }")],
            &["low-balance-warnings"],
        ),
        (
            "warning-below-10",
            "campaigns",
            &[(
                "{ reaches = 10 }]\n# \"Balance",
                "{ below = 10 }]\n# \"Balance",
            )],
            &["low-balance-warnings"],
        ),
        (
            "no-shared-workspace",
            "campaigns",
            &[("shared_workspace = true", "shared_workspace = false")],
            &["shared-balance"],
        ),
        (
            "charged-upfront",
            "campaigns",
            &[(
                "charge_timing = \"after-completion\"",
                "charge_timing = \"upfront\"",
            )],
            &["charged-after-completion"],
        ),
        (
            "free-entitled",
            "aibc",
            &[("entitled = [\"regenerate\"]\n", "")],
            &["free-no-production-room", "free-no-deep-scans"],
        ),
        (
            "units-on-any-plan",
            "aistudios",
            &[(
                "requires_plan = true\nplans = [\"personal\", \"personal-annual\"]",
                "requires_plan = true\nplans = [\"personal\", \"personal-annual\", \"free\"]",
            )],
            &["personal-units-need-plan"],
        ),
        (
            "units-never-expire",
            "aistudios",
            &[(
                "price = \"30.00\"\nvalidity = \"billing-cycle\"",
                "price = \"30.00\"\nvalidity = \"never\"",
            )],
            &["team-units"],
        ),
        (
            "breakdown-priced",
            "aytada",
            &[(
                "id = \"scene-breakdown\"\ndescription = \"Scene breakdown: splitting a script into scenes\"\ncredits = 0",
                "id = \"scene-breakdown\"\ndescription = \"Scene breakdown: splitting a script into scenes\"\ncredits = 1",
            )],
            &["what-is-free"],
        ),
    ];
    for (name, vendor, edits, want) in mutations {
        let copy = edited(name, vendor, edits);
        assert_eq!(newly_failing(vendor, &copy), set(want), "{name}");
    }
}

#[test]
fn a_rollover_or_an_annual_reset_fails_a_monthly_allowance() {
    let annual = edited(
        "pro-annual",
        "aibc",
        &[(
            "allowance = 100\nperiod = \"monthly\"\nrefresh = \"monthly\"",
            "allowance = 100\nperiod = \"annual\"\nrefresh = \"upfront\"",
        )],
    );
    // Pro's credits no longer reset monthly, so running out lasts past the month too.
    assert_eq!(
        newly_failing("aibc", &annual),
        set(&["pro-monthly", "wait-for-reset"])
    );
    let results = audit(&annual);
    let pro = results.iter().find(|r| r.id == "pro-monthly").unwrap();
    assert!(pro.model.starts_with("100 on 2025-01-15;"), "{}", pro.model);
}

#[test]
fn an_assumed_claim_fails_when_the_model_does_not_do_what_it_assumed() {
    // The model reads charge timing for VideoDraft as upfront; a copy charging after
    // completion no longer does what its own reading says.
    let copy = edited(
        "videodraft-after",
        "videodraft",
        &[(
            "charge_timing = \"upfront\"",
            "charge_timing = \"after-completion\"",
        )],
    );
    let base = Model::builtin("videodraft").unwrap();
    assert!(ids_with(&base, ClaimStatus::Assumed).contains("charge-timing"));
    assert_eq!(newly_failing("videodraft", &copy), set(&["charge-timing"]));
}
