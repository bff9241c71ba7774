//! Themes: the [`Taxonomy`] (read from `lexicons/themes.tsv` or `--themes FILE`) and its matcher. Terms and
//! phrases are matched over the sequence of stems with aho-corasick; regular expressions (quantities such as
//! "40 minut", "po raz trzeci", "3x") run over the folded text. Every hit keeps its character span.

use std::path::Path;

use aho_corasick::{AhoCorasick, MatchKind};
use regex_automata::util::pool::Pool;
use regex_automata::{Anchored, Input, hybrid};
use std::collections::HashMap;
use std::sync::OnceLock;

use crate::lang::Lang;
use crate::lexicon::{DataLine, LangLexicon, LexiconError, data_lines, format_error};
use crate::normalize::fold;
use crate::tokenize::{Doc, TokenKind};

/// A theme of the taxonomy.
#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    /// Stable id (`wait_time`), written to the output.
    pub id: String,
    /// Display names: (language code or `*`, name).
    pub names: Vec<(String, String)>,
    /// One-line definition.
    pub description: String,
}

impl Theme {
    /// The display name for `lang`, falling back to the `*` name, the English one, then the id.
    #[must_use]
    pub fn name(&self, lang: Lang) -> &str {
        let find = |code: &str| self.names.iter().find(|(l, _)| l == code).map(|(_, n)| n.as_str());
        find(lang.code()).or_else(|| find("*")).or_else(|| find("en")).unwrap_or(&self.id)
    }
}

/// A theme found in a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThemeHit {
    /// Index into [`Taxonomy::themes`].
    pub theme: usize,
    /// Matched by an `aspect` entry: it names what is judged ("jídlo", "obsluha") and counts only in a sentence
    /// that carries an opinion (the caller checks; "Jídlo jsme si vyzvedli u okýnka" is not about its quality).
    pub aspect: bool,
    /// Character span of the words that matched.
    pub char_start: u32,
    /// End of the span.
    pub char_end: u32,
}

/// The matchers of one language.
#[derive(Debug, Default)]
struct LangMatcher {
    /// Patterns are ` stem stem `, so they only match whole words.
    stems: Option<AhoCorasick>,
    /// Theme of each aho-corasick pattern.
    stem_themes: Vec<Target>,
    /// (theme, pattern) of each regular expression, validated when the taxonomy was parsed.
    regex_patterns: Vec<(Target, String)>,
    /// The regexes compiled on first use: compiling them all up front made most of hlas's start-up time, and a
    /// run over one language never needs the others'.
    regexes: OnceLock<Option<CompiledRegexes>>,
}

/// What a pattern finds: a theme, and whether the entry is an aspect (see [`ThemeHit::aspect`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Target {
    theme: usize,
    aspect: bool,
}

/// Per language: the (target, pattern) pairs of one kind.
type Patterns = Vec<Vec<(Target, String)>>;

/// A language's regexes. Nearly all open with `\b` and a known literal: those are tried only at a word start where
/// one of their literal openings begins (an anchored aho-corasick pass over the openings says which), each with a
/// small lazy DFA of its own, anchored there. The few others run one by one over the text.
///
/// Three designs before this one were too slow on the 1,170 patterns of issue 6's taxonomy, most of them word
/// patterns with `\w*` endings and `(\w+\s+){0,3}` gaps: a `RegexSet` (its unanchored DFA built new states for
/// nearly every text), one DFA of all patterns searched anchored at every word start (states are combinations of
/// the patterns alive together across a gap), and one `meta::Regex` per pattern behind a literal prefilter.
struct CompiledRegexes {
    /// One forward lazy DFA per anchored pattern; DFA k is pattern `anchored[k]` of `LangMatcher::regex_patterns`.
    dfas: Vec<hybrid::dfa::DFA>,
    anchored: Vec<usize>,
    /// The DFAs a word start may begin, by its first 2, 3 or 4 bytes: each literal opening of a pattern is filed
    /// under its own first four bytes (or all of it, when shorter), so each word start costs three hash lookups and
    /// yields few candidates.
    by_opening: [HashMap<u32, Vec<u32>>; 3],
    /// Each thread's caches, one per DFA.
    caches: Pool<Vec<hybrid::dfa::Cache>, CacheFn>,
    /// The other patterns, with their index in `LangMatcher::regex_patterns`.
    others: Vec<(usize, regex::Regex)>,
}

