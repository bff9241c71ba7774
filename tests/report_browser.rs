//! The report as a reader sees it: the testdata run's report opened in headless Chromium, screenshotted, and the
//! screenshot checked to show a rendered page (not blank: many distinct colours, dark text on the page), with the
//! rendered DOM holding the report's section headings.
//!
//! Needs Chromium (`/usr/bin/chromium`, Debian's package `chromium`, or `$HLAS_CHROMIUM`). Without it the test says
//! so and passes, unless `HLAS_REQUIRE_BROWSER=1` (set by .ci/run, which installs it) makes its absence a failure.
//! The screenshot is kept at `target/report-screenshot.png`; `tools/report_screenshot.sh` refreshes
//! docs/report.png the same way.

use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> Option<PathBuf> {
    let candidates = [
        std::env::var("HLAS_CHROMIUM").ok(),
        Some("/usr/bin/chromium".into()),
        Some("/usr/bin/chromium-browser".into()),
    ];
    let found = candidates.into_iter().flatten().map(PathBuf::from).find(|p| p.exists());
    if found.is_none() {
        assert!(
            std::env::var("HLAS_REQUIRE_BROWSER").is_err(),
            "HLAS_REQUIRE_BROWSER is set but no Chromium was found (apt-get install chromium)"
        );
        eprintln!("skipped: no Chromium (apt-get install chromium, or set HLAS_CHROMIUM)");
    }
    found
}

/// Chromium's flags for a headless run on a closed network, as root, leaving no state behind.
fn headless(browser: &Path, profile: &Path) -> Command {
    let mut c = Command::new(browser);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

fn hlas(args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_hlas")).args(args).output().expect("hlas runs");
    assert!(out.status.success(), "hlas {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn the_report_renders_in_a_browser() {
    let Some(browser) = chromium() else {
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let arrow = dir.path().join("out.arrow");
    let html = dir.path().join("report.html");
    let mut args: Vec<String> = vec!["analyze".into()];
    for f in ["feedback.csv", "chats.csv", "reviews.jsonl", "transcripts.jsonl"] {
        args.push(root.join("testdata").join(f).display().to_string());
    }
    args.extend(["-o".into(), arrow.display().to_string(), "-q".into()]);
    hlas(&args.iter().map(String::as_str).collect::<Vec<_>>());
    hlas(&["report", arrow.to_str().unwrap(), "-o", html.to_str().unwrap()]);
    let url = format!("file://{}", html.display());

    let dom = headless(&browser, &dir.path().join("profile-dom")).args(["--dump-dom", &url]).output().unwrap();
    assert!(dom.status.success(), "chromium --dump-dom: {}", String::from_utf8_lossy(&dom.stderr));
    let dom = String::from_utf8_lossy(&dom.stdout);
    for heading in ["Overview", "Sentiment by language", "Themes", "Emotions", "Trend over time", "QA queue"] {
        assert!(dom.contains(&format!(">{heading}</h2>")), "rendered page lacks the heading {heading}");
    }

    let shot = root.join("target").join("report-screenshot.png");
    let _ = std::fs::remove_file(&shot);
    let out = headless(&browser, &dir.path().join("profile-shot"))
        .arg(format!("--screenshot={}", shot.display()))
        .args(["--window-size=1280,2000", &url])
        .output()
        .unwrap();
    assert!(out.status.success() && shot.exists(), "chromium --screenshot: {}", String::from_utf8_lossy(&out.stderr));

    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (1280, 2000));
    let channels = info.color_type.samples();
    let pixels = buf[..info.buffer_size()].chunks(channels);
    let mut colours = std::collections::HashSet::new();
    let mut dark = 0usize;
    for p in pixels {
        let (r, g, b) = (p[0], p[1], p[2]);
        colours.insert((r >> 3, g >> 3, b >> 3));
        if u16::from(r) + u16::from(g) + u16::from(b) < 200 {
            dark += 1;
        }
    }
    // A blank or unstyled page has a handful of colours; charts and highlighted text have many, and text is dark.
    assert!(colours.len() > 40, "the screenshot looks blank: {} colours", colours.len());
    assert!(dark > 5_000, "the screenshot shows little text: {dark} dark pixels");
}
