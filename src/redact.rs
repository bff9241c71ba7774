//! Personal data: [`redact`] masks e-mail addresses, phone numbers, bank accounts (IBAN), payment cards, Czech and
//! Slovak birth numbers (rodné číslo), Polish PESEL, NIP and REGON, Czech and Slovak IČO, VAT numbers (DIČ) and
//! recognisable postal addresses. Each is replaced by the typed placeholder of its [`PiiKind`] (`[EMAIL]`,
//! `[PHONE]`...) and counted in [`RedactCounts`]; [`find`] returns the spans without masking.
//!
//! **Precision before recall.** A masked order number costs an analyst the one thing they needed to follow a case
//! up, so a number is masked only where its shape and, where it has one, its checksum say what it is: IBANs pass
//! mod 97, cards Luhn, birth numbers mod 11 and a real date, PESEL, NIP, REGON and IČO their weighted sums. Kinds a
//! bare number cannot tell apart need more: IČO and REGON their label (`IČO: 25687425`, `REGON 123456785`), NIP its
//! dashes or its label, a 9-digit phone number without spaces a phone word before it (`tel.`, `mobil`, `číslo`...,
//! and no order word such as `objednávky` in between). Order, ticket, customer and tracking numbers are left as
//! they are: they identify a case, and a checksum-valid one is masked only by the rare coincidence of looking like
//! a birth number or PESEL. Dates, times, prices and durations have none of these shapes, and a grouped number
//! followed by a currency or unit (`123 456 789 Kč`) is not read as a phone.
//!
//! **Cost.** Every kind needs a digit or an `@`, so a text with neither is returned after one byte scan, with
//! nothing allocated; the numeric kinds need at least eight digits. The patterns are compiled once.

use std::fmt;
use std::sync::LazyLock;

use regex::Regex;

use crate::normalize::fold;

/// Number of [`PiiKind`]s.
pub const N_KINDS: usize = 11;

/// A kind of personal data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PiiKind {
    /// An e-mail address.
    Email,
    /// A phone number: Czech/Slovak, Polish, UK, US or international (`+…`).
    Phone,
    /// An IBAN with a valid mod-97 checksum.
    Iban,
    /// A payment card number: 13–19 digits, Luhn-valid.
    Card,
    /// A Czech or Slovak birth number (rodné číslo): a valid date and, for 10 digits, mod 11.
    BirthNumber,
    /// A Polish PESEL: a valid date and checksum.
    Pesel,
    /// A Polish tax number (NIP), dashed or labelled, checksum-valid.
    Nip,
    /// A Polish business register number (REGON), labelled, checksum-valid.
    Regon,
    /// A Czech or Slovak company number (IČO), labelled, checksum-valid.
    Ico,
    /// A VAT number: `CZ`, `SK` or `PL` and the number, checksum-valid.
    Dic,
    /// A postal address: street and house number, or postcode and town.
    Address,
}

impl PiiKind {
    /// Every kind, in placeholder order.
    pub const ALL: [PiiKind; N_KINDS] = [
        PiiKind::Email,
        PiiKind::Phone,
        PiiKind::Iban,
        PiiKind::Card,
        PiiKind::BirthNumber,
        PiiKind::Pesel,
        PiiKind::Nip,
        PiiKind::Regon,
        PiiKind::Ico,
        PiiKind::Dic,
        PiiKind::Address,
    ];

    /// `EMAIL`, `PHONE`, `IBAN`, `CARD`, `BIRTH_NUMBER`, `PESEL`, `NIP`, `REGON`, `ICO`, `DIC` or `ADDRESS`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            PiiKind::Email => "EMAIL",
            PiiKind::Phone => "PHONE",
            PiiKind::Iban => "IBAN",
            PiiKind::Card => "CARD",
            PiiKind::BirthNumber => "BIRTH_NUMBER",
            PiiKind::Pesel => "PESEL",
            PiiKind::Nip => "NIP",
            PiiKind::Regon => "REGON",
            PiiKind::Ico => "ICO",
            PiiKind::Dic => "DIC",
            PiiKind::Address => "ADDRESS",
        }
    }

    /// What replaces a span of this kind: its name in brackets, `[EMAIL]`.
    #[must_use]
    pub fn placeholder(self) -> &'static str {
        match self {
            PiiKind::Email => "[EMAIL]",
            PiiKind::Phone => "[PHONE]",
            PiiKind::Iban => "[IBAN]",
            PiiKind::Card => "[CARD]",
            PiiKind::BirthNumber => "[BIRTH_NUMBER]",
            PiiKind::Pesel => "[PESEL]",
            PiiKind::Nip => "[NIP]",
            PiiKind::Regon => "[REGON]",
            PiiKind::Ico => "[ICO]",
            PiiKind::Dic => "[DIC]",
            PiiKind::Address => "[ADDRESS]",
        }
    }

    /// The kind named `name` (`EMAIL`, `BIRTH_NUMBER`...), as [`PiiKind::name`] writes it.
    #[must_use]
    pub fn from_name(name: &str) -> Option<PiiKind> {
        PiiKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Which of two overlapping candidates wins: the lower rank. Checksummed and labelled numbers are surer than a
    /// phone shape, and a phone shape surer than an address.
    fn rank(self) -> u8 {
        match self {
            PiiKind::Email => 0,
            PiiKind::Iban => 1,
            PiiKind::Card => 2,
            PiiKind::Dic => 3,
            PiiKind::Ico => 4,
            PiiKind::Nip => 5,
            PiiKind::Regon => 6,
            PiiKind::Pesel => 7,
            PiiKind::BirthNumber => 8,
            PiiKind::Phone => 9,
            PiiKind::Address => 10,
        }
    }
}

/// The length in characters of a placeholder starting at the start of `s` (`[EMAIL]...` → 7), if one does. The
/// tokenizer skips placeholders, so a masked text reads like the text without the personal data: `[PHONE]` adds no
/// English word to a Czech text.
#[must_use]
pub fn placeholder_len(s: &str) -> Option<usize> {
    if !s.starts_with('[') {
        return None;
    }
    PiiKind::ALL.iter().map(|k| k.placeholder()).find(|p| s.starts_with(p)).map(str::len)
}

/// Which kinds to mask. Default: all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RedactKinds(u16);

impl RedactKinds {
    /// Every kind.
    pub const ALL: RedactKinds = RedactKinds((1 << N_KINDS) - 1);
    /// No kind.
    pub const NONE: RedactKinds = RedactKinds(0);

    /// Only these kinds.
    #[must_use]
    pub fn only(kinds: &[PiiKind]) -> Self {
        kinds.iter().fold(RedactKinds::NONE, |acc, &k| acc.with(k))
    }

    /// These kinds and `kind`.
    #[must_use]
    pub fn with(self, kind: PiiKind) -> Self {
        RedactKinds(self.0 | 1 << kind as u16)
    }

    /// These kinds without `kind`.
    #[must_use]
    pub fn without(self, kind: PiiKind) -> Self {
        RedactKinds(self.0 & !(1 << kind as u16))
    }

    /// True when `kind` is masked.
    #[must_use]
    pub fn contains(self, kind: PiiKind) -> bool {
        self.0 & (1 << kind as u16) != 0
    }
}

