//! The bad-input matrix, end to end: the real `hlas analyze` binary on each kind of broken, odd or hostile input,
//! each with its documented result (README "Input formats"): exit code, rows written, which rows carry `error` and
//! what it says, and what stderr says. Every case also checks that nothing is lost: the summary's records read
//! equal the rows written and the rows in the file.
//!
//! Inputs are generated into a temporary directory (the big ones streamed, never built in memory); small
//! representative ones are committed under testdata/bad/. Also here: an interrupted run leaves no output file,
//! and the exit codes.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use arrow::array::{Array, AsArray};
use arrow::ipc::reader::FileReader;

mod common;
use common::testdata;

/// One output row, as far as these tests look.
#[derive(Debug, Clone)]
struct Row {
    id: String,
    text: String,
    error: Option<String>,
}

/// What a run gave: exit code, stderr, rows (empty when no output file was written), and whether one was.
struct Run {
    code: Option<i32>,
    stderr: String,
    rows: Vec<Row>,
    written: bool,
    elapsed: Duration,
}

fn read_rows(path: &Path) -> Vec<Row> {
    let reader = FileReader::try_new(std::fs::File::open(path).unwrap(), None).unwrap();
    let mut rows = Vec::new();
    for batch in reader {
        let b = batch.unwrap();
        let col = |name: &str| b.column_by_name(name).unwrap().clone();
        let (id, text, error) = (col("id"), col("text"), col("error"));
        let (id, text, error) = (id.as_string::<i32>(), text.as_string::<i32>(), error.as_string::<i32>());
        for i in 0..b.num_rows() {
            rows.push(Row {
                id: id.value(i).to_string(),
                text: text.value(i).to_string(),
                error: (!error.is_null(i)).then(|| error.value(i).to_string()),
            });
        }
    }
    rows
}

/// Runs `hlas analyze INPUT -o OUT.arrow --no-progress ARGS` and reads the output back.
fn analyze(input: &Path, args: &[&str]) -> Run {
    analyze_all(&[input], args)
}

/// Runs `hlas analyze INPUTS... -o OUT.arrow --no-progress ARGS` and reads the output back.
fn analyze_all(inputs: &[&Path], args: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.arrow");
    let started = Instant::now();
    let o: Output = Command::new(env!("CARGO_BIN_EXE_hlas"))
        .arg("analyze")
        .args(inputs)
        .args(["-o", out.to_str().unwrap(), "--no-progress"])
        .args(args)
        .output()
        .expect("hlas runs");
    let elapsed = started.elapsed();
    let written = out.exists();
    let rows = if written { read_rows(&out) } else { Vec::new() };
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().map(|e| e.file_name()).collect();
    assert!(leftovers.len() <= 1, "only the output, no partial file: {leftovers:?}");
    Run { code: o.status.code(), stderr: String::from_utf8_lossy(&o.stderr).into_owned(), rows, written, elapsed }
}

