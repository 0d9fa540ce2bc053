//! The `linksim` binary as a user meets it: exit codes, messages for broken files,
//! the schema, traces.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn linksim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_linksim"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("linksim runs")
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Each broken file, the words its error must contain, and its line:column, if any
/// (the column in characters: serde_json points at a token's last character or just
/// past it, the simulator's own checks at the start of the key or value).
const BROKEN: &[(&str, &str, Option<&str>)] = &[
    ("malformed-json", "EOF while parsing an object", Some("6:1")),
    ("empty-file", "the file is empty", None),
    // The front-door issue: a missing field has its path and the object's position (it
    // was the closing brace's, without a path); a string left open is said as such (it
    // was "control character found"); a spaced unit suggests the right spelling.
    (
        "missing-field-in-fault",
        "faults[0]: missing field `for`",
        Some("7:5"),
    ),
    (
        "unterminated-string",
        "name: a string is not closed (a missing `\"` before the line ends)",
        Some("3:11"),
    ),
    (
        "duration-with-a-spaced-unit",
        "run_for: duration \"5 sec\" has an unknown unit \" sec\"; use ns, us, ms, s, m or h (did you mean \"5s\"?)",
        Some("4:20"),
    ),
    (
        "unknown-field",
        "unknown field `conect_tout`, expected one of `connect_tout`",
        Some("6:17"),
    ),
    (
        "link-not-configured",
        "faults[0]: no link named \"CSTA_X\" in config.links (configured: CSTA_A)",
        Some("7:45"),
    ),
    (
        "bare-number-duration",
        "duration 60 has no unit; write it as a string with one, e.g. \"60s\"",
        Some("4:15"),
    ),
    ("negative-duration", "\"-5s\" is negative", Some("4:18")),
    (
        "expectation-unknown-server",
        "expect[0]: no server named \"ts9\" (servers: ts1, ts2)",
        Some("8:40"),
    ),
    ("format-version", "format 2 is not supported", Some("2:3")),
    ("three-servers", "3 servers given", Some("6:3")),
    (
        "duplicate-link",
        "links 1 and 2 are both named \"CSTA_A\"",
        Some("5:36"),
    ),
    (
        "connect-tout-out-of-range",
        "connect-tout is 0ns; it must be between 1 s and 1000 s",
        Some("5:15"),
    ),
    (
        "pair-expectation-without-server",
        "say which server with \"server\"",
        Some("7:3"),
    ),
    (
        "unknown-status",
        "a SystemStatus name such as \"normal\"",
        Some("6:48"),
    ),
    ("unknown-fault-kind", "unknown variant `meteor`", Some("6:33")),
    (
        "expectation-after-run",
        "looks at 20s, after run_for (10s)",
        Some("6:46"),
    ),
    (
        "switchover-without-pair",
        "a switchover needs an HA pair",
        Some("6:26"),
    ),
    (
        "duplicate-connector",
        "connector \"CSTA_A\" is given twice",
        Some("8:12"),
    ),
    (
        "run-for-too-long",
        "is too long: the clock must still hold a timer after it",
        Some("1:40"),
    ),
    (
        "options-and-links",
        "\"options\" supplies links; remove it here",
        Some("5:68"),
    ),
    (
        "options-file-broken",
        "broken-options.ini: line 2: link-1-name names section [CSTA_X], which the file does not have",
        Some("5:26"),
    ),
    (
        "options-outside",
        "is outside the scenario's folder; name a file beside the scenario or under it",
        Some("5:26"),
    ),
    (
        "options-absolute",
        "\"/etc/passwd\" is outside the scenario's folder",
        Some("5:26"),
    ),
    (
        "options-directory",
        "not a regular file (a device, FIFO or directory is never read)",
        Some("5:26"),
    ),
    (
        "top-level-array",
        "a scenario is a JSON object ({ ... }); the file holds an array",
        Some("2:1"),
    ),
    (
        "link-name-escape",
        "link 1 is named \"CSTA_A\\u{1b}[2J\", which holds a control character",
        Some("5:36"),
    ),
    (
        "link-name-newline",
        "link 1 is named \"CSTA_A\\n 9.000s",
        Some("5:36"),
    ),
    (
        "server-name-control",
        "servers[0]: the name \"ts1\\u{7}\" holds a control character",
        Some("6:26"),
    ),
    (
        "duplicate-name-with-quote",
        "links 1 and 2 are both named \"CSTA \\\"A\\\"\"",
        Some("5:36"),
    ),
    (
        "options-not-an-options-file",
        "not-options.ini: not a T-Server options export",
        Some("5:26"),
    ),
    (
        "loss-rate-three-values",
        "kpl_loss_rate \"1, 2, 3\": more than two comma-separated values",
        Some("11:5"),
    ),
    (
        "status-policy-unknown-value",
        "status_policy: \"down\" is not a SystemStatus value",
        Some("11:5"),
    ),
    (
        "status-policy-normal-failure",
        "makes SystemStatus normal a failure",
        Some("11:5"),
    ),
    (
        "log-kind-unknown",
        "expect[0]: \"link_selcted\" is not a log record kind",
        Some("15:15"),
    ),
    (
        "set-role-in-a-pair",
        "faults[0]: set_role is for a lone server",
        Some("24:16"),
    ),
    (
        "options-fault-empty",
        "faults[0]: an options fault changes nothing",
        Some("14:16"),
    ),
    (
        "options-fault-out-of-range",
        "faults[0]: kpl-tolerance is 11; it must be between 0 and 10",
        Some("14:16"),
    ),
];