type CacheFn =
    Box<dyn Fn() -> Vec<hybrid::dfa::Cache> + Send + Sync + std::panic::RefUnwindSafe + std::panic::UnwindSafe>;

impl std::fmt::Debug for CompiledRegexes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledRegexes")
            .field("anchored", &self.anchored.len())
            .field("others", &self.others.len())
            .finish_non_exhaustive()
    }
}

/// Up to four bytes as one lookup key.
fn opening_key(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0, |k, &b| k << 8 | u32::from(b))
}

/// A forward lazy DFA for one theme pattern: ASCII classes, case-insensitive, no captures.
fn pattern_dfa(pattern: &str) -> Option<hybrid::dfa::DFA> {
    hybrid::dfa::DFA::builder()
        .configure(
            hybrid::dfa::DFA::config()
                .cache_capacity(1 << 20)
                // Never give up: a text that makes the cache thrash is slower, not unmatched.
                .minimum_cache_clear_count(None),
        )
        .syntax(regex_automata::util::syntax::Config::new().case_insensitive(true).unicode(false))
        .thompson(
            regex_automata::nfa::thompson::Config::new()
                .which_captures(regex_automata::nfa::thompson::WhichCaptures::None),
        )
        .build(pattern)
        .ok()
}

impl CompiledRegexes {
    fn new<'a>(patterns: impl Iterator<Item = &'a str>) -> Option<Self> {
        let mut dfas = Vec::new();
        let mut anchored = Vec::new();
        let mut by_opening: [HashMap<u32, Vec<u32>>; 3] = Default::default();
        let mut others = Vec::new();
        for (i, p) in patterns.enumerate() {
            let prefixes = literal_prefixes(p).filter(|_| p.starts_with("\\b"));
            match (prefixes, pattern_dfa(p)) {
                (Some(prefixes), Some(dfa)) => {
                    let id = dfas.len() as u32;
                    dfas.push(dfa);
                    anchored.push(i);
                    for lit in prefixes {
                        let len = lit.len().min(4);
                        let ids = by_opening[len - 2].entry(opening_key(&lit[..len])).or_default();
                        if ids.last() != Some(&id) {
                            ids.push(id);
                        }
                    }
                }
                _ => {
                    let re = regex::RegexBuilder::new(p).case_insensitive(true).unicode(false).build().ok()?;
                    others.push((i, re));
                }
            }
        }
        let for_pool = dfas.clone();
        let create: CacheFn = Box::new(move || for_pool.iter().map(hybrid::dfa::DFA::create_cache).collect());
        Some(CompiledRegexes { dfas, anchored, by_opening, caches: Pool::new(create), others })
    }

    /// Every (pattern index, byte start, byte end) match in the folded text.
    fn matches(&self, folded: &str) -> Vec<(usize, usize, usize)> {
        let mut out = Vec::new();
        if !self.dfas.is_empty() {
            let mut caches = self.caches.get();
            let bytes = folded.as_bytes();
            let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
            let mut candidates: Vec<u32> = Vec::new();
            for start in 0..bytes.len() {
                if !is_word(bytes[start]) || (start > 0 && is_word(bytes[start - 1])) {
                    continue;
                }
                candidates.clear();
                for (k, map) in self.by_opening.iter().enumerate() {
                    if let Some(opening) = bytes.get(start..start + k + 2)
                        && let Some(ids) = map.get(&opening_key(opening))
                    {
                        candidates.extend_from_slice(ids);
                    }
                }
                if candidates.is_empty() {
                    continue;
                }
                candidates.sort_unstable();
                candidates.dedup();
                let input = Input::new(folded).range(start..).anchored(Anchored::Yes);
                for &d in &candidates {
                    let d = d as usize;
                    if let Ok(Some(end)) = self.dfas[d].try_search_fwd(&mut caches[d], &input)
                        && end.offset() > start
                    {
                        out.push((self.anchored[d], start, end.offset()));
                    }
                }
            }
        }
        for (i, re) in &self.others {
            out.extend(re.find_iter(folded).filter(|m| m.end() > m.start()).map(|m| (*i, m.start(), m.end())));
        }
        out
    }
}

