//! Language identification: [`LangId::detect`] adds up evidence the project writes itself and whatlang's
//! trigram vote (restricted to Czech, Polish, Slovak and English):
//!
//! - **function words** (`lexicons/<lang>/function_words.tsv`): a word as written ("čo" is Slovak) or, for a word
//!   typed without diacritics, folded ("co" may be Czech "co" or Slovak "čo");
//! - **cues** (`lexicons/<lang>/cues.tsv`): letters unique to one language (ř ů ě / ä ô ĺ ľ ŕ / ł ą ę ś ź ż ń ć)
//!   and spelling patterns of folded words (Polish sz/cz/rz/w and -ego, Slovak -ov and ie/ia/iu, Czech js- and
//!   inner ou, English th/wh/-ing), so text typed without diacritics still carries signal;
//! - **vocabulary**: the words of each language's sentiment lexicon and its common everyday word forms
//!   (`lexicons/<lang>/common_words.tsv`);
//! - **whatlang**, consulted only when the project's own evidence is not decisive (a fast path that also keeps
//!   the stage cheap).
//!
//! The winner is the language with most points; `lang_confidence` grows with its margin over the runner-up and is
//! calibrated on labelled data (see ARCHITECTURE.md). A text with no words, or whose evidence ties, is `und`. A
//! text mixing Czech and Slovak gets the language with more evidence, which for real mixed feedback is the one most
//! of its words are written in.

// FxHash: these maps are probed with many short keys per word; SipHash's DoS resistance buys nothing here
// (the keys come from our own lexicon files) and costs most of the stage's time.
use rustc_hash::{FxHashMap, FxHashSet};
use std::path::Path;

mod spelling_model;

use crate::lang::Lang;
use crate::lexicon::{LangLexicon, LexiconError, data_lines, format_error};
use crate::normalize::fold;
use crate::tokenize::{Doc, TokenKind};
use spelling_model::SpellingModel;

/// Points for a function word found in one language only; shared words split [`SHARED_WORD`] points.
const DISTINCT_WORD: f32 = 1.5;
const SHARED_WORD: f32 = 1.0;
/// Points for a sentiment-lexicon word of one language only, and for one shared (split among them).
const DISTINCT_LEXICON_WORD: f32 = 1.0;
const LEXICON_WORD: f32 = 0.5;
/// Letter cues count at most this many times per word.
const MAX_LETTERS_PER_WORD: usize = 2;
/// Points for a word whose stem (under a language's stemmer) is in that language's vocabulary, one or shared.
const DISTINCT_STEM_WORD: f32 = 0.6;
const STEM_WORD: f32 = 0.3;
/// Points a word no list knows gets from the spelling model, split by the model's posteriors, and how sharply
/// the posteriors separate (a multiplier on the per-trigram log-likelihoods).
const SPELLING_WORD: f32 = 1.0;
const SPELLING_SHARPNESS: f32 = 2.0;
/// A listed word several languages share (Czech and Slovak "stavba") adds this many points split by the spelling
/// model's posteriors among those languages: a tie-break, weaker than any list's own vote.
const SHARED_SPELLING: f32 = 0.3;
/// whatlang's vote: a base plus its confidence times this.
const WHATLANG_BASE: f32 = 0.5;
const WHATLANG_WEIGHT: f32 = 2.0;
/// Share of whatlang's vote for cs/pl/sk that counts on text without any non-ASCII character.
const ASCII_SLAVIC_WHATLANG: f32 = 0.3;
/// Share of whatlang's vote for Czech that also counts for Slovak, and the reverse.
const CS_SK_WHATLANG_SHARE: f32 = 0.5;
/// Own evidence is decisive (whatlang is skipped) when the leader has this many points and this lead.
const FAST_PATH_MIN: f32 = 2.0;
const FAST_PATH_LEAD: f32 = 1.5;
/// A lead at which the rest of a text is not read (confidence 1 − e^(−12/2) > 0.99).
const SETTLED_LEAD: f32 = 12.0;
/// Confidence = 1 − e^(−margin / CONFIDENCE_SCALE), margin = leader's points minus the runner-up's.
const CONFIDENCE_SCALE: f32 = 2.0;

