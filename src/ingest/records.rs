//! Bounded record reading: a record (a CSV/TSV row, a JSONL or text line) is never held in memory beyond a limit,
//! however long it is in the file. The part over the limit is skipped as it streams past, the record still gets
//! its row (with an error), and the records after it are read normally with their right line numbers.
//!
//! Lines ([`read_line`]) are simple. CSV is not: a quoted field may span lines, so where a record ends depends on
//! the quoting. [`RecordGuard`] sits under the csv crate's reader and follows the same state machine as csv-core
//! (RFC 4180 quotes, doubled quotes, `\n` as the terminator, as `ingest::delimited_reader` configures it) to know
//! where each record starts and ends; it passes a record's first bytes through, drops the rest, and closes the
//! record (and an open quote) so the csv reader sees a short, well-formed record. It also notes each record's first
//! line, which the csv crate would misreport after blank lines and cannot know for the dropped lines, and a quote
//! still open at the end of the input.

use std::collections::VecDeque;
use std::io::{self, BufRead, Read};

use super::stream::Input;

/// What [`read_line`] read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Line {
    /// Bytes of the line in the input, its `\n` included; 0 at the end of the input.
    pub len: u64,
    /// Bytes of the line without its `\n`.
    pub content: u64,
    /// True when the line was longer than the limit (not counting its `\n`): only the first bytes were kept.
    pub cut: bool,
    /// Its first two bytes after leading ASCII whitespace, from the whole line (also the part dropped from a cut
    /// line): enough to tell a blank line or a JSONL comment without keeping the line.
    lead: [u8; 2],
    lead_len: usize,
}

impl Line {
    /// The line's first two bytes that are not leading ASCII whitespace (fewer for a shorter line; none for a
    /// blank one).
    pub fn lead(&self) -> &[u8] {
        &self.lead[..self.lead_len]
    }
}

/// Reads one line into `buf` (cleared first), without its `\n`, keeping at most `max` bytes of it and skipping the
/// rest. On an error, `buf` holds what was read of the line before it.
///
/// # Errors
/// A read error of the input.
pub(crate) fn read_line(input: &mut dyn BufRead, buf: &mut Vec<u8>, max: usize) -> io::Result<Line> {
    buf.clear();
    let mut line = Line { len: 0, content: 0, cut: false, lead: [0; 2], lead_len: 0 };
    loop {
        let avail = match input.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            line.content = line.len;
            line.cut = line.len > max as u64;
            return Ok(line);
        }
        let (data, used, done) = match avail.iter().position(|&b| b == b'\n') {
            Some(i) => (&avail[..i], i + 1, true),
            None => (avail, avail.len(), false),
        };
        if line.lead_len < 2 {
            for &b in data {
                if line.lead_len == 0 && b.is_ascii_whitespace() {
                    continue;
                }
                line.lead[line.lead_len] = b;
                line.lead_len += 1;
                if line.lead_len == 2 {
                    break;
                }
            }
        }
        let room = max.saturating_sub(buf.len());
        buf.extend_from_slice(&data[..data.len().min(room)]);
        input.consume(used);
        line.len += used as u64;
        if done {
            line.content = line.len - 1;
            line.cut = line.content > max as u64;
            return Ok(line);
        }
    }
}

/// What [`RecordGuard`] learnt about one record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RecordInfo {
    /// The line the record starts on (1-based).
    pub line: u64,
    /// Its length in the input, without its terminator.
    pub len: u64,
    /// True when it was longer than the limit and was cut.
    pub cut: bool,
    /// The line where a quoted field opened that was never closed: the field runs to the end of the input.
    pub open_quote: Option<u64>,
}

/// The lexer states of csv-core, as far as they matter for where a record ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Between records (a `\n` here is a blank line, which csv-core skips).
    StartRecord,
    StartField,
    InField,
    InQuoted,
    /// A quote inside a quoted field: the field's end, or the first half of a doubled quote.
    QuoteInQuoted,
}

