//! Property tests: tokenizing, language detection, stemming and the whole analysis never panic on arbitrary
//! Unicode, spans always fall on character boundaries, and evidence always slices the text.
//!
//! The second half runs every input parser (CSV, TSV, JSONL, JSON, text; plain, gzip, BOM, UTF-16, CRLF, CR,
//! Windows-1250) through the library's `plan` + `Reader` on generated files: no panic, one record per record of
//! the input as an independent count sees it ("nothing lost"), texts and ids as written, and the analysis of every
//! record keeps its evidence inside its text. Case counts are small so the suite stays fast in a debug build; set
//! `PROPTEST_CASES` for a longer run (`PROPTEST_CASES=2000 cargo test --release --test properties`).

use std::io::Write;
use std::path::PathBuf;
use std::sync::OnceLock;

use proptest::prelude::*;
use serde_json::Value;

use hlas::ingest::{IngestOptions, Reader, TextEncoding, plan};
use hlas::tokenize::tokenize;
use hlas::{AnalyzeOptions, Body, Lang, Record, Resources, analyze};

fn res() -> &'static Resources {
    static RES: OnceLock<Resources> = OnceLock::new();
    RES.get_or_init(|| Resources::embedded().expect("embedded lexicons"))
}

/// Text that looks like the input: letters of the four languages, digits, punctuation, emoji, odd whitespace,
/// combining marks, and arbitrary code points.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-ZčďěňřšťžůúýáíéóäôĺľŕłąęśźżńćČŘŁ0-9 ,.!?:;'\"()\\n\\t😀😡👍🏻\u{301}\u{200D}\u{FE0F}-]{0,80}",
        any::<String>(),
    ]
}

/// Cases per property: `default`, or `PROPTEST_CASES` when set.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(512), ..ProptestConfig::default() })]

    #[test]
    fn tokens_fall_on_char_boundaries(s in text()) {
        let doc = tokenize(&s, &res().emoticons);
        prop_assert_eq!(doc.folded.chars().count(), s.chars().count());
        for t in &doc.tokens {
            prop_assert!(s.is_char_boundary(t.start as usize) && s.is_char_boundary(t.end as usize));
            prop_assert!(doc.folded.is_char_boundary(t.fold_start as usize));
            prop_assert!(doc.folded.is_char_boundary(t.fold_end as usize));
            prop_assert!(t.char_start < t.char_end);
        }
    }

    #[test]
    fn detection_never_panics_and_confidence_is_a_probability(s in text()) {
        let doc = tokenize(&s, &res().emoticons);
        let g = res().detect_language(&doc);
        prop_assert!((0.0..=1.0).contains(&g.confidence));
        if g.lang == Lang::Und {
            prop_assert_eq!(g.confidence, 0.0);
        }
    }

    #[test]
    fn stemming_never_panics_or_empties_a_word(s in text()) {
        for lang in Lang::ALL {
            let stemmer = &res().lang(lang).stemmer;
            for w in s.split_whitespace() {
                let folded = hlas::normalize::fold(w);
                let stem = stemmer.stem(&folded);
                prop_assert!(!stem.is_empty() || folded.is_empty(), "{} → empty stem", folded);
                // A stem is never much longer than its word: suffix rules only shorten (a marker adds one
                // letter) and the exception tables map short irregular forms to their lemma, at most 6 letters
                // longer (wie → wiedziec).
                prop_assert!(stem.chars().count() <= folded.chars().count() + 7, "{} → {}", folded, stem);
            }
        }
    }

    #[test]
    fn analysis_never_panics_and_evidence_slices_the_text(s in text()) {
        let rec = Record { id: "p".into(), body: Body::Text(s), meta: vec![], error: None };
        let a = analyze(&rec, res(), &AnalyzeOptions::default());
        let n = a.text.chars().count() as u32;
        prop_assert!((-1.0..=1.0).contains(&a.sentiment));
        for e in &a.evidence {
            prop_assert!(e.start < e.end && e.end <= n, "{:?} in {:?}", e, a.text);
        }
        for v in a.emotions {
            prop_assert!((0.0..=1.0).contains(&v));
        }
    }
}