/// A language decision with its confidence.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LangGuess {
    /// The language, `Und` when the text carries no usable signal.
    pub lang: Lang,
    /// 0..1, growing with the winner's margin over the runner-up.
    pub confidence: f32,
}

/// The points each language collected, for `hlas explain`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LangEvidence {
    /// Points per language in [`Lang::KNOWN`] order.
    pub scores: [f32; 4],
    /// whatlang's vote, when it was consulted.
    pub whatlang: Option<(Lang, f32)>,
}

/// The languages (bit = index in [`Lang::KNOWN`]) listing a word, by list and form.
#[derive(Clone, Copy, Debug, Default)]
struct WordMasks {
    /// Function words, as written (lower case) and folded.
    function_written: u8,
    function_folded: u8,
    /// Sentiment-lexicon terms and common word forms, as written and folded.
    vocabulary_written: u8,
    vocabulary_folded: u8,
}

/// A spelling cue's position in the word.
#[derive(Clone, Copy, Debug, PartialEq)]
enum CueKind {
    Prefix,
    Suffix,
    Infix,
    Contains,
}

/// The language identifier, built once from the lexicons.
pub struct LangId {
    /// Every listed word, lower-cased as written and folded, → the languages that list it, by list: one map
    /// so a word costs one lookup (two with diacritics).
    words: FxHashMap<String, WordMasks>,
    /// Per language (index in [`Lang::KNOWN`]): the stems, under that language's stemmer, of its lexicon terms and
    /// common words; consulted for words with no exact match when the cheap evidence is not decisive.
    stem_vocabulary: [FxHashSet<String>; 4],
    /// Letter cues: character → (language index, points).
    letters: FxHashMap<char, Vec<(usize, f32)>>,
    /// Pattern cues by kind (index: prefix, suffix, infix, contains): pattern → (language index, points). An
    /// ASCII pattern is matched on the folded word, one with diacritics (`ní`) on the word as written.
    patterns: [FxHashMap<String, Vec<(usize, f32)>>; 4],
    /// Per kind, the pattern lengths (in characters) present and, for each, the first characters of its patterns:
    /// a word is probed only at those lengths, and only where such a character stands, which skips most probes
    /// (hashing substrings was the stage's hottest loop).
    pattern_shapes: [Vec<PatternShape>; 4],
    /// Long-pair cues: (language index, points, the long vowels). A word as written with two neighbouring
    /// syllables whose vowels are both long scores once.
    long_pairs: Vec<(usize, f32, Vec<char>)>,
    /// Character trigrams of each language's words, for words no list knows.
    spelling: SpellingModel,
    /// The same model over the words as written (lower case, diacritics kept), for words typed with diacritics:
    /// "dospelými" has the é-less e of Slovak where Czech writes "dospělými".
    spelling_written: SpellingModel,
    detector: whatlang::Detector,
}

impl std::fmt::Debug for LangId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let cues: usize = self.patterns.iter().map(FxHashMap::len).sum::<usize>() + self.letters.len();
        write!(f, "LangId({} word forms, {cues} cues)", self.words.len())
    }
}

fn known_index(lang: Lang) -> usize {
    Lang::KNOWN.iter().position(|l| *l == lang).unwrap_or(0)
}

/// Adds `points` to each language in `mask`, split evenly.
fn credit(scores: &mut [f32; 4], mask: u8, points: f32) {
    let share = points / mask.count_ones().max(1) as f32;
    for (i, s) in scores.iter_mut().enumerate() {
        if mask & (1 << i) != 0 {
            *s += share;
        }
    }
}