impl Default for RedactKinds {
    fn default() -> Self {
        RedactKinds::ALL
    }
}

/// Spans masked per kind, in [`PiiKind::ALL`] order. Displays as `12 EMAIL, 3 PHONE` (kinds with none left out).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RedactCounts([u64; N_KINDS]);

impl RedactCounts {
    /// Spans of `kind` masked.
    #[must_use]
    pub fn get(&self, kind: PiiKind) -> u64 {
        self.0[kind as usize]
    }

    /// Counts `n` more spans of `kind`.
    pub fn add(&mut self, kind: PiiKind, n: u64) {
        self.0[kind as usize] += n;
    }

    /// Adds another set of counts to these.
    pub fn merge(&mut self, other: &RedactCounts) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += b;
        }
    }

    /// All spans masked.
    #[must_use]
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }

    /// True when nothing was masked.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.total() == 0
    }

    /// The kinds with at least one span, with their counts.
    pub fn iter(&self) -> impl Iterator<Item = (PiiKind, u64)> + '_ {
        PiiKind::ALL.into_iter().map(|k| (k, self.get(k))).filter(|(_, n)| *n > 0)
    }
}

impl fmt::Display for RedactCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (kind, n)) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{n} {}", kind.name())?;
        }
        Ok(())
    }
}

/// A span of personal data: byte offsets into the text, on character boundaries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
    /// What it is.
    pub kind: PiiKind,
}

/// A masked text and what was masked in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redacted {
    /// The text with each span replaced by its placeholder.
    pub text: String,
    /// Spans masked per kind.
    pub counts: RedactCounts,
}

/// Masks the personal data of `kinds` in `text`. `None` when there is none, which is the common case and costs no
/// allocation.
///
/// ```
/// use hlas::redact::{RedactKinds, redact};
///
/// let r = redact("Pište na jan.novak@example.cz nebo volejte +420 603 123 456.", RedactKinds::ALL).unwrap();
/// assert_eq!(r.text, "Pište na [EMAIL] nebo volejte [PHONE].");
/// assert_eq!(r.counts.to_string(), "1 EMAIL, 1 PHONE");
/// assert!(redact("Čekal jsem 40 minut, 1 299 Kč za nic.", RedactKinds::ALL).is_none());
/// ```
#[must_use]
pub fn redact(text: &str, kinds: RedactKinds) -> Option<Redacted> {
    let spans = find(text, kinds);
    if spans.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut counts = RedactCounts::default();
    let mut at = 0;
    for s in &spans {
        out.push_str(text.get(at..s.start).unwrap_or_default());
        out.push_str(s.kind.placeholder());
        counts.add(s.kind, 1);
        at = s.end;
    }
    out.push_str(text.get(at..).unwrap_or_default());
    Some(Redacted { text: out, counts })
}

/// The spans of personal data of `kinds` in `text`, in text order, never overlapping. Allocates nothing when there
/// are none.
#[must_use]
pub fn find(text: &str, kinds: RedactKinds) -> Vec<Span> {
    let (digits, at) =
        text.bytes().fold((0usize, false), |(d, a), b| (d + usize::from(b.is_ascii_digit()), a || b == b'@'));
    if digits == 0 && !at {
        return Vec::new();
    }
    let p = &*PATTERNS;
    let mut f = Finder { text, kinds, spans: Vec::new() };
    if at {
        f.emails(p);
    }
    if digits > 0 {
        f.addresses(p, digits);
    }
    if digits >= 8 {
        f.numbers(p);
    }
    f.resolve()
}

/// Separators inside grouped numbers: space, no-break space, narrow no-break space. Written `␣` in the patterns.
const SP: &str = r"[ \x{A0}\x{202F}]";

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\u{A0}' | '\u{202F}')
}

/// The compiled patterns. A static is fine: they are a pure function of this code, never of user data.
struct Patterns {
    email: Regex,
    iban: Regex,
    card: Regex,
    pesel: Regex,
    birth: Regex,
    nip_dashed: Regex,
    label: Regex,
    dic: Regex,
    phone: Regex,
    street: Regex,
    street_en: Regex,
    postcode: Regex,
    uk_postcode: Regex,
    street_before: Regex,
}

static PATTERNS: LazyLock<Patterns> = LazyLock::new(Patterns::new);

impl Patterns {
    fn new() -> Patterns {
        let re = |p: &str| Regex::new(&p.replace('␣', SP)).expect("the redaction patterns are valid");
        let sep = "(?:␣|-)";
        let house = r"\d{1,4}[a-zA-Z]?(?:/(?:\d{1,4}[a-zA-Z]?|[a-zA-Z]))?";
        // A word of a street name: capitalised, with its abbreviation dot (`Ks.`); Roman numerals are capitals too.
        let name = r"(?:\p{Lu}[\p{L}'’\-]*\.?)";
        let connector = "(?:nad|pod|na|u|při|pri|za|w|z|de|of|the)";
        let town = r"\p{Lu}\p{Ll}+(?:-\p{L}+)*";
        Patterns {
            email: re(r"[\w.+%\-]+@[\w\-]+(?:\.[\w\-]+)*\.\p{L}{2,}"),
            iban: re(r"[A-Z]{2}\d{2}(?:␣?[A-Z0-9]){11,30}"),
            card: re(r"\d(?:(?:␣|-)?\d){12,18}"),
            pesel: re(r"\d{11}"),
            birth: re(r"\d{6}(?:␣?/␣?\d{3,4}|\d{4})"),
            nip_dashed: re(r"\d{3}-\d{3}-\d{2}-\d{2}|\d{3}-\d{2}-\d{2}-\d{3}"),
            label: re(r"(?i:ičo|ič|ico|nip|regon)"),
            dic: re(r"(?:CZ|SK|PL)␣?\d{8,10}"),
            phone: re(&[
                // Czech and Slovak, Polish, UK and US with their country codes: exactly their lengths.
                format!(r"(?:\+|00)␣?42[01]{sep}?\d{{3}}{sep}?\d{{3}}{sep}?\d{{3}}"),
                format!(r"(?:\+|00)␣?48{sep}?(?:\d{{3}}{sep}?\d{{3}}{sep}?\d{{3}}|\(?\d{{2}}\)?{sep}?\d{{3}}{sep}?\d{{2}}{sep}?\d{{2}})"),
                r"(?:\+|00)␣?44␣?(?:\(0\)␣?)?\d(?:␣?\d){8,9}".to_string(),
                r"\+1(?:␣|[\-.])?\(?\d{3}\)?(?:␣|[\-.])?\d{3}(?:␣|[\-.])?\d{4}".to_string(),
                // Any other country code: 8 to 15 digits in all (E.164), checked after the match.
                r"\+[1-9](?:(?:␣|[\-.])?\d|␣?\(\d{1,4}\)){7,14}".to_string(),
                // Polish landlines and US numbers with the area code in brackets.
                format!(r"\(\d{{2}}\)␣?\d{{3}}{sep}?\d{{2}}{sep}?\d{{2}}"),
                r"\(\d{3}\)(?:␣|-)?\d{3}(?:␣|[\-.])\d{4}".to_string(),
                // US 3-3-4.
                r"[2-9]\d{2}-\d{3}-\d{4}|[2-9]\d{2}\.\d{3}\.\d{4}|[2-9]\d{2}␣\d{3}␣\d{4}".to_string(),
                // UK national: 0xx xxxx xxxx, 0xxx xxx xxxx, 0xxxx xxx xxx.
                r"0\d{2}␣\d{4}␣\d{4}|0\d{3}␣\d{3}␣\d{4}|0\d{4}␣\d{3}␣?\d{3}".to_string(),
                // Slovak mobiles 09xx xxx xxx.
                format!(r"09\d{{2}}{sep}?\d{{3}}{sep}?\d{{3}}"),
                // Czech, Slovak and Polish 3-3-3; without separators only after a phone word (checked after).
                format!(r"[2-9]\d{{2}}{sep}\d{{3}}{sep}\d{{3}}|[2-9]\d{{8}}"),
            ]
            .join("|")),
            street: re(&format!(
                r"(?i:ul\.|ulic[eiíauyą]|ulicou|nám\.|nam\.|náměstí|namesti|námestie|námestí|nábř\.|nábřeží|nábrežie|tř\.|třída|třídě|trieda|triede|al\.|aleja|alei|aleje|os\.|osiedl[eu]|pl\.|plac|placu)␣*(?:{name}|\d{{1,2}}\.?)(?:␣+(?:{name}|{connector}))*?␣+{house}"
            )),
            street_en: re(&format!(
                r"\d{{1,4}}[A-Za-z]?␣+(?:{name}␣+){{1,3}}(?:Street|St\.?|Road|Rd\.?|Avenue|Ave\.?|Lane|Ln\.?|Drive|Dr\.?|Close|Way|Boulevard|Blvd\.?|Place|Square|Court|Crescent|Terrace|Gardens|Grove|Walk|Parade)"
            )),
            postcode: re(&format!(
                r"\d{{3}}␣\d{{2}}␣+{town}(?:␣{connector}␣\p{{Lu}}\p{{Ll}}+)?(?:␣\d{{1,2}})?|\d{{2}}-\d{{3}}␣+{town}"
            )),
            uk_postcode: re(r"(?:[A-Z]{1,2}\d[A-Z\d]?)␣\d[ABD-HJLNP-UW-Z]{2}"),
            street_before: re(&format!(r"{name}(?:␣+{name}){{0,2}}␣+{house},?␣*$")),
        }
    }
}

