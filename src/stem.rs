//! Stemmers: [`Stemmer`] maps a folded, lower-case word to its stem. English goes through rust-stemmers
//! (Snowball); Czech, Polish and Slovak through [`SuffixStemmer`], a light suffix stripper whose rules are data
//! (`lexicons/<lang>/suffixes.tsv` and `lexicons/<lang>/stem_exceptions.tsv`), because rust-stemmers has no
//! stemmer for them.
//!
//! Both the text and every lexicon and theme term go through the same stemmer, so they cannot drift apart.
//!
//! The light stemmer works in the spirit of Dolamic & Savoy's light Czech stemmer: it removes inflection (case,
//! number, person, tense endings) and keeps derivation, because two words that share a root but not a lemma
//! (`plat` / `platit`, `hlas` / `hlasovat`, `společný` / `společnost`) must not meet in one stem: that is what
//! keeps lexicon hits and themes precise. The steps, in order:
//!
//! 1. the exception table: an irregular form (`jsou`, `mají`, `lidé`) gets the stem of its lemma;
//! 2. the superlative prefix (`nej-`, `naj-`) is removed from words with a comparative ending;
//! 3. the longest listed suffix that leaves enough characters is removed, and replaced by a class marker where the
//!    rule says so (`uje>ov`: `plánuje` → `plánov`, like `plánovat` → `plánov`, apart from `plán`);
//! 4. the end of the stem is normalised where one lemma alternates (fleeting vowels, palatalised consonants);
//! 5. the exception table again, for rules that cover a whole irregular paradigm (`lepš-` → `dobr`).

use std::borrow::Cow;

use rustc_hash::FxHashMap;

use crate::lang::Lang;

/// Shortest word the suffix stemmer strips, in characters.
const MIN_WORD_CHARS: usize = 4;

/// Fewest characters left after the superlative prefix is removed.
const MIN_SUPERLATIVE_REST: usize = 4;

/// Fewest characters a stem must have for its fleeting vowel to be dropped (`konec` → `konc`, not `pes` → `ps`).
const MIN_FLEETING_STEM: usize = 5;

/// Fewest characters a stem must have for its final consonant to be depalatalised.
const MIN_PALATAL_STEM: usize = 3;

/// What the stemmer does around the suffix rules for one language: the parts of morphology that a list of
/// endings cannot say. Written in code because each is a small, fixed fact of the language.
#[derive(Clone, Copy, Debug, Default)]
struct Profile {
    /// The superlative prefix (`nej` in Czech, `naj` in Slovak and Polish), or empty.
    superlative: &'static str,
    /// Endings of comparatives: the superlative prefix is only removed from words that end in one, so `nejistý`
    /// (ne + jistý) and `najdeme` (find) keep their first letters.
    comparative_endings: &'static [&'static str],
    /// Fleeting vowels: Czech and Slovak drop them in the other cases of a noun (`konec` / `konce`, Slovak
    /// `koniec` / `konca`, `poplatok` / `poplatku`) and insert them in the genitive plural (`objednávek` /
    /// `objednávka`). Checked in order, between a consonant and one of `fleeting_before`.
    fleeting_vowels: &'static [&'static str],
    /// The consonants after a fleeting vowel (`k`, `c`: the suffixes -ek, -ec, -ok, -iek, -iec).
    fleeting_before: &'static [u8],
    /// Stem endings rewritten after stripping, first match only: they undo the palatalisation that a case ending
    /// caused (`ruce` → `ruc` → `ruk` like `ruka`; `němečtí` → `němect` → `německ` like `německý`).
    palatal: &'static [(&'static str, &'static str)],
}

impl Profile {
    fn for_lang(lang: Lang) -> Self {
        match lang {
            Lang::Cs => Profile {
                superlative: "nej",
                comparative_endings: &[
                    "si", "siho", "simu", "sim", "sich", "simi", "ci", "ciho", "cimu", "cim", "cich", "cimi", "eji",
                ],
                fleeting_vowels: &["e"],
                fleeting_before: b"kc",
                palatal: &[("ct", "ck"), ("c", "k")],
            },
            Lang::Sk => Profile {
                superlative: "naj",
                comparative_endings: &[
                    "si", "sia", "sie", "sieho", "siemu", "siu", "sich", "sim", "simi", "som", "sou",
                ],
                fleeting_vowels: &["ie", "e", "o"],
                fleeting_before: b"kc",
                palatal: &[("c", "k")],
            },
            Lang::Pl => Profile {
                superlative: "naj",
                comparative_endings: &[
                    "szy", "sza", "sze", "szego", "szej", "szemu", "szym", "szych", "szymi", "si", "ej",
                ],
                fleeting_vowels: &[],
                fleeting_before: b"",
                palatal: &[],
            },
            Lang::En | Lang::Und => Profile::default(),
        }
    }
}

