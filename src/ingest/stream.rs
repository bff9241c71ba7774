//! An input as a stream of UTF-8-or-legacy bytes with `\n` line ends: [`open_stream`] undoes gzip (with a limit
//! on how far it may expand), a byte order mark, UTF-16, and lines that end in a lone CR, so the parsers above it
//! see one shape of input whatever the export tool wrote.
//!
//! Everything here streams: nothing is read whole, the only look-ahead is [`HEAD`] bytes.

use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::{Counted, READ_BUFFER};

/// An input, opened.
pub(crate) type Input = Box<dyn BufRead + Send>;

/// Bytes looked at to recognise UTF-16 without a byte order mark and CR-only line ends: enough for dozens of lines.
const HEAD: usize = 8 * 1024;

/// Default of `--max-gzip-ratio`. Text and CSV exports compress 3–15×, JSON with repetitive keys up to ~30×; a
/// gzip bomb (a run of one byte) compresses about 1000×. 100 leaves real data a wide margin and stops a bomb.
pub const DEFAULT_MAX_GZIP_RATIO: u64 = 100;

/// Decompressed bytes a gzip input may always produce before the ratio applies, so a small, very repetitive file
/// (a few MB of the same line) is never refused, and the ratio is measured over enough input to be stable.
pub const GZIP_RATIO_FLOOR: u64 = 64 << 20;

/// What [`open_stream`] found and undid.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Detected {
    /// The input was gzip.
    pub gzip: bool,
    /// It started with a UTF-8 byte order mark (removed).
    pub utf8_bom: bool,
    /// It was UTF-16 (decoded to UTF-8): "UTF-16LE" or "UTF-16BE", and whether it had a byte order mark.
    pub utf16: Option<(&'static str, bool)>,
    /// Its lines ended in a lone CR (turned into LF).
    pub cr_lines: bool,
}

impl Detected {
    /// Both detections together (stdin is detected once when planned, and its spool again when read).
    pub fn or(self, other: Detected) -> Detected {
        Detected {
            gzip: self.gzip || other.gzip,
            utf8_bom: self.utf8_bom || other.utf8_bom,
            utf16: self.utf16.or(other.utf16),
            cr_lines: self.cr_lines || other.cr_lines,
        }
    }

    /// True when the bytes are known to be UTF-8 whatever `--encoding` says: a byte order mark is explicit, and
    /// UTF-16 has been decoded to UTF-8 here.
    pub fn is_utf8(self) -> bool {
        self.utf8_bom || self.utf16.is_some()
    }

    /// Lines for the run summary about what was undone that the user may not expect.
    pub fn notes(self, name: &str) -> Vec<String> {
        let mut notes = Vec::new();
        if let Some((enc, bom)) = self.utf16 {
            let how =
                if bom { "it starts with a byte order mark" } else { "no byte order mark: told by its zero bytes" };
            notes.push(format!("{name}: read as {enc} ({how})"));
        }
        if self.cr_lines {
            notes.push(format!("{name}: its lines end in CR alone (old Mac style): read each CR as a line end"));
        }
        notes
    }
}

/// Opens `raw` as described in the module doc. `max_gzip_ratio` 0 means no limit. Never fails by itself: a read
/// error, even on the first bytes, is returned by the stream where it happens, so the records before it are kept.
pub(crate) fn open_stream(raw: Box<dyn Read + Send>, max_gzip_ratio: u64) -> (Input, Detected) {
    let mut detected = Detected::default();
    let compressed = Arc::new(AtomicU64::new(0));
    let counted = Counted { inner: raw, count: Arc::clone(&compressed) };
    let mut input: Input = Box::new(BufReader::with_capacity(READ_BUFFER, counted));
    let head = peek(&mut input, 2);
    if head.starts_with(&[0x1f, 0x8b]) {
        detected.gzip = true;
        let gz = GzLimit {
            inner: flate2::bufread::MultiGzDecoder::new(input),
            compressed,
            out: 0,
            max_ratio: max_gzip_ratio,
        };
        input = Box::new(BufReader::with_capacity(READ_BUFFER, gz));
    }
    let mut head = peek(&mut input, HEAD);
    if let Some((encoding, bom_len)) = encoding_rs::Encoding::for_bom(&head) {
        input.consume(bom_len);
        if encoding == encoding_rs::UTF_8 {
            detected.utf8_bom = true;
            head.drain(..bom_len);
        } else {
            detected.utf16 = Some((encoding.name(), true));
            input = transcode(input, encoding);
            head = peek(&mut input, HEAD);
        }
    } else if let Some(encoding) = utf16_without_bom(&head) {
        detected.utf16 = Some((encoding.name(), false));
        input = transcode(input, encoding);
        head = peek(&mut input, HEAD);
    }
    if head.contains(&b'\r') && !head.contains(&b'\n') {
        detected.cr_lines = true;
        input = Box::new(BufReader::with_capacity(READ_BUFFER, CrLines { inner: input, after_cr: false }));
    }
    (input, detected)
}

