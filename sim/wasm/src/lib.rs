//! The simulator in the browser. This crate owns the boundary between linksim's library
//! and a web page: [`run_scenario`] takes a scenario's text and returns, as JSON, what
//! `linksim run` would show (the verdicts, the outage figures, the timeline and its
//! picture) or the scenario's error with its line and column. Built for
//! `wasm32-unknown-unknown`, the module exports four plain functions over its own
//! memory ([`lp_input`], [`lp_run`], [`lp_output`], [`lp_starter`]); the page
//! (`docs/playground.html`, assembled by `scripts/playground.sh`) writes the editor's
//! text into the input buffer, calls `lp_run`, and reads the output buffer. No
//! allocation crosses the boundary and no `unsafe` block is needed: the exports only
//! hand out pointers into buffers this module keeps.

use std::cell::RefCell;
use std::path::Path;

use linksim::{picture, scenario, RunOptions};
use serde_json::{json, Value};

/// The most core steps a run in the browser may make: a tenth of the command line's
/// budget, so that a scenario written to run for years stops (as a partial run, never a
/// success) instead of freezing the tab.
pub const PLAYGROUND_STEP_BUDGET: u64 = linksim::DEFAULT_STEP_BUDGET / 10;

/// The most link-steps (core steps times links times servers) a run in the browser may
/// cost: a step costs about 6-15 ns per link natively (BENCHMARKS.md), so this is under
/// a second natively; 5,000 links stopped at their 10,000 steps took about 3 s in
/// headless Chromium, start-up included. A scenario with many links gets fewer steps
/// ([`step_budget`]).
pub const PLAYGROUND_LINK_STEP_BUDGET: u64 = 50_000_000;

/// The largest scenario text accepted (as `linksim` reads files: `MAX_SCENARIO_BYTES`).
pub const MAX_INPUT_BYTES: usize = scenario::MAX_SCENARIO_BYTES as usize;

/// The name the editor's text goes by in messages.
const FILE_NAME: &str = "playground.json";

/// `linksim run`'s hints that name its flags, and what the page says instead.
const CLI_BUDGET_HINT: &str = "(raise the budget with --max-steps)";
const PAGE_BUDGET_HINT: &str = "(the playground's budget; `linksim run --max-steps` runs longer)";
const CLI_TRACE_HINT: &str = "(--trace FILE has every step)";
const PAGE_TRACE_HINT: &str = "(`linksim run --trace FILE` has every step)";

/// Runs the scenario `text` and describes the outcome as JSON: on success `name`,
/// `seed` (as a string: JavaScript's numbers hold 53 bits), `verdict` (`linksim run
/// --json`'s word), `exit_code`, `steps` and `step_budget` ([`step_budget`]), `verdicts`
/// and `outages` (the text `linksim
/// run` prints, in two parts, its hints for the command line reworded for the page),
/// `timeline` (its lines) and `svg` (the picture); a scenario that cannot run gives
/// `error` with `message`, `line` and `column` (1-based, the column in characters;
/// `null` where unknown).
pub fn run_scenario(text: &str) -> Value {
    let access = scenario::Access {
        no_files: true,
        ..scenario::Access::default()
    };
    let checked = match scenario::parse_with(Path::new(FILE_NAME), text, access) {
        Ok(checked) => checked,
        Err(e) => {
            let (line, column) = e.location.unzip();
            return json!({"error": {"message": e.message, "line": line, "column": column}});
        }
    };
    let budget = step_budget(&checked);
    let options = RunOptions {
        step_budget: Some(budget),
        ..RunOptions::default()
    };
    let report = linksim::run_with(checked, options);
    // `linksim run` prints the outage block last among its verdicts; the page shows it
    // on its own.
    let outages = report.outage_text();
    let verdicts = report.verdict_text();
    let verdicts = verdicts.strip_suffix(&outages).unwrap_or(&verdicts);
    let verdicts = verdicts
        .replace(CLI_BUDGET_HINT, PAGE_BUDGET_HINT)
        .replace(CLI_TRACE_HINT, PAGE_TRACE_HINT);
    json!({
        "name": report.summary.name,
        "seed": report.summary.seed.to_string(),
        "verdict": report.verdict_word(),
        "exit_code": report.exit().code(),
        "steps": report.summary.steps,
        "step_budget": budget,
        "verdicts": verdicts,
        "outages": outages,
        "timeline": picture::page_timeline(&report),
        "svg": picture::svg(&report),
    })
}