/// See the module doc. Records are reported in order through [`RecordGuard::next_info`], one per record the csv
/// reader returns.
pub(crate) struct RecordGuard {
    inner: Input,
    lexer: Lexer,
    eof: bool,
}

/// The guard's state, apart from its input (so a byte can be stepped while the input's buffer is borrowed).
struct Lexer {
    max: u64,
    delimiter: u8,
    quoting: bool,
    state: State,
    /// The current line (1-based).
    line: u64,
    /// The record being read: its first line, its length so far, the line its last quote opened on.
    start: u64,
    len: u64,
    quote_line: u64,
    /// Set while the rest of a record is being dropped: the state the csv reader was left in.
    cut_from: Option<State>,
    /// Bytes to give the csv reader before any more input: the closing of a cut record.
    pending: VecDeque<u8>,
    infos: VecDeque<RecordInfo>,
}

impl RecordGuard {
    /// A guard keeping at most `max` bytes of each record (at least 1).
    pub fn new(inner: Input, max: usize, delimiter: u8, quoting: bool) -> Self {
        let lexer = Lexer {
            max: (max as u64).max(1),
            delimiter,
            quoting,
            state: State::StartRecord,
            line: 1,
            start: 1,
            len: 0,
            quote_line: 0,
            cut_from: None,
            pending: VecDeque::new(),
            infos: VecDeque::new(),
        };
        RecordGuard { inner, lexer, eof: false }
    }

    /// What was learnt about the next record the csv reader returns (a record is noted before the csv reader can
    /// return it, since it only sees the record's bytes through this guard).
    pub fn next_info(&mut self) -> Option<RecordInfo> {
        self.lexer.infos.pop_front()
    }

    /// The line being read: where an input that breaks off broke off.
    pub fn line(&self) -> u64 {
        self.lexer.line
    }
}

impl Lexer {
    /// Ends the record being read.
    fn end_record(&mut self, at_eof: bool) {
        let open_quote = (at_eof && self.state == State::InQuoted).then_some(self.quote_line);
        self.infos.push_back(RecordInfo { line: self.start, len: self.len, cut: self.cut_from.is_some(), open_quote });
        if let Some(left) = self.cut_from.take() {
            // Close what the csv reader has seen: the open quote, then the record.
            if left == State::InQuoted {
                self.pending.push_back(b'"');
            }
            self.pending.push_back(b'\n');
        }
        self.state = State::StartRecord;
        self.len = 0;
    }

    /// Takes one input byte; true when it goes on to the csv reader.
    fn step(&mut self, b: u8) -> bool {
        if self.state == State::StartRecord {
            if b == b'\n' {
                self.line += 1;
                return true;
            }
            self.start = self.line;
            self.state = State::StartField;
        }
        let state = self.state;
        if b == b'\n' && state != State::InQuoted {
            self.line += 1;
            let cut = self.cut_from.is_some();
            self.end_record(false);
            return !cut; // a cut record's terminator is part of `pending`
        }
        let quote = self.quoting && b == b'"';
        self.state = match state {
            State::StartRecord | State::StartField if quote => {
                self.quote_line = self.line;
                State::InQuoted
            }
            State::StartRecord | State::StartField | State::InField if b == self.delimiter => State::StartField,
            State::StartRecord | State::StartField | State::InField => State::InField,
            State::InQuoted if quote => State::QuoteInQuoted,
            State::InQuoted => State::InQuoted,
            State::QuoteInQuoted if quote => State::InQuoted,
            State::QuoteInQuoted if b == self.delimiter => State::StartField,
            State::QuoteInQuoted => State::InField,
        };
        if b == b'\n' {
            self.line += 1;
        }
        self.len += 1;
        if self.cut_from.is_some() {
            return false;
        }
        if self.len > self.max {
            self.cut_from = Some(state);
            return false;
        }
        true
    }
}

