//! The valid fixtures are valid against the official schemas too, checked with xmllint and
//! the offline catalog in the folder `EISIM_SCHEMAS_DIR` names (`.ci/run` sets it to
//! `../shared/schemas`). Without that folder or xmllint the test says so and checks nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::fixtures::fixture_files;

fn schemas_dir() -> Result<PathBuf, String> {
    let dir = std::env::var_os("EISIM_SCHEMAS_DIR").ok_or("EISIM_SCHEMAS_DIR is not set")?;
    let dir = PathBuf::from(dir);
    if !dir.join("catalog.xml").is_file() {
        return Err(format!("{} has no catalog.xml", dir.display()));
    }
    Command::new("xmllint")
        .arg("--version")
        .output()
        .map_err(|e| format!("xmllint cannot be run: {e}"))?;
    Ok(dir)
}

/// Fixtures whose sidecar says valid without corrections: as written, they must pass XSD.
fn schema_valid_fixtures(network: &str) -> Vec<PathBuf> {
    fixture_files(network)
        .into_iter()
        .filter(|path| {
            let sidecar: serde_json::Value = serde_json::from_slice(
                &std::fs::read(path.with_extension("expected.json")).unwrap(),
            )
            .unwrap();
            sidecar["outcome"] == "valid" && sidecar["corrections"].as_u64().unwrap_or(0) == 0
        })
        .collect()
}

fn xmllint(dir: &Path, schema: &str, file: &Path) -> Result<(), String> {
    let output = Command::new("xmllint")
        .current_dir(dir)
        .env("XML_CATALOG_FILES", dir.join("catalog.xml"))
        .args(["--nonet", "--noout", "--schema", schema])
        .arg(file)
        .output()
        .map_err(|e| e.to_string())?;
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

fn schema_for(network: &str, file: &Path) -> &'static str {
    let text = std::fs::read_to_string(file).unwrap();
    match network {
        "peppol" if text.contains("CreditNote-2") => "ubl-2.1/maindoc/UBL-CreditNote-2.1.xsd",
        "peppol" => "ubl-2.1/maindoc/UBL-Invoice-2.1.xsd",
        "sdi" => "fatturapa/Schema_VFPR12_v1.2.3.xsd",
        _ => "ksef/faktury/schemy/FA/schemat_FA(3)_v1-0E.xsd",
    }
}

#[test]
fn valid_fixtures_pass_the_official_schemas() {
    let dir = match schemas_dir() {
        Ok(dir) => dir,
        Err(why) => {
            println!("SKIPPED: schema validation did not run: {why}");
            return;
        }
    };
    let mut checked = 0;
    let mut failures = vec![];
    for network in ["peppol", "sdi", "ksef"] {
        for file in schema_valid_fixtures(network) {
            checked += 1;
            let file = file.canonicalize().unwrap();
            if let Err(why) = xmllint(&dir, schema_for(network, &file), &file) {
                failures.push(format!("{}: {why}", file.display()));
            }
        }
    }
    println!(
        "schema validation: {checked} valid fixtures checked with xmllint against {}",
        dir.display()
    );
    assert!(checked >= 9, "only {checked} fixtures checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Checks a UPO eisim served against the official UPO v4-3 schema.
pub(crate) fn assert_upo_valid(xml: &str) {
    assert_schema_valid(xml, "ksef/faktury/upo/schemy/upo-v4-3.xsd", "UPO");
}

/// Checks a document eisim emitted against `schema` (a path inside the schemas folder) with
/// xmllint; says plainly that it skipped when the folder or xmllint is missing.
pub(crate) fn assert_schema_valid(xml: &str, schema: &str, what: &str) {
    let dir = match schemas_dir() {
        Ok(dir) => dir,
        Err(why) => {
            println!("SKIPPED: {what} schema validation did not run: {why}");
            return;
        }
    };
    let file = std::env::temp_dir().join(format!(
        "eisim-emitted-{}-{:?}.xml",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::write(&file, xml).unwrap();
    let verdict = xmllint(&dir, schema, &file);
    let _ = std::fs::remove_file(&file);
    if let Err(why) = verdict {
        panic!("the {what} breaks {schema}: {why}\n{xml}");
    }
    println!("{what} checked with xmllint against {schema}");
}
