//! Text normalisation: [`normalize`] composes the text to NFC (so `c` + combining caron reads as `č`), and
//! [`fold_char`] lower-cases and strips diacritics one character at a time.
//!
//! Folding maps every character to exactly one character, so a folded copy of a text has the same character
//! offsets as the text itself: matches found in the folded copy point straight back into the original, which is
//! what keeps evidence spans exact while matching ignores diacritics.

use std::borrow::Cow;
use std::sync::LazyLock;

use unicode_normalization::{UnicodeNormalization, is_nfc_quick};

/// Composes `text` to Unicode NFC and replaces control characters other than tab and newline by spaces.
/// Borrows when nothing changes, which is the common case.
#[must_use]
pub fn normalize(text: &str) -> Cow<'_, str> {
    let needs_nfc = !matches!(is_nfc_quick(text.chars()), unicode_normalization::IsNormalized::Yes);
    let has_control = text.chars().any(|c| c.is_control() && c != '\n' && c != '\t');
    if !needs_nfc && !has_control {
        return Cow::Borrowed(text);
    }
    let composed: String = if needs_nfc { text.nfc().collect() } else { text.to_string() };
    if !has_control {
        return Cow::Owned(composed);
    }
    Cow::Owned(composed.chars().map(|c| if c.is_control() && c != '\n' && c != '\t' { ' ' } else { c }).collect())
}

/// Characters below this code point are folded through a table built once; the rest go the slow way.
const TABLE_SIZE: usize = 0x250;

/// Folding table for Latin-1, Latin Extended-A and -B: covers every letter of the four languages.
/// A static is fine here: the table is a pure function of Unicode, never of user data.
static FOLD_TABLE: LazyLock<Vec<char>> =
    LazyLock::new(|| (0..TABLE_SIZE as u32).map(|u| char::from_u32(u).map_or(' ', fold_char_slow)).collect());

/// Lower-cases `c` and strips its diacritics: `Č`→`c`, `ł`→`l`, `ä`→`a`, `ß`→`s`. Always one character out.
#[must_use]
#[inline]
pub fn fold_char(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    if (c as usize) < TABLE_SIZE {
        return FOLD_TABLE[c as usize];
    }
    fold_char_slow(c)
}

fn fold_char_slow(c: char) -> char {
    let lower = c.to_lowercase().next().unwrap_or(c);
    if lower.is_ascii() {
        return lower;
    }
    // Letters without a canonical decomposition into base + mark.
    let special = match lower {
        'ł' => Some('l'),
        'đ' => Some('d'),
        'ø' => Some('o'),
        'ß' => Some('s'),
        'æ' => Some('a'),
        'œ' => Some('o'),
        'ı' => Some('i'),
        'ŀ' => Some('l'),
        '\u{2019}' | '\u{2018}' | '\u{02BC}' => Some('\''),
        _ => None,
    };
    if let Some(s) = special {
        return s;
    }
    let mut base = None;
    unicode_normalization::char::decompose_canonical(lower, |d| {
        if base.is_none() {
            base = Some(d);
        }
    });
    match base {
        Some(b) if b.is_ascii_alphabetic() => b,
        _ => lower,
    }
}

/// Folds a whole string with [`fold_char`]; the result has as many characters as `text`.
#[must_use]
pub fn fold(text: &str) -> String {
    text.chars().map(fold_char).collect()
}

/// Repairs text that was UTF-8 once but was decoded as Windows-1250 on its way here ("PĹ™Ă­mĂ˝" for "Přímý"),
/// which happens when a Czech or Slovak export passes through a spreadsheet: the lead bytes of the region's
/// letters (0xC3, 0xC4, 0xC5) show up as Ă, Ä and Ĺ. `None` when the text does not look like that, or when
/// encoding it back does not give valid UTF-8 (genuine text with Ä or Ă stays as it is).
#[must_use]
pub fn repair_mojibake(text: &str) -> Option<String> {
    if !text.chars().any(|c| matches!(c, 'Ă' | 'Ä' | 'Ĺ')) {
        return None;
    }
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1250.encode(text);
    if unmappable {
        return None;
    }
    let repaired = String::from_utf8(bytes.into_owned()).ok()?;
    (repaired != text).then_some(repaired)
}

/// Removes diacritics without lower-casing: NFD, combining marks dropped, and `ł`/`Ł` → `l`/`L`.
/// This is how ../shared/eval defines "no diacritics", and how `hlas eval --strip-diacritics` makes its units.
#[must_use]
pub fn strip_diacritics(text: &str) -> String {
    text.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .map(|c| match c {
            'ł' => 'l',
            'Ł' => 'L',
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_the_letters_of_all_four_languages() {
        assert_eq!(fold("Čekal jsem ŘÍJEN ů"), "cekal jsem rijen u");
        assert_eq!(fold("Czekałem ŻÓŁW źdźbło ąęśćń"), "czekalem zolw zdzblo aescn");
        assert_eq!(fold("čakal som ä ô ĺ ľ ŕ"), "cakal som a o l l r");
        assert_eq!(fold("Straße"), "strase");
    }

    #[test]
    fn folding_keeps_the_character_count() {
        for s in ["Příliš žluťoučký kůň", "İstanbul ǅ ẞ 😀 ﬁ", "Ωμέγα"] {
            assert_eq!(fold(s).chars().count(), s.chars().count(), "{s}");
        }
    }

    #[test]
    fn normalize_composes_and_borrows_when_clean() {
        assert!(matches!(normalize("čekal"), Cow::Borrowed(_)));
        let decomposed = "c\u{30c}ekal";
        assert_eq!(normalize(decomposed), "čekal");
        assert_eq!(normalize("a\u{0}b"), "a b");
    }

    #[test]
    fn strip_diacritics_keeps_case() {
        assert_eq!(strip_diacritics("Čekal ŁÓDŹ"), "Cekal LODZ");
    }

    #[test]
    fn mojibake_from_windows_1250_is_repaired_and_real_text_is_left_alone() {
        assert_eq!(repair_mojibake("PĹ™Ă\u{AD}mĂ˝ vstup").as_deref(), Some("Přímý vstup"));
        assert_eq!(
            repair_mojibake("vysvÄ›tlĂ\u{AD} nĂˇsledujĂ\u{AD}cĂ\u{AD}").as_deref(),
            Some("vysvětlí následující")
        );
        assert_eq!(repair_mojibake("Přímý vstup"), None);
        assert_eq!(repair_mojibake("ÄALŠIE kroky, Ärger"), None);
        assert_eq!(repair_mojibake(""), None);
    }
}
