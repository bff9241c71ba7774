//! Ingest: [`plan`] opens every input once to learn its columns (CSV/TSV headers, JSON keys) and checks that the
//! text column exists; [`Reader`] then streams [`Record`]s in bounded batches, file after file, in input order.
//!
//! Formats: CSV, TSV (tab-separated, no quoting), JSONL (one object a line; an object with a `turns` or `messages`
//! array is a transcript), JSON (one object or an array of objects: transcripts), and plain text (one record a
//! line), each optionally gzipped (`.gz`, or detected by its magic bytes), from files or stdin (`-`).
//!
//! Nothing is dropped: a record that cannot be read cleanly (ragged CSV row, invalid UTF-8, broken JSON line)
//! still becomes a [`Record`] with `error` set. A file that cannot be opened, or lacks the text column, is an
//! [`IngestError`] before anything is written. A file that breaks off mid-way (a truncated gzip) keeps the records
//! read before the damage; the damage is reported by [`Reader::damage`].

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, Write};
use std::path::{Path, PathBuf};

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use flate2::read::MultiGzDecoder;
use serde_json::Value;

/// Default number of records in a batch.
pub const DEFAULT_BATCH_SIZE: usize = 2048;
/// Read buffer for each input.
const READ_BUFFER: usize = 256 * 1024;
/// Largest `.json` document read whole.
const MAX_JSON_DOCUMENT: u64 = 512 * 1024 * 1024;
/// Keys that hold a transcript's turns in JSON input.
const TURN_KEYS: [&str; 2] = ["turns", "messages"];

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
    /// Reading failed part-way (a truncated gzip, a disk error).
    #[error("{path}:{line}: read error after line {line}: {source}")]
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
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions { text_col: "text".into(), id_col: "id".into(), format: None, batch_size: DEFAULT_BATCH_SIZE }
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

/// An input, opened.
type Input = Box<dyn BufRead + Send>;

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
    stdin_csv: Option<csv::Reader<Input>>,
    /// Stdin as plain text.
    stdin_lines: Option<Input>,
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

/// Wraps a reader in a gzip decoder when it starts with the gzip magic bytes.
fn maybe_gunzip(mut inner: BufReader<Box<dyn Read + Send>>) -> std::io::Result<Input> {
    let head = inner.fill_buf()?;
    if head.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(BufReader::with_capacity(READ_BUFFER, MultiGzDecoder::new(inner))))
    } else {
        Ok(Box::new(inner))
    }
}

fn open_path(path: &Path, name: &str) -> Result<Input, IngestError> {
    open_counted(path, name, None)
}

/// Counts the bytes read from an input file as stored (compressed bytes for a .gz), so the progress bar can tell
/// how far through the inputs a run is and estimate the time left.
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

