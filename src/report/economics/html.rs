//! `report.html`: one self-contained page (inline CSS and SVG, no JavaScript, nothing
//! fetched) with each persona's figures, the rankings, and per persona three charts:
//! spend, credits consumed against expired, and blocked steps, month by month.

use std::fmt::Write;

use super::charts::{Series, escape, line_chart};
use super::render::{mean, money};
use super::*;

const STYLE: &str = "body{font-family:sans-serif;margin:2em;color:#222;max-width:1100px}\
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;\
text-align:right}th:first-child,td:first-child{text-align:left}.ok{color:#176117}.bad{color:#a01010}\
.note{color:#666}h2{margin-top:2em;border-bottom:1px solid #ddd}";

pub(super) fn page(report: &EconomicsReport) -> String {
    let mut out = String::new();
    let title = escape(&report.scenario);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title} · creditsim \
         economics</title><style>{STYLE}</style></head><body>\n<h1>{title}</h1>\n<p>vendor {} · {} \
         months from {} · seed {} · {} accounts · {} steps</p>\n",
        escape(&report.vendor),
        report.months,
        report.start,
        report.seed,
        report.accounts,
        report.steps
    );
    let verdict = match report.ok {
        true => "<p class=\"ok\">Every invariant held.</p>".to_string(),
        false => format!(
            "<p class=\"bad\">{} invariant violations: the figures below are not trustworthy. \
             Reproduce with <code>{}</code>.</p>",
            report.verdict.violations_total,
            escape(&report.reproduce)
        ),
    };
    out.push_str(&verdict);
    summary_table(report, &mut out);
    for ranking in &report.rankings {
        ranking_table(ranking, &mut out);
    }
    let mut ids: Vec<&str> = report.personas.iter().map(|p| p.id.as_str()).collect();
    ids.dedup();
    for id in ids {
        let mine: Vec<&PersonaReport> = report.personas.iter().filter(|p| p.id == id).collect();
        persona_section(id, &mine, report.months, &mut out);
    }
    out.push_str("</body></html>\n");
    out
}

fn summary_table(report: &EconomicsReport, out: &mut String) {
    out.push_str(
        "<h2>Per account</h2>\n<table><tr><th>persona</th><th>offer</th><th>spend</th><th>a month</th>\
         <th>granted</th><th>consumed</th><th>expired</th><th>breakage</th><th>done</th><th>failed</th>\
         <th>blocked</th><th>purchases</th></tr>\n",
    );
    for p in &report.personas {
        let currency = p.currency.as_deref();
        let spend = p.spend_cents.map_or_else(
            || format!("unknown ({})", p.spend_unknown.join(", ")),
            |c| money(c as f64, currency),
        );
        let month = p
            .spend_cents_per_month
            .map_or("-".to_string(), |c| money(c, currency));
        let breakage = p
            .breakage_cents
            .map_or("unknown".to_string(), |c| money(c, currency));
        let bought: Vec<String> = p
            .purchases
            .iter()
            .map(|(k, v)| format!("{k} {}", mean(*v)))
            .collect();
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&p.id),
            escape(&p.offer),
            escape(&spend),
            escape(&month),
            mean(p.credits.granted),
            mean(p.credits.consumed),
            mean(p.credits.expired),
            escape(&breakage),
            mean(p.steps.done),
            mean(p.steps.failed),
            mean(p.steps.blocked),
            escape(&bought.join(", "))
        );
    }
    out.push_str("</table>\n");
}

fn ranking_table(r: &Ranking, out: &mut String) {
    let _ = writeln!(
        out,
        "<h2>Offers for {}, serving every intent first, then cheapest</h2>\n<table><tr><th>rank</th><th>offer</th><th>vendor</th>\
         <th>spend</th><th>blocked</th><th>unserved</th><th>expired</th><th>breakage</th><th></th></tr>",
        escape(&r.persona)
    );
    for o in &r.offers {
        let currency = o.currency.as_deref();
        let spend = o
            .spend_cents
            .map_or("unknown".to_string(), |c| money(c as f64, currency));
        let breakage = o
            .breakage_cents
            .map_or("unknown".to_string(), |c| money(c, currency));
        let mark = if o.cheapest_never_blocking {
            "cheapest that never blocks"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{mark}</td></tr>",
            o.rank,
            escape(&o.offer),
            escape(&o.vendor),
            escape(&spend),
            mean(o.blocked),
            mean(o.unserved),
            mean(o.expired),
            escape(&breakage)
        );
    }
    out.push_str("</table>\n");
    if r.currencies_differ {
        out.push_str("<p class=\"note\">The offers' currencies differ or are unknown.</p>\n");
    }
}

fn persona_section(id: &str, offers: &[&PersonaReport], months: u32, out: &mut String) {
    let _ = writeln!(out, "<h2>Persona {}</h2>", escape(id));
    let mut spend = Vec::new();
    let mut credits = Vec::new();
    let mut blocked = Vec::new();
    for p in offers {
        let per_month =
            |f: &dyn Fn(&MonthReport) -> f64| p.months.iter().map(f).collect::<Vec<f64>>();
        if p.months.iter().all(|m| m.spend_cents.is_some()) {
            let values = per_month(&|m| m.spend_cents.unwrap_or(0.0) / 100.0);
            spend.push(Series {
                name: p.offer.clone(),
                values,
                dashed: false,
            });
        }
        let consumed = per_month(&|m| m.consumed.value());
        let expired = per_month(&|m| m.expired.value());
        credits.push(Series {
            name: format!("{} consumed", p.offer),
            values: consumed,
            dashed: false,
        });
        credits.push(Series {
            name: format!("{} expired", p.offer),
            values: expired,
            dashed: true,
        });
        blocked.push(Series {
            name: p.offer.clone(),
            values: per_month(&|m| m.blocked.value()),
            dashed: false,
        });
    }
    let currency = offers
        .first()
        .and_then(|p| p.currency.clone())
        .unwrap_or_else(|| "no currency".into());
    out.push_str(&line_chart(
        "Spend per account per month",
        &format!("spend ({currency})"),
        months,
        &spend,
    ));
    out.push_str(&line_chart(
        "Credits consumed (solid) and expired (dashed) per account",
        "credits",
        months,
        &credits,
    ));
    out.push_str(&line_chart(
        "Blocked steps per account per month",
        "steps",
        months,
        &blocked,
    ));
    for p in offers {
        usage_table(p, out);
    }
}

fn usage_table(p: &PersonaReport, out: &mut String) {
    let _ = writeln!(
        out,
        "<table><tr><th>{} · {} usage</th><th>served as</th><th>items</th><th>credits/item</th>\
         <th>price/item</th></tr>",
        escape(&p.id),
        escape(&p.offer)
    );
    for u in &p.usage {
        let served = u.served_as.clone().unwrap_or_else(|| "not served".into());
        let credits = u
            .credits_per_item
            .map_or("-".to_string(), |c| format!("{c:.2}"));
        let price = u
            .cents_per_item
            .map_or("-".to_string(), |c| money(c, p.currency.as_deref()));
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{credits}</td><td>{}</td></tr>",
            escape(&u.line),
            escape(&served),
            mean(u.items),
            escape(&price)
        );
    }
    out.push_str("</table>\n");
}
