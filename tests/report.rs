//! End-to-end tests of `hlas report`: the real binary analyses testdata, reports on the output, and the page is
//! checked for its sections, its QA queue, its errors, and for markup that came from the data (there must be none).

use std::path::{Path, PathBuf};

use arrow::array::{Array, AsArray};
use arrow::datatypes::UInt32Type;
use arrow::ipc::reader::FileReader;

mod common;
use common::{hlas, testdata};

fn path_str(p: &Path) -> &str {
    p.to_str().expect("UTF-8 temp path")
}

/// Analyses testdata files into `dir/out.arrow`.
fn analyze(names: &[&str], dir: &Path) -> PathBuf {
    let out = dir.join("out.arrow");
    let inputs: Vec<PathBuf> = names.iter().map(|n| testdata(n)).collect();
    let mut args = vec!["analyze"];
    args.extend(inputs.iter().map(|p| path_str(p)));
    args.extend(["-o", path_str(&out), "--no-progress"]);
    let o = hlas(&args);
    assert!(o.status.success(), "analyze failed: {}", String::from_utf8_lossy(&o.stderr));
    out
}

/// Runs `hlas report` with extra arguments and returns the page.
fn report(input: &Path, dir: &Path, extra: &[&str]) -> String {
    let html = dir.join("report.html");
    let mut args = vec!["report", path_str(input), "-o", path_str(&html)];
    args.extend(extra);
    let o = hlas(&args);
    assert!(o.status.success(), "report failed: {}", String::from_utf8_lossy(&o.stderr));
    std::fs::read_to_string(&html).expect("the report is written")
}

/// A tag of the page: its name (lower case, `/name` for a closing tag) and attribute names.
#[derive(Debug)]
struct Tag {
    name: String,
    attributes: Vec<String>,
}

/// The tags of a page, read the way a browser starts to: `<` opens a tag, quoted attribute values may hold `>`,
/// and the contents of `<script>` and `<style>` are raw text. Comments and unterminated tags are failures: the
/// report writes neither.
fn tags(html: &str) -> Vec<Tag> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        assert!(!rest.starts_with("!--"), "a comment in the page: {}", &rest[..rest.len().min(80)]);
        let mut end = None;
        let mut quote = None;
        for (i, c) in rest.char_indices() {
            match (quote, c) {
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (None, '>') => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let end = end.expect("every tag closes");
        let inner = &rest[..end];
        rest = &rest[end + 1..];
        let name_end = inner.find(|c: char| c.is_whitespace() || c == '>').unwrap_or(inner.len());
        let name = inner[..name_end].trim_end_matches('/').to_ascii_lowercase();
        let mut attributes = Vec::new();
        let mut attrs = &inner[name_end..];
        loop {
            attrs = attrs.trim_start().trim_start_matches('/').trim_start();
            if attrs.is_empty() {
                break;
            }
            let n_end = attrs.find(|c: char| c == '=' || c.is_whitespace()).unwrap_or(attrs.len());
            attributes.push(attrs[..n_end].to_ascii_lowercase());
            attrs = &attrs[n_end..];
            if let Some(value) = attrs.strip_prefix('=') {
                assert!(value.starts_with('"'), "an unquoted attribute value in <{name}>: {inner}");
                let close = value[1..].find('"').expect("quoted value closes");
                attrs = &value[close + 2..];
            }
        }
        if name == "script" || name == "style" {
            let close = rest.find(&format!("</{name}>")).expect("raw text element closes");
            rest = &rest[close..];
        }
        out.push(Tag { name, attributes });
    }
    out
}

const ALLOWED_TAGS: [&str; 40] = [
    "!doctype", "html", "head", "meta", "title", "style", "body", "main", "section", "h1", "h2", "h3", "p", "ul", "li",
    "code", "i", "b", "div", "span", "table", "colgroup", "col", "thead", "tbody", "tr", "th", "td", "details",
    "summary", "label", "select", "option", "mark", "svg", "g", "rect", "line", "text", "script",
];
const MORE_SVG_TAGS: [&str; 2] = ["polyline", "circle"];
const ALLOWED_ATTRIBUTES: [&str; 29] = [
    "html",
    "lang",
    "charset",
    "http-equiv",
    "content",
    "name",
    "class",
    "id",
    "title",
    "hidden",
    "value",
    "data-lang",
    "data-reason",
    "viewbox",
    "width",
    "height",
    "role",
    "aria-label",
    "x",
    "y",
    "x1",
    "y1",
    "x2",
    "y2",
    "text-anchor",
    "transform",
    "points",
    "cx",
    "cy",
];

