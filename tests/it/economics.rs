//! `creditsim economics`: personas computed by hand against the report, to the credit and
//! the cent, for every vendor; the engine against a simple model; determinism over
//! threads; the flaws the checks must catch; validation; the result files.

use creditsim::report::economics::{EconomicsReport, Mean, PersonaReport};
use creditsim::sim::{self, EconomicsConfig, EconomicsOut, EconomicsOverrides, Flaw, Progress};
use proptest::prelude::*;

use crate::support::{creditsim, output_within_limit, temp_dir};

/// Runs scenario `text` in-process (written to a file named after `tag`).
fn economics_with(tag: &str, text: &str, overrides: EconomicsOverrides) -> EconomicsReport {
    let path = temp_dir(tag).join(format!("{tag}.toml"));
    std::fs::write(&path, text).unwrap();
    let overrides = EconomicsOverrides {
        out: EconomicsOut::Discard,
        ..overrides
    };
    let config = EconomicsConfig::load(&path, overrides).unwrap_or_else(|e| panic!("{e}"));
    let result = sim::run(&config, &Progress::default());
    EconomicsReport::new(&config, &result)
}

/// Runs scenario `text` on two threads and asserts that every invariant held.
fn economics(tag: &str, text: &str) -> EconomicsReport {
    let overrides = EconomicsOverrides {
        threads: Some(2),
        ..EconomicsOverrides::default()
    };
    let report = economics_with(tag, text, overrides);
    assert!(report.ok, "{tag}: {:?}", report.violations);
    report
}

fn persona<'a>(report: &'a EconomicsReport, id: &str) -> &'a PersonaReport {
    let found = report.personas.iter().find(|p| p.id == id);
    found.unwrap_or_else(|| panic!("no persona {id}"))
}

/// A per-account mean that must be a whole number.
fn exact(mean: Mean) -> u128 {
    match mean {
        Mean::Exact(n) => n,
        Mean::Approx(x) => panic!("expected a whole number, got {x}"),
    }
}

/// (granted, consumed, expired, remaining) of the main pool, per account.
fn credits(p: &PersonaReport) -> [u128; 4] {
    let c = &p.credits;
    [c.granted, c.consumed, c.expired, c.remaining].map(exact)
}

/// Spend per month, per account, in cents.
fn monthly_spend(p: &PersonaReport) -> Vec<Option<f64>> {
    p.months.iter().map(|m| m.spend_cents).collect()
}

#[test]
fn aytada_pack_users_top_up_when_blocked_and_below_a_threshold() {
    let report = economics(
        "aytada-hand",
        r#"
vendor = "aytada"
months = 3

[[personas]]
id = "buys-when-blocked"
accounts = 3
packs = ["starter"]
topup = { pack = "starter", when = "blocked" }
[[personas.usage]]
action = "ad"
params = { length = "standard", quality = "standard" }
per_month = 2

[[personas]]
id = "keeps-a-reserve"
accounts = 2
packs = ["creator"]
topup = { pack = "starter", below = 100 }
[[personas.usage]]
action = "ad"
params = { length = "standard", quality = "standard" }
per_month = 3
"#,
    );
    // A standard ad is 5 scenes × 15 + voiceover 5 + stitch 5 = 85 credits.
    // Starter: 250 → 165 → 80 | refused, buy (330), retry → 245 → 160 | 75 | refused, buy
    // (325), retry → 240. Three starters at $19.00.
    let blocked = persona(&report, "buys-when-blocked");
    assert_eq!(credits(blocked), [750, 510, 0, 240]);
    assert_eq!(blocked.spend_cents, Some(5700));
    assert_eq!(
        monthly_spend(blocked),
        [Some(1900.0), Some(1900.0), Some(1900.0)]
    );
    assert_eq!(exact(blocked.purchases["starter"]), 3);
    assert_eq!(exact(blocked.topups["starter"]), 2);
    assert_eq!(
        [
            blocked.steps.done,
            blocked.steps.blocked,
            blocked.steps.retried
        ]
        .map(exact),
        [6, 0, 2]
    );
    assert_eq!(blocked.breakage_cents, Some(0.0));
    // Creator: 700 → 615 → 530 → 445 | 360 → 275 → 190 | 105 → 20 (below 100: buy a
    // starter, 270) → 185. $49.00 + $19.00.
    let reserve = persona(&report, "keeps-a-reserve");
    assert_eq!(credits(reserve), [950, 765, 0, 185]);
    assert_eq!(reserve.spend_cents, Some(6800));
    assert_eq!(
        monthly_spend(reserve),
        [Some(4900.0), Some(0.0), Some(1900.0)]
    );
    assert_eq!(exact(reserve.topups["starter"]), 1);
    assert_eq!(report.currency.as_deref(), Some("USD"));
    // The line's price per item is the whole spend over its 9 ads.
    let ad = &reserve.usage[0];
    assert_eq!(ad.credits_per_item, Some(85.0));
    assert!((ad.cents_per_item.unwrap() - 6800.0 / 9.0).abs() < 1e-9);
}

