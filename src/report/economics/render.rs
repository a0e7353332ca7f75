//! The report for people: one block per persona and offer, the rankings, the verdict.

use std::fmt::Write;

use super::*;
use crate::report::render_verdict;

/// `USD 12.34`, or `12.34 (no currency)` when the currency is unknown.
pub(super) fn money(cents: f64, currency: Option<&str>) -> String {
    let amount = format!("{:.2}", cents / 100.0);
    match currency {
        Some(currency) => format!("{currency} {amount}"),
        None => format!("{amount} (no currency)"),
    }
}

/// A mean as people read it: whole numbers bare, others with two decimals.
pub(super) fn mean(m: Mean) -> String {
    match m {
        Mean::Exact(n) => n.to_string(),
        Mean::Approx(x) => format!("{x:.2}"),
    }
}

/// The whole report as plain text.
pub fn render_economics(report: &EconomicsReport, elapsed_s: f64, threads: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} · vendor {} · {} months from {} · seed {}{}",
        report.scenario,
        report.vendor,
        report.months,
        report.start,
        report.seed,
        report
            .flaw
            .as_ref()
            .map(|f| format!(" · flaw {f}"))
            .unwrap_or_default()
    );
    let _ = writeln!(
        out,
        "{} accounts, {} steps in {elapsed_s:.2} s on {threads} threads",
        report.accounts, report.steps
    );
    for persona in &report.personas {
        out.push('\n');
        render_persona(persona, &mut out);
    }
    for ranking in &report.rankings {
        out.push('\n');
        render_ranking(ranking, &mut out);
    }
    out.push('\n');
    match report.ok {
        true => out.push_str("invariants: every one held\n"),
        false => {
            let total = report.verdict.violations_total;
            let _ = writeln!(out, "invariants: {total} violations");
        }
    }
    render_verdict(&report.verdict, &mut out);
    if !report.ok {
        let _ = writeln!(out, "reproduce with: {}", report.reproduce);
    }
    out
}

fn render_persona(p: &PersonaReport, out: &mut String) {
    let currency = p.currency.as_deref();
    let plan = p.plan.as_deref().unwrap_or("none (packs)");
    let _ = writeln!(
        out,
        "persona {} · offer {} · vendor {} · plan {plan} · {} accounts × {} seats",
        p.id, p.offer, p.vendor, p.accounts, p.seats
    );
    let spend = match (p.spend_cents, p.spend_cents_per_month) {
        (Some(total), Some(month)) => format!(
            "{} per account, {} a month",
            money(total as f64, currency),
            money(month, currency)
        ),
        _ => format!("unknown: no price for {}", p.spend_unknown.join(", ")),
    };
    let _ = writeln!(out, "  spend        {spend}");
    render_credits(p, out);
    let breakage = match p.breakage_cents {
        Some(cents) => format!("{} per account expired unused", money(cents, currency)),
        None => "value unknown (a lot's price is unknown)".to_string(),
    };
    let _ = writeln!(out, "  breakage     {breakage}");
    let s = &p.steps;
    let _ = writeln!(
        out,
        "  steps        done {}  failed {}  blocked {}  free {}  unlimited {}  unserved {}   (per account)",
        mean(s.done),
        mean(s.failed),
        mean(s.blocked),
        mean(s.free),
        mean(s.unlimited),
        mean(s.unserved)
    );
    let purchases: Vec<String> = (p.purchases.iter())
        .map(|(pack, n)| {
            let topups = p
                .topups
                .get(pack)
                .map(|t| format!(" ({} by top-up)", mean(*t)));
            format!("{pack} {}{}", mean(*n), topups.unwrap_or_default())
        })
        .collect();
    let purchases = if purchases.is_empty() {
        "none".to_string()
    } else {
        purchases.join(", ")
    };
    let _ = writeln!(out, "  purchases    {purchases}   (per account)");
    render_usage(p, out);
}

/// The main pool's credits, then any other pool's (AIBC's scan credits).
fn render_credits(p: &PersonaReport, out: &mut String) {
    let c = &p.credits;
    let _ = writeln!(
        out,
        "  credits      granted {}  consumed {}  expired {}  remaining {}   (per account)",
        mean(c.granted),
        mean(c.consumed),
        mean(c.expired),
        mean(c.remaining)
    );
    let others = (p.pools.iter()).filter(|(name, _)| name.as_str() != crate::pricing::DEFAULT_POOL);
    for (pool, c) in others {
        let _ = writeln!(
            out,
            "  pool {pool:<7} granted {}  consumed {}  expired {}  remaining {}",
            mean(c.granted),
            mean(c.consumed),
            mean(c.expired),
            mean(c.remaining)
        );
    }
}

fn render_usage(p: &PersonaReport, out: &mut String) {
    let _ = writeln!(
        out,
        "  usage        {:<34} {:>9} {:>12} {:>16}",
        "line", "items", "credits/item", "price/item"
    );
    for line in &p.usage {
        let credits = line
            .credits_per_item
            .map_or("-".to_string(), |c| format!("{c:.2}"));
        let price = match (&line.served_as, line.cents_per_item) {
            (None, _) => "not served".to_string(),
            (_, Some(cents)) => money(cents, p.currency.as_deref()),
            (_, None) => "unknown".to_string(),
        };
        let _ = writeln!(
            out,
            "               {:<34} {:>9} {credits:>12} {price:>16}",
            line.line,
            mean(line.items)
        );
    }
}

fn render_ranking(r: &Ranking, out: &mut String) {
    let _ = writeln!(
        out,
        "offers for persona {}, serving every intent first, then cheapest (per account)",
        r.persona
    );
    let _ = writeln!(
        out,
        "  {:>4}  {:<28} {:<11} {:>18} {:>9} {:>9} {:>9} {:>16}",
        "rank", "offer", "vendor", "spend", "blocked", "unserved", "expired", "breakage"
    );
    for o in &r.offers {
        let spend = o.spend_cents.map_or("unknown".to_string(), |c| {
            money(c as f64, o.currency.as_deref())
        });
        let breakage = o
            .breakage_cents
            .map_or("unknown".to_string(), |c| money(c, o.currency.as_deref()));
        let mark = if o.cheapest_never_blocking {
            "  ← cheapest that never blocks"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  {:>4}  {:<28} {:<11} {spend:>18} {:>9} {:>9} {:>9} {breakage:>16}{mark}",
            o.rank,
            o.offer,
            o.vendor,
            mean(o.blocked),
            mean(o.unserved),
            mean(o.expired)
        );
    }
    if r.cheapest_never_blocking.is_none() {
        let _ = writeln!(
            out,
            "  no priced offer serves this persona without blocking"
        );
    }
    if r.currencies_differ {
        let _ = writeln!(
            out,
            "  note: the offers' currencies differ or are unknown; compare spends with care"
        );
    }
}
