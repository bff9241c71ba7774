//! `hlas report`: one self-contained HTML page from hlas output files, for the people who read results rather than
//! load them: totals and the language mix, sentiment per language, themes by volume and by negativity, emotions,
//! the weekly trend, and the QA queue (the flagged rows of highest priority, with the words behind each flag
//! highlighted).
//!
//! The main pieces: [`write_report`] (files in, HTML file out), [`ReportOptions`], [`ReportError`].
//!
//! **Streaming.** A run may have millions of rows, so the report never holds them: files are read batch by batch
//! (Arrow IPC with arrow's `FileReader`, Parquet with parquet's arrow reader), each batch updates fixed-size
//! aggregates (counts and sums per language, label, theme, emotion and week), and only the top `--top` flagged
//! rows are kept, in a bounded min-heap ordered by priority and then input order. The page therefore grows with
//! `--top`, not with the rows.
//!
//! **Columns by name.** Input columns vary (whatever the analysed files had), Parquet may give back strings as
//! dictionaries or views, and Hive-partitioned files keep a partition column (`lang=cs/…`) in the path instead of
//! the file; so every column is found by name, cast to the type the report reads, taken from a `name=value` path
//! segment when the file lacks it, and optional unless the report cannot work without it (`text`, `sentiment`).
//!
//! **Escaping.** Everything that comes from the data or the command line is escaped on its way into the page (see
//! `report/html.rs`: markup can be built only from literals, numbers and escaped values), and the page carries a
//! Content-Security-Policy that allows no network access and only its own style block and script.

mod html;
pub(crate) mod read;
mod svg;

use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
#[cfg(test)]
use std::sync::Arc;

use arrow::array::{Array, BooleanArray, Float32Array, Int64Array, StringArray};
use arrow::datatypes::{DataType, Schema};
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;
use sha2::{Digest, Sha256};

use crate::emotion::EMOTIONS;
use crate::lang::Lang;
use crate::sentiment::SentimentLabel;
use crate::write::{AtomicFile, WriteError};
use html::{Count, Counted, Esc, Html, Pct, Score, html};
use read::{Source, StrList, StructList, input_files, value_at};
use svg::{Bar, Scale, Segment, WeekPoint, bar_chart, ellipsize, weekly_chart};

/// The default number of rows in the QA queue.
pub const DEFAULT_TOP: usize = 200;
/// The longest text shown in the QA queue, in characters; longer texts are cut with an ellipsis.
pub const MAX_TEXT_CHARS: usize = 2_000;
/// Themes found in fewer rows than this are listed, but not ranked, by negativity: a share of two rows says little.
pub const MIN_THEME_ROWS: u64 = 3;
/// The most weeks drawn: a trend of five years. Rows in earlier weeks are counted and reported.
pub const MAX_WEEKS: usize = 260;
/// The most themes drawn in the volume chart and listed in the negativity table.
const MAX_THEMES_SHOWN: usize = 40;
/// The most input files named in the header (a partitioned run can have hundreds).
const MAX_FILES_NAMED: usize = 20;
/// Short values from the data (ids, column values, themes, reasons) are cut to this many characters in the queue:
/// the queue's size must not depend on what a row carries.
const MAX_SHORT_CHARS: usize = 200;
/// The most reasons and themes kept per queued row.
const MAX_TAGS: usize = 30;
/// The date column used when `--date-col` is not given (when the input has it).
pub const DEFAULT_DATE_COL: &str = "date";
/// Input columns shown with each queued row, when the input has them (besides the date column).
const CONTEXT_COLUMNS: [&str; 2] = ["channel", "agent"];

/// What the report shows and how.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// The column holding each row's date, for the weekly trend. Default: `None`, meaning [`DEFAULT_DATE_COL`]
    /// when the input has it.
    pub date_col: Option<String>,
    /// Rows in the QA queue. Default: [`DEFAULT_TOP`].
    pub top: usize,
    /// The page title. Default: `None`, meaning "hlas report".
    pub title: Option<String>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions { date_col: None, top: DEFAULT_TOP, title: None }
    }
}

impl ReportOptions {
    /// Names the date column (default: [`DEFAULT_DATE_COL`] when present).
    #[must_use]
    pub fn with_date_col(mut self, date_col: Option<String>) -> Self {
        self.date_col = date_col;
        self
    }

    /// Sets the number of rows in the QA queue (default: [`DEFAULT_TOP`]).
    #[must_use]
    pub fn with_top(mut self, top: usize) -> Self {
        self.top = top;
        self
    }

    /// Sets the page title (default: "hlas report").
    #[must_use]
    pub fn with_title(mut self, title: Option<String>) -> Self {
        self.title = title;
        self
    }
}

/// An error while reading hlas output or writing the report: names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// Opening or reading a file or directory failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The Arrow IPC reader refused the file.
    #[error("{path}: cannot read it as an Arrow IPC file: {source}")]
    Arrow {
        /// The file.
        path: PathBuf,
        /// Why.
        source: ArrowError,
    },
    /// The Parquet reader refused the file.
    #[error("{path}: cannot read it as a Parquet file: {source}")]
    Parquet {
        /// The file.
        path: PathBuf,
        /// Why.
        source: parquet::errors::ParquetError,
    },
    /// The file is neither Arrow IPC nor Parquet.
    #[error("{path}: not an Arrow IPC file (.arrow, .ipc, .feather) or a Parquet file (.parquet)")]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
    /// A directory holds no file the report can read.
    #[error("{path}: no .arrow, .ipc, .feather or .parquet files in this directory")]
    EmptyDirectory {
        /// The directory.
        path: PathBuf,
    },
    /// A column the report needs is missing: the file is not hlas output.
    #[error("{path}: not hlas output: it has no `{column}` column (run `hlas analyze` first)")]
    NotHlasOutput {
        /// The file.
        path: PathBuf,
        /// The missing column.
        column: &'static str,
    },
    /// A column has a type the report cannot read.
    #[error("{path}: column `{column}` is {found}, which the report cannot read as {expected}")]
    ColumnType {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
        /// Its type.
        found: DataType,
        /// What the report reads it as.
        expected: &'static str,
    },
    /// Writing the report failed.
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// What [`write_report`] did, for the command's summary line.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ReportSummary {
    /// Input files read.
    pub files: usize,
    /// Rows read.
    pub rows: u64,
    /// Flagged rows.
    pub flagged: u64,
    /// Rows in the QA queue.
    pub queued: usize,
    /// Size of the page in bytes.
    pub bytes: usize,
}

/// Reads hlas output files (Arrow IPC or Parquet; a directory stands for every such file under it, sorted by path)
/// and writes one self-contained HTML report to `output` (under a temporary name, renamed when complete).
///
/// # Errors
/// A file is missing, unreadable, not Arrow IPC or Parquet, or not hlas output (no `text` or `sentiment`
/// column); or the report cannot be written. Nothing is written then.
pub fn write_report(inputs: &[PathBuf], output: &Path, opts: &ReportOptions) -> Result<ReportSummary, ReportError> {
    let files = input_files(inputs)?;
    let mut report = Aggregator::new(opts);
    for path in &files {
        read_file(path, &mut report)?;
    }
    let page = report.render();
    let summary = ReportSummary {
        files: files.len(),
        rows: report.rows,
        flagged: report.flagged,
        queued: report.queue.len(),
        bytes: page.len(),
    };
    let (file, mut out) = AtomicFile::create(output)?;
    let io = |source| ReportError::Io { path: output.to_path_buf(), source };
    out.write_all(page.as_bytes()).map_err(io)?;
    out.flush().map_err(io)?;
    drop(out);
    file.commit()?;
    Ok(summary)
}

/// Reads one file batch by batch into the aggregates.
fn read_file(path: &Path, report: &mut Aggregator) -> Result<(), ReportError> {
    let source = Source::new(path);
    let (schema, batches) = read::open_batches(path)?;
    report.start_file(&source, &schema)?;
    for batch in batches {
        report.add_batch(&batch?, &source)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------------
// Dates: hand-written, because the report needs only days since 1970 and ISO weeks of Gregorian dates, which a
// date crate would add a dependency for.

/// Whether `year` is a Gregorian leap year.
fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a valid Gregorian date. Years are counted from March, so that the leap day is the last
/// day of a counting year and the month lengths before any date follow the fixed 31-30-31-30-31 pattern
/// (`(153 × m + 2) / 5` days before month `m`, March being 0).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let (y, m) = if month <= 2 { (year - 1, i64::from(month) + 9) } else { (year, i64::from(month) - 3) };
    let days_before_year = 365 * y + y.div_euclid(4) - y.div_euclid(100) + y.div_euclid(400);
    let days_before_month = (153 * m + 2) / 5;
    // 719,468 days lie between 0000-03-01 and 1970-01-01.
    days_before_year + days_before_month + i64::from(day) - 1 - 719_468
}

/// The Gregorian date of a day number: the year by estimate and correction, then month by month. Called only for
/// the few hundred weeks a report draws.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let mut year = 1970 + (days as f64 / 365.2425).floor() as i64;
    while days_from_civil(year, 1, 1) > days {
        year -= 1;
    }
    while days_from_civil(year + 1, 1, 1) <= days {
        year += 1;
    }
    let mut rest = days - days_from_civil(year, 1, 1);
    let mut month = 1;
    while month < 12 && rest >= i64::from(days_in_month(year, month)) {
        rest -= i64::from(days_in_month(year, month));
        month += 1;
    }
    (year, month, rest as u32 + 1)
}