/// Whether digits written in groups of these lengths are a valid number of some kind.
type GroupCheck = fn(&[u8], &[usize]) -> bool;

/// Candidates collected for one text.
struct Finder<'a> {
    text: &'a str,
    kinds: RedactKinds,
    spans: Vec<Span>,
}

impl Finder<'_> {
    fn push(&mut self, start: usize, end: usize, kind: PiiKind) {
        if self.kinds.contains(kind)
            && start < end
            && self.text.is_char_boundary(start)
            && self.text.is_char_boundary(end)
            && (kind == PiiKind::Email || !in_link(self.text, start))
        {
            self.spans.push(Span { start, end, kind });
        }
    }

    fn emails(&mut self, p: &Patterns) {
        if !self.kinds.contains(PiiKind::Email) {
            return;
        }
        for m in p.email.find_iter(self.text) {
            let s = m.as_str();
            let Some((local, domain)) = s.split_once('@') else { continue };
            let ok = !local.starts_with('.')
                && !local.ends_with('.')
                && !local.contains("..")
                && domain.split('.').all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'));
            if ok {
                self.push(m.start(), m.end(), PiiKind::Email);
            }
        }
    }

    fn addresses(&mut self, p: &Patterns, digits: usize) {
        if !self.kinds.contains(PiiKind::Address) {
            return;
        }
        let text = self.text;
        for m in p.street.find_iter(text) {
            if !word_before(text, m.start()) && !alnum_after(text, m.end()) {
                self.push(m.start(), m.end(), PiiKind::Address);
            }
        }
        for m in p.street_en.find_iter(text) {
            if standalone(text, m.start(), m.end()) {
                self.push(m.start(), m.end(), PiiKind::Address);
            }
        }
        if digits >= 5 {
            for m in p.postcode.find_iter(text) {
                let town = m.as_str().trim_end_matches(|c: char| c.is_ascii_digit() || is_space(c));
                let town = town.rsplit(is_space).next().unwrap_or_default();
                if word_before(text, m.start()) || alnum_after(text, m.end()) || is_unit(&fold(town)) {
                    continue;
                }
                // The street before the postcode: "Dlouhá 12, 110 00 Praha 1".
                let window_start = floor_char_boundary(text, m.start().saturating_sub(80));
                let window = &text[window_start..m.start()];
                let start = p.street_before.find(window).map_or(m.start(), |s| window_start + s.start());
                self.push(start, m.end(), PiiKind::Address);
            }
        }
        for m in p.uk_postcode.find_iter(text) {
            let inward = &m.as_str()[m.as_str().len() - 3..];
            // "PS5 2TB" is a games console with a disk, not a postcode.
            if !word_before(text, m.start())
                && !alnum_after(text, m.end())
                && !inward.ends_with("GB")
                && !inward.ends_with("TB")
            {
                self.push(m.start(), m.end(), PiiKind::Address);
            }
        }
    }

    fn numbers(&mut self, p: &Patterns) {
        let text = self.text;
        let k = self.kinds;
        if k.contains(PiiKind::Iban) {
            for m in p.iban.find_iter(text) {
                if !word_before(text, m.start())
                    && let Some(end) = iban_end(text, m.start(), m.end())
                {
                    self.push(m.start(), end, PiiKind::Iban);
                }
            }
        }
        if k.contains(PiiKind::Card) {
            for m in p.card.find_iter(text) {
                if let Some(end) = card_end(text, m.start(), m.end()) {
                    self.push(m.start(), end, PiiKind::Card);
                }
            }
        }
        if k.contains(PiiKind::Pesel) {
            for m in p.pesel.find_iter(text) {
                if standalone(text, m.start(), m.end()) && pesel_valid(&digits_of(m.as_str())) {
                    self.push(m.start(), m.end(), PiiKind::Pesel);
                }
            }
        }
        if k.contains(PiiKind::BirthNumber) {
            for m in p.birth.find_iter(text) {
                let slash = m.as_str().contains('/');
                if standalone(text, m.start(), m.end()) && birth_number_valid(&digits_of(m.as_str()), slash) {
                    self.push(m.start(), m.end(), PiiKind::BirthNumber);
                }
            }
        }
        if k.contains(PiiKind::Nip) {
            for m in p.nip_dashed.find_iter(text) {
                if standalone(text, m.start(), m.end()) && nip_valid(&digits_of(m.as_str())) {
                    self.push(m.start(), m.end(), PiiKind::Nip);
                }
            }
        }
        for m in p.label.find_iter(text) {
            self.labelled(m.start(), m.end());
        }
        if k.contains(PiiKind::Dic) {
            for m in p.dic.find_iter(text) {
                if !word_before(text, m.start()) && !alnum_after(text, m.end()) && dic_valid(m.as_str()) {
                    self.push(m.start(), m.end(), PiiKind::Dic);
                }
            }
        }
        if k.contains(PiiKind::Phone) {
            for m in p.phone.find_iter(text) {
                if standalone(text, m.start(), m.end()) && self.phone_ok(m.start(), m.as_str()) {
                    self.push(m.start(), m.end(), PiiKind::Phone);
                }
            }
        }
    }

    /// A number after the label `IČO`, `IČ`, `ICO`, `NIP` or `REGON` at `start..end`: the number is masked, the
    /// label kept.
    fn labelled(&mut self, start: usize, end: usize) {
        let text = self.text;
        if word_before(text, start) || text[end..].chars().next().is_some_and(char::is_alphanumeric) {
            return;
        }
        let label = fold(&text[start..end]);
        let (kind, valid): (PiiKind, GroupCheck) = match label.as_str() {
            "nip" => (PiiKind::Nip, |d, g| matches!(g, [10] | [3, 3, 2, 2] | [3, 2, 2, 3]) && nip_valid(d)),
            "regon" => (PiiKind::Regon, |d, g| matches!(g, [9] | [14] | [3, 3, 3]) && regon_valid(d)),
            _ => (PiiKind::Ico, |d, g| matches!(g, [8] | [3, 2, 3]) && ico_valid(d)),
        };
        // `IČO: 25687425`, `NIP 123-456-78-31`, `REGON nr 123456785`.
        let skip = |at: usize| {
            let rest = &text[at..];
            at + rest.len() - rest.trim_start_matches(|c: char| is_space(c) || ":.#=-".contains(c)).len()
        };
        let mut at = skip(end);
        if text.as_bytes().get(at..at + 2).is_some_and(|b| b.eq_ignore_ascii_case(b"nr")) {
            at = skip(at + 2);
        }
        if at - end > 8 {
            return;
        }
        let (groups, ends) = digit_groups(text, at, 5);
        let mut digits = Vec::with_capacity(14);
        for (i, &g) in groups.iter().enumerate() {
            digits.extend(text.as_bytes()[ends[i] - g..ends[i]].iter().map(|b| b - b'0'));
            if valid(&digits, &groups[..=i]) && !alnum_after(text, ends[i]) {
                self.push(at, ends[i], kind);
                return;
            }
        }
    }

    /// Phone shapes that need more than their shape: a country code's length, a plain run of 9 digits after a
    /// phone word, no currency or unit after a grouped national number.
    fn phone_ok(&self, start: usize, s: &str) -> bool {
        let d = digits_of(s);
        if s.starts_with('+') || s.starts_with("00") {
            let national = if s.starts_with("00") { &d[2..] } else { &d[..] };
            return match national {
                [4, 2, 0 | 1, ..] => national.len() == 12,
                [4, 8, ..] => national.len() == 11,
                [4, 4, ..] => (11..=12).contains(&national.len()),
                [1, ..] => national.len() == 11,
                _ => (8..=15).contains(&national.len()),
            };
        }
        if unit_after(self.text, start + s.len()) || unit_before(self.text, start) {
            return false;
        }
        let plain = s.bytes().all(|b| b.is_ascii_digit());
        // A 9-digit number alone may be an order; after "tel." or "moje číslo je" it is a phone.
        !(plain && d.len() <= 10) || phone_word_before(self.text, start)
    }

    /// Drops the weaker of overlapping candidates and joins the parts of one address.
    fn resolve(self) -> Vec<Span> {
        let mut spans = self.spans;
        if spans.is_empty() {
            return spans;
        }
        join_addresses(self.text, &mut spans);
        spans.sort_by_key(|s| (s.kind.rank(), s.start, std::cmp::Reverse(s.end)));
        let mut kept: Vec<Span> = Vec::with_capacity(spans.len());
        for s in spans {
            if !kept.iter().any(|k| k.start < s.end && s.start < k.end) {
                kept.push(s);
            }
        }
        kept.sort_by_key(|s| s.start);
        kept
    }
}

