//! Text encodings of input values: UTF-8, and the two legacy encodings of Czech, Polish and Slovak exports
//! (Windows-1250 from Excel and older Windows tools, ISO-8859-2 from older Unix systems).
//!
//! Decoding is per value — a CSV/TSV field, a JSONL or text line, a JSON document — not per file: an export that was
//! appended to by two tools (one writing UTF-8, one Windows-1250) is still read right line by line, and a file is
//! never read twice just to guess its encoding. The stream-level part (byte order marks, UTF-16) is in
//! `ingest::stream`.

use std::borrow::Cow;

/// How input bytes become text (`--encoding`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum TextEncoding {
    /// UTF-8; a value that is not valid UTF-8 but reads cleanly as Windows-1250 (more broken UTF-8 sequences than
    /// well-formed accented letters, and no control characters once decoded) is read as Windows-1250.
    #[default]
    Auto,
    /// UTF-8 only: invalid bytes become U+FFFD and the record gets an `error`.
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    /// Windows-1250 (code page 1250, Central European), every value.
    #[value(name = "windows-1250", alias = "cp1250")]
    Windows1250,
    /// ISO-8859-2 (Latin-2), every value.
    #[value(name = "iso-8859-2", alias = "latin2")]
    Iso8859_2,
}

/// A decoded value.
#[derive(Debug, PartialEq)]
pub(crate) struct Decoded<'a> {
    /// The text.
    pub text: Cow<'a, str>,
    /// For invalid UTF-8 that was not read as a legacy encoding: the byte offset of the first invalid byte. The
    /// text then holds U+FFFD for the invalid bytes.
    pub invalid_at: Option<usize>,
    /// True when [`TextEncoding::Auto`] fell back to Windows-1250.
    pub fell_back: bool,
}

/// Decodes one value.
pub(crate) fn decode(bytes: &[u8], encoding: TextEncoding) -> Decoded<'_> {
    let plain = |text| Decoded { text, invalid_at: None, fell_back: false };
    match encoding {
        TextEncoding::Windows1250 => plain(encoding_rs::WINDOWS_1250.decode_without_bom_handling(bytes).0),
        TextEncoding::Iso8859_2 => plain(encoding_rs::ISO_8859_2.decode_without_bom_handling(bytes).0),
        TextEncoding::Utf8 | TextEncoding::Auto => match std::str::from_utf8(bytes) {
            Ok(s) => plain(Cow::Borrowed(s)),
            Err(e) => {
                if encoding == TextEncoding::Auto
                    && let Some(text) = as_windows_1250(bytes)
                {
                    return Decoded { text: Cow::Owned(text), invalid_at: None, fell_back: true };
                }
                Decoded { text: String::from_utf8_lossy(bytes), invalid_at: Some(e.valid_up_to()), fell_back: false }
            }
        },
    }
}

/// Reads bytes that are not valid UTF-8 as Windows-1250, when that is plausibly what they are:
///
/// - broken UTF-8 sequences outnumber well-formed Latin letters and punctuation (U+00A0–U+024F, U+2000–U+206F,
///   €). UTF-8 with one damaged byte has well-formed accented letters around it and stays UTF-8 (with an error
///   row), while in Windows-1250 text the accented letters rarely happen to form valid UTF-8, and when they do it
///   is mostly as something else (in "ŻÓŁW", Ó Ł is the UTF-8 for the Cyrillic ӣ, which is not counted);
/// - the Windows-1250 reading has no control characters other than tab, CR and LF: binary data (NULs, C1
///   controls from the undefined 0x81/0x83/0x88/0x90/0x98) is not text in any encoding and stays an error row.
///
/// Windows-1250 rather than ISO-8859-2: the two agree on most Czech and Slovak letters, but Excel and Windows tools
/// write 1250 (š ť ž ś ź ą at 0x9A 0x9D 0x9E 0x9C 0x9F 0xB9), and in ISO-8859-2 those bytes are C1 controls.
fn as_windows_1250(bytes: &[u8]) -> Option<String> {
    let mut broken = 0usize;
    let mut well_formed = 0usize;
    for chunk in bytes.utf8_chunks() {
        well_formed += chunk
            .valid()
            .chars()
            .filter(|c| matches!(c, '\u{A0}'..='\u{24F}' | '\u{2000}'..='\u{206F}' | '\u{20AC}'))
            .count();
        broken += usize::from(!chunk.invalid().is_empty());
    }
    if broken <= well_formed {
        return None;
    }
    let (text, _) = encoding_rs::WINDOWS_1250.decode_without_bom_handling(bytes);
    if text.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) {
        return None;
    }
    Some(text.into_owned())
}

