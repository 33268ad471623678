//! `eisim check`: every broken scenario gets file:line:column errors and exit 1; every file
//! shipped in scenarios/ passes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn eisim_check(files: &[PathBuf]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_eisim"))
        .arg("check")
        .args(files)
        // Relative paths keep the messages (and so the snapshots) machine-independent.
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
            .map(|path| dir.join(path.file_name().unwrap()))
            .collect();
    files.sort();
    files
}

#[test]
fn each_broken_scenario_is_reported_with_its_location_and_exit_code_1() {
    let files = yaml_files(Path::new("tests/scenarios/bad"));
    assert!(
        files.len() >= 5,
        "expected the broken scenario fixtures, found {files:?}"
    );
    for file in files {
        let output = eisim_check(std::slice::from_ref(&file));
        assert_eq!(output.status.code(), Some(1), "{}", file.display());
        let stdout = String::from_utf8(output.stdout).unwrap();
        let location = format!("{}:", file.display());
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with(&location) && l.contains(": error[")),
            "no file:line:column error for {}:\n{stdout}",
            file.display()
        );
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        insta::assert_snapshot!(format!("check_{name}"), stdout);
    }
}

#[test]
fn every_shipped_scenario_passes_the_check() {
    let files = yaml_files(Path::new("../scenarios"));
    assert!(files.iter().any(|f| f.ends_with("default.yaml")));
    let output = eisim_check(&files);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("ok: ")).count(),
        files.len()
    );
}

#[test]
fn a_missing_file_is_an_error_not_a_crash() {
    let output = eisim_check(&[PathBuf::from("tests/scenarios/does-not-exist.yaml")]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("does-not-exist.yaml"), "{stdout}");
}