/// Joins overlapping address candidates, and those apart by no more than commas, spaces and one capitalised word
/// (the town in "12 Baker Street, London NW1 6XE").
fn join_addresses(text: &str, spans: &mut Vec<Span>) {
    let (mut addr, others): (Vec<Span>, Vec<Span>) = spans.drain(..).partition(|s| s.kind == PiiKind::Address);
    addr.sort_by_key(|s| s.start);
    let mut joined: Vec<Span> = Vec::with_capacity(addr.len());
    for s in addr {
        if let Some(last) = joined.last_mut() {
            let gap = text.get(last.end.min(s.start)..s.start).unwrap_or("x");
            let words: Vec<&str> = gap.split(|c: char| c == ',' || is_space(c)).filter(|w| !w.is_empty()).collect();
            let town = match words.as_slice() {
                [] => true,
                [w] => w.chars().next().is_some_and(char::is_uppercase) && w.chars().all(char::is_alphabetic),
                _ => false,
            };
            if s.start <= last.end || (gap.chars().count() <= 30 && town) {
                last.end = last.end.max(s.end);
                continue;
            }
        }
        joined.push(s);
    }
    spans.extend(others);
    spans.extend(joined);
}

/// True when `i` is inside a link (`https://…`, `www.…`): the numbers in a link's path are page and post ids.
fn in_link(text: &str, i: usize) -> bool {
    let word_start = text[..i].rfind(char::is_whitespace).map_or(0, |w| w + 1);
    let word = &text[word_start..i];
    word.contains("://") || word.get(..4).is_some_and(|w| w.eq_ignore_ascii_case("www."))
}

