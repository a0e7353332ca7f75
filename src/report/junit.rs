//! JUnit XML, which CI systems (GitHub Actions reporters, GitLab, Jenkins) show natively:
//! one test case per judged metric, failed when it regressed, skipped when it could not be
//! judged.

use std::fmt::Write;

/// How one case ended.
#[derive(Clone, Debug, PartialEq)]
pub enum CaseOutcome {
    /// It passed: written as a `<testcase>` with no child element.
    Passed,
    /// It failed, with a one-line message.
    Failed(String),
    /// It was not judged, with the reason.
    Skipped(String),
}

/// One `<testcase>` of the report: one judged metric.
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    /// The case's name (a metric).
    pub name: String,
    /// How it ended.
    pub outcome: CaseOutcome,
    /// The figures, as text, for the CI system's detail view.
    pub output: String,
}

/// One `<testsuite>` named `suite` holding `cases`, as a whole JUnit document.
pub fn junit_xml(suite: &str, cases: &[Case]) -> String {
    let count =
        |wanted: fn(&CaseOutcome) -> bool| cases.iter().filter(|c| wanted(&c.outcome)).count();
    let failures = count(|o| matches!(o, CaseOutcome::Failed(_)));
    let skipped = count(|o| matches!(o, CaseOutcome::Skipped(_)));
    let suite = escape(suite);
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let totals = format!(
        "tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\"",
        cases.len()
    );
    let _ = writeln!(xml, "<testsuites name=\"{suite}\" {totals}>");
    let _ = writeln!(xml, "  <testsuite name=\"{suite}\" {totals}>");
    for case in cases {
        let _ = write!(
            xml,
            "    <testcase classname=\"{suite}\" name=\"{}\">",
            escape(&case.name)
        );
        match &case.outcome {
            CaseOutcome::Passed => {}
            CaseOutcome::Failed(message) => {
                let _ = write!(xml, "<failure message=\"{}\"/>", escape(message));
            }
            CaseOutcome::Skipped(message) => {
                let _ = write!(xml, "<skipped message=\"{}\"/>", escape(message));
            }
        }
        if !case.output.is_empty() {
            let _ = write!(xml, "<system-out>{}</system-out>", escape(&case.output));
        }
        xml.push_str("</testcase>\n");
    }
    xml.push_str("  </testsuite>\n</testsuites>\n");
    xml
}

/// Text safe inside an XML attribute or element.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() && !matches!(c, '\n' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_names_and_messages_is_escaped() {
        assert_eq!(
            escape(r#"a<b & "c" 'd'>"#),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;"
        );
        assert_eq!(escape("bell\u{7}"), "bell");
    }

    #[test]
    fn a_document_counts_its_failures_and_skips() {
        let case = |name: &str, outcome| Case {
            name: name.into(),
            outcome,
            output: "1 → 2".into(),
        };
        let xml = junit_xml(
            "creditsim bench",
            &[
                case("a", CaseOutcome::Passed),
                case("b<", CaseOutcome::Failed("regressed: -20%".into())),
                case("c", CaseOutcome::Skipped("noisy".into())),
            ],
        );
        assert!(
            xml.contains("tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\""),
            "{xml}"
        );
        assert!(
            xml.contains("name=\"b&lt;\"><failure message=\"regressed: -20%\"/>"),
            "{xml}"
        );
        assert!(xml.contains("<skipped message=\"noisy\"/><system-out>1 → 2</system-out>"));
        assert_eq!(xml.matches("<testcase ").count(), 3);
    }
}