impl Read for RecordGuard {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let lexer = &mut self.lexer;
        loop {
            if !lexer.pending.is_empty() {
                let n = buf.len().min(lexer.pending.len());
                for (slot, b) in buf.iter_mut().zip(lexer.pending.drain(..n)) {
                    *slot = b;
                }
                return Ok(n);
            }
            if self.eof {
                return Ok(0);
            }
            let avail = self.inner.fill_buf()?;
            if avail.is_empty() {
                self.eof = true;
                if lexer.state != State::StartRecord {
                    lexer.end_record(true);
                }
                continue;
            }
            let mut out = 0;
            let mut used = 0;
            for &b in avail {
                if out == buf.len() {
                    break;
                }
                used += 1;
                if lexer.step(b) {
                    buf[out] = b;
                    out += 1;
                }
                if !lexer.pending.is_empty() {
                    break; // the closing of a cut record goes before the next record's bytes
                }
            }
            self.inner.consume(used);
            if out > 0 {
                return Ok(out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(bytes: &[u8], max: usize, quoting: bool) -> (Vec<u8>, Vec<RecordInfo>) {
        let mut g = RecordGuard::new(Box::new(io::Cursor::new(bytes.to_vec())), max, b',', quoting);
        let mut out = Vec::new();
        g.read_to_end(&mut out).unwrap();
        (out, std::iter::from_fn(|| g.next_info()).collect())
    }

    fn info(line: u64, len: u64, cut: bool, open_quote: Option<u64>) -> RecordInfo {
        RecordInfo { line, len, cut, open_quote }
    }

    #[test]
    fn records_lines_and_cuts() {
        let (out, infos) = guard(b"a,b\n\n\"x\ny\",z\n\n\n0123456789\nlast", 7, true);
        assert_eq!(out, b"a,b\n\n\"x\ny\",z\n\n\n0123456\nlast");
        assert_eq!(
            infos,
            [info(1, 3, false, None), info(3, 7, false, None), info(7, 10, true, None), info(8, 4, false, None)]
        );
        // A cut inside a quoted field closes the quote; the dropped lines still count.
        let (out, infos) = guard(b"1,\"abc\ndef\nghi\"\n2,x\n", 5, true);
        assert_eq!(out, b"1,\"ab\"\n2,x\n");
        assert_eq!(infos, [info(1, 15, true, None), info(4, 3, false, None)]);
        // Doubled quotes stay inside the field.
        let (out, infos) = guard(b"\"a\"\"b\nc\"\nz", 100, true);
        assert_eq!(out, b"\"a\"\"b\nc\"\nz");
        assert_eq!(infos.iter().map(|i| i.line).collect::<Vec<_>>(), [1, 3]);
    }

    #[test]
    fn an_unterminated_quote_is_reported_and_tsv_has_no_quotes() {
        let (_, infos) = guard(b"id,text\n1,\"open\n2,x\n", 100, true);
        assert_eq!(infos[1], info(2, 12, false, Some(2)));
        let (out, infos) = guard(b"id\ttext\n1\t\"open\n2\tx\n", 100, false);
        assert_eq!(out.len(), 20);
        assert_eq!(infos.len(), 3);
    }

    #[test]
    fn lines_are_cut_and_skipped() {
        let mut input: &[u8] = b"short\r\n0123456789abc\n     #x\nend";
        let mut buf = Vec::new();
        let mut next = |max| {
            let l = read_line(&mut input, &mut buf, max).unwrap();
            (l.len, l.content, l.cut, l.lead().to_vec(), buf.clone())
        };
        assert_eq!(next(8), (7, 6, false, b"sh".to_vec(), b"short\r".to_vec()));
        assert_eq!(next(8), (14, 13, true, b"01".to_vec(), b"01234567".to_vec()));
        // The lead looks past what is kept: a cut line of spaces is not blank when text follows the cut.
        assert_eq!(next(2), (8, 7, true, b"#x".to_vec(), b"  ".to_vec()));
        assert_eq!(next(8), (3, 3, false, b"end".to_vec()[..2].to_vec(), b"end".to_vec()));
        assert_eq!(next(8), (0, 0, false, vec![], vec![]));
    }
}
