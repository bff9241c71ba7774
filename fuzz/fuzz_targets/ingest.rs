//! Ingest of arbitrary bytes: the first byte picks the format (by file name) and whether the record limit is tiny,
//! the rest is the file. Every record must be read and analysed without a panic, whatever the bytes.
#![no_main]

use std::sync::OnceLock;

use hlas::ingest::{IngestOptions, Reader, plan};
use hlas::{AnalyzeOptions, Resources, analyze};
use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 10] =
    ["f.csv", "f.tsv", "f.jsonl", "f.json", "f.txt", "f.csv.gz", "f.tsv.gz", "f.jsonl.gz", "f.json.gz", "f.txt.gz"];

fn resources() -> &'static Resources {
    static RES: OnceLock<Resources> = OnceLock::new();
    RES.get_or_init(|| Resources::embedded().expect("embedded lexicons"))
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join(NAMES[usize::from(selector) % NAMES.len()]);
    std::fs::write(&path, bytes).expect("the file is written");
    let mut opts = IngestOptions::default();
    if selector & 0x80 != 0 {
        opts.max_record_bytes = 64; // cuts: the record guard's closing of quotes and lines
    }
    let Ok(plan) = plan(&[path], &opts) else {
        return; // a clean refusal (no text column) is a result
    };
    let mut reader = Reader::new(plan);
    loop {
        let batch = reader.next_batch();
        if batch.is_empty() {
            break;
        }
        for rec in &batch {
            let a = analyze(rec, resources(), &AnalyzeOptions::default());
            let n = a.text.chars().count() as u32;
            assert!(a.evidence.iter().all(|e| e.start < e.end && e.end <= n));
        }
    }
});