impl LangId {
    /// Builds the identifier from the languages' function words and lexicons, and from the cue and common-word
    /// files (`(path, text)` per language, in [`Lang::KNOWN`] order).
    ///
    /// # Errors
    /// A malformed cue line, named by file and line.
    pub fn new(
        langs: &[LangLexicon],
        cues: &[(std::path::PathBuf, String)],
        common_words: &[(std::path::PathBuf, String)],
    ) -> Result<Self, LexiconError> {
        let mut id = LangId {
            words: FxHashMap::default(),
            letters: FxHashMap::default(),
            stem_vocabulary: Default::default(),
            patterns: Default::default(),
            pattern_shapes: Default::default(),
            long_pairs: Vec::new(),
            spelling: SpellingModel::default(),
            spelling_written: SpellingModel::default(),
            detector: whatlang_allowlist(),
        };
        // Every word the project wrote for each language, lower-cased as written and folded, once.
        let mut function: [Vec<(String, String)>; 4] = Default::default();
        let mut vocabulary: [Vec<(String, String)>; 4] = Default::default();
        let forms = |w: &str| (w.to_lowercase(), fold(w));
        for lex in langs.iter().filter(|l| l.lang != Lang::Und) {
            let i = known_index(lex.lang);
            function[i].extend(lex.function_words_as_written().map(forms));
            vocabulary[i].extend(lex.single_word_terms_as_written().map(forms));
        }
        for (i, (_, text)) in common_words.iter().enumerate() {
            vocabulary[i].extend(data_lines(text).map(|dl| forms(dl.cols[0])));
        }
        let total: usize = function.iter().chain(&vocabulary).map(Vec::len).sum();
        id.words.reserve(total * 2);
        let mut mark = |key: &str, set: &dyn Fn(&mut WordMasks)| match id.words.get_mut(key) {
            Some(m) => set(m),
            None => set(id.words.entry(key.to_owned()).or_default()),
        };
        for i in 0..4 {
            let bit = 1u8 << i;
            for (written, folded) in &function[i] {
                mark(written, &|m| m.function_written |= bit);
                mark(folded, &|m| m.function_folded |= bit);
            }
            for (written, folded) in &vocabulary[i] {
                mark(written, &|m| m.vocabulary_written |= bit);
                mark(folded, &|m| m.vocabulary_folded |= bit);
            }
        }
        // The stems of each language's vocabulary, and the spelling models over all its words, as written and
        // folded: independent per language and model, so they are built in parallel (most of the start-up).
        let stem_sets = || {
            let mut sets: [FxHashSet<String>; 4] = Default::default();
            for (i, set) in sets.iter_mut().enumerate() {
                let Some(lex) = langs.iter().find(|l| l.lang == Lang::KNOWN[i]) else { continue };
                let mut folded: Vec<&str> = vocabulary[i].iter().map(|(_, f)| f.as_str()).collect();
                folded.sort_unstable();
                folded.dedup();
                set.reserve(folded.len());
                set.extend(folded.into_iter().map(|f| lex.stemmer.stem(f).into_owned()));
            }
            sets
        };
        let all = |i: usize| function[i].iter().chain(&vocabulary[i]);
        let model = |written: bool| {
            SpellingModel::train(std::array::from_fn(|i| {
                all(i).map(|(w, f)| if written { w.as_str() } else { f.as_str() }).collect::<Vec<_>>()
            }))
        };
        let (stems, (spelling, spelling_written)) =
            rayon::join(stem_sets, || rayon::join(|| model(false), || model(true)));
        id.stem_vocabulary = stems;
        id.spelling = spelling;
        id.spelling_written = spelling_written;
        for (i, (path, text)) in cues.iter().enumerate() {
            id.add_cues(i, path, text)?;
        }
        Ok(id)
    }