#[test]
fn every_broken_file_is_refused_with_exit_3_and_a_located_message() {
    let dir = Path::new("sim/tests/broken");
    let on_disk = std::fs::read_dir(root().join(dir))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "json")
        })
        .count();
    assert_eq!(
        on_disk,
        BROKEN.len(),
        "every file in the corpus has a case here"
    );
    for (name, words, located) in BROKEN {
        let file = dir.join(format!("{name}.json"));
        let file = file.to_str().unwrap();
        for command in ["check", "run"] {
            let out = linksim(&[command, file]);
            let stderr = text(&out.stderr);
            assert_eq!(out.status.code(), Some(3), "{command} {name}: {stderr}");
            assert!(
                stderr.contains(words),
                "{command} {name}: {stderr:?} lacks {words:?}"
            );
            let after_path = stderr
                .strip_prefix(&format!("error: {file}:"))
                .expect("the error names the file");
            // The exact line and column (the column in characters), or none.
            let location = after_path
                .split_once(": ")
                .map(|(at, _)| at)
                .filter(|at| at.starts_with(|c: char| c.is_ascii_digit()));
            assert_eq!(
                location, *located,
                "{command} {name}: line:column in {stderr:?}"
            );
            assert!(!stderr.contains("panicked"), "{name}");
        }
    }
}

