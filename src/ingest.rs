//! Ingest: [`plan`] opens every input once to learn its columns (CSV/TSV headers, JSON keys) and checks that the
//! text column exists; [`Reader`] then streams [`Record`]s in bounded batches, file after file, in input order.
//!
//! Formats: CSV, TSV (tab-separated, no quoting), JSONL (one object a line; an object with a `turns` or `messages`
//! array is a transcript), JSON (one object or an array of objects: transcripts), and plain text (one record a
//! line), each optionally gzipped (`.gz`, or detected by its magic bytes), from files or stdin (`-`).
//!
//! Nothing is dropped: a record that cannot be read cleanly (ragged CSV row, bytes that are not text, broken JSON
//! line, a record over the record limit) still becomes a [`Record`] with `error` set. A file that cannot be opened,
//! or lacks the text column, is an [`IngestError`] before anything is written. A file that breaks off mid-way (a
//! truncated gzip, a gzip bomb) keeps the records read before the damage; the damage is reported by
//! [`Reader::damage`].
//!
//! Below the parsers (submodules): `stream` undoes gzip (with an expansion limit), byte order marks, UTF-16 and
//! CR-only line ends; `records` bounds every record's memory (for CSV with a guard that follows csv-core's
//! quoting); `encoding` turns each value's bytes into text ([`TextEncoding`]). ARCHITECTURE.md, "Robustness", says
//! why each is as it is.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, Read, Seek, Write};
use std::path::{Path, PathBuf};

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;

mod encoding;
mod records;
mod stream;

pub use encoding::TextEncoding;
pub use stream::{DEFAULT_MAX_GZIP_RATIO, GZIP_RATIO_FLOOR};

use records::{RecordGuard, RecordInfo};
use stream::{Detected, Input, open_stream};

/// Default number of records in a batch.
pub const DEFAULT_BATCH_SIZE: usize = 2048;
/// Read buffer for each input.
const READ_BUFFER: usize = 256 * 1024;
/// Largest `.json` document read whole.
const MAX_JSON_DOCUMENT: u64 = 512 * 1024 * 1024;
/// Keys that hold a transcript's turns in JSON input.
const TURN_KEYS: [&str; 2] = ["turns", "messages"];
/// Room a record gets beyond twice `--max-text-bytes`, for its other columns and its syntax: see [`record_limit`].
const RECORD_MARGIN: usize = 64 * 1024;
/// At most this much of a header's column list is quoted in an error message.
const MAX_COLUMNS_SHOWN: usize = 400;

/// The most bytes of one record (a CSV/TSV row, a JSONL or text line) that ingest holds in memory, for a given
/// `--max-text-bytes`: twice the text limit (CSV doubles quotes, JSON escapes) plus 64 KiB for the other columns.
/// A record within it whose text is over the text limit still gets "text too long" from the analysis; a longer
/// record is cut while it is read (the rest is skipped as it streams past) and gets "text too long" here, so one
/// 100 MB line costs this much memory, not 100 MB.
#[must_use]
pub fn record_limit(max_text_bytes: usize) -> usize {
    max_text_bytes.saturating_mul(2).saturating_add(RECORD_MARGIN)
}

/// An input format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    /// Comma-separated values with a header row (RFC 4180 quoting).
    Csv,
    /// Tab-separated values with a header row, no quoting.
    Tsv,
    /// One JSON object a line.
    Jsonl,
    /// One JSON object, or an array of objects.
    Json,
    /// Plain text, one record a line.
    Text,
}

impl InputFormat {
    /// The format named by a file's extension (after any `.gz`).
    #[must_use]
    pub fn from_path(path: &Path) -> Option<Self> {
        let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        let ext = name.rsplit_once('.')?.1;
        match ext {
            "csv" => Some(InputFormat::Csv),
            "tsv" | "tab" => Some(InputFormat::Tsv),
            "jsonl" | "ndjson" => Some(InputFormat::Jsonl),
            "json" => Some(InputFormat::Json),
            "txt" | "text" => Some(InputFormat::Text),
            _ => None,
        }
    }
}

/// An error that stops ingest of a file: it names the file, and the line where there is one.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngestError {
    /// The file could not be opened.
    #[error("{path}: cannot open: {source}")]
    Open {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// Reading failed part-way (a truncated gzip, a gzip bomb, a disk error).
    #[error(
        "{path}:{}: read error {}: {source}",
        (*line).max(1),
        if *line == 0 { "in line 1".to_string() } else { format!("after line {line}") }
    )]
    Read {
        /// The file.
        path: String,
        /// The last line read.
        line: u64,
        /// Why.
        source: std::io::Error,
    },
    /// The text column is missing from a CSV/TSV header.
    #[error("{path}:1: no text column '{column}' (columns: {found}); choose one with --text-col")]
    MissingColumn {
        /// The file.
        path: String,
        /// The column asked for.
        column: String,
        /// The columns there are.
        found: String,
    },
    /// The format cannot be told.
    #[error("{path}: cannot tell the input format from the name; use --input-format")]
    UnknownFormat {
        /// The file.
        path: String,
    },
}