/// The largest character boundary at or before `i`.
fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// True when the character before `i` is a letter, digit or `_`: the match starts inside a word.
fn word_before(text: &str, i: usize) -> bool {
    text[..i].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// True when the character at `i` is a letter, digit or `_`: the match ends inside a word.
fn alnum_after(text: &str, i: usize) -> bool {
    text[i..].chars().next().is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// Characters that join digits into one longer number: `12 345`, `12-345`, `12/345`, `12.345`, `12,345`.
fn joins_digits(c: char) -> bool {
    is_space(c) || matches!(c, '-' | '/' | '.' | ',')
}

/// True when `start..end` is a whole number: no letter or digit touches it, and no digit is joined to it by one
/// separator ("1 603 123 456" and "603 123 456,50" are other numbers).
fn standalone(text: &str, start: usize, end: usize) -> bool {
    clean_edge(text[..start].chars().rev()) && clean_edge(text[end..].chars())
}

/// True when the characters leading away from a number (`chars`) neither continue a word nor join another number.
fn clean_edge(mut chars: impl Iterator<Item = char>) -> bool {
    match chars.next() {
        None => true,
        Some(c) if c.is_alphanumeric() || c == '_' => false,
        Some(c) if joins_digits(c) => !chars.next().is_some_and(|d| d.is_ascii_digit()),
        Some(_) => true,
    }
}

/// The ASCII digits of `s` as values 0–9.
fn digits_of(s: &str) -> Vec<u8> {
    s.bytes().filter(u8::is_ascii_digit).map(|b| b - b'0').collect()
}

/// Up to `max` runs of digits from `at`, joined by one space or dash: their lengths and byte ends.
fn digit_groups(text: &str, at: usize, max: usize) -> (Vec<usize>, Vec<usize>) {
    let bytes = text.as_bytes();
    let (mut groups, mut ends) = (Vec::new(), Vec::new());
    let mut i = at;
    while groups.len() < max {
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            break;
        }
        groups.push(i - start);
        ends.push(i);
        let sep = text[i..].chars().next().filter(|&c| is_space(c) || c == '-');
        match sep {
            Some(c) if text[i + c.len_utf8()..].starts_with(|d: char| d.is_ascii_digit()) => i += c.len_utf8(),
            _ => break,
        }
    }
    (groups, ends)
}

/// Folded words that name a currency or a unit: a grouped number before one is an amount, not a phone.
const UNITS: &[&str] = &[
    "kc", "czk", "zl", "pln", "eur", "euro", "eura", "sk", "usd", "gbp", "korun", "koruny", "zlotych", "zloty", "ks",
    "kusu", "kusov", "szt", "min", "minut", "minuty", "sekund", "hodin", "godzin", "dni", "dnu", "days", "hours",
    "minutes", "km", "kg", "mb", "gb", "tb", "bodu", "bodov", "punktow", "points",
];

fn is_unit(folded: &str) -> bool {
    UNITS.contains(&folded)
}

/// True when a currency sign, `%` or a unit word follows `end`.
fn unit_after(text: &str, end: usize) -> bool {
    let rest = text[end..].trim_start_matches(is_space);
    if rest.starts_with(['€', '$', '£', '%']) || rest.starts_with(",-") {
        return true;
    }
    let word: String = rest.chars().take_while(|c| c.is_alphabetic()).take(12).collect();
    is_unit(&fold(&word))
}

/// True when a currency sign or code comes just before `start`.
fn unit_before(text: &str, start: usize) -> bool {
    let head = text[..start].trim_end_matches(is_space);
    if head.ends_with(['€', '$', '£']) {
        return true;
    }
    let word: String =
        head.chars().rev().take_while(|c| c.is_alphabetic()).take(5).collect::<Vec<_>>().into_iter().rev().collect();
    matches!(fold(&word).as_str(), "eur" | "czk" | "pln" | "usd" | "gbp" | "kc")
}

/// Folded word openings that say a phone number follows; `$` ends a whole word ("kom." is komórka, "komentář" is
/// not).
const PHONE_WORDS: &[&str] = &[
    "tel$", "telef", "phone", "mobil", "mob$", "sms", "whatsapp", "kom$", "komork", "volat", "volal", "volej", "volaj",
    "zavol", "zadzwo", "dzwon", "call",
];

/// Folded word openings that say a number follows, a phone number unless an order word is near: "moje číslo je",
/// but "číslo objednávky", "order number".
const NUMBER_WORDS: &[&str] = &["cisl", "numer", "number", "kontakt", "contact"];

/// Folded word openings that say the number is an order, a contract, a customer or a parcel: no phone.
const NOT_PHONE_WORDS: &[&str] = &[
    "objedn",
    "zamow",
    "order",
    "faktur",
    "invoice",
    "zasilk",
    "zasielk",
    "balik",
    "przesyl",
    "paczk",
    "track",
    "ticket",
    "tiket",
    "reklamac",
    "smlouv",
    "zmluv",
    "umow",
    "contract",
    "uct",
    "ucet",
    "konto$",
    "konta$",
    "account",
    "zakaznick",
    "klient",
    "customer",
    "id$",
    "ref",
    "variabil",
    "symbol",
    "vs$",
    "pin$",
    "puk$",
    "kod",
    "code",
    "bod",
    "kart",
    "card",
    "op$",
    "pas$",
    "passport",
    "dowod",
    "serial",
    "seriov",
];

/// True when one of the four words before `start` is a phone word with no order word between it and the number
/// ("tel. 603123456"), or a number word with no order word between or just before it ("moje číslo je 603123456";
/// not "číslo objednávky je 603123456", "order number is 314635309").
fn phone_word_before(text: &str, start: usize) -> bool {
    let window_start = floor_char_boundary(text, start.saturating_sub(48));
    let window = fold(&text[window_start..start]);
    let opens = |word: &str, list: &[&str]| {
        list.iter().any(|w| w.strip_suffix('$').map_or_else(|| word.starts_with(w), |whole| word == whole))
    };
    let mut number_word = false;
    for word in window.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).rev().take(5) {
        if number_word {
            // The word before "number": "order number".
            return !opens(word, NOT_PHONE_WORDS);
        }
        if opens(word, PHONE_WORDS) {
            return true;
        }
        if opens(word, NUMBER_WORDS) {
            number_word = true;
        } else if opens(word, NOT_PHONE_WORDS) {
            return false;
        }
    }
    number_word
}

// Checksums. Each is a few lines of arithmetic from the number's published definition; no crate is worth the
// dependency, and these stay exact about which variants they accept.

/// Lengths of the IBANs of the countries customers of these four markets mostly write; others may be 15–34.
const IBAN_LENGTHS: &[(&str, usize)] = &[
    ("AT", 20),
    ("BE", 16),
    ("BG", 22),
    ("CH", 21),
    ("CZ", 24),
    ("DE", 22),
    ("DK", 18),
    ("ES", 24),
    ("FI", 18),
    ("FR", 27),
    ("GB", 22),
    ("HU", 28),
    ("IE", 22),
    ("IT", 27),
    ("LT", 20),
    ("NL", 18),
    ("NO", 15),
    ("PL", 28),
    ("PT", 25),
    ("RO", 24),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("UA", 29),
];

/// The end of the valid IBAN that a candidate `start..end` opens with, if any: the candidate may run into the next
/// word ("… 5399 DEKUJI"), so the country's length is taken, or every length from the longest for others.
fn iban_end(text: &str, start: usize, end: usize) -> Option<usize> {
    let mut chars = Vec::with_capacity(34);
    let mut ends = Vec::with_capacity(34);
    for (i, c) in text[start..end].char_indices() {
        if c.is_ascii_alphanumeric() {
            chars.push(c as u8);
            ends.push(start + i + 1);
        }
    }
    let country = std::str::from_utf8(&chars[..2]).ok()?;
    let lengths: Vec<usize> = match IBAN_LENGTHS.iter().find(|(c, _)| *c == country) {
        Some(&(_, n)) => vec![n],
        None => (15..=chars.len().min(34)).rev().collect(),
    };
    lengths
        .into_iter()
        .filter(|&n| n <= chars.len())
        .find(|&n| iban_valid(&chars[..n]) && !alnum_after(text, ends[n - 1]))
        .map(|n| ends[n - 1])
}

/// ISO 13616: the country and check digits moved to the end, letters as 10–35, the number mod 97 is 1.
fn iban_valid(chars: &[u8]) -> bool {
    if chars.len() < 15 || !chars[2].is_ascii_digit() || !chars[3].is_ascii_digit() {
        return false;
    }
    let mut r: u32 = 0;
    for &c in chars[4..].iter().chain(&chars[..4]) {
        r = match c {
            b'0'..=b'9' => (r * 10 + u32::from(c - b'0')) % 97,
            b'A'..=b'Z' => (r * 100 + u32::from(c - b'A') + 10) % 97,
            _ => return false,
        };
    }
    r == 1
}

