//! `creditsim vendors`, `quote` and `audit` through the binary: output, JSON shape, and exit
//! code 2 with an actionable message for bad input.

use std::process::Output;

use creditsim::audit::audit;
use creditsim::pricing::{BUILTIN_IDS, ClaimStatus, Model};

use crate::pricing::edited_model;
use crate::support::creditsim;

fn run(args: &[&str]) -> Output {
    creditsim().args(args).output().expect("run creditsim")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs `args`, expects exit 2, and returns stderr.
fn bad_input(args: &[&str]) -> String {
    let out = run(args);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{args:?}: stdout {}",
        stdout(&out)
    );
    stderr(&out)
}

#[test]
fn quote_prints_the_breakdown() {
    let out = run(&[
        "quote",
        "aytada",
        "ad",
        "length=standard",
        "quality=standard",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("5 scenes × 15 + voiceover 5 + stitch 5 = 85"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn quote_json_has_vendor_action_and_credits() {
    let out = run(&[
        "quote",
        "campaigns",
        "multi-platform",
        "platforms=4",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["vendor"], "campaigns");
    assert_eq!(v["action"], "multi-platform");
    assert_eq!(
        (v["credits"]["min"].as_u64(), v["credits"]["max"].as_u64()),
        (Some(4), Some(8))
    );
    assert_eq!(v["pool"], "credits");
    assert!(v["breakdown"].as_array().is_some_and(|b| !b.is_empty()));
}

#[test]
fn quote_with_model_file_takes_or_skips_the_vendor() {
    let path = edited_model(
        "quote_with_model_file",
        "aytada",
        "table = { standard = 15, pro = 40 }",
        "table = { standard = 16, pro = 40 }",
    );
    let path = path.to_str().unwrap();
    for args in [
        vec!["quote", "--model", path, "video", "scenes=5", "--json"],
        vec![
            "quote", "--model", path, "aytada", "video", "scenes=5", "--json",
        ],
        vec!["quote", path, "video", "scenes=5", "--json"],
    ] {
        let out = run(&args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["credits"]["max"].as_u64(), Some(80), "{args:?}");
    }
}

#[test]
fn vendors_lists_every_builtin_model() {
    let out = run(&["vendors"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for id in BUILTIN_IDS {
        assert!(text.contains(&format!("{id} — ")), "{id} missing");
    }
    assert!(text.contains("deep-scan") && text.contains("scan"));
    let out = run(&["vendors", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let vendors = v.as_array().unwrap();
    assert_eq!(vendors.len(), BUILTIN_IDS.len());
    let aibc = vendors.iter().find(|m| m["vendor"] == "aibc").unwrap();
    assert_eq!(aibc["pools"].as_array().unwrap().len(), 2);
    assert!(
        aibc["actions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["cost_rule"].is_string())
    );
}

#[test]
fn audit_exits_one_when_a_claim_fails_and_zero_when_none_does() {
    let out = run(&["audit", "--all"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("FAILS ad-extended-pro (line 55, 65)"),
        "{text}"
    );
    assert!(text.contains("7 scenes × 40 + voiceover 5 + stitch 5 = 290"));
    assert!(text.contains("assumed charge-timing"), "{text}");
    let out = run(&["audit", "aistudios"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("0 fail"), "{}", stdout(&out));
}

#[test]
fn audit_json_agrees_with_the_library() {
    let out = run(&["audit", "videodraft", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let claims = v[0]["claims"].as_array().unwrap();
    let model = Model::builtin("videodraft").unwrap();
    let results = audit(&model);
    assert_eq!(claims.len(), results.len());
    for (json, result) in claims.iter().zip(&results) {
        assert_eq!(json["id"], result.id.as_str());
        let verdict = json["verdict"].as_str().unwrap();
        assert!(["holds", "fails", "assumed", "unverifiable"].contains(&verdict));
        for field in ["line", "says", "document", "model", "checked"] {
            assert!(json[field].is_string(), "{field} of {}", result.id);
        }
    }
    let count = |v: ClaimStatus| results.iter().filter(|r| r.verdict == v).count() as u64;
    assert_eq!(v[0]["fails"].as_u64(), Some(count(ClaimStatus::Fails)));
    assert_eq!(v[0]["holds"].as_u64(), Some(count(ClaimStatus::Holds)));
    assert_eq!(v[0]["assumed"].as_u64(), Some(count(ClaimStatus::Assumed)));
    assert_eq!(
        v[0]["unverifiable"].as_u64(),
        Some(count(ClaimStatus::Unverifiable))
    );
}

#[test]
fn quote_on_a_plan_shows_unlimited_not_entitled_and_charged() {
    let out = run(&[
        "quote",
        "videodraft",
        "speech",
        "chars=600",
        "--plan",
        "studio",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("on plan studio: 0 credits, unlimited on studio"),
        "{text}"
    );
    let out = run(&[
        "quote",
        "videodraft",
        "speech",
        "chars=600",
        "--plan",
        "pro",
    ]);
    assert!(stdout(&out).contains("on plan pro: 6 credits from pool `credits`"));
    let out = run(&["quote", "aibc", "image", "size=short", "--plan", "free"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("not entitled"), "{}", stdout(&out));

    let json = |args: &[&str]| -> serde_json::Value {
        let out = run(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let studio = json(&[
        "quote",
        "videodraft",
        "speech",
        "chars=600",
        "--plan",
        "studio",
        "--json",
    ]);
    assert_eq!(studio["on_plan"], "unlimited");
    assert_eq!(studio["credits"]["max"].as_u64(), Some(0));
    assert_eq!(studio["list_credits"]["max"].as_u64(), Some(6));
    assert_eq!(studio["pool"], "credits");
    let free = json(&[
        "quote",
        "aibc",
        "image",
        "size=short",
        "--plan",
        "free",
        "--json",
    ]);
    assert_eq!(free["on_plan"], "not-entitled");
    assert!(free["credits"].is_null());
    let err = bad_input(&["quote", "aibc", "image", "size=short", "--plan", "gold"]);
    assert!(
        err.contains("no plan `gold`") && err.contains("`enterprise`"),
        "{err}"
    );
}

#[test]
fn unknown_vendor_lists_the_builtins() {
    let err = bad_input(&["quote", "acme", "ad"]);
    assert!(
        err.contains("unknown vendor `acme`") && err.contains("`aistudios`"),
        "{err}"
    );
    let err = bad_input(&["audit", "acme"]);
    assert!(err.contains("`aytada`"), "{err}");
}

#[test]
fn unknown_action_param_and_value_list_the_valid_ones() {
    let err = bad_input(&["quote", "aibc", "podcast"]);
    assert!(
        err.contains("no action `podcast`") && err.contains("`deep-scan`"),
        "{err}"
    );
    let err = bad_input(&["quote", "aibc", "image", "size=short", "style=noir"]);
    assert!(
        err.contains("no parameter `style`") && err.contains("`size`"),
        "{err}"
    );
    let err = bad_input(&["quote", "aibc", "image", "size=huge"]);
    assert!(
        err.contains("`huge`") && err.contains("`short`, `mid`, `long`"),
        "{err}"
    );
    let err = bad_input(&["quote", "videodraft", "speech", "chars=lots"]);
    assert!(err.contains("whole number"), "{err}");
    let err = bad_input(&["quote", "aibc", "image", "size"]);
    assert!(err.contains("PARAM=VALUE"), "{err}");
}

#[test]
fn missing_parameter_is_named() {
    let err = bad_input(&["quote", "videodraft", "video"]);
    assert!(
        err.contains("missing required parameter `model`") && err.contains("`veo3`"),
        "{err}"
    );
}

#[test]
fn malformed_model_file_gives_file_line_column_and_field() {
    let path = edited_model(
        "malformed_cli",
        "campaigns",
        "warnings = [{ below = 100 }, { reaches = 10 }]",
        "warnings = [{ below = 100 }, { reaches = \"ten\" }]",
    );
    let err = bad_input(&["quote", "--model", path.to_str().unwrap(), "post"]);
    let text = std::fs::read_to_string(&path).unwrap();
    let line = text
        .lines()
        .position(|l| l.starts_with("warnings"))
        .unwrap()
        + 1;
    let want = format!("{}:{line}:", path.display());
    assert!(err.contains(&want), "{err} should name {want}");
    assert!(err.contains("field `warnings`"), "{err}");
}

#[test]
fn audit_needs_a_vendor_or_all() {
    let err = bad_input(&["audit"]);
    assert!(err.contains("--all"), "{err}");
}
