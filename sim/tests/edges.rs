//! The edges an operator touches: no command writes over one of its inputs or over an
//! existing scenario unless asked, an output that cannot be written never hides a
//! violation, outputs are checked before a sweep runs, thread counts are clamped and
//! said as used, text from outside (file names, merged parts) is escaped on the
//! terminal, `linksim new` writes only files `check` accepts, and a merged part must
//! hold what it declares. Each test failed on the main before these fixes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn linksim_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_linksim"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("linksim runs")
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn linksim(args: &[&str]) -> Output {
    linksim_in(&root(), args)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A fresh folder for one test, holding copies of two bundled scenarios.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("linksim-edges-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for file in [
        "r06-tie-first-normal-wins.json",
        "r06-tie-not-configuration-order.json",
    ] {
        std::fs::copy(root().join("scenarios").join(file), dir.join(file)).unwrap();
    }
    dir
}

/// `linksim run --trace r06-tie-*.json`: the shell hands the first scenario to
/// `--trace`. It used to be overwritten by the trace, with exit 0.
#[test]
fn an_output_that_is_an_existing_scenario_is_refused_before_anything_runs() {
    let dir = scratch("glob");
    let first = "r06-tie-first-normal-wins.json";
    let before = std::fs::read(dir.join(first)).unwrap();
    let out = linksim_in(
        &dir,
        &[
            "run",
            "--trace",
            first,
            "r06-tie-not-configuration-order.json",
        ],
    );
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stdout));
    let stderr = text(&out.stderr);
    assert!(
        stderr
            .contains("--trace r06-tie-first-normal-wins.json: that file exists and is a scenario"),
        "{stderr}"
    );
    assert!(text(&out.stdout).is_empty(), "nothing ran");
    assert_eq!(
        std::fs::read(dir.join(first)).unwrap(),
        before,
        "the scenario is intact"
    );
    // An input named as an output is refused even with --overwrite.
    let input = linksim_in(&dir, &["run", first, "--html", first, "--overwrite"]);
    assert_eq!(input.status.code(), Some(3));
    assert!(text(&input.stderr).contains("that is one of this command's inputs"));
    assert_eq!(std::fs::read(dir.join(first)).unwrap(), before);
    // --overwrite replaces a scenario that is not an input.
    let other = "r06-tie-not-configuration-order.json";
    let replaced = linksim_in(
        &dir,
        &["run", first, "--trace", other, "--overwrite", "--quiet"],
    );
    assert_eq!(
        replaced.status.code(),
        Some(0),
        "{}",
        text(&replaced.stderr)
    );
    assert!(std::fs::read_to_string(dir.join(other))
        .unwrap()
        .starts_with("{\"scenario\":"));
}

