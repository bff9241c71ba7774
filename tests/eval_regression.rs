//! The figures hlas reports must not slip: runs `hlas eval --json` on ../shared/eval and checks every figure in
//! `tests/eval_floor.tsv` (the reported figures minus a small tolerance; `nodia.` keys are language ID with
//! diacritics stripped). Without the evaluation data the test
//! says so and passes, unless `HLAS_REQUIRE_EVAL=1` (set by `.ci/run`), where missing data is a failure.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

const EVAL_DIR: &str = "../shared/eval";
const FILES: [&str; 5] = ["sentiment.tsv", "emotion.tsv", "lemmas.tsv", "lid.tsv", "themes.tsv"];

fn floors() -> Vec<(String, f64)> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/eval_floor.tsv"))
        .expect("tests/eval_floor.tsv");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (key, value) = l.split_once('\t').expect("key<TAB>minimum");
            (key.to_string(), value.trim().parse().expect("a number"))
        })
        .collect()
}

#[test]
fn eval_figures_do_not_drop_below_the_reported_ones() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(EVAL_DIR);
    if !dir.join(FILES[0]).exists() {
        assert!(
            std::env::var("HLAS_REQUIRE_EVAL").is_err(),
            "HLAS_REQUIRE_EVAL is set but {} is missing",
            dir.display()
        );
        eprintln!("skipped: no evaluation data at {}", dir.display());
        return;
    }
    let run = |extra: &[&str], files: &[&str]| -> HashMap<String, f64> {
        let out = Command::new(env!("CARGO_BIN_EXE_hlas"))
            .arg("eval")
            .arg("--json")
            .args(extra)
            .args(files.iter().map(|f| dir.join(f)))
            .output()
            .expect("run hlas eval");
        assert!(out.status.success(), "hlas eval failed: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).expect("hlas eval --json prints an object")
    };
    let mut figures = run(&[], &FILES);
    // Language ID on the same units typed without diacritics: keys prefixed `nodia.`.
    for (k, v) in run(&["--strip-diacritics"], &["lid.tsv"]) {
        figures.insert(format!("nodia.{k}"), v);
    }
    let mut slipped = Vec::new();
    for (key, floor) in floors() {
        match figures.get(&key) {
            Some(&v) if v >= floor => {}
            Some(&v) => slipped.push(format!("{key}: {v:.4} < {floor:.4}")),
            None => slipped.push(format!("{key}: missing from hlas eval --json")),
        }
    }
    assert!(slipped.is_empty(), "figures below their floor:\n{}", slipped.join("\n"));
}