/// Options of ingest.
#[derive(Clone, Debug, PartialEq)]
pub struct IngestOptions {
    /// Column (or JSON key) holding the text. Default `text`.
    pub text_col: String,
    /// Column (or JSON key) holding the id. Default `id`; when absent the id is `<file>:<line>`.
    pub id_col: String,
    /// Force the input format. Default: from each file's extension (stdin: sniffed from the first bytes).
    pub format: Option<InputFormat>,
    /// Records per batch. Default [`DEFAULT_BATCH_SIZE`].
    pub batch_size: usize,
    /// How bytes become text. Default [`TextEncoding::Auto`].
    pub encoding: TextEncoding,
    /// The most bytes of one record held in memory; longer records are cut and get an error. Default
    /// [`record_limit`] of [`crate::analyze::DEFAULT_MAX_TEXT_BYTES`].
    pub max_record_bytes: usize,
    /// Stop a gzip input that expands more than this many times its compressed size (0: no limit). Default
    /// [`DEFAULT_MAX_GZIP_RATIO`].
    pub max_gzip_ratio: u64,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            text_col: "text".into(),
            id_col: "id".into(),
            format: None,
            batch_size: DEFAULT_BATCH_SIZE,
            encoding: TextEncoding::Auto,
            max_record_bytes: record_limit(crate::analyze::DEFAULT_MAX_TEXT_BYTES),
            max_gzip_ratio: DEFAULT_MAX_GZIP_RATIO,
        }
    }
}

/// What a record says: a text, or a transcript's turns as JSON objects.
#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    /// A single text (it may still hold "Speaker: text" lines).
    Text(String),
    /// The `turns` / `messages` array of a JSON transcript.
    Turns(Vec<Value>),
}

/// One input record.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// The id column, else `<file>:<line>`.
    pub id: String,
    /// What to analyse.
    pub body: Body,
    /// The other input columns, aligned with [`Plan::columns`]; `None` where the record has no value.
    pub meta: Vec<Option<String>>,
    /// Why the record could not be read cleanly.
    pub error: Option<String>,
}

impl Record {
    /// A record of one text, with id `text` and no other columns: for library callers and tests.
    #[must_use]
    pub fn text(text: &str) -> Self {
        Record { id: "text".into(), body: Body::Text(text.into()), meta: Vec::new(), error: None }
    }
}

/// A CSV/TSV reader over a [`RecordGuard`].
type Delimited = csv::Reader<RecordGuard>;

/// One input file (or stdin) and how to read it.
struct SourcePlan {
    /// As given on the command line (`stdin` for `-`); used in ids and messages.
    name: String,
    /// The file to (re)open; for JSON on stdin, the spool file.
    path: Option<PathBuf>,
    format: InputFormat,
    /// CSV/TSV header; `None` for an empty file.
    header: Option<Vec<String>>,
    /// Stdin as CSV/TSV, positioned after its header.
    stdin_csv: Option<Delimited>,
    /// Stdin as plain text.
    stdin_lines: Option<Input>,
    /// What opening stdin found (a spool file holds stdin already decoded).
    detected: Detected,
    /// Keeps the spooled stdin alive until the source is read.
    _spool: Option<tempfile::NamedTempFile>,
}

/// All inputs with their formats, and the union of their passthrough columns.
pub struct Plan {
    sources: Vec<SourcePlan>,
    /// Passthrough columns in order of first appearance, as named in the input.
    pub columns: Vec<String>,
    opts: IngestOptions,
}

impl Plan {
    /// The inputs' total size as stored, in bytes; `None` when one is stdin (its size is not known ahead).
    #[must_use]
    pub fn input_bytes(&self) -> Option<u64> {
        self.sources.iter().try_fold(0u64, |sum, s| {
            if s.stdin_csv.is_some() || s.stdin_lines.is_some() || s.name == "stdin" {
                return None;
            }
            let len = s.path.as_ref().and_then(|p| std::fs::metadata(p).ok()).map_or(0, |m| m.len());
            Some(sum + len)
        })
    }
}

impl std::fmt::Debug for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plan").field("inputs", &self.sources.len()).field("columns", &self.columns).finish()
    }
}

fn display_name(path: &Path) -> String {
    if path == Path::new("-") { "stdin".to_string() } else { path.display().to_string() }
}

/// Counts the bytes read from an input as stored (compressed bytes for a .gz): for the progress bar, and for the
/// gzip expansion limit.
struct Counted<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Opens a file as a decoded stream (see `stream::open_stream`); `count` adds the bytes read to a progress counter.
fn open_counted(
    path: &Path,
    name: &str,
    opts: &IngestOptions,
    count: Option<&Arc<AtomicU64>>,
) -> Result<(Input, Detected), IngestError> {
    let file = File::open(path).map_err(|source| IngestError::Open { path: name.to_string(), source })?;
    let raw: Box<dyn Read + Send> = match count {
        Some(count) => Box::new(Counted { inner: file, count: Arc::clone(count) }),
        None => Box::new(file),
    };
    Ok(open_stream(raw, opts.max_gzip_ratio))
}

/// Checks up front that an input can be read at all, so a missing, unreadable or directory input stops the run
/// before anything is written (plain text inputs are otherwise first opened only when read). A pipe (`<(zcat
/// ...)`) is not opened here: opening and closing it would lose what its writer had sent.
fn check_readable(path: &Path, name: &str) -> Result<(), IngestError> {
    let open_err = |source| IngestError::Open { path: name.to_string(), source };
    let meta = std::fs::metadata(path).map_err(open_err)?;
    if meta.is_dir() {
        return Err(open_err(std::io::Error::other(format!(
            "it is a directory: give the files in it ({}/*.csv ...)",
            name.trim_end_matches('/')
        ))));
    }
    if meta.is_file() { File::open(path).map(drop).map_err(open_err) } else { Ok(()) }
}