/// Sweep outputs are checked before the sweep runs: a plot of three parameters, a
/// folder that does not exist, a scenario in the way.
#[test]
fn sweep_refuses_an_output_it_could_not_write_before_running() {
    let dir = scratch("sweep-outputs");
    let scenario = dir.join("r06-tie-first-normal-wins.json");
    let s = scenario.to_str().unwrap();
    let three = [
        "--set",
        "connect_tout=1s,2s",
        "--set",
        "restart_timeout=2s,5s",
        "--set",
        "kpl_interval=0s,5s",
    ];
    let svg = dir.join("plot.svg");
    let mut args = vec![
        "sweep",
        s,
        "--seeds",
        "0..2",
        "--svg",
        svg.to_str().unwrap(),
    ];
    args.extend(three);
    let out = linksim(&args);
    assert_eq!(out.status.code(), Some(3));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("--svg: the plot shows one or two swept parameters; this sweep has 3"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("combination(s) x"),
        "it did not run: {stderr}"
    );
    let missing = dir.join("no-such-folder/out.csv");
    let out = linksim(&[
        "sweep",
        s,
        "--seeds",
        "0..2",
        "--csv",
        missing.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains("does not exist"),
        "{}",
        text(&out.stderr)
    );
    let other = dir.join("r06-tie-not-configuration-order.json");
    let out = linksim(&[
        "sweep",
        s,
        "--seeds",
        "0..2",
        "--json",
        other.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).contains("is a scenario"));
}

/// A violation is printed and its scenario written even when an output fails after
/// the run (a full disk: /dev/full), and its exit code wins over the output's.
#[cfg(all(feature = "planted-bugs", target_os = "linux"))]
#[test]
fn an_output_that_fails_after_the_run_never_hides_a_violation() {
    let dir = scratch("full");
    let out = linksim(&[
        "sweep",
        "scenarios/ha-primary-failover.json",
        "--seeds",
        "0..3",
        "--planted-bug",
        "backup-opens-every-link",
        "--out",
        dir.to_str().unwrap(),
        "--csv",
        "/dev/full",
    ]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(stderr.contains("cannot write /dev/full"), "{stderr}");
    assert!(
        stdout.contains("VIOLATION in ha-primary-failover seed 0"),
        "{stdout}"
    );
    assert!(dir.join("sweep-ha-primary-failover-0-seed-0.json").exists());
    assert_eq!(out.status.code(), Some(2), "the violation's code wins");
}

/// `--jobs` is clamped alike in explore and sweep, and the threads used are said.
#[test]
fn thread_counts_are_clamped_and_said_as_used() {
    let out = linksim(&["explore", "--seeds", "0..10", "--jobs", "1000000"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stdout).contains("on 10 thread(s)"),
        "{}",
        text(&out.stdout)
    );
    let scenario = "scenarios/r06-tie-first-normal-wins.json";
    let out = linksim(&[
        "sweep",
        scenario,
        "--seeds",
        "0..3",
        "--jobs",
        "18446744073709551615",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stderr).contains("runs on 3 thread(s)"),
        "{}",
        text(&out.stderr)
    );
    // The default (0) is one thread per core.
    let cores = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(10);
    let out = linksim(&["explore", "--seeds", "0..10"]);
    let said = format!("on {cores} thread(s)");
    assert!(text(&out.stdout).contains(&said), "{}", text(&out.stdout));
}

/// A file name with an escape sequence is shown escaped (it used to clear the screen).
#[test]
fn file_names_from_outside_are_escaped_on_the_terminal() {
    let dir = scratch("names");
    let hostile = dir.join("x\u{1b}[2J.json");
    std::fs::copy(dir.join("r06-tie-first-normal-wins.json"), &hostile).unwrap();
    let out = linksim(&["check", hostile.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert!(!stdout.contains('\u{1b}'), "{stdout:?}");
    assert!(stdout.contains("x\\u{1b}[2J.json"), "{stdout}");
    let out = linksim(&["run", hostile.to_str().unwrap(), "--quiet"]);
    assert!(!text(&out.stdout).contains('\u{1b}'));
}

/// `linksim new` escapes the name into JSON (a quote used to inject fields) and refuses
/// an empty name or one with control characters; what it writes passes `check`.
#[test]
fn new_writes_only_scenarios_that_check_accepts() {
    let dir = scratch("new");
    let out = linksim_in(&dir, &["new", "a\"b\\c"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let check = linksim_in(&dir, &["check", "a\"b\\c.json"]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stderr));
    assert!(text(&check.stdout).contains("(a\"b\\c: "));
    for bad in ["", ".json", "x\u{1b}[2J"] {
        let out = linksim_in(&dir, &["new", bad]);
        assert_eq!(out.status.code(), Some(3), "{bad:?}");
        assert!(!text(&out.stderr).contains('\u{1b}'));
    }
    assert!(!dir.join(".json").exists());
}

/// A part that declares 2,000 x 2,000 values for one combination is refused at once
/// (it used to abort allocating 2.6 GB), and a part's text fields reach the terminal
/// escaped.
#[test]
fn a_merged_part_must_hold_what_it_declares_and_its_texts_are_escaped() {
    let dir = scratch("parts");
    let values: Vec<String> = (0..2000).map(|i| format!("\"{i}ms\"")).collect();
    let values = values.join(",");
    let huge = format!(
        r#"{{"combinations":[],"linksim_sweep":1,"seeds":"0..1","settings":[{{"key":"a","values":[{values}]}},{{"key":"b","values":[{values}]}}],"shards":["1/1"],"worst":[],"worst_n":0}}"#
    );
    let part = dir.join("huge.json");
    std::fs::write(&part, huge).unwrap();
    let out = linksim(&["sweep", "--merge", part.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains("more combinations than the 0 it holds"),
        "{}",
        text(&out.stderr)
    );
    // A real part whose file name field was doctored into an escape sequence.
    let scenario = "scenarios/r06-tie-first-normal-wins.json";
    let json = dir.join("part.json");
    let made = linksim(&[
        "sweep",
        scenario,
        "--seeds",
        "0..2",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(made.status.code(), Some(0));
    let doctored = std::fs::read_to_string(&json).unwrap().replace(
        "\"file\": \"r06-tie-first-normal-wins\"",
        "\"file\": \"\\u001b[2J== PASS everything\"",
    );
    std::fs::write(&json, doctored).unwrap();
    let out = linksim(&["sweep", "--merge", json.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(!stdout.contains('\u{1b}'), "{stdout:?}");
    assert!(stdout.contains("\\u{1b}[2J== PASS everything"), "{stdout}");
}

/// The hostile-input pass: the options export a scenario reads is one of its inputs
/// (`--trace` used to truncate it before it was read, `--html` to replace it after a
/// passing run), two flags may not name one file (the trace and the page used to mix
/// in it), `new` never writes through a symbolic link at its name, and a folder for
/// files a command names itself is made only when one is written.
#[test]
fn an_options_export_two_flags_and_links_are_never_written_over() {
    let dir = scratch("inputs");
    for file in ["tserver-options-import.json", "tserver-options.ini"] {
        std::fs::copy(root().join("scenarios").join(file), dir.join(file)).unwrap();
    }
    let export = std::fs::read(dir.join("tserver-options.ini")).unwrap();
    for args in [
        &[
            "run",
            "tserver-options-import.json",
            "--quiet",
            "--trace",
            "tserver-options.ini",
        ][..],
        &[
            "run",
            "tserver-options-import.json",
            "--quiet",
            "--html",
            "tserver-options.ini",
        ],
        &[
            "sweep",
            "tserver-options-import.json",
            "--seeds",
            "0..2",
            "--csv",
            "tserver-options.ini",
        ],
    ] {
        let out = linksim_in(&dir, args);
        assert_eq!(out.status.code(), Some(3), "{args:?}");
        assert!(
            text(&out.stderr).contains("one of this command's inputs"),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    assert_eq!(
        std::fs::read(dir.join("tserver-options.ini")).unwrap(),
        export
    );
    let both = linksim_in(
        &dir,
        &[
            "run",
            "r06-tie-first-normal-wins.json",
            "--trace",
            "x.out",
            "--html",
            "x.out",
        ],
    );
    assert_eq!(both.status.code(), Some(3));
    assert!(
        text(&both.stderr).contains("--html x.out: --trace writes that file too"),
        "{}",
        text(&both.stderr)
    );
    assert!(!dir.join("x.out").exists(), "nothing ran");
    let csv_json = linksim_in(
        &dir,
        &[
            "sweep",
            "r06-tie-first-normal-wins.json",
            "--seeds",
            "0..2",
            "--csv",
            "y",
            "--json",
            "y",
        ],
    );
    assert_eq!(csv_json.status.code(), Some(3));
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(dir.join("elsewhere.txt"), dir.join("dangling.json")).unwrap();
        let out = linksim_in(&dir, &["new", "dangling"]);
        assert_eq!(out.status.code(), Some(3), "{}", text(&out.stdout));
        assert!(
            !dir.join("elsewhere.txt").exists(),
            "written through the link"
        );
    }
    let out = linksim_in(
        &dir,
        &["explore", "--seeds", "0..3", "--out", "not/yet/made"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!dir.join("not").exists(), "a folder made for nothing");
    std::fs::remove_dir_all(dir).unwrap();
}

/// A violation's file never replaces a file linksim did not write, nor one through a
/// symbolic link (explore used to replace notes named explore-N.json and follow a link
/// out of --out).
#[cfg(all(feature = "planted-bugs", unix))]
#[test]
fn explore_replaces_only_the_files_it_wrote() {
    let dir = scratch("own");
    let explore = || {
        let out = linksim_in(
            &dir,
            &[
                "explore",
                "--seeds",
                "0..1",
                "--planted-bug",
                "backup-opens-every-link",
            ],
        );
        assert_eq!(out.status.code(), Some(2), "seed 0 finds the bug");
        text(&out.stderr)
    };
    std::fs::write(dir.join("explore-0.json"), "my notes\n").unwrap();
    let stderr = explore();
    assert!(stderr.contains("linksim did not write it"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(dir.join("explore-0.json")).unwrap(),
        "my notes\n"
    );
    std::fs::remove_file(dir.join("explore-0.json")).unwrap();
    std::os::unix::fs::symlink(dir.join("victim.txt"), dir.join("explore-0.json")).unwrap();
    let stderr = explore();
    assert!(stderr.contains("is a symbolic link"), "{stderr}");
    assert!(!dir.join("victim.txt").exists(), "written through the link");
    // A file it wrote is replaced.
    std::fs::remove_file(dir.join("explore-0.json")).unwrap();
    explore();
    let stderr = explore();
    assert!(!stderr.contains("not replaced"), "{stderr}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// The hostile-input pass, on values: a 64 KB swept description used to panic the table
/// (exit 101), a 10,000-character link name made a run print 1.56 GB, an ESC in a
/// `--set` key reached the terminal raw, and an empty shard passed with exit 0. Each is
/// now a short, escaped error with exit 3.
#[test]
fn long_and_hostile_values_get_short_escaped_errors() {
    let drawn = "scenarios/outage-connector-dies-at-a-drawn-moment.json";
    let description = format!("description={}", "d".repeat(65_536));
    let key = "x\u{1b}[2J=1s";
    let cases: [(&[&str], &str); 4] = [
        (
            &["sweep", drawn, "--seeds", "0..2", "--set", &description],
            "at most 4096",
        ),
        (
            &["sweep", drawn, "--seeds", "0..2", "--set", key],
            "unknown field `x\\u{1b}[2J`",
        ),
        (
            &["sweep", drawn, "--seeds", "0..1", "--shard", "2/2"],
            "holds no seed",
        ),
        (
            &["explore", "--seeds", "0..1", "--shard", "2/2"],
            "holds no seed",
        ),
    ];
    for (args, says) in cases {
        let out = linksim(args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{stderr}");
        assert!(stderr.contains(says), "{says:?} in {stderr}");
        assert!(!stderr.contains('\u{1b}') && stderr.len() < 600, "{stderr}");
    }
    let dir = scratch("names");
    let name = "N".repeat(10_000);
    let scenario = serde_json::json!({
        "format": 1, "name": "long", "run_for": "1000h",
        "config": {"links": [{"name": name}], "kpl_interval": "1s", "kpl_tolerance": 0},
    });
    std::fs::write(dir.join("long.json"), scenario.to_string()).unwrap();
    let out = linksim_in(&dir, &["run", "long.json"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).contains("10000 characters long; at most 128"));
    assert!(out.stdout.len() + out.stderr.len() < 1_000);
    std::fs::remove_dir_all(dir).unwrap();
}

/// A merged part's sums must be ones a sweep makes: an outage length no bucket holds
/// (a part with 14 million of them took 895 MB), lengths out of order, or more time up
/// than run (an availability of 2.8e14) are refused.
#[test]
fn a_merged_part_holds_only_sums_a_sweep_makes() {
    let dir = scratch("sums");
    let file = "scenarios/r01-standalone-opens-every-link.json";
    for i in 1..=2 {
        let out = dir.join(format!("part-{i}.json"));
        let shard = format!("{i}/2");
        let args = [
            "sweep",
            file,
            "--seeds",
            "0..4",
            "--shard",
            &shard,
            "--json",
            out.to_str().unwrap(),
        ];
        assert_eq!(linksim(&args).status.code(), Some(0));
    }
    let part = std::fs::read_to_string(dir.join("part-2.json")).unwrap();
    let merge = |edited: &str| {
        std::fs::write(dir.join("bad.json"), edited).unwrap();
        let parts = [dir.join("part-1.json"), dir.join("bad.json")];
        let out = linksim(&[
            "sweep",
            "--merge",
            parts[0].to_str().unwrap(),
            parts[1].to_str().unwrap(),
        ]);
        (out.status.code(), text(&out.stderr))
    };
    assert_eq!(merge(&part).0, Some(0), "the part as written merges");
    let buckets = part.replacen(
        "[\n            0,\n            2\n          ]",
        "[65537, 1], [65538, 1]",
        1,
    );
    let (code, stderr) = merge(&buckets);
    assert_eq!(code, Some(3));
    assert!(
        stderr.contains("65537 ms is not one a sweep counts"),
        "{stderr}"
    );
    let order = part.replacen(
        "[\n            0,\n            2\n          ]",
        "[5, 1], [4, 1]",
        1,
    );
    assert!(merge(&order).1.contains("not in increasing order"));
    let up = part.replacen("\"up_ns\": \"", "\"up_ns\": \"9999999", 1);
    assert!(merge(&up).1.contains("more time up"));
    std::fs::remove_dir_all(dir).unwrap();
}