/// A deterministic stream of bytes (xorshift), for "binary garbage".
fn garbage(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed;
    let mut out: Vec<u8> = (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    out[0] = 0x80; // not a byte order mark, not gzip magic
    out
}

fn cp1250(s: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1250.encode(s);
    assert!(!unmappable);
    bytes.into_owned()
}

fn utf16(s: &str, little_endian: bool, bom: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if bom {
        out.extend(if little_endian { [0xFF, 0xFE] } else { [0xFE, 0xFF] });
    }
    for u in s.encode_utf16() {
        out.extend(if little_endian { u.to_le_bytes() } else { u.to_be_bytes() });
    }
    out
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

/// Lines of a file as `hlas` counts text records: split at `\n`, a last line without `\n` counted.
fn line_count(bytes: &[u8]) -> usize {
    if bytes.is_empty() {
        return 0;
    }
    bytes.strip_suffix(b"\n").unwrap_or(bytes).split(|&b| b == b'\n').count()
}

/// What a case must give.
#[derive(Clone, Default)]
struct Expect {
    code: i32,
    /// Rows written; `None` when no output file may be written (exit 1).
    rows: Option<usize>,
    /// (row id, fragment of its error): rows that must carry an error; every other row must carry none, unless
    /// `other_errors` is set.
    errors: Vec<(String, &'static str)>,
    /// Rows not named in `errors` may carry errors too (garbage).
    other_errors: bool,
    /// (row id, its text): rows whose text must read exactly so.
    texts: Vec<(String, String)>,
    /// Fragments stderr must contain.
    stderr: Vec<String>,
}

/// A case of the matrix.
struct Case {
    what: &'static str,
    /// The input: a committed file, or a generated one (file name, bytes).
    input: Input,
    args: Vec<&'static str>,
    expect: Expect,
}

enum Input {
    Committed(&'static str),
    Generated(&'static str, Vec<u8>),
}

fn s(x: &str) -> String {
    x.to_string()
}

/// Checks one case against its run: `rows` are the rows of its input (a run may have read several inputs).
fn check(case: &Case, path: &Path, run: &Run, rows: &[Row]) {
    let what = case.what;
    let e = &case.expect;
    let name = path.display().to_string();
    assert_eq!(run.code, Some(e.code), "{what}: exit code; stderr:\n{}", run.stderr);
    for frag in &e.stderr {
        let frag = frag.replace("{file}", &name);
        assert!(run.stderr.contains(&frag), "{what}: stderr lacks {frag:?}:\n{}", run.stderr);
    }
    let Some(n) = e.rows else {
        assert!(!run.written, "{what}: nothing may be written");
        assert!(run.stderr.contains(&name), "{what}: the error names the file:\n{}", run.stderr);
        return;
    };
    assert!(run.written, "{what}: an output file");
    assert_eq!(rows.len(), n, "{what}: rows {rows:?}");
    let find = |id: &str| {
        let id = id.replace("{file}", &name);
        rows.iter().find(|r| r.id == id).unwrap_or_else(|| panic!("{what}: no row {id}: {rows:?}")).clone()
    };
    for (id, frag) in &e.errors {
        let row = find(id);
        let err = row.error.as_deref().unwrap_or_else(|| panic!("{what}: row {id} has no error: {row:?}"));
        assert!(err.contains(frag), "{what}: row {id}: {err:?} lacks {frag:?}");
    }
    if !e.other_errors {
        for r in rows {
            let named = e.errors.iter().any(|(id, _)| id.replace("{file}", &name) == r.id);
            assert!(named || r.error.is_none(), "{what}: unexpected error in {r:?}");
        }
    }
    for (id, text) in &e.texts {
        assert_eq!(&find(id).text, text, "{what}: row {id}");
    }
}

/// Nothing lost: the summary's counts reconcile with the rows in the file.
fn check_summary(what: &str, run: &Run) {
    let n = run.rows.len();
    let errors = run.rows.iter().filter(|r| r.error.is_some()).count();
    let summary = format!("read {n} records, wrote {n} rows: {} ok, {errors} with error", n - errors);
    assert!(run.stderr.contains(&summary), "{what}: summary {summary:?}:\n{}", run.stderr);
}

/// The small cases: committed files and generated ones, each with its documented result.
fn cases() -> Vec<Case> {
    let ok = |rows: usize| Expect { code: 0, rows: Some(rows), ..Expect::default() };
    let mut cases = Vec::new();
    let mut add = |what, input, args: Vec<&'static str>, expect| cases.push(Case { what, input, args, expect });

    // Binary garbage: text and JSONL give one error row per line; as CSV its "header" has no text column.
    let junk = garbage(6000, 0x9E37_79B9_7F4A_7C15);
    let junk_lines = line_count(&junk);
    let junk_records = junk
        .strip_suffix(b"\n")
        .unwrap_or(&junk)
        .split(|&b| b == b'\n')
        .filter(|l| {
            let start = l.iter().position(|b| !b.is_ascii_whitespace()).map_or(&[][..], |p| &l[p..]);
            !(start.is_empty() || start.starts_with(b"#") || start.starts_with(b"//"))
        })
        .count();
    add(
        "binary garbage as text",
        Input::Generated("junk.txt", junk.clone()),
        vec![],
        Expect { other_errors: true, stderr: vec![s("read ")], ..ok(junk_lines) },
    );
    add(
        "binary garbage as JSONL",
        Input::Generated("junk.jsonl", junk.clone()),
        vec![],
        Expect { other_errors: true, ..ok(junk_records) },
    );
    add(
        "binary garbage as CSV",
        Input::Generated("junk.csv", junk),
        vec![],
        Expect {
            code: 1,
            rows: None,
            stderr: vec![s("{file}:1: no text column 'text' (columns: ")],
            ..Expect::default()
        },
    );
    // NUL inside text: read, and shown as a space (a control character); inside a JSON string it is invalid JSON.
    add(
        "NUL inside a text line",
        Input::Committed("bad/nul.txt"),
        vec![],
        Expect { texts: vec![(s("{file}:1"), s("Čekal jsem  40 minut."))], ..ok(2) },
    );
    add(
        "NUL inside a JSONL string",
        Input::Generated(
            "nul.jsonl",
            b"{\"id\":\"n1\",\"text\":\"a\x00b\"}\n{\"id\":\"n2\",\"text\":\"a\\u0000b\"}\n".to_vec(),
        ),
        vec![],
        Expect { errors: vec![(s("{file}:1"), "line 1: invalid JSON: control character")], ..ok(2) },
    );
    // Byte order marks.
    add("UTF-8 BOM + CRLF, CSV", Input::Committed("bad/bom_crlf.csv"), vec![], Expect { texts: vec![], ..ok(3) });
    add(
        "UTF-8 BOM, TSV",
        Input::Generated("bom.tsv", b"\xEF\xBB\xBFid\ttext\nbt-1\tDobr\xC3\xBD den\n".to_vec()),
        vec![],
        Expect { texts: vec![(s("bt-1"), s("Dobrý den"))], ..ok(1) },
    );
    add(
        "UTF-8 BOM, JSONL",
        Input::Committed("bad/bom.jsonl"),
        vec![],
        Expect { texts: vec![(s("bj-1"), s("Dobrý den, děkuji."))], ..ok(2) },
    );
    // UTF-16: decoded (by its BOM, or by its zero bytes without one), noted on stderr.
    add(
        "UTF-16LE with BOM, TSV (Excel \"Unicode text\")",
        Input::Committed("bad/utf16le.tsv"),
        vec![],
        Expect {
            texts: vec![(s("u16-cs"), s("Reklamace pořád není vyřízená."))],
            stderr: vec![s("note: {file}: read as UTF-16LE (it starts with a byte order mark)")],
            ..ok(3)
        },
    );
    add(
        "UTF-16BE with BOM, JSONL",
        Input::Generated("be.jsonl", utf16("{\"id\":\"be-1\",\"text\":\"Zażółć gęślą jaźń\"}\n", false, true)),
        vec![],
        Expect {
            texts: vec![(s("be-1"), s("Zażółć gęślą jaźń"))], stderr: vec![s("read as UTF-16BE")], ..ok(1)
        },
    );
    add(
        "UTF-16LE without BOM, CSV",
        Input::Generated("nobom.csv", utf16("id,text\nnb-1,Čekal jsem 40 minut\n", true, false)),
        vec![],
        Expect {
            texts: vec![(s("nb-1"), s("Čekal jsem 40 minut"))],
            stderr: vec![s("UTF-16LE (no byte order mark")],
            ..ok(1)
        },
    );
    // Line ends.
    add(
        "CR line ends (old Mac), text",
        Input::Committed("bad/cr_lines.txt"),
        vec![],
        Expect {
            texts: vec![(s("{file}:2"), s("Nikdo mi nezavolal zpět."))],
            stderr: vec![s("its lines end in CR alone")],
            ..ok(3)
        },
    );
    add(
        "CR line ends, CSV with a quoted line break",
        Input::Generated("cr.csv", b"id,text\rc1,\"one\rtwo\"\rc2,three\r".to_vec()),
        vec![],
        Expect { texts: vec![(s("c1"), s("one\ntwo")), (s("c2"), s("three"))], ..ok(2) },
    );
    add(
        "CRLF, JSONL with a blank CRLF line",
        Input::Generated(
            "crlf.jsonl",
            b"{\"id\":\"j1\",\"text\":\"ok\"}\r\n\r\n{\"id\":\"j2\",\"text\":\"fine\"}\r\n".to_vec(),
        ),
        vec![],
        Expect { texts: vec![(s("j2"), s("fine"))], ..ok(2) },
    );
    add(
        "CRLF CSV with a blank CRLF line",
        Input::Generated("crlf.csv", b"id,text\r\nk1,a\r\n\r\nk2,b\r\n".to_vec()),
        vec![],
        Expect { texts: vec![(s("k2"), s("b"))], ..ok(2) },
    );
    // Windows-1250 exports: read as such by default, and noted; errors with --encoding utf-8.
    add(
        "Windows-1250 CSV (Excel export), auto",
        Input::Committed("bad/windows1250.csv"),
        vec![],
        Expect {
            texts: vec![
                (s("w1-cs"), s("Čekal jsem 40 minut, žádná odpověď.")),
                (s("w1-pl"), s("Zażółć gęślą jaźń – obsługa była okropna.")),
            ],
            stderr: vec![s(
                "note: {file}: 3 value(s) were not UTF-8 and were read as Windows-1250 (the first on line 2)",
            )],
            ..ok(3)
        },
    );
    add(
        "Windows-1250 CSV, --encoding utf-8",
        Input::Committed("bad/windows1250.csv"),
        vec!["--encoding", "utf-8"],
        Expect {
            errors: vec![
                (s("w1-cs"), "line 2: invalid UTF-8 in column 'text' at byte 0"),
                (s("w1-pl"), "line 3: invalid UTF-8"),
                (s("w1-sk"), "line 4: invalid UTF-8"),
            ],
            ..ok(3)
        },
    );
    add(
        "Windows-1250 CSV, --encoding windows-1250",
        Input::Committed("bad/windows1250.csv"),
        vec!["--encoding", "windows-1250"],
        Expect { texts: vec![(s("w1-sk"), s("Ďakujem, ale ľúto mi je, že to trvalo tak dlho."))], ..ok(3) },
    );
    let mut mixed = b"UTF-8: \xC4\x8Cekal jsem 40 minut\n".to_vec();
    mixed.extend(cp1250("Windows-1250: Zażółć gęślą jaźń\n"));
    mixed.extend(b"damaged UTF-8: P\xC5\x99\xC3\xADli\xC5\xA1 \xFF \xC5\xBElu\xC5\xA5ou\xC4\x8Dk\xC3\xBD\n");
    add(
        "mixed encodings, line by line",
        Input::Generated("mixed.txt", mixed),
        vec![],
        Expect {
            texts: vec![
                (s("{file}:1"), s("UTF-8: Čekal jsem 40 minut")),
                (s("{file}:2"), s("Windows-1250: Zażółć gęślą jaźń")),
            ],
            errors: vec![(s("{file}:3"), "line 3: invalid UTF-8 in text at byte 25")],
            ..ok(3)
        },
    );
    add(
        "ISO-8859-2 text, --encoding iso-8859-2",
        Input::Generated(
            "latin2.txt",
            encoding_rs::ISO_8859_2.encode("Příliš žluťoučký kůň, świetna obsługa\n").0.into_owned(),
        ),
        vec!["--encoding", "iso-8859-2"],
        Expect { texts: vec![(s("{file}:1"), s("Příliš žluťoučký kůň, świetna obsługa"))], ..ok(1) },
    );
    // Deep nesting: serde_json's recursion limit gives an error row, never a stack overflow.
    let mut deep = "[".repeat(100_000);
    deep.push_str(&"]".repeat(100_000));
    add(
        "100,000 nested arrays in a JSONL line",
        Input::Generated("deep.jsonl", format!("{{\"id\":\"ok\",\"text\":\"fine\"}}\n{deep}\n").into_bytes()),
        vec![],
        Expect { errors: vec![(s("{file}:2"), "line 2: invalid JSON: recursion limit exceeded")], ..ok(2) },
    );
    add(
        "100,000 nested arrays as a JSON document",
        Input::Generated("deep.json", deep.into_bytes()),
        vec![],
        Expect { errors: vec![(s("{file}:1"), "invalid JSON: recursion limit exceeded")], ..ok(1) },
    );
    // Columns.
    add(
        "text column missing",
        Input::Committed("bad/missing_text_col.csv"),
        vec![],
        Expect {
            code: 1,
            rows: None,
            stderr: vec![s("{file}:1: no text column 'text' (columns: id, date, comment); choose one with --text-col")],
            ..Expect::default()
        },
    );
    add(
        "id column missing",
        Input::Generated("noid.csv", b"channel,text\nchat,Dobr\xC3\xBD den\nmail,Hello\n".to_vec()),
        vec![],
        Expect { texts: vec![(s("{file}:2"), s("Dobrý den")), (s("{file}:3"), s("Hello"))], ..ok(2) },
    );
    add(
        "duplicate ids",
        Input::Generated("dup.csv", b"id,text\nd1,first\nd1,second\n".to_vec()),
        vec![],
        Expect { ..ok(2) },
    );
    // Empty inputs.
    for (what, name) in [
        ("empty CSV", "e.csv"),
        ("empty JSONL", "e.jsonl"),
        ("empty text", "e.txt"),
        ("empty JSON", "e.json"),
        ("empty gzip member", "e.txt.gz"),
    ] {
        let bytes = if name.ends_with(".gz") { gzip(b"") } else { Vec::new() };
        add(what, Input::Generated(name, bytes), vec![], ok(0));
    }
    add("header only", Input::Committed("bad/header_only.csv"), vec![], ok(0));
    // CSV damage.
    add(
        "ragged rows",
        Input::Committed("bad/ragged.csv"),
        vec![],
        Expect {
            errors: vec![(s("rg-3"), "2 fields, the header has 3"), (s("rg-4"), "4 fields, the header has 3")],
            ..ok(5)
        },
    );
    add(
        "unterminated quote",
        Input::Committed("bad/unterminated_quote.csv"),
        vec![],
        Expect {
            errors: vec![(s("uq-2"), "line 3: unterminated quote: the quoted field opened on line 3 runs to the end")],
            texts: vec![(s("uq-2"), s("Čekám na vrácení peněz\nuq-3,a nikdo se neozval.\n"))],
            ..ok(2)
        },
    );
    // JSON shapes.
    add(
        "JSON top-level scalar",
        Input::Committed("bad/scalar.json"),
        vec![],
        Expect { errors: vec![(s("{file}:1"), "item 1: not a JSON object")], ..ok(1) },
    );
    add(
        "JSONL with comments and blank lines",
        Input::Committed("bad/comments.jsonl"),
        vec![],
        Expect { texts: vec![(s("cm-3"), s("Nic moc."))], ..ok(3) },
    );
    add(
        "malformed JSONL line",
        Input::Committed("bad/malformed.jsonl"),
        vec![],
        Expect { errors: vec![(s("{file}:3"), "line 3: invalid JSON: EOF while parsing")], ..ok(4) },
    );
    // Gzip damage.
    let mut tail = gzip("Dobrý den\nDěkuji\n".as_bytes());
    tail.extend(b"garbage after the member");
    add(
        "garbage after a gzip member",
        Input::Generated("tail.txt.gz", tail),
        vec![],
        Expect { code: 3, stderr: vec![s("hlas: input damaged: {file}:2: read error after line 2")], ..ok(2) },
    );
    add(
        "truncated gzip",
        Input::Committed("bad/truncated.csv.gz"),
        vec![],
        Expect { code: 3, stderr: vec![s("hlas: input damaged: {file}:")], ..ok(100) },
    );
    cases
}

#[test]
fn the_bad_input_matrix() {
    let dir = tempfile::tempdir().unwrap();
    let cases = cases();
    let paths: Vec<PathBuf> = cases
        .iter()
        .map(|c| match &c.input {
            Input::Committed(name) => testdata(name),
            Input::Generated(name, bytes) => {
                let p = dir.path().join(name);
                std::fs::write(&p, bytes).unwrap();
                p
            }
        })
        .collect();
    // Most of a debug run's time is loading the lexicons, so the cases that succeed run together, one run per set
    // of options: rows come out in input order, so each case's rows are the next `rows` of them. Cases that stop
    // or damage the run go alone.
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let joins = |g: &Vec<usize>| {
            let first = &cases[g[0]];
            c.expect.code == 0 && first.expect.code == 0 && first.args == c.args
        };
        match groups.iter_mut().find(|g| joins(g)) {
            Some(g) => g.push(i),
            None => groups.push(vec![i]),
        }
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                loop {
                    let g = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(members) = groups.get(g) else { break };
                    let first = &cases[members[0]];
                    let inputs: Vec<&Path> = members.iter().map(|&i| paths[i].as_path()).collect();
                    let run = analyze_all(&inputs, &first.args);
                    if run.written {
                        check_summary(first.what, &run);
                    }
                    let mut at = 0;
                    for &i in members {
                        let n = cases[i].expect.rows.unwrap_or(0);
                        let rows = run.rows.get(at..at + n).unwrap_or(&run.rows[at.min(run.rows.len())..]);
                        check(&cases[i], &paths[i], &run, rows);
                        at += n;
                    }
                    assert_eq!(at, run.rows.len(), "{}: every row belongs to a case", first.what);
                }
            });
        }
    });
}