/// Every tag and attribute of the page is one the report writes.
fn assert_only_report_markup(html: &str) {
    for tag in tags(html) {
        let name = tag.name.trim_start_matches('/');
        assert!(
            ALLOWED_TAGS.contains(&name) || MORE_SVG_TAGS.contains(&name),
            "a tag the report does not write: <{}>",
            tag.name
        );
        for a in &tag.attributes {
            assert!(ALLOWED_ATTRIBUTES.contains(&a.as_str()) || a == "r", "<{}> has attribute {a}", tag.name);
            assert!(!a.starts_with("on"), "<{}> has an event handler {a}", tag.name);
        }
    }
}

#[test]
fn hostile_text_stays_text() {
    let dir = tempfile::tempdir().unwrap();
    let arrow = analyze(&["hostile.csv", "feedback.csv"], dir.path());
    let html = report(&arrow, dir.path(), &["--title", "QA <b>week</b> \"40\""]);

    assert_only_report_markup(&html);
    for live in
        ["<script>alert", "<img", "<svg onload", "<iframe", "<a href", "<b>h-bold", "<i>chat", "<!--", "<textarea"]
    {
        assert!(!html.contains(live), "live markup from the input: {live}");
    }
    assert!(!html.contains("</textarea>"));
    // The report's own blocks, once each: the style in the head, the filter script at the end.
    assert_eq!(html.matches("<style").count(), 1);
    assert_eq!(html.matches("</style>").count(), 1);
    assert_eq!(html.matches("<script").count(), 1);
    assert_eq!(html.matches("</script>").count(), 1);
    assert!(html.contains("</main>\n<script>"));
    // `onerror=` occurs only as escaped text, never inside a tag.
    for (at, _) in html.match_indices("onerror=") {
        let before = &html[..at];
        assert!(before.rfind('>') > before.rfind('<'), "onerror= inside a tag");
    }
    // The data is there, escaped.
    for escaped in [
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;",
        "&lt;/textarea&gt;&lt;svg onload=alert(1)&gt;",
        "&lt;style&gt;body{display:none}&lt;/style&gt;",
        "&lt;b&gt;h-bold&lt;/b&gt;",
        "h-amp &amp; &#39;quote&#39;",
        "channel: email &quot;support&quot;",
        "<title>QA &lt;b&gt;week&lt;/b&gt; &quot;40&quot;</title>",
    ] {
        assert!(html.contains(escaped), "missing escaped text: {escaped}");
    }
    // No network: a policy that allows nothing but the page's own style and script, and no reference out (the
    // attribute allowlist above has no src or href).
    assert!(html.contains("default-src &#39;none&#39;"));
    for external in ["http://", "https://", "@import", "url("] {
        assert!(!html.contains(external), "external reference: {external}");
    }
}

#[test]
fn the_testdata_report_has_every_section() {
    let dir = tempfile::tempdir().unwrap();
    let arrow = analyze(&["feedback.csv", "chats.csv", "reviews.jsonl"], dir.path());
    let html = report(&arrow, dir.path(), &[]);
    for heading in ["Overview", "Sentiment by language", "Themes", "Emotions", "Trend over time", "QA queue"] {
        assert!(html.contains(&format!("<h2>{heading}</h2>")), "no heading {heading}");
    }
    assert_only_report_markup(&html);
    assert!(html.contains("hlas version <code>"));
    assert!(html.contains("out.arrow</code> — 76 rows"));
    // feedback.csv is dated 2026-10-01..31: ISO weeks 40 to 44, from Monday 2026-09-28.
    assert!(html.contains("<td>2026-W40</td><td>2026-09-28</td>"));
    assert!(html.contains("2026-W44"));
    // Chats and reviews have no date.
    assert!(html.contains("No date: 28 rows"));
    assert!(html.contains("<svg class=\"chart\""));
}

#[test]
fn a_missing_date_column_is_noted_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let arrow = analyze(&["feedback.csv"], dir.path());
    let html = report(&arrow, dir.path(), &["--date-col", "missing_col"]);
    assert!(html.contains("<h2>Trend over time</h2>"));
    assert!(html.contains("The date column <code>missing_col</code> (<code>--date-col</code>) is not in the input"));
    // Another column may hold dates.
    let html = report(&arrow, dir.path(), &["--date-col", "channel"]);
    assert!(html.contains("No row has a readable date"));
}

#[test]
fn a_missing_input_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no_such_run.arrow");
    let html = dir.path().join("r.html");
    let o = hlas(&["report", path_str(&missing), "-o", path_str(&html)]);
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("no_such_run.arrow"), "{stderr}");
    assert!(!html.exists());

    // A file that is not hlas output is named too.
    let o = hlas(&["report", path_str(&testdata("feedback.csv")), "-o", path_str(&html)]);
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("feedback.csv: not an Arrow IPC file"), "{stderr}");
    assert!(!html.exists());
}