/// Decodes an owned buffer without copying it when it is valid UTF-8 (a whole JSON document can be large).
pub(crate) fn decode_owned(bytes: Vec<u8>, encoding: TextEncoding) -> (String, Option<usize>, bool) {
    if matches!(encoding, TextEncoding::Utf8 | TextEncoding::Auto) {
        match String::from_utf8(bytes) {
            Ok(s) => return (s, None, false),
            Err(e) => {
                let bytes = e.into_bytes();
                let d = decode(&bytes, encoding);
                return (d.text.into_owned(), d.invalid_at, d.fell_back);
            }
        }
    }
    let d = decode(&bytes, encoding);
    (d.text.into_owned(), d.invalid_at, d.fell_back)
}

/// The longest prefix of `bytes` of at most `max` bytes that ends on a UTF-8 character boundary, for keeping the
/// start of a record that was cut: the cut must not leave half a character (which would read as invalid UTF-8).
/// Bytes that are not UTF-8 at all are cut at `max`.
pub(crate) fn cut_at_char(bytes: &[u8], max: usize) -> &[u8] {
    if bytes.len() <= max {
        return bytes;
    }
    let mut end = max;
    // A UTF-8 character is at most 4 bytes: step back over at most 3 continuation bytes.
    while end > 0 && max - end < 3 && (bytes[end] & 0xC0) == 0x80 {
        end -= 1;
    }
    if (bytes[end] & 0xC0) == 0x80 { &bytes[..max] } else { &bytes[..end] }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w1250(s: &str) -> Vec<u8> {
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1250.encode(s);
        assert!(!unmappable, "{s}");
        bytes.into_owned()
    }

    #[test]
    fn windows_1250_exports_are_read_in_auto_mode() {
        for s in ["Čekal jsem 40 minut, žádná odpověď", "Zażółć gęślą jaźń", "ŻÓŁW", "Ťažko sa čakalo, ľúbim"]
        {
            let bytes = w1250(s);
            let d = decode(&bytes, TextEncoding::Auto);
            assert_eq!(d.text, s);
            assert!(d.fell_back && d.invalid_at.is_none(), "{s}");
            assert_eq!(decode(&bytes, TextEncoding::Windows1250).text, s);
            let strict = decode(&bytes, TextEncoding::Utf8);
            assert!(strict.invalid_at.is_some() && strict.text.contains('\u{FFFD}'));
        }
    }

    #[test]
    fn damaged_utf8_and_binary_stay_errors() {
        let damaged = b"P\xC5\x99\xC3\xADli\xC5\xA1 \xFF \xC5\xBEluou\xC4\x8Dk\xC3\xBD";
        let d = decode(damaged, TextEncoding::Auto);
        assert_eq!(d.invalid_at, Some(10));
        assert!(!d.fell_back);
        let binary = b"\x00\x01\xFF\xFE\x9A\x81";
        assert!(decode(binary, TextEncoding::Auto).invalid_at.is_some());
        assert_eq!(
            decode(b"ok", TextEncoding::Auto),
            Decoded { text: "ok".into(), invalid_at: None, fell_back: false }
        );
    }

    #[test]
    fn latin2_differs_from_1250_where_it_should() {
        // š is 0xB9 in ISO-8859-2 and 0x9A in Windows-1250.
        assert_eq!(decode(b"\xB9", TextEncoding::Iso8859_2).text, "š");
        assert_eq!(decode(b"\x9A", TextEncoding::Windows1250).text, "š");
    }

    #[test]
    fn cuts_keep_whole_characters() {
        let s = "ažž".as_bytes(); // a, then two 2-byte letters
        assert_eq!(cut_at_char(s, 2), b"a");
        assert_eq!(cut_at_char(s, 3), "až".as_bytes());
        assert_eq!(cut_at_char(s, 10), s);
        assert_eq!(cut_at_char(b"\x80\x80\x80\x80\x80", 4), b"\x80\x80\x80\x80");
    }
}
