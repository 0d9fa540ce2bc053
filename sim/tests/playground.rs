//! The playground as a person uses it: `docs/playground.html` opened from the clone in
//! headless Chromium, a bundled scenario run through the page's own controls (its
//! `#scenario=` and `#source=` links run them at load), and the rendered DOM read back:
//! the verdicts and outage figures must be those the same scenario gives natively, the
//! picture must be drawn, and an invalid scenario's error must be shown at its line and
//! column, with the line marked in the editor's gutter and the character selected; and
//! after a failing call into the module the page must blame the simulator and run the
//! next time on a fresh instance. Without Chromium each test says SKIPPED (and fails
//! when CI asked for it with `LINKSIM_REQUIRE_CHROMIUM`).

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "support/chromium.rs"]
mod chromium;
use chromium::chromium_or_skip;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The page under test: the committed `docs/playground.html`, or `PLAYGROUND_PAGE`
/// (relative to the workspace; CI also tests the page it has just regenerated).
fn page() -> PathBuf {
    let path =
        std::env::var_os("PLAYGROUND_PAGE").map_or("docs/playground.html".into(), PathBuf::from);
    let path = workspace().join(path);
    path.canonicalize()
        .unwrap_or_else(|e| panic!("the page {}: {e}", path.display()))
}

/// A `file://` URL for `path`, every byte that is not unreserved percent-encoded.
fn file_url(path: &Path) -> String {
    let encoded: String = path
        .to_string_lossy()
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("file://{encoded}")
}

/// The page's DOM after it loaded with `fragment` and ran what it names.
fn dom_after(browser: &Path, fragment: &str) -> String {
    dom_of(browser, &page(), fragment)
}

/// The DOM of `page` after it loaded with `fragment` and ran what it names.
fn dom_of(browser: &Path, page: &Path, fragment: &str) -> String {
    // A profile of its own per call: two Chromiums on one profile hand over to each
    // other, and the second prints nothing.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let profile =
        std::env::temp_dir().join(format!("linksim-playground-{}-{call}", std::process::id()));
    let output = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=10000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("{}#{fragment}", file_url(page)))
        .output()
        .expect("chromium starts");
    let _ = std::fs::remove_dir_all(&profile);
    String::from_utf8(output.stdout).expect("the DOM is UTF-8")
}