#[test]
fn aibc_monthly_plans_block_expire_and_buy_scan_credits() {
    let report = economics(
        "aibc-hand",
        r#"
vendor = "aibc"
months = 2

[prices.aibc]
currency = "USD"
plans = { pro = "20.00" }
packs = { scan-credits = "7.00" }
pack_credits = { scan-credits = 1 }
pack_validity = { scan-credits = "never" }

[[personas]]
id = "blocked-pro"
plan = "pro"
[[personas.usage]]
action = "video"
params = { size = "mid" }
per_month = 3

[[personas]]
id = "scanner"
accounts = 4
plan = "pro"
topup = { pack = "scan-credits", when = "blocked" }
[[personas.usage]]
action = "image"
params = { size = "short" }
per_month = 13
[[personas.usage]]
action = "deep-scan"
per_month = 2

[[personas]]
id = "free-writer"
plan = "free"
[[personas.usage]]
action = "image"
params = { size = "short" }
per_month = 2
[[personas.usage]]
action = "regenerate"
per_month = 3
"#,
    );
    // Pro: 100 a month, exactly 2 allowances in 2 months. Two 50-credit videos fit, the
    // third is blocked, each month. $20.00 a month, as supplied.
    let pro = persona(&report, "blocked-pro");
    assert_eq!(credits(pro), [200, 200, 0, 0]);
    assert_eq!(exact(pro.steps.blocked), 2);
    assert_eq!(
        pro.months
            .iter()
            .map(|m| exact(m.blocked))
            .collect::<Vec<_>>(),
        [1, 1]
    );
    assert_eq!(pro.spend_cents, Some(4000));
    // 13 images × 5 = 65 of 100; 35 expire at each month's end, worth 35 × $20.00 / 100.
    // Each deep scan is refused, buys a pack of one scan credit ($7.00, both supplied: the
    // document gives neither) and is retried.
    let scanner = persona(&report, "scanner");
    assert_eq!(credits(scanner), [200, 130, 70, 0]);
    let scan = &scanner.pools["scan"];
    assert_eq!(
        [scan.granted, scan.consumed, scan.expired, scan.remaining].map(exact),
        [4, 4, 0, 0]
    );
    assert_eq!(exact(scanner.purchases["scan-credits"]), 4);
    assert_eq!(scanner.spend_cents, Some(2 * 2000 + 4 * 700));
    assert_eq!(scanner.breakage_cents, Some(1400.0));
    assert_eq!(monthly_spend(scanner), [Some(3400.0), Some(3400.0)]);
    assert_eq!(scanner.months[0].expired, Mean::Exact(35));
    // Free: no Production Room (not entitled), and no credits for regeneration.
    let free = persona(&report, "free-writer");
    assert_eq!(credits(free), [0, 0, 0, 0]);
    assert_eq!(
        [free.steps.blocked, free.steps.not_entitled].map(exact),
        [10, 4]
    );
    assert_eq!(free.spend_cents, Some(0));
}

#[test]
fn aibc_prices_the_document_lacks_stay_unknown() {
    let report = economics(
        "aibc-unknown",
        r#"
vendor = "aibc"
months = 1
[[personas]]
id = "pro"
plan = "pro"
[[personas.usage]]
action = "image"
params = { size = "mid" }
per_month = 4
"#,
    );
    let pro = persona(&report, "pro");
    assert_eq!(pro.spend_cents, None);
    assert_eq!(pro.spend_unknown, ["plan pro"]);
    assert_eq!(
        pro.breakage_cents, None,
        "60 credits expired, of unknown value"
    );
    assert_eq!(pro.currency, None);
    assert_eq!(credits(pro), [100, 40, 60, 0]);
    let json = serde_json::to_value(&report).unwrap();
    assert!(
        json["personas"][0]["spend_cents"].is_null(),
        "unknown is null, never 0"
    );
}