/// Returns a copy of the input's first `n` bytes (fewer at its end) and leaves the input where it was: a peek that
/// works on pipes and decompressors, whose reads may return a few bytes at a time. A read error while peeking is
/// put back too, after the bytes read before it, so it surfaces where it happened (a gzip truncated in its first
/// block gives no records and a damage report, like one truncated later).
fn peek(input: &mut Input, n: usize) -> Vec<u8> {
    let mut head = Vec::with_capacity(n);
    let mut failed = None;
    loop {
        match input.fill_buf() {
            Ok(first) if first.len() >= n || first.is_empty() => return first[..first.len().min(n)].to_vec(),
            Ok(_) => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                // (A decoder may not repeat its error on the next read: keep this one.)
                failed = Some(e);
                break;
            }
        }
    }
    let mut buf = vec![0u8; n.min(64 * 1024)];
    while failed.is_none() && head.len() < n {
        let want = (n - head.len()).min(buf.len());
        match input.read(&mut buf[..want]) {
            Ok(0) => break,
            Ok(k) => head.extend_from_slice(&buf[..k]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
    }
    let rest: Input = match failed {
        None => std::mem::replace(input, Box::new(io::empty())),
        Some(e) => Box::new(BufReader::new(Failed(Some(e)))),
    };
    *input = Box::new(Cursor::new(head.clone()).chain(rest));
    head
}

/// A reader that fails once with a stored error, then reads as empty.
struct Failed(Option<io::Error>);

impl Read for Failed {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        self.0.take().map_or(Ok(0), Err)
    }
}

/// A gzip decoder that stops when the output outgrows `max_ratio` times the compressed bytes read so far (after
/// [`GZIP_RATIO_FLOOR`]): a 10 MB file that claims 10 GB of zeros is stopped after 64 MiB, in well under a second,
/// instead of keeping a core busy for a minute and producing nothing useful.
struct GzLimit {
    inner: flate2::bufread::MultiGzDecoder<Input>,
    compressed: Arc<AtomicU64>,
    out: u64,
    max_ratio: u64,
}

impl Read for GzLimit {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.out += n as u64;
        if self.max_ratio > 0 && self.out > GZIP_RATIO_FLOOR {
            let compressed = self.compressed.load(Ordering::Relaxed).max(1);
            if self.out > compressed.saturating_mul(self.max_ratio) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "gzip expands more than {}× ({} bytes out of {} compressed): stopped as a likely gzip bomb; \
                         raise --max-gzip-ratio (0: no limit) if the file is genuine",
                        self.max_ratio, self.out, compressed
                    ),
                ));
            }
        }
        Ok(n)
    }
}

/// UTF-16 without a byte order mark, told by its zero bytes: mostly-ASCII text in UTF-16 has a zero in every other
/// byte, always on the same side (the high byte: odd offsets in LE, even in BE). Real UTF-8 or legacy text has no
/// zero bytes at all, and binary data has them on both sides.
fn utf16_without_bom(head: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let pairs = head.len() / 2;
    if pairs < 4 {
        return None;
    }
    let zeros = |side: usize| head.chunks_exact(2).filter(|p| p[side] == 0).count();
    let (even, odd) = (zeros(0), zeros(1));
    if odd * 3 >= pairs && even * 50 <= pairs {
        Some(encoding_rs::UTF_16LE)
    } else if even * 3 >= pairs && odd * 50 <= pairs {
        Some(encoding_rs::UTF_16BE)
    } else {
        None
    }
}

fn transcode(inner: Input, encoding: &'static encoding_rs::Encoding) -> Input {
    let decoder = encoding.new_decoder_without_bom_handling();
    Box::new(BufReader::with_capacity(
        READ_BUFFER,
        Transcode { inner, decoder, out: vec![0; 64 * 1024], start: 0, end: 0, done: false },
    ))
}

/// Decodes a stream (UTF-16) to UTF-8 as it is read. Malformed UTF-16 (a lone surrogate, an odd last byte) becomes
/// U+FFFD.
struct Transcode {
    inner: Input,
    decoder: encoding_rs::Decoder,
    out: Vec<u8>,
    start: usize,
    end: usize,
    done: bool,
}

