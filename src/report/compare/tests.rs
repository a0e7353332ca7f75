use proptest::prelude::*;

use super::*;

fn measure(samples: &[f64], better: Better) -> Measure {
    Measure {
        unit: "cycles/s".into(),
        better,
        workload: "w".into(),
        tolerance_pct: None,
        stat: Stat::of(samples.to_vec()),
        floor: None,
        vs_floor: None,
    }
}

fn set(entries: &[(&str, Measure)]) -> Measures {
    entries
        .iter()
        .map(|(n, m)| (n.to_string(), m.clone()))
        .collect()
}

const STEADY: [f64; 5] = [100.0, 101.0, 99.0, 100.5, 99.5];

fn scaled(by: f64) -> Vec<f64> {
    STEADY.iter().map(|s| s * by).collect()
}

#[test]
fn a_drop_beyond_tolerance_and_noise_regresses_and_a_rise_improves() {
    let judge_by = |by: f64| {
        let (verdict, _) = judge(
            &Stat::of(STEADY.to_vec()),
            &Stat::of(scaled(by)),
            Better::Higher,
            10.0,
            25.0,
        );
        verdict
    };
    assert_eq!(judge_by(0.5), Verdict::Regressed);
    assert_eq!(judge_by(2.0), Verdict::Improved);
    assert_eq!(
        judge_by(0.95),
        Verdict::WithinNoise,
        "outside the noise, inside tolerance"
    );
    assert_eq!(judge_by(1.005), Verdict::WithinNoise, "inside the noise");
}

#[test]
fn a_wide_spread_is_noisy_rather_than_judged() {
    let wild = [50.0, 100.0, 150.0, 20.0, 300.0];
    let (verdict, why) = judge(
        &Stat::of(STEADY.to_vec()),
        &Stat::of(wild.to_vec()),
        Better::Higher,
        10.0,
        25.0,
    );
    assert_eq!(verdict, Verdict::Noisy, "{why}");
}

#[test]
fn a_metric_without_direction_changes_and_a_zero_baseline_is_infinite() {
    let zero = Stat::of(vec![0.0]);
    let five = Stat::of(vec![5.0]);
    assert_eq!(
        judge(&zero, &five, Better::Lower, 1000.0, 25.0).0,
        Verdict::Regressed
    );
    assert_eq!(
        judge(&five, &zero, Better::Lower, 10.0, 25.0).0,
        Verdict::Improved
    );
    assert_eq!(
        judge(&zero, &zero, Better::Lower, 0.0, 25.0).0,
        Verdict::WithinNoise
    );
    assert_eq!(
        judge(&five, &zero, Better::Neither, 10.0, 25.0).0,
        Verdict::Changed
    );
}

#[test]
fn missing_metrics_are_listed_and_floor_ratios_compared() {
    let mut book = measure(&STEADY, Better::Higher);
    book.floor = Some("map".into());
    book.vs_floor = Some(Stat::of(vec![0.3, 0.31, 0.29]));
    let baseline = set(&[
        ("book", book.clone()),
        ("gone", measure(&STEADY, Better::Lower)),
    ]);
    let current = set(&[("book", book), ("new", measure(&STEADY, Better::Lower))]);
    let found = compare(&baseline, &current, &Rules::default());
    let names: Vec<&str> = found.rows.iter().map(|r| r.metric.as_str()).collect();
    assert_eq!(names, ["book", "book.vs_floor"]);
    assert_eq!(found.rows[1].unit, "× map");
    assert_eq!(found.missing_in_baseline, ["new"]);
    assert_eq!(found.missing_in_current, ["gone"]);
    assert!(found.rows.iter().all(|r| r.verdict == Verdict::WithinNoise));
}