#[test]
fn aistudios_annual_seats_upfront_and_monthly_add_on_units() {
    let report = economics(
        "aistudios-hand",
        r#"
vendor = "aistudios"
months = 14

[prices.aistudios]
plans = { team-annual = "300.00", personal = "15.00" }

[[personas]]
id = "team-of-three"
plan = "team-annual"
seats = 3
[[personas.usage]]
action = "video"
params = { seconds = 10 }
per_month = 40

[[personas]]
id = "solo-with-unit"
plan = "personal"
addon_units = 1
[[personas.usage]]
action = "video"
params = { seconds = 5 }
per_month = 20
[[personas.usage]]
action = "helper"
params = { model = "basic" }
per_month = 10
"#,
    );
    // 1800 × 3 seats granted upfront at the start of each annual cycle (months 1 and 13);
    // 400 a month consumed; the first year's 600 left expire at its end (month 12); at the
    // end of month 14 the second lot keeps 5400 - 800. $300.00 a seat a year, twice.
    let team = persona(&report, "team-of-three");
    assert_eq!(credits(team), [10_800, 5_600, 600, 4_600]);
    assert_eq!(team.months[11].expired, Mean::Exact(600));
    assert_eq!(team.months[12].granted, Mean::Exact(5400));
    assert_eq!(team.spend_cents, Some(180_000));
    let spend = monthly_spend(team);
    assert_eq!(
        (spend[0], spend[1], spend[12]),
        (Some(90_000.0), Some(0.0), Some(90_000.0))
    );
    assert_eq!(team.breakage_cents, Some(600.0 * 90_000.0 / 5400.0));
    // 60 allowance + 60 add-on a month, both expiring with the monthly cycle; 100 used,
    // the allowance first (lower priority), so 20 add-on credits expire a month, each
    // worth $10.00 / 60. Helper visuals on the basic model are free. $15.00 + $10.00 a month.
    let solo = persona(&report, "solo-with-unit");
    assert_eq!(credits(solo), [14 * 120, 14 * 100, 14 * 20, 0]);
    assert_eq!(solo.spend_cents, Some(14 * 2500));
    let breakage = solo.breakage_cents.unwrap();
    assert!(
        (breakage - 14.0 * 20.0 * 1000.0 / 60.0).abs() < 1e-6,
        "{breakage}"
    );
    assert_eq!(
        [solo.steps.done, solo.steps.free].map(exact),
        [14 * 30, 14 * 10]
    );
    assert_eq!(
        solo.usage[1].cents_per_item,
        Some(0.0),
        "a free line has no share"
    );
}

#[test]
fn videodraft_unlimited_speech_and_a_free_plan_that_blocks() {
    let report = economics(
        "videodraft-hand",
        r#"
vendor = "videodraft"
months = 2

[[personas]]
id = "narrator"
plan = "visionary"
[[personas.usage]]
action = "speech"
params = { chars = 1000 }
per_month = 30
[[personas.usage]]
action = "image"
params = { model = "gpt-image-1" }
per_month = 100

[[personas]]
id = "free-starter"
plan = "starter"
[[personas.usage]]
action = "image"
params = { model = "flux-schnell" }
per_month = 50
"#,
    );
    // Visionary: 7500 a month; speech unlimited (never held or charged); 100 images × 10.
    let narrator = persona(&report, "narrator");
    assert_eq!(credits(narrator), [15_000, 2_000, 13_000, 0]);
    assert_eq!(
        [narrator.steps.done, narrator.steps.unlimited].map(exact),
        [260, 60]
    );
    assert_eq!(narrator.spend_cents, None);
    assert_eq!(narrator.spend_unknown, ["plan visionary"]);
    assert_eq!(narrator.usage[0].credits_per_item, Some(0.0));
    // Starter is free: 200 a month buys 40 images of 5; the other 10 are blocked.
    let starter = persona(&report, "free-starter");
    assert_eq!(credits(starter), [400, 400, 0, 0]);
    assert_eq!(
        [starter.steps.done, starter.steps.blocked].map(exact),
        [80, 20]
    );
    assert_eq!(starter.spend_cents, Some(0));
}