/// The literal prefixes every match of `pattern` starts with, lower-cased (theme text is folded to lower case), or
/// `None` when there is no short, finite set of them of at least two bytes each.
fn literal_prefixes(pattern: &str) -> Option<Vec<Vec<u8>>> {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    let hir = regex_syntax::ParserBuilder::new().unicode(false).build().parse(pattern).ok()?;
    let mut extractor = Extractor::new();
    extractor.kind(ExtractKind::Prefix).limit_total(512);
    let seq = extractor.extract(&hir);
    let literals = seq.literals()?;
    if literals.is_empty() || literals.iter().any(|l| l.as_bytes().len() < 2) {
        return None;
    }
    Some(literals.iter().map(|l| l.as_bytes().to_ascii_lowercase()).collect())
}

impl LangMatcher {
    fn compiled(&self) -> Option<&CompiledRegexes> {
        self.regexes
            .get_or_init(|| {
                if self.regex_patterns.is_empty() {
                    return None;
                }
                // Every pattern compiled when the taxonomy was parsed, so this cannot fail in practice; if it
                // did, the language would simply get no regex hits.
                CompiledRegexes::new(self.regex_patterns.iter().map(|(_, p)| p.as_str()))
            })
            .as_ref()
    }
}

/// The theme taxonomy and its compiled matchers.
#[derive(Debug, Default)]
pub struct Taxonomy {
    /// Themes in file order: the order of the `themes` column.
    pub themes: Vec<Theme>,
    matchers: Vec<LangMatcher>,
}

/// Stem-stream marker for a sentence or clause break: phrases never match across it.
const BREAK: &str = "|";

impl Taxonomy {
    /// Parses a taxonomy file (`theme<TAB>lang<TAB>kind<TAB>value`) and compiles it for every language, stemming
    /// terms with `langs`' stemmers.
    ///
    /// # Errors
    /// A malformed line, an unknown language or kind, or a regular expression that does not compile, named by
    /// file, line and theme.
    pub fn parse(path: &Path, text: &str, langs: &[LangLexicon]) -> Result<Self, LexiconError> {
        Self::parse_all(&[(path, text)], langs)
    }

    /// Parses several taxonomy files as one, in order: a later file adds themes, and terms, names and patterns to
    /// the themes an earlier one named (`--extra-themes` extends the default taxonomy this way).
    ///
    /// # Errors
    /// As [`Taxonomy::parse`], naming the file the bad line is in.
    pub fn parse_all(files: &[(&Path, &str)], langs: &[LangLexicon]) -> Result<Self, LexiconError> {
        let mut themes: Vec<Theme> = Vec::new();
        // Per language: (theme, stems) patterns and (theme, regex) pairs.
        let mut patterns: Patterns = vec![Vec::new(); Lang::ALL.len()];
        let mut regexes: Patterns = vec![Vec::new(); Lang::ALL.len()];
        for (path, text) in files {
            Self::parse_lines(path, text, langs, &mut themes, &mut patterns, &mut regexes)?;
        }
        let path = files.first().map_or(Path::new("themes.tsv"), |(p, _)| *p);
        Self::compile(path, themes, patterns, regexes)
    }