/// One suffix rule: strip the suffix when at least `min_stem` characters remain, then append `replacement`.
#[derive(Clone, Debug)]
struct Rule {
    min_stem: usize,
    replacement: String,
}

/// How far an exception reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExceptionScope {
    /// Only the exact (folded) word.
    Form,
    /// Every word whose regular stem equals the regular stem of the form: one line for a whole paradigm.
    Stem,
}

impl std::str::FromStr for ExceptionScope {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "" | "form" => Ok(ExceptionScope::Form),
            "stem" => Ok(ExceptionScope::Stem),
            other => Err(format!("scope must be form or stem, not '{other}'")),
        }
    }
}

/// A light suffix stripper: removes the longest listed ending that leaves at least its `min_stem` characters,
/// with the language's exception table, superlative prefix and stem-end normalisation around it (see the module
/// documentation for the order).
///
/// Hand-written because no crate offers Czech, Polish or Slovak stemming; the rules themselves live in data files.
#[derive(Clone, Debug, Default)]
pub struct SuffixStemmer {
    /// suffix → rule.
    suffixes: FxHashMap<String, Rule>,
    /// Longest suffix, in characters.
    max_len: usize,
    /// The language's normalisations around the suffix rules.
    profile: Profile,
    /// Exact folded word → stem (exceptions with scope `form`).
    forms: FxHashMap<String, String>,
    /// Regular stem → stem (exceptions with scope `stem`).
    stems: FxHashMap<String, String>,
}

impl SuffixStemmer {
    /// Builds a stemmer from `(suffix, min_stem)` rules, without a language profile. Suffixes are folded ASCII,
    /// like the words; `suffix>replacement` strips `suffix` and appends `replacement`.
    #[must_use]
    pub fn new(rules: impl IntoIterator<Item = (String, usize)>) -> Self {
        let mut suffixes = FxHashMap::default();
        let mut max_len = 0;
        for (rule, min_stem) in rules {
            let (suffix, replacement) = rule.split_once('>').unwrap_or((rule.as_str(), ""));
            if suffix.is_empty() {
                continue;
            }
            max_len = max_len.max(suffix.chars().count());
            suffixes.insert(suffix.to_string(), Rule { min_stem, replacement: replacement.to_string() });
        }
        SuffixStemmer { suffixes, max_len, ..SuffixStemmer::default() }
    }

    /// Builds the stemmer of `lang` (Czech, Slovak or Polish) from its suffix rules.
    #[must_use]
    pub fn for_lang(lang: Lang, rules: impl IntoIterator<Item = (String, usize)>) -> Self {
        SuffixStemmer { profile: Profile::for_lang(lang), ..SuffixStemmer::new(rules) }
    }

    /// Adds exceptions: `(form, lemma, scope)`, both folded. The form's words get the regular stem of the lemma,
    /// so an irregular form joins its lemma's regular forms; a lemma written with a final `-` is the stem itself
    /// (`program` → `program-`: the nominative keeps the -am that the 1st-person rule would take). Later entries
    /// win.
    pub fn add_exceptions(&mut self, entries: impl IntoIterator<Item = (String, String, ExceptionScope)>) {
        for (form, lemma, scope) in entries {
            let target = match lemma.strip_suffix('-') {
                Some(stem) => stem.to_string(),
                None => self.regular(&lemma).into_owned(),
            };
            match scope {
                ExceptionScope::Form => {
                    self.forms.insert(form, target);
                }
                ExceptionScope::Stem => {
                    let key = self.regular(&form).into_owned();
                    self.stems.insert(key, target);
                }
            }
        }
    }

    /// Number of exceptions (both scopes).
    #[must_use]
    pub fn exceptions(&self) -> usize {
        self.forms.len() + self.stems.len()
    }