#[test]
fn different_workloads_are_incomparable_and_a_gate_on_them_is_unjudged() {
    let mut other = measure(&STEADY, Better::Lower);
    other.workload = "another size".into();
    let baseline = set(&[("instructions", measure(&STEADY, Better::Lower))]);
    let current = set(&[("instructions", other)]);
    let rules = Rules {
        gate: vec![Pattern::new("instr*"), Pattern::new("nothing")],
        ..Rules::default()
    };
    let found = compare(&baseline, &current, &rules);
    assert_eq!(found.rows[0].verdict, Verdict::Incomparable);
    assert_eq!(found.unjudged_gates, ["instr*", "nothing"]);
}

#[test]
fn only_gated_regressions_count_and_user_rules_override() {
    let baseline = set(&[
        ("a", measure(&STEADY, Better::Higher)),
        ("b", measure(&STEADY, Better::Higher)),
    ]);
    let current = set(&[
        ("a", measure(&scaled(0.5), Better::Higher)),
        ("b", measure(&scaled(0.5), Better::Higher)),
    ]);
    let rules = Rules {
        gate: vec![Pattern::new("a")],
        ..Rules::default()
    };
    let found = compare(&baseline, &current, &rules);
    let regressed: Vec<&str> = found.regressions().map(|r| r.metric.as_str()).collect();
    assert_eq!(regressed, ["a"]);
    assert_eq!(
        found.rows[1].verdict,
        Verdict::Regressed,
        "b regressed, ungated"
    );
    let lenient = Rules {
        tolerances: vec![Rules::parse_tolerance("*=60").unwrap()],
        directions: vec![Rules::parse_direction("b=lower").unwrap()],
        ..Rules::default()
    };
    let found = compare(&baseline, &current, &lenient);
    assert_eq!(found.rows[0].verdict, Verdict::WithinNoise);
    assert_eq!(found.rows[1].tolerance_pct, 60.0);
    assert!(Rules::parse_tolerance("a=-1").is_err() && Rules::parse_tolerance("5").is_err());
    assert!(Rules::parse_direction("a=up").is_err());
}

fn stat_strategy() -> impl Strategy<Value = Stat> {
    (1.0f64..1e6, prop::collection::vec(0.9f64..1.1, 1..8))
        .prop_map(|(level, jitter)| Stat::of(jitter.iter().map(|j| level * j).collect()))
}

proptest! {
    /// Swapping the sides swaps regressed and improved, and nothing else.
    #[test]
    fn swapping_sides_mirrors_the_verdict(
        before in stat_strategy(),
        now in stat_strategy(),
        tolerance in 0.0f64..30.0,
    ) {
        let (forward, _) = judge(&before, &now, Better::Higher, tolerance, 25.0);
        let (backward, _) = judge(&now, &before, Better::Higher, tolerance, 25.0);
        let mirrored = match forward {
            Verdict::Regressed => Verdict::Improved,
            Verdict::Improved => Verdict::Regressed,
            other => other,
        };
        // A change is relative to the baseline, so +25% one way is -20% the other: skip a
        // tolerance that lies between the two.
        let ratio = now.median / before.median;
        let (one_way, other_way) = ((ratio - 1.0).abs(), (1.0 / ratio - 1.0).abs());
        let band = one_way.min(other_way)..=one_way.max(other_way);
        prop_assume!(!band.contains(&(tolerance / 100.0)));
        prop_assert_eq!(backward, mirrored);
    }

    /// A regression is outside the noise and beyond the tolerance, and making the current
    /// side worse still keeps it a regression.
    #[test]
    fn a_regression_is_beyond_noise_and_tolerance_and_stays_one(
        before in stat_strategy(),
        now in stat_strategy(),
        tolerance in 0.0f64..30.0,
        worse in 1.0f64..3.0,
    ) {
        let (verdict, _) = judge(&before, &now, Better::Lower, tolerance, 25.0);
        if verdict == Verdict::Regressed {
            prop_assert!(now.ci_low > before.ci_high);
            prop_assert!(now.median > before.median * (1.0 + tolerance / 100.0));
            let worse_now = Stat::of(now.samples.iter().map(|s| s * worse).collect());
            let (still, _) = judge(&before, &worse_now, Better::Lower, tolerance, 25.0);
            prop_assert_eq!(still, Verdict::Regressed);
        }
    }
}