/// Guesses a stdin format from its first bytes: `{` JSONL, `[` JSON, a tab in the first line TSV, a comma CSV.
fn sniff(head: &[u8]) -> InputFormat {
    let start = head.iter().position(|b| !b.is_ascii_whitespace()).map_or(&[][..], |p| &head[p..]);
    let first_line = start.split(|&b| b == b'\n').next().unwrap_or(&[]);
    match start.first() {
        Some(b'{') => InputFormat::Jsonl,
        Some(b'[') => InputFormat::Json,
        _ if first_line.contains(&b'\t') => InputFormat::Tsv,
        _ if first_line.contains(&b',') => InputFormat::Csv,
        _ => InputFormat::Text,
    }
}

fn delimited_reader(input: Input, format: InputFormat, max_record_bytes: usize) -> Delimited {
    let tsv = format == InputFormat::Tsv;
    let guard = RecordGuard::new(input, max_record_bytes, if tsv { b'\t' } else { b',' }, !tsv);
    let mut b = csv::ReaderBuilder::new();
    // Records end at '\n' (a '\r' before it is trimmed from the last field): with the default CRLF terminator
    // csv-core miscounts line numbers on CRLF files, and error messages must name the right line. RecordGuard
    // follows exactly this configuration to find where records end.
    b.has_headers(false).flexible(true).terminator(csv::Terminator::Any(b'\n'));
    if tsv {
        b.delimiter(b'\t').quoting(false);
    }
    b.from_reader(guard)
}

fn csv_io(e: csv::Error) -> std::io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

/// Reads a CSV/TSV header; `None` for an empty input.
fn read_header(rdr: &mut Delimited, name: &str, encoding: TextEncoding) -> Result<Option<Vec<String>>, IngestError> {
    let mut rec = csv::ByteRecord::new();
    let has = rdr.read_byte_record(&mut rec).map_err(|e| IngestError::Read {
        path: name.to_string(),
        line: 0, // (the header is line 1: the error is in it)
        source: csv_io(e),
    })?;
    if !has {
        return Ok(None);
    }
    rdr.get_mut().next_info();
    let last = rec.len().saturating_sub(1);
    Ok(Some(
        rec.iter()
            .enumerate()
            .map(|(i, f)| {
                let f = if i == last { f.strip_suffix(b"\r").unwrap_or(f) } else { f };
                let s = encoding::decode(f, encoding).text;
                let s = if i == 0 { s.trim_start_matches('\u{feff}') } else { &s };
                s.trim().to_string()
            })
            .collect(),
    ))
}

/// A header's columns for an error message: control characters escaped (a binary file's "header" is garbage that
/// must not reach the terminal as is), and at most [`MAX_COLUMNS_SHOWN`] characters.
fn shown_columns(header: &[String]) -> String {
    let mut out = String::new();
    for (i, h) in header.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        for c in h.chars() {
            if c.is_control() {
                out.extend(c.escape_debug());
            } else {
                out.push(c);
            }
        }
        if out.chars().count() > MAX_COLUMNS_SHOWN {
            let cut: String = out.chars().take(MAX_COLUMNS_SHOWN).collect();
            return format!("{cut}… ({} columns)", header.len());
        }
    }
    out
}

/// The encoding values of a source are read with: UTF-8 when its byte order mark says so or it was UTF-16 (now
/// decoded), else `--encoding`.
fn effective_encoding(opts: &IngestOptions, detected: Detected) -> TextEncoding {
    if detected.is_utf8() { TextEncoding::Utf8 } else { opts.encoding }
}

/// Opens every input to learn formats and columns, and checks the text column exists.
///
/// # Errors
/// An input that does not exist, cannot be opened or is a directory, whose format cannot be told, or that lacks
/// the text column.
pub fn plan(inputs: &[PathBuf], opts: &IngestOptions) -> Result<Plan, IngestError> {
    let mut sources = Vec::new();
    let mut columns: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut add_column = |name: &str, columns: &mut Vec<String>| {
        if name != opts.text_col && name != opts.id_col && seen.insert(name.to_string()) {
            columns.push(name.to_string());
        }
    };
    for path in inputs {
        let name = display_name(path);
        let open_err = |source| IngestError::Open { path: name.clone(), source };
        let mut source = SourcePlan {
            name: name.clone(),
            path: Some(path.clone()),
            format: InputFormat::Text,
            header: None,
            stdin_csv: None,
            stdin_lines: None,
            detected: Detected::default(),
            _spool: None,
        };
        let mut stdin: Option<Input> = None;
        if path == Path::new("-") {
            let raw: Box<dyn Read + Send> = Box::new(std::io::stdin());
            let (mut input, detected) = open_stream(raw, opts.max_gzip_ratio);
            source.detected = detected;
            let head = input.fill_buf().unwrap_or_default();
            source.format = opts.format.unwrap_or_else(|| sniff(head));
            if matches!(source.format, InputFormat::Json | InputFormat::Jsonl) {
                // JSON keys can appear on any line, so stdin is spooled to disk and read twice like a file.
                let mut spool = tempfile::NamedTempFile::new().map_err(open_err)?;
                std::io::copy(&mut input, &mut spool).map_err(|source| IngestError::Read {
                    path: name.clone(),
                    line: 0,
                    source,
                })?;
                spool.flush().and_then(|()| spool.rewind()).map_err(open_err)?;
                source.path = Some(spool.path().to_path_buf());
                source._spool = Some(spool);
            } else {
                source.path = None;
                stdin = Some(input);
            }
        } else {
            check_readable(path, &name)?;
            source.format = opts
                .format
                .or_else(|| InputFormat::from_path(path))
                .ok_or_else(|| IngestError::UnknownFormat { path: name.clone() })?;
        }
        match source.format {
            InputFormat::Csv | InputFormat::Tsv => {
                let (input, detected) = match stdin.take() {
                    Some(i) => (i, source.detected),
                    None => open_counted(path, &name, opts, None)?,
                };
                let mut rdr = delimited_reader(input, source.format, opts.max_record_bytes);
                source.header = read_header(&mut rdr, &name, effective_encoding(opts, detected))?;
                if let Some(header) = &source.header {
                    if !header.contains(&opts.text_col) {
                        return Err(IngestError::MissingColumn {
                            path: name,
                            column: opts.text_col.clone(),
                            found: shown_columns(header),
                        });
                    }
                    for h in header {
                        add_column(h, &mut columns);
                    }
                }
                if source.path.is_none() {
                    source.stdin_csv = Some(rdr);
                }
            }
            InputFormat::Jsonl | InputFormat::Json => {
                if let Some(p) = &source.path {
                    let (input, detected) = open_counted(p, &name, opts, None)?;
                    let encoding = effective_encoding(opts, detected.or(source.detected));
                    for key in scan_json_keys(input, source.format, encoding, opts.max_record_bytes) {
                        add_column(&key, &mut columns);
                    }
                }
            }
            InputFormat::Text => source.stdin_lines = stdin.take(),
        }
        sources.push(source);
    }
    Ok(Plan { sources, columns, opts: opts.clone() })
}