/// `YYYY-MM-DD` of a day number.
fn format_day(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The day number of a date written `YYYY-MM-DD`, alone or followed by a time (`2026-10-01T10:00:00Z`,
/// `2026-10-01 10:00`); anything else, or an impossible date, is `None`.
fn parse_date(s: &str) -> Option<i64> {
    let b = s.trim_start().as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' || b.get(10).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
    };
    let (year, month, day) = (i64::from(number(0..4)?), number(5..7)?, number(8..10)?);
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// An ISO 8601 week: weeks start on Monday, and week 1 is the week with the year's first Thursday.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct IsoWeek {
    year: i64,
    week: u32,
    /// The day number of its Monday.
    monday: i64,
}

/// The Monday of the week of a day number (1970-01-01 was a Thursday).
fn monday_of(days: i64) -> i64 {
    days - (days + 3).rem_euclid(7)
}

/// The ISO week of a day number. The week belongs to the year of its Thursday, and its number counts the
/// Thursdays of that year up to it.
fn iso_week(days: i64) -> IsoWeek {
    let monday = monday_of(days);
    let thursday = monday + 3;
    let (year, _, _) = civil_from_days(thursday);
    let week = ((thursday - days_from_civil(year, 1, 1)) / 7 + 1) as u32;
    IsoWeek { year, week, monday }
}

// ---------------------------------------------------------------------------------------------------------------
// The QA queue

/// What a highlight marks, in order of importance: where spans of several kinds overlap, the most important one
/// colours the words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum MarkKind {
    Sentiment,
    Theme,
    Flag,
}

impl MarkKind {
    fn parse(kind: &str) -> Option<Self> {
        match kind {
            "sentiment" => Some(MarkKind::Sentiment),
            "theme" => Some(MarkKind::Theme),
            "flag" => Some(MarkKind::Flag),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            MarkKind::Sentiment => "sentiment",
            MarkKind::Theme => "theme",
            MarkKind::Flag => "flag",
        }
    }

    fn class(self) -> &'static str {
        match self {
            MarkKind::Sentiment => "m-sentiment",
            MarkKind::Theme => "m-theme",
            MarkKind::Flag => "m-flag",
        }
    }
}

/// An evidence span to highlight: character offsets into the text.
#[derive(Debug, Clone, PartialEq)]
struct Mark {
    start: usize,
    end: usize,
    kind: MarkKind,
    label: String,
}

/// A row kept for the QA queue, with only what the page shows, each piece bounded.
#[derive(Debug, Clone)]
struct QueuedRow {
    /// The row's position in the input (all files, in order): the tie-break between equal priorities.
    seq: u64,
    priority: u32,
    id: String,
    lang: String,
    sentiment: Option<f32>,
    reasons: Vec<String>,
    themes: Vec<String>,
    /// The context columns' values (date, channel, agent), in [`Aggregator::context_names`] order.
    context: Vec<Option<String>>,
    /// The text, cut to [`MAX_TEXT_CHARS`].
    text: String,
    /// The length of the whole text, in characters.
    text_chars: usize,
    /// The highlights within `text`.
    marks: Vec<Mark>,
}

impl QueuedRow {
    /// Higher priority first, then earlier in the input.
    fn rank(&self) -> (Reverse<u32>, u64) {
        (Reverse(self.priority), self.seq)
    }
}

/// Ordered so that the greatest is the row that leaves the queue first (lowest priority, latest in the input):
/// `BinaryHeap` keeps it on top.
struct Worst(QueuedRow);

impl PartialEq for Worst {
    fn eq(&self, other: &Self) -> bool {
        self.0.rank() == other.0.rank()
    }
}
impl Eq for Worst {}
impl PartialOrd for Worst {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Worst {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.rank().cmp(&other.0.rank())
    }
}

/// The `capacity` flagged rows of highest priority seen so far (ties: earlier rows), in a heap whose top is the
/// row to drop next. A row is built only after [`QaQueue::admits`] says it would stay.
struct QaQueue {
    capacity: usize,
    heap: BinaryHeap<Worst>,
}

impl QaQueue {
    fn new(capacity: usize) -> Self {
        QaQueue { capacity, heap: BinaryHeap::with_capacity(capacity.min(4_096) + 1) }
    }

    /// Whether a row with this priority and position would enter the queue.
    fn admits(&self, priority: u32, seq: u64) -> bool {
        if self.capacity == 0 {
            return false;
        }
        if self.heap.len() < self.capacity {
            return true;
        }
        self.heap.peek().is_some_and(|worst| (Reverse(priority), seq) < worst.0.rank())
    }

    fn push(&mut self, row: QueuedRow) {
        if !self.admits(row.priority, row.seq) {
            return;
        }
        self.heap.push(Worst(row));
        if self.heap.len() > self.capacity {
            self.heap.pop();
        }
    }

    fn len(&self) -> usize {
        self.heap.len()
    }

    /// The rows, most urgent first.
    fn sorted(&self) -> Vec<&QueuedRow> {
        let mut rows: Vec<&QueuedRow> = self.heap.iter().map(|w| &w.0).collect();
        rows.sort_by_key(|r| r.rank());
        rows
    }
}

/// `s` cut to `max` characters (with an ellipsis), so a queued row's size does not depend on its data.
fn clip(s: &str, max: usize) -> String {
    ellipsize(s, max)
}

/// The text cut to [`MAX_TEXT_CHARS`] and its length in characters.
fn cut_text(text: &str) -> (String, usize) {
    let chars = text.chars().count();
    if chars <= MAX_TEXT_CHARS {
        return (text.to_string(), chars);
    }
    (text.chars().take(MAX_TEXT_CHARS).collect(), chars)
}