/// Missing, a directory, unreadable: exit 1 before anything is written, the message naming the input.
#[test]
fn inputs_that_cannot_be_read_stop_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.txt");
    let run = analyze(&missing, &[]);
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains(&format!("{}: cannot open: No such file", missing.display())), "{}", run.stderr);
    assert!(!run.written);
    let sub = dir.path().join("exports");
    std::fs::create_dir(&sub).unwrap();
    let run = analyze(&sub, &[]);
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("cannot open: it is a directory: give the files in it"), "{}", run.stderr);
    let locked = dir.path().join("locked.csv");
    std::fs::write(&locked, "id,text\n1,x\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::File::open(&locked).is_ok() {
        eprintln!("running as root: permissions are not enforced, the unreadable-file case is skipped");
        return;
    }
    let run = analyze(&locked, &[]);
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("locked.csv: cannot open: Permission denied"), "{}", run.stderr);
}

/// Streams `n` bytes of `unit` repeated into `out` (1 MiB at a time: the test never holds the whole line).
fn stream_repeat(out: &mut impl Write, unit: &[u8], n: usize) {
    let chunk: Vec<u8> = unit.iter().copied().cycle().take(1 << 20).collect();
    let mut left = n;
    while left > 0 {
        let k = left.min(chunk.len());
        out.write_all(&chunk[..k]).unwrap();
        left -= k;
    }
}