#[test]
fn campaigns_top_ups_once_per_crossing_within_the_monthly_limit() {
    let report = economics(
        "campaigns-hand",
        r#"
vendor = "campaigns"
months = 2

[[personas]]
id = "rss-feed"
packs = ["starter"]
topup = { pack = "starter", below = 50 }
[[personas.usage]]
action = "rss-item"
per_month = 120

[[personas]]
id = "capped"
packs = ["starter"]
topup = { pack = "starter", below = 50, max_per_month = 1 }
[[personas.usage]]
action = "rss-item"
per_month = 200

[[personas]]
id = "long-posts"
packs = ["basic"]
[[personas.usage]]
action = "post"
per_month = 90
cost = { mean = 3 }
"#,
    );
    // 100 → item 51 leaves 49: buy (149) → 80 at the month's end; month 2: item 31 leaves
    // 49: buy (149) → 60. Three starters at $10.00.
    let feed = persona(&report, "rss-feed");
    assert_eq!(credits(feed), [300, 240, 0, 60]);
    assert_eq!(feed.spend_cents, Some(3000));
    assert_eq!(
        feed.months
            .iter()
            .map(|m| exact(m.purchases))
            .collect::<Vec<_>>(),
        [2, 1]
    );
    assert!(exact(feed.warnings) > 0, "the balance fell below 100");
    // One top-up a month: bought at item 51; the second crossing (item 151) is over the
    // limit, the balance runs down to 0 at item 200, and the below-policy never acts on a
    // refusal, so month 2 is blocked throughout.
    let capped = persona(&report, "capped");
    assert_eq!(credits(capped), [200, 200, 0, 0]);
    assert_eq!(
        [capped.steps.done, capped.steps.blocked].map(exact),
        [200, 200]
    );
    assert_eq!(capped.spend_cents, Some(2000));
    // A post costs 1–3; a mean of 3 puts every draw at the top: 83 posts of 3 from 250,
    // then 1 credit left, too little to hold 3.
    let posts = persona(&report, "long-posts");
    assert_eq!(credits(posts), [250, 249, 0, 1]);
    assert_eq!([posts.steps.done, posts.steps.blocked].map(exact), [83, 97]);
    assert_eq!(posts.spend_cents, Some(2500));
}

#[test]
fn a_run_of_n_months_grants_n_allowances_and_expires_the_last_at_its_end() {
    let report = economics(
        "aibc-months",
        r#"
vendor = "aibc"
months = 3
start = "2026-01-31"
[[personas]]
id = "idle-pro"
plan = "pro"
[[personas.usage]]
action = "image"
params = { size = "short" }
per_month = 0
"#,
    );
    let idle = persona(&report, "idle-pro");
    assert_eq!(
        credits(idle),
        [300, 0, 300, 0],
        "3 allowances, all expired, none at the end"
    );
    let expired: Vec<u128> = idle.months.iter().map(|m| exact(m.expired)).collect();
    assert_eq!(expired, [100, 100, 100]);
}

/// Every feature at once: Poisson counts, failures, variable costs with both draws, both
/// top-up policies with a limit, intents across vendors with an unserved one, offers.
const MIXED: &str = r#"
vendor = "campaigns"
months = 4
seed = 11

[[intents]]
id = "image"
vendors.aytada = { action = "banner" }
vendors.aistudios = { action = "image" }

[[intents]]
id = "post"
vendors.campaigns = { action = "post" }
vendors.aytada = { action = "flyer" }

[[personas]]
id = "busy"
accounts = 37
[[personas.usage]]
intent = "post"
per_month = { mean = 40 }
failure_rate = 0.1
cost = { mean = 2.5 }
[[personas.usage]]
intent = "image"
per_month = { mean = 7 }

[[personas]]
id = "quiet"
accounts = 23
[[personas.usage]]
intent = "post"
per_month = { mean = 3 }

[[offers]]
id = "campaigns-basic"
packs = ["basic"]
topup = { pack = "starter", below = 40, max_per_month = 2 }

[[offers]]
id = "campaigns-when-blocked"
packs = ["starter"]
topup = { pack = "starter", when = "blocked" }

[[offers]]
id = "aytada-starter"
vendor = "aytada"
packs = ["starter"]
topup = { pack = "starter", when = "blocked", max_per_month = 1 }
"#;