/// The end of the card number a candidate opens with: 13–19 digits starting 2–6 (Mastercard, Visa, Amex,
/// Discover...), grouped in fours (or Amex's 4-6-5 and Diners' 4-6-4) or not at all, Luhn-valid. A group after a
/// space may be an expiry date or another number, so shorter prefixes are tried too.
fn card_end(text: &str, start: usize, end: usize) -> Option<usize> {
    if !clean_edge(text[..start].chars().rev()) {
        return None;
    }
    let s = &text[start..end];
    let mut groups: Vec<(usize, usize)> = Vec::new(); // (length, byte end in text)
    let mut seps: Vec<char> = Vec::new();
    let mut run = 0;
    for (i, c) in s.char_indices() {
        if c.is_ascii_digit() {
            run += 1;
        } else {
            groups.push((run, start + i));
            seps.push(c);
            run = 0;
        }
    }
    groups.push((run, end));
    let lens: Vec<usize> = groups.iter().map(|g| g.0).collect();
    for k in (1..=groups.len()).rev() {
        let l = &lens[..k];
        let n: usize = l.iter().sum();
        let same_sep = seps[..k - 1].windows(2).all(|w| w[0] == w[1]);
        let shaped = k == 1
            || matches!(l, [4, 6, 5] | [4, 6, 4])
            || (k >= 4 && l[..k - 1].iter().all(|&g| g == 4) && (1..=4).contains(&l[k - 1]));
        let cut_ok = if k == groups.len() { standalone(text, start, end) } else { is_space(seps[k - 1]) };
        if (13..=19).contains(&n) && same_sep && shaped && cut_ok {
            let d = digits_of(&text[start..groups[k - 1].1]);
            if (2..=6).contains(&d[0]) && luhn_valid(&d) {
                return Some(groups[k - 1].1);
            }
        }
    }
    None
}

/// Luhn: every second digit from the right doubled (less 9 above 9), the sum divisible by 10.
fn luhn_valid(d: &[u8]) -> bool {
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| {
            let x = u32::from(x);
            if i % 2 == 1 { if x * 2 > 9 { x * 2 - 9 } else { x * 2 } } else { x }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => 29,
        2 => 28,
        _ => 0,
    }
}

fn valid_date(year: u32, month: u32, day: u32) -> bool {
    day >= 1 && day <= days_in_month(year, month)
}

fn num(d: &[u8]) -> u64 {
    d.iter().fold(0, |n, &x| n * 10 + u64::from(x))
}

/// Czech and Slovak birth number, YYMMDD/XXXX: the month is +50 for women and +20 (+70) in the extended series
/// issued since 2004. Ten digits (since 1954): divisible by 11, or, until 1985, the first nine leave 10 and the
/// last digit is 0. Nine digits (until 1953) have no checksum, so only the slashed form counts. No 10-digit number
/// has a year 40–53: the 1940s had nine digits and 2040 is to come.
fn birth_number_valid(d: &[u8], slash: bool) -> bool {
    if d.len() != 9 && d.len() != 10 {
        return false;
    }
    let yy = u32::from(d[0] * 10 + d[1]);
    let mm = u32::from(d[2] * 10 + d[3]);
    let dd = u32::from(d[4] * 10 + d[5]);
    let (month, extended) = match mm {
        1..=12 => (mm, false),
        21..=32 => (mm - 20, true),
        51..=62 => (mm - 50, false),
        71..=82 => (mm - 70, true),
        _ => return false,
    };
    let year = if d.len() == 9 {
        if !slash || yy >= 54 || extended {
            return false;
        }
        1900 + yy
    } else {
        if (40..54).contains(&yy) {
            return false;
        }
        let year = if yy >= 54 { 1900 + yy } else { 2000 + yy };
        let n = num(d);
        let checksum = n.is_multiple_of(11) || (year < 1986 && num(&d[..9]) % 11 == 10 && d[9] == 0);
        if !checksum || (extended && year < 2004) {
            return false;
        }
        year
    };
    valid_date(year, month, dd)
}

/// PESEL: YYMMDD with the century in the month (+80 1800s, +0 1900s, +20 2000s), weights 1-3-7-9 repeated, the
/// last digit making the sum a multiple of 10.
fn pesel_valid(d: &[u8]) -> bool {
    if d.len() != 11 {
        return false;
    }
    let yy = u32::from(d[0] * 10 + d[1]);
    let mm = u32::from(d[2] * 10 + d[3]);
    let dd = u32::from(d[4] * 10 + d[5]);
    let (century, month) = match mm {
        81..=92 => (1800, mm - 80),
        1..=12 => (1900, mm),
        21..=32 => (2000, mm - 20),
        _ => return false,
    };
    const W: [u32; 10] = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3];
    let sum: u32 = d[..10].iter().zip(W).map(|(&x, w)| u32::from(x) * w).sum();
    (10 - sum % 10) % 10 == u32::from(d[10]) && valid_date(century + yy, month, dd)
}

/// NIP: weights 6,5,7,2,3,4,5,6,7; the sum mod 11 is the last digit (never 10).
fn nip_valid(d: &[u8]) -> bool {
    const W: [u32; 9] = [6, 5, 7, 2, 3, 4, 5, 6, 7];
    d.len() == 10 && {
        let r = d[..9].iter().zip(W).map(|(&x, w)| u32::from(x) * w).sum::<u32>() % 11;
        r != 10 && r == u32::from(d[9])
    }
}

/// REGON: 9 digits, weights 8,9,2,3,4,5,6,7; 14 digits (a local unit: the company's 9 and 5 more), weights
/// 2,4,8,5,0,9,7,3,6,1,2,4,8. The sum mod 11 (10 read as 0) is the last digit.
fn regon_valid(d: &[u8]) -> bool {
    const W9: [u32; 8] = [8, 9, 2, 3, 4, 5, 6, 7];
    const W14: [u32; 13] = [2, 4, 8, 5, 0, 9, 7, 3, 6, 1, 2, 4, 8];
    let check = |d: &[u8], w: &[u32]| {
        let r = d.iter().zip(w).map(|(&x, &w)| u32::from(x) * w).sum::<u32>() % 11 % 10;
        r == u32::from(d[w.len()])
    };
    match d.len() {
        9 => check(d, &W9),
        14 => check(&d[..9], &W9) && check(d, &W14),
        _ => false,
    }
}

/// IČO: weights 8..2 on the first seven digits, sum mod 11 = r; the last digit is (11 − r) mod 10.
fn ico_valid(d: &[u8]) -> bool {
    d.len() == 8 && {
        let r = d[..7].iter().zip((2..=8).rev()).map(|(&x, w)| u32::from(x) * w).sum::<u32>() % 11;
        (11 - r) % 10 == u32::from(d[7])
    }
}