    /// The stem of `word` (folded, lower case). Words shorter than four characters lose no suffix, but may be
    /// exceptions (`je`, `má`).
    #[must_use]
    pub fn stem<'a>(&self, word: &'a str) -> Cow<'a, str> {
        if let Some(stem) = self.forms.get(word) {
            return Cow::Owned(stem.clone());
        }
        let rest = self.strip_superlative(word);
        if rest.len() != word.len()
            && let Some(stem) = self.forms.get(rest)
        {
            return Cow::Owned(stem.clone());
        }
        let stem = self.stem_without_prefix(rest);
        match self.stems.get(stem.as_ref()) {
            Some(mapped) => Cow::Owned(mapped.clone()),
            None => stem,
        }
    }

    /// The stem by rule alone (steps 2 to 4), without the exception table.
    fn regular<'a>(&self, word: &'a str) -> Cow<'a, str> {
        self.stem_without_prefix(self.strip_superlative(word))
    }

    /// `nejlepší` → `lepší`: the superlative prefix goes when a comparative follows, so the superlative meets its
    /// comparative (and, through the exceptions or the `-ší` rules, its positive).
    fn strip_superlative<'a>(&self, word: &'a str) -> &'a str {
        let prefix = self.profile.superlative;
        if prefix.is_empty() {
            return word;
        }
        match word.strip_prefix(prefix) {
            Some(rest)
                if rest.chars().count() >= MIN_SUPERLATIVE_REST
                    && self.profile.comparative_endings.iter().any(|e| rest.ends_with(e)) =>
            {
                rest
            }
            _ => word,
        }
    }

    /// Steps 3 and 4: the suffix rule, then the stem-end normalisation. Borrows unless a rule appends a marker
    /// or the end of the stem is rewritten.
    fn stem_without_prefix<'a>(&self, word: &'a str) -> Cow<'a, str> {
        let (base, replacement) = self.strip_suffix(word);
        let mut stem = if replacement.is_empty() {
            Cow::Borrowed(base)
        } else {
            let mut s = String::with_capacity(base.len() + replacement.len());
            s.push_str(base);
            s.push_str(replacement);
            Cow::Owned(s)
        };
        self.drop_fleeting_vowel(&mut stem);
        self.depalatalise(&mut stem);
        stem
    }

    /// The word without its longest matching suffix, and the marker to append.
    fn strip_suffix<'a, 's>(&'s self, word: &'a str) -> (&'a str, &'s str) {
        if word.is_ascii() {
            // The common case after folding: byte offsets are character offsets.
            let n = word.len();
            if n < MIN_WORD_CHARS {
                return (word, "");
            }
            for len in (1..=self.max_len.min(n - 1)).rev() {
                if let Some(rule) = self.suffixes.get(&word[n - len..])
                    && n - len >= rule.min_stem
                {
                    return (&word[..n - len], &rule.replacement);
                }
            }
            return (word, "");
        }
        let n_chars = word.chars().count();
        if n_chars < MIN_WORD_CHARS {
            return (word, "");
        }
        // Byte offsets of char boundaries, so suffixes are compared on char boundaries.
        for len in (1..=self.max_len.min(n_chars - 1)).rev() {
            let Some((cut, _)) = word.char_indices().nth(n_chars - len) else {
                continue;
            };
            if let Some(rule) = self.suffixes.get(&word[cut..])
                && n_chars - len >= rule.min_stem
            {
                return (&word[..cut], &rule.replacement);
            }
        }
        (word, "")
    }

    /// `konec` → `konc`, so the nominative meets `konce`, `koncem`; `objednávek` → `objednávk` like `objednávka`.
    /// Applied to every stem, stripped or not, so a word whose vowel is not fleeting stays consistent with itself.
    fn drop_fleeting_vowel(&self, stem: &mut Cow<'_, str>) {
        let b = stem.as_bytes();
        let n = b.len();
        if n < MIN_FLEETING_STEM || !self.profile.fleeting_before.contains(&b[n - 1]) {
            return;
        }
        for vowel in self.profile.fleeting_vowels {
            let v = vowel.len();
            // The consonant before the vowel: an ASCII letter, so every byte compared is a whole character.
            let Some(&before) = b.get(n.wrapping_sub(v + 2)) else {
                continue;
            };
            if &b[n - 1 - v..n - 1] == vowel.as_bytes()
                && before.is_ascii_lowercase()
                && !b"aeiouy".contains(&before)
                && stem.chars().count() >= MIN_FLEETING_STEM
            {
                stem.to_mut().replace_range(n - 1 - v..n - 1, "");
                return;
            }
        }
    }

    /// Rewrites the first matching palatal stem ending (`c` → `k`), on every stem, like the fleeting vowels.
    fn depalatalise(&self, stem: &mut Cow<'_, str>) {
        for (from, to) in self.profile.palatal {
            if stem.ends_with(from) {
                if stem.chars().count() >= MIN_PALATAL_STEM {
                    let s = stem.to_mut();
                    s.truncate(s.len() - from.len());
                    s.push_str(to);
                }
                return;
            }
        }
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
            Stemmer::Suffix(s) => {
                write!(f, "Stemmer::Suffix({} rules, {} exceptions)", s.suffixes.len(), s.exceptions())
            }
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
            Lang::Cs | Lang::Pl | Lang::Sk => Stemmer::Suffix(SuffixStemmer::for_lang(lang, rules)),
            Lang::Und => Stemmer::Identity,
        }
    }

    /// Adds stem exceptions `(folded form, folded lemma, scope)` to a suffix stemmer (ignored by the others).
    pub fn add_exceptions(&mut self, entries: impl IntoIterator<Item = (String, String, ExceptionScope)>) {
        if let Stemmer::Suffix(s) = self {
            s.add_exceptions(entries);
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
    use crate::lexicon::Resources;
    use crate::normalize::fold;

    fn stemmer() -> SuffixStemmer {
        SuffixStemmer::new(
            [("ami", 3), ("em", 3), ("al", 3), ("ala", 3), ("ali", 3), ("a", 3), ("u", 3), ("y", 3), ("uje>ov", 3)]
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
    fn a_rule_may_append_a_marker() {
        let s = stemmer();
        assert_eq!(s.stem("planuje"), "planov");
        assert!(matches!(s.stem("planu"), Cow::Borrowed(_)), "plain stripping borrows");
    }

    #[test]
    fn never_cuts_inside_a_character() {
        let s = stemmer();
        for w in ["žžžža", "😀😀😀u", "ééé", "a"] {
            let stem = s.stem(w);
            assert!(w.starts_with(stem.as_ref()));
        }
        let cs = Resources::embedded().unwrap();
        for w in ["žžžžec", "😀😀😀ec", "ééé", "nejžžžší", "c", ""] {
            let _ = cs.lang(Lang::Cs).stemmer.stem(w);
        }
    }

    #[test]
    fn english_goes_through_snowball() {
        let s = Stemmer::for_lang(Lang::En, vec![]);
        assert_eq!(s.stem("waiting"), "wait");
        assert_eq!(s.stem("waited"), "wait");
    }

    /// Stems of the words (written with diacritics, folded here as the text is).
    fn stems(res: &Resources, lang: Lang, words: &str) -> Vec<String> {
        let st = &res.lang(lang).stemmer;
        words.split_whitespace().map(|w| st.stem(&fold(w)).into_owned()).collect()
    }

    /// Every word of each family shares one stem.
    fn assert_conflate(res: &Resources, lang: Lang, families: &[&str]) {
        for family in families {
            let s = stems(res, lang, family);
            assert!(s.iter().all(|x| *x == s[0]), "{lang}: {family} should share a stem, got {s:?}");
        }
    }

    /// The two words of each pair have different stems.
    fn assert_apart(res: &Resources, lang: Lang, pairs: &[(&str, &str)]) {
        for (a, b) in pairs {
            let (sa, sb) = (stems(res, lang, a), stems(res, lang, b));
            assert_ne!(sa, sb, "{lang}: {a} and {b} must not share a stem");
        }
    }

    #[test]
    fn czech_families_conflate() {
        let res = Resources::embedded().unwrap();
        assert_conflate(
            &res,
            Lang::Cs,
            &[
                "čekat čekal čekala čekali čekalo čekání čekáním čekají",
                "plánovat plánoval plánovala plánuje plánují plánujeme plánování",
                "platit platil platila platili",
                "žena ženy ženě ženu ženou žen ženám ženách ženami",
                "dobrý dobrá dobré dobrého dobrému dobrým dobrých dobrými lepší nejlepší nejlepšího",
                "nový nová novější nejnovější nejnovějšího",
                "starý starší nejstarší staršího",
                "ruka ruky ruce ruku rukou",
                "konec konce koncem konci",
                "skvělý skvělá skvělé skvělého skvělých skvělou",
                "trvalý trvalá trvalé trvalého",
                "uživatel uživatele uživateli uživatelem uživatelé uživatelů",
                "hotel hotelu hotely hotelem",
                "objednávka objednávky objednávku objednávek objednávkou",
                "německý německé němečtí",
                "společnost společnosti společností",
                "problém problému problémy problémů problémem",
                "program programu programy programem",
                "je jsou byl byla byli bylo bude budou být",
                "mám má máme mají měl měla měli mít",
                "můžu může mohou mohl mohla",
                "jde jdou šel šla šli jít",
                "člověk člověka lidé lidí lidem lidech",
                "dítě děti dětí dětem",
            ],
        );
    }

    #[test]
    fn czech_lemmas_stay_apart() {
        let res = Resources::embedded().unwrap();
        assert_apart(
            &res,
            Lang::Cs,
            &[
                ("plat", "platit"),
                ("plat", "platil"),
                ("plán", "plánovat"),
                ("plán", "plánuje"),
                ("hlas", "hlasovat"),
                ("společný", "společnost"),
                ("zastavit", "zastavení"),
                ("rada", "radit"),
                ("nejistý", "jistý"),
                // a fused negation stays visible: the lexicon strips ne- itself and counts the hit as negated
                ("nemá", "má"),
                ("nefunguje", "funguje"),
            ],
        );
    }

    #[test]
    fn slovak_families_conflate() {
        let res = Resources::embedded().unwrap();
        assert_conflate(
            &res,
            Lang::Sk,
            &[
                "čakať čakal čakala čakali čakanie čakania čakajú",
                "pracovať pracoval pracovala pracuje pracujú",
                "práca práce prácu prácou",
                "platiť platil platila",
                "dobrý dobrá dobré dobrého lepší najlepší najlepšie lepšieho",
                "problém problému problémy problémov problémom",
                "koniec konca koncom",
                "skvelý skvelá skvelé skvelého skvelých",
                "užívateľ užívateľa užívateľom užívatelia",
                "poplatok poplatku poplatky poplatkov",
                "je sú bol bola boli bude budú byť",
                "má majú mal mala mať",
                "človek človeka ľudia ľudí ľuďom",
            ],
        );
    }

    #[test]
    fn slovak_lemmas_stay_apart() {
        let res = Resources::embedded().unwrap();
        assert_apart(
            &res,
            Lang::Sk,
            &[("plat", "platiť"), ("práca", "pracovať"), ("hlas", "hlasovať"), ("zníženie", "znížiť"), ("nemá", "má")],
        );
    }

    #[test]
    fn polish_families_conflate() {
        let res = Resources::embedded().unwrap();
        assert_conflate(
            &res,
            Lang::Pl,
            &[
                "czekać czekał czekała czekali czekałem czekam czeka czekają",
                "pracować pracował pracowała pracuje pracują pracujący pracowałem",
                "praca pracy pracę pracą",
                "wspaniały wspaniała wspaniałe wspaniałego wspaniałych wspaniali",
                "dobry dobrego dobrych lepszy lepszego najlepszy najlepszych",
                "jest są był była byli będzie być",
                "ma mają miał miała mieli mieć",
                "człowiek człowieka ludzie ludzi ludźmi",
                "dzień dnia dni dniu",
            ],
        );
    }

    #[test]
    fn polish_lemmas_stay_apart() {
        let res = Resources::embedded().unwrap();
        assert_apart(
            &res,
            Lang::Pl,
            &[
                ("głos", "głosować"),
                ("plan", "planować"),
                ("praca", "pracować"),
                ("badanie", "badać"),
                ("wysoki", "wysokość"),
                ("mnie", "mniejszy"),
            ],
        );
    }

    #[test]
    fn exceptions_are_folded_and_reach_their_scope() {
        let mut s = SuffixStemmer::for_lang(Lang::Cs, [("i", 3), ("iho", 3)].map(|(x, m)| (x.to_string(), m)));
        s.add_exceptions([
            (fold("lepší"), fold("dobrý"), ExceptionScope::Stem),
            (fold("má"), fold("mít"), ExceptionScope::Form),
        ]);
        assert_eq!(s.stem("lepsiho"), s.stem("dobry"), "stem scope covers the paradigm");
        assert_eq!(s.stem("nejlepsi"), s.stem("dobry"), "the superlative prefix goes first");
        assert_eq!(s.stem("ma"), s.stem("mit"), "form scope: the exact word");
        assert_eq!(s.stem("mam"), "mam", "form scope reaches no other word");
        assert_eq!(s.exceptions(), 2);
        s.add_exceptions([(fold("program"), "program-".to_string(), ExceptionScope::Form)]);
        assert_eq!(s.stem("program"), "program", "a lemma ending in - is the stem itself");
        assert_eq!("stem".parse::<ExceptionScope>(), Ok(ExceptionScope::Stem));
        assert!("paradigm".parse::<ExceptionScope>().is_err());
    }
}