#[test]
fn the_report_does_not_depend_on_the_number_of_threads() {
    let path = temp_dir("mixed-threads").join("mixed.toml");
    std::fs::write(&path, MIXED).unwrap();
    let with_threads = |threads| {
        let overrides = EconomicsOverrides {
            threads: Some(threads),
            out: EconomicsOut::Discard,
            ..EconomicsOverrides::default()
        };
        let config = EconomicsConfig::load(&path, overrides).unwrap();
        let result = sim::run(&config, &Progress::default());
        assert_eq!(result.threads, threads);
        let report = EconomicsReport::new(&config, &result);
        assert!(report.ok, "{:?}", report.violations);
        serde_json::to_string(&report).unwrap()
    };
    let one = with_threads(1);
    assert!(one == with_threads(3), "3 threads gave another report");
    assert!(one == with_threads(7), "7 threads gave another report");
    assert!(one.contains("\"unserved\""));
}

#[test]
fn offers_are_ranked_with_the_cheapest_that_never_blocks_marked() {
    let report = economics("mixed-ranking", MIXED);
    let busy = report
        .rankings
        .iter()
        .find(|r| r.persona == "busy")
        .unwrap();
    assert_eq!(busy.offers.len(), 3);
    // Serving every intent first, then cheapest (known spend before unknown).
    let key = |o: &creditsim::report::economics::RankedOffer| {
        let spend = o.spend_cents;
        (o.unserved != Mean::Exact(0), spend.is_none(), spend)
    };
    let keys: Vec<_> = busy.offers.iter().map(key).collect();
    assert!(keys.windows(2).all(|w| w[0] <= w[1]), "ranked: {keys:?}");
    assert!(
        busy.offers.first().unwrap().unserved == Mean::Exact(0),
        "an offer that cannot serve the usage is not first: {:?}",
        busy.offers
    );
    let aytada = busy
        .offers
        .iter()
        .find(|o| o.offer == "aytada-starter")
        .unwrap();
    assert_eq!(
        aytada.unserved,
        Mean::Exact(0),
        "aytada serves both intents"
    );
    let on_demand = busy
        .offers
        .iter()
        .find(|o| o.offer == "campaigns-when-blocked")
        .unwrap();
    assert!(
        on_demand.unserved.value() > 0.0,
        "campaigns has no image action"
    );
    let marked: Vec<&str> = (busy.offers.iter())
        .filter(|o| o.cheapest_never_blocking)
        .map(|o| o.offer.as_str())
        .collect();
    assert_eq!(marked.len(), busy.cheapest_never_blocking.iter().count());
    for o in &busy.offers {
        let never_blocks = o.blocked == Mean::Exact(0) && o.unserved == Mean::Exact(0);
        if o.cheapest_never_blocking {
            assert!(never_blocks, "{o:?}");
        }
    }
    let p = persona(&report, "busy");
    let line = p.usage.iter().find(|u| u.line == "intent image").unwrap();
    assert_eq!(
        line.served_as, None,
        "the first offer is campaigns: no image"
    );
}

#[test]
fn every_offer_of_a_persona_faces_the_same_demand() {
    let report = economics(
        "same-demand",
        r#"
vendor = "aytada"
months = 3
[[personas]]
id = "p"
accounts = 50
[[personas.usage]]
action = "ad"
params = { length = "short" }
per_month = { mean = 3 }
failure_rate = 0.2
[[offers]]
id = "a"
packs = ["starter"]
topup = { pack = "starter", when = "blocked" }
[[offers]]
id = "b"
packs = ["starter"]
topup = { pack = "starter", when = "blocked" }
"#,
    );
    let (a, b) = (&report.personas[0], &report.personas[1]);
    assert_eq!((a.offer.as_str(), b.offer.as_str()), ("a", "b"));
    let strip = |p: &PersonaReport| {
        let mut json = serde_json::to_value(p).unwrap();
        json["offer"] = serde_json::Value::Null;
        json
    };
    assert_eq!(strip(a), strip(b));
    assert!(a.steps.failed.value() > 0.0);
}

/// A campaigns persona whose top-up the monthly limit must hold back.
const CAPPED: &str = r#"
vendor = "campaigns"
months = 2
[[personas]]
id = "capped"
accounts = 3
packs = ["starter"]
topup = { pack = "starter", below = 50, max_per_month = 1 }
[[personas.usage]]
action = "rss-item"
per_month = 200
"#;