/// The text with its marks highlighted: `<mark>` around marked words, never nested. The text is split at every
/// mark boundary; each piece takes the most important kind of the marks covering it, neighbouring pieces of the
/// same kind are joined, and each `<mark>` lists in its tooltip the marks it overlaps. A mark outside the text or
/// empty is ignored; offsets are characters.
fn highlight(text: &str, marks: &[Mark]) -> Html {
    // Byte offset of each character position, with the end of the text as the last.
    let bytes: Vec<usize> = text.char_indices().map(|(b, _)| b).chain([text.len()]).collect();
    let n_chars = bytes.len() - 1;
    let marks: Vec<&Mark> = marks.iter().filter(|m| m.start < m.end && m.end <= n_chars).collect();
    let mut cuts: Vec<usize> = marks.iter().flat_map(|m| [m.start, m.end]).chain([0, n_chars]).collect();
    cuts.sort_unstable();
    cuts.dedup();
    // Pieces between cuts, with their kind, joined when neighbours share it.
    let mut runs: Vec<(usize, usize, Option<MarkKind>)> = Vec::new();
    for pair in cuts.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let kind = marks.iter().filter(|m| m.start <= a && m.end >= b).map(|m| m.kind).max();
        match runs.last_mut() {
            Some(last) if last.2 == kind => last.1 = b,
            _ => runs.push((a, b, kind)),
        }
    }
    let mut out = Html::new();
    for (a, b, kind) in runs {
        let piece = &text[bytes[a]..bytes[b]];
        match kind {
            None => out.text(piece),
            Some(kind) => {
                let mut labels: Vec<(MarkKind, &str)> =
                    marks.iter().filter(|m| m.start < b && m.end > a).map(|m| (m.kind, m.label.as_str())).collect();
                labels.sort_by(|x, y| y.0.cmp(&x.0).then_with(|| x.1.cmp(y.1)));
                labels.dedup();
                let title: Vec<String> = labels.iter().map(|(k, l)| format!("{}: {l}", k.name())).collect();
                html!(
                    out,
                    "<mark class=\"{}\" title=\"{}\">{}</mark>",
                    kind.class(),
                    Esc(&title.join("; ")),
                    Esc(piece)
                );
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------------------------
// Aggregation

/// Counts per sentiment label, in [`SentimentLabel::ALL`] order.
type LabelCounts = [u64; 4];

fn label_index(label: Option<&str>, sentiment: f32) -> usize {
    let parsed = label.and_then(|l| SentimentLabel::ALL.iter().position(|x| x.as_str() == l));
    parsed.unwrap_or_else(|| {
        let derived = SentimentLabel::from_compound(sentiment);
        SentimentLabel::ALL.iter().position(|x| *x == derived).unwrap_or(1)
    })
}

#[derive(Default, Clone)]
struct LangStats {
    rows: u64,
    analysed: u64,
    labels: LabelCounts,
    sentiment_sum: f64,
}

#[derive(Default, Clone)]
struct ThemeStats {
    rows: u64,
    mentions: u64,
    labels: LabelCounts,
    sentiment_sum: f64,
}

#[derive(Default, Clone, Copy)]
struct EmotionStats {
    dominant: u64,
    score_sum: f64,
    scored: u64,
}

#[derive(Default, Clone, Copy)]
struct WeekStats {
    rows: u64,
    analysed: u64,
    sentiment_sum: f64,
}

/// One input file as the header lists it.
struct FileNote {
    path: PathBuf,
    rows: u64,
    /// Whether the file (or its path) has the date column.
    has_date: bool,
}

/// The report's state while reading: every figure the page shows, updated batch by batch, and the QA queue.
struct Aggregator {
    title: String,
    /// The date column, and whether the user named it.
    date_col: String,
    date_col_given: bool,
    /// The columns shown with each queued row: the date column, then [`CONTEXT_COLUMNS`].
    context_names: Vec<String>,
    /// Whether any file had each context column.
    context_seen: Vec<bool>,
    files: Vec<FileNote>,
    /// Distinct values of each `hlas.*` metadata key over the files, in first-seen order.
    metadata: Vec<(&'static str, Vec<String>)>,
    rows: u64,
    errors: u64,
    flagged: u64,
    /// Analysed rows (no error): what the statistics are over.
    analysed: u64,
    langs: [LangStats; 5],
    has_themes: bool,
    themes: HashMap<String, ThemeStats>,
    emotions: [EmotionStats; 8],
    has_emotions: bool,
    weeks: BTreeMap<i64, WeekStats>,
    undated: u64,
    reasons: BTreeMap<String, u64>,
    queue: QaQueue,
    next_seq: u64,
}

const METADATA_KEYS: [&str; 3] = ["hlas.version", "hlas.schema_version", "hlas.lexicon_hash"];

impl Aggregator {
    fn new(opts: &ReportOptions) -> Self {
        let date_col = opts.date_col.clone().unwrap_or_else(|| DEFAULT_DATE_COL.to_string());
        let mut context_names = vec![date_col.clone()];
        context_names.extend(CONTEXT_COLUMNS.iter().map(|c| c.to_string()).filter(|c| *c != date_col));
        Aggregator {
            title: opts.title.clone().unwrap_or_else(|| "hlas report".to_string()),
            date_col,
            date_col_given: opts.date_col.is_some(),
            context_seen: vec![false; context_names.len()],
            context_names,
            files: Vec::new(),
            metadata: METADATA_KEYS.iter().map(|k| (*k, Vec::new())).collect(),
            rows: 0,
            errors: 0,
            flagged: 0,
            analysed: 0,
            langs: Default::default(),
            has_themes: false,
            themes: HashMap::new(),
            emotions: [EmotionStats::default(); 8],
            has_emotions: false,
            weeks: BTreeMap::new(),
            undated: 0,
            reasons: BTreeMap::new(),
            queue: QaQueue::new(opts.top),
            next_seq: 0,
        }
    }

    /// Checks that a file is hlas output and notes its metadata and columns.
    fn start_file(&mut self, source: &Source, schema: &Schema) -> Result<(), ReportError> {
        for column in ["text", "sentiment"] {
            if !source.has_column(schema, column) {
                return Err(ReportError::NotHlasOutput { path: source.path.clone(), column });
            }
        }
        for (key, values) in &mut self.metadata {
            if let Some(v) = schema.metadata().get(key)
                && !values.contains(v)
            {
                values.push(v.clone());
            }
        }
        for (seen, name) in self.context_seen.iter_mut().zip(&self.context_names) {
            *seen |= source.has_column(schema, name);
        }
        self.has_themes |= source.has_column(schema, "themes") || source.has_column(schema, "theme_sentiment");
        self.has_emotions |=
            source.has_column(schema, "emotion") || EMOTIONS.iter().any(|e| source.has_column(schema, e));
        let has_date = source.has_column(schema, &self.date_col);
        self.files.push(FileNote { path: source.path.clone(), rows: 0, has_date });
        Ok(())
    }

    /// Folds one batch into the figures and offers its flagged rows to the queue.
    fn add_batch(&mut self, batch: &RecordBatch, source: &Source) -> Result<(), ReportError> {
        let cols = BatchColumns::read(batch, source, &self.date_col, &self.context_names)?;
        for row in 0..batch.num_rows() {
            let seq = self.next_seq;
            self.next_seq += 1;
            let analysed = self.count_row(&cols, row);
            self.count_flag(&cols, row, seq, analysed);
        }
        if let Some(file) = self.files.last_mut() {
            file.rows += batch.num_rows() as u64;
        }
        Ok(())
    }

    /// Counts a row in the totals, the language, theme, emotion and week figures. Returns its sentiment when it
    /// was analysed (no error, a score), `None` otherwise.
    fn count_row(&mut self, cols: &BatchColumns, row: usize) -> Option<f32> {
        self.rows += 1;
        let lang = value_at(&cols.lang, row).and_then(|l| l.parse::<Lang>().ok()).unwrap_or(Lang::Und);
        let lang_stats = &mut self.langs[lang.index()];
        lang_stats.rows += 1;
        let has_error = value_at(&cols.error, row).is_some();
        self.errors += u64::from(has_error);
        let score = Some(&cols.sentiment)
            .filter(|s| s.is_valid(row))
            .map(|s| s.value(row))
            .filter(|s| s.is_finite() && !has_error);
        let week =
            value_at(&cols.dates, row).and_then(parse_date).map(|day| self.weeks.entry(monday_of(day)).or_default());
        match week {
            Some(week) => {
                week.rows += 1;
                if let Some(score) = score {
                    week.analysed += 1;
                    week.sentiment_sum += f64::from(score);
                }
            }
            None => self.undated += 1,
        }
        let score = score?;
        self.analysed += 1;
        let label = label_index(value_at(&cols.label, row), score);
        lang_stats.analysed += 1;
        lang_stats.labels[label] += 1;
        lang_stats.sentiment_sum += f64::from(score);

        // Themes: each theme's own sentiment when the output has it, else the row's.
        if let Some(ts) = &cols.theme_sentiment {
            for item in ts.items(row) {
                let Some(theme) = ts.text(0, item) else { continue };
                let theme_score = ts.number(0, item).unwrap_or(0.0) as f32;
                let stats = self.themes.entry(theme.to_string()).or_default();
                stats.rows += 1;
                stats.mentions += ts.number(1, item).unwrap_or(1.0).max(0.0) as u64;
                stats.labels[label_index(ts.text(1, item), theme_score)] += 1;
                stats.sentiment_sum += f64::from(theme_score);
            }
        } else if let Some(themes) = &cols.themes {
            for theme in themes.row(row) {
                let stats = self.themes.entry(theme.to_string()).or_default();
                stats.rows += 1;
                stats.mentions += 1;
                stats.labels[label] += 1;
                stats.sentiment_sum += f64::from(score);
            }
        }
        if let Some(e) = value_at(&cols.dominant, row).and_then(|d| EMOTIONS.iter().position(|x| *x == d)) {
            self.emotions[e].dominant += 1;
        }
        for (stats, col) in self.emotions.iter_mut().zip(&cols.emotion_scores) {
            let value = col.as_ref().filter(|c| c.is_valid(row)).map(|c| c.value(row));
            if let Some(v) = value.filter(|v| v.is_finite()) {
                stats.score_sum += f64::from(v);
                stats.scored += 1;
            }
        }
        Some(score)
    }

    /// Counts a flagged row and its reasons, and queues it when its priority earns a place.
    fn count_flag(&mut self, cols: &BatchColumns, row: usize, seq: u64, sentiment: Option<f32>) {
        let priority = cols.priority.as_ref().filter(|p| p.is_valid(row)).map_or(0, |p| p.value(row).clamp(0, 255));
        let priority = priority as u32;
        let flagged = match &cols.flagged {
            Some(f) => f.is_valid(row) && f.value(row),
            None => priority > 0,
        };
        if !flagged {
            return;
        }
        self.flagged += 1;
        if let Some(reasons) = &cols.reasons {
            for r in reasons.row(row) {
                *self.reasons.entry(clip(r, MAX_SHORT_CHARS)).or_default() += 1;
            }
        }
        if !self.queue.admits(priority, seq) {
            return;
        }
        let text = if cols.text.is_valid(row) { cols.text.value(row) } else { "" };
        let (shown, text_chars) = cut_text(text);
        let tags = |list: &Option<StrList>| -> Vec<String> {
            let items = list.iter().flat_map(|l| l.row(row)).take(MAX_TAGS);
            items.map(|s| clip(s, MAX_SHORT_CHARS)).collect()
        };
        self.queue.push(QueuedRow {
            seq,
            priority,
            id: clip(value_at(&cols.id, row).unwrap_or(""), MAX_SHORT_CHARS),
            lang: clip(value_at(&cols.lang, row).unwrap_or("und"), MAX_SHORT_CHARS),
            sentiment,
            reasons: tags(&cols.reasons),
            themes: tags(&cols.themes),
            context: cols.context.iter().map(|c| value_at(c, row).map(|v| clip(v, MAX_SHORT_CHARS))).collect(),
            marks: cols.marks(row, text_chars),
            text: shown,
            text_chars,
        });
    }
}

/// The columns of one batch that the report reads, found by name and cast; `None` for optional ones it lacks.
struct BatchColumns {
    text: StringArray,
    sentiment: Float32Array,
    id: Option<StringArray>,
    lang: Option<StringArray>,
    label: Option<StringArray>,
    error: Option<StringArray>,
    flagged: Option<BooleanArray>,
    priority: Option<Int64Array>,
    reasons: Option<StrList>,
    themes: Option<StrList>,
    /// Items: texts (theme, label), numbers (sentiment, mentions).
    theme_sentiment: Option<StructList>,
    /// Items: texts (kind, label), numbers (start, end).
    evidence: Option<StructList>,
    dominant: Option<StringArray>,
    /// In [`EMOTIONS`] order.
    emotion_scores: Vec<Option<Float32Array>>,
    dates: Option<StringArray>,
    /// In [`Aggregator::context_names`] order.
    context: Vec<Option<StringArray>>,
}

impl BatchColumns {
    fn read(
        batch: &RecordBatch,
        source: &Source,
        date_col: &str,
        context_names: &[String],
    ) -> Result<Self, ReportError> {
        let missing = |column| ReportError::NotHlasOutput { path: source.path.clone(), column };
        let mut emotion_scores = Vec::with_capacity(EMOTIONS.len());
        for e in EMOTIONS {
            emotion_scores.push(source.floats(batch, e)?);
        }
        let mut context = Vec::with_capacity(context_names.len());
        for name in context_names {
            context.push(source.strings(batch, name)?);
        }
        Ok(BatchColumns {
            text: source.strings(batch, "text")?.ok_or_else(|| missing("text"))?,
            sentiment: source.floats(batch, "sentiment")?.ok_or_else(|| missing("sentiment"))?,
            id: source.strings(batch, "id")?,
            lang: source.strings(batch, "lang")?,
            label: source.strings(batch, "sentiment_label")?,
            error: source.strings(batch, "error")?,
            flagged: source.bools(batch, "flagged")?,
            priority: source.ints(batch, "priority")?,
            reasons: source.string_list(batch, "flag_reasons")?,
            themes: source.string_list(batch, "themes")?,
            theme_sentiment: source.struct_list(
                batch,
                "theme_sentiment",
                &["theme", "label"],
                &["sentiment", "mentions"],
            )?,
            evidence: source.struct_list(batch, "evidence", &["kind", "label"], &["start", "end"])?,
            dominant: source.strings(batch, "emotion")?,
            emotion_scores,
            dates: source.strings(batch, date_col)?,
            context,
        })
    }

    /// The highlights of a row whose text has `text_chars` characters: its flag, theme and sentiment evidence. A
    /// span outside the whole text is ignored; the others are cut to the part shown ([`MAX_TEXT_CHARS`]).
    fn marks(&self, row: usize, text_chars: usize) -> Vec<Mark> {
        let Some(ev) = &self.evidence else { return Vec::new() };
        let shown_chars = text_chars.min(MAX_TEXT_CHARS);
        let mut marks = Vec::new();
        for item in ev.items(row) {
            let Some(kind) = ev.text(0, item).and_then(MarkKind::parse) else { continue };
            let (Some(start), Some(end)) = (ev.number(0, item), ev.number(1, item)) else { continue };
            if !(start >= 0.0 && start < end && end <= text_chars as f64) {
                continue;
            }
            let (start, end) = (start as usize, (end as usize).min(shown_chars));
            if start < end {
                let label = clip(ev.text(1, item).unwrap_or(""), MAX_SHORT_CHARS);
                marks.push(Mark { start, end, kind, label });
            }
        }
        marks
    }
}

// ---------------------------------------------------------------------------------------------------------------
// The page

/// The class of each sentiment label's colour, in [`SentimentLabel::ALL`] order.
const LABEL_CLASSES: [&str; 4] = ["neg", "neu", "pos", "mix"];

/// The report's one style block. Sentiment colours: negative red, neutral grey, positive green, mixed amber.
const STYLE: &str = r#"
:root { --ink: #1f2933; --muted: #5f6b76; --line: #d9dee3; --bg: #fbfbfa; --panel: #ffffff;
  --neg: #c4553f; --neu: #a3aab1; --pos: #4c9a6a; --mix: #d9a13b; --bar: #5b7fa3; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 24px 28px 64px; }
h1 { font-size: 26px; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 20px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 15px; margin: 18px 0 6px; }
p, li { max-width: 90ch; }
.muted, .meta { color: var(--muted); }
.meta { margin: 0 0 6px; overflow-wrap: anywhere; }
.files { margin: 4px 0 0; padding-left: 20px; color: var(--muted); overflow-wrap: anywhere; }
.tiles { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }
.tile { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 10px 16px; min-width: 150px; }
.tile b { display: block; font-size: 22px; }
.tile span { color: var(--muted); }
table { border-collapse: collapse; background: var(--panel); margin: 8px 0 4px; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 10px; text-align: left; vertical-align: top; }
th { font-weight: 600; background: #f1f3f5; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.few td { color: var(--muted); }
svg.chart { display: block; width: 100%; max-width: 920px; height: auto; margin: 8px 0; font-family: inherit; }
svg .grid { stroke: #e6e9ec; stroke-width: 1; }
svg .zero { stroke: #8b949c; stroke-width: 1; stroke-dasharray: 4 3; }
svg .tick { font-size: 11px; fill: var(--muted); }
svg .axis-label { font-size: 12px; fill: var(--muted); }
svg .bar-label, svg .note { font-size: 12px; fill: var(--ink); }
svg .seg-label { font-size: 11px; fill: #ffffff; }
svg .neg { fill: var(--neg); } svg .neu { fill: var(--neu); } svg .pos { fill: var(--pos); } svg .mix { fill: var(--mix); }
svg .bar { fill: var(--bar); }
svg .line { fill: none; stroke: #1f2933; stroke-width: 2; }
svg .dot { fill: #1f2933; }
.legend { display: flex; flex-wrap: wrap; gap: 14px; margin: 4px 0; color: var(--muted); }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
.swatch.neg { background: var(--neg); } .swatch.neu { background: var(--neu); } .swatch.pos { background: var(--pos); }
.swatch.mix { background: var(--mix); } .swatch.bar { background: var(--bar); } .swatch.line { background: #1f2933; height: 3px; vertical-align: 3px; }
.note-box { background: #fff8e6; border: 1px solid #ecd9a6; border-radius: 6px; padding: 8px 12px; max-width: 90ch; }
details { margin: 6px 0; } summary { cursor: pointer; color: var(--muted); }
.filters { display: flex; flex-wrap: wrap; gap: 16px; align-items: center; margin: 10px 0; }
.filters label { color: var(--muted); }
.filters select { margin-left: 6px; font: inherit; }
table.qa { width: 100%; table-layout: fixed; }
table.qa col.c-rank { width: 44px; } table.qa col.c-prio { width: 70px; } table.qa col.c-row { width: 200px; }
table.qa col.c-tags { width: 240px; }
table.qa td { overflow-wrap: anywhere; }
.rowmeta { margin: 0; } .rowmeta div { color: var(--muted); font-size: 12px; }
.rowmeta .id { color: var(--ink); font-weight: 600; font-size: 13px; }
.prio { font-size: 18px; font-weight: 700; }
.tag { display: inline-block; border-radius: 10px; padding: 0 8px; margin: 0 4px 4px 0; font-size: 12px;
  background: #eef1f4; border: 1px solid var(--line); }
.tag.reason { background: #fbe9e5; border-color: #efc3b8; }
.text { white-space: pre-wrap; margin: 0; font-size: 13.5px; }
mark { border-radius: 2px; padding: 0 1px; color: inherit; }
mark.m-flag { background: #f6c1b4; box-shadow: inset 0 -2px 0 var(--neg); }
mark.m-theme { background: #cfe0f3; }
mark.m-sentiment { background: #fbe7a6; }
.cut { color: var(--muted); font-style: italic; }
"#;

/// The filter of the QA queue: two selects that hide rows. The page reads fully without it (the filter bar stays
/// hidden, every row shown). No data is written into it; it reads the rows' `data-lang` and `data-reason`.
const SCRIPT: &str = r##"
(function () {
  var bar = document.getElementById("qa-filters");
  var reason = document.getElementById("f-reason");
  var lang = document.getElementById("f-lang");
  var shown = document.getElementById("qa-shown");
  if (!bar || !reason || !lang || !shown) { return; }
  var rows = Array.prototype.slice.call(document.querySelectorAll("#qa-table tbody tr"));
  function apply() {
    var visible = 0;
    rows.forEach(function (row) {
      var langOk = !lang.value || row.getAttribute("data-lang") === lang.value;
      var reasonOk = !reason.value || Array.prototype.some.call(row.querySelectorAll("[data-reason]"), function (tag) {
        return tag.getAttribute("data-reason") === reason.value;
      });
      row.hidden = !(langOk && reasonOk);
      if (!row.hidden) { visible += 1; }
    });
    shown.textContent = visible + " of " + rows.length + " rows shown";
  }
  reason.addEventListener("change", apply);
  lang.addEventListener("change", apply);
  bar.hidden = false;
  apply();
})();
"##;

/// `sha256-…` of a text, as a Content-Security-Policy source for the inline block with exactly that text.
fn csp_hash(text: &str) -> String {
    format!("'sha256-{}'", base64(&Sha256::digest(text.as_bytes())))
}

/// Standard base64 with padding. Hand-written for the two CSP hashes: fifteen lines, no crate worth it.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> shift) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn label_legend(out: &mut Html, with_mixed: bool) {
    html!(out, "<div class=\"legend\">");
    for (i, label) in SentimentLabel::ALL.iter().enumerate() {
        if *label == SentimentLabel::Mixed && !with_mixed {
            continue;
        }
        html!(out, "<span><span class=\"swatch {}\"></span>{}</span>", LABEL_CLASSES[i], label.as_str());
    }
    html!(out, "</div>");
}

fn mean(sum: f64, n: u64) -> Option<f64> {
    (n > 0).then(|| sum / n as f64)
}

impl Aggregator {
    /// The whole page.
    fn render(&self) -> String {
        let mut out = Html::new();
        let csp = format!(
            "default-src 'none'; style-src {}; script-src {}; img-src 'none'; form-action 'none'; base-uri 'none'",
            csp_hash(STYLE),
            csp_hash(SCRIPT)
        );
        html!(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html!(out, "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n", Esc(&csp));
        html!(out, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        html!(out, "<meta name=\"generator\" content=\"hlas {}\">\n", env!("CARGO_PKG_VERSION"));
        html!(out, "<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n<main>\n", Esc(&self.title), STYLE);
        self.render_header(&mut out);
        self.render_overview(&mut out);
        self.render_languages(&mut out);
        self.render_themes(&mut out);
        self.render_emotions(&mut out);
        self.render_trend(&mut out);
        self.render_queue(&mut out);
        html!(out, "</main>\n<script>{}</script>\n</body>\n</html>\n", SCRIPT);
        out.into_string()
    }

    fn render_header(&self, out: &mut Html) {
        html!(out, "<h1>{}</h1>\n<p class=\"meta\">", Esc(&self.title));
        for (i, (key, values)) in self.metadata.iter().enumerate() {
            let name = match *key {
                "hlas.version" => "hlas version",
                "hlas.schema_version" => "schema version",
                _ => "lexicon hash",
            };
            if i > 0 {
                html!(out, " · ");
            }
            html!(out, "{} ", name);
            if values.is_empty() {
                html!(out, "<i>not recorded</i>");
            } else {
                html!(out, "<code>{}</code>", Esc(&values.join(", ")));
                if values.len() > 1 {
                    html!(out, " (the files differ)");
                }
            }
        }
        html!(
            out,
            "</p>\n<p class=\"meta\">Input: {} file(s)</p>\n<ul class=\"files\">",
            Count(self.files.len() as u64)
        );
        for file in self.files.iter().take(MAX_FILES_NAMED) {
            html!(
                out,
                "<li><code>{}</code> — {}</li>",
                Esc(&file.path.display().to_string()),
                Counted::rows(file.rows)
            );
        }
        if self.files.len() > MAX_FILES_NAMED {
            html!(out, "<li>… and {} more</li>", Count((self.files.len() - MAX_FILES_NAMED) as u64));
        }
        html!(out, "</ul>\n");
    }

    fn render_overview(&self, out: &mut Html) {
        html!(out, "<section id=\"overview\">\n<h2>Overview</h2>\n<div class=\"tiles\">");
        let tile = |out: &mut Html, value: Count, what: &'static str| {
            html!(out, "<div class=\"tile\"><b>{}</b><span>{}</span></div>", value, what);
        };
        tile(out, Count(self.rows), "rows");
        tile(out, Count(self.analysed), "analysed");
        tile(out, Count(self.errors), "rows with an error");
        tile(out, Count(self.flagged), "flagged for QA");
        tile(out, Count(self.queue.len() as u64), "in the QA queue below");
        html!(out, "</div>\n");
        if self.errors > 0 {
            html!(
                out,
                "<p class=\"muted\">Rows with an error were not analysed: they count in the totals and the language \
                 mix (as <code>und</code>) but not in the statistics below.</p>\n"
            );
        }
        html!(out, "<h3>Language mix</h3>\n<table><thead><tr><th>language</th><th class=\"num\">rows</th>");
        html!(out, "<th class=\"num\">share</th></tr></thead><tbody>");
        for lang in Lang::ALL {
            let stats = &self.langs[lang.index()];
            if stats.rows == 0 {
                continue;
            }
            html!(
                out,
                "<tr><td>{} <span class=\"muted\">({})</span></td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                lang.code(),
                lang.name(),
                Count(stats.rows),
                Pct(stats.rows, self.rows)
            );
        }
        html!(out, "</tbody></table>\n</section>\n");
    }

    fn with_mixed(&self) -> bool {
        self.langs.iter().any(|l| l.labels[3] > 0) || self.themes.values().any(|t| t.labels[3] > 0)
    }

    fn render_languages(&self, out: &mut Html) {
        html!(out, "<section id=\"sentiment\">\n<h2>Sentiment by language</h2>\n");
        let with_mixed = self.with_mixed();
        let langs: Vec<Lang> = Lang::ALL.into_iter().filter(|l| self.langs[l.index()].analysed > 0).collect();
        if langs.is_empty() {
            html!(out, "<p class=\"muted\">No analysed rows.</p>\n</section>\n");
            return;
        }
        html!(out, "<p class=\"muted\">Share of each sentiment label among the analysed rows of each language.</p>\n");
        label_legend(out, with_mixed);
        let bars: Vec<Bar> = langs
            .iter()
            .map(|lang| {
                let s = &self.langs[lang.index()];
                Bar {
                    label: format!("{} ({})", lang.code(), lang.name()),
                    segments: SentimentLabel::ALL
                        .iter()
                        .enumerate()
                        .map(|(i, label)| Segment {
                            value: s.labels[i] as f64,
                            count: s.labels[i],
                            class: LABEL_CLASSES[i],
                            tooltip: format!(
                                "{}, {}: {} ({})",
                                lang.code(),
                                label.as_str(),
                                Counted::rows(s.labels[i]),
                                Pct(s.labels[i], s.analysed)
                            ),
                        })
                        .collect(),
                    note: format!("n={} · mean {}", Count(s.analysed), Score(mean(s.sentiment_sum, s.analysed))),
                }
            })
            .collect();
        out_chart(out, bar_chart(&bars, Scale::Share, "share of the language's rows", "Sentiment labels per language"));
        html!(out, "<table><thead><tr><th>language</th><th class=\"num\">analysed</th>");
        for (i, label) in SentimentLabel::ALL.iter().enumerate() {
            if i < 3 || with_mixed {
                html!(out, "<th class=\"num\">{}</th>", label.as_str());
            }
        }
        html!(out, "<th class=\"num\">mean sentiment</th></tr></thead><tbody>");
        for lang in langs {
            let s = &self.langs[lang.index()];
            html!(out, "<tr><td>{}</td><td class=\"num\">{}</td>", lang.code(), Count(s.analysed));
            for i in 0..SentimentLabel::ALL.len() {
                if i < 3 || with_mixed {
                    html!(
                        out,
                        "<td class=\"num\">{} <span class=\"muted\">({})</span></td>",
                        Count(s.labels[i]),
                        Pct(s.labels[i], s.analysed)
                    );
                }
            }
            html!(out, "<td class=\"num\">{}</td></tr>", Score(mean(s.sentiment_sum, s.analysed)));
        }
        html!(out, "</tbody></table>\n</section>\n");
    }

    fn render_themes(&self, out: &mut Html) {
        html!(out, "<section id=\"themes\">\n<h2>Themes</h2>\n");
        if !self.has_themes {
            html!(out, "<p class=\"muted\">The input has no <code>themes</code> column.</p>\n</section>\n");
            return;
        }
        if self.themes.is_empty() {
            html!(out, "<p class=\"muted\">No themes were found in the analysed rows.</p>\n</section>\n");
            return;
        }
        let mut by_volume: Vec<(&String, &ThemeStats)> = self.themes.iter().collect();
        by_volume.sort_by(|a, b| b.1.rows.cmp(&a.1.rows).then(b.1.mentions.cmp(&a.1.mentions)).then(a.0.cmp(b.0)));
        html!(
            out,
            "<h3>By volume</h3>\n<p class=\"muted\">Rows mentioning each theme, split by the theme's own sentiment in \
             each row (<code>theme_sentiment</code>); after each bar, the rows and the mentions.</p>\n"
        );
        label_legend(out, self.with_mixed());
        let bars: Vec<Bar> = by_volume
            .iter()
            .take(MAX_THEMES_SHOWN)
            .map(|(theme, s)| Bar {
                label: (*theme).clone(),
                segments: SentimentLabel::ALL
                    .iter()
                    .enumerate()
                    .map(|(i, label)| Segment {
                        value: s.labels[i] as f64,
                        count: s.labels[i],
                        class: LABEL_CLASSES[i],
                        tooltip: format!("{theme}: {} {}", Counted::rows(s.labels[i]), label.as_str()),
                    })
                    .collect(),
                note: format!("{} · {}", Counted::rows(s.rows), Counted(s.mentions, "mention", "mentions")),
            })
            .collect();
        out_chart(out, bar_chart(&bars, Scale::Count, "rows", "Themes by volume"));
        if by_volume.len() > MAX_THEMES_SHOWN {
            html!(
                out,
                "<p class=\"muted\">… and {} smaller themes.</p>\n",
                Count((by_volume.len() - MAX_THEMES_SHOWN) as u64)
            );
        }

        let mut by_negativity: Vec<(&String, &ThemeStats)> = by_volume.clone();
        let share = |s: &ThemeStats| s.labels[0] as f64 / s.rows.max(1) as f64;
        by_negativity.sort_by(|a, b| {
            let few = |s: &ThemeStats| s.rows < MIN_THEME_ROWS;
            few(a.1)
                .cmp(&few(b.1))
                .then(share(b.1).total_cmp(&share(a.1)))
                .then(
                    (a.1.sentiment_sum / a.1.rows.max(1) as f64)
                        .total_cmp(&(b.1.sentiment_sum / b.1.rows.max(1) as f64)),
                )
                .then(b.1.rows.cmp(&a.1.rows))
                .then(a.0.cmp(b.0))
        });
        html!(
            out,
            "<h3>By negativity</h3>\n<p class=\"muted\">Themes ranked by the share of their rows where the theme's own \
             sentiment is negative. Themes in fewer than {} rows are listed last, unranked.</p>\n",
            MIN_THEME_ROWS
        );
        html!(
            out,
            "<table><thead><tr><th class=\"num\">#</th><th>theme</th><th class=\"num\">rows</th><th class=\"num\">share \
             negative</th><th class=\"num\">mean theme sentiment</th><th class=\"num\">negative</th><th \
             class=\"num\">neutral</th><th class=\"num\">positive</th>"
        );
        let with_mixed = self.with_mixed();
        if with_mixed {
            html!(out, "<th class=\"num\">mixed</th>");
        }
        html!(out, "</tr></thead><tbody>");
        for (rank, (theme, s)) in by_negativity.iter().take(MAX_THEMES_SHOWN).enumerate() {
            if s.rows < MIN_THEME_ROWS {
                html!(
                    out,
                    "<tr class=\"few\"><td class=\"num\">–</td><td>{} <span class=\"muted\">(few rows)</span></td>",
                    Esc(theme)
                );
            } else {
                html!(out, "<tr><td class=\"num\">{}</td><td>{}</td>", rank + 1, Esc(theme));
            }
            html!(
                out,
                "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td \
                 class=\"num\">{}</td><td class=\"num\">{}</td>",
                Count(s.rows),
                Pct(s.labels[0], s.rows),
                Score(mean(s.sentiment_sum, s.rows)),
                Count(s.labels[0]),
                Count(s.labels[1]),
                Count(s.labels[2])
            );
            if with_mixed {
                html!(out, "<td class=\"num\">{}</td>", Count(s.labels[3]));
            }
            html!(out, "</tr>");
        }
        html!(out, "</tbody></table>\n</section>\n");
    }

    fn render_emotions(&self, out: &mut Html) {
        html!(out, "<section id=\"emotions\">\n<h2>Emotions</h2>\n");
        if !self.has_emotions {
            html!(out, "<p class=\"muted\">The input has no emotion columns.</p>\n</section>\n");
            return;
        }
        html!(
            out,
            "<p class=\"muted\">Rows where each emotion is the dominant one (<code>emotion</code>), with the mean \
             intensity (0–1) over all {} analysed rows.</p>\n",
            Count(self.analysed)
        );
        let bars: Vec<Bar> = EMOTIONS
            .iter()
            .zip(&self.emotions)
            .map(|(name, s)| Bar {
                label: (*name).to_string(),
                segments: vec![Segment {
                    value: s.dominant as f64,
                    count: s.dominant,
                    class: "bar",
                    tooltip: format!("{name}: dominant in {}", Counted::rows(s.dominant)),
                }],
                note: match mean(s.score_sum, s.scored) {
                    Some(m) => format!("{} · mean {m:.2}", Counted::rows(s.dominant)),
                    None => Counted::rows(s.dominant).to_string(),
                },
            })
            .collect();
        out_chart(out, bar_chart(&bars, Scale::Count, "rows where it is the dominant emotion", "Dominant emotions"));
        html!(
            out,
            "<table><thead><tr><th>emotion</th><th class=\"num\">dominant in rows</th><th class=\"num\">share</th><th \
             class=\"num\">mean intensity</th></tr></thead><tbody>"
        );
        for (name, s) in EMOTIONS.iter().zip(&self.emotions) {
            html!(
                out,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
                *name,
                Count(s.dominant),
                Pct(s.dominant, self.analysed)
            );
            match mean(s.score_sum, s.scored) {
                Some(m) => html!(out, "<td class=\"num\">{:.3}</td></tr>", m),
                None => html!(out, "<td class=\"num\">–</td></tr>"),
            }
        }
        html!(out, "</tbody></table>\n</section>\n");
    }

    fn render_trend(&self, out: &mut Html) {
        html!(out, "<section id=\"trend\">\n<h2>Trend over time</h2>\n");
        let with_date = self.files.iter().filter(|f| f.has_date).count();
        if with_date == 0 {
            if self.date_col_given {
                html!(
                    out,
                    "<p class=\"note-box\">The date column <code>{}</code> (<code>--date-col</code>) is not in the \
                     input, so there is no trend. Name the column that holds each row's date.</p>\n</section>\n",
                    Esc(&self.date_col)
                );
            } else {
                html!(
                    out,
                    "<p class=\"note-box\">The input has no <code>{}</code> column, so there is no trend. Use \
                     <code>--date-col NAME</code> to name the column that holds each row's date.</p>\n</section>\n",
                    Esc(&self.date_col)
                );
            }
            return;
        }
        html!(
            out,
            "<p class=\"muted\">Rows per ISO week (weeks start on Monday), by the date in <code>{}</code>, and the mean \
             sentiment of the week's analysed rows.</p>\n",
            Esc(&self.date_col)
        );
        if with_date < self.files.len() {
            html!(
                out,
                "<p class=\"note-box\">These files have no <code>{}</code> column; their rows count as no date:",
                Esc(&self.date_col)
            );
            for file in self.files.iter().filter(|f| !f.has_date).take(MAX_FILES_NAMED) {
                html!(out, " <code>{}</code>", Esc(&file.path.display().to_string()));
            }
            html!(out, "</p>\n");
        }
        let (Some((&first, _)), Some((&last, _))) = (self.weeks.first_key_value(), self.weeks.last_key_value()) else {
            html!(
                out,
                "<p class=\"muted\">No row has a readable date (<code>YYYY-MM-DD</code>, with or without a time).</p>\n"
            );
            self.render_undated(out);
            html!(out, "</section>\n");
            return;
        };
        // Every week from the first to the last, empty ones included, so the axis is time.
        let n_weeks = ((last - first) / 7 + 1) as usize;
        let start = if n_weeks > MAX_WEEKS { last - 7 * (MAX_WEEKS as i64 - 1) } else { first };
        let earlier: u64 = self.weeks.range(..start).map(|(_, w)| w.rows).sum();
        let points: Vec<(IsoWeek, WeekStats)> = (0..n_weeks.min(MAX_WEEKS) as i64)
            .map(|i| {
                let monday = start + 7 * i;
                (iso_week(monday), self.weeks.get(&monday).copied().unwrap_or_default())
            })
            .collect();
        html!(out, "<div class=\"legend\"><span><span class=\"swatch bar\"></span>rows</span>");
        html!(out, "<span><span class=\"swatch line\"></span>mean sentiment (right axis)</span></div>\n");
        let chart_points: Vec<WeekPoint> = points
            .iter()
            .map(|(week, s)| {
                let m = mean(s.sentiment_sum, s.analysed);
                WeekPoint {
                    label: format_day(week.monday),
                    tooltip: format!(
                        "{}-W{:02} (from {}): {}, mean sentiment {}",
                        week.year,
                        week.week,
                        format_day(week.monday),
                        Counted::rows(s.rows),
                        Score(m)
                    ),
                    rows: s.rows,
                    mean: m,
                }
            })
            .collect();
        out_chart(out, weekly_chart(&chart_points, "Rows and mean sentiment per week"));
        if earlier > 0 {
            html!(
                out,
                "<p class=\"muted\">Not drawn: {} dated before {} (the chart shows the last {} weeks).</p>\n",
                Counted::rows(earlier),
                Esc(&format_day(start)),
                MAX_WEEKS
            );
        }
        self.render_undated(out);
        html!(
            out,
            "<details><summary>Weekly figures</summary><table><thead><tr><th>ISO week</th><th>Monday</th><th \
             class=\"num\">rows</th><th class=\"num\">mean sentiment</th></tr></thead><tbody>"
        );
        for (week, s) in &points {
            html!(
                out,
                "<tr><td>{}-W{:02}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                week.year,
                week.week,
                Esc(&format_day(week.monday)),
                Count(s.rows),
                Score(mean(s.sentiment_sum, s.analysed))
            );
        }
        html!(out, "</tbody></table></details>\n</section>\n");
    }

    fn render_undated(&self, out: &mut Html) {
        if self.undated > 0 {
            html!(
                out,
                "<p class=\"muted\">No date: {} (an empty, missing or unreadable date; dates are read as \
                 <code>YYYY-MM-DD</code>, with or without a time).</p>\n",
                Counted::rows(self.undated)
            );
        }
    }

    fn render_queue(&self, out: &mut Html) {
        html!(out, "<section id=\"qa\">\n<h2>QA queue</h2>\n");
        let rows = self.queue.sorted();
        if self.flagged == 0 {
            html!(out, "<p class=\"muted\">No row is flagged.</p>\n</section>\n");
            return;
        }
        html!(
            out,
            "<p class=\"muted\">The {} flagged rows of highest priority (of {} flagged), most urgent first; equal \
             priorities in input order. Highlighted: <mark class=\"m-flag\">flag</mark> <mark \
             class=\"m-theme\">theme</mark> <mark class=\"m-sentiment\">sentiment</mark> evidence (hover for \
             labels).</p>\n",
            Count(rows.len() as u64),
            Count(self.flagged)
        );
        if !self.reasons.is_empty() {
            html!(
                out,
                "<details><summary>Flagged rows by reason</summary><table><thead><tr><th>reason</th><th class=\"num\">rows</th></tr></thead><tbody>"
            );
            let mut reasons: Vec<(&String, &u64)> = self.reasons.iter().collect();
            reasons.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            for (reason, n) in reasons {
                html!(out, "<tr><td>{}</td><td class=\"num\">{}</td></tr>", Esc(reason), Count(*n));
            }
            html!(out, "</tbody></table></details>\n");
        }
        if rows.is_empty() {
            html!(out, "<p class=\"muted\">The queue is empty (<code>--top 0</code>).</p>\n</section>\n");
            return;
        }
        // The filter: hidden until the script shows it, so a page without JavaScript shows no dead controls.
        let mut reasons: Vec<&str> = rows.iter().flat_map(|r| r.reasons.iter().map(String::as_str)).collect();
        reasons.sort_unstable();
        reasons.dedup();
        let mut langs: Vec<&str> = rows.iter().map(|r| r.lang.as_str()).collect();
        langs.sort_unstable();
        langs.dedup();
        html!(
            out,
            "<div class=\"filters\" id=\"qa-filters\" hidden><label>Reason<select id=\"f-reason\"><option value=\"\">all</option>"
        );
        for r in &reasons {
            html!(out, "<option value=\"{}\">{}</option>", Esc(r), Esc(r));
        }
        html!(out, "</select></label><label>Language<select id=\"f-lang\"><option value=\"\">all</option>");
        for l in &langs {
            html!(out, "<option value=\"{}\">{}</option>", Esc(l), Esc(l));
        }
        html!(out, "</select></label><span class=\"muted\" id=\"qa-shown\"></span></div>\n");

        let shown_context: Vec<usize> = (0..self.context_names.len()).filter(|&c| self.context_seen[c]).collect();
        html!(
            out,
            "<table class=\"qa\" id=\"qa-table\"><colgroup><col class=\"c-rank\"><col class=\"c-prio\"><col \
             class=\"c-row\"><col class=\"c-tags\"><col></colgroup><thead><tr><th class=\"num\">#</th><th \
             class=\"num\">priority</th><th>row</th><th>reasons · themes</th><th>text</th></tr></thead><tbody>\n"
        );
        for (rank, row) in rows.iter().enumerate() {
            html!(
                out,
                "<tr data-lang=\"{}\"><td class=\"num\">{}</td><td class=\"num\"><span class=\"prio\">{}</span></td>",
                Esc(&row.lang),
                rank + 1,
                row.priority
            );
            html!(out, "<td><div class=\"rowmeta\"><div class=\"id\">{}</div>", Esc(&row.id));
            html!(out, "<div>{} · sentiment {}</div>", Esc(&row.lang), Score(row.sentiment.map(f64::from)));
            for &c in &shown_context {
                if let Some(Some(value)) = row.context.get(c) {
                    html!(out, "<div>{}: {}</div>", Esc(&self.context_names[c]), Esc(value));
                }
            }
            html!(out, "</div></td><td>");
            for reason in &row.reasons {
                html!(out, "<span class=\"tag reason\" data-reason=\"{}\">{}</span>", Esc(reason), Esc(reason));
            }
            if !row.themes.is_empty() {
                html!(out, "<div>");
                for theme in &row.themes {
                    html!(out, "<span class=\"tag\">{}</span>", Esc(theme));
                }
                html!(out, "</div>");
            }
            html!(out, "</td><td><p class=\"text\">{}", &highlight(&row.text, &row.marks));
            if row.text_chars > MAX_TEXT_CHARS {
                html!(
                    out,
                    "… <span class=\"cut\">(cut: {} of {} characters shown)</span>",
                    Count(MAX_TEXT_CHARS as u64),
                    Count(row.text_chars as u64)
                );
            }
            html!(out, "</p></td></tr>\n");
        }
        html!(out, "</tbody></table>\n</section>\n");
    }
}

/// Appends a chart.
fn out_chart(out: &mut Html, chart: Html) {
    html!(out, "{}\n", &chart);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::{AnalyzeOptions, analyze};
    use crate::ingest::{Body, Record};
    use crate::write::{build_batch, output_schema};
    use std::fs::File;

    fn mark(start: usize, end: usize, kind: MarkKind, label: &str) -> Mark {
        Mark { start, end, kind, label: label.to_string() }
    }

    /// Checks that `<mark>` elements never nest and always close.
    fn assert_flat_marks(html: &str) {
        let mut open = false;
        let mut rest = html;
        while let Some(at) = rest.find("<mark").into_iter().chain(rest.find("</mark>")).min() {
            if rest[at..].starts_with("</mark>") {
                assert!(open, "a </mark> without <mark> in {html}");
                open = false;
                rest = &rest[at + 7..];
            } else {
                assert!(!open, "nested <mark> in {html}");
                open = true;
                rest = &rest[at + 5..];
            }
        }
        assert!(!open, "an unclosed <mark> in {html}");
    }

    #[test]
    fn highlight_marks_a_span() {
        let out = highlight("I waited 40 minutes.", &[mark(2, 19, MarkKind::Theme, "wait_time")]);
        assert_eq!(out.as_str(), "I <mark class=\"m-theme\" title=\"theme: wait_time\">waited 40 minutes</mark>.");
    }

    #[test]
    fn overlapping_spans_merge_without_nesting() {
        let text = "Hrozná zkušenost, naprosto neschopný personál.";
        let marks = [
            mark(0, 16, MarkKind::Sentiment, "hrozná zkušenost"),
            mark(18, 36, MarkKind::Theme, "agent_competence"),
            mark(27, 36, MarkKind::Sentiment, "neschopný"),
            mark(27, 36, MarkKind::Flag, "anger"),
            mark(27, 45, MarkKind::Theme, "agent_attitude"),
            mark(0, 6, MarkKind::Sentiment, "hrozná"),
        ];
        let out = highlight(text, &marks);
        let html = out.as_str();
        assert_flat_marks(html);
        assert!(html.starts_with("<mark class=\"m-sentiment\" title=\"sentiment: hrozná; sentiment: hrozná zkušenost\">Hrozná zkušenost</mark>, "), "{html}");
        assert!(html.contains(">naprosto </mark><mark class=\"m-flag\" title=\"flag: anger; theme: agent_attitude; theme: agent_competence; sentiment: neschopný\">neschopný</mark><mark class=\"m-theme\""), "{html}");
        assert!(html.ends_with("<mark class=\"m-theme\" title=\"theme: agent_attitude\"> personál</mark>."), "{html}");
        // Nothing of the text is lost or repeated.
        let plain = html.split('<').map(|p| p.split_once('>').map_or(p, |(_, t)| t)).collect::<String>();
        assert_eq!(plain, text);
    }

    #[test]
    fn out_of_range_and_empty_spans_are_ignored() {
        let text = "short text";
        let marks = [
            mark(6, 100, MarkKind::Flag, "past the end"),
            mark(5, 5, MarkKind::Flag, "empty"),
            mark(8, 3, MarkKind::Flag, "reversed"),
            mark(usize::MAX - 1, usize::MAX, MarkKind::Flag, "far away"),
            mark(0, 5, MarkKind::Sentiment, "ok"),
        ];
        let out = highlight(text, &marks);
        assert_eq!(out.as_str(), "<mark class=\"m-sentiment\" title=\"sentiment: ok\">short</mark> text");
        assert_eq!(highlight("", &marks).as_str(), "");
    }

    #[test]
    fn offsets_are_characters_not_bytes() {
        // č is two bytes, 👍 four: byte offsets would cut them.
        let text = "čč 👍 ok";
        let out = highlight(text, &[mark(0, 2, MarkKind::Sentiment, "čč"), mark(3, 4, MarkKind::Flag, "emoji")]);
        assert_eq!(
            out.as_str(),
            "<mark class=\"m-sentiment\" title=\"sentiment: čč\">čč</mark> <mark class=\"m-flag\" \
             title=\"flag: emoji\">👍</mark> ok"
        );
        let out = highlight("Čekal jsem 40 minut", &[mark(11, 19, MarkKind::Theme, "wait_time")]);
        assert!(out.as_str().ends_with(">40 minut</mark>"));
    }

    #[test]
    fn highlighted_text_and_labels_are_escaped() {
        let text = "<b>bad</b> & \"worse\"";
        let out = highlight(text, &[mark(3, 6, MarkKind::Flag, "x\"><script>")]);
        assert_eq!(
            out.as_str(),
            "&lt;b&gt;<mark class=\"m-flag\" title=\"flag: x&quot;&gt;&lt;script&gt;\">bad</mark>&lt;/b&gt; &amp; \
             &quot;worse&quot;"
        );
    }

    fn date(s: &str) -> i64 {
        parse_date(s).unwrap_or_else(|| panic!("{s} parses"))
    }

    #[test]
    fn iso_weeks_start_on_monday() {
        let week = iso_week(date("2026-10-01"));
        assert_eq!((week.year, week.week, format_day(week.monday).as_str()), (2026, 40, "2026-09-28"));
        // The days of one week share it; the next Monday starts the next.
        assert_eq!(iso_week(date("2026-09-28")), week);
        assert_eq!(iso_week(date("2026-10-04")), week);
        assert_eq!(iso_week(date("2026-10-05")).week, 41);
        // Weeks at year ends belong to the year of their Thursday.
        let w = iso_week(date("2021-01-03"));
        assert_eq!((w.year, w.week), (2020, 53));
        let w = iso_week(date("2024-12-30"));
        assert_eq!((w.year, w.week, format_day(w.monday).as_str()), (2025, 1, "2024-12-30"));
        let w = iso_week(date("2026-01-01"));
        assert_eq!((w.year, w.week, format_day(w.monday).as_str()), (2026, 1, "2025-12-29"));
        assert_eq!(date("1970-01-01"), 0);
        assert_eq!(format_day(monday_of(0)), "1969-12-29");
    }

    #[test]
    fn day_numbers_round_trip() {
        for days in (-800_000..800_000).step_by(97) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
        // Day by day across a leap year and a century that is one (2000).
        let mut expected = (1999, 12, 25);
        for days in date("1999-12-25")..date("2001-03-05") {
            assert_eq!(civil_from_days(days), expected);
            let (y, m, d) = expected;
            expected = if d < days_in_month(y, m) {
                (y, m, d + 1)
            } else if m < 12 {
                (y, m + 1, 1)
            } else {
                (y + 1, 1, 1)
            };
        }
    }

    #[test]
    fn dates_are_read_leniently() {
        let day = date("2026-10-01");
        for s in ["2026-10-01", "2026-10-01T10:00:00Z", "2026-10-01 10:00", " 2026-10-01", "2026-10-01t08:00+02:00"] {
            assert_eq!(parse_date(s), Some(day), "{s}");
        }
        assert_eq!(parse_date("2024-02-29"), Some(date("2024-03-01") - 1));
        for s in [
            "",
            "yesterday",
            "2026-13-01",
            "2026-02-29",
            "2026-10-00",
            "01.10.2026",
            "2026-1-1",
            "2026-10-011",
            "２０２６-10-01",
        ] {
            assert_eq!(parse_date(s), None, "{s}");
        }
    }

    fn queued(seq: u64, priority: u32) -> QueuedRow {
        QueuedRow {
            seq,
            priority,
            id: format!("r{seq}"),
            lang: "en".into(),
            sentiment: None,
            reasons: vec![],
            themes: vec![],
            context: vec![],
            text: String::new(),
            text_chars: 0,
            marks: vec![],
        }
    }

    #[test]
    fn the_queue_keeps_the_top_n_by_priority_then_input_order() {
        let mut queue = QaQueue::new(5);
        // Priorities in a scrambled but fixed order, with many ties.
        let priorities: Vec<u32> = (0..1_000u64).map(|i| ((i * 37 + 11) % 7 * 10) as u32).collect();
        for (seq, &p) in priorities.iter().enumerate() {
            let seq = seq as u64;
            if queue.admits(p, seq) {
                queue.push(queued(seq, p));
            }
            assert!(queue.len() <= 5);
        }
        let mut expected: Vec<(u32, u64)> = priorities.iter().enumerate().map(|(s, &p)| (p, s as u64)).collect();
        expected.sort_by_key(|&(p, s)| (Reverse(p), s));
        expected.truncate(5);
        let got: Vec<(u32, u64)> = queue.sorted().iter().map(|r| (r.priority, r.seq)).collect();
        assert_eq!(got, expected);
        // A later row with the same priority as the last one kept does not displace it.
        let (p, _) = expected[4];
        assert!(!queue.admits(p, 5_000));
        assert!(queue.admits(p + 1, 5_000));
        let none = QaQueue::new(0);
        assert!(!none.admits(100, 0));
    }

    #[test]
    fn base64_matches_the_standard() {
        for (input, expected) in
            [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("foobar", "Zm9vYmFy")]
        {
            assert_eq!(base64(input.as_bytes()), expected);
        }
    }

    /// A batch of analysed rows made from a few texts, repeated to `n` rows, with a `date` and a `channel` column.
    fn synthetic_batch(n: usize) -> RecordBatch {
        let res = crate::test_resources();
        let long =
            format!("{} This is a scam, I will sue you, worst service ever!", "Very long complaint. ".repeat(300));
        let texts = [
            "This is a scam, I will sue you, worst service ever!",
            "Thanks, the agent was lovely and fixed it quickly.",
            "Čekal jsem 40 minut a nikdo to nevyřešil, hrůza!",
            "Nigdy więcej, tragiczna obsługa, rezygnuję z umowy.",
            long.as_str(),
            "ok",
        ];
        let records: Vec<Record> = (0..n)
            .map(|i| Record {
                id: format!("syn-{i}"),
                body: Body::Text(texts[i % texts.len()].to_string()),
                meta: vec![Some(format!("2026-10-{:02}", 1 + i % 28)), Some("web".to_string())],
                error: None,
            })
            .collect();
        let analyses: Vec<_> = records.iter().map(|r| analyze(r, res, &AnalyzeOptions::default())).collect();
        let schema = output_schema(&["date".into(), "channel".into()], "testhash");
        let theme_ids: Vec<String> = res.themes.themes.iter().map(|t| t.id.clone()).collect();
        build_batch(&schema, &records, &analyses, &theme_ids).expect("batch builds")
    }

    #[test]
    fn many_batches_stream_into_a_bounded_queue_and_page() {
        let batch = synthetic_batch(600);
        let source = Source::new(Path::new("synthetic.arrow"));
        let top = 50;
        let run = |batches: usize, top: usize| {
            let mut report = Aggregator::new(&ReportOptions::default().with_top(top));
            report.start_file(&source, &batch.schema()).expect("hlas output");
            for _ in 0..batches {
                report.add_batch(&batch, &source).expect("batch reads");
                assert!(report.queue.len() <= top);
            }
            report
        };
        let small = run(10, top);
        let large = run(400, top);
        assert_eq!(large.rows, 240_000);
        assert_eq!(large.queue.len(), top);
        // Equal priorities keep input order, so a longer run keeps the same first rows.
        let ids = |r: &Aggregator| r.queue.sorted().iter().map(|q| (q.priority, q.seq)).collect::<Vec<_>>();
        assert_eq!(ids(&small), ids(&large));
        let queue = large.queue.sorted();
        assert!(queue.windows(2).all(|w| w[0].rank() < w[1].rank()));
        let everything = run(1, 1_000);
        let queue = everything.queue.sorted();
        assert!(queue.iter().all(|q| q.text.chars().count() <= MAX_TEXT_CHARS));
        assert!(queue.iter().any(|q| q.text_chars > MAX_TEXT_CHARS), "the long text is queued, cut");
        let (small_page, large_page) = (small.render(), large.render());
        assert!(large_page.contains("240,000"));
        // The page holds aggregates and the queue: 40 times the rows, the same size give or take digits.
        assert!(large_page.len() < small_page.len() + 2_000, "{} vs {}", large_page.len(), small_page.len());
        assert!(large_page.len() < 400_000, "page of {} bytes", large_page.len());
        assert_eq!(large_page.matches("<tr data-lang=").count(), top);
    }

    #[test]
    fn parquet_and_hive_partition_columns_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let part = dir.path().join("lang=pl");
        std::fs::create_dir(&part).unwrap();
        let batch = synthetic_batch(12);
        // The partition column lives in the path, not the file.
        let lang_at = batch.schema().index_of("lang").unwrap();
        let mut batch = batch;
        batch.remove_column(lang_at);
        let file = File::create(part.join("part-0.parquet")).unwrap();
        let mut writer = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        std::fs::write(dir.path().join("_SUCCESS"), "").unwrap();
        let out = dir.path().join("report.html");
        let summary = write_report(&[dir.path().to_path_buf()], &out, &ReportOptions::default()).unwrap();
        assert_eq!((summary.files, summary.rows), (1, 12));
        let page = std::fs::read_to_string(&out).unwrap();
        assert!(page.contains("<td>pl <span class=\"muted\">(Polish)</span></td><td class=\"num\">12</td>"), "{page}");
        assert!(page.contains("<code>testhash</code>"));
        assert!(page.contains("Trend over time") && page.contains("2026-09-28"));
    }

    #[test]
    fn a_file_that_is_not_hlas_output_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.arrow");
        let schema = Arc::new(Schema::new(vec![arrow::datatypes::Field::new("id", DataType::Utf8, false)]));
        let batch =
            RecordBatch::try_new(schema.clone(), vec![Arc::new(arrow::array::StringArray::from(vec!["a"]))]).unwrap();
        let mut writer = arrow::ipc::writer::FileWriter::try_new(File::create(&path).unwrap(), &schema).unwrap();
        writer.write(&batch).unwrap();
        writer.finish().unwrap();
        let err = write_report(std::slice::from_ref(&path), &dir.path().join("r.html"), &ReportOptions::default())
            .unwrap_err();
        let message = err.to_string();
        assert!(message.contains("other.arrow") && message.contains("`text`"), "{message}");
        assert!(!dir.path().join("r.html").exists());
        let text = dir.path().join("notes.txt");
        std::fs::write(&text, "hello").unwrap();
        let err = write_report(&[text], &dir.path().join("r.html"), &ReportOptions::default()).unwrap_err();
        assert!(err.to_string().contains("notes.txt: not an Arrow IPC file"), "{err}");
    }
}