/// VAT numbers: `CZ` + IČO (8 digits) or birth number (9–10, written without the slash), `SK` + 10 digits
/// divisible by 11, `PL` + NIP.
fn dic_valid(s: &str) -> bool {
    let d = digits_of(s);
    match (&s[..2], d.len()) {
        ("CZ", 8) => ico_valid(&d),
        ("CZ", 9 | 10) => birth_number_valid(&d, true),
        ("SK", 10) => d[0] != 0 && num(&d).is_multiple_of(11),
        ("PL", 10) => nip_valid(&d),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text with everything masked.
    fn masked(text: &str) -> String {
        redact(text, RedactKinds::ALL).map_or_else(|| text.to_string(), |r| r.text)
    }

    /// The (kind, span) pairs found.
    fn found(text: &str) -> Vec<(PiiKind, &str)> {
        find(text, RedactKinds::ALL).into_iter().map(|s| (s.kind, &text[s.start..s.end])).collect()
    }

    /// Asserts that each text holds exactly one span, `span`, of `kind`.
    fn assert_one(kind: PiiKind, cases: &[(&str, &str)]) {
        for (text, span) in cases {
            assert_eq!(found(text), vec![(kind, *span)], "in {text:?}");
        }
    }

    /// Asserts that nothing is found in each text.
    fn assert_none(cases: &[&str]) {
        for text in cases {
            assert_eq!(found(text), vec![], "in {text:?}");
        }
    }

    #[test]
    fn emails() {
        assert_one(
            PiiKind::Email,
            &[
                ("Pište na jan.novak@example.cz, děkuji", "jan.novak@example.cz"),
                ("mail: anna_kowalska+faktury@poczta.example.pl.", "anna_kowalska+faktury@poczta.example.pl"),
                ("kontakt (petra.dvořáková@firma.example.sk) 😊", "petra.dvořáková@firma.example.sk"),
                ("Email me at J.Smith@mail.example.co.uk!", "J.Smith@mail.example.co.uk"),
            ],
        );
        assert_none(&["napište @podpora na twitteru", "a@b", "user@localhost", "cena 5 @ 10 Kč"]);
    }

    #[test]
    fn ibans_are_masked_only_with_a_valid_checksum() {
        assert_one(
            PiiKind::Iban,
            &[
                ("Vraťte to na CZ95 0100 0000 0012 3456 7899 prosím", "CZ95 0100 0000 0012 3456 7899"),
                ("účet CZ4655000000002000145399.", "CZ4655000000002000145399"),
                ("IBAN: SK24 1100 0000 0026 1234 5678, ďakujem", "SK24 1100 0000 0026 1234 5678"),
                ("na konto PL33 1090 1014 0000 1234 5678 9012 proszę", "PL33 1090 1014 0000 1234 5678 9012"),
                ("refund to GB33 NWBK 6016 1300 0012 34 please", "GB33 NWBK 6016 1300 0012 34"),
                ("Konto DE12 5001 0517 0648 4898 90 bitte", "DE12 5001 0517 0648 4898 90"),
                // The pattern runs into the next capitalised word; the country's length cuts it.
                ("CZ95 0100 0000 0012 3456 7899 DĚKUJI", "CZ95 0100 0000 0012 3456 7899"),
            ],
        );
        // One check digit off, a digit swapped, too short.
        assert_none(&[
            "účet CZ96 0100 0000 0012 3456 7899",
            "účet CZ95 0100 0000 0012 3456 7989",
            "IBAN SK24 1100 0000 0026 1234 5679",
            "PL34 1090 1014 0000 1234 5678 9012",
            "GB33 NWBK 6016 1300 0012 35",
            "DE12 5001 0517 0648 4898 91",
        ]);
    }

    #[test]
    fn cards_are_masked_only_when_luhn_valid() {
        assert_one(
            PiiKind::Card,
            &[
                ("karta 4000 1234 5678 9017 nefunguje", "4000 1234 5678 9017"),
                ("Mastercard 5555-4444-3333-2226.", "5555-4444-3333-2226"),
                ("card 4111222233334448 declined", "4111222233334448"),
                ("nowa seria 2221 0000 1111 2223 działa", "2221 0000 1111 2223"),
                ("Amex 3782 822463 10005 😡", "3782 822463 10005"),
                // An expiry after the number is not part of it.
                ("4000 1234 5678 9017 12/27", "4000 1234 5678 9017"),
            ],
        );
        assert_none(&[
            "karta 4000 1234 5678 9018 nefunguje",
            "card 4111222233334449 declined",
            "5555 4444 3333 2227",
            // Luhn-valid but grouped like no card, or opening with a digit no card network uses.
            "4000 12345 678 9017",
            "9000 1234 5678 9016",
        ]);
    }

    #[test]
    fn birth_numbers() {
        assert_one(
            PiiKind::BirthNumber,
            &[
                ("rodné číslo 850315/1239, prosím", "850315/1239"),
                ("RČ: 8503151239", "8503151239"),
                // A woman (month + 50), the extended series of 2005 (month + 20), a 9-digit number of 1945.
                ("rodné číslo manželky 905722/4154", "905722/4154"),
                ("syn má 052309/0315 😊", "052309/0315"),
                ("otec 450315/123 už nežije", "450315/123"),
                // The 1954–1985 rule: the first nine digits leave 10, the last is 0.
                ("číslo 850315/1250", "850315/1250"),
            ],
        );
        assert_none(&[
            // Checksum off by one.
            "rodné číslo 850315/1238",
            // Month 13, 30 February, the extended series before 2004, a 9-digit number after 1953.
            "rodné číslo 851315/1236",
            "rodné číslo 850230/1236",
            "rodné číslo 032309/0317",
            "rodné číslo 550315/123",
            // Nine digits without the slash.
            "RČ 450315123",
        ]);
    }

    #[test]
    fn pesel() {
        assert_one(
            PiiKind::Pesel,
            &[
                ("mój PESEL 90031512348, proszę o kontakt", "90031512348"),
                ("PESEL: 85072204567", "85072204567"),
                // Born in 2005 and 2002: the month + 20.
                ("córka 05241507891", "05241507891"),
                ("syn 02320812341.", "02320812341"),
            ],
        );
        assert_none(&["PESEL 90031512349", "PESEL 90131512345", "numer 12345678901"]);
    }

    #[test]
    fn nip_regon_ico() {
        assert_one(
            PiiKind::Nip,
            &[
                ("faktura na NIP 123-456-78-31", "123-456-78-31"),
                ("NIP: 5260250995", "5260250995"),
                ("firma 951-23-45-675 nie odpowiada", "951-23-45-675"),
            ],
        );
        assert_one(PiiKind::Regon, &[("REGON 123456785", "123456785"), ("REGON: 12345678512347.", "12345678512347")]);
        assert_one(
            PiiKind::Ico,
            &[("IČO: 25687425", "25687425"), ("naše IČ 12345679", "12345679"), ("ICO 456 78 901", "456 78 901")],
        );
        assert_none(&[
            "NIP 123-456-78-32",
            "NIP: 5260250996",
            "REGON 123456786",
            "IČO: 25687426",
            // Without its label, a valid IČO or REGON is just a number.
            "faktura 25687425",
            "zamówienie 123456785",
        ]);
    }

    #[test]
    fn vat_numbers() {
        assert_one(
            PiiKind::Dic,
            &[
                ("DIČ: CZ25687425", "CZ25687425"),
                ("DIČ CZ8503151239", "CZ8503151239"),
                ("IČ DPH SK2020123457", "SK2020123457"),
                ("NIP UE: PL5260250995", "PL5260250995"),
            ],
        );
        assert_none(&["DIČ CZ25687426", "SK2020123458", "PL5260250996"]);
    }

    #[test]
    fn phones() {
        assert_one(
            PiiKind::Phone,
            &[
                ("Zavolejte mi na +420 603 123 456, díky", "+420 603 123 456"),
                ("tel.: 00420 777 888 999", "00420 777 888 999"),
                ("Volejte 603 123 456.", "603 123 456"),
                ("číslo +420603123456", "+420603123456"),
                ("moje číslo je 721625731", "721625731"),
                ("mobil 0903 123 456 😊", "0903 123 456"),
                ("Zavolajte na +421 903 123 456", "+421 903 123 456"),
                ("Proszę dzwonić 501 234 567", "501 234 567"),
                ("tel. 501-234-567", "501-234-567"),
                ("biuro (22) 123 45 67", "(22) 123 45 67"),
                ("infolinia +48 22 123 45 67", "+48 22 123 45 67"),
                ("kom. +48 501 234 567", "+48 501 234 567"),
                ("call me on 020 7946 0958", "020 7946 0958"),
                ("my mobile 07700 900123", "07700 900123"),
                ("ring +44 20 7946 0958 today", "+44 20 7946 0958"),
                ("US office (555) 123-4567", "(555) 123-4567"),
                ("call 555-123-4567 now", "555-123-4567"),
                ("+1 415 555 0100 is their line", "+1 415 555 0100"),
                ("Berlin +49 30 1234567", "+49 30 1234567"),
            ],
        );
        assert_none(&[
            // Dates, times, prices, durations, quantities.
            "Dne 2026-10-01 v 10:30 jsem čekal 40 minut.",
            "Zaplatil jsem 1 299 Kč a pak 2 499,00 zł.",
            "Stálo to 123 456 789 Kč, šílené.",
            "dne 12.10.2026 ve 14.30",
            "We waited 45 minutes, paid £1,299.99 on 01/10/2026.",
            // Order numbers without a phone word, or with an order word: left as they are.
            "objednávka 603123456 nedorazila",
            "číslo objednávky je 603123456",
            "Zamówienie nr 501234567 nie dotarło",
            "order #100234567 still missing",
            "Moje ID je 1922696044.",
            // Version numbers and an IP address.
            "verze 3.2.1 a 10.0.19045.2006",
            "server 192.168.100.200",
            // A 12-digit number is no 9-digit phone.
            "603 123 456 789",
            // A 9-digit run without a phone word.
            "kód 603123456",
        ]);
    }

    #[test]
    fn addresses() {
        assert_one(
            PiiKind::Address,
            &[
                ("Bydlím v ulici Dlouhá 12, zásilka nedorazila.", "ulici Dlouhá 12"),
                ("Doručte to na adresu Dlouhá 12, 110 00 Praha 1 😡", "Dlouhá 12, 110 00 Praha 1"),
                ("adres: ul. Marszałkowska 10/12, 00-950 Warszawa", "ul. Marszałkowska 10/12, 00-950 Warszawa"),
                ("Nám. Míru 5 je moje adresa", "Nám. Míru 5"),
                ("pobočka na náměstí Republiky 1", "náměstí Republiky 1"),
                ("Bývam na Námestie SNP 14, 811 01 Bratislava.", "Námestie SNP 14, 811 01 Bratislava"),
                ("al. Jana Pawła II 43b, Kraków", "al. Jana Pawła II 43b"),
                ("Deliver to 12 Baker Street, London NW1 6XE, thanks", "12 Baker Street, London NW1 6XE"),
                ("office at 221B Baker St. since 2020", "221B Baker St."),
                ("postcode SW1A 1AA", "SW1A 1AA"),
            ],
        );
        assert_none(&[
            "Praha je krásná, 3 hodiny jsem čekal",
            "Dlouhá fronta, 12 lidí před námi",
            "PS5 2TB arrived broken",
            "I waited 40 Minutes",
            "Stálo to 100 00 Kč",
            "Objednávka 12345 nedorazila",
            "Na lince čekal jsem 40 minut a nikdo to nevyřešil.",
        ]);
    }

    #[test]
    fn masks_with_placeholders_and_counts() {
        let r = redact("Jan, jan@example.cz, +420 603 123 456, CZ95 0100 0000 0012 3456 7899 😊", RedactKinds::ALL)
            .unwrap();
        assert_eq!(r.text, "Jan, [EMAIL], [PHONE], [IBAN] 😊");
        assert_eq!((r.counts.get(PiiKind::Email), r.counts.get(PiiKind::Phone), r.counts.total()), (1, 1, 3));
        assert_eq!(r.counts.to_string(), "1 EMAIL, 1 PHONE, 1 IBAN");
        let only_email = RedactKinds::only(&[PiiKind::Email]);
        assert_eq!(redact("jan@example.cz, 603 123 456", only_email).unwrap().text, "[EMAIL], 603 123 456");
        assert!(redact("jan@example.cz", RedactKinds::ALL.without(PiiKind::Email)).is_none());
    }

    #[test]
    fn placeholders_are_recognised() {
        for k in PiiKind::ALL {
            assert_eq!(placeholder_len(&format!("{} dál", k.placeholder())), Some(k.placeholder().len()));
            assert_eq!(PiiKind::from_name(k.name()), Some(k));
        }
        assert_eq!(placeholder_len("[NAME]"), None);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 1024, ..Default::default() })]

        /// Text dense in what the patterns look at: digits, separators, `@`, capitals, street words, diacritics.
        #[test]
        fn spans_are_ordered_on_char_boundaries(
            s in "([0-9 \u{a0}\u{202f}/.,:()+@-]|[A-Z]{1,2}|ul\\. |IČO |NIP |REGON |CZ|SK|PL|Praha|Dlouhá|ž|😀|\u{301}){0,40}"
        ) {
            let spans = find(&s, RedactKinds::ALL);
            for w in spans.windows(2) {
                proptest::prop_assert!(w[0].end <= w[1].start);
            }
            for sp in &spans {
                proptest::prop_assert!(sp.start < sp.end && s.is_char_boundary(sp.start) && s.is_char_boundary(sp.end));
            }
            if let Some(r) = redact(&s, RedactKinds::ALL) {
                proptest::prop_assert_eq!(r.counts.total(), spans.len() as u64);
            }
        }
    }

    #[test]
    fn never_panics_on_odd_text() {
        for text in [
            "",
            "@",
            "ž@ž.žž",
            "+",
            "0000000000000000000000000",
            "IČO:",
            "NIP ",
            "nám. Ž 5",
            "ul.\u{a0}Ł 1/",
            "CZ\u{a0}12345678",
            "1\u{202f}2\u{a0}3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9",
            "IČO\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}12345678",
            "😀1😀2😀3😀4😀5😀6😀7😀8😀9😀",
        ] {
            let _ = masked(text);
        }
    }
}