    fn add_cues(&mut self, lang: usize, path: &Path, text: &str) -> Result<(), LexiconError> {
        for dl in data_lines(text) {
            let [kind, pattern, weight] = dl.cols.as_slice() else {
                return Err(format_error(path, dl.line, "expected kind<TAB>pattern<TAB>weight"));
            };
            let weight: f32 = weight
                .parse()
                .ok()
                .filter(|w: &f32| (0.0..=10.0).contains(w))
                .ok_or_else(|| format_error(path, dl.line, "weight must be a number in 0..10"))?;
            let kind = match *kind {
                "letter" => {
                    let mut chars = pattern.chars();
                    let (Some(c), None) = (chars.next(), chars.next()) else {
                        return Err(format_error(path, dl.line, "a letter cue is one character"));
                    };
                    if c.is_ascii() {
                        // The scorer skips ASCII characters when it looks for letter cues (most characters are).
                        return Err(format_error(
                            path,
                            dl.line,
                            "a letter cue is a letter with diacritics; use `contains` for an ASCII letter",
                        ));
                    }
                    for variant in c.to_lowercase().chain(c.to_uppercase()) {
                        self.letters.entry(variant).or_default().push((lang, weight));
                    }
                    continue;
                }
                "long-pair" => {
                    // Two neighbouring syllables both long: Czech has them everywhere (krásný, čekání, vyrážíme),
                    // Slovak's rhythmic law shortens the second (krásny, čakanie).
                    self.long_pairs.push((lang, weight, pattern.to_lowercase().chars().collect()));
                    continue;
                }
                "prefix" => CueKind::Prefix,
                "suffix" => CueKind::Suffix,
                "infix" => CueKind::Infix,
                "contains" => CueKind::Contains,
                other => {
                    return Err(format_error(
                        path,
                        dl.line,
                        &format!("unknown cue kind '{other}' (letter, long-pair, prefix, suffix, infix, contains)"),
                    ));
                }
            };
            let pattern = if pattern.is_ascii() { fold(pattern) } else { pattern.to_lowercase() };
            if pattern.is_empty() {
                return Err(format_error(path, dl.line, "empty pattern"));
            }
            let k = kind as usize;
            let len = pattern.chars().count();
            let shapes = &mut self.pattern_shapes[k];
            let shape = match shapes.iter().position(|s| s.len == len) {
                Some(i) => &mut shapes[i],
                None => {
                    shapes.push(PatternShape { len, ..PatternShape::default() });
                    shapes.last_mut().expect("just pushed")
                }
            };
            shape.add(&pattern);
            self.patterns[k].entry(pattern).or_default().push((lang, weight));
        }
        Ok(())
    }

    /// Detects the language of a tokenised text; `langs` are the lexicons (for their stemmers), indexed by
    /// [`Lang::index`]. [`crate::Resources::detect_language`] passes them.
    #[must_use]
    pub fn detect(&self, doc: &Doc, langs: &[LangLexicon]) -> LangGuess {
        self.detect_with_evidence(doc, langs).0
    }

