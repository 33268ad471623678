//! The JSON report: the report model serialized as it is, pretty-printed, named by
//! `outcome::SCHEMA`. `suite/REPORT-SCHEMA.md` documents every field; a test here keeps that
//! document naming every field the serializer writes, so the two cannot drift apart.

use crate::outcome::RunReport;

/// The JSON report, ending in a newline so the file is a well-formed text file.
pub fn render(report: &RunReport) -> Result<String, serde_json::Error> {
    let mut text = serde_json::to_string_pretty(report)?;
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use super::*;
    use crate::outcome::SCHEMA;
    use crate::report::sample;

    #[test]
    fn the_sample_run_serializes_as_the_snapshot() {
        insta::assert_snapshot!(render(&sample::run()).unwrap());
    }

    #[test]
    fn the_report_names_its_schema_and_uses_the_documented_values() {
        let value: Value = serde_json::from_str(&render(&sample::run()).unwrap()).unwrap();
        assert_eq!(value["schema"], SCHEMA);
        let storm = &value["scenarios"][1];
        assert_eq!(storm["status"], "failed");
        assert_eq!(storm["verdicts"][1]["level"], "MUST");
        assert_eq!(storm["verdicts"][1]["grade"], "fail");
        assert_eq!(storm["verdicts"][3]["grade"], "not_exercised");
        assert_eq!(storm["timeline"][2]["flow"], "eisim_to_integration");
        let broken = &value["scenarios"][2];
        assert_eq!(broken["status"], "error");
        assert_eq!(broken["kind"], "driver");
        assert_eq!(value["scenarios"][0]["documents"][0]["ref"], "doc-1");
    }

    fn keys(value: &Value, into: &mut BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                for (key, inner) in map {
                    into.insert(key.clone());
                    keys(inner, into);
                }
            }
            Value::Array(items) => items.iter().for_each(|item| keys(item, into)),
            _ => {}
        }
    }

    #[test]
    fn report_schema_md_documents_every_field_the_report_writes() {
        let value: Value = serde_json::from_str(&render(&sample::run()).unwrap()).unwrap();
        let mut names = BTreeSet::new();
        keys(&value, &mut names);
        let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/REPORT-SCHEMA.md"))
            .unwrap();
        let missing: Vec<_> = names
            .iter()
            .filter(|name| !doc.contains(&format!("| `{name}` |")))
            .collect();
        assert!(
            missing.is_empty(),
            "REPORT-SCHEMA.md has no table row for {missing:?}"
        );
        assert!(doc.contains(SCHEMA));

        // The example is real JSON of the documented shape.
        let example = doc
            .split("```json\n")
            .nth(1)
            .and_then(|rest| rest.split("\n```").next())
            .unwrap();
        let example: Value = serde_json::from_str(example).unwrap();
        assert_eq!(example["schema"], SCHEMA);
        let mut example_names = BTreeSet::new();
        keys(&example, &mut example_names);
        let unknown: Vec<_> = example_names.difference(&names).collect();
        assert!(
            unknown.is_empty(),
            "the example has fields the report never writes: {unknown:?}"
        );
    }
}
