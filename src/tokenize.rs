//! Tokenizer: [`tokenize`] splits a normalised text into [`Token`]s (words, numbers, emoji, emoticons,
//! punctuation, line breaks) and builds the folded copy of the text in the same pass, giving a [`Doc`].
//!
//! Every token keeps its byte span and its character span in the original text, and its byte span in the folded
//! copy. No later stage changes them: evidence reuses the character spans, so `text[start:end]` in Python shows
//! exactly the words that moved a score.

use crate::normalize::fold_char;

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// Letters (and digits) with internal apostrophes or hyphens: `nefunguje`, `don't`, `e-shop`.
    Word,
    /// Digits only: `40`.
    Number,
    /// One emoji, with its modifiers and joined sequence: `😡`, `👍🏻`.
    Emoji,
    /// An ASCII emoticon from the emoticon list: `:-(`, `<3`.
    Emoticon,
    /// One punctuation or symbol character.
    Punct,
    /// A line break: always ends a sentence (transcript turns are joined with it).
    Newline,
}

/// A token with its spans. Offsets are `u32`: hlas refuses records larger than 4 GiB long before this.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// What kind of token this is.
    pub kind: TokenKind,
    /// Byte offset of the first byte in the original text.
    pub start: u32,
    /// Byte offset one past the last byte in the original text.
    pub end: u32,
    /// Character (Unicode scalar) offset of the first character.
    pub char_start: u32,
    /// Character offset one past the last character.
    pub char_end: u32,
    /// Byte span in [`Doc::folded`].
    pub fold_start: u32,
    /// End of the byte span in [`Doc::folded`].
    pub fold_end: u32,
    /// Written in capitals (at least two letters, none lower-case): emphasis.
    pub caps: bool,
    /// A letter repeated three or more times (`suuuper`): emphasis. [`Doc::lookup_form`] collapses the run.
    pub elongated: bool,
}

/// A tokenised text: the original, its folded copy (lower case, no diacritics, same character count) and tokens.
#[derive(Clone, Debug)]
pub struct Doc<'a> {
    /// The text as analysed.
    pub text: &'a str,
    /// `text` folded character by character with [`fold_char`].
    pub folded: String,
    /// The tokens in text order.
    pub tokens: Vec<Token>,
}

impl Doc<'_> {
    /// The index of the token that holds (or first follows) character offset `char_offset`.
    #[must_use]
    pub fn token_at(&self, char_offset: u32) -> usize {
        self.tokens.partition_point(|t| t.char_end <= char_offset)
    }

    /// The token as written.
    #[must_use]
    pub fn surface(&self, t: &Token) -> &str {
        self.text.get(t.start as usize..t.end as usize).unwrap_or("")
    }

    /// The token folded (lower case, no diacritics).
    #[must_use]
    pub fn folded(&self, t: &Token) -> &str {
        self.folded.get(t.fold_start as usize..t.fold_end as usize).unwrap_or("")
    }

    /// The folded token with elongations collapsed (`suuuper` → `super`): the form looked up in lexicons.
    #[must_use]
    pub fn lookup_form(&self, t: &Token) -> std::borrow::Cow<'_, str> {
        let f = self.folded(t);
        if !t.elongated {
            return std::borrow::Cow::Borrowed(f);
        }
        let mut out = String::with_capacity(f.len());
        let chars: Vec<char> = f.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let mut j = i;
            while j < chars.len() && chars[j] == c {
                j += 1;
            }
            let run = j - i;
            let keep = if run >= 3 { 1 } else { run };
            out.extend(std::iter::repeat_n(c, keep));
            i = j;
        }
        std::borrow::Cow::Owned(out)
    }

    /// Number of word tokens.
    #[must_use]
    pub fn word_count(&self) -> usize {
        self.tokens.iter().filter(|t| t.kind == TokenKind::Word).count()
    }
}

/// ASCII emoticons the tokenizer recognises, longest first. Built from the emoji lexicon.
#[derive(Clone, Debug, Default)]
pub struct Emoticons {
    by_len: Vec<Vec<String>>,
}

