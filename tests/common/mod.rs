//! Helpers the end-to-end test files share: where the testdata is, how to run the real binary, and reading a
//! string or dictionary cell back from the Arrow output. Each test file uses some of them.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use arrow::array::{Array, AsArray};
use arrow::datatypes::Int8Type;

/// A file of the bundled testdata.
pub fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata").join(name)
}

/// Runs the real `hlas` binary with `args`.
pub fn hlas(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hlas")).args(args).output().expect("hlas runs")
}

/// The value of a Utf8 or Dictionary(Int8, Utf8) cell; `None` for a null.
pub fn string_at(col: &dyn Array, i: usize) -> Option<String> {
    if col.is_null(i) {
        return None;
    }
    if let Some(s) = col.as_string_opt::<i32>() {
        return Some(s.value(i).to_string());
    }
    let dict = col.as_dictionary::<Int8Type>();
    let key = dict.keys().value(i) as usize;
    Some(dict.values().as_string::<i32>().value(key).to_string())
}