/// True for a JSONL line that is not a record: blank, or a comment (`#` or `//` first). No JSON value starts with
/// either, so nothing that could be a record is skipped; annotated JSONL test files are common.
fn blank_or_comment(line: &[u8]) -> bool {
    let start = line.iter().position(|b| !b.is_ascii_whitespace()).map_or(&[][..], |p| &line[p..]);
    start.is_empty() || start.starts_with(b"#") || start.starts_with(b"//")
}

/// The keys of every JSON object in a JSONL or JSON input, in order of first appearance. Lines that do not parse
/// (or are over the record limit) are skipped here: they become error rows when the records are read.
fn scan_json_keys(mut input: Input, format: InputFormat, encoding: TextEncoding, max: usize) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut note = |obj: &serde_json::Map<String, Value>| {
        for (k, v) in obj {
            let consumed = TURN_KEYS.contains(&k.as_str()) && v.is_array();
            if !consumed && seen.insert(k.clone()) {
                keys.push(k.clone());
            }
        }
    };
    if format == InputFormat::Jsonl {
        let mut buf = Vec::new();
        while let Ok(line) = records::read_line(input.as_mut(), &mut buf, max) {
            if line.len == 0 {
                break;
            }
            if line.cut || blank_or_comment(line.lead()) {
                continue;
            }
            let text = encoding::decode(&buf, encoding).text;
            if let Ok(Value::Object(obj)) = serde_json::from_str::<Value>(&text) {
                note(&obj);
            }
        }
    } else {
        let mut bytes = Vec::new();
        if input.take(MAX_JSON_DOCUMENT).read_to_end(&mut bytes).is_ok() {
            let (text, _, _) = encoding::decode_owned(bytes, encoding);
            match serde_json::from_str::<Value>(&text) {
                Ok(Value::Object(obj)) => note(&obj),
                Ok(Value::Array(items)) => items.iter().filter_map(Value::as_object).for_each(&mut note),
                _ => {}
            }
        }
    }
    keys
}

/// The source being read.
enum Active {
    Delimited {
        rdr: Box<Delimited>,
        /// Global column of each field (by position); `None` for the text and id fields.
        col_map: Vec<Option<usize>>,
        header: Vec<String>,
        text_idx: usize,
        id_idx: Option<usize>,
        encoding: TextEncoding,
    },
    Lines {
        input: Input,
        json: bool,
        line: u64,
        encoding: TextEncoding,
    },
    Items {
        items: std::vec::IntoIter<Value>,
        index: u64,
    },
    /// A JSON document that does not parse: one record, with the error and the raw text.
    BrokenDocument(Option<(String, String)>),
}

/// Values of the current source read as Windows-1250 by [`TextEncoding::Auto`], for the run's notes.
#[derive(Clone, Copy, Debug, Default)]
struct Fallbacks {
    values: u64,
    first_line: u64,
}

impl Fallbacks {
    fn note(&mut self, fell_back: bool, line: u64) {
        if fell_back {
            if self.values == 0 {
                self.first_line = line;
            }
            self.values += 1;
        }
    }
}

/// Streams records from a [`Plan`] in batches, in input order.
pub struct Reader {
    plan: Plan,
    next_source: usize,
    current: Option<(usize, Active)>,
    col_index: HashMap<String, usize>,
    damage: Vec<IngestError>,
    notes: Vec<String>,
    fallbacks: Fallbacks,
    buf: Vec<u8>,
    bytes_read: Arc<AtomicU64>,
}

impl std::fmt::Debug for Reader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reader").field("plan", &self.plan).field("next_source", &self.next_source).finish()
    }
}

impl Reader {
    /// A reader over the plan's inputs.
    #[must_use]
    pub fn new(plan: Plan) -> Self {
        let col_index = plan.columns.iter().enumerate().map(|(i, c)| (c.clone(), i)).collect();
        Reader {
            plan,
            next_source: 0,
            current: None,
            col_index,
            damage: Vec::new(),
            notes: Vec::new(),
            fallbacks: Fallbacks::default(),
            buf: Vec::new(),
            bytes_read: Arc::new(AtomicU64::new(0)),
        }
    }