/// A 100 MB line in CSV and JSONL: a row with "text too long" naming the line and its length, only its start
/// kept (the reader holds at most 2 × --max-text-bytes + 64 KiB of it), and the rows after it read normally.
#[test]
fn a_100_mb_line_is_cut_while_it_streams() {
    const BIG: usize = 100 * 1024 * 1024;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("big.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&csv).unwrap());
    f.write_all("id,text,channel\nsmall,Skvělá obsluha,web\nbig,\"".as_bytes()).unwrap();
    // A quoted field of many lines with doubled quotes: 32 bytes a unit, so the doubled quotes are never split.
    let unit = "čekání, \"\"hrozné\"\" 40 min!!\n".as_bytes();
    assert_eq!(BIG % unit.len(), 0);
    stream_repeat(&mut f, unit, BIG);
    f.write_all(b"\",phone\nafter,Nic moc,web\n").unwrap();
    drop(f);
    let run = analyze(&csv, &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.rows.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["small", "big", "after"]);
    let big = &run.rows[1];
    let want = format!("text too long: line 3 has {} bytes, over the reading limit of 2162688", BIG + 12);
    assert!(big.error.as_deref().is_some_and(|e| e.starts_with(&want)), "{:?} vs {want}", big.error);
    assert!(big.text.len() <= 2_162_688 && big.text.starts_with("čekání, \"hrozné\" 40 min!!\nčekání"));
    assert_eq!(run.rows[2].error, None);
    assert_eq!(run.rows[2].text, "Nic moc");

    let jsonl = dir.path().join("big.jsonl");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&jsonl).unwrap());
    f.write_all(b"{\"id\":\"small\",\"text\":\"ok\"}\n{\"id\":\"big\",\"text\":\"").unwrap();
    stream_repeat(&mut f, "żółw ".as_bytes(), BIG);
    f.write_all(b"\"}\n{\"id\":\"after\",\"text\":\"fine\"}\n").unwrap();
    drop(f);
    let run = analyze(&jsonl, &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.rows.len(), 3);
    let big = &run.rows[1];
    assert_eq!(big.id, format!("{}:2", jsonl.display()));
    assert!(big.error.as_deref().unwrap().starts_with(&format!("text too long: line 2 has {} bytes", BIG + 22)));
    assert_eq!((run.rows[2].id.as_str(), run.rows[2].error.as_deref()), ("after", None));
}

