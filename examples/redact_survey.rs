//! What `--redact` would mask in a TSV file: one line per span (kind, span, text), for reading the masking's
//! precision on data of your own. The figures in ARCHITECTURE.md ("Personal data") come from it:
//!
//! ```sh
//! cargo run --release --example redact_survey -- ../shared/eval/sentiment.tsv 4   # the text is column 4 (from 0)
//! ```

use std::io::BufRead;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: redact_survey FILE.tsv [TEXT_COLUMN (default 4)]")?;
    let col: usize = args.next().map_or(Ok(4), |c| c.parse())?;
    let mut texts = 0;
    let mut spans = 0;
    for line in std::io::BufReader::new(std::fs::File::open(path)?).lines().skip(1) {
        let line = line?;
        let Some(text) = line.split('\t').nth(col) else { continue };
        texts += 1;
        for s in hlas::redact::find(text, hlas::redact::RedactKinds::ALL) {
            spans += 1;
            println!("{}\t{}\t{}", s.kind.name(), &text[s.start..s.end], text);
        }
    }
    eprintln!("{texts} texts, {spans} spans");
    Ok(())
}
