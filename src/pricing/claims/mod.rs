//! The claims of `audit`: what each result holds, and the arithmetic claims (a quote, a sum,
//! how many items fit, a price per credit), computed with the model's own arithmetic. Rule
//! claims need the ledger, which `pricing` does not know; `creditsim::audit` runs them and
//! reports them through the same [`ClaimResult`].
//!
//! - `arith`: quotes, sums, per-unit rates, fixed costs, prices per credit, best value.
//! - `fits`: "~N items" statements, under one rounding for a group of figures.
//! - `check`: the fields each kind needs, and the ids it names, checked when a model loads.

mod arith;
pub(crate) mod check;
mod fits;

use serde::Serialize;

use super::schema::{Claim, ClaimKind, DocValue};
use super::{Cost, Model};

/// Whether a claim held.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClaimStatus {
    /// The model agrees with the document.
    Holds,
    /// It does not, or the document contradicts itself.
    Fails,
    /// The document leaves a choice, and the model made it (and, where checked, does what it
    /// chose).
    Assumed,
    /// The document gives too little to check; neither holds nor fails.
    Unverifiable,
}

/// What checking one claim found, before it is labelled with the claim's own fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// What the document's statement amounts to: a number, or the behaviour it promises.
    pub document: String,
    /// What the model gave or did.
    pub model: String,
    /// How it was checked: what was computed or run.
    pub checked: String,
    /// The document's number as credits, where it is one.
    pub document_credits: Option<Cost>,
    /// The model's number as credits (or items), where it is one.
    pub model_credits: Option<Cost>,
    /// What was found; `ClaimResult::new` reports a hold on a claim with a `reading` as `Assumed`.
    pub verdict: ClaimStatus,
}

impl Finding {
    /// A finding without numbers.
    pub fn words(
        document: String,
        model: String,
        checked: String,
        verdict: ClaimStatus,
    ) -> Finding {
        Finding {
            document,
            model,
            checked,
            document_credits: None,
            model_credits: None,
            verdict,
        }
    }

    /// Holds when `agrees`, fails otherwise.
    pub(crate) fn verdict_of(agrees: bool) -> ClaimStatus {
        match agrees {
            true => ClaimStatus::Holds,
            false => ClaimStatus::Fails,
        }
    }
}

/// One claim labelled with what checking it found: one row of `creditsim audit`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClaimResult {
    /// The model's `id`, from the top-level key of its file.
    pub vendor: String,
    /// The claim's stable id.
    pub id: String,
    /// What the document states, briefly.
    pub description: String,
    /// What was checked.
    pub kind: ClaimKind,
    /// The document line(s) it comes from.
    pub line: String,
    /// The document's words.
    pub says: String,
    /// What the document's statement amounts to.
    pub document: String,
    /// What the model gave or did.
    pub model: String,
    /// How it was checked.
    pub checked: String,
    /// The model's reading, for an assumed claim.
    pub reading: Option<String>,
    /// The document's number as credits, where it is one.
    pub document_credits: Option<Cost>,
    /// The model's number as credits (or items, for `fits`), where it is one.
    pub model_credits: Option<Cost>,
    /// The finding's verdict, except that a claim with a `reading` that holds is `Assumed`.
    pub verdict: ClaimStatus,
    /// `verdict == Holds`, for consumers that want a flag.
    pub holds: bool,
}

impl ClaimResult {
    /// Labels `finding` with `claim`'s fields. A claim with a `reading` that holds is
    /// reported as assumed: the model does what it chose, but the document did not say it.
    pub fn new(model: &Model, claim: &Claim, finding: Finding) -> ClaimResult {
        let verdict = match (finding.verdict, &claim.reading) {
            (ClaimStatus::Holds, Some(_)) => ClaimStatus::Assumed,
            (verdict, _) => verdict,
        };
        ClaimResult {
            vendor: model.id().to_string(),
            id: claim.id.clone(),
            description: claim.description.clone(),
            kind: claim.kind,
            line: claim.line.to_string(),
            says: claim.says.clone(),
            document: finding.document,
            model: finding.model,
            checked: finding.checked,
            reading: claim.reading.clone(),
            document_credits: finding.document_credits,
            model_credits: finding.model_credits,
            holds: verdict == ClaimStatus::Holds,
            verdict,
        }
    }
}

/// Computes an arithmetic claim; one that cannot be computed fails with the reason (loading
/// refuses such claims, so this is for hand-built models).
pub(crate) fn evaluate(model: &Model, claim: &Claim) -> Finding {
    compute(model, claim).unwrap_or_else(|err| {
        Finding::words(
            doc_text(claim),
            err,
            "could not be computed".to_string(),
            ClaimStatus::Fails,
        )
    })
}

/// Computes an arithmetic claim, or says why it cannot be computed.
pub(crate) fn compute(model: &Model, claim: &Claim) -> Result<Finding, String> {
    use ClaimKind as K;
    match claim.kind {
        K::Quote => arith::quote_claim(model, claim),
        K::Sum => arith::sum_claim(model, claim),
        K::Per => arith::per_claim(model, claim),
        K::FixedCosts => arith::fixed_costs_claim(model),
        K::Fits => fits::fits_claim(model, claim),
        K::UnitPrice => arith::unit_price_claim(model, claim),
        K::BestValue => arith::best_value_claim(model, claim),
        K::NoPacks => Ok(arith::no_packs_claim(model)),
        K::Assumed => Ok(words(claim, "the model's reading", ClaimStatus::Assumed)),
        K::Unverifiable => Ok(words(claim, "nothing to check", ClaimStatus::Unverifiable)),
        rule => Err(format!("`{rule:?}` is a rule claim, run by the audit")),
    }
}

fn words(claim: &Claim, checked: &str, verdict: ClaimStatus) -> Finding {
    let model = match verdict {
        ClaimStatus::Unverifiable => claim.why.clone(),
        _ => claim.reading.clone(),
    };
    Finding::words(
        doc_text(claim),
        model.unwrap_or_default(),
        checked.to_string(),
        verdict,
    )
}

/// The document's number or words, for display.
pub(crate) fn doc_text(claim: &Claim) -> String {
    match &claim.doc {
        Some(DocValue::Amount(a)) => a.cost().to_string(),
        Some(DocValue::Text(t)) => t.clone(),
        None => claim.says.clone(),
    }
}

/// The document's number of a numeric claim.
pub(crate) fn doc_amount(claim: &Claim) -> Result<Cost, String> {
    match &claim.doc {
        Some(DocValue::Amount(a)) => Ok(a.cost()),
        Some(DocValue::Text(t)) => Err(format!(
            "`doc = \"{t}\"`: expected a number or {{ min, max }}"
        )),
        None => Err("needs `doc`, the document's number".to_string()),
    }
}
