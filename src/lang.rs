//! [`Lang`]: the closed set of languages hlas reads, parsed from codes at the edge so no stringly-typed language
//! travels through the pipeline.

use std::fmt;
use std::str::FromStr;

/// A language hlas analyses, or `Und` when a text carries no usable language signal.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum Lang {
    /// Czech.
    Cs,
    /// Polish.
    Pl,
    /// Slovak.
    Sk,
    /// English.
    En,
    /// Undetermined: scored with the language-neutral fallback (emoji, emoticons, punctuation).
    Und,
}

impl Lang {
    /// The four languages with resources, in the fixed order used for tables and dictionaries.
    pub const KNOWN: [Lang; 4] = [Lang::Cs, Lang::Pl, Lang::Sk, Lang::En];
    /// Every value, `Und` last: the order of the `lang` dictionary in the output.
    pub const ALL: [Lang; 5] = [Lang::Cs, Lang::Pl, Lang::Sk, Lang::En, Lang::Und];

    /// The two-letter code written to the output (`cs`, `pl`, `sk`, `en`, `und`).
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Lang::Cs => "cs",
            Lang::Pl => "pl",
            Lang::Sk => "sk",
            Lang::En => "en",
            Lang::Und => "und",
        }
    }

    /// Position in [`Lang::ALL`]; used to index per-language tables.
    #[must_use]
    pub fn index(self) -> usize {
        self as usize
    }

    /// The language's English name, for reports.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Lang::Cs => "Czech",
            Lang::Pl => "Polish",
            Lang::Sk => "Slovak",
            Lang::En => "English",
            Lang::Und => "undetermined",
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The error of parsing an unknown language code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language '{0}' (expected cs, pl, sk, en or und)")]
pub struct UnknownLang(pub String);

impl FromStr for Lang {
    type Err = UnknownLang;

    /// Accepts ISO 639-1 and 639-3 codes, case-insensitively.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "cs" | "ces" | "cze" => Ok(Lang::Cs),
            "pl" | "pol" => Ok(Lang::Pl),
            "sk" | "slk" | "slo" => Ok(Lang::Sk),
            "en" | "eng" => Ok(Lang::En),
            "und" => Ok(Lang::Und),
            _ => Err(UnknownLang(s.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for lang in Lang::ALL {
            assert_eq!(lang.code().parse::<Lang>().unwrap(), lang);
            assert_eq!(Lang::ALL[lang.index()], lang);
        }
        assert_eq!("CES".parse::<Lang>().unwrap(), Lang::Cs);
        assert!("de".parse::<Lang>().is_err());
    }
}
