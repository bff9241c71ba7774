//! Stemmers: [`Stemmer`] maps a folded, lower-case word to its stem. English goes through rust-stemmers
//! (Snowball); Czech, Polish and Slovak through [`SuffixStemmer`], a light suffix stripper whose rules are data
//! (`lexicons/<lang>/suffixes.tsv`), because rust-stemmers has no stemmer for them.
//!
//! Both the text and every lexicon and theme term go through the same stemmer, so they cannot drift apart.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::lang::Lang;

/// Shortest word the suffix stemmer touches, in characters.
const MIN_WORD_CHARS: usize = 4;

/// A light suffix stripper: removes the longest listed ending that leaves at least its `min_stem` characters.
///
/// Hand-written because no crate offers Czech, Polish or Slovak stemming; the rules themselves live in data files.
#[derive(Clone, Debug, Default)]
pub struct SuffixStemmer {
    /// suffix → minimum characters that must remain.
    suffixes: HashMap<String, usize>,
    /// Longest suffix, in characters.
    max_len: usize,
}

impl SuffixStemmer {
    /// Builds a stemmer from `(suffix, min_stem)` rules. Suffixes are folded ASCII, like the words.
    #[must_use]
    pub fn new(rules: impl IntoIterator<Item = (String, usize)>) -> Self {
        let mut suffixes = HashMap::new();
        let mut max_len = 0;
        for (suffix, min_stem) in rules {
            max_len = max_len.max(suffix.chars().count());
            suffixes.insert(suffix, min_stem);
        }
        SuffixStemmer { suffixes, max_len }
    }

    /// The stem of `word` (folded, lower case). Words shorter than four characters are left alone.
    #[must_use]
    pub fn stem<'a>(&self, word: &'a str) -> Cow<'a, str> {
        // Byte offsets of the last `max_len` char boundaries, so suffixes are compared on char boundaries.
        let n_chars = word.chars().count();
        if n_chars < MIN_WORD_CHARS {
            return Cow::Borrowed(word);
        }
        let longest = self.max_len.min(n_chars - 1);
        for len in (1..=longest).rev() {
            let Some((cut, _)) = word.char_indices().nth(n_chars - len) else {
                continue;
            };
            if let Some(&min_stem) = self.suffixes.get(&word[cut..])
                && n_chars - len >= min_stem
            {
                return Cow::Borrowed(&word[..cut]);
            }
        }
        Cow::Borrowed(word)
    }
}

/// The stemmer of one language.
pub enum Stemmer {
    /// Snowball, through rust-stemmers (English).
    Snowball(rust_stemmers::Stemmer),
    /// The project's light suffix stripper (Czech, Polish, Slovak).
    Suffix(SuffixStemmer),
    /// No stemming (undetermined language).
    Identity,
}

impl std::fmt::Debug for Stemmer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stemmer::Snowball(_) => f.write_str("Stemmer::Snowball"),
            Stemmer::Suffix(s) => write!(f, "Stemmer::Suffix({} rules)", s.suffixes.len()),
            Stemmer::Identity => f.write_str("Stemmer::Identity"),
        }
    }
}

impl Stemmer {
    /// The stemmer for `lang`, with `rules` for the suffix stemmers (ignored for English and `und`).
    #[must_use]
    pub fn for_lang(lang: Lang, rules: Vec<(String, usize)>) -> Self {
        match lang {
            Lang::En => Stemmer::Snowball(rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::English)),
            Lang::Cs | Lang::Pl | Lang::Sk => Stemmer::Suffix(SuffixStemmer::new(rules)),
            Lang::Und => Stemmer::Identity,
        }
    }

    /// Stems a folded, lower-case word. Numbers and one-letter words come back unchanged.
    #[must_use]
    pub fn stem<'a>(&self, word: &'a str) -> Cow<'a, str> {
        match self {
            Stemmer::Snowball(s) => s.stem(word),
            Stemmer::Suffix(s) => s.stem(word),
            Stemmer::Identity => Cow::Borrowed(word),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stemmer() -> SuffixStemmer {
        SuffixStemmer::new(
            [("ami", 3), ("em", 3), ("al", 3), ("ala", 3), ("ali", 3), ("a", 3), ("u", 3), ("y", 3)]
                .map(|(s, m)| (s.to_string(), m)),
        )
    }

    #[test]
    fn strips_the_longest_suffix_that_leaves_enough() {
        let s = stemmer();
        assert_eq!(s.stem("cekal"), "cek");
        assert_eq!(s.stem("cekala"), "cek");
        assert_eq!(s.stem("cekali"), "cek");
        assert_eq!(s.stem("lidmi"), "lidmi");
        assert_eq!(s.stem("zenami"), "zen");
        assert_eq!(s.stem("dal"), "dal", "too short to stem");
    }

    #[test]
    fn never_cuts_inside_a_character() {
        let s = stemmer();
        for w in ["žžžža", "😀😀😀u", "ééé", "a"] {
            let stem = s.stem(w);
            assert!(w.starts_with(stem.as_ref()));
        }
    }

    #[test]
    fn english_goes_through_snowball() {
        let s = Stemmer::for_lang(Lang::En, vec![]);
        assert_eq!(s.stem("waiting"), "wait");
        assert_eq!(s.stem("waited"), "wait");
    }
}
