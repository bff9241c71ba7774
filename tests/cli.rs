//! End-to-end tests: the real `hlas` binary on the bundled testdata, its Arrow output read back and checked
//! against the output contract.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{Float32Type, UInt32Type};
use arrow::ipc::reader::FileReader;

mod common;
use common::{hlas, string_at, testdata};

/// Runs `hlas analyze` on inputs into a fresh Arrow file and returns (output, the batches).
fn analyze(inputs: &[PathBuf], extra: &[&str]) -> (Output, Vec<RecordBatch>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.arrow");
    let mut args: Vec<String> = vec!["analyze".into()];
    args.extend(inputs.iter().map(|p| p.display().to_string()));
    args.extend(["-o".into(), out.display().to_string(), "--no-progress".into()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = hlas(&args);
    let batches = if out.exists() {
        FileReader::try_new(std::fs::File::open(&out).unwrap(), None).unwrap().map(|b| b.unwrap()).collect()
    } else {
        Vec::new()
    };
    (output, batches, dir)
}

/// An agent cue as read back: (cue, turn, start, end, text).
type AgentCue = (String, u32, u32, u32, String);

/// One output row, with the columns these tests look at.
#[derive(Debug, Clone)]
struct Row {
    id: String,
    text: String,
    lang: String,
    sentiment: f32,
    themes: Vec<String>,
    evidence: Vec<(String, String, u32, u32)>,
    flagged: bool,
    flag_reasons: Vec<String>,
    error: Option<String>,
    n_turns: Option<u32>,
    repeated: Option<u32>,
    start: Option<f32>,
    end: Option<f32>,
    /// (theme, sentiment, label, mentions)
    theme_sentiment: Vec<(String, f32, String, u32)>,
    /// (turn, the earlier turn it repeats); `None` for single texts.
    repeats: Option<Vec<(u32, u32)>>,
    /// (cue, turn, start, end, text); `None` for single texts.
    agent_cues: Option<Vec<AgentCue>>,
    meta: Vec<(String, Option<String>)>,
}

fn rows(batches: &[RecordBatch]) -> Vec<Row> {
    let mut out = Vec::new();
    for b in batches {
        let col = |name: &str| b.column_by_name(name).unwrap_or_else(|| panic!("column {name}")).clone();
        let meta_names: Vec<String> =
            b.schema().fields().iter().map(|f| f.name().clone()).skip(1).take_while(|n| n != "text").collect();
        for i in 0..b.num_rows() {
            let themes = col("themes");
            let themes = themes.as_list::<i32>().value(i);
            let evidence = col("evidence");
            let ev = evidence.as_list::<i32>().value(i);
            let ev = ev.as_struct();
            let evidence = (0..ev.len())
                .map(|k| {
                    (
                        ev.column(0).as_string::<i32>().value(k).to_string(),
                        ev.column(1).as_string::<i32>().value(k).to_string(),
                        ev.column(2).as_primitive::<UInt32Type>().value(k),
                        ev.column(3).as_primitive::<UInt32Type>().value(k),
                    )
                })
                .collect();
            let reasons = col("flag_reasons");
            let reasons = reasons.as_list::<i32>().value(i);
            let opt_u32 = |name: &str| {
                let c = col(name);
                let c = c.as_primitive::<UInt32Type>();
                (!c.is_null(i)).then(|| c.value(i))
            };
            let opt_f32 = |name: &str| {
                let c = col(name);
                let c = c.as_primitive::<Float32Type>();
                (!c.is_null(i)).then(|| c.value(i))
            };
            let ts = col("theme_sentiment");
            let ts = ts.as_list::<i32>().value(i);
            let ts = ts.as_struct();
            let theme_sentiment = (0..ts.len())
                .map(|k| {
                    (
                        ts.column(0).as_string::<i32>().value(k).to_string(),
                        ts.column(1).as_primitive::<Float32Type>().value(k),
                        ts.column(2).as_string::<i32>().value(k).to_string(),
                        ts.column(3).as_primitive::<UInt32Type>().value(k),
                    )
                })
                .collect();
            let rep = col("repeats");
            let rep = rep.as_list::<i32>();
            let repeats = (!rep.is_null(i)).then(|| {
                let r = rep.value(i);
                let r = r.as_struct();
                (0..r.len())
                    .map(|k| {
                        let at = |c: usize| r.column(c).as_primitive::<UInt32Type>().value(k);
                        (at(0), at(1))
                    })
                    .collect()
            });
            let cues = col("agent_cues");
            let cues = cues.as_list::<i32>();
            let agent_cues = (!cues.is_null(i)).then(|| {
                let c = cues.value(i);
                let c = c.as_struct();
                (0..c.len())
                    .map(|k| {
                        let at = |n: usize| c.column(n).as_primitive::<UInt32Type>().value(k);
                        let text = |n: usize| c.column(n).as_string::<i32>().value(k).to_string();
                        (text(0), at(1), at(2), at(3), text(4))
                    })
                    .collect()
            });
            out.push(Row {
                id: string_at(col("id").as_ref(), i).unwrap(),
                text: string_at(col("text").as_ref(), i).unwrap(),
                lang: string_at(col("lang").as_ref(), i).unwrap(),
                sentiment: col("sentiment").as_primitive::<Float32Type>().value(i),
                themes: (0..themes.len()).map(|k| themes.as_string::<i32>().value(k).to_string()).collect(),
                evidence,
                flagged: col("flagged").as_boolean().value(i),
                flag_reasons: (0..reasons.len()).map(|k| reasons.as_string::<i32>().value(k).to_string()).collect(),
                error: string_at(col("error").as_ref(), i),
                n_turns: opt_u32("n_turns"),
                repeated: opt_u32("repeated_requests"),
                start: opt_f32("customer_sentiment_start"),
                end: opt_f32("customer_sentiment_end"),
                theme_sentiment,
                repeats,
                agent_cues,
                meta: meta_names.iter().map(|n| (n.clone(), string_at(col(n).as_ref(), i))).collect(),
            });
        }
    }
    out
}

fn chars(text: &str, start: u32, end: u32) -> String {
    text.chars().skip(start as usize).take((end - start) as usize).collect()
}

fn by_id<'a>(rows: &'a [Row], id: &str) -> &'a Row {
    rows.iter().find(|r| r.id == id).unwrap_or_else(|| panic!("no row {id}"))
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn feedback_csv_keeps_columns_and_reads_all_four_languages() {
    let (out, batches, _dir) = analyze(&[testdata("feedback.csv")], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let schema = batches[0].schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(&names[..6], &["id", "date", "channel", "agent", "rating", "text"]);
    assert_eq!(schema.metadata()["hlas.schema_version"], "2");
    assert_eq!(schema.metadata()["hlas.version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(schema.metadata()["hlas.lexicon_hash"].len(), 16);
    let rows = rows(&batches);
    assert_eq!(rows.len(), 48);
    assert!(stderr(&out).contains("read 48 records, wrote 48 rows: 48 ok, 0 with error"), "{}", stderr(&out));
    let first = by_id(&rows, "fb-cs-wait");
    assert_eq!(first.meta[0], ("date".to_string(), Some("2026-10-01".to_string())));
    assert!(first.meta.iter().any(|(n, v)| n == "channel" && v.is_some()));
    for lang in ["cs", "pl", "sk", "en"] {
        for kind in ["wait", "neg", "pos", "repeat"] {
            let r = by_id(&rows, &format!("fb-{lang}-{kind}"));
            assert_eq!(r.lang, lang, "{}: {}", r.id, r.text);
        }
        let neg = by_id(&rows, &format!("fb-{lang}-neg"));
        assert!(neg.sentiment < -0.3, "{}: {} scored {}", neg.id, neg.text, neg.sentiment);
        assert!(neg.flagged, "{} is strongly negative", neg.id);
        assert!(neg.flag_reasons.contains(&"strongly_negative".to_string()), "{:?}", neg.flag_reasons);
        let pos = by_id(&rows, &format!("fb-{lang}-pos"));
        assert!(pos.sentiment > 0.3, "{}: {} scored {}", pos.id, pos.text, pos.sentiment);
        assert!(!pos.flagged);
        let rep = by_id(&rows, &format!("fb-{lang}-repeat"));
        assert!(rep.themes.contains(&"repeat_contact".to_string()), "{}: {:?}", rep.text, rep.themes);
    }
    for id in ["fb-cs-nodia-neg", "fb-sk-nodia-neg", "fb-pl-nodia-neg"] {
        let r = by_id(&rows, id);
        assert!(r.sentiment < -0.2, "{id}: {} scored {}", r.text, r.sentiment);
    }
    for id in ["fb-cs-nodia-pos", "fb-pl-nodia-pos"] {
        let r = by_id(&rows, id);
        assert!(r.sentiment > 0.2, "{id}: {} scored {}", r.text, r.sentiment);
    }
}

#[test]
fn waiting_forty_minutes_is_wait_time_with_the_right_span() {
    let (out, batches, _dir) = analyze(&[testdata("feedback.csv")], &[]);
    assert!(out.status.success());
    let rows = rows(&batches);
    for (id, phrase) in [
        ("fb-cs-wait", "čekal jsem 40 minut"),
        ("fb-pl-wait", "czekałem 40 minut"),
        ("fb-sk-wait", "čakal som 40 minút"),
        ("fb-en-wait", "I waited 40 minutes"),
    ] {
        let r = by_id(&rows, id);
        assert!(r.themes.contains(&"wait_time".to_string()), "{id}: {:?}", r.themes);
        let phrase_start = r.text[..r.text.find(phrase).unwrap()].chars().count() as u32;
        let phrase_end = phrase_start + phrase.chars().count() as u32;
        // The wait_time evidence inside the phrase: spans that hold the quantity (with the verb where matched).
        let inside: Vec<String> = r
            .evidence
            .iter()
            .filter(|e| e.0 == "theme" && e.1 == "wait_time" && e.2 >= phrase_start && e.3 <= phrase_end)
            .map(|e| chars(&r.text, e.2, e.3))
            .collect();
        let quantity = &phrase[phrase.find("40").unwrap()..];
        assert!(inside.iter().any(|s| s.contains(quantity)), "{id}: '{quantity}' must be evidence, got {inside:?}");
        assert!(inside.iter().all(|s| phrase.contains(s.as_str())), "{id}: {inside:?}");
    }
}

#[test]
fn every_evidence_span_slices_the_text_to_a_word() {
    let inputs: Vec<PathBuf> = ["feedback.csv", "reviews.jsonl", "transcripts.jsonl", "transcripts.json", "chats.csv"]
        .iter()
        .map(|f| testdata(f))
        .collect();
    let (out, batches, _dir) = analyze(&inputs, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    for r in rows(&batches) {
        let n = r.text.chars().count() as u32;
        for e in &r.evidence {
            assert!(e.2 < e.3 && e.3 <= n, "{}: {e:?}", r.id);
            let s = chars(&r.text, e.2, e.3);
            assert_eq!(s.trim(), s, "{}: span {e:?} has edge whitespace", r.id);
        }
    }
}

#[test]
fn all_input_formats_in_one_run() {
    let files = [
        ("feedback.csv", 48),
        ("feedback.tsv", 16),
        ("feedback.csv.gz", 48),
        ("reviews.jsonl", 20),
        ("transcripts.jsonl", 8),
        ("transcripts.json", 4),
        ("chats.csv", 8),
        ("notes.txt", 13),
    ];
    let inputs: Vec<PathBuf> = files.iter().map(|(f, _)| testdata(f)).collect();
    let (out, batches, _dir) = analyze(&inputs, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows = rows(&batches);
    let expected: usize = files.iter().map(|(_, n)| n).sum();
    assert_eq!(rows.len(), expected);
    // Columns from every input survive: CSV's agent, JSONL's stars and nested meta (as JSON text).
    let review = by_id(&rows, "rv-cs-3");
    assert!(review.meta.iter().any(|(n, v)| n == "stars" && v.is_some()));
    let meta = review.meta.iter().find(|(n, _)| n == "meta").and_then(|(_, v)| v.clone()).unwrap();
    assert!(meta.contains("\"source\""), "{meta}");
    // The empty line of notes.txt is a row with an error, named by file and line.
    let empty: Vec<_> = rows.iter().filter(|r| r.error.as_deref() == Some("empty text")).collect();
    assert_eq!(empty.len(), 1);
    assert!(empty[0].id.ends_with("notes.txt:6"), "{}", empty[0].id);
    assert!(stderr(&out).contains(&format!("read {expected} records, wrote {expected} rows")));
}

#[test]
fn transcripts_measure_repeats_and_trajectory() {
    let inputs = [testdata("transcripts.jsonl"), testdata("transcripts.json"), testdata("chats.csv")];
    let (out, batches, _dir) = analyze(&inputs, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows = rows(&batches);
    for lang in ["cs", "pl", "sk", "en"] {
        let angry = by_id(&rows, &format!("tr-{lang}-1"));
        assert_eq!(angry.lang, lang);
        assert!(angry.n_turns.unwrap() >= 4);
        assert!(angry.repeated.unwrap() >= 1, "{}: {}", angry.id, angry.text);
        assert!(angry.end.unwrap() < angry.start.unwrap(), "{}: ends worse", angry.id);
        assert!(angry.flagged, "{}", angry.id);
        assert!(angry.flag_reasons.contains(&"repeated_contact".to_string()), "{}: {:?}", angry.id, angry.flag_reasons);
        assert!(
            angry.evidence.iter().any(|e| e.0 == "flag" && e.1 == "repeated_contact"),
            "{}: the flag points at the words",
            angry.id
        );
        let fine = by_id(&rows, &format!("tr-{lang}-2"));
        assert!(fine.end.unwrap() > 0.0, "{}: {} ends well", fine.id, fine.text);
        let chat = by_id(&rows, &format!("ch-{lang}-1"));
        assert!(chat.n_turns.unwrap() >= 3, "{}: Speaker: lines are turns", chat.id);
        assert!(
            !chat.text.contains("Operátor:") && !chat.text.contains("Agent:") && !chat.text.contains("Konsultant:")
        );
    }
    let single = by_id(&rows, "tj-en-1");
    assert!(single.n_turns.is_some());
}

/// The `Speaker: text` calls of chats.csv: a customer who asks three times and waits on hold, and a rude agent.
#[test]
fn text_transcripts_show_repeats_waiting_and_a_rude_agent() {
    let (out, batches, _dir) = analyze(&[testdata("chats.csv"), testdata("transcripts.jsonl")], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows = rows(&batches);
    for lang in ["cs", "pl", "sk", "en"] {
        let call = by_id(&rows, &format!("ch-{lang}-2"));
        assert_eq!(call.lang, lang, "{}", call.id);
        assert_eq!(call.n_turns, Some(6));
        assert_eq!(call.repeats.as_deref(), Some(&[(3, 0), (5, 0)][..]), "{}: turns 3 and 5 repeat turn 0", call.id);
        assert!(call.themes.contains(&"wait_time".to_string()), "{}: {:?}", call.id, call.themes);
        assert!(call.themes.contains(&"escalation_request".to_string()), "{}: {:?}", call.id, call.themes);
        let cues = call.agent_cues.as_ref().expect("a transcript has agent cues");
        let rude = cues.iter().find(|c| c.0 == "rudeness").unwrap_or_else(|| panic!("{}: {cues:?}", call.id));
        assert_eq!(rude.1, 4, "{}: the rude words are in turn 4", call.id);
        assert!(call.flag_reasons.contains(&"rude_agent".to_string()), "{}: {:?}", call.id, call.flag_reasons);
        assert!(call.flag_reasons.contains(&"repeated_contact".to_string()), "{}: {:?}", call.id, call.flag_reasons);
        // The cue's span slices the agent's turn to the words it matched.
        let apology = by_id(&rows, &format!("tr-{lang}-1"));
        let cues = apology.agent_cues.as_ref().unwrap();
        assert!(cues.iter().any(|c| c.0 == "apology"), "{}: {cues:?}", apology.id);
    }
    let single = by_id(&rows, "ch-cs-1");
    assert!(single.agent_cues.as_ref().is_some_and(|c| c.iter().all(|c| c.0 != "rudeness")));
}

/// Each theme gets the sentiment of the clauses that mention it.
#[test]
fn themes_carry_their_own_sentiment() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("mixed.jsonl");
    std::fs::write(
        &input,
        concat!(
            r#"{"id":"en","text":"The staff were lovely and helpful, but I waited an hour on hold and it was awful."}"#,
            "\n",
            r#"{"id":"cs","text":"Paní na pobočce byla moc milá a ochotná, ale na lince jsem čekal hodinu, hrůza."}"#,
            "\n"
        ),
    )
    .unwrap();
    let (out, batches, _dir) = analyze(&[input], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    for row in rows(&batches) {
        let of = |id: &str| row.theme_sentiment.iter().find(|t| t.0 == id).unwrap_or_else(|| panic!("{id}: {row:?}"));
        assert!(of("agent_attitude").1 > 0.0 && of("agent_attitude").2 == "positive", "{}: {row:?}", row.id);
        assert!(of("wait_time").1 < 0.0 && of("wait_time").2 == "negative", "{}: {row:?}", row.id);
        assert!(of("wait_time").3 >= 1);
        let ids: Vec<&str> = row.theme_sentiment.iter().map(|t| t.0.as_str()).collect();
        assert_eq!(ids, row.themes.iter().map(String::as_str).collect::<Vec<_>>(), "same themes, same order");
    }
}

#[test]
fn bad_inputs_give_documented_results() {
    // Empty file and header only: no records, clean exit.
    for f in ["bad/empty.csv", "bad/header_only.csv"] {
        let (out, batches, _dir) = analyze(&[testdata(f)], &[]);
        assert!(out.status.success(), "{f}: {}", stderr(&out));
        assert_eq!(rows(&batches).len(), 0);
    }
    // Ragged rows and invalid UTF-8: every record is a row, the broken ones with an error naming the line.
    let (out, batches, _dir) = analyze(&[testdata("bad/ragged.csv")], &[]);
    assert!(out.status.success());
    let rows_r = rows(&batches);
    assert_eq!(rows_r.len(), 5);
    let errors: Vec<_> = rows_r.iter().filter_map(|r| r.error.clone()).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors.iter().all(|e| e.starts_with("line ") && e.contains("fields, the header has 3")));
    // A Windows-1250 value is read as such (--encoding auto); with --encoding utf-8 it is an error row.
    let (out, batches, _dir) = analyze(&[testdata("bad/invalid_utf8.csv")], &[]);
    let rows_u = rows(&batches);
    assert_eq!(rows_u.len(), 3);
    let fixed = by_id(&rows_u, "iu-2");
    assert_eq!((fixed.text.as_str(), &fixed.error), ("Reklamace nebyla vyřízena", &None));
    assert!(stderr(&out).contains("note: ") && stderr(&out).contains("read as Windows-1250"), "{}", stderr(&out));
    let (_, batches, _dir) = analyze(&[testdata("bad/invalid_utf8.csv")], &["--encoding", "utf-8"]);
    let rows_u = rows(&batches);
    assert_eq!(rows_u.len(), 3);
    let bad = by_id(&rows_u, "iu-2");
    assert!(bad.error.as_ref().unwrap().contains("invalid UTF-8"));
    assert!(bad.text.contains('\u{FFFD}'), "the text is kept, with replacement characters");
    // Malformed JSON line: a row with an error; BOM and CRLF: read normally.
    let (_, batches, _dir) = analyze(&[testdata("bad/malformed.jsonl")], &[]);
    let rows_m = rows(&batches);
    assert_eq!(rows_m.len(), 4);
    assert_eq!(rows_m.iter().filter(|r| r.error.as_deref().is_some_and(|e| e.contains("invalid JSON"))).count(), 1);
    let (out, batches, _dir) = analyze(&[testdata("bad/bom_crlf.csv")], &[]);
    assert!(out.status.success());
    let rows_b = rows(&batches);
    assert_eq!(rows_b.len(), 3);
    assert!(rows_b.iter().all(|r| r.error.is_none() && r.id.starts_with("bc-") && !r.text.ends_with('\r')));
}

#[test]
fn missing_text_column_is_a_clear_error() {
    let (out, batches, dir) = analyze(&[testdata("bad/missing_text_col.csv")], &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("missing_text_col.csv") && err.contains("no text column 'text'"), "{err}");
    assert!(batches.is_empty());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no output and no partial file");
    // The same file works when the text column is named.
    let (out, batches, _dir) = analyze(&[testdata("bad/missing_text_col.csv")], &["--text-col", "comment"]);
    assert!(out.status.success());
    assert_eq!(rows(&batches).len(), 2);
}

#[test]
fn truncated_gzip_keeps_the_rows_before_the_damage() {
    let (out, batches, _dir) = analyze(&[testdata("bad/truncated.csv.gz")], &[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("truncated.csv.gz") && err.contains("input damaged"), "{err}");
    let rows = rows(&batches);
    assert!(rows.len() >= 50 && rows.len() < 200, "{}", rows.len());
    assert!(rows.iter().all(|r| r.id.starts_with("tz-")));
}

#[test]
fn a_ten_megabyte_record_gets_a_row_with_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("big.csv");
    let big = "hrozné čekání ".repeat(10 * 1024 * 1024 / 16);
    std::fs::write(&input, format!("id,text\nsmall,Skvělá obsluha\nbig,{big}\nafter,Nic moc\n")).unwrap();
    let (out, batches, _d) = analyze(&[input], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows = rows(&batches);
    assert_eq!(rows.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["small", "big", "after"]);
    assert!(by_id(&rows, "big").error.as_ref().unwrap().starts_with("text too long"));
    assert!(by_id(&rows, "after").error.is_none());
    assert!(stderr(&out).contains("2 ok, 1 with error"));
}

#[test]
fn output_is_identical_for_any_thread_count() {
    let inputs: Vec<PathBuf> = ["feedback.csv", "reviews.jsonl", "transcripts.jsonl", "chats.csv", "notes.txt"]
        .iter()
        .map(|f| testdata(f))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let mut outputs = Vec::new();
    for threads in ["1", "4"] {
        let out = dir.path().join(format!("t{threads}.arrow"));
        let mut args = vec!["analyze".to_string()];
        args.extend(inputs.iter().map(|p| p.display().to_string()));
        args.extend(
            ["-o", out.to_str().unwrap(), "--threads", threads, "--batch-size", "7", "--no-progress"].map(String::from),
        );
        let o = hlas(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(o.status.success(), "{}", stderr(&o));
        outputs.push(std::fs::read(&out).unwrap());
    }
    assert_eq!(outputs[0], outputs[1]);
}

#[test]
fn jsonl_output_and_stdin_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.jsonl");
    let mut child = Command::new(env!("CARGO_BIN_EXE_hlas"))
        .args(["analyze", "-", "-o", out.to_str().unwrap(), "--no-progress"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(std::fs::read(testdata("reviews.jsonl")).unwrap().as_slice()).unwrap();
    let status = child.wait_with_output().unwrap();
    assert!(status.status.success(), "{}", stderr(&status));
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 20);
    assert_eq!(lines[0]["id"], "rv-cs-1");
    assert!(lines[0]["stars"].is_string(), "passthrough columns keep their text");
    assert!(lines[0]["evidence"].is_array());
}

#[test]
fn eval_prints_per_language_figures() {
    let dir = tempfile::tempdir().unwrap();
    let lid = dir.path().join("lid.tsv");
    std::fs::write(
        &lid,
        "id\tlang\tsource\tkind\ttext\n1\tcs\tt\tsentences\tDobrý den, čekám už týden a pořád nic.\n2\tpl\tt\tsentences\tDzień dobry, czekam już tydzień i nadal nic.\n",
    )
    .unwrap();
    let out = hlas(&["eval", lid.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let figures: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(figures["lid.accuracy.cs.all"], 100.0);
    assert_eq!(figures["lid.accuracy.pl.all"], 100.0);
}

#[test]
fn explain_and_stem_work() {
    let out = hlas(&["explain", "Čekal jsem 40 minut, hrozná obsluha!"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("language: cs") && text.contains("wait_time"), "{text}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_hlas"))
        .args(["stem", "--lang", "en"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"waiting\nwaited\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "wait\nwait\n");
}

#[test]
fn malformed_lexicon_dir_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = hlas(&["explain", "x", "--lexicons", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("cannot read lexicon file"), "{}", stderr(&out));
}

/// `--extra-themes` adds themes and terms to the default taxonomy; `--flags` changes the rules key by key; a bad
/// line in either names its file and line.
#[test]
fn extra_themes_and_flag_rules_from_files() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, "{\"id\":\"a\",\"text\":\"Kurýr nechal balík u sousedů, zase. Jsem naštvaný, hrozné.\"}\n")
        .unwrap();
    let extra = dir.path().join("extra.tsv");
    std::fs::write(
        &extra,
        "# my themes\nneighbour_drop\t*\tname\tLeft with a neighbour\nneighbour_drop\tcs\tphrase\tu sousedů\n",
    )
    .unwrap();
    let (out, batches, _d) =
        analyze(std::slice::from_ref(&input), &["--extra-themes", extra.to_str().unwrap(), "--lang", "cs"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let row = &rows(&batches)[0];
    assert!(row.themes.contains(&"neighbour_drop".to_string()), "{:?}", row.themes);
    assert!(row.themes.contains(&"delivery_logistics".to_string()), "the defaults stay: {:?}", row.themes);
    assert!(row.flagged, "{:?}", row.flag_reasons);

    let rules = dir.path().join("flags.tsv");
    std::fs::write(&rules, "# only the points change\nweight.strongly_negative\t0\nweight.anger\t0\n").unwrap();
    let (out, batches, _d) =
        analyze(std::slice::from_ref(&input), &["--flags", rules.to_str().unwrap(), "--lang", "cs"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let row = &rows(&batches)[0];
    assert!(!row.flag_reasons.iter().any(|r| r == "anger" || r == "strongly_negative"), "{:?}", row.flag_reasons);

    std::fs::write(&rules, "# bad\nanger\tvery\n").unwrap();
    let (out, _, _d) = analyze(std::slice::from_ref(&input), &["--flags", rules.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("flags.tsv:2") && stderr(&out).contains("not a number"), "{}", stderr(&out));

    std::fs::write(&extra, "neighbour_drop\tcs\tregex\t(unclosed\n").unwrap();
    let (out, _, _d) = analyze(&[input], &["--extra-themes", extra.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("extra.tsv:1") && stderr(&out).contains("neighbour_drop"), "{}", stderr(&out));
}

/// Priority orders the QA queue: an angry repeat caller threatening court, then a customer leaving after an outage,
/// then a mildly disappointed note; thanks are not flagged.
#[test]
fn priority_orders_a_ranked_set() {
    let (out, batches, _dir) = analyze(&[testdata("ranked.jsonl")], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows = rows(&batches);
    let priority_of = |id: &str| {
        let b = &batches[0];
        let ids = b.column_by_name("id").unwrap().as_string::<i32>();
        let k = (0..b.num_rows()).find(|&k| ids.value(k) == id).unwrap();
        b.column_by_name("priority").unwrap().as_primitive::<arrow::datatypes::UInt8Type>().value(k)
    };
    for lang in ["cs", "pl", "sk", "en"] {
        let p: Vec<u8> = (1..=4).map(|k| priority_of(&format!("rk-{lang}-{k}"))).collect();
        assert!(p[0] > p[1] && p[1] > p[2], "{lang}: priorities {p:?}");
        let first = by_id(&rows, &format!("rk-{lang}-1"));
        assert_eq!(
            first.flag_reasons.first().map(String::as_str),
            Some("legal_threat"),
            "{lang}: {:?}",
            first.flag_reasons
        );
        assert!(first.flag_reasons.contains(&"repeated_contact".to_string()), "{lang}: {:?}", first.flag_reasons);
        let second = by_id(&rows, &format!("rk-{lang}-2"));
        assert!(second.flag_reasons.contains(&"churn_intent".to_string()), "{lang}: {:?}", second.flag_reasons);
        assert!(!by_id(&rows, &format!("rk-{lang}-4")).flagged, "{lang}: thanks are not flagged");
    }
}

fn read_parquet(path: &Path) -> Vec<RecordBatch> {
    let file = std::fs::File::open(path).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file).unwrap().build().unwrap();
    reader.map(|b| b.unwrap()).collect()
}

/// Parquet holds the same rows, schema and metadata as the Arrow file (dictionary columns decoded alike).
#[test]
fn parquet_output_matches_the_arrow_file() {
    let inputs = [testdata("feedback.csv"), testdata("chats.csv"), testdata("transcripts.jsonl")];
    let (out, arrow_batches, dir) = analyze(&inputs, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let pq = dir.path().join("out.parquet");
    let mut args: Vec<String> = vec!["analyze".into()];
    args.extend(inputs.iter().map(|p| p.display().to_string()));
    args.extend(["-o".into(), pq.display().to_string()]);
    let out = hlas(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(out.status.success(), "{}", stderr(&out));
    let parquet_batches = read_parquet(&pq);
    assert_eq!(parquet_batches[0].schema().fields(), arrow_batches[0].schema().fields(), "same columns and types");
    let builder =
        parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&pq).unwrap());
    let metadata = builder.unwrap().schema().metadata().clone();
    assert_eq!(metadata["hlas.schema_version"], "2", "{metadata:?}");
    assert!(metadata.contains_key("hlas.lexicon_hash"));
    let a = rows(&arrow_batches);
    let p = rows(&parquet_batches);
    assert_eq!(a.len(), p.len());
    for (x, y) in a.iter().zip(&p) {
        assert_eq!(format!("{x:?}"), format!("{y:?}"));
    }
}

/// `--partition-by lang` writes Hive-style directories, one file per language, that together hold every row once;
/// the key lives in the directory name, not in the files.
#[test]
fn partitioned_output_splits_rows_by_language() {
    let dir = tempfile::tempdir().unwrap();
    let parts = dir.path().join("parts");
    let feedback = testdata("feedback.csv").display().to_string();
    let out = hlas(&["analyze", &feedback, "-o", parts.to_str().unwrap(), "--partition-by", "lang"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut total = 0;
    let mut langs = Vec::new();
    for entry in std::fs::read_dir(&parts).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        let lang = name.strip_prefix("lang=").expect("hive directory name").to_string();
        let batches = read_parquet(&entry.path().join("part-0.parquet"));
        assert!(batches[0].schema().column_with_name("lang").is_none(), "the key is in the path");
        let n: usize = batches.iter().map(RecordBatch::num_rows).sum();
        assert!(n > 0);
        total += n;
        langs.push(lang);
    }
    langs.sort();
    assert_eq!(langs, ["cs", "en", "pl", "sk"]);
    let (_, whole, _d) = analyze(&[testdata("feedback.csv")], &[]);
    assert_eq!(total, whole.iter().map(RecordBatch::num_rows).sum::<usize>());

    // An existing directory is never overwritten; an unknown key and JSONL are refused before any work.
    let again = hlas(&["analyze", &feedback, "-o", parts.to_str().unwrap(), "--partition-by", "lang"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("already exists"), "{}", stderr(&again));
    let other = dir.path().join("other");
    let bad = hlas(&["analyze", &feedback, "-o", other.to_str().unwrap(), "--partition-by", "nope"]);
    assert!(stderr(&bad).contains("cannot partition by `nope`"), "{}", stderr(&bad));
    let jsonl =
        hlas(&["analyze", &feedback, "-o", other.to_str().unwrap(), "--partition-by", "lang", "--format", "jsonl"]);
    assert_eq!(jsonl.status.code(), Some(1));
    assert!(!other.exists(), "nothing written on a refused run");
    // An input column works too, its values escaped Hive-style.
    let by_channel = dir.path().join("by_channel");
    let out = hlas(&[
        "analyze",
        &feedback,
        "-o",
        by_channel.to_str().unwrap(),
        "--partition-by",
        "channel",
        "--format",
        "arrow",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(by_channel.join("channel=email").join("part-0.arrow").exists());
}

/// `explain` reads a text, a file or a row of an output file, and prints text or JSON with the rules that fired.
#[test]
fn explain_reads_text_files_and_output_rows() {
    let out = hlas(&["explain", "The staff were not helpful, but the delivery was very fast."]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("(negated, before a contrast") && text.contains("(intensified, after a contrast)"), "{text}");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("complaint.txt");
    std::fs::write(&file, "Už potřetí volám kvůli reklamaci a nikdo mi nepomohl.\n").unwrap();
    let out = hlas(&["explain", "--file", file.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["lang"], "cs");
    let themes: Vec<&str> = json["themes"].as_array().unwrap().iter().map(|t| t["theme"].as_str().unwrap()).collect();
    assert!(themes.contains(&"repeat_contact") && themes.contains(&"complaint_refund_return"), "{themes:?}");

    let pq = dir.path().join("out.parquet");
    let feedback = testdata("feedback.csv").display().to_string();
    assert!(hlas(&["analyze", &feedback, "-o", pq.to_str().unwrap(), "-q"]).status.success());
    let out = hlas(&["explain", "--id", "fb-cs-wait", pq.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("id: fb-cs-wait") && text.contains("40 minut") && text.contains("wait_time"), "{text}");
    let missing = hlas(&["explain", "--id", "no-such-row", pq.to_str().unwrap()]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("no row with id `no-such-row`"), "{}", stderr(&missing));
}

/// The theme file the README shows works as written.
#[test]
fn the_readme_theme_example_extends_the_taxonomy() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/my_themes.tsv");
    let out = hlas(&[
        "explain",
        "Where are my loyalty points? 300 points missing since March.",
        "--extra-themes",
        example.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("loyalty_program") && text.contains("300 points missing"), "{text}");
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let example_text = std::fs::read_to_string(&example).unwrap();
    assert!(readme.contains(example_text.trim()), "README shows examples/my_themes.tsv as it is");
}

/// Every command's `--help` ends with an example.
#[test]
fn every_command_has_help_with_an_example() {
    for command in ["analyze", "report", "explain", "eval", "stem"] {
        let out = hlas(&[command, "--help"]);
        assert!(out.status.success());
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(help.contains("Example") && help.contains(&format!("hlas {command}")), "{command}: {help}");
    }
}
