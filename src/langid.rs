//! Language identification: [`LangId::detect`] combines cues the project writes itself — letters unique to one
//! language (ř ů ě / ä ô ĺ ľ ŕ / ł ą ę ś ź ż ń ć) and the languages' frequent function words, matched folded so
//! that text typed without diacritics still counts — with whatlang's trigram scores restricted to Czech, Polish,
//! Slovak and English. When the cues alone are decisive, whatlang is skipped.

use std::collections::HashMap;

use crate::lang::Lang;
use crate::lexicon::LangLexicon;
use crate::tokenize::{Doc, TokenKind};

/// Weight of one occurrence of a letter unique to a language.
const UNIQUE_LETTER: f32 = 1.5;
/// Weight of a word found in a language's sentiment lexicon (shared among the languages that have it).
const LEXICON_WORD: f32 = 0.5;
/// Weight of whatlang's vote: a base, plus this much times its confidence.
const WHATLANG_BASE: f32 = 0.6;
const WHATLANG_WEIGHT: f32 = 2.5;
/// Cue scores at which whatlang is not consulted: a clear winner, no rival.
const FAST_PATH_MIN: f32 = 4.0;
/// Below this total signal the text is `und`.
const MIN_SIGNAL: f32 = 0.5;

/// A language decision with its confidence.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LangGuess {
    /// The language, `Und` when the text carries no usable signal.
    pub lang: Lang,
    /// 0..1: the winner's share of the margin over the runner-up.
    pub confidence: f32,
}

/// The language identifier: function-word table and whatlang detector, built once.
pub struct LangId {
    /// Folded function word → bit mask of the known languages that list it (bit = index in [`Lang::KNOWN`]).
    words: HashMap<String, u8>,
    /// Folded single-word sentiment term → bit mask of the languages whose lexicon has it.
    vocabulary: HashMap<String, u8>,
    detector: whatlang::Detector,
}

impl std::fmt::Debug for LangId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LangId({} function words)", self.words.len())
    }
}

fn unique_letter(c: char) -> Option<Lang> {
    match c {
        'ř' | 'ů' | 'ě' | 'Ř' | 'Ů' | 'Ě' => Some(Lang::Cs),
        'ä' | 'ô' | 'ĺ' | 'ľ' | 'ŕ' | 'Ä' | 'Ô' | 'Ĺ' | 'Ľ' | 'Ŕ' => Some(Lang::Sk),
        'ł' | 'ą' | 'ę' | 'ś' | 'ź' | 'ż' | 'ń' | 'ć' | 'Ł' | 'Ą' | 'Ę' | 'Ś' | 'Ź' | 'Ż' | 'Ń'
        | 'Ć' => Some(Lang::Pl),
        _ => None,
    }
}

fn known_index(lang: Lang) -> usize {
    Lang::KNOWN.iter().position(|l| *l == lang).unwrap_or(0)
}

impl LangId {
    /// Builds the identifier from the languages' function words.
    #[must_use]
    pub fn new(langs: &[LangLexicon]) -> Self {
        let mut words: HashMap<String, u8> = HashMap::new();
        let mut vocabulary: HashMap<String, u8> = HashMap::new();
        for lex in langs.iter().filter(|l| l.lang != Lang::Und) {
            let bit = 1u8 << known_index(lex.lang);
            for w in lex.function_words() {
                *words.entry(w.to_string()).or_default() |= bit;
            }
            for w in lex.single_word_terms() {
                *vocabulary.entry(w).or_default() |= bit;
            }
        }
        let detector = whatlang::Detector::with_allowlist(vec![
            whatlang::Lang::Ces,
            whatlang::Lang::Pol,
            whatlang::Lang::Slk,
            whatlang::Lang::Eng,
        ]);
        LangId {
            words,
            vocabulary,
            detector,
        }
    }

    /// Detects the language of a tokenised text.
    #[must_use]
    pub fn detect(&self, doc: &Doc) -> LangGuess {
        let mut scores = [0.0f32; 4];
        for c in doc.text.chars() {
            if let Some(l) = unique_letter(c) {
                scores[known_index(l)] += UNIQUE_LETTER;
            }
        }
        let mut words = 0;
        for t in doc.tokens.iter().filter(|t| t.kind == TokenKind::Word) {
            words += 1;
            let folded = doc.folded(t);
            let (mask, weight) = match self.words.get(folded) {
                Some(&m) => (m, 1.0),
                None => (
                    self.vocabulary.get(folded).copied().unwrap_or(0),
                    LEXICON_WORD,
                ),
            };
            if mask != 0 {
                let share = weight / mask.count_ones() as f32;
                for (i, s) in scores.iter_mut().enumerate() {
                    if mask & (1 << i) != 0 {
                        *s += share;
                    }
                }
            }
        }
        if words == 0 {
            return LangGuess {
                lang: Lang::Und,
                confidence: 0.0,
            };
        }
        let (best, second) = top_two(&scores);
        let decisive = scores[best] >= FAST_PATH_MIN && scores[second] * 4.0 <= scores[best];
        if !decisive && let Some(info) = self.detector.detect(doc.text) {
            let l = match info.lang() {
                whatlang::Lang::Ces => Lang::Cs,
                whatlang::Lang::Pol => Lang::Pl,
                whatlang::Lang::Slk => Lang::Sk,
                _ => Lang::En,
            };
            scores[known_index(l)] += WHATLANG_BASE + WHATLANG_WEIGHT * info.confidence() as f32;
        }
        let total: f32 = scores.iter().sum();
        let (best, second) = top_two(&scores);
        if total < MIN_SIGNAL || scores[best] == scores[second] {
            return LangGuess {
                lang: Lang::Und,
                confidence: 0.0,
            };
        }
        let margin = (scores[best] - scores[second]) / scores[best];
        // More evidence makes the same margin more trustworthy.
        let weight = total / (total + 2.0);
        LangGuess {
            lang: Lang::KNOWN[best],
            confidence: (margin * weight).clamp(0.0, 1.0),
        }
    }
}

fn top_two(scores: &[f32; 4]) -> (usize, usize) {
    let mut order = [0usize, 1, 2, 3];
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    (order[0], order[1])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenize::tokenize;

    fn detect(text: &str) -> Lang {
        let res = crate::test_resources();
        res.langid.detect(&tokenize(text, &res.emoticons)).lang
    }

    #[test]
    fn sentences_in_each_language() {
        assert_eq!(
            detect("Čekal jsem na lince čtyřicet minut a nikdo mi nepomohl."),
            Lang::Cs
        );
        assert_eq!(
            detect("Czekałem czterdzieści minut i nikt mi nie pomógł."),
            Lang::Pl
        );
        assert_eq!(
            detect("Čakal som štyridsať minút a nikto mi nepomohol, je to hrozné."),
            Lang::Sk
        );
        assert_eq!(
            detect("I waited forty minutes and nobody helped me."),
            Lang::En
        );
    }

    #[test]
    fn without_diacritics() {
        assert_eq!(
            detect("cekal jsem hodinu a jeste to neni vyresene"),
            Lang::Cs
        );
        assert_eq!(
            detect("cakal som hodinu a este to nie je vyriesene"),
            Lang::Sk
        );
        assert_eq!(
            detect("czekalem godzine i nadal nic nie jest zalatwione"),
            Lang::Pl
        );
    }

    #[test]
    fn no_signal_is_und() {
        assert_eq!(detect("12345 !!!"), Lang::Und);
        assert_eq!(detect("😀😀"), Lang::Und);
        assert_eq!(detect(""), Lang::Und);
    }
}