/// A gzip bomb: 10 MB that would expand to 10 GiB of zeros is stopped after 64 MiB with a message naming the file
/// (exit 3, the rows before it kept), in seconds; a genuine gzip passes.
#[test]
fn a_gzip_bomb_is_stopped_quickly() {
    let dir = tempfile::tempdir().unwrap();
    // One member of 8 MiB of zeros (about 8 KB), written 1280 times: gzip members concatenate.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    stream_repeat(&mut gz, &[0], 8 << 20);
    let member = gz.finish().unwrap();
    let bomb = dir.path().join("bomb.txt.gz");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&bomb).unwrap());
    for _ in 0..1280 {
        f.write_all(&member).unwrap();
    }
    drop(f);
    let run = analyze(&bomb, &[]);
    assert_eq!(run.code, Some(3), "{}", run.stderr);
    let want = format!("input damaged: {}:1: read error in line 1: gzip expands more than 100×", bomb.display());
    assert!(run.stderr.contains(&want) && run.stderr.contains("--max-gzip-ratio"), "{}", run.stderr);
    assert_eq!(run.rows.len(), 1, "the line read before the stop, as an incomplete row");
    assert!(run.rows[0].error.as_deref().unwrap().contains("incomplete: the input broke off here"));
    assert!(run.elapsed < Duration::from_secs(60), "stopped quickly: {:?}", run.elapsed);
    // Ordinary text compresses far less: it passes.
    let lines: String = (0..5_000).map(|i| format!("{i},řádek číslo {i} s textem {}\n", i * 7919 % 1000)).collect();
    let fine = dir.path().join("fine.csv.gz");
    std::fs::write(&fine, gzip(format!("id,text\n{lines}").as_bytes())).unwrap();
    let run = analyze(&fine, &["--threads", "2"]);
    assert_eq!((run.code, run.rows.len()), (Some(0), 5_000), "{}", run.stderr);
}