impl Emoticons {
    /// Collects the entries made only of ASCII punctuation, digits and letters that start with punctuation
    /// (`:)`, `<3`, `:-D`); emoticons made of letters (`xD`) are matched as words instead.
    #[must_use]
    pub fn new<'a>(symbols: impl IntoIterator<Item = &'a str>) -> Self {
        let mut by_len: Vec<Vec<String>> = Vec::new();
        for s in symbols {
            let starts_with_punct = s.chars().next().is_some_and(|c| c.is_ascii_punctuation());
            if s.is_ascii() && s.len() >= 2 && starts_with_punct && !s.contains(char::is_whitespace) {
                if by_len.len() <= s.len() {
                    by_len.resize(s.len() + 1, Vec::new());
                }
                by_len[s.len()].push(s.to_string());
            }
        }
        Emoticons { by_len }
    }

    /// The longest emoticon at the start of `rest`, as a byte length.
    fn match_at(&self, rest: &str) -> Option<usize> {
        for len in (2..self.by_len.len()).rev() {
            if let Some(head) = rest.get(..len)
                && self.by_len[len].iter().any(|e| e == head)
            {
                return Some(len);
            }
        }
        None
    }
}

/// True for characters that start an emoji token.
#[must_use]
pub fn is_emoji(c: char) -> bool {
    matches!(c as u32,
        0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2B00..=0x2BFF | 0x2300..=0x23FF | 0x3030 | 0x303D | 0x3297 | 0x3299)
}

/// Characters that extend the emoji before them: variation selectors, skin tones, tags.
fn is_emoji_modifier(c: char) -> bool {
    matches!(c as u32, 0xFE0E | 0xFE0F | 0x1F3FB..=0x1F3FF | 0xE0020..=0xE007F | 0x20E3)
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || unicode_normalization::char::is_combining_mark(c)
}

/// Apostrophes and hyphens that stay inside a word when letters surround them.
fn is_word_joiner(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '-' | '\u{2010}')
}

/// Splits `text` into tokens and folds it. Whitespace other than line breaks separates tokens and is dropped.
#[must_use]
pub fn tokenize<'a>(text: &'a str, emoticons: &Emoticons) -> Doc<'a> {
    let mut folded = String::with_capacity(text.len());
    let mut tokens = Vec::with_capacity(text.len() / 5 + 1);
    // (byte offset, char offset, fold offset) of each char, computed on the fly.
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut fold_offsets = Vec::with_capacity(chars.len() + 1);
    for &(_, c) in &chars {
        fold_offsets.push(folded.len() as u32);
        folded.push(fold_char(c));
    }
    fold_offsets.push(folded.len() as u32);
    let byte_at = |i: usize| chars.get(i).map_or(text.len(), |&(b, _)| b) as u32;

    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].1;
        let start = i;
        let kind;
        if c == '\n' {
            kind = TokenKind::Newline;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
            continue;
        } else if let Some(len) = (c == '[').then(|| crate::redact::placeholder_len(&text[chars[i].0..])).flatten() {
            // A placeholder of masked personal data (`[PHONE]`): read the text as if the data were not there, so
            // `--redact` adds no English word to a Czech text. Placeholders are ASCII: bytes are chars.
            i += len;
            continue;
        } else if let Some(len) = link_or_handle_at(&chars, i) {
            // Links and @handles name things; they say nothing ("@DICKS" is a shop, "https://" holds no ":/").
            i += len;
            continue;
        } else if is_word_char(c) {
            i += 1;
            while i < chars.len() {
                let d = chars[i].1;
                if is_word_char(d) {
                    i += 1;
                } else if is_word_joiner(d) && chars.get(i + 1).is_some_and(|&(_, n)| n.is_alphanumeric()) {
                    i += 2;
                } else {
                    break;
                }
            }
            kind = if chars[start..i].iter().all(|&(_, d)| d.is_ascii_digit()) {
                TokenKind::Number
            } else {
                TokenKind::Word
            };
        } else if is_emoji(c) {
            i += 1;
            loop {
                match chars.get(i) {
                    Some(&(_, d)) if is_emoji_modifier(d) => i += 1,
                    Some(&(_, '\u{200D}')) if chars.get(i + 1).is_some_and(|&(_, n)| is_emoji(n)) => i += 2,
                    _ => break,
                }
            }
            kind = TokenKind::Emoji;
        } else if let Some(len) = c.is_ascii_punctuation().then(|| emoticons.match_at(&text[chars[i].0..])).flatten() {
            // Emoticons are ASCII, so their byte length is their char length.
            i += len;
            kind = TokenKind::Emoticon;
        } else {
            i += 1;
            if is_emoji_modifier(c) {
                continue;
            }
            kind = TokenKind::Punct;
        }
        let span = &chars[start..i];
        let (caps, elongated) = if kind == TokenKind::Word { word_flags(span) } else { (false, false) };
        tokens.push(Token {
            kind,
            start: byte_at(start),
            end: byte_at(i),
            char_start: start as u32,
            char_end: i as u32,
            fold_start: fold_offsets[start],
            fold_end: fold_offsets[i],
            caps,
            elongated,
        });
    }
    Doc { text, folded, tokens }
}

