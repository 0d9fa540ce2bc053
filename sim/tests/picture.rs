//! The timeline picture: deterministic SVG (snapshot-tested), the markers a reader
//! needs, and an HTML page that a real browser renders to something that is not blank.

use std::path::{Path, PathBuf};
use std::process::Command;

use linksim::{picture, scenario, RunReport};

fn report(name: &str) -> RunReport {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../scenarios/{name}.json"));
    linksim::run(scenario::load(&file).unwrap(), false)
}

#[test]
fn the_svg_is_deterministic_and_matches_its_snapshot() {
    for name in [
        "ha-primary-failover",
        "r08-slow-highest-after-connect-tout-loses",
    ] {
        let svg = picture::svg(&report(name));
        assert_eq!(
            svg,
            picture::svg(&report(name)),
            "{name}: two renders differ"
        );
        insta::assert_snapshot!(format!("svg-{name}"), svg);
    }
}

#[test]
fn the_svg_shows_lanes_states_markers_axis_and_legend() {
    let svg = picture::svg(&report("ha-primary-failover"));
    assert!(
        svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\"")
            && svg.trim_end().ends_with("</svg>")
    );
    assert_eq!(
        svg.matches("<text").count(),
        svg.matches("</text>").count(),
        "every text element is closed"
    );
    // One lane label per link per server.
    assert_eq!(svg.matches(">CSTA_A (10)</text>").count(), 2);
    assert_eq!(svg.matches(">CSTA_C (5)</text>").count(), 2);
    // Every state the run went through has its colour, and the legend names them all.
    for state in [
        "connecting",
        "associating",
        "awaiting status",
        "operational",
        "active",
    ] {
        assert!(
            svg.contains(&format!(">{state}</text>")),
            "legend lacks {state}"
        );
    }
    assert!(
        svg.contains("CSTA_B: active from 0.119s"),
        "ts1's B is active from 0.119 s"
    );
    // Markers: 35115 on both servers twice, the crash, the disconnects, the role switch.
    assert_eq!(svg.matches("<title>log 35115 at").count(), 4);
    assert!(svg.contains("⚡ connector CSTA_B crashes for 20s"));
    assert_eq!(
        svg.matches("<title>EventLinkDisconnected at 30.001s")
            .count(),
        2
    );
    assert!(svg.contains("◆ primary") && svg.contains("◇ backup"));
    // The idle stretch before the crash is a labelled break, not 29.9 s of squeezed pixels.
    assert!(
        svg.contains("≈ +29.881s"),
        "the 0.119 s to 30 s stretch is a break"
    );
    assert!(
        svg.contains(">30s</text>") && svg.contains(">70s</text>"),
        "axis labels"
    );
}

#[test]
fn the_html_page_is_self_contained() {
    let html = picture::html(&report("ha-primary-failover"));
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(
        html.contains("<svg")
            && html.contains("log 35115: STANDARD CTI link CSTA_B with priority 10 is selected")
    );
    for remote in ["http://", "https://", "src=", "<link", "<script"] {
        let allowed = remote == "http://" && html.matches(remote).count() == 1; // the SVG namespace
        assert!(
            !html.contains(remote) || allowed,
            "the page must not load anything: {remote}"
        );
    }
}

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            let found = Command::new("which").arg(name).output().ok()?;
            found
                .status
                .success()
                .then(|| PathBuf::from(String::from_utf8_lossy(&found.stdout).trim()))
        })
}

/// Renders `html` headless and returns the screenshot's RGBA pixels and width.
fn screenshot(browser: &Path, html: &Path, dir: &Path) -> (Vec<u8>, u32) {
    let png_path = dir.join("shot.png");
    let status = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1240,420",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .arg(format!("--screenshot={}", png_path.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("chromium starts");
    assert!(
        png_path.exists(),
        "chromium wrote no screenshot: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(&png_path).unwrap(),
    ));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    pixels.truncate(info.buffer_size());
    let channels = info.color_type.samples();
    let rgb = pixels
        .chunks(channels)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    (rgb, info.width)
}

#[test]
fn a_headless_browser_renders_the_page_to_a_picture_that_is_not_blank() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("LINKSIM_REQUIRE_CHROMIUM").is_none(),
            "LINKSIM_REQUIRE_CHROMIUM is set but no chromium was found"
        );
        eprintln!("SKIPPED: no chromium on PATH (apt-get install chromium); the screenshot check did not run");
        return;
    };
    let dir = std::env::temp_dir().join(format!("linksim-shot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let html = dir.join("failover.html");
    std::fs::write(&html, picture::html(&report("ha-primary-failover"))).unwrap();
    let (rgb, width) = screenshot(&browser, &html, &dir);
    let pixels: Vec<[u8; 3]> = rgb.chunks(3).map(|p| [p[0], p[1], p[2]]).collect();
    let white = pixels.iter().filter(|p| **p == [255, 255, 255]).count();
    let share_drawn = 1.0 - white as f64 / pixels.len() as f64;
    // The active-link green (#1b7837) must be on screen: the lanes were drawn, not just text.
    let active_green = pixels
        .iter()
        .filter(|p| p[0] < 60 && p[1] > 100 && p[1] < 140 && p[2] < 80)
        .count();
    let colours: std::collections::BTreeSet<[u8; 3]> = pixels.iter().copied().collect();
    eprintln!(
        "screenshot {width}px wide: {:.1}% drawn, {} colours, {active_green} active-green pixels",
        share_drawn * 100.0,
        colours.len()
    );
    assert!(
        share_drawn > 0.05,
        "the page is nearly blank ({:.2}% drawn)",
        share_drawn * 100.0
    );
    assert!(colours.len() > 20, "only {} colours", colours.len());
    assert!(
        active_green > 500,
        "the active lanes are not visible ({active_green} pixels)"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
