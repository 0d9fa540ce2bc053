//! The timeline picture: deterministic SVG (snapshot-tested), the markers a reader
//! needs, and an HTML page that a real browser renders to something that is not blank.

use std::path::{Path, PathBuf};
use std::process::Command;

use linksim::{picture, scenario, RunReport};

#[path = "support/chromium.rs"]
mod chromium;
use chromium::chromium_or_skip;

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
            "--window-size=1240,1100",
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
    let Some(browser) = chromium_or_skip("the screenshot check") else {
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
    // The outage bands (#b2182b at 28% over white) of ts1, ts2 and the service.
    let outage_pink = pixels
        .iter()
        .filter(|p| {
            (224..=242).contains(&p[0])
                && (178..=202).contains(&p[1])
                && (184..=208).contains(&p[2])
        })
        .count();
    eprintln!("{outage_pink} outage-band pixels");
    assert!(
        outage_pink > 10_000,
        "the outage bands are not visible ({outage_pink} pixels)"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_headless_browser_renders_a_sweep_page_with_its_heatmap() {
    let Some(browser) = chromium_or_skip("the sweep screenshot check") else {
        return;
    };
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios/ha-primary-failover.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let settings = vec![
        linksim::sweep::parse_set("restart_timeout=2s,5s,10s").unwrap(),
        linksim::sweep::parse_set("connect_tout=1s,2s").unwrap(),
    ];
    let plan = linksim::sweep::Plan::new(vec![(path, text)], settings.clone()).unwrap();
    let seeds = linksim::seeds::SeedSet::new(0..5, (1, 1));
    let options = linksim::sweep::SweepOptions {
        jobs: 1,
        ..Default::default()
    };
    let swept = linksim::sweep::run(&plan, &seeds, options, &|_| {}).unwrap();
    let report = linksim::sweep::output::Report {
        rows: plan.rows(),
        settings,
        seeds: "0..5".into(),
        shards: vec![(1, 1)],
        fingerprints: swept.fingerprints,
        worst_n: 0,
        results: swept.results,
    };
    let dir = std::env::temp_dir().join(format!("linksim-sweep-shot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let html = dir.join("sweep.html");
    std::fs::write(
        &html,
        linksim::sweep::page::html(&report, "linksim sweep (test)"),
    )
    .unwrap();
    let (rgb, _) = screenshot(&browser, &html, &dir);
    // The longest cells are near the heat scale's red end (214, 39, 40).
    let red = rgb
        .chunks(3)
        .filter(|p| p[0] > 200 && p[1] < 70 && p[2] < 70)
        .count();
    eprintln!("{red} hot-cell pixels");
    assert!(
        red > 5_000,
        "the heatmap's hottest cells are not visible ({red} pixels)"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// Every `<text>` at `y` in `svg`, as (x, content), for label-overlap checks.
fn texts_at(svg: &str, y: &str) -> Vec<(f64, String)> {
    svg.lines()
        .filter(|l| l.starts_with("<text x=\"") && l.contains(&format!(" y=\"{y}\"")))
        .filter_map(|l| {
            let x: f64 = l.split('"').nth(1)?.parse().ok()?;
            let content = l.split('>').nth(1)?.split('<').next()?.to_string();
            Some((x, content))
        })
        .collect()
}

#[test]
fn every_outage_has_a_band_labelled_with_its_length_and_a_tooltip() {
    let svg = picture::svg(&report("ha-primary-failover"));
    // ts1, ts2 and the pair's service were each out from 30.001 s to 40.320 s.
    assert_eq!(svg.matches(r#"<rect class="outage""#).count(), 3, "{svg}");
    assert_eq!(svg.matches(">10.319s out<title>").count(), 3);
    assert!(svg.contains("<title>service out from 30.001s to 40.320s (10.319s)"));
    assert!(svg.contains(">service (primary) out</text>"));
    // The outage is drawn linearly: wider than the whole first 30 s, which hold no outage.
    let band_x = |svg: &str| -> (f64, f64) {
        let line = svg
            .lines()
            .find(|l| l.starts_with(r#"<rect class="outage""#))
            .unwrap();
        let attr = |name: &str| -> f64 {
            line.split(&format!(" {name}=\""))
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        };
        (attr("x"), attr("width"))
    };
    let (x, width) = band_x(&svg);
    assert!(
        width > x,
        "a 10 s outage is drawn wider ({width}) than the 30 s before it ({x})"
    );
    let lone = picture::svg(&report("r10-standalone-failure-restarts-after-timeout"));
    assert!(
        !lone.contains("service (primary) out"),
        "a lone server has no separate service row"
    );
    assert!(lone.contains(r#"<rect class="outage""#));
}

#[test]
fn breaks_are_drawn_beneath_the_lanes_and_linear_time_has_none() {
    let svg = picture::svg(&report("ha-primary-failover"));
    let first_break = svg.find(r#"fill="url(#break)""#).expect("a break");
    let first_lane = svg.find(r##"fill="#f3f3f3""##).expect("a lane");
    assert!(
        first_break < first_lane,
        "a break is painted before (beneath) every lane"
    );
    assert!(svg.contains("≈ +29.881s"));
    let linear = picture::svg_with(
        &report("ha-primary-failover"),
        picture::Options { linear_time: true },
    );
    assert!(
        !linear.contains("fill=\"url(#break)\"") && !linear.contains("≈ +"),
        "no break"
    );
    assert!(linear.contains("time drawn linearly"));
}

#[test]
fn tick_labels_never_overlap() {
    for name in [
        "ha-primary-failover",
        "jitter-five-links",
        "r14-keepalive-loss-after-tolerance",
    ] {
        let svg = picture::svg(&report(name));
        let axis_y = svg
            .lines()
            .find(|l| l.starts_with("<line x1=") && l.contains(r##"stroke="#444"/>"##))
            .and_then(|l| {
                l.split("y1=\"")
                    .nth(1)?
                    .split('"')
                    .next()?
                    .parse::<f64>()
                    .ok()
            })
            .expect("the axis line");
        for row in [axis_y + 17.0, axis_y + 31.0] {
            let mut labels = texts_at(&svg, &format!("{row:.1}"));
            labels.sort_by(|a, b| a.0.total_cmp(&b.0));
            assert!(
                !labels.is_empty() || row > axis_y + 20.0,
                "{name}: no tick labels"
            );
            for pair in labels.windows(2) {
                let half = |t: &str| t.chars().count() as f64 * 6.8 / 2.0;
                let gap = (pair[1].0 - half(&pair[1].1)) - (pair[0].0 + half(&pair[0].1));
                assert!(
                    gap >= 0.0,
                    "{name}: {:?} and {:?} overlap",
                    pair[0],
                    pair[1]
                );
            }
        }
    }
}

#[test]
fn a_fault_on_one_server_is_drawn_on_that_server_only() {
    let text = r#"{"format":1,"name":"one-server-fault","seed":1,"run_for":"30s",
        "config":{"links":[{"name":"A","priority":10},{"name":"B","priority":5}]},
        "servers":[{"name":"ts1","role":"primary"},{"name":"ts2","role":"backup"}],
        "faults":[{"fault":"partition","at":"5s","link":"A","server":"ts2","for":"3s"}]}"#;
    let checked = scenario::parse(Path::new("t.json"), text).unwrap();
    let svg = picture::svg(&linksim::run(checked, false));
    let spans: Vec<&str> = svg
        .lines()
        .filter(|l| l.starts_with(r#"<rect class="fault-span""#))
        .collect();
    assert_eq!(spans.len(), 1, "{spans:?}");
    assert!(
        spans[0].contains("from 5.000s to 8.000s (3.000s)"),
        "{}",
        spans[0]
    );
    // ts2's block is the second: the span's y is below ts1's block.
    let y: f64 = spans[0]
        .split(" y=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let ts2_label_y: f64 = svg
        .lines()
        .find(|l| l.ends_with(">ts2</text>"))
        .and_then(|l| l.split(" y=\"").nth(1)?.split('"').next()?.parse().ok())
        .unwrap();
    assert!(
        y > ts2_label_y,
        "the span ({y}) is in ts2's block (from {ts2_label_y})"
    );
}

/// Where the page's parts land in headless Chromium in a frame `width` px wide and 900
/// high (a window narrower than 500 px cannot be asked for): the page with a measuring
/// script inside an `<iframe srcdoc>`, the DOM dumped, the figures read back from the
/// outer title.
fn layout(browser: &Path, report: &RunReport, width: u32, dir: &Path) -> serde_json::Value {
    let measure = r#"<script>
const box = id => document.getElementById(id).getBoundingClientRect();
const svg = document.querySelector('#picture svg').getBoundingClientRect();
parent.document.title = JSON.stringify({badge_bottom: box('outcome').bottom,
  outages_bottom: box('outages').bottom, picture_top: box('picture').top,
  timeline_top: box('timeline').top, svg_width: svg.width,
  page_width: document.documentElement.scrollWidth, viewport: window.innerWidth});
</script></body>"#;
    let page = picture::html(report).replace("</body>", measure);
    let attribute = page.replace('&', "&amp;").replace('"', "&quot;");
    let frame = format!(
        "<!DOCTYPE html><html><head><title>pending</title></head><body style=\"margin:0\"><iframe style=\"width:{width}px;height:900px;border:0\" srcdoc=\"{attribute}\"></iframe></body></html>"
    );
    let html = dir.join(format!("layout-{width}.html"));
    std::fs::write(&html, frame).unwrap();
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
        ])
        .args(["--no-first-run", "--disable-background-networking"])
        .args([
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .args(["--window-size=1500,1000", "--virtual-time-budget=2000"])
        .arg(format!(
            "--user-data-dir={}",
            dir.join(format!("profile-{width}")).display()
        ))
        .arg("--dump-dom")
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("chromium starts");
    let dom = String::from_utf8_lossy(&out.stdout);
    let title = dom
        .split("<title>")
        .nth(1)
        .and_then(|t| t.split("</title>").next())
        .unwrap_or_else(|| {
            panic!(
                "no title in the DOM: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    serde_json::from_str(&title.replace("&quot;", "\"")).unwrap_or_else(|e| panic!("{e}: {title}"))
}

/// The page leads with the answer: at 1400 x 900 the badge, the verdicts and the
/// outage figures are above the fold, before the picture and the timeline; at 420 px
/// the page does not overflow sideways and the picture keeps a readable width inside
/// its own scrolling frame (it was a fixed 1,200 px, cut off).
#[test]
fn the_page_leads_with_the_answer_and_its_picture_fits_a_narrow_screen() {
    let Some(browser) = chromium_or_skip("the page layout check") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("linksim-layout-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let report = report("ha-primary-failover");
    let wide = layout(&browser, &report, 1400, &dir);
    eprintln!("at 1400 px: {wide}");
    let at = |v: &serde_json::Value, key: &str| v[key].as_f64().unwrap();
    assert!(
        at(&wide, "outages_bottom") < 900.0,
        "the outage figures are above the fold"
    );
    assert!(at(&wide, "badge_bottom") < at(&wide, "outages_bottom"));
    assert!(at(&wide, "picture_top") > at(&wide, "outages_bottom"));
    assert!(at(&wide, "timeline_top") > at(&wide, "picture_top"));
    assert!(
        at(&wide, "svg_width") > 1_100.0,
        "the picture uses the page's width"
    );
    let narrow = layout(&browser, &report, 420, &dir);
    eprintln!("at 420 px: {narrow}");
    assert_eq!(at(&narrow, "viewport"), 420.0);
    assert!(
        at(&narrow, "page_width") <= 421.0,
        "no sideways overflow of the page"
    );
    assert!(
        at(&narrow, "svg_width") >= 760.0,
        "the picture is not shrunk past reading"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
