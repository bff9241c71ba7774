//! The output as analysts load it: the testdata run written as Arrow, Parquet and a `--partition-by lang`
//! directory by the real binary, then read back in Python with pyarrow, polars and DuckDB
//! (tests/python/check_outputs.py) and run through examples/notebook.py.
//!
//! Needs python3 with the packages of tests/python/requirements.txt. Without them the test says so and passes,
//! unless `HLAS_REQUIRE_PYTHON=1` (set by .ci/run, which installs them) makes their absence a failure.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn python_ready() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import pyarrow, polars, duckdb"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("HLAS_REQUIRE_PYTHON").is_err(),
            "HLAS_REQUIRE_PYTHON is set but python3 cannot import pyarrow, polars and duckdb \
             (pip install -r tests/python/requirements.txt)"
        );
        eprintln!(
            "skipped: python3 with pyarrow, polars and duckdb not found (pip install -r tests/python/requirements.txt)"
        );
    }
    ok
}

fn inputs() -> Vec<PathBuf> {
    ["feedback.csv", "chats.csv", "reviews.jsonl", "transcripts.jsonl", "transcripts.json", "notes.txt"]
        .iter()
        .map(|f| root().join("testdata").join(f))
        .collect()
}

/// Runs `hlas analyze` on the testdata into `out` with extra arguments; returns the rows written.
fn analyze(out: &Path, extra: &[&str]) -> u64 {
    let output = Command::new(env!("CARGO_BIN_EXE_hlas"))
        .arg("analyze")
        .args(inputs())
        .arg("-o")
        .arg(out)
        .arg("--no-progress")
        .args(extra)
        .output()
        .expect("hlas runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "hlas analyze failed: {stderr}");
    let wrote = stderr.split("wrote ").nth(1).and_then(|s| s.split(' ').next()).expect("summary line");
    wrote.parse().expect("row count")
}

fn python(args: &[&str]) {
    let output = Command::new("python3").args(args).current_dir(root()).output().expect("python3 runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "python3 {args:?} failed:\n{stdout}\n{stderr}");
    eprintln!("{stdout}");
}

#[test]
fn pyarrow_polars_and_duckdb_read_every_output_and_the_notebook_runs() {
    if !python_ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let rows = analyze(&dir.path().join("out.arrow"), &[]);
    assert_eq!(analyze(&dir.path().join("out.parquet"), &[]), rows);
    assert_eq!(analyze(&dir.path().join("parts"), &["--partition-by", "lang"]), rows);
    let out = dir.path().display().to_string();
    python(&["tests/python/check_outputs.py", &out, &rows.to_string()]);
    python(&["examples/notebook.py", &dir.path().join("out.parquet").display().to_string()]);
    python(&["examples/notebook.py", &dir.path().join("parts").display().to_string()]);
}