    /// The passthrough columns.
    #[must_use]
    pub fn columns(&self) -> &[String] {
        &self.plan.columns
    }

    /// A counter of the input bytes read so far (as stored: compressed bytes for a .gz; stdin not counted), which
    /// another thread may watch while this reader runs.
    #[must_use]
    pub fn bytes_read(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.bytes_read)
    }

    /// Inputs that broke off part-way, in the order it happened.
    #[must_use]
    pub fn damage(&self) -> &[IngestError] {
        &self.damage
    }

    /// What was read differently from plain UTF-8 with LF line ends, one line per input and finding (values read
    /// as Windows-1250, UTF-16, CR line ends), for the run summary: nothing there is an error, but a user should
    /// know the bytes were interpreted.
    #[must_use]
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// The next batch of at most `batch_size` records; empty at the end of the inputs.
    pub fn next_batch(&mut self) -> Vec<Record> {
        let size = self.plan.opts.batch_size.max(1);
        let mut batch = Vec::with_capacity(size.min(DEFAULT_BATCH_SIZE));
        while batch.len() < size {
            if self.current.is_none() && !self.activate_next() {
                break;
            }
            match self.read_one() {
                Some(rec) => batch.push(rec),
                None => self.current = None,
            }
        }
        batch
    }

    /// Notes what the finished source fell back to.
    fn close_source(&mut self) {
        let f = std::mem::take(&mut self.fallbacks);
        if f.values > 0 {
            let name = &self.plan.sources[self.next_source - 1].name;
            self.notes.push(format!(
                "{name}: {} value(s) were not UTF-8 and were read as Windows-1250 (the first on line {}); \
                 --encoding utf-8 makes them errors instead",
                f.values, f.first_line
            ));
        }
    }

    /// Opens the next source; false when there is none. A source that cannot be opened any more (it could at plan
    /// time) is recorded as damage and skipped.
    fn activate_next(&mut self) -> bool {
        if self.next_source > 0 {
            self.close_source();
        }
        while self.next_source < self.plan.sources.len() {
            let i = self.next_source;
            self.next_source += 1;
            match self.open_source(i) {
                Ok(Some(active)) => {
                    self.current = Some((i, active));
                    return true;
                }
                Ok(None) => {}
                Err(e) => self.damage.push(e),
            }
        }
        false
    }

    fn open_source(&mut self, i: usize) -> Result<Option<Active>, IngestError> {
        let opts = &self.plan.opts;
        let source = &mut self.plan.sources[i];
        let name = source.name.clone();
        let count = Arc::clone(&self.bytes_read);
        let reopen = |s: &SourcePlan| match &s.path {
            Some(p) => open_counted(p, &s.name, opts, Some(&count)),
            None => {
                Err(IngestError::Open { path: s.name.clone(), source: std::io::Error::other("stdin was already read") })
            }
        };
        let mut detected = source.detected;
        let active = match source.format {
            InputFormat::Csv | InputFormat::Tsv => {
                let Some(header) = source.header.clone() else {
                    return Ok(None);
                };
                let rdr = match source.stdin_csv.take() {
                    Some(r) => r,
                    None => {
                        let (input, found) = reopen(source)?;
                        detected = detected.or(found);
                        let mut r = delimited_reader(input, source.format, opts.max_record_bytes);
                        read_header(&mut r, &name, effective_encoding(opts, detected))?;
                        r
                    }
                };
                let text_idx = header.iter().position(|h| *h == opts.text_col).unwrap_or(0);
                let id_idx = header.iter().position(|h| *h == opts.id_col);
                let col_map = header
                    .iter()
                    .enumerate()
                    .map(
                        |(k, h)| {
                            if k == text_idx || Some(k) == id_idx { None } else { self.col_index.get(h).copied() }
                        },
                    )
                    .collect();
                let encoding = effective_encoding(opts, detected);
                Active::Delimited { rdr: Box::new(rdr), col_map, header, text_idx, id_idx, encoding }
            }
            InputFormat::Jsonl | InputFormat::Text => {
                let input = match source.stdin_lines.take() {
                    Some(i) => i,
                    None => {
                        let (input, found) = reopen(source)?;
                        detected = detected.or(found);
                        input
                    }
                };
                let encoding = effective_encoding(opts, detected);
                Active::Lines { input, json: source.format == InputFormat::Jsonl, line: 0, encoding }
            }
            InputFormat::Json => {
                let mut bytes = Vec::new();
                let (input, found) = reopen(source)?;
                detected = detected.or(found);
                input.take(MAX_JSON_DOCUMENT + 1).read_to_end(&mut bytes).map_err(|e| IngestError::Read {
                    path: name.clone(),
                    line: 0,
                    source: e,
                })?;
                json_document(bytes, effective_encoding(opts, detected), opts.max_record_bytes, &mut self.fallbacks)
            }
        };
        self.notes.extend(detected.notes(&name));
        Ok(Some(active))
    }

    /// The next record of the current source; `None` at its end (or where it broke off).
    fn read_one(&mut self) -> Option<Record> {
        let (src, active) = self.current.as_mut()?;
        let name = self.plan.sources[*src].name.as_str();
        let opts = &self.plan.opts;
        let ncols = self.plan.columns.len();
        match active {
            Active::Delimited { rdr, col_map, header, text_idx, id_idx, encoding } => loop {
                let mut rec = csv::ByteRecord::new();
                match rdr.read_byte_record(&mut rec) {
                    Ok(false) => return None,
                    Ok(true) => {
                        let fallback_line = rec.position().map_or(0, csv::Position::line);
                        let info = rdr.get_mut().next_info().unwrap_or(RecordInfo {
                            line: fallback_line,
                            len: rec.as_slice().len() as u64,
                            cut: false,
                            open_quote: None,
                        });
                        // A blank CRLF line is one field holding '\r': skipped like a blank LF line.
                        if rec.len() == 1 && &rec[0] == b"\r" && !info.cut {
                            continue;
                        }
                        let fields = FieldMap { header, col_map, text_idx: *text_idx, id_idx: *id_idx };
                        let ctx = Ctx { name, ncols, encoding: *encoding, max: opts.max_record_bytes };
                        return Some(delimited_record(&rec, &info, &fields, &ctx, &mut self.fallbacks));
                    }
                    Err(e) => {
                        // The guard has read up to the break: the lines before the one it was in are whole.
                        let line = rdr.get_ref().line().saturating_sub(1);
                        self.damage.push(IngestError::Read { path: name.to_string(), line, source: csv_io(e) });
                        return None;
                    }
                }
            },
            Active::Lines { input, json, line, encoding } => loop {
                let read = records::read_line(input.as_mut(), &mut self.buf, opts.max_record_bytes);
                *line += 1;
                let ctx = Ctx { name, ncols, encoding: *encoding, max: opts.max_record_bytes };
                let got = match read {
                    Ok(got) => got,
                    Err(source) => {
                        self.damage.push(IngestError::Read { path: name.to_string(), line: *line - 1, source });
                        // What was read of the broken line is kept, as a row with an error.
                        if self.buf.is_empty() {
                            return None;
                        }
                        let text = encoding::decode(&self.buf, ctx.encoding).text.into_owned();
                        let error = format!("line {line}: incomplete: the input broke off here");
                        let rec = ctx.failed(*line, text, error);
                        self.current = None;
                        return Some(rec);
                    }
                };
                if got.len == 0 {
                    return None;
                }
                if *json && blank_or_comment(got.lead()) {
                    continue; // blank lines and comments in JSONL are not records
                }
                if got.cut {
                    return Some(ctx.too_long(*line, &self.buf, got.content));
                }
                let bytes = self.buf.strip_suffix(b"\r").unwrap_or(&self.buf);
                if *json {
                    return Some(json_line_record(bytes, *line, &ctx, opts, &self.col_index, &mut self.fallbacks));
                }
                let (text, error) = ctx.decode(bytes, *line, "text", &mut self.fallbacks);
                return Some(Record {
                    id: format!("{name}:{line}"),
                    body: Body::Text(text),
                    meta: vec![None; ncols],
                    error,
                });
            },
            Active::Items { items, index } => {
                let item = items.next()?;
                *index += 1;
                let label = format!("item {index}");
                Some(match item {
                    Value::Object(obj) => object_record(obj, *index, &label, name, opts, &self.col_index, ncols),
                    other => Record {
                        id: format!("{name}:{index}"),
                        body: Body::Text(other.to_string()),
                        meta: vec![None; ncols],
                        error: Some(format!("{label}: not a JSON object")),
                    },
                })
            }
            Active::BrokenDocument(doc) => {
                let (error, raw) = doc.take()?;
                Some(Record {
                    id: format!("{name}:1"),
                    body: Body::Text(raw),
                    meta: vec![None; ncols],
                    error: Some(error),
                })
            }
        }
    }
}