/// The length in chars of a link (`http://`, `https://`, `www.`) or a social-media handle (`@name`) starting at
/// `i`, when one does and follows whitespace or the start of the text; it runs to the next whitespace (a handle to
/// the end of its letters, digits, `_` and `.`).
fn link_or_handle_at(chars: &[(usize, char)], i: usize) -> Option<usize> {
    if i > 0 && !chars[i - 1].1.is_whitespace() && !matches!(chars[i - 1].1, '(' | '"' | '\'' | '<' | '[') {
        return None;
    }
    let starts_with = |p: &str| {
        let mut k = i;
        p.chars().all(|pc| {
            let ok = chars.get(k).is_some_and(|&(_, c)| c.to_ascii_lowercase() == pc);
            k += 1;
            ok
        })
    };
    let run = |from: usize, keep: &dyn Fn(char) -> bool| {
        (from..chars.len()).find(|&k| !keep(chars[k].1)).unwrap_or(chars.len()) - i
    };
    if starts_with("http://") || starts_with("https://") || starts_with("www.") {
        // Punctuation at its end closes the sentence or a bracket, not the link.
        let mut len = run(i, &|c: char| !c.is_whitespace());
        while len > 4 && matches!(chars[i + len - 1].1, '.' | ',' | ';' | ':' | '!' | '?' | ')' | ']' | '"' | '\'') {
            len -= 1;
        }
        return Some(len);
    }
    if chars[i].1 == '@' && chars.get(i + 1).is_some_and(|&(_, c)| c.is_alphanumeric() || c == '_') {
        let len = run(i + 1, &|c: char| c.is_alphanumeric() || c == '_' || c == '.');
        // A trailing dot ends the sentence, not the handle.
        let trailing_dot = usize::from(chars[i + len - 1].1 == '.');
        return Some(len - trailing_dot);
    }
    None
}

/// The characters `start..end` (character offsets, as in evidence spans) of `text`.
#[must_use]
pub fn char_span(text: &str, start: u32, end: u32) -> String {
    text.chars().skip(start as usize).take(end.saturating_sub(start) as usize).collect()
}