#[test]
fn a_bad_file_among_good_ones_does_not_make_the_run_a_success() {
    let out = linksim(&[
        "run",
        "--quiet",
        "scenarios/r03-refused-link-leaves-the-queue.json",
        "sim/tests/broken/empty-file.json",
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stdout).contains("linksim: 1 passed, 0 failed, 1 could not run (no verdict)"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn a_failed_expectation_exits_1_and_says_what_was_seen() {
    let out = linksim(&["run", "sim/tests/fixtures/wrong-expectation.json"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FAIL expect[0] ts: active link at 1s is CSTA_B"),
        "{stdout}"
    );
    assert!(
        stdout.contains("seen: active link at 1s was CSTA_A"),
        "{stdout}"
    );
    assert!(stdout.contains("ok   expect[1]"), "{stdout}");
}

#[test]
fn run_prints_an_aligned_timeline_with_virtual_time_first() {
    let out = linksim(&["run", "scenarios/r06-tie-first-normal-wins.json"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let line = stdout
        .lines()
        .find(|l| l.contains("log 35115"))
        .expect("a 35115 line");
    assert!(
        line.starts_with("0.119s  "),
        "virtual time comes first: {line}"
    );
    assert!(
        line.contains(
            "ts  CSTA_B  log 35115: STANDARD CTI link CSTA_B with priority 5 is selected"
        ),
        "{line}"
    );
    assert!(stdout.contains("linksim: 1 passed, 0 failed"));
}

#[test]
fn a_directory_runs_every_scenario_and_determinism_can_be_checked() {
    let out = linksim(&["run", "--quiet", "--check-determinism", "scenarios"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let scenarios = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "json")
        })
        .count();
    assert_eq!(stdout.matches("ok   determinism").count(), scenarios);
    assert!(stdout.contains(&format!("linksim: {scenarios} passed, 0 failed")));
}

#[test]
fn trace_writes_json_lines_with_every_input_and_action() {
    let dir = std::env::temp_dir().join(format!("linksim-trace-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let trace = dir.join("trace.jsonl");
    let out = linksim(&[
        "run",
        "--quiet",
        "scenarios/r03-refused-link-leaves-the-queue.json",
        "--trace",
        trace.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&trace)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert!(lines
        .iter()
        .all(|l| l["scenario"] == "r03-refused-link-leaves-the-queue" && l["at_ns"].is_u64()));
    assert!(lines.iter().any(|l| l["kind"] == "input"
        && l["event"]["tcp_refused"].is_object()
        && l["outcome"] == "applied"));
    assert!(lines
        .iter()
        .any(|l| l["kind"] == "action" && l["action"]["log"]["link_selected"]["priority"] == 5));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn schema_describes_the_format_and_every_bundled_scenario_uses_only_its_fields() {
    let out = linksim(&["schema"]);
    assert_eq!(out.status.code(), Some(0));
    let schema: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("the schema is JSON");
    let properties = schema["properties"]
        .as_object()
        .expect("top-level properties");
    for field in [
        "format",
        "name",
        "seed",
        "run_for",
        "config",
        "servers",
        "connectors",
        "faults",
        "expect",
    ] {
        assert!(properties.contains_key(field), "schema lacks {field}");
    }
    assert_eq!(
        schema["additionalProperties"], false,
        "unknown fields are refused"
    );
    let text = text(&out.stdout);
    for word in [
        "\"partition\"",
        "\"switchover\"",
        "\"active_during\"",
        "\"overloadImminent\"",
        "(ns|us|ms|s|m|h)",
    ] {
        assert!(text.contains(word), "schema lacks {word}");
    }
}

#[test]
fn check_accepts_the_bundled_scenarios() {
    let out = linksim(&["check", "scenarios"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).lines().all(|l| l.starts_with("ok ")));
}

#[test]
fn new_writes_a_commented_starter_that_runs_as_is_and_is_never_overwritten() {
    let dir = std::env::temp_dir().join(format!("linksim-new-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bin = env!("CARGO_BIN_EXE_linksim");
    let made = Command::new(bin)
        .args(["new", "my-failover"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(made.status.code(), Some(0), "{}", text(&made.stderr));
    let file = dir.join("my-failover.json");
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(written.contains("// ") && written.contains("\"name\": \"my-failover\""));
    let run = Command::new(bin)
        .args(["run", "my-failover.json"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stdout));
    assert!(text(&run.stdout).contains("linksim: 1 passed, 0 failed"));
    let again = Command::new(bin)
        .args(["new", "my-failover"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(3));
    assert!(text(&again.stderr).contains("exists"));
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        written,
        "the file is untouched"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn verbose_shows_every_input_and_action_and_quiet_only_verdicts() {
    let file = "scenarios/r03-refused-link-leaves-the-queue.json";
    let verbose = text(&linksim(&["run", "--verbose", file]).stdout);
    assert!(verbose.contains("<- TCP refused [conn 1]"), "{verbose}");
    assert!(verbose.contains("-> open TCP [conn 1]"), "{verbose}");
    let quiet = text(&linksim(&["run", "--quiet", file]).stdout);
    assert!(
        !quiet.contains("CSTA_B  log 35115:") && quiet.contains("ok   expect[0]"),
        "{quiet}"
    );
    let normal = text(&linksim(&["run", file]).stdout);
    assert!(normal.contains("CSTA_B  log 35115:"), "{normal}");
    assert!(!normal.contains("<- "), "{normal}");
}

#[test]
fn output_is_never_coloured_off_a_terminal() {
    // The tests' stdout is a pipe: no escape sequences, whatever NO_COLOR says.
    let out = linksim(&["run", "scenarios/ha-primary-failover.json"]);
    assert!(!text(&out.stdout).contains('\u{1b}'));
    use std::ffi::OsStr;
    assert!(linksim::use_color(true, None));
    assert!(
        !linksim::use_color(true, Some(OsStr::new("1"))),
        "NO_COLOR set: never colour"
    );
    assert!(
        linksim::use_color(true, Some(OsStr::new(""))),
        "an empty NO_COLOR does not count"
    );
    assert!(
        !linksim::use_color(false, None),
        "not a terminal: no colour"
    );
}

#[test]
fn pictures_are_written_for_one_scenario_and_refused_for_several() {
    let dir = std::env::temp_dir().join(format!("linksim-pic-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let svg = dir.join("f.svg");
    let html = dir.join("f.html");
    let out = linksim(&[
        "run",
        "--quiet",
        "scenarios/ha-pair-start.json",
        "--svg",
        svg.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(std::fs::read_to_string(&svg).unwrap().starts_with("<svg"));
    assert!(std::fs::read_to_string(&html).unwrap().contains("<svg"));
    let several = linksim(&["run", "scenarios", "--svg", svg.to_str().unwrap()]);
    assert_eq!(several.status.code(), Some(3));
    assert!(text(&several.stderr).contains("--svg and --html draw one scenario"));
    std::fs::remove_dir_all(dir).unwrap();
}

/// D3 of the reliability issue: a run far longer than its step budget stops with a
/// clear error and exit 3, never a partial success; `check` warns before it is run.
#[test]
fn a_run_past_its_step_budget_is_an_error_and_check_warns_about_it() {
    let file = "sim/tests/fixtures/limits/a-million-hours.json";
    let out = linksim(&["run", file, "--quiet", "--max-steps", "20000"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    // The message is wrapped at 100 columns: compare its words.
    let words = stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("after its step budget of 20000 core steps: a partial run, no verdict"),
        "{stdout}"
    );
    assert!(
        stdout.contains("FAIL a-million-hours (20000 steps)"),
        "{stdout}"
    );
    let out = linksim(&["check", file]);
    assert_eq!(out.status.code(), Some(0));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("warning:") && stderr.contains("past the step budget of 5000000"),
        "{stderr}"
    );
    let out = linksim(&["check", "scenarios"]);
    assert!(
        !text(&out.stderr).contains("warning"),
        "no bundled scenario is long: {}",
        text(&out.stderr)
    );
}

/// D4 of the reliability issue: an options file is never echoed unless it is one, and
/// a FIFO (as options file or as a scenario in a directory) is refused at once rather
/// than read for ever.
#[cfg(unix)]
#[test]
fn fifos_are_refused_and_a_file_that_is_not_options_is_not_echoed() {
    let not_options = linksim(&["check", "sim/tests/broken/options-not-an-options-file.json"]);
    let stderr = text(&not_options.stderr);
    assert!(
        !stderr.contains("root:x") && !stderr.contains("secret"),
        "{stderr}"
    );
    let dir = std::env::temp_dir().join(format!("linksim-fifo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = |name: &str| {
        let status = Command::new("mkfifo").arg(dir.join(name)).status();
        assert!(status.is_ok_and(|s| s.success()), "mkfifo works");
    };
    fifo("links.ini");
    fifo("waiting.json");
    std::fs::write(
        dir.join("uses-fifo.json"),
        r#"{"format":1,"name":"f","run_for":"1s","config":{"options":"links.ini"}}"#,
    )
    .unwrap();
    let out = linksim(&["check", dir.to_str().unwrap()]);
    let stderr = text(&out.stderr);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("waiting.json: not a regular file"),
        "{stderr}"
    );
    assert!(stderr.contains("links.ini: not a regular file"), "{stderr}");
}

/// D10 of the reliability issue: a reader that closes the pipe early ends the run
/// without a panic, with the shell's SIGPIPE code.
#[test]
fn a_closed_pipe_ends_the_output_without_a_panic() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let trace = std::env::temp_dir().join(format!("linksim-pipe-{}.jsonl", std::process::id()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_linksim"))
        // Megabytes of timeline: far more than a pipe holds.
        .args([
            "run",
            "sim/tests/fixtures/limits/a-million-hours.json",
            "--max-steps",
            "100000",
            "--trace",
            trace.to_str().unwrap(),
        ])
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("linksim starts");
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("== "), "{first}");
    // The reader is dropped here: the rest of the output meets a closed pipe.
    let out = child.wait_with_output().unwrap();
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(141), "{stderr}");
    // The run went on without its reader: the trace file is whole.
    let lines = std::fs::read_to_string(&trace).unwrap();
    std::fs::remove_file(&trace).unwrap();
    let inputs = lines
        .lines()
        .filter(|l| l.contains(r#""kind":"input""#))
        .count();
    assert_eq!(inputs, 100_000);
    // A closed standard error loses the messages, and panics nothing.
    let mut child = Command::new(env!("CARGO_BIN_EXE_linksim"))
        .args(["check", "sim/tests/broken"])
        .current_dir(root())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("linksim starts");
    drop(child.stderr.take());
    assert_eq!(child.wait().unwrap().code(), Some(3));
}

/// D10: no seed range or shard makes `explore` collect or scan the whole range.
#[test]
fn explore_refuses_a_range_too_large_and_shards_a_huge_one_without_scanning_it() {
    let out = linksim(&["explore", "--seeds", "0..18446744073709551615"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains("at most 10000000000 (split the range with --shard"),
        "{}",
        text(&out.stderr)
    );
    let out = linksim(&[
        "explore",
        "--seeds",
        "0..18446744073709551615",
        "--shard",
        "7/100000000000000000",
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("explore: 185 passed, 0 failed"), "{stdout}");
}

/// A world past its step budget has no verdict under every command alike: `explore`
/// exits 3, as `run` does for the same budget, and the replay command it prints
/// carries the budget, so replaying it exits the same way.
#[test]
fn a_world_past_its_step_budget_exits_3_under_explore_and_its_replay() {
    let dir = std::env::temp_dir().join(format!("linksim-budget-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out_dir = dir.to_str().unwrap();
    let out = linksim(&[
        "explore",
        "--seeds",
        "0..2",
        "--max-steps",
        "5",
        "--out",
        out_dir,
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert!(stdout.contains("VIOLATION seed 0: steps"), "{stdout}");
    let replay = stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("replay: linksim "))
        .and_then(|l| l.split("   (or:").next())
        .expect("a replay command");
    assert!(replay.ends_with("--max-steps 5"), "{replay}");
    let args: Vec<&str> = replay.split_whitespace().collect();
    let again = linksim(&args);
    assert_eq!(again.status.code(), Some(3), "{}", text(&again.stdout));
    assert!(
        text(&again.stdout).contains("step budget of 5"),
        "{}",
        text(&again.stdout)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A flag linksim does not know is bad input (exit 3), never the safety code that clap
/// would use (2); help still succeeds.
#[test]
fn an_unknown_flag_exits_3_and_help_exits_0() {
    for args in [
        &["run", "--nope", "x.json"][..],
        &["explore", "--seeds"],
        &[],
    ] {
        let out = linksim(args);
        assert_eq!(
            out.status.code(),
            Some(3),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    assert_eq!(linksim(&["--help"]).status.code(), Some(0));
    assert_eq!(linksim(&["run", "--help"]).status.code(), Some(0));
}

/// D11: a byte-order mark before the JSON is no error, and "1.0ns" is a nanosecond.
#[test]
fn a_byte_order_mark_and_a_zero_fraction_of_a_nanosecond_are_accepted() {
    let dir = std::env::temp_dir().join(format!("linksim-bom-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bom.json");
    let scenario =
        r#"{"format":1,"name":"bom","run_for":"1.0ns","config":{"links":[{"name":"A"}]}}"#;
    std::fs::write(&file, format!("\u{feff}{scenario}")).unwrap();
    let out = linksim(&["check", file.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("ok "),
        "{}",
        text(&out.stdout)
    );
}

/// D3: the trace is streamed to its file as the run goes, every line naming its
/// scenario, and a run that stopped at its budget still leaves the steps it made.
#[test]
fn the_trace_is_streamed_and_a_partial_run_leaves_its_steps() {
    let path = std::env::temp_dir().join(format!("linksim-trace-{}.jsonl", std::process::id()));
    let out = linksim(&[
        "run",
        "sim/tests/fixtures/limits/a-million-hours.json",
        "--quiet",
        "--max-steps",
        "5000",
        "--trace",
        path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(3));
    let trace = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let inputs = trace
        .lines()
        .filter(|l| l.contains(r#""kind":"input""#))
        .count();
    assert_eq!(inputs, 5000, "one input line per step");
    assert!(trace
        .lines()
        .all(|l| l.starts_with(r#"{"scenario":"a-million-hours","at_ns":"#)));
}

/// D3, revised by the speed issue: `check` warned that a 5 s run of 65,535 links would
/// take minutes (every step checked every link). With incremental checks it takes about a
/// second, so nothing is said, and the run is as fast as the silence claims.
#[test]
fn check_no_longer_warns_about_a_run_of_many_links() {
    let dir = std::env::temp_dir().join(format!("linksim-wide-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let links: Vec<String> = (0..65_535)
        .map(|i| format!(r#"{{"name":"L{i}","priority":{}}}"#, i % 100))
        .collect();
    let file = dir.join("wide.json");
    let scenario = format!(
        r#"{{"format":1,"name":"wide","run_for":"5s","config":{{"links":[{}]}}}}"#,
        links.join(",")
    );
    std::fs::write(&file, scenario).unwrap();
    let out = linksim(&["check", file.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("warning"), "{stderr}");
    // The run itself is timed in release (BENCHMARKS.md) and run both ways by CI: a
    // debug core checks every step in full, so here it would be quadratic.
}

/// The front-door issue: `run` (every bundled scenario, plain and verbose), `explore`
/// and `sweep` (the README's command, with worst runs) print lines of at most 100
/// characters, so a 100-column terminal never wraps them.
#[test]
fn default_outputs_fit_in_100_columns() {
    // The worst runs go to `worst/` in a folder of their own, as the README types it (a
    // long absolute path would be the only wide line).
    let dir = std::env::temp_dir().join(format!("linksim-width-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let scenario = |name: &str| root().join("scenarios").join(name).display().to_string();
    let drawn = scenario("outage-connector-dies-at-a-drawn-moment.json");
    let failover = scenario("ha-primary-failover.json");
    let commands: Vec<Vec<&str>> = vec![
        vec!["run", "scenarios"],
        vec!["run", "-v", "scenarios"],
        vec!["explore", "--seeds", "0..40"],
        vec![
            "sweep",
            &drawn,
            "--set",
            "connect_tout=1s,2s,5s",
            "--set",
            "restart_timeout=2s,5s,10s",
            "--seeds",
            "0..50",
            "--worst",
            "3",
            "worst",
        ],
        vec![
            "sweep",
            &drawn,
            &failover,
            "--set",
            "connect_tout=1s,5s",
            "--seeds",
            "0..5",
        ],
    ];
    for args in commands {
        let mut command = Command::new(env!("CARGO_BIN_EXE_linksim"));
        command.args(&args).current_dir(root());
        if args[0] == "sweep" {
            command.current_dir(&dir);
        }
        let out = command.output().unwrap();
        let lines = text(&out.stdout) + &text(&out.stderr);
        assert!(lines.lines().count() > 3, "{args:?} printed: {lines}");
        let widest = lines.lines().map(|l| l.chars().count()).max().unwrap_or(0);
        let line = lines.lines().find(|l| l.chars().count() == widest);
        assert!(widest <= 100, "{args:?}: a line of {widest}: {line:?}");
    }
    assert!(dir.join("worst").read_dir().unwrap().count() == 3);
    std::fs::remove_dir_all(dir).unwrap();
}

/// The front-door issue's first door: `linksim new NAME --options EXPORT` writes a
/// scenario over a T-Server options export that runs as is and fails over; an export
/// outside the scenario's folder is copied beside it, one inside is named where it is,
/// and a file that is not an export writes nothing.
#[test]
fn a_starter_over_an_options_export_runs_and_fails_over() {
    let dir = std::env::temp_dir().join(format!("linksim-new-options-{}", std::process::id()));
    let inner = dir.join("exports");
    std::fs::create_dir_all(&inner).unwrap();
    let export = root().join("scenarios/tserver-options.ini");
    let new = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_linksim"))
            .args(args)
            .current_dir(&dir)
            .output()
            .unwrap()
    };
    let out = new(&["new", "mine", "--options", export.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("to mine.ini"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(
        std::fs::read(dir.join("mine.ini")).unwrap(),
        std::fs::read(&export).unwrap(),
        "the export is copied unchanged"
    );
    let run = new(&["run", "mine.json", "--html", "mine.html"]);
    let stdout = text(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("FAULT connector CSTA_MAIN crashes")
            && stdout.contains("restored by CSTA_SPARE"),
        "the highest link's connector crashes and the spare takes over: {stdout}"
    );
    assert!(dir.join("mine.html").exists());
    // An export in the scenario's folder is named, not copied.
    std::fs::copy(&export, inner.join("site.ini")).unwrap();
    let out = new(&["new", "inside", "--options", "exports/site.ini"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!dir.join("inside.ini").exists());
    let written = std::fs::read_to_string(dir.join("inside.json")).unwrap();
    assert!(
        written.contains("\"options\": \"exports/site.ini\""),
        "{written}"
    );
    assert_eq!(
        new(&["run", "--quiet", "inside.json"]).status.code(),
        Some(0)
    );
    // Not an export: an error, and nothing written.
    std::fs::write(dir.join("notes.ini"), "shopping list\n").unwrap();
    let out = new(&["new", "bad", "--options", "notes.ini"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(!dir.join("bad.json").exists() && !dir.join("bad.ini").exists());
    std::fs::remove_dir_all(dir).unwrap();
}