/// The step budget of `checked` in the browser: [`PLAYGROUND_STEP_BUDGET`], or fewer
/// steps where its links and servers make each step dear ([`PLAYGROUND_LINK_STEP_BUDGET`]).
pub fn step_budget(checked: &scenario::Checked) -> u64 {
    let width = (checked.config.links.len() * checked.servers.len()).max(1) as u64;
    PLAYGROUND_STEP_BUDGET.min(PLAYGROUND_LINK_STEP_BUDGET / width)
}

/// The starter scenario the editor opens with (`linksim new playground`).
pub fn starter() -> String {
    linksim::starter::scenario("playground")
}

thread_local! {
    /// The text the page writes before [`lp_run`].
    static INPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// The last result, for the page to read.
    static OUTPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Makes the input buffer `len` bytes long (zeroed) and returns where it starts, for
/// the page to write the scenario's UTF-8 there; 0 (null) when `len` is above
/// [`MAX_INPUT_BYTES`]. The pointer stays valid until the next call.
#[allow(unsafe_code)] // an exported symbol (`no_mangle`); no unsafe operation
#[no_mangle]
pub extern "C" fn lp_input(len: usize) -> *mut u8 {
    if len > MAX_INPUT_BYTES {
        return std::ptr::null_mut();
    }
    INPUT.with_borrow_mut(|input| {
        input.clear();
        input.resize(len, 0);
        input.as_mut_ptr()
    })
}

/// Runs the input buffer's scenario ([`run_scenario`]; text that is not UTF-8 is an
/// error at no location) and returns the length of the JSON result, which
/// [`lp_output`] points at.
#[allow(unsafe_code)] // an exported symbol (`no_mangle`); no unsafe operation
#[no_mangle]
pub extern "C" fn lp_run() -> usize {
    // Taken out before the run: should the run trap, the buffer is not left borrowed.
    let input = INPUT.take();
    let result = match std::str::from_utf8(&input) {
        Ok(text) => run_scenario(text),
        Err(e) => {
            json!({"error": {"message": format!("the text is not UTF-8: {e}"), "line": null, "column": null}})
        }
    };
    put_output(result.to_string())
}

/// Where the last result starts (its length is what [`lp_run`] or [`lp_starter`]
/// returned). Valid until the next call of either.
#[allow(unsafe_code)] // an exported symbol (`no_mangle`); no unsafe operation
#[no_mangle]
pub extern "C" fn lp_output() -> *const u8 {
    OUTPUT.with_borrow(|output| output.as_ptr())
}

/// Puts the starter scenario ([`starter`]) in the output buffer and returns its length.
#[allow(unsafe_code)] // an exported symbol (`no_mangle`); no unsafe operation
#[no_mangle]
pub extern "C" fn lp_starter() -> usize {
    put_output(starter())
}

/// Replaces the output buffer's content with `text`; returns its length.
fn put_output(text: String) -> usize {
    OUTPUT.with_borrow_mut(|output| {
        *output = text.into_bytes();
        output.len()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `bytes` through the exports as the page does (the input written where
    /// `lp_input` points, here through the buffer itself), and returns the result.
    fn through_exports(bytes: &[u8]) -> Value {
        assert!(!lp_input(bytes.len()).is_null());
        INPUT.with_borrow_mut(|input| input.copy_from_slice(bytes));
        let len = lp_run();
        let text = OUTPUT.with_borrow(|output| {
            assert_eq!(output.len(), len);
            assert_eq!(output.as_ptr(), lp_output());
            String::from_utf8(output.clone()).unwrap()
        });
        serde_json::from_str(&text).unwrap()
    }

    #[test]
    fn the_starter_runs_and_passes_with_a_picture_and_outage_figures() {
        let result = through_exports(starter().as_bytes());
        assert_eq!(result["verdict"], "pass", "{result}");
        assert_eq!(result["name"], "playground");
        assert_eq!(result["exit_code"], 0);
        assert!(result["svg"].as_str().unwrap().starts_with("<svg"));
        let verdicts = result["verdicts"].as_str().unwrap();
        assert!(verdicts.contains("ok   expect[4]"), "{verdicts}");
        assert!(
            !verdicts.contains("service:"),
            "the outage block is apart: {verdicts}"
        );
        assert!(result["outages"].as_str().unwrap().contains("service:"));
    }

    #[test]
    fn a_scenario_that_cannot_run_gives_its_line_and_column() {
        let text = "{\n  \"format\": 1,\n  \"name\": \"x\",\n  \"run_for\": 5\n}\n";
        let result = run_scenario(text);
        let error = &result["error"];
        assert_eq!(error["line"], 4, "{result}");
        assert!(error["column"].as_u64().unwrap() >= 1);
        assert!(!error["message"].as_str().unwrap().is_empty());
    }

    #[test]
    fn bytes_that_are_not_utf8_are_an_error_at_no_location() {
        let result = through_exports(&[b'{', 0xff, b'}']);
        assert!(result["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not UTF-8"));
        assert!(result["error"]["line"].is_null());
    }

    #[test]
    fn an_input_above_the_limit_is_refused_with_a_null_pointer() {
        assert!(lp_input(MAX_INPUT_BYTES + 1).is_null());
        assert!(!lp_input(MAX_INPUT_BYTES).is_null());
        lp_input(0);
    }

    #[test]
    fn a_run_past_the_playground_budget_is_partial_not_a_pass() {
        let text = starter().replace("\"run_for\": \"40s\"", "\"run_for\": \"87600h\"");
        let text = text.replace("\"kpl_interval\": \"10s\"", "\"kpl_interval\": \"1s\"");
        let result = run_scenario(&text);
        assert_eq!(result["verdict"], "partial", "{}", result["verdicts"]);
        // Stopped by the playground's budget, not the command line's ten times larger.
        assert!(result["steps"].as_u64().unwrap() <= PLAYGROUND_STEP_BUDGET);
        let verdicts = result["verdicts"].as_str().unwrap();
        assert!(verdicts.contains(PAGE_BUDGET_HINT), "{verdicts}");
        assert!(!verdicts.contains(CLI_BUDGET_HINT));
    }

    #[test]
    fn many_links_get_fewer_steps_so_that_a_run_stays_short() {
        let parse = |text: &str| scenario::parse(Path::new("x.json"), text).unwrap();
        assert_eq!(step_budget(&parse(&starter())), PLAYGROUND_STEP_BUDGET);
        let links: Vec<String> = (0..5_000)
            .map(|i| format!("{{ \"name\": \"L{i}\", \"priority\": {} }}", i % 7))
            .collect();
        let text = format!(
            "{{ \"format\": 1, \"name\": \"wide\", \"run_for\": \"1ms\", \"config\": {{ \"links\": [{}] }} }}",
            links.join(",")
        );
        assert_eq!(
            step_budget(&parse(&text)),
            PLAYGROUND_LINK_STEP_BUDGET / 5_000
        );
        assert_eq!(
            run_scenario(&text)["step_budget"],
            PLAYGROUND_LINK_STEP_BUDGET / 5_000
        );
    }

    #[test]
    fn an_options_file_is_refused_at_its_field_as_the_page_reads_no_files() {
        let text = "{\n  \"format\": 1, \"name\": \"x\", \"run_for\": \"1s\",\n  \"config\": { \"options\": \"tserver.ini\" }\n}";
        let error = &run_scenario(text)["error"];
        assert_eq!(
            (&error["line"], &error["column"]),
            (&3.into(), &26.into()),
            "{error}"
        );
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .contains("reads no files"),
            "{error}"
        );
    }

    #[test]
    fn the_seed_is_a_string_as_javascript_cannot_hold_every_u64() {
        let text = starter().replace("\"seed\": 1,", "\"seed\": 18446744073709551615,");
        assert_eq!(run_scenario(&text)["seed"], "18446744073709551615");
    }

    #[test]
    fn the_starter_export_gives_the_starter() {
        let len = lp_starter();
        let text = OUTPUT.with_borrow(|output| String::from_utf8(output.clone()).unwrap());
        assert_eq!(text.len(), len);
        assert_eq!(text, starter());
    }
}