/// (all capitals, elongated) for a word's characters.
fn word_flags(span: &[(usize, char)]) -> (bool, bool) {
    let mut letters = 0;
    let mut upper = 0;
    let mut run = 0;
    let mut prev = None;
    let mut elongated = false;
    for &(_, c) in span {
        if c.is_alphabetic() {
            letters += 1;
            if c.is_uppercase() {
                upper += 1;
            }
        }
        if Some(c) == prev && c.is_alphabetic() {
            run += 1;
            if run >= 3 {
                elongated = true;
            }
        } else {
            run = 1;
        }
        prev = Some(c);
    }
    (letters >= 2 && upper == letters, elongated)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn emoticons() -> Emoticons {
        Emoticons::new([":)", ":-(", "<3", ":D", "xD"])
    }

    /// One line per token: checks kind, surface and char span together.
    fn assert_token(doc: &Doc, pos: usize, kind: TokenKind, surface: &str, from: u32, to: u32) {
        let t = &doc.tokens[pos];
        assert_eq!((t.kind, doc.surface(t), t.char_start, t.char_end), (kind, surface, from, to), "token {pos}");
    }

    #[test]
    fn char_spans_and_the_token_at_an_offset() {
        let doc = tokenize("Čekal jsem 40 minut!", &emoticons());
        assert_eq!(char_span(doc.text, 11, 19), "40 minut");
        assert_eq!(doc.token_at(12), 2, "inside the number");
        assert_eq!(doc.token_at(10), 2, "the space before it: the next token");
    }

    #[test]
    fn links_and_handles_are_not_words() {
        let e = Emoticons::new([":/", ":)"]);
        let doc = tokenize("@DICKS help: https://t.co/x:/y (www.shop.cz) mail me@home.cz @ana.", &e);
        let surfaces: Vec<&str> = doc.tokens.iter().map(|t| doc.surface(t)).collect();
        assert_eq!(surfaces, ["help", ":", "(", ")", "mail", "me", "@", "home", ".", "cz", "."]);
    }

    #[test]
    fn redaction_placeholders_are_not_words() {
        let doc = tokenize("Volejte [PHONE], tel.:[PHONE]! [NAME] [EMAIL", &emoticons());
        let surfaces: Vec<&str> = doc.tokens.iter().map(|t| doc.surface(t)).collect();
        assert_eq!(surfaces, ["Volejte", ",", "tel", ".", ":", "!", "[", "NAME", "]", "[", "EMAIL"]);
        assert_eq!(doc.tokens[1].char_start, 15);
    }

    #[test]
    fn words_keep_char_and_byte_spans() {
        let doc = tokenize("Čekal jsem 40 minut!", &emoticons());
        assert_token(&doc, 0, TokenKind::Word, "Čekal", 0, 5);
        assert_token(&doc, 1, TokenKind::Word, "jsem", 6, 10);
        assert_token(&doc, 2, TokenKind::Number, "40", 11, 13);
        assert_token(&doc, 3, TokenKind::Word, "minut", 14, 19);
        assert_token(&doc, 4, TokenKind::Punct, "!", 19, 20);
        assert_eq!(doc.folded(&doc.tokens[0]), "cekal");
        assert_eq!(doc.tokens[0].end, "Čekal".len() as u32);
    }

    #[test]
    fn joiners_emoji_and_emoticons() {
        let doc = tokenize("don't e-shop 👍🏻 :-( <3\nok", &emoticons());
        let kinds: Vec<_> = doc.tokens.iter().map(|t| (t.kind, doc.surface(t))).collect();
        assert_eq!(
            kinds,
            vec![
                (TokenKind::Word, "don't"),
                (TokenKind::Word, "e-shop"),
                (TokenKind::Emoji, "👍🏻"),
                (TokenKind::Emoticon, ":-("),
                (TokenKind::Emoticon, "<3"),
                (TokenKind::Newline, "\n"),
                (TokenKind::Word, "ok"),
            ]
        );
    }

    #[test]
    fn caps_and_elongation() {
        let doc = tokenize("HROZNÉ suuuper cool A", &emoticons());
        assert!(doc.tokens[0].caps);
        assert!(doc.tokens[1].elongated);
        assert_eq!(doc.lookup_form(&doc.tokens[1]), "super");
        assert!(!doc.tokens[2].elongated);
        assert!(!doc.tokens[3].caps, "a single letter is not shouting");
    }

    #[test]
    fn spans_always_fall_on_char_boundaries() {
        for text in ["ž😀a\u{301}b-", "'-'", "a\u{200D}😀", "👨\u{200D}👩\u{200D}👧 ok", "::::)", ""] {
            let doc = tokenize(text, &emoticons());
            for t in &doc.tokens {
                assert!(text.is_char_boundary(t.start as usize) && text.is_char_boundary(t.end as usize));
                assert!(doc.folded.is_char_boundary(t.fold_start as usize));
                let by_chars: String =
                    text.chars().skip(t.char_start as usize).take((t.char_end - t.char_start) as usize).collect();
                assert_eq!(by_chars, doc.surface(t));
            }
        }
    }
}
