//! HTML building where data can enter only escaped. [`Html`] is a string of finished markup; the [`html!`] macro
//! appends to it from a literal format string, and every argument must be [`Safe`]: a `&'static str` (markup
//! written in this code), a number, an [`Esc`] (data, escaped as it is written) or another [`Html`]. A data string
//! is never `'static`, so passing one unescaped does not compile, and a format string that names a variable
//! (`"{name}"`, which `format_args!` would capture without the wrapper) fails a compile-time check.
//!
//! Escaping is hand-written: five replacements, no crate worth a dependency.

use std::fmt::{self, Display, Write};

/// Writes `s` with the five characters that can open markup or close an attribute replaced by entities, so the
/// result is inert both as element text and inside a quoted attribute value.
pub(crate) fn escape_into(out: &mut impl Write, s: &str) -> fmt::Result {
    let mut rest = s;
    while let Some(at) = rest.find(['&', '<', '>', '"', '\'']) {
        out.write_str(&rest[..at])?;
        let entity = match rest.as_bytes()[at] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&#39;",
        };
        out.write_str(entity)?;
        rest = &rest[at + 1..];
    }
    out.write_str(rest)
}

/// `s` escaped for HTML text and attribute values.
#[cfg(test)]
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let _ = escape_into(&mut out, s);
    out
}

/// Data (text from the input, file names, the title) to be written escaped.
#[derive(Clone, Copy)]
pub(crate) struct Esc<'a>(pub &'a str);

impl Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        escape_into(f, self.0)
    }
}

/// A value that may be written into markup as it is: it cannot contain markup.
pub(crate) trait Safe: Display {}

/// Markup written in this code. Data strings are never `'static`, so they cannot take this way in.
impl Safe for &'static str {}
impl Safe for Esc<'_> {}
impl Safe for &Html {}
impl Safe for u8 {}
impl Safe for u32 {}
impl Safe for u64 {}
impl Safe for usize {}
impl Safe for i32 {}
impl Safe for i64 {}
impl Safe for f32 {}
impl Safe for f64 {}

/// The identity, with the bound the [`html!`] macro puts on each argument.
#[inline]
pub(crate) fn safe<T: Safe>(value: T) -> T {
    value
}

/// Whether a format string uses only positional arguments (`{}`, `{:.1}`, `{0}`): an inline name (`{text}`)
/// would be captured by `format_args!` without passing through [`safe`]. A `const fn`, so the [`html!`] macro checks
/// its literal at compile time.
pub(crate) const fn only_positional(fmt: &str) -> bool {
    let b = fmt.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'{' {
            if i + 1 < b.len() && b[i + 1] == b'{' {
                i += 2;
                continue;
            }
            if i + 1 < b.len() && !(b[i + 1] == b'}' || b[i + 1] == b':' || b[i + 1].is_ascii_digit()) {
                return false;
            }
        }
        i += 1;
    }
    true
}

/// Finished markup.
#[derive(Default, Clone, Debug)]
pub(crate) struct Html(String);

impl Html {
    /// Empty markup.
    pub(crate) fn new() -> Self {
        Html(String::new())
    }

    /// Appends formatted markup; called by [`html!`] only, which checks the format string and the arguments.
    pub(crate) fn push_fmt(&mut self, args: fmt::Arguments<'_>) {
        // Writing into a String cannot fail.
        let _ = self.0.write_fmt(args);
    }

    /// Appends data as escaped text.
    pub(crate) fn text(&mut self, s: &str) {
        let _ = escape_into(&mut self.0, s);
    }

    /// The markup.
    #[cfg(test)]
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    /// The markup, as a string.
    pub(crate) fn into_string(self) -> String {
        self.0
    }
}

impl Display for Html {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Appends markup to an [`Html`]: `html!(out, "<td class=\"{}\">{}</td>", "num", Esc(value))`. The format string
/// must be a literal using positional arguments only, and every argument must be [`Safe`].
macro_rules! html {
    ($out:expr, $fmt:literal $(, $arg:expr)* $(,)?) => {{
        const _: () = assert!(
            $crate::report::html::only_positional($fmt),
            "html!: use positional {{}} arguments, so each passes through safe()"
        );
        $out.push_fmt(format_args!($fmt $(, $crate::report::html::safe($arg))*))
    }};
}
pub(crate) use html;

/// A count with thousands separators: `1,234,567`.
#[derive(Clone, Copy)]
pub(crate) struct Count(pub u64);

impl Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.0.to_string();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                f.write_char(',')?;
            }
            f.write_char(c)?;
        }
        Ok(())
    }
}