    /// Detects the language and returns the points behind the decision.
    #[must_use]
    pub fn detect_with_evidence(&self, doc: &Doc, langs: &[LangLexicon]) -> (LangGuess, LangEvidence) {
        let mut ev = LangEvidence::default();
        let scores = &mut ev.scores;
        let mut words = 0;
        let mut lower = String::new();
        let mut bounds = Vec::new();
        // Words no list knows as they are: their stems are tried if the cheap evidence is not decisive.
        // (folded, the word as written when it has diacritics): lower-cased only if the slow path needs it.
        let mut unknown: Vec<(&str, Option<&str>)> = Vec::new();
        let mut shared: Vec<(&str, Option<&str>, u8)> = Vec::new();
        // A text whose writer types diacritics: its plain words are most likely plain as written too ("co" there
        // is Czech, where Slovak would write "čo"), so they are looked up as written before folded.
        // (Latin letters with diacritics live in U+00C0..U+024F: a range test, not a Unicode table lookup.)
        let writes_diacritics = doc.text.chars().any(|c| ('\u{C0}'..='\u{24F}').contains(&c) && c != '×' && c != '÷');
        for t in doc.tokens.iter().filter(|t| t.kind == TokenKind::Word) {
            words += 1;
            let surface = doc.surface(t);
            let folded = doc.folded(t);
            lower.clear();
            if surface.is_ascii() {
                lower.push_str(folded);
            } else {
                lower.extend(surface.chars().flat_map(char::to_lowercase));
            }
            let as_written = lower != folded;
            // A word with diacritics is looked up as written (then its vocabulary folded); one without may be any
            // language typed plainly, unless the text shows its writer types diacritics.
            let none = WordMasks::default();
            let at_folded = self.words.get(folded).unwrap_or(&none);
            let (function, vocabulary) = if as_written {
                let at_written = self.words.get(lower.as_str()).unwrap_or(&none);
                let vocabulary = if at_written.vocabulary_written != 0 {
                    at_written.vocabulary_written
                } else {
                    at_folded.vocabulary_folded
                };
                (at_written.function_written, vocabulary)
            } else if writes_diacritics {
                let or = |a: u8, b: u8| if a != 0 { a } else { b };
                (
                    or(at_folded.function_written, at_folded.function_folded),
                    or(at_folded.vocabulary_written, at_folded.vocabulary_folded),
                )
            } else {
                (at_folded.function_folded, at_folded.vocabulary_folded)
            };
            if function != 0 {
                credit(scores, function, if function.count_ones() == 1 { DISTINCT_WORD } else { SHARED_WORD });
            } else if vocabulary != 0 {
                let points = if vocabulary.count_ones() == 1 { DISTINCT_LEXICON_WORD } else { LEXICON_WORD };
                credit(scores, vocabulary, points);
                if vocabulary.count_ones() > 1 {
                    shared.push((folded, as_written.then_some(surface), vocabulary));
                }
            } else if folded.chars().count() >= 3 {
                unknown.push((folded, as_written.then_some(surface)));
            }
            self.score_spelling(surface, folded, &lower, scores, &mut bounds);
            // A long text is settled long before its end: once the leader is this far ahead, the rest cannot
            // change the answer in practice, and the confidence is already above 0.95.
            let (best, second) = top_two(scores);
            if scores[best] - scores[second] >= SETTLED_LEAD {
                break;
            }
        }
        if words == 0 {
            return (LangGuess { lang: Lang::Und, confidence: 0.0 }, ev);
        }
        let decisive = |scores: &[f32; 4]| {
            let (best, second) = top_two(scores);
            scores[best] >= FAST_PATH_MIN && scores[best] - scores[second] >= FAST_PATH_LEAD
        };
        if !decisive(scores) {
            for (word, written, mask) in &shared {
                let p = self.spelling_posteriors(word, *written);
                for (i, s) in scores.iter_mut().enumerate() {
                    if mask & (1 << i) != 0 {
                        *s += SHARED_SPELLING * p[i];
                    }
                }
            }
            for (word, written) in &unknown {
                let mut mask = 0u8;
                for (i, lang) in Lang::KNOWN.iter().enumerate() {
                    if let Some(lex) = langs.get(lang.index())
                        && self.stem_vocabulary[i].contains(lex.stemmer.stem(word).as_ref())
                    {
                        mask |= 1 << i;
                    }
                }
                if mask != 0 {
                    credit(scores, mask, if mask.count_ones() == 1 { DISTINCT_STEM_WORD } else { STEM_WORD });
                } else {
                    let p = self.spelling_posteriors(word, *written);
                    for (s, p) in scores.iter_mut().zip(p) {
                        *s += SPELLING_WORD * p;
                    }
                }
            }
        }
        let decisive = decisive(scores);
        if !decisive && let Some(info) = self.detector.detect(doc.text) {
            let l = from_whatlang(info.lang());
            let mut points = WHATLANG_BASE + WHATLANG_WEIGHT * info.confidence() as f32;
            // whatlang's Czech, Slovak and Polish models expect diacritics: on text typed without them its vote
            // for those languages is weak evidence (its English vote is not affected).
            if l != Lang::En && doc.text.is_ascii() {
                points *= ASCII_SLAVIC_WHATLANG;
            }
            scores[known_index(l)] += points;
            // Between Czech and Slovak whatlang's trigrams often err (its Slovak model is the weaker one): part of
            // a vote for either goes to the other, so only the own evidence can separate close texts.
            match l {
                Lang::Cs => scores[known_index(Lang::Sk)] += points * CS_SK_WHATLANG_SHARE,
                Lang::Sk => scores[known_index(Lang::Cs)] += points * CS_SK_WHATLANG_SHARE,
                _ => {}
            }
            ev.whatlang = Some((l, points));
        }
        let (best, second) = top_two(&ev.scores);
        let margin = ev.scores[best] - ev.scores[second];
        if margin <= 0.0 {
            return (LangGuess { lang: Lang::Und, confidence: 0.0 }, ev);
        }
        let confidence = 1.0 - (-margin / CONFIDENCE_SCALE).exp();
        (LangGuess { lang: Lang::KNOWN[best], confidence }, ev)
    }