    /// Adds the lines of one file to the themes and per-language patterns.
    fn parse_lines(
        path: &Path,
        text: &str,
        langs: &[LangLexicon],
        themes: &mut Vec<Theme>,
        patterns: &mut [Vec<(Target, String)>],
        regexes: &mut [Vec<(Target, String)>],
    ) -> Result<(), LexiconError> {
        for dl in data_lines(text) {
            let DataLine { line, ref cols } = dl;
            let [id, lang, kind, value] = cols.as_slice() else {
                return Err(format_error(path, line, "expected theme<TAB>lang<TAB>kind<TAB>value"));
            };
            if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format_error(path, line, &format!("theme id '{id}' must be ASCII letters, digits, _")));
            }
            let targets: Vec<Lang> = if *lang == "*" {
                Lang::KNOWN.to_vec()
            } else {
                match lang.parse::<Lang>() {
                    Ok(l) if l != Lang::Und => vec![l],
                    _ => {
                        return Err(format_error(path, line, &format!("theme {id}: unknown language '{lang}'")));
                    }
                }
            };
            let t = match themes.iter().position(|t| t.id == *id) {
                Some(t) => t,
                None => {
                    themes.push(Theme { id: id.to_string(), names: Vec::new(), description: String::new() });
                    themes.len() - 1
                }
            };
            match *kind {
                "name" => themes[t].names.push((lang.to_string(), value.to_string())),
                "description" => themes[t].description = value.to_string(),
                "term" | "phrase" | "aspect" => {
                    let target = Target { theme: t, aspect: *kind == "aspect" };
                    for &l in &targets {
                        let lex = &langs[l.index()];
                        let stems: Vec<String> =
                            fold(value).split_whitespace().map(|w| lex.stemmer.stem(w).into_owned()).collect();
                        if stems.is_empty() {
                            return Err(format_error(path, line, &format!("theme {id}: empty {kind}")));
                        }
                        patterns[l.index()].push((target, format!(" {} ", stems.join(" "))));
                    }
                }
                "regex" | "aspect-regex" => {
                    let target = Target { theme: t, aspect: *kind == "aspect-regex" };
                    // Validated now (parsing is cheap), compiled on first use.
                    regex_syntax::ParserBuilder::new()
                        .case_insensitive(true)
                        .unicode(false)
                        .build()
                        .parse(value)
                        .map_err(|e| format_error(path, line, &format!("theme {id}: invalid regex '{value}': {e}")))?;
                    for &l in &targets {
                        regexes[l.index()].push((target, value.to_string()));
                        // Undetermined texts get every language's patterns: they are language-neutral enough.
                        regexes[Lang::Und.index()].push((target, value.to_string()));
                    }
                }
                other => {
                    return Err(format_error(
                        path,
                        line,
                        &format!(
                            "theme {id}: unknown kind '{other}' (name, description, term, phrase, regex, aspect, \
                             aspect-regex)"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Builds the per-language matchers.
    fn compile(path: &Path, themes: Vec<Theme>, patterns: Patterns, regexes: Patterns) -> Result<Self, LexiconError> {
        let mut matchers = Vec::new();
        for (pats, res) in patterns.into_iter().zip(regexes) {
            let mut pats = pats;
            pats.sort();
            pats.dedup();
            let stems = if pats.is_empty() {
                None
            } else {
                let ac = AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .build(pats.iter().map(|(_, p)| p.as_str()))
                    .map_err(|e| format_error(path, 0, &format!("cannot build theme matcher: {e}")))?;
                Some(ac)
            };
            matchers.push(LangMatcher {
                stems,
                stem_themes: pats.iter().map(|(t, _)| *t).collect(),
                regex_patterns: res,
                regexes: OnceLock::new(),
            });
        }
        Ok(Taxonomy { themes, matchers })
    }

    /// The index of the theme with this id.
    #[must_use]
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.themes.iter().position(|t| t.id == id)
    }

    /// Every theme hit in `doc`, sorted by position then theme. `stems[i]` is the stem of token `i`.
    #[must_use]
    pub fn find(&self, doc: &Doc, stems: &[String], lang: Lang) -> Vec<ThemeHit> {
        let Some(m) = self.matchers.get(lang.index()) else {
            return Vec::new();
        };
        let mut hits = Vec::new();
        if let Some(ac) = &m.stems {
            // The stem stream: " s1 s2 | s3 ", with the doc token index of each stream word.
            let mut stream = String::from(" ");
            let mut starts: Vec<(usize, Option<usize>)> = Vec::new();
            for (i, t) in doc.tokens.iter().enumerate() {
                let word = match t.kind {
                    TokenKind::Word => stems[i].as_str(),
                    TokenKind::Number => doc.folded(t),
                    TokenKind::Punct | TokenKind::Newline => BREAK,
                    TokenKind::Emoji | TokenKind::Emoticon => continue,
                };
                if word.is_empty() {
                    continue;
                }
                starts.push((stream.len(), (word != BREAK).then_some(i)));
                stream.push_str(word);
                stream.push(' ');
            }
            for mat in ac.find_overlapping_iter(&stream) {
                // The pattern starts with the space before its first word and ends with the one after its last.
                let first = starts.partition_point(|&(s, _)| s < mat.start() + 1);
                let last = starts.partition_point(|&(s, _)| s < mat.end() - 1).saturating_sub(1);
                let (Some((_, Some(a))), Some((_, Some(b)))) = (starts.get(first), starts.get(last)) else {
                    continue;
                };
                let target = m.stem_themes[mat.pattern().as_usize()];
                hits.push(ThemeHit {
                    theme: target.theme,
                    aspect: target.aspect,
                    char_start: doc.tokens[*a].char_start,
                    char_end: doc.tokens[*b].char_end,
                });
            }
        }
        if let Some(compiled) = m.compiled() {
            for (idx, start, end) in compiled.matches(&doc.folded) {
                let target = m.regex_patterns[idx].0;
                hits.push(ThemeHit {
                    theme: target.theme,
                    aspect: target.aspect,
                    char_start: doc.folded[..start].chars().count() as u32,
                    char_end: doc.folded[..end].chars().count() as u32,
                });
            }
        }
        hits.sort_by_key(|h| (h.char_start, h.char_end, h.theme, h.aspect));
        // A plain entry and an aspect entry on the same words: the plain one holds whatever the sentence says.
        hits.dedup_by(|later, first| {
            (later.char_start, later.char_end, later.theme) == (first.char_start, first.char_end, first.theme)
        });
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::stems_for;
    use crate::tokenize::tokenize;

    fn themes_of(text: &str, lang: Lang) -> Vec<(String, String)> {
        let res = crate::test_resources();
        let doc = tokenize(text, &res.emoticons);
        let stems = stems_for(&doc, res.lang(lang));
        res.themes
            .find(&doc, &stems, lang)
            .into_iter()
            .map(|h| {
                let span = crate::tokenize::char_span(text, h.char_start, h.char_end);
                (res.themes.themes[h.theme].id.clone(), span)
            })
            .collect()
    }

    #[test]
    fn wait_time_in_four_languages_with_spans() {
        for (text, lang) in [
            ("čekal jsem 40 minut na lince", Lang::Cs),
            ("cekal jsem 40 minut na lince", Lang::Cs),
            ("czekałem 40 minut na infolinii", Lang::Pl),
            ("čakal som 40 minút", Lang::Sk),
            ("I waited 40 minutes on hold", Lang::En),
        ] {
            let found = themes_of(text, lang);
            assert!(
                found.iter().any(|(id, span)| id == "wait_time" && span.to_lowercase().contains("40 min")),
                "{text}: {found:?}"
            );
        }
    }

    #[test]
    fn repeat_contact_in_four_languages() {
        for (text, lang) in [
            ("volám už potřetí", Lang::Cs),
            ("dzwonię już po raz trzeci", Lang::Pl),
            ("volám už tretíkrát", Lang::Sk),
            ("this is the third time I am calling", Lang::En),
        ] {
            let found = themes_of(text, lang);
            assert!(found.iter().any(|(id, _)| id == "repeat_contact"), "{text}: {found:?}");
        }
    }

    #[test]
    fn regexes_match_at_word_starts_overlapping_and_without_a_word_boundary() {
        let res = crate::test_resources();
        let text = "# t\n\
            a\tcs\tregex\t\\bcek\\w*\\s+(\\w+\\s+){0,3}\\d+\\s*minut\n\
            b\tcs\tregex\t\\b\\d+\\s*minut\n\
            c\tcs\tregex\t\\bcekal\n\
            d\tcs\tregex\t(^|[.!?] *)to je vas problem\\b\n";
        let tax = Taxonomy::parse(Path::new("t.tsv"), text, res.langs()).unwrap();
        let found = |t: &str| {
            let doc = tokenize(t, &res.emoticons);
            let stems = stems_for(&doc, res.lang(Lang::Cs));
            let mut ids: Vec<(String, String)> = tax
                .find(&doc, &stems, Lang::Cs)
                .into_iter()
                .map(|h| (tax.themes[h.theme].id.clone(), crate::tokenize::char_span(t, h.char_start, h.char_end)))
                .collect();
            ids.sort();
            ids
        };
        let pairs = |v: &[(&str, &str)]| v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect::<Vec<_>>();
        assert_eq!(
            found("Čekal jsem na lince 40 minut."),
            pairs(&[("a", "Čekal jsem na lince 40 minut"), ("b", "40 minut"), ("c", "Čekal")])
        );
        assert_eq!(found("Nečekal jsem."), pairs(&[]), "patterns start at word starts only");
        assert_eq!(found("Ne. To je váš problém!"), pairs(&[("d", ". To je váš problém")]));
    }

    #[test]
    fn malformed_taxonomy_names_the_line() {
        let langs: Vec<LangLexicon> = Vec::new();
        let err = Taxonomy::parse(Path::new("t.tsv"), "# c\nwait_time\tcs\tterm\n", &langs).unwrap_err();
        assert!(err.to_string().starts_with("t.tsv:2:"), "{err}");
        let err = Taxonomy::parse(Path::new("t.tsv"), "x\tcs\tregex\t(\n", &langs).unwrap_err();
        assert!(err.to_string().contains("invalid regex"), "{err}");
    }
}