/// A whole `.json` document (read up to one byte past [`MAX_JSON_DOCUMENT`]): its items, or one error record.
/// An empty (or all-whitespace) document holds no records, like an empty CSV.
fn json_document(bytes: Vec<u8>, encoding: TextEncoding, max_kept: usize, fallbacks: &mut Fallbacks) -> Active {
    let keep = |bytes: &[u8]| String::from_utf8_lossy(encoding::cut_at_char(bytes, max_kept)).into_owned();
    if bytes.len() as u64 > MAX_JSON_DOCUMENT {
        let error = format!(
            "JSON document over {} MiB: not read (write it as JSONL, one object a line)",
            MAX_JSON_DOCUMENT >> 20
        );
        return Active::BrokenDocument(Some((error, keep(&bytes))));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Active::Items { items: Vec::new().into_iter(), index: 0 };
    }
    let (text, invalid_at, fell_back) = encoding::decode_owned(bytes, encoding);
    fallbacks.note(fell_back, 1);
    if let Some(at) = invalid_at {
        let raw = keep(text.as_bytes());
        return Active::BrokenDocument(Some((format!("invalid UTF-8 in the JSON document at byte {at}"), raw)));
    }
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Array(items)) => Active::Items { items: items.into_iter(), index: 0 },
        Ok(other) => Active::Items { items: vec![other].into_iter(), index: 0 },
        Err(e) => Active::BrokenDocument(Some((format!("invalid JSON: {e}"), keep(text.as_bytes())))),
    }
}

/// What every record of a source shares when it is built.
struct Ctx<'a> {
    name: &'a str,
    ncols: usize,
    encoding: TextEncoding,
    /// The record limit.
    max: usize,
}