/// A run killed mid-way (SIGKILL: no destructor runs) leaves no file at the output path, only its
/// `.out.arrow.partial-PID`; the next run to that path removes the stale partial and writes the output.
#[test]
fn a_killed_run_leaves_no_output_and_the_next_run_cleans_up() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("many.txt");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&input).unwrap());
    for i in 0..400_000 {
        writeln!(f, "Záznam {i}: čekal jsem {} minut a nikdo mi nepomohl, hrozné.", i % 90).unwrap();
    }
    drop(f);
    let out = dir.path().join("out.arrow");
    let mut child = Command::new(env!("CARGO_BIN_EXE_hlas"))
        .args(["analyze", input.to_str().unwrap(), "-o", out.to_str().unwrap(), "--no-progress", "--batch-size", "256"])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let partial = dir.path().join(format!(".out.arrow.partial-{}", child.id()));
    let started = Instant::now();
    // Wait until rows are being written (the partial grows past its header), then kill.
    while std::fs::metadata(&partial).map_or(0, |m| m.len()) < 64 * 1024 {
        assert!(started.elapsed() < Duration::from_secs(120), "the run never got going");
        assert!(child.try_wait().unwrap().is_none(), "the run ended before it could be interrupted");
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert_eq!(status.code(), None, "killed by a signal");
    assert!(!out.exists(), "no output file after an interrupted run");
    assert!(partial.exists(), "the partial of a killed run stays until the next run (documented)");
    // The next run writes the output and removes the stale partial.
    let small = dir.path().join("small.txt");
    std::fs::write(&small, "Děkuji za pomoc.\n").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_hlas"))
        .args(["analyze", small.to_str().unwrap(), "-o", out.to_str().unwrap(), "--no-progress"])
        .output()
        .unwrap();
    assert!(o.status.success());
    assert_eq!(read_rows(&out).len(), 1);
    assert!(!partial.exists(), "the stale partial was removed");
}

/// Exit codes as README documents them: 0 done, 1 stopped (nothing written), 2 bad command line, 3 written but an
/// input broke off.
#[test]
fn exit_codes_are_as_documented() {
    let feedback = testdata("feedback.csv");
    assert_eq!(analyze(&feedback, &[]).code, Some(0));
    assert_eq!(analyze(&testdata("bad/ragged.csv"), &[]).code, Some(0), "error rows are still success");
    let stopped = analyze(&testdata("bad/missing_text_col.csv"), &[]);
    assert_eq!((stopped.code, stopped.written), (Some(1), false));
    let bad_flag = analyze(&feedback, &["--encoding", "klingon"]);
    assert_eq!((bad_flag.code, bad_flag.written), (Some(2), false));
    assert!(bad_flag.stderr.contains("invalid value 'klingon'"), "{}", bad_flag.stderr);
    let damaged = analyze(&testdata("bad/truncated.csv.gz"), &[]);
    assert_eq!(damaged.code, Some(3));
    // The rows before the damage, all of them, in order.
    assert_eq!(damaged.rows.len(), 100);
    assert!(damaged.rows.iter().enumerate().all(|(i, r)| r.id == format!("tz-{}", i + 1)));
}