fn open_counted(path: &Path, name: &str, count: Option<&Arc<AtomicU64>>) -> Result<Input, IngestError> {
    let file = File::open(path).map_err(|source| IngestError::Open { path: name.to_string(), source })?;
    let boxed: Box<dyn Read + Send> = match count {
        Some(count) => Box::new(Counted { inner: file, count: Arc::clone(count) }),
        None => Box::new(file),
    };
    maybe_gunzip(BufReader::with_capacity(READ_BUFFER, boxed))
        .map_err(|source| IngestError::Open { path: name.to_string(), source })
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

fn delimited_reader(input: Input, format: InputFormat) -> csv::Reader<Input> {
    let mut b = csv::ReaderBuilder::new();
    // Records end at '\n' (a '\r' before it is trimmed from the last field): with the default CRLF terminator
    // csv-core miscounts line numbers on CRLF files, and error messages must name the right line.
    b.has_headers(false).flexible(true).terminator(csv::Terminator::Any(b'\n'));
    if format == InputFormat::Tsv {
        b.delimiter(b'\t').quoting(false);
    }
    b.from_reader(input)
}

fn csv_io(e: csv::Error) -> std::io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

/// Reads a CSV/TSV header, BOM removed; `None` for an empty input.
fn read_header(rdr: &mut csv::Reader<Input>, name: &str) -> Result<Option<Vec<String>>, IngestError> {
    let mut rec = csv::ByteRecord::new();
    let has = rdr.read_byte_record(&mut rec).map_err(|e| IngestError::Read {
        path: name.to_string(),
        line: 1,
        source: csv_io(e),
    })?;
    Ok(has.then(|| {
        rec.iter()
            .enumerate()
            .map(|(i, f)| {
                let s = String::from_utf8_lossy(f);
                let s = if i == 0 { s.trim_start_matches('\u{feff}') } else { &s };
                s.trim().to_string()
            })
            .collect()
    }))
}

/// Opens every input to learn formats and columns, and checks the text column exists.
///
/// # Errors
/// An input that cannot be opened, whose format cannot be told, or that lacks the text column.
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
            _spool: None,
        };
        let mut stdin: Option<Input> = None;
        if path == Path::new("-") {
            let raw: Box<dyn Read + Send> = Box::new(std::io::stdin());
            let mut input = maybe_gunzip(BufReader::with_capacity(READ_BUFFER, raw)).map_err(open_err)?;
            let head = input.fill_buf().map_err(open_err)?;
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
            source.format = opts
                .format
                .or_else(|| InputFormat::from_path(path))
                .ok_or_else(|| IngestError::UnknownFormat { path: name.clone() })?;
        }
        match source.format {
            InputFormat::Csv | InputFormat::Tsv => {
                let input = match stdin.take() {
                    Some(i) => i,
                    None => open_path(path, &name)?,
                };
                let mut rdr = delimited_reader(input, source.format);
                source.header = read_header(&mut rdr, &name)?;
                if let Some(header) = &source.header {
                    if !header.contains(&opts.text_col) {
                        return Err(IngestError::MissingColumn {
                            path: name,
                            column: opts.text_col.clone(),
                            found: header.join(", "),
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
                    for key in scan_json_keys(open_path(p, &name)?, source.format) {
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

/// The keys of every JSON object in a JSONL or JSON input, in order of first appearance. Lines that do not parse
/// are skipped here: they become error rows when the records are read.
fn scan_json_keys(mut input: Input, format: InputFormat) -> Vec<String> {
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
        while input.read_until(b'\n', &mut buf).is_ok_and(|n| n > 0) {
            if let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(&buf) {
                note(&obj);
            }
            buf.clear();
        }
    } else {
        let mut text = Vec::new();
        if input.take(MAX_JSON_DOCUMENT).read_to_end(&mut text).is_ok() {
            match serde_json::from_slice::<Value>(&text) {
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
        rdr: csv::Reader<Input>,
        /// Global column of each field (by position); `None` for the text and id fields.
        col_map: Vec<Option<usize>>,
        header: Vec<String>,
        text_idx: usize,
        id_idx: Option<usize>,
    },
    Lines {
        input: Input,
        json: bool,
        line: u64,
    },
    Items {
        items: std::vec::IntoIter<Value>,
        index: u64,
    },
    /// A JSON document that does not parse: one record, with the error and the raw text.
    BrokenDocument(Option<(String, String)>),
}

/// Streams records from a [`Plan`] in batches, in input order.
pub struct Reader {
    plan: Plan,
    next_source: usize,
    current: Option<(usize, Active)>,
    col_index: HashMap<String, usize>,
    damage: Vec<IngestError>,
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

    /// Opens the next source; false when there is none. A source that cannot be opened any more (it could at plan
    /// time) is recorded as damage and skipped.
    fn activate_next(&mut self) -> bool {
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
        let source = &mut self.plan.sources[i];
        let name = source.name.clone();
        let count = Arc::clone(&self.bytes_read);
        let reopen = |s: &SourcePlan| match &s.path {
            Some(p) => open_counted(p, &s.name, Some(&count)),
            None => {
                Err(IngestError::Open { path: s.name.clone(), source: std::io::Error::other("stdin was already read") })
            }
        };
        Ok(Some(match source.format {
            InputFormat::Csv | InputFormat::Tsv => {
                let Some(header) = source.header.clone() else {
                    return Ok(None);
                };
                let rdr = match source.stdin_csv.take() {
                    Some(r) => r,
                    None => {
                        let mut r = delimited_reader(reopen(source)?, source.format);
                        read_header(&mut r, &name)?;
                        r
                    }
                };
                let opts = &self.plan.opts;
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
                Active::Delimited { rdr, col_map, header, text_idx, id_idx }
            }
            InputFormat::Jsonl | InputFormat::Text => {
                let input = match source.stdin_lines.take() {
                    Some(i) => i,
                    None => reopen(source)?,
                };
                Active::Lines { input, json: source.format == InputFormat::Jsonl, line: 0 }
            }
            InputFormat::Json => {
                let mut text = Vec::new();
                let input = reopen(source)?;
                input.take(MAX_JSON_DOCUMENT).read_to_end(&mut text).map_err(|e| IngestError::Read {
                    path: name.clone(),
                    line: 0,
                    source: e,
                })?;
                match serde_json::from_slice::<Value>(&text) {
                    Ok(Value::Array(items)) => Active::Items { items: items.into_iter(), index: 0 },
                    Ok(other) => Active::Items { items: vec![other].into_iter(), index: 0 },
                    Err(e) => {
                        let raw = String::from_utf8_lossy(&text).into_owned();
                        Active::BrokenDocument(Some((format!("invalid JSON: {e}"), raw)))
                    }
                }
            }
        }))
    }

    /// The next record of the current source; `None` at its end (or where it broke off).
    fn read_one(&mut self) -> Option<Record> {
        let (src, active) = self.current.as_mut()?;
        let name = self.plan.sources[*src].name.as_str();
        let opts = &self.plan.opts;
        let ncols = self.plan.columns.len();
        match active {
            Active::Delimited { rdr, col_map, header, text_idx, id_idx } => {
                let mut rec = csv::ByteRecord::new();
                match rdr.read_byte_record(&mut rec) {
                    Ok(false) => None,
                    Ok(true) => {
                        let line = rec.position().map_or(0, csv::Position::line);
                        Some(delimited_record(&rec, line, name, header, col_map, *text_idx, *id_idx, ncols))
                    }
                    Err(e) => {
                        let line = e.position().map_or(0, csv::Position::line);
                        self.damage.push(IngestError::Read { path: name.to_string(), line, source: csv_io(e) });
                        None
                    }
                }
            }
            Active::Lines { input, json, line } => loop {
                self.buf.clear();
                let read = input.read_until(b'\n', &mut self.buf);
                *line += 1;
                let n = match read {
                    Ok(n) => n,
                    Err(source) => {
                        self.damage.push(IngestError::Read { path: name.to_string(), line: *line - 1, source });
                        // What was read of the broken line is kept, as a row with an error.
                        if self.buf.is_empty() {
                            return None;
                        }
                        let text = String::from_utf8_lossy(&self.buf).into_owned();
                        let id = format!("{name}:{line}");
                        let error = Some(format!("line {line}: incomplete: the input broke off here"));
                        let rec = Record { id, body: Body::Text(text), meta: vec![None; ncols], error };
                        self.current = None;
                        return Some(rec);
                    }
                };
                if n == 0 {
                    return None;
                }
                let bytes = trim_eol(&self.buf);
                if *json {
                    if bytes.iter().all(u8::is_ascii_whitespace) {
                        continue; // blank lines in JSONL are separators, not records
                    }
                    return Some(json_line_record(bytes, *line, name, opts, &self.col_index, ncols));
                }
                let (text, error) = decode(bytes, *line, "text");
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

fn trim_eol(buf: &[u8]) -> &[u8] {
    let b = buf.strip_suffix(b"\n").unwrap_or(buf);
    b.strip_suffix(b"\r").unwrap_or(b)
}

/// Decodes UTF-8; invalid bytes become U+FFFD and an error naming the line, column and byte offset.
fn decode(bytes: &[u8], line: u64, column: &str) -> (String, Option<String>) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), None),
        Err(e) => (
            String::from_utf8_lossy(bytes).into_owned(),
            Some(format!("line {line}: invalid UTF-8 in {column} at byte {}", e.valid_up_to())),
        ),
    }
}

#[allow(clippy::too_many_arguments)]
fn delimited_record(
    rec: &csv::ByteRecord,
    line: u64,
    name: &str,
    header: &[String],
    col_map: &[Option<usize>],
    text_idx: usize,
    id_idx: Option<usize>,
    ncols: usize,
) -> Record {
    let mut errors: Vec<String> = Vec::new();
    let mut meta = vec![None; ncols];
    let mut text = String::new();
    let mut id = None;
    let last = rec.len().saturating_sub(1);
    for (k, field) in rec.iter().enumerate().take(header.len()) {
        let field = if k == last { field.strip_suffix(b"\r").unwrap_or(field) } else { field };
        let (value, err) = decode(field, line, &format!("column '{}'", header[k]));
        errors.extend(err);
        if k == text_idx {
            text = value;
        } else if Some(k) == id_idx {
            id = Some(value).filter(|v| !v.is_empty());
        } else if let Some(Some(c)) = col_map.get(k) {
            meta[*c] = Some(value);
        }
    }
    if rec.len() != header.len() {
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
    Record {
        id: id.unwrap_or_else(|| format!("{name}:{line}")),
        body: Body::Text(text),
        meta,
        error: (!errors.is_empty()).then(|| errors.join("; ")),
    }
}

fn json_line_record(
    bytes: &[u8],
    line: u64,
    name: &str,
    opts: &IngestOptions,
    col_index: &HashMap<String, usize>,
    ncols: usize,
) -> Record {
    let failed = |text: String, error: String| Record {
        id: format!("{name}:{line}"),
        body: Body::Text(text),
        meta: vec![None; ncols],
        error: Some(error),
    };
    let (raw, utf8_error) = decode(bytes, line, "JSON");
    if let Some(e) = utf8_error {
        return failed(raw, e);
    }
    match serde_json::from_str::<Value>(&raw) {
        Ok(Value::Object(obj)) => object_record(obj, line, &format!("line {line}"), name, opts, col_index, ncols),
        Ok(_) => failed(raw, format!("line {line}: not a JSON object")),
        Err(e) => failed(raw, format!("line {line}: invalid JSON: {e}")),
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
        gz.write_all(b"one\n\nvy\xF8\xEDzena\n").unwrap();
        let p = write(&dir, "d.txt.gz", &gz.finish().unwrap());
        let (_, recs, _) = read_all(&p, &IngestOptions::default());
        assert_eq!(recs.len(), 3);
        assert_eq!(recs[1].body, Body::Text(String::new()));
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