    /// The spelling model's posteriors for a word: the model over written forms when the word was typed with
    /// diacritics (`written`), the folded one otherwise.
    fn spelling_posteriors(&self, folded: &str, written: Option<&str>) -> [f32; 4] {
        match written {
            Some(w) => self.spelling_written.posteriors(&w.to_lowercase(), SPELLING_SHARPNESS),
            None => self.spelling.posteriors(folded, SPELLING_SHARPNESS),
        }
    }

    /// Letter cues on the word as written, pattern cues on its folded form.
    fn score_spelling(&self, surface: &str, folded: &str, lower: &str, scores: &mut [f32; 4], bounds: &mut Vec<usize>) {
        let mut letters = [0usize; 4];
        // Letter cues are letters with diacritics: an ASCII character never has one.
        for c in surface.chars().filter(|c| !c.is_ascii()) {
            if let Some(cues) = self.letters.get(&c) {
                for &(lang, w) in cues {
                    if letters[lang] < MAX_LETTERS_PER_WORD {
                        letters[lang] += 1;
                        scores[lang] += w;
                    }
                }
            }
        }
        if lower != folded {
            for (lang, w, long) in &self.long_pairs {
                if has_long_pair(lower, long) {
                    scores[*lang] += w;
                }
            }
        }
        // One prefix and one suffix cue per language (the strongest), every infix and contains cue.
        let mut best_prefix = [0.0f32; 4];
        let mut best_suffix = [0.0f32; 4];
        // Probe the folded word, and the word as written when it has diacritics (for patterns like "ní").
        let forms: &[&str] = if lower == folded { &[folded] } else { &[folded, lower] };
        for (form, word) in forms.iter().enumerate() {
            // Char boundaries; an ASCII word (the common case) needs none computed.
            let ascii = word.is_ascii();
            bounds.clear();
            if !ascii {
                bounds.extend(word.char_indices().map(|(i, _)| i).chain([word.len()]));
            }
            let bounds = &*bounds;
            let n = if ascii { word.len() } else { bounds.len() - 1 };
            // The cues of `kind` whose pattern is exactly the characters a..a+len of the word. ASCII patterns are
            // matched on the folded form only (form 0) and patterns with diacritics on the written one (form 1),
            // so nothing counts twice.
            let char_at_index =
                |a: usize| if ascii { char::from(word.as_bytes()[a]) } else { char_at(word, bounds[a]) };
            let cues_at = |kind: CueKind, shape: &PatternShape, a: usize| {
                if !shape.first[form].contains(char_at_index(a))
                    || !shape.last[form].contains(char_at_index(a + shape.len - 1))
                {
                    return None;
                }
                let part = if ascii { &word[a..a + shape.len] } else { &word[bounds[a]..bounds[a + shape.len]] };
                if (form == 0) == part.is_ascii() { self.patterns[kind as usize].get(part) } else { None }
            };
            for shape in self.pattern_shapes[CueKind::Prefix as usize].iter().filter(|s| s.any[form]) {
                if n > shape.len
                    && let Some(cues) = cues_at(CueKind::Prefix, shape, 0)
                {
                    cues.iter().for_each(|&(l, w)| best_prefix[l] = best_prefix[l].max(w));
                }
            }
            for shape in self.pattern_shapes[CueKind::Suffix as usize].iter().filter(|s| s.any[form]) {
                if n > shape.len + 1
                    && let Some(cues) = cues_at(CueKind::Suffix, shape, n - shape.len)
                {
                    cues.iter().for_each(|&(l, w)| best_suffix[l] = best_suffix[l].max(w));
                }
            }
            for kind in [CueKind::Infix, CueKind::Contains] {
                // Infix windows keep off the first and last character.
                let (lo, hi) = if kind == CueKind::Infix { (1, n.saturating_sub(1)) } else { (0, n) };
                for shape in self.pattern_shapes[kind as usize].iter().filter(|s| s.any[form]) {
                    for a in lo..(hi + 1).saturating_sub(shape.len) {
                        if let Some(cues) = cues_at(kind, shape, a) {
                            cues.iter().for_each(|&(l, w)| scores[l] += w);
                        }
                    }
                }
            }
        }
        for i in 0..4 {
            scores[i] += best_prefix[i] + best_suffix[i];
        }
    }
}