impl Safe for Count {}

/// A count and its noun, singular or plural: `1 row`, `1,200 rows`.
#[derive(Clone, Copy)]
pub(crate) struct Counted(pub u64, pub &'static str, pub &'static str);

impl Counted {
    /// `n` rows.
    pub(crate) fn rows(n: u64) -> Self {
        Counted(n, "row", "rows")
    }
}

impl Display for Counted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", Count(self.0), if self.0 == 1 { self.1 } else { self.2 })
    }
}

impl Safe for Counted {}

/// A share as a percentage with one decimal: `12.5 %`; a share of nothing is `–`.
#[derive(Clone, Copy)]
pub(crate) struct Pct(pub u64, pub u64);

impl Display for Pct {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.1 == 0 {
            return f.write_str("–");
        }
        write!(f, "{:.1} %", 100.0 * self.0 as f64 / self.1 as f64)
    }
}

impl Safe for Pct {}

/// A score in −1..1 with its sign and two decimals (`+0.25`, `−0.40`, with a true minus sign); none is `–`.
#[derive(Clone, Copy)]
pub(crate) struct Score(pub Option<f64>);

impl Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            None => f.write_str("–"),
            Some(v) if v.is_nan() => f.write_str("–"),
            Some(v) => {
                let rounded = (v * 100.0).round() / 100.0;
                if rounded < 0.0 {
                    write!(f, "\u{2212}{:.2}", -rounded)
                } else if rounded > 0.0 {
                    write!(f, "+{rounded:.2}")
                } else {
                    f.write_str("0.00")
                }
            }
        }
    }
}

impl Safe for Score {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_neutralises_markup_and_attribute_breakouts() {
        assert_eq!(escape("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
        assert_eq!(escape(r#""><img src=x onerror='a'>"#), "&quot;&gt;&lt;img src=x onerror=&#39;a&#39;&gt;");
        assert_eq!(escape("Tom & Jerry &amp;"), "Tom &amp; Jerry &amp;amp;");
        assert_eq!(escape("čekal jsem 40 minut 👍"), "čekal jsem 40 minut 👍");
        assert_eq!(escape(""), "");
    }

    #[test]
    fn the_macro_escapes_data_and_keeps_markup() {
        let mut out = Html::new();
        let data = String::from("<b>\"x\"</b>");
        html!(out, "<td title=\"{}\">{}</td>", Esc(&data), Esc(&data));
        html!(out, "<i>{:.1}</i>{}", 0.26f64, Count(1_234_567));
        assert_eq!(
            out.as_str(),
            "<td title=\"&lt;b&gt;&quot;x&quot;&lt;/b&gt;\">&lt;b&gt;&quot;x&quot;&lt;/b&gt;</td><i>0.3</i>1,234,567"
        );
    }

    #[test]
    fn inline_names_in_a_format_string_are_refused() {
        assert!(only_positional("<td>{}</td>{:.2}{0}{{literal}}"));
        assert!(!only_positional("<td>{text}</td>"));
        assert!(!only_positional("{x:?}"));
        assert!(only_positional("{{name}}"));
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(Count(0).to_string(), "0");
        assert_eq!(Count(999).to_string(), "999");
        assert_eq!(Count(1000).to_string(), "1,000");
        assert_eq!(Counted::rows(1).to_string(), "1 row");
        assert_eq!(Counted::rows(1200).to_string(), "1,200 rows");
        assert_eq!(Pct(1, 3).to_string(), "33.3 %");
        assert_eq!(Pct(1, 0).to_string(), "–");
        assert_eq!(Score(Some(-0.404)).to_string(), "\u{2212}0.40");
        assert_eq!(Score(Some(0.251)).to_string(), "+0.25");
        assert_eq!(Score(Some(-0.001)).to_string(), "0.00");
        assert_eq!(Score(None).to_string(), "–");
    }
}