// ---- Ingest ----

/// What reading one generated file gave.
struct Ingested {
    path: String,
    records: Vec<Record>,
    damage: usize,
}

/// Writes `bytes` to a fresh file called `name` and reads it all with the library's ingest; `Err` is the plan's
/// error message.
fn ingest(name: &str, bytes: &[u8], opts: &IngestOptions) -> Result<Ingested, String> {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let plan = plan(std::slice::from_ref(&path), opts).map_err(|e| e.to_string())?;
    let mut reader = Reader::new(plan);
    let mut records = Vec::new();
    loop {
        let batch = reader.next_batch();
        if batch.is_empty() {
            break;
        }
        records.extend(batch);
    }
    Ok(Ingested { path: path.display().to_string(), records, damage: reader.damage().len() })
}

/// Every record analyses without panic into a row whose evidence (and agent cues) lie inside its text on character
/// boundaries, and a record read with an error stays an error row.
fn analyses_stay_in_bounds(records: &[Record]) -> Result<(), TestCaseError> {
    for rec in records {
        let a = analyze(rec, res(), &AnalyzeOptions::default());
        let n = a.text.chars().count() as u32;
        for e in &a.evidence {
            prop_assert!(e.start < e.end && e.end <= n, "{:?} in {:?}", e, a.text);
        }
        if let Some(t) = &a.transcript {
            for c in &t.agent_cues {
                let turn = &t.turns[c.turn as usize].text;
                prop_assert!(c.start < c.end && c.end as usize <= turn.chars().count(), "{:?} in {:?}", c, turn);
            }
        }
        if rec.error.is_some() {
            prop_assert!(a.error.is_some());
        }
    }
    Ok(())
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

fn utf16(text: &str, little_endian: bool) -> Vec<u8> {
    let mut out = if little_endian { vec![0xFF, 0xFE] } else { vec![0xFE, 0xFF] };
    for u in text.encode_utf16() {
        out.extend(if little_endian { u.to_le_bytes() } else { u.to_be_bytes() });
    }
    out
}

/// How a generated file is stored.
#[derive(Clone, Copy, Debug)]
enum Transport {
    Plain,
    Gzip,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
}

fn transport() -> impl Strategy<Value = Transport> {
    prop_oneof![
        Just(Transport::Plain),
        Just(Transport::Gzip),
        Just(Transport::Utf8Bom),
        Just(Transport::Utf16Le),
        Just(Transport::Utf16Be)
    ]
}

/// The file's bytes for `text` stored as `t`, and its name's suffix.
fn store(text: &str, t: Transport) -> (Vec<u8>, &'static str) {
    match t {
        Transport::Plain => (text.as_bytes().to_vec(), ""),
        Transport::Gzip => (gzip(text.as_bytes()), ".gz"),
        Transport::Utf8Bom => ([&b"\xEF\xBB\xBF"[..], text.as_bytes()].concat(), ""),
        Transport::Utf16Le => (utf16(text, true), ""),
        Transport::Utf16Be => (utf16(text, false), ""),
    }
}

/// A line of text: arbitrary Unicode or feedback-like text, without line ends. NUL is left out (it is a case of
/// its own: zero bytes are how UTF-16 without a byte order mark is told), and so is a BOM at the very start.
fn line_text() -> impl Strategy<Value = String> {
    text().prop_map(|s| s.chars().filter(|c| !matches!(c, '\n' | '\r' | '\0')).collect::<String>())
}

/// Any text without NUL (see [`line_text`]), line breaks included.
fn no_nul() -> impl Strategy<Value = String> {
    text().prop_map(|s| s.replace('\0', ""))
}

/// A record limit: mostly the default, sometimes tiny so records get cut.
fn record_limit() -> impl Strategy<Value = Option<usize>> {
    prop_oneof![3 => Just(None), 1 => (1usize..48).prop_map(Some)]
}

fn opts_with(limit: Option<usize>) -> IngestOptions {
    let mut o = IngestOptions::default();
    if let Some(l) = limit {
        o.max_record_bytes = l;
    }
    o
}

/// A JSON value of any shape, with keys that matter to hlas (id, text, turns, messages, speaker, role...) among
/// arbitrary ones, and values of the wrong types where they matter.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        text().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let key = prop_oneof![
            Just("id".to_string()),
            Just("text".to_string()),
            Just("turns".to_string()),
            Just("messages".to_string()),
            Just("speaker".to_string()),
            Just("role".to_string()),
            Just("content".to_string()),
            "[a-z_]{1,8}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key, inner), 0..6).prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// A transcript object: `turns` or `messages` holding turns with arbitrary speakers and texts (and some turns
/// that are not turns at all).
fn transcript() -> impl Strategy<Value = Value> {
    let speaker = prop_oneof![
        Just(Value::from("customer")),
        Just(Value::from("agent")),
        Just(Value::from("Zákazník")),
        Just(Value::from("bot")),
        json_value(),
    ];
    let turn = prop_oneof![
        4 => (speaker, prop_oneof![3 => text().prop_map(Value::from), 1 => json_value()], any::<bool>()).prop_map(
            |(who, what, alt)| {
                let (sk, tk) = if alt { ("role", "content") } else { ("speaker", "text") };
                serde_json::json!({ sk: who, tk: what })
            }
        ),
        1 => json_value(),
    ];
    (prop::collection::vec(turn, 0..8), any::<bool>(), "[a-z0-9-]{0,6}").prop_map(|(turns, messages, id)| {
        let key = if messages { "messages" } else { "turns" };
        serde_json::json!({ "id": id, key: turns, "channel": "chat" })
    })
}

/// A JSONL line of any kind, and whether it is a record (not blank, not a comment).
fn jsonl_line() -> impl Strategy<Value = (String, bool)> {
    prop_oneof![
        3 => json_value().prop_map(|v| (v.to_string(), true)),
        2 => transcript().prop_map(|v| (v.to_string(), true)),
        1 => "[ \t]{0,3}".prop_map(|s| (s, false)),
        1 => "[ ]{0,2}(#|//)[^\n\r]{0,20}".prop_map(|s| (s, false)),
        2 => line_text().prop_map(|s| {
            let trimmed = s.trim_start_matches(|c: char| c.is_ascii_whitespace());
            let record = !(trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with("//"));
            (s, record)
        }),
    ]
}

/// Whole words of the four languages as Excel writes them in Windows-1250.
fn cp1250_text() -> impl Strategy<Value = String> {
    const WORDS: &[&str] = &[
        "Čekal",
        "jsem",
        "40",
        "minut,",
        "žádná",
        "odpověď",
        "Zażółć",
        "gęślą",
        "jaźń",
        "Reklamace",
        "nebyla",
        "vyřízena.",
        "Ďakujem",
        "za",
        "rýchle",
        "vybavenie",
        "Obsługa",
        "była",
        "świetna!",
        "Łódź",
        "ŻÓŁW",
        "úžasný",
        "Příliš",
        "žluťoučký",
        "kůň",
        "ťava",
        "ľúto",
        "Ŕ",
        "Świetnie",
        "–",
        "„hrozné“",
        "€",
        "",
        "ok",
    ];
    prop::collection::vec(prop::sample::select(WORDS), 1..12).prop_map(|w| w.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(64), ..ProptestConfig::default() })]

    /// Arbitrary bytes under every name: no panic; a plan that refuses names the file; and text and JSONL give one
    /// record per line as a plain count sees it. (The leading `x` keeps the bytes from being a byte order mark or
    /// gzip magic, and CR and NUL are left out: those have properties of their own.)
    #[test]
    fn arbitrary_bytes_never_panic_and_lines_are_counted(
        tail in prop::collection::vec(any::<u8>().prop_filter("no CR or NUL", |b| *b != b'\r' && *b != 0), 0..1500),
        raw in prop::collection::vec(any::<u8>(), 0..1500),
        ext in prop::sample::select(&["csv", "tsv", "jsonl", "json", "txt"][..]),
        limit in record_limit(),
    ) {
        let opts = opts_with(limit);
        // Truly arbitrary bytes, gzipped or not: only "no panic" and clean errors can be asked of them.
        for (bytes, name) in [(raw.clone(), format!("r.{ext}")), (gzip(&raw), format!("r.{ext}.gz"))] {
            match ingest(&name, &bytes, &opts) {
                Ok(got) => analyses_stay_in_bounds(&got.records)?,
                Err(e) => prop_assert!(e.contains(&name), "{}", e),
            }
        }
        let mut bytes = b"x".to_vec();
        bytes.extend(&tail);
        let got = match ingest(&format!("b.{ext}"), &bytes, &opts) {
            Ok(got) => got,
            Err(e) => {
                prop_assert!(ext == "csv" || ext == "tsv", "{}", e); // only a header can lack the text column
                return Ok(());
            }
        };
        prop_assert_eq!(got.damage, 0);
        let lines: Vec<&[u8]> = bytes.strip_suffix(b"\n").unwrap_or(&bytes).split(|&b| b == b'\n').collect();
        if ext == "txt" {
            prop_assert_eq!(got.records.len(), lines.len());
            for (i, r) in got.records.iter().enumerate() {
                prop_assert_eq!(&r.id, &format!("{}:{}", got.path, i + 1));
            }
        } else if ext == "jsonl" {
            let expected = lines
                .iter()
                .filter(|l| {
                    let start = l.iter().position(|b| !b.is_ascii_whitespace()).map_or(&[][..], |p| &l[p..]);
                    !(start.is_empty() || start.starts_with(b"#") || start.starts_with(b"//"))
                })
                .count();
            prop_assert_eq!(got.records.len(), expected);
        }
        analyses_stay_in_bounds(&got.records)?;
    }

    /// Text lines with LF, CRLF or CR line ends, stored plain, gzipped, with a UTF-8 BOM or as UTF-16 (LE/BE with
    /// a BOM): one record per line, the text as written, the id `<file>:<line>`; a line over the record limit
    /// becomes a "text too long" row and the lines after it are unaffected.
    #[test]
    fn text_lines_are_read_back_whatever_the_line_ends_and_transport(
        lines in prop::collection::vec(line_text(), 0..12),
        ends in prop::sample::select(&["\n", "\r\n", "\r"][..]),
        t in transport(),
        limit in record_limit(),
    ) {
        let mut lines = lines;
        if let Some(first) = lines.first_mut() {
            *first = first.trim_start_matches('\u{feff}').to_string();
        }
        let text: String = lines.iter().map(|l| format!("{l}{ends}")).collect();
        let (bytes, gz) = store(&text, t);
        let opts = opts_with(limit);
        let got = ingest(&format!("t.txt{gz}"), &bytes, &opts).unwrap();
        prop_assert_eq!(got.records.len(), lines.len());
        prop_assert_eq!(got.damage, 0);
        for (i, (rec, line)) in got.records.iter().zip(&lines).enumerate() {
            prop_assert_eq!(&rec.id, &format!("{}:{}", got.path, i + 1));
            // Under CRLF the CR is part of the line as it is read (and trimmed after the cut check).
            let read_len = line.len() + usize::from(ends == "\r\n");
            if read_len > opts.max_record_bytes {
                prop_assert!(rec.error.as_deref().is_some_and(|e| e.starts_with(&format!("text too long: line {}", i + 1))), "{:?}", rec);
            } else {
                prop_assert_eq!(&rec.body, &Body::Text(line.clone()));
                prop_assert_eq!(&rec.error, &None);
            }
        }
        analyses_stay_in_bounds(&got.records)?;
    }

    /// CSV written by an independent writer (the csv crate's) from known rows — quotes, commas, line breaks inside
    /// fields, blank lines between records, CRLF or LF — stored in every transport: one record per row, id and text
    /// as written, `<file>:<line>` ids on the record's first line; with a tiny record limit, exactly the rows longer
    /// than it are "text too long" and the rest still read right.
    #[test]
    fn csv_rows_round_trip(
        rows in prop::collection::vec(("[a-z0-9]{0,4}", no_nul(), text(), 0usize..3), 0..10),
        crlf in any::<bool>(),
        t in transport(),
        limit in record_limit(),
    ) {
        let term: &[u8] = if crlf { b"\r\n" } else { b"\n" };
        let mut file: Vec<u8> = [b"id,text,extra".as_slice(), term].concat();
        let mut expected = Vec::new(); // (first line, length without terminator)
        for (id, text, extra, blanks) in &rows {
            for _ in 0..*blanks {
                file.extend(term);
            }
            let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
            w.write_record([id.as_str(), text.as_str(), extra.as_str()]).unwrap();
            let mut rec = w.into_inner().unwrap();
            rec.pop(); // its '\n'
            if crlf {
                rec.push(b'\r');
            }
            let line = 1 + file.iter().filter(|&&b| b == b'\n').count();
            expected.push((line, rec.len()));
            file.extend(&rec);
            file.push(b'\n');
        }
        let text = String::from_utf8(file).unwrap();
        let (bytes, gz) = store(&text, t);
        let opts = opts_with(limit);
        let got = match ingest(&format!("c.csv{gz}"), &bytes, &opts) {
            Ok(got) => got,
            Err(e) => {
                // Only a header over the record limit can lose its text column.
                prop_assert!(limit.is_some_and(|l| l < 15) && e.contains("no text column"), "{}", e);
                return Ok(());
            }
        };
        prop_assert_eq!(got.records.len(), rows.len());
        prop_assert_eq!(got.damage, 0);
        if opts.max_record_bytes < "id,text,extra".len() {
            return Ok(()); // the header itself was cut: the columns are not the ones written
        }
        for (rec, ((id, text, _, _), (line, len))) in got.records.iter().zip(rows.iter().zip(&expected)) {
            if *len > opts.max_record_bytes {
                let want = format!("text too long: line {line} has {len} bytes");
                prop_assert!(rec.error.as_deref().is_some_and(|e| e.starts_with(&want)), "{:?} {}", rec, want);
                continue;
            }
            let want_id = if id.is_empty() { format!("{}:{line}", got.path) } else { id.clone() };
            prop_assert_eq!(&rec.id, &want_id);
            prop_assert_eq!(&rec.body, &Body::Text(text.clone()));
            prop_assert_eq!(&rec.error, &None);
        }
        analyses_stay_in_bounds(&got.records)?;
    }

    /// TSV (no quoting: a quote is data) from known rows: one record per row, fields as written.
    #[test]
    fn tsv_rows_round_trip(rows in prop::collection::vec(("[a-z0-9\"]{1,4}", line_text()), 0..10), t in transport()) {
        let rows: Vec<(String, String)> = rows.into_iter().map(|(i, x)| (i, x.replace('\t', " "))).collect();
        let mut text = "id\ttext\n".to_string();
        for (id, t) in &rows {
            text.push_str(&format!("{id}\t{t}\n"));
        }
        let (bytes, gz) = store(&text, t);
        let got = ingest(&format!("t.tsv{gz}"), &bytes, &IngestOptions::default()).unwrap();
        prop_assert_eq!(got.records.len(), rows.len());
        for (rec, (id, text)) in got.records.iter().zip(&rows) {
            prop_assert_eq!(&rec.id, id);
            prop_assert_eq!(&rec.body, &Body::Text(text.trim_end_matches('\r').to_string()));
        }
        analyses_stay_in_bounds(&got.records)?;
    }

    /// JSONL of objects of any shape, transcripts with arbitrary turns, garbage, blank and comment lines: one record
    /// per line that is not blank or a comment, ids `<file>:<line>` where the object has none.
    #[test]
    fn jsonl_lines_are_counted_and_analysed(lines in prop::collection::vec(jsonl_line(), 0..12), t in transport()) {
        let mut lines = lines;
        lines.insert(0, (r#"{"id":"first","text":"Dobrý den"}"#.to_string(), true)); // (no BOM-like start)
        let text: String = lines.iter().map(|(l, _)| format!("{l}\n")).collect();
        let (bytes, gz) = store(&text, t);
        let got = ingest(&format!("j.jsonl{gz}"), &bytes, &IngestOptions::default()).unwrap();
        let expected: Vec<usize> = lines.iter().enumerate().filter(|(_, (_, rec))| *rec).map(|(i, _)| i + 1).collect();
        prop_assert_eq!(got.records.len(), expected.len());
        for (rec, line) in got.records.iter().zip(&expected) {
            let own_id = serde_json::from_str::<Value>(&lines[line - 1].0)
                .ok()
                .and_then(|v| v.get("id").cloned())
                .is_some_and(|id| !id.is_null() && id != "");
            if !own_id {
                prop_assert_eq!(&rec.id, &format!("{}:{line}", got.path));
            }
        }
        analyses_stay_in_bounds(&got.records)?;
    }

    /// A JSON document: an array gives one record per item, an object one, a scalar one error row, whitespace
    /// none; the same document cut short anywhere gives at most one (error) record and never a panic.
    #[test]
    fn json_documents_give_one_record_per_item(
        items in prop::collection::vec(prop_oneof![json_value(), transcript()], 0..8),
        shape in 0u8..4,
        cut in any::<prop::sample::Index>(),
    ) {
        let (doc, expected) = match shape {
            0 => (Value::Array(items.clone()).to_string(), items.len()),
            1 => {
                let v = items.first().cloned().unwrap_or(Value::Null);
                let n = v.as_array().map_or(1, Vec::len);
                (v.to_string(), n)
            }
            2 => ("  \n".to_string(), 0),
            _ => (serde_json::to_string_pretty(&Value::Array(items.clone())).unwrap(), items.len()),
        };
        let got = ingest("d.json", doc.as_bytes(), &IngestOptions::default()).unwrap();
        prop_assert_eq!(got.records.len(), expected);
        analyses_stay_in_bounds(&got.records)?;
        let cut_doc = &doc.as_bytes()[..cut.index(doc.len() + 1)];
        let got = ingest("d.json", cut_doc, &IngestOptions::default()).unwrap();
        analyses_stay_in_bounds(&got.records)?;
    }

    /// Gzip cut short anywhere, or followed by garbage: no panic; the records read are the lines as written up to
    /// the damage, which is reported; garbage after a complete member keeps every line of it.
    #[test]
    fn damaged_gzip_keeps_what_was_read(
        lines in prop::collection::vec(line_text(), 1..40),
        cut in any::<prop::sample::Index>(),
        garbage in prop::collection::vec(any::<u8>(), 1..64),
    ) {
        let mut lines = lines;
        lines[0] = format!("a{}", lines[0]); // no BOM, and the first line is not empty
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        let gz = gzip(text.as_bytes());
        let at = cut.index(gz.len());
        let got = ingest("g.txt.gz", &gz[..at], &IngestOptions::default()).unwrap();
        prop_assert!(got.records.len() <= lines.len());
        if at >= 2 {
            // (Fewer than two bytes are not gzip magic: the file is read as text.)
            prop_assert!(got.damage == 1, "a gzip cut at {} of {} is damage", at, gz.len());
        }
        let whole = got.records.len().saturating_sub(1);
        for (rec, line) in got.records[..whole].iter().zip(&lines) {
            prop_assert_eq!(&rec.body, &Body::Text(line.clone()));
        }
        analyses_stay_in_bounds(&got.records)?;
        let got = ingest("g.txt.gz", &[gz.clone(), garbage].concat(), &IngestOptions::default()).unwrap();
        prop_assert_eq!(got.records.len(), lines.len());
        prop_assert!(got.damage <= 1);
    }

    /// Valid CSV, TSV, JSONL and JSON with a few bytes flipped, inserted (quotes, delimiters, line ends, NUL, a
    /// BOM, a gzip magic) or deleted: no panic, a plan error names the file, and every record analyses in bounds.
    #[test]
    fn mutated_files_never_panic(
        rows in prop::collection::vec(("[a-z0-9]{0,4}", no_nul()), 1..8),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..4, any::<u8>()), 1..8),
        ext in prop::sample::select(&["csv", "tsv", "jsonl", "json", "txt"][..]),
        limit in record_limit(),
    ) {
        let text = match ext {
            "csv" | "tsv" => {
                let d = if ext == "csv" { b',' } else { b'\t' };
                let mut w = csv::WriterBuilder::new().delimiter(d).from_writer(Vec::new());
                w.write_record(["id", "text"]).unwrap();
                for (id, t) in &rows {
                    w.write_record([id, t]).unwrap();
                }
                w.into_inner().unwrap()
            }
            "jsonl" => rows.iter().map(|(id, t)| format!("{}\n", serde_json::json!({ "id": id, "text": t }))).collect::<String>().into_bytes(),
            "json" => Value::Array(rows.iter().map(|(id, t)| serde_json::json!({ "id": id, "text": t })).collect()).to_string().into_bytes(),
            _ => rows.iter().map(|(_, t)| format!("{t}\n")).collect::<String>().into_bytes(),
        };
        let mut bytes = text;
        for (at, op, b) in edits {
            let i = at.index(bytes.len() + 1);
            match op {
                0 if i < bytes.len() => bytes[i] = b,
                1 => {
                    let special: &[u8] = match b % 8 {
                        0 => b"\"",
                        1 => b",",
                        2 => b"\n",
                        3 => b"\r",
                        4 => b"\0",
                        5 => b"\xEF\xBB\xBF",
                        6 => b"\x1F\x8B",
                        _ => b"\t",
                    };
                    bytes.splice(i..i, special.iter().copied());
                }
                2 if i < bytes.len() => {
                    bytes.remove(i);
                }
                _ => bytes.insert(i.min(bytes.len()), b),
            }
        }
        let name = format!("m.{ext}");
        match ingest(&name, &bytes, &opts_with(limit)) {
            Ok(got) => analyses_stay_in_bounds(&got.records)?,
            Err(e) => prop_assert!(e.contains(&name), "{}", e),
        }
    }

    /// Czech, Polish and Slovak text as a Windows-1250 export: read as written in auto mode and with
    /// `--encoding windows-1250`, with no error, one record per line, in CSV and text; ISO-8859-2 with
    /// `--encoding iso-8859-2`.
    #[test]
    fn legacy_encodings_are_read_as_written(lines in prop::collection::vec(cp1250_text(), 1..10)) {
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        let csv_text: String = std::iter::once("text\n".to_string())
            .chain(lines.iter().map(|l| format!("\"{}\"\n", l.replace('"', "\"\""))))
            .collect();
        for (encoding, enc) in [
            (TextEncoding::Auto, encoding_rs::WINDOWS_1250),
            (TextEncoding::Windows1250, encoding_rs::WINDOWS_1250),
            (TextEncoding::Iso8859_2, encoding_rs::ISO_8859_2),
        ] {
            let opts = IngestOptions { encoding, ..IngestOptions::default() };
            for (name, content) in [("w.txt", &text), ("w.csv", &csv_text)] {
                let (bytes, _, unmappable) = enc.encode(content);
                if unmappable {
                    continue; // („“ € are not in ISO-8859-2)
                }
                let got = ingest(name, &bytes, &opts).unwrap();
                prop_assert_eq!(got.records.len(), lines.len());
                for (rec, line) in got.records.iter().zip(&lines) {
                    prop_assert_eq!(&rec.body, &Body::Text(line.clone()), "{:?} {}", encoding, name);
                    prop_assert_eq!(&rec.error, &None);
                }
            }
        }
    }
}