impl Ctx<'_> {
    /// A record that could not be read: id `<file>:<line>`, no columns, the error.
    fn failed(&self, line: u64, text: String, error: String) -> Record {
        Record {
            id: format!("{}:{line}", self.name),
            body: Body::Text(text),
            meta: vec![None; self.ncols],
            error: Some(error),
        }
    }

    /// A line over the record limit, of which `kept` was read: "text too long", and the text it starts with.
    fn too_long(&self, line: u64, kept: &[u8], len: u64) -> Record {
        let text = encoding::decode(encoding::cut_at_char(kept, self.max), self.encoding).text.into_owned();
        self.failed(line, text, self.too_long_message(line, len))
    }

    fn too_long_message(&self, line: u64, len: u64) -> String {
        format!(
            "text too long: line {line} has {len} bytes, over the reading limit of {} (2 × --max-text-bytes + 64 KiB); \
             only its start was kept",
            self.max
        )
    }

    /// Decodes a value: the text, and an error naming the line, column and byte offset when it is not text.
    fn decode(&self, bytes: &[u8], line: u64, column: &str, fallbacks: &mut Fallbacks) -> (String, Option<String>) {
        let d = encoding::decode(bytes, self.encoding);
        fallbacks.note(d.fell_back, line);
        let error = d.invalid_at.map(|at| format!("line {line}: invalid UTF-8 in {column} at byte {at}"));
        (d.text.into_owned(), error)
    }
}

/// Where a CSV/TSV source's fields go.
struct FieldMap<'a> {
    header: &'a [String],
    col_map: &'a [Option<usize>],
    text_idx: usize,
    id_idx: Option<usize>,
}

fn delimited_record(
    rec: &csv::ByteRecord,
    info: &RecordInfo,
    fields: &FieldMap<'_>,
    ctx: &Ctx<'_>,
    fallbacks: &mut Fallbacks,
) -> Record {
    let line = info.line;
    let header = fields.header;
    let mut errors: Vec<String> = Vec::new();
    let mut meta = vec![None; ctx.ncols];
    let mut text = String::new();
    let mut id = None;
    let last = rec.len().saturating_sub(1);
    for (k, field) in rec.iter().enumerate().take(header.len()) {
        let field = if k == last { field.strip_suffix(b"\r").unwrap_or(field) } else { field };
        let (value, err) = ctx.decode(field, line, &format!("column '{}'", header[k]), fallbacks);
        errors.extend(err);
        if k == fields.text_idx {
            text = value;
        } else if Some(k) == fields.id_idx {
            id = Some(value).filter(|v| !v.is_empty());
        } else if let Some(Some(c)) = fields.col_map.get(k) {
            meta[*c] = Some(value);
        }
    }
    if info.cut {
        // The cut record's missing fields and a character split at the cut are the cut's doing: one error says it.
        errors = vec![ctx.too_long_message(line, info.len)];
    } else if rec.len() != header.len() {
        let mut msg = format!("line {line}: {} fields, the header has {}", rec.len(), header.len());
        if rec.len() > header.len() {
            let extra: Vec<String> = rec
                .iter()
                .skip(header.len())
                .map(|f| String::from_utf8_lossy(f.strip_suffix(b"\r").unwrap_or(f)).into_owned())
                .collect();
            msg.push_str(&format!("; extra fields: {}", extra.join(" | ")));
        }
        errors.insert(0, msg);
    }
    if let Some(open) = info.open_quote {
        errors.push(format!(
            "line {line}: unterminated quote: the quoted field opened on line {open} runs to the end of the file"
        ));
    }
    Record {
        id: id.unwrap_or_else(|| format!("{}:{line}", ctx.name)),
        body: Body::Text(text),
        meta,
        error: (!errors.is_empty()).then(|| errors.join("; ")),
    }
}

fn json_line_record(
    bytes: &[u8],
    line: u64,
    ctx: &Ctx<'_>,
    opts: &IngestOptions,
    col_index: &HashMap<String, usize>,
    fallbacks: &mut Fallbacks,
) -> Record {
    let (raw, utf8_error) = ctx.decode(bytes, line, "JSON", fallbacks);
    if let Some(e) = utf8_error {
        return ctx.failed(line, raw, e);
    }
    match serde_json::from_str::<Value>(&raw) {
        Ok(Value::Object(obj)) => {
            object_record(obj, line, &format!("line {line}"), ctx.name, opts, col_index, ctx.ncols)
        }
        Ok(_) => ctx.failed(line, raw, format!("line {line}: not a JSON object")),
        Err(e) => ctx.failed(line, raw, format!("line {line}: invalid JSON: {e}")),
    }
}

/// A JSON value as a passthrough cell: strings as they are, null as null, anything else as its JSON text.
fn cell(v: Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s),
        other => Some(other.to_string()),
    }
}