#[test]
fn a_top_up_loop_is_caught_as_i12() {
    let clean = economics("capped-clean", CAPPED);
    assert!(clean.ok);
    let overrides = EconomicsOverrides {
        flaw: Some(Flaw::TopupLoop),
        ..EconomicsOverrides::default()
    };
    let looped = economics_with("capped-loop", CAPPED, overrides);
    assert!(!looped.ok);
    let violated: Vec<String> = looped
        .violations
        .iter()
        .map(|v| v.invariant.to_string())
        .collect();
    assert!(
        !violated.is_empty() && violated.iter().all(|v| v == "I12"),
        "{violated:?}"
    );
    assert!(
        looped.violations[0]
            .message
            .contains("above the policy's limit of 1"),
        "{:?}",
        looped.violations[0]
    );
    let bought = |r: &EconomicsReport| r.personas[0].purchases["starter"].value();
    assert!(bought(&looped) > bought(&clean));
    assert!(
        looped.reproduce.ends_with("--flaw topup-loop"),
        "{}",
        looped.reproduce
    );
}

#[test]
fn charging_failed_generations_is_caught_as_i4() {
    let text = r#"
vendor = "aytada"
months = 1
[[personas]]
id = "unlucky"
packs = ["business"]
[[personas.usage]]
action = "banner"
per_month = 10
failure_rate = 1.0
"#;
    let clean = economics("failed-clean", text);
    assert_eq!(
        credits(&clean.personas[0]),
        [1500, 0, 0, 1500],
        "failures are released"
    );
    let overrides = EconomicsOverrides {
        flaw: Some(Flaw::ChargeFailed),
        ..EconomicsOverrides::default()
    };
    let flawed = economics_with("failed-charged", text, overrides);
    assert!(!flawed.ok);
    assert_eq!(flawed.invariants[&creditsim::check::Invariant::I4], 10);
    assert!(
        flawed
            .violations
            .iter()
            .all(|v| v.invariant.to_string() == "I4")
    );
}

/// What a pack-only account with one fixed-cost action and an optional "when blocked"
/// top-up should end with, computed plainly: (consumed, remaining, purchases, blocked).
fn pack_model(
    pack: u64,
    cost: u64,
    per_month: u32,
    months: u32,
    topup: Option<u64>,
) -> (u64, u64, u64, u64) {
    let (mut balance, mut purchases, mut blocked) = (pack, 1, 0);
    let mut consumed = 0;
    for _ in 0..months * per_month {
        if balance < cost
            && let Some(credits) = topup
        {
            balance += credits;
            purchases += 1;
        }
        if balance >= cost {
            balance -= cost;
            consumed += cost;
        } else {
            blocked += 1;
        }
    }
    (consumed, balance, purchases, blocked)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn pack_accounts_match_a_plain_model(
        pack in 0usize..3,
        action in 0usize..4,
        per_month in 0u32..25,
        months in 1u32..5,
        topup in proptest::option::of(0usize..3),
    ) {
        let packs = [("starter", 250u64, 1900u128), ("creator", 700, 4900), ("business", 1500, 9900)];
        let actions = [
            ("ad", "{ length = \"standard\" }", 85u64),
            ("banner", "{}", 4),
            ("video", "{ scenes = 7, quality = \"pro\" }", 280),
            ("script", "{ tier = \"premium\" }", 5),
        ];
        let (pack_id, pack_credits, pack_cents) = packs[pack];
        let (action_id, params, cost) = actions[action];
        let topup_line = topup.map_or(String::new(), |t| {
            format!("topup = {{ pack = \"{}\", when = \"blocked\" }}", packs[t].0)
        });
        let text = format!(
            "vendor = \"aytada\"\nmonths = {months}\n[[personas]]\nid = \"p\"\npacks = [\"{pack_id}\"]\n\
             {topup_line}\n[[personas.usage]]\naction = \"{action_id}\"\nparams = {params}\nper_month = {per_month}\n"
        );
        let report = economics("pack-model", &text);
        let p = &report.personas[0];
        let (consumed, remaining, purchases, blocked) =
            pack_model(pack_credits, cost, per_month, months, topup.map(|t| packs[t].1));
        prop_assert_eq!(exact(p.credits.consumed), u128::from(consumed));
        prop_assert_eq!(exact(p.credits.remaining), u128::from(remaining));
        prop_assert_eq!(exact(p.steps.blocked), u128::from(blocked));
        let bought: u128 = p.purchases.values().map(|m| exact(*m)).sum();
        prop_assert_eq!(bought, u128::from(purchases));
        let topup_cents = topup.map_or(0, |t| packs[t].2);
        prop_assert_eq!(p.spend_cents, Some(pack_cents + (u128::from(purchases) - 1) * topup_cents));
    }
}