/// The patterns of one kind and length: which characters they start and end with, separately for the ASCII
/// patterns (probed on the folded word) and those with diacritics (probed on the word as written).
#[derive(Debug, Default)]
struct PatternShape {
    len: usize,
    /// Per form (0: ASCII patterns, 1: patterns with diacritics): whether any exist, and their first and last
    /// characters.
    any: [bool; 2],
    first: [CharSet; 2],
    last: [CharSet; 2],
}

/// A small set of characters: a bit mask for ASCII, a list for the rest.
#[derive(Debug, Default)]
struct CharSet {
    ascii: u128,
    other: Vec<char>,
}

impl CharSet {
    fn insert(&mut self, c: char) {
        if c.is_ascii() {
            self.ascii |= 1u128 << (c as u32);
        } else if !self.other.contains(&c) {
            self.other.push(c);
        }
    }

    #[inline(always)]
    fn contains(&self, c: char) -> bool {
        if c.is_ascii() { self.ascii & (1u128 << (c as u32)) != 0 } else { self.other.contains(&c) }
    }
}

impl PatternShape {
    fn add(&mut self, pattern: &str) {
        let form = usize::from(!pattern.is_ascii());
        self.any[form] = true;
        self.first[form].insert(pattern.chars().next().unwrap_or(' '));
        self.last[form].insert(pattern.chars().next_back().unwrap_or(' '));
    }
}

/// The character starting at byte `i` of `s` (a char boundary).
fn char_at(s: &str, i: usize) -> char {
    s[i..].chars().next().unwrap_or(' ')
}

/// whatlang restricted to the four languages hlas reads: the detector hlas consults, and the baseline that
/// `hlas eval --whatlang-baseline` and the benchmark compare against.
#[must_use]
pub fn whatlang_allowlist() -> whatlang::Detector {
    whatlang::Detector::with_allowlist(vec![
        whatlang::Lang::Ces,
        whatlang::Lang::Pol,
        whatlang::Lang::Slk,
        whatlang::Lang::Eng,
    ])
}

/// The hlas language of a whatlang language from [`whatlang_allowlist`] (which only returns those four).
#[must_use]
pub fn from_whatlang(lang: whatlang::Lang) -> Lang {
    match lang {
        whatlang::Lang::Ces => Lang::Cs,
        whatlang::Lang::Pol => Lang::Pl,
        whatlang::Lang::Slk => Lang::Sk,
        _ => Lang::En,
    }
}