fn object_record(
    obj: serde_json::Map<String, Value>,
    n: u64,
    label: &str,
    name: &str,
    opts: &IngestOptions,
    col_index: &HashMap<String, usize>,
    ncols: usize,
) -> Record {
    let mut meta = vec![None; ncols];
    let mut id = None;
    let mut text = None;
    let mut turns = None;
    for (k, v) in obj {
        if k == opts.id_col {
            id = cell(v).filter(|s| !s.is_empty());
        } else if k == opts.text_col {
            text = Some(cell(v).unwrap_or_default());
        } else if TURN_KEYS.contains(&k.as_str()) && v.is_array() {
            if let Value::Array(items) = v {
                turns.get_or_insert(items);
            }
        } else if let Some(&c) = col_index.get(&k) {
            meta[c] = cell(v);
        }
    }
    let (body, error) = match (text, turns) {
        (Some(t), _) => (Body::Text(t), None),
        (None, Some(turns)) => (Body::Turns(turns), None),
        (None, None) => (
            Body::Text(String::new()),
            Some(format!("{label}: no '{}' field and no turns or messages array", opts.text_col)),
        ),
    };
    Record { id: id.unwrap_or_else(|| format!("{name}:{n}")), body, meta, error }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(path: &str, opts: &IngestOptions) -> (Vec<String>, Vec<Record>, usize) {
        let plan = plan(&[PathBuf::from(path)], opts).unwrap();
        let mut reader = Reader::new(plan);
        let mut all = Vec::new();
        loop {
            let batch = reader.next_batch();
            if batch.is_empty() {
                break;
            }
            all.extend(batch);
        }
        (reader.columns().to_vec(), all, reader.damage().len())
    }

    fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> String {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p.display().to_string()
    }

    #[test]
    fn csv_columns_ids_and_ragged_rows() {
        let dir = tempfile::tempdir().unwrap();
        let p =
            write(&dir, "a.csv", b"\xEF\xBB\xBFid,channel,text\r\n1,chat,\"ahoj, jak\"\r\n2,phone\r\n,app,x,extra\r\n");
        let (cols, recs, damage) = read_all(&p, &IngestOptions::default());
        assert_eq!(cols, vec!["channel"]);
        assert_eq!(damage, 0);
        assert_eq!(recs.len(), 3);
        assert_eq!(recs[0].id, "1");
        assert_eq!(recs[0].body, Body::Text("ahoj, jak".into()));
        assert_eq!(recs[0].meta, vec![Some("chat".into())]);
        assert!(recs[1].error.as_ref().unwrap().contains("2 fields, the header has 3"));
        assert_eq!(recs[2].id, format!("{p}:4"));
        assert!(recs[2].error.as_ref().unwrap().contains("extra fields: extra"));
    }

    #[test]
    fn missing_text_column_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(&dir, "b.csv", b"id,comment\n1,x\n");
        let err = plan(&[PathBuf::from(&p)], &IngestOptions::default()).unwrap_err().to_string();
        assert!(err.contains("b.csv") && err.contains("no text column 'text'"), "{err}");
    }

    #[test]
    fn jsonl_keys_turns_and_broken_lines() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            &dir,
            "c.jsonl",
            b"{\"id\":\"a\",\"text\":\"hi\",\"stars\":5}\n\n{\"id\":\"b\",\"turns\":[{\"speaker\":\"customer\",\"text\":\"x\"}],\"agent\":\"A1\"}\n{broken\n",
        );
        let (cols, recs, _) = read_all(&p, &IngestOptions::default());
        assert_eq!(cols, vec!["stars", "agent"]);
        assert_eq!(recs.len(), 3);
        assert_eq!(recs[0].meta, vec![Some("5".into()), None]);
        assert!(matches!(recs[1].body, Body::Turns(ref t) if t.len() == 1));
        assert_eq!(recs[1].meta, vec![None, Some("A1".into())]);
        assert!(recs[2].error.as_ref().unwrap().starts_with("line 4: invalid JSON"));
    }

    #[test]
    fn text_lines_invalid_utf8_and_gzip() {
        let dir = tempfile::tempdir().unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"one\n\nvy\xF8\xEDzena\nbin\x00\xFF\n").unwrap();
        let p = write(&dir, "d.txt.gz", &gz.finish().unwrap());
        let (_, recs, _) = read_all(&p, &IngestOptions::default());
        assert_eq!(recs.len(), 4);
        assert_eq!(recs[1].body, Body::Text(String::new()));
        // Windows-1250 is read as such in auto mode; binary stays an error.
        assert_eq!((&recs[2].body, &recs[2].error), (&Body::Text("vyřízena".into()), &None));
        assert!(recs[3].error.as_ref().unwrap().contains("line 4: invalid UTF-8 in text at byte 4"), "{:?}", recs[3]);
        let strict = IngestOptions { encoding: TextEncoding::Utf8, ..IngestOptions::default() };
        let (_, recs, _) = read_all(&p, &strict);
        assert!(recs[2].error.as_ref().unwrap().contains("invalid UTF-8"));
    }

    #[test]
    fn truncated_gzip_keeps_what_was_read_and_reports_damage() {
        let dir = tempfile::tempdir().unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        for i in 0..5000 {
            writeln!(gz, "řádek číslo {i} s nějakým textem {}", i * 7919 % 1000).unwrap();
        }
        let bytes = gz.finish().unwrap();
        let p = write(&dir, "e.txt.gz", &bytes[..bytes.len() / 2]);
        let (_, recs, damage) = read_all(&p, &IngestOptions::default());
        assert_eq!(damage, 1);
        assert!(recs.len() > 100 && recs.len() < 5000);
    }

    #[test]
    fn json_document_array_and_malformed() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(&dir, "f.json", br#"[{"id":"t1","turns":[]},{"id":"t2","text":"x","lang":"cs"},3]"#);
        let (cols, recs, _) = read_all(&p, &IngestOptions::default());
        assert_eq!(cols, vec!["lang"]);
        assert_eq!(recs.len(), 3);
        assert!(recs[2].error.as_ref().unwrap().contains("not a JSON object"));
        let q = write(&dir, "g.json", b"{\"id\": ");
        let (_, recs, _) = read_all(&q, &IngestOptions::default());
        assert_eq!(recs.len(), 1);
        assert!(recs[0].error.as_ref().unwrap().starts_with("invalid JSON"));
    }
}