/// The flagged rows of an Arrow file, most urgent first: (id, priority, text, flag evidence spans as text).
fn flagged_rows(path: &Path) -> Vec<(String, u8, String, Vec<String>)> {
    let reader = FileReader::try_new(std::fs::File::open(path).unwrap(), None).unwrap();
    let mut rows = Vec::new();
    for batch in reader {
        let batch = batch.unwrap();
        let col = |name: &str| batch.column_by_name(name).unwrap().clone();
        let (id, text, flagged, priority, evidence) =
            (col("id"), col("text"), col("flagged"), col("priority"), col("evidence"));
        let (id, text, flagged) = (id.as_string::<i32>(), text.as_string::<i32>(), flagged.as_boolean());
        let priority = priority.as_primitive::<arrow::datatypes::UInt8Type>();
        let evidence = evidence.as_list::<i32>();
        for i in 0..batch.num_rows() {
            if !flagged.value(i) {
                continue;
            }
            let items = evidence.value(i);
            let items = items.as_struct();
            let kind = items.column_by_name("kind").unwrap().as_string::<i32>().clone();
            let start = items.column_by_name("start").unwrap().as_primitive::<UInt32Type>().clone();
            let end = items.column_by_name("end").unwrap().as_primitive::<UInt32Type>().clone();
            let spans = (0..items.len())
                .filter(|&j| kind.value(j) == "flag")
                .map(|j| hlas::tokenize::char_span(text.value(i), start.value(j), end.value(j)))
                .collect();
            rows.push((id.value(i).to_string(), priority.value(i), text.value(i).to_string(), spans));
        }
    }
    // Stable: equal priorities keep input order, as the queue does.
    rows.sort_by_key(|r| std::cmp::Reverse(r.1));
    rows
}

/// The contents of every `<mark>` in the page.
fn marked(html: &str) -> Vec<&str> {
    html.split("<mark ")
        .skip(1)
        .filter_map(|m| m.split_once('>').and_then(|(_, rest)| rest.split_once("</mark>")))
        .map(|(t, _)| t)
        .collect()
}

#[test]
fn the_queue_highlights_the_evidence_of_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let arrow = analyze(&["feedback.csv", "chats.csv", "reviews.jsonl"], dir.path());
    let html = report(&arrow, dir.path(), &["--top", "5"]);
    assert_eq!(html.matches("<tr data-lang=").count(), 5);
    let rows = flagged_rows(&arrow);
    let (top_id, top_priority, _, spans) = &rows[0];
    let first_row = html.split("<tr data-lang=").nth(1).unwrap();
    assert!(first_row.contains(&format!("<div class=\"id\">{top_id}</div>")), "the top row leads the queue");
    assert!(first_row.contains(&format!("<span class=\"prio\">{top_priority}</span>")));
    assert!(!spans.is_empty());
    let marks = marked(first_row);
    for span in spans {
        assert!(marks.iter().any(|m| m.contains(span.as_str())), "{span:?} is not highlighted in {marks:?}");
    }
    // Each queued row's reasons are tags the filter reads.
    assert!(first_row.contains("data-reason=\""));
    // The same run as a directory of files.
    let html = report(dir.path(), dir.path(), &["--top", "5"]);
    assert_eq!(html.matches("<tr data-lang=").count(), 5);
}

#[test]
fn wait_time_evidence_is_highlighted_in_every_language() {
    let dir = tempfile::tempdir().unwrap();
    let arrow = analyze(&["feedback.csv"], dir.path());
    let html = report(&arrow, dir.path(), &["--top", "1000"]);
    let marks = marked(&html);
    for words in ["čekal jsem 40 minut", "czekałem 40 minut", "čakal som 40 minút", "waited 40 minutes"] {
        assert!(marks.iter().any(|m| m.contains(words)), "{words} is not highlighted");
    }
}

/// A partitioned run (`--partition-by lang`, Parquet files without the `lang` column) reports the same totals as
/// the single Arrow file: the language comes back from the directory names.
#[test]
fn a_partitioned_run_reports_like_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let arrow = analyze(&["feedback.csv", "chats.csv"], dir.path());
    let parts = dir.path().join("parts");
    let (feedback, chats) = (testdata("feedback.csv"), testdata("chats.csv"));
    let args =
        ["analyze", path_str(&feedback), path_str(&chats), "-o", path_str(&parts), "--partition-by", "lang", "-q"];
    assert!(hlas(&args).status.success());
    let whole = report(&arrow, dir.path(), &[]);
    let split = report(&parts, dir.path(), &[]);
    let mix = |html: &str| {
        let start = html.find("Language mix").expect("language mix");
        let end = html[start..].find("</table>").expect("the mix table") + start;
        html[start..end].to_string()
    };
    assert!(mix(&whole).contains("cs"), "{}", mix(&whole));
    assert_eq!(mix(&whole), mix(&split), "the same language mix");
}