/// The error a scenario `text` gets, as printed.
fn load_error(tag: &str, text: &str) -> String {
    let path = temp_dir(tag).join("bad.toml");
    std::fs::write(&path, text).unwrap();
    match EconomicsConfig::load(&path, EconomicsOverrides::default()) {
        Ok(_) => panic!("{tag}: the scenario loaded"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_scenarios_name_the_file_line_and_field() {
    let persona = "[[personas]]\nid = \"p\"\n";
    let usage = "[[personas.usage]]\naction = \"banner\"\nper_month = 1\n";
    let cases: Vec<(&str, String, &str, &str)> = vec![
        (
            "unknown-field",
            format!("vendor = \"aytada\"\n{persona}acounts = 3\n{usage}"),
            ":4:",
            "acounts",
        ),
        (
            "negative-count",
            format!(
                "vendor = \"aytada\"\n{persona}[[personas.usage]]\naction = \"banner\"\nper_month = -1\n"
            ),
            ":6:",
            "per_month",
        ),
        (
            "no-such-plan",
            format!("vendor = \"aibc\"\n{persona}plan = \"gold\"\n{usage}"),
            ":4:",
            "plan",
        ),
        (
            "no-such-pack",
            format!("vendor = \"aytada\"\n{persona}packs = [\"huge\"]\n{usage}"),
            ":4:",
            "packs",
        ),
        (
            "both-triggers",
            format!(
                "vendor = \"aytada\"\n{persona}topup = {{ pack = \"starter\", below = 5, when = \"blocked\" }}\n{usage}"
            ),
            ":4:",
            "topup",
        ),
        (
            "unpriceable",
            format!(
                "vendor = \"aytada\"\n{persona}[[personas.usage]]\naction = \"ad\"\nper_month = 1\n"
            ),
            ":5:",
            "action",
        ),
        (
            "price-overrides-document",
            format!(
                "vendor = \"aytada\"\n[prices.aytada]\npacks = {{ starter = \"1.00\" }}\n{persona}{usage}"
            ),
            ":2:",
            "prices.aytada",
        ),
        (
            "pack-credits-zero",
            format!(
                "vendor = \"aibc\"\n[prices.aibc]\npack_credits = {{ scan-credits = 0 }}\n{persona}{usage}"
            ),
            ":3:",
            "prices.aibc.pack_credits.scan-credits",
        ),
        (
            "pack-validity-unreadable",
            format!(
                "vendor = \"aibc\"\n[prices.aibc]\npack_validity = {{ scan-credits = \"forever\" }}\n{persona}{usage}"
            ),
            ":3:",
            "prices.aibc.pack_validity.scan-credits",
        ),
        (
            "prices-unused",
            format!("vendor = \"aytada\"\n[prices.aibc]\ncurrency = \"USD\"\n{persona}{usage}"),
            ":2:",
            "prices",
        ),
        (
            "mean-outside-range",
            format!(
                "vendor = \"campaigns\"\n{persona}[[personas.usage]]\naction = \"post\"\nper_month = 1\ncost = {{ mean = 9 }}\n"
            ),
            ":7:",
            "cost",
        ),
        (
            "unknown-intent",
            format!(
                "vendor = \"aytada\"\n{persona}[[personas.usage]]\nintent = \"song\"\nper_month = 1\n"
            ),
            ":5:",
            "intent",
        ),
        (
            "purchase-on-persona-with-offers",
            format!(
                "vendor = \"aytada\"\n{persona}packs = [\"starter\"]\n{usage}[[offers]]\npacks = [\"creator\"]\n"
            ),
            ":4:",
            "packs",
        ),
        (
            "bad-start",
            format!("vendor = \"aytada\"\nstart = \"January\"\n{persona}{usage}"),
            ":2:",
            "start",
        ),
        (
            "no-personas",
            "vendor = \"aytada\"\n".to_string(),
            ":1:",
            "",
        ),
        (
            "bad-vendor",
            format!("vendor = \"aytda\"\n{persona}{usage}"),
            ":1:",
            "vendor",
        ),
    ];
    for (tag, text, line, field) in cases {
        let error = load_error(tag, &text);
        assert!(error.contains(&format!("bad.toml{line}")), "{tag}: {error}");
        assert!(
            error.contains(&format!("field \"{field}\"")) || field.is_empty(),
            "{tag}: {error}"
        );
    }
}

#[test]
fn the_result_files_are_written_and_the_page_is_self_contained() {
    let dir = temp_dir("economics-files");
    let path = dir.join("files.toml");
    std::fs::write(&path, MIXED).unwrap();
    let overrides = EconomicsOverrides {
        out: EconomicsOut::At(dir.clone()),
        ..EconomicsOverrides::default()
    };
    let config = EconomicsConfig::load(&path, overrides).unwrap();
    let result = sim::run(&config, &Progress::default());
    let report = EconomicsReport::new(&config, &result);
    creditsim::report::economics::write_economics(&dir, &report).unwrap();
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("economics.json")).unwrap()).unwrap();
    for field in [
        "ok",
        "violations",
        "vendor",
        "months",
        "currency",
        "personas",
    ] {
        assert!(json.get(field).is_some(), "{field}");
    }
    let first = &json["personas"][0];
    for field in [
        "id",
        "accounts",
        "spend_cents",
        "spend_unknown",
        "credits",
        "steps",
        "purchases",
    ] {
        assert!(first.get(field).is_some(), "{field}");
    }
    for field in ["granted", "consumed", "expired", "remaining"] {
        assert!(first["credits"].get(field).is_some(), "{field}");
    }
    let csv = std::fs::read_to_string(dir.join("months.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "persona,offer,vendor,month,accounts,spend_cents,granted,consumed,expired,blocked,purchases"
        )
    );
    assert_eq!(lines.count(), 2 * 3 * 4, "persona × offer × month");
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert_eq!(
        html.matches("<svg").count(),
        2 * 3,
        "three charts per persona"
    );
    for outside in ["<script", "src=", "href=", "url(", "@import"] {
        assert!(!html.contains(outside), "the page loads nothing: {outside}");
    }
}

#[test]
fn every_shipped_economics_scenario_runs_clean() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/economics");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    assert!(names.len() >= 7, "{names:?}");
    for path in names {
        let overrides = EconomicsOverrides {
            max_accounts: Some(20),
            out: EconomicsOut::Discard,
            ..EconomicsOverrides::default()
        };
        let config = EconomicsConfig::load(&path, overrides).unwrap_or_else(|e| panic!("{e}"));
        let report = EconomicsReport::new(&config, &sim::run(&config, &Progress::default()));
        assert!(report.ok, "{}: {:?}", path.display(), report.violations);
        assert!(report.steps > 0, "{}", path.display());
    }
}