/// Whether two neighbouring syllables of `word` both have a vowel from `long`. Syllables are approximated by
/// vowel groups (adjacent vowels form one group, which is long only if it is a single long vowel), so diphthongs
/// (ou, ie, ia) never count as long and consonant clusters between the vowels do not matter.
fn has_long_pair(word: &str, long: &[char]) -> bool {
    const VOWELS: &str = "aeiouyáéíóúýůěäô";
    let mut previous_long = false;
    let mut group_len = 0;
    let mut group_long = false;
    for c in word.chars() {
        if VOWELS.contains(c) {
            group_len += 1;
            group_long = group_len == 1 && long.contains(&c);
        } else if group_len > 0 {
            if previous_long && group_long {
                return true;
            }
            previous_long = group_long;
            group_len = 0;
        }
    }
    group_len > 0 && previous_long && group_long
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
        res.detect_language(&tokenize(text, &res.emoticons)).lang
    }

    #[test]
    fn sentences_in_each_language() {
        assert_eq!(detect("Čekal jsem na lince čtyřicet minut a nikdo mi nepomohl."), Lang::Cs);
        assert_eq!(detect("Czekałem czterdzieści minut i nikt mi nie pomógł."), Lang::Pl);
        assert_eq!(detect("Čakal som štyridsať minút a nikto mi nepomohol, je to hrozné."), Lang::Sk);
        assert_eq!(detect("I waited forty minutes and nobody helped me."), Lang::En);
    }

    #[test]
    fn without_diacritics() {
        assert_eq!(detect("cekal jsem hodinu a jeste to neni vyresene"), Lang::Cs);
        assert_eq!(detect("cakal som hodinu a este to nie je vyriesene"), Lang::Sk);
        assert_eq!(detect("czekalem godzine i nadal nic nie jest zalatwione"), Lang::Pl);
        assert_eq!(detect("diky zmene tarifu byla faktura vyssi, takze jsem volal"), Lang::Cs);
    }

    #[test]
    fn short_texts_and_capitals() {
        assert_eq!(detect("nefunguje to"), Lang::Cs);
        assert_eq!(detect("super, děkuji"), Lang::Cs);
        assert_eq!(detect("NIE DZIAŁA"), Lang::Pl);
        assert_eq!(detect("ďakujem pekne"), Lang::Sk);
        assert_eq!(detect("thank you"), Lang::En);
        assert_eq!(detect("čo sa deje"), Lang::Sk, "čo is Slovak as written");
    }

    #[test]
    fn no_signal_is_und() {
        assert_eq!(detect("12345 !!!"), Lang::Und);
        assert_eq!(detect("😀😀"), Lang::Und);
        assert_eq!(detect(""), Lang::Und);
    }

    #[test]
    fn czech_and_slovak_spelling_cues() {
        assert_eq!(detect("Informačný systém banky nefungoval celý deň"), Lang::Sk, "-ačný");
        assert_eq!(detect("V novém systému jsou všechny informace"), Lang::Cs, "-ém, -ce");
        assert_eq!(detect("objednávka prišla neskoro a kuriér bol neochotný"), Lang::Sk);
        assert_eq!(detect("kurier byl neochotny a balik prisel pozde"), Lang::Cs);
        assert_eq!(detect("kurier bol neochotny a balik prisiel neskoro"), Lang::Sk);
        assert_eq!(detect("Mám tu pojišťovnu deset let"), Lang::Cs, "išť is Czech, ť alone would say Slovak");
    }

    #[test]
    fn colloquial_czech_is_czech() {
        assert_eq!(detect("mam starej tarif a chci novej"), Lang::Cs);
        assert_eq!(detect("hroznej pristup, uz tam nikdy nepujdu"), Lang::Cs);
    }

    #[test]
    fn text_mangled_by_windows_1250_is_read_as_written() {
        // "Přímý vstup pro vyhledávání" after a UTF-8 → Windows-1250 round trip.
        assert_eq!(detect("PĹ™Ă\u{AD}mĂ˝ vstup pro vyhledĂˇvĂˇnĂ\u{AD} v databĂˇzĂ\u{AD}ch"), Lang::Cs);
    }

    #[test]
    fn ascii_letter_cues_are_refused() {
        let err = LangId::new(&[], &[(std::path::PathBuf::from("cues.tsv"), "letter\tw\t1\n".into())], &[]);
        assert!(err.is_err_and(|e| e.to_string().contains("cues.tsv:1")));
    }

    #[test]
    fn long_pairs_follow_the_slovak_rhythmic_law() {
        let long: Vec<char> = "áéíóúýů".chars().collect();
        for czech in ["krásný", "čekání", "vyrážíme", "krátký", "známých"] {
            assert!(has_long_pair(czech, &long), "{czech}");
        }
        for slovak in ["krásny", "čakanie", "krátky", "známych", "dlouho", "zákon", "mlieko"] {
            assert!(!has_long_pair(slovak, &long), "{slovak}");
        }
    }

    #[test]
    fn mixed_czech_and_slovak_goes_to_the_majority() {
        assert_eq!(detect("Som veľmi spokojný, ďakujem, ale jsem trochu zklamaný"), Lang::Sk);
    }
}
