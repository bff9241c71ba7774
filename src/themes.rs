//! Themes: the [`Taxonomy`] (read from `lexicons/themes.tsv` or `--themes FILE`) and its matcher. Terms and
//! phrases are matched over the sequence of stems with aho-corasick; regular expressions (quantities such as
//! "40 minut", "po raz trzeci", "3x") run over the folded text. Every hit keeps its character span.

use std::path::Path;

use aho_corasick::{AhoCorasick, MatchKind};
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
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
    stem_themes: Vec<usize>,
    /// (theme, pattern) of each regular expression, validated when the taxonomy was parsed.
    regex_patterns: Vec<(usize, String)>,
    /// The regexes compiled on first use: compiling them all up front made most of hlas's start-up time, and a
    /// run over one language never needs the others'.
    regexes: OnceLock<Option<CompiledRegexes>>,
}

/// A language's regexes: the set says which match at all, the single regexes where.
#[derive(Debug)]
struct CompiledRegexes {
    set: RegexSet,
    each: Vec<Regex>,
}

/// Theme regexes run over the folded text with ASCII classes (`\b \d \s \w`), which is all folded text needs
/// and what keeps them cheap to compile.
fn regex_builder(pattern: &str) -> RegexBuilder {
    let mut b = RegexBuilder::new(pattern);
    b.case_insensitive(true).unicode(false);
    b
}

impl LangMatcher {
    fn compiled(&self) -> Option<&CompiledRegexes> {
        self.regexes
            .get_or_init(|| {
                if self.regex_patterns.is_empty() {
                    return None;
                }
                let patterns = self.regex_patterns.iter().map(|(_, p)| p.as_str());
                // Every pattern compiled when the taxonomy was parsed, so this cannot fail in practice; if it
                // did, the language would simply get no regex hits.
                let set = RegexSetBuilder::new(patterns.clone()).case_insensitive(true).unicode(false).build().ok()?;
                let each = patterns.map(|p| regex_builder(p).build().ok()).collect::<Option<Vec<_>>>()?;
                Some(CompiledRegexes { set, each })
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
        let mut themes: Vec<Theme> = Vec::new();
        // Per language: (theme, stems) patterns and (theme, regex) pairs.
        let mut patterns: Vec<Vec<(usize, String)>> = vec![Vec::new(); Lang::ALL.len()];
        let mut regexes: Vec<Vec<(usize, String)>> = vec![Vec::new(); Lang::ALL.len()];
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
                "term" | "phrase" => {
                    for &l in &targets {
                        let lex = &langs[l.index()];
                        let stems: Vec<String> =
                            fold(value).split_whitespace().map(|w| lex.stemmer.stem(w).into_owned()).collect();
                        if stems.is_empty() {
                            return Err(format_error(path, line, &format!("theme {id}: empty {kind}")));
                        }
                        patterns[l.index()].push((t, format!(" {} ", stems.join(" "))));
                    }
                }
                "regex" => {
                    // Validated now (parsing is cheap), compiled on first use.
                    regex_syntax::ParserBuilder::new()
                        .case_insensitive(true)
                        .unicode(false)
                        .build()
                        .parse(value)
                        .map_err(|e| format_error(path, line, &format!("theme {id}: invalid regex '{value}': {e}")))?;
                    for &l in &targets {
                        regexes[l.index()].push((t, value.to_string()));
                        // Undetermined texts get every language's patterns: they are language-neutral enough.
                        regexes[Lang::Und.index()].push((t, value.to_string()));
                    }
                }
                other => {
                    return Err(format_error(
                        path,
                        line,
                        &format!("theme {id}: unknown kind '{other}' (name, description, term, phrase, regex)"),
                    ));
                }
            }
        }
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
                hits.push(ThemeHit {
                    theme: m.stem_themes[mat.pattern().as_usize()],
                    char_start: doc.tokens[*a].char_start,
                    char_end: doc.tokens[*b].char_end,
                });
            }
        }
        if let Some(compiled) = m.compiled() {
            let matching = compiled.set.matches(&doc.folded);
            if matching.matched_any() {
                for idx in matching.iter() {
                    let (theme, re) = (&m.regex_patterns[idx].0, &compiled.each[idx]);
                    for mat in re.find_iter(&doc.folded) {
                        if mat.start() == mat.end() {
                            continue;
                        }
                        hits.push(ThemeHit {
                            theme: *theme,
                            char_start: doc.folded[..mat.start()].chars().count() as u32,
                            char_end: doc.folded[..mat.end()].chars().count() as u32,
                        });
                    }
                }
            }
        }
        hits.sort_by_key(|h| (h.char_start, h.char_end, h.theme));
        hits.dedup();
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
                let span: String =
                    text.chars().skip(h.char_start as usize).take((h.char_end - h.char_start) as usize).collect();
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
    fn malformed_taxonomy_names_the_line() {
        let langs: Vec<LangLexicon> = Vec::new();
        let err = Taxonomy::parse(Path::new("t.tsv"), "# c\nwait_time\tcs\tterm\n", &langs).unwrap_err();
        assert!(err.to_string().starts_with("t.tsv:2:"), "{err}");
        let err = Taxonomy::parse(Path::new("t.tsv"), "x\tcs\tregex\t(\n", &langs).unwrap_err();
        assert!(err.to_string().contains("invalid regex"), "{err}");
    }
}