#[test]
fn the_command_exits_0_1_or_2_and_prints_json_on_request() {
    let dir = temp_dir("economics-cli");
    let scenario = dir.join("capped.toml");
    std::fs::write(&scenario, CAPPED).unwrap();
    let run = |extra: &[&str]| {
        let mut command = creditsim();
        command
            .arg("economics")
            .arg(&scenario)
            .arg("--out")
            .arg(dir.join("out"));
        output_within_limit(command.args(extra))
    };
    let json = run(&["--json"]);
    assert_eq!(
        json.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&json.stderr)
    );
    let parsed: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(parsed["ok"], true);
    assert_eq!(parsed["personas"][0]["spend_cents"], 2000);
    assert!(dir.join("out/report.html").is_file());
    let text = run(&[]);
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(
        stdout.contains("persona capped") && stdout.contains("USD 20.00 per account"),
        "{stdout}"
    );
    let flawed = run(&["--flaw", "topup-loop"]);
    assert_eq!(flawed.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&flawed.stdout);
    assert!(
        stdout.contains("I12 one top-up per crossing") && stdout.contains("first account 0 event"),
        "{stdout}"
    );
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "vendor = \"aytada\"\nmonths = 0\n").unwrap();
    let refused = output_within_limit(creditsim().arg("economics").arg(&bad));
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("bad.toml:2:10: field \"months\""),
        "{stderr}"
    );
    let help = output_within_limit(creditsim().args(["economics", "--help"]));
    assert!(String::from_utf8_lossy(&help.stdout).contains("Examples:"));
}