/// The text content of the element with `id` (as serialised: entities undone).
fn element_text(dom: &str, id: &str) -> String {
    let start = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in the page"));
    let open_end = start + dom[start..].find('>').unwrap() + 1;
    let close = open_end + dom[open_end..].find("</").unwrap();
    dom[open_end..close]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// The attribute `name` of the element with `id`.
fn attribute(dom: &str, id: &str, name: &str) -> String {
    let start = dom.find(&format!("id=\"{id}\"")).unwrap();
    let tag_start = dom[..start].rfind('<').unwrap();
    let tag = &dom[tag_start..start + dom[start..].find('>').unwrap()];
    let at = tag
        .find(&format!("{name}=\""))
        .unwrap_or_else(|| panic!("#{id} has no {name}: {tag}"));
    let value = &tag[at + name.len() + 2..];
    value[..value.find('"').unwrap()].to_string()
}

#[test]
fn a_bundled_scenario_runs_in_the_page_as_it_runs_natively() {
    let Some(browser) = chromium_or_skip("the playground page test") else {
        return;
    };
    let name = "r10-standalone-failure-restarts-after-timeout";
    let text = std::fs::read_to_string(workspace().join(format!("scenarios/{name}.json"))).unwrap();
    let native = linksim_wasm::run_scenario(&text);
    let dom = dom_after(&browser, &format!("scenario={name}"));
    assert_eq!(
        attribute(&dom, "status", "data-state"),
        "done",
        "{}",
        element_text(&dom, "status")
    );
    assert_eq!(
        attribute(&dom, "verdict", "class"),
        native["verdict"].as_str().unwrap()
    );
    assert_eq!(native["verdict"], "pass");
    assert_eq!(
        element_text(&dom, "verdicts"),
        native["verdicts"].as_str().unwrap()
    );
    assert_eq!(
        element_text(&dom, "outages"),
        native["outages"].as_str().unwrap()
    );
    assert!(element_text(&dom, "verdicts").contains("ok   expect[0]"));
    let picture = &dom[dom.find("id=\"picture\"").unwrap()..dom.find("id=\"verdicts\"").unwrap()];
    assert!(picture.contains("<svg"), "no picture was drawn");
    assert!(
        picture.contains("CSTA_A (10)"),
        "the picture names no link: {picture}"
    );
}

/// `text` encoded as `encodeURIComponent` would (every byte but letters and digits).
fn uri_encoded(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Opens the page on `text`, which cannot run, and checks that the page shows the error
/// the native run gives, at `line` and `column`, with the line marked in the gutter.
fn shows_error_at(browser: &Path, text: &str, line: u64, column: u64) {
    let native = linksim_wasm::run_scenario(text);
    let error = &native["error"];
    assert_eq!(
        (&error["line"], &error["column"]),
        (&line.into(), &column.into()),
        "{native}"
    );
    let expected = format!(
        "line {line}, column {column}: {}",
        error["message"].as_str().unwrap()
    );
    let dom = dom_after(browser, &format!("source={}", uri_encoded(text)));
    assert_eq!(attribute(&dom, "status", "data-state"), "error");
    assert_eq!(attribute(&dom, "verdict", "class"), "error");
    assert_eq!(element_text(&dom, "error"), expected);
    assert!(
        dom.contains(&format!("<span class=\"bad\">{line}</span>")),
        "line {line} is not marked in the gutter: {}",
        element_text(&dom, "gutter")
    );
    let line_start: usize = text
        .split('\n')
        .take(line as usize - 1)
        .map(|l| l.len() + 1)
        .sum();
    let line_text = text.split('\n').nth(line as usize - 1).unwrap();
    let (before, at) = line_text
        .char_indices()
        .map(|(i, c)| (&line_text[..i], c))
        .nth(column as usize - 1)
        .unwrap();
    let start = text[..line_start].encode_utf16().count() + before.encode_utf16().count();
    let selection = format!("{start},{}", start + at.len_utf16());
    assert_eq!(attribute(&dom, "editor", "data-selection"), selection);
}

#[test]
fn an_invalid_scenario_shows_its_error_at_its_line_and_column() {
    let Some(browser) = chromium_or_skip("the playground error test") else {
        return;
    };
    // A missing field, located at the object that lacks it: the crash fault's "for".
    let missing = "{\n  \"format\": 1,\n  \"name\": \"broken\",\n  \"run_for\": \"5s\",\n  \"config\": { \"links\": [ { \"name\": \"A\", \"priority\": 1 } ] },\n  \"faults\": [ { \"fault\": \"crash\", \"at\": \"1s\", \"link\": \"NOPE\" } ]\n}\n";
    shows_error_at(&browser, missing, 6, 15);
    // A check of the scenario's meaning (located by the name in the text), after
    // characters of two, three and four bytes (the last two UTF-16 units) on the same
    // line: the column counts characters, the selection UTF-16 units.
    let line = "  \"description\": \"é→𝄞\", \"faults\": [ { \"fault\": \"crash\", \"at\": \"1s\", \"for\": \"1s\", \"link\": \"NOPE\" } ]";
    let unknown = missing.replace(missing.lines().nth(5).unwrap(), line);
    let column = line[..line.find("\"NOPE\"").unwrap()].chars().count() as u64 + 1;
    shows_error_at(&browser, &unknown, 6, column);
}

/// A trap in the module (made here by a test script that swaps the page's exports for a
/// copy whose `lp_run` throws, as a trapping module's call does) is reported as the simulator's
/// failure, not the scenario's, and the next run works on a fresh instance.
#[test]
fn after_a_trap_the_page_says_so_and_the_next_run_works() {
    let Some(browser) = chromium_or_skip("the playground trap test") else {
        return;
    };
    let harness = r#"<pre id="trap-log"></pre>
<script>
window.addEventListener("load", () => setTimeout(async () => {
  const log = (line) => { document.getElementById("trap-log").textContent += line + "\n"; };
  const real = wasm;
  wasm = { ...real, lp_run: () => { throw new Error("a test trap"); } };
  await run();
  log(`after the trap: ${$("status").dataset.state} | ${$("verdict").className} | ${$("error").textContent}`);
  await run();
  log(`after the next run: ${$("status").dataset.state} | ${$("verdict").className} | fresh ${wasm !== real}`);
}, 0));
</script>
</body>"#;
    let text = std::fs::read_to_string(page()).unwrap();
    assert_eq!(text.matches("</body>").count(), 1);
    let dir = std::env::temp_dir().join(format!("linksim-trap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let trapping = dir.join("playground.html");
    std::fs::write(&trapping, text.replace("</body>", harness)).unwrap();
    let dom = dom_of(&browser, &trapping, "");
    let _ = std::fs::remove_dir_all(&dir);
    let log = element_text(&dom, "trap-log");
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert!(
        lines[0].starts_with("after the trap: failed | failed | the simulator failed (Error: a test trap). This is a bug in linksim"),
        "{log}"
    );
    assert_eq!(
        lines[1], "after the next run: done | pass | fresh true",
        "{log}"
    );
}