impl Read for Transcode {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.start == self.end {
            if self.done {
                return Ok(0);
            }
            let src = self.inner.fill_buf()?;
            let last = src.is_empty();
            let (result, read, written, _) = self.decoder.decode_to_utf8(src, &mut self.out, last);
            self.inner.consume(read);
            (self.start, self.end) = (0, written);
            self.done = last && result == encoding_rs::CoderResult::InputEmpty;
        }
        let n = buf.len().min(self.end - self.start);
        buf[..n].copy_from_slice(&self.out[self.start..self.start + n]);
        self.start += n;
        Ok(n)
    }
}

/// Turns CR and CRLF line ends into LF.
struct CrLines {
    inner: Input,
    after_cr: bool,
}

impl Read for CrLines {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let n = self.inner.read(buf)?;
            if n == 0 {
                return Ok(0);
            }
            let mut kept = 0;
            for i in 0..n {
                let b = buf[i];
                if b == b'\n' && self.after_cr {
                    self.after_cr = false;
                    continue;
                }
                self.after_cr = b == b'\r';
                buf[kept] = if b == b'\r' { b'\n' } else { b };
                kept += 1;
            }
            // A read of nothing but the LF of a CRLF keeps nothing: read again rather than signal the end.
            if kept > 0 {
                return Ok(kept);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(bytes: &[u8]) -> (Vec<u8>, Detected, Option<io::Error>) {
        let raw: Box<dyn Read + Send> = Box::new(Cursor::new(bytes.to_vec()));
        let (mut input, detected) = open_stream(raw, DEFAULT_MAX_GZIP_RATIO);
        let mut out = Vec::new();
        let err = input.read_to_end(&mut out).err();
        (out, detected, err)
    }

    fn utf16(s: &str, le: bool, bom: bool) -> Vec<u8> {
        let mut out = Vec::new();
        if bom {
            out.extend(if le { [0xFF, 0xFE] } else { [0xFE, 0xFF] });
        }
        for u in s.encode_utf16() {
            out.extend(if le { u.to_le_bytes() } else { u.to_be_bytes() });
        }
        out
    }

    #[test]
    fn boms_utf16_and_cr_lines_are_undone() {
        let text = "id,text\n1,Čekal jsem 40 minut 😡\n";
        for (le, bom) in [(true, true), (false, true), (true, false), (false, false)] {
            let (out, d, err) = open(&utf16(text, le, bom));
            assert!(err.is_none());
            assert_eq!(String::from_utf8(out).unwrap(), text, "le {le} bom {bom}");
            assert_eq!(d.utf16, Some((if le { "UTF-16LE" } else { "UTF-16BE" }, bom)));
        }
        let (out, d, _) = open(b"\xEF\xBB\xBFid,text\r\n");
        assert_eq!(out, b"id,text\r\n");
        assert!(d.utf8_bom && !d.cr_lines);
        let (out, d, _) = open(b"a\rb\rc\r\rd\r");
        assert_eq!(out, b"a\nb\nc\n\nd\n");
        assert!(d.cr_lines);
        let (out, d, _) = open(b"plain\n");
        assert_eq!((out.as_slice(), d), (&b"plain\n"[..], Detected::default()));
    }

    #[test]
    fn gzip_is_undone_and_a_bomb_is_stopped() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&utf16("ahoj\r", true, true)).unwrap();
        let (out, d, _) = open(&gz.finish().unwrap());
        assert_eq!(out, b"ahoj\n");
        assert!(d.gzip && d.cr_lines && d.utf16.is_some());
        // One 8 MiB member of zeros, repeated: 80 MiB out of about 80 KB.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&vec![0u8; 8 << 20]).unwrap();
        let member = gz.finish().unwrap();
        let bomb: Vec<u8> = member.iter().copied().cycle().take(member.len() * 10).collect();
        let (out, _, err) = open(&bomb);
        let err = err.expect("stopped").to_string();
        assert!(err.starts_with("gzip expands more than 100×"), "{err}");
        assert!(out.len() as u64 <= GZIP_RATIO_FLOOR + (1 << 20));
    }

    #[test]
    fn an_error_in_the_first_block_comes_after_what_was_read() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"one\ntwo\n").unwrap();
        let bytes = gz.finish().unwrap();
        let (_, d, err) = open(&bytes[..bytes.len() - 4]);
        assert!(d.gzip);
        assert!(err.is_some());
    }
}
