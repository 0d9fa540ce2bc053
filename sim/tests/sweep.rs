//! `linksim sweep` as a user runs it: the settings really change the runs, results do
//! not depend on threads or sharding, the worst runs replay, bad input is refused.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn linksim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_linksim"))
        .args(args)
        .current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".."))
        .output()
        .expect("linksim runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh directory for one test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("linksim-sweep-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const FAILOVER: &str = "scenarios/ha-primary-failover.json";
const DRAWN: &str = "scenarios/outage-connector-dies-at-a-drawn-moment.json";

fn csv(args: &[&str]) -> String {
    let mut all = vec!["sweep"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--csv", "-"]);
    let out = linksim(&all);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out)
}

#[test]
fn a_swept_setting_changes_the_runs_it_names() {
    let table = csv(&[
        FAILOVER,
        "--set",
        "restart_timeout=2s,10s",
        "--seeds",
        "0..5",
    ]);
    let rows: Vec<&str> = table.lines().collect();
    assert_eq!(rows.len(), 3, "{table}");
    assert!(
        rows[1].starts_with("ha-primary-failover,2s,5,2.319000,"),
        "{table}"
    );
    assert!(
        rows[2].starts_with("ha-primary-failover,10s,5,10.319000,"),
        "{table}"
    );
}

#[test]
fn results_do_not_depend_on_threads_and_repeat_byte_for_byte() {
    let args = [DRAWN, "--set", "connect_tout=1s,5s", "--seeds", "0..300"];
    let one = csv(&[&args[..], &["--jobs", "1"]].concat());
    let two = csv(&[&args[..], &["--jobs", "2"]].concat());
    assert_eq!(one, two);
    assert_eq!(one, csv(&[&args[..], &["--jobs", "2"]].concat()));
    let p50: Vec<&str> = one
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(4).unwrap())
        .collect();
    assert_ne!(p50[0], p50[1], "connect_tout changes the outage: {one}");
}

#[test]
fn shards_merged_give_what_one_unsharded_sweep_gives() {
    let dir = scratch("shards");
    let base = [
        DRAWN,
        "--set",
        "restart_timeout=2s,5s",
        "--seeds",
        "0..10",
        "--worst",
        "12",
    ];
    let whole = dir.join("whole.json");
    let mut args: Vec<&str> = vec!["sweep"];
    args.extend_from_slice(&base);
    let worst_dir = dir.join("w");
    args.push(worst_dir.to_str().unwrap());
    args.extend(["--json", whole.to_str().unwrap()]);
    assert_eq!(linksim(&args).status.code(), Some(0));
    let mut parts = Vec::new();
    for shard in ["1/3", "2/3", "3/3"] {
        let file = dir.join(format!("part-{}.json", &shard[..1]));
        let mut args: Vec<&str> = vec!["sweep"];
        args.extend_from_slice(&base);
        args.extend([
            worst_dir.to_str().unwrap(),
            "--shard",
            shard,
            "--json",
            file.to_str().unwrap(),
        ]);
        let out = linksim(&args);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        parts.push(file.to_str().unwrap().to_string());
    }
    let merged = dir.join("merged.json");
    let mut args = vec!["sweep", "--merge"];
    args.extend(parts.iter().map(String::as_str));
    args.extend(["--json", merged.to_str().unwrap()]);
    let out = linksim(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (a, b) = (
        std::fs::read_to_string(&whole).unwrap(),
        std::fs::read_to_string(&merged).unwrap(),
    );
    assert_eq!(a, b, "the merge equals the unsharded sweep");
    let out = linksim(&["sweep", "--merge", &parts[0], &parts[1]]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("are not every shard of 3"),
        "{}",
        stderr(&out)
    );
    let out = linksim(&[
        "sweep", "--merge", &parts[0], &parts[0], &parts[1], &parts[2],
    ]);
    assert!(stderr(&out).contains("given twice"), "{}", stderr(&out));
}

#[test]
fn each_worst_run_replays_with_the_outage_the_sweep_measured() {
    let dir = scratch("worst");
    let out = linksim(&[
        "sweep",
        DRAWN,
        "--set",
        "connect_tout=1s,5s",
        "--seeds",
        "0..100",
        "--worst",
        "3",
        dir.to_str().unwrap(),
        "--json",
        "-",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let worst = json["worst"].as_array().unwrap();
    assert_eq!(worst.len(), 3);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 3);
    for (w, file) in worst.iter().zip(&files) {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.ends_with(&format!("-seed-{}.json", w["seed"])),
            "{name}"
        );
        let text = std::fs::read_to_string(file).unwrap();
        let written: serde_json::Value = serde_json::from_str(&text).unwrap();
        let fault = written["faults"][0].to_string();
        assert!(!fault.contains(".."), "ranges replaced by values: {fault}");
        let run = linksim(&["run", file.to_str().unwrap(), "--json"]);
        let report: serde_json::Value = serde_json::from_str(stdout(&run).trim()).unwrap();
        assert_eq!(
            report["service"]["longest"]["length_s"], w["longest_s"],
            "{name}"
        );
    }
}

#[test]
fn bad_settings_and_files_are_refused_with_a_reason() {
    for (args, reason) in [
        (
            vec![FAILOVER, "--set", "links.CSTA_Z.priority=1"],
            "no element named \"CSTA_Z\"",
        ),
        (
            vec![FAILOVER, "--set", "connect_tout=0s"],
            "(with connect_tout=0s)",
        ),
        (vec![FAILOVER, "--set", "connect_tout"], "KEY=VALUE"),
        (vec![FAILOVER, "--seeds", "9..3"], "seeds"),
        (vec!["no-such-file.json"], "no-such-file.json"),
        (vec![FAILOVER, "--merge"], "not a linksim sweep output"),
    ] {
        let mut all = vec!["sweep"];
        all.extend(args.iter());
        let out = linksim(&all);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(reason), "{args:?}: {}", stderr(&out));
    }
}

fn page(args: &[&str]) -> String {
    let dir = scratch(&format!("page-{}", args.len()));
    let file = dir.join("sweep.html");
    let mut all = vec!["sweep", "--seeds", "0..20"];
    all.extend_from_slice(args);
    all.extend(["--html", file.to_str().unwrap()]);
    let out = linksim(&all);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    std::fs::read_to_string(file).unwrap()
}

#[test]
fn the_page_draws_a_heatmap_for_two_parameters_and_lines_for_one() {
    let heat = page(&[
        FAILOVER,
        "--set",
        "restart_timeout=2s,5s,10s",
        "--set",
        "connect_tout=1s,2s",
    ]);
    assert!(
        heat.contains("<svg") && heat.contains("p99 of the longest service outage"),
        "{heat}"
    );
    for cell in ["2.319s", "5.319s", "10.319s"] {
        let cells = heat.matches(&format!("\n{cell}\n</text>")).count();
        let table = heat.matches(&format!("<td>{cell}</td>")).count();
        assert_eq!(
            (cells, table),
            (2, 8),
            "{cell}: two cells; two rows of four percentiles"
        );
    }
    let lines = page(&[FAILOVER, "--set", "restart_timeout=2s,5s,10s"]);
    assert!(
        lines.contains("p50 and p99 (band between)") && lines.contains("<polyline"),
        "{lines}"
    );
    let none = page(&[FAILOVER]);
    assert!(none.contains("No plot: nothing was swept"), "{none}");
}

#[cfg(feature = "planted-bugs")]
#[test]
fn a_planted_bug_is_reported_with_a_scenario_that_replays_it() {
    let dir = scratch("planted");
    let out = linksim(&[
        "sweep",
        FAILOVER,
        "--seeds",
        "0..10",
        "--planted-bug",
        "backup-opens-every-link",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(
        text.contains("VIOLATION in ha-primary-failover seed 0 (10 of 10 runs): I5"),
        "{text}"
    );
    let replay = dir.join("sweep-ha-primary-failover-0-seed-0.json");
    assert!(text.contains(&format!(
        "replay: linksim run {} --planted-bug backup-opens-every-link",
        replay.display()
    )));
    let run = linksim(&[
        "run",
        replay.to_str().unwrap(),
        "--planted-bug",
        "backup-opens-every-link",
    ]);
    assert_eq!(run.status.code(), Some(2));
}

#[test]
fn merge_refuses_shards_of_a_different_scenario() {
    let dir = scratch("fingerprint");
    let edited = dir.join("outage-connector-dies-at-a-drawn-moment.json");
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(DRAWN),
    )
    .unwrap();
    std::fs::write(
        &edited,
        text.replace("\"restart_timeout\": \"5s\"", "\"restart_timeout\": \"6s\""),
    )
    .unwrap();
    let (a, b) = (dir.join("a.json"), dir.join("b.json"));
    let one = |file: &str, shard: &str, out: &Path| {
        let o = linksim(&[
            "sweep",
            file,
            "--seeds",
            "0..10",
            "--shard",
            shard,
            "--json",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    };
    one(DRAWN, "1/2", &a);
    one(edited.to_str().unwrap(), "2/2", &b);
    let out = linksim(&["sweep", "--merge", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("different sweeps"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn settings_that_would_do_nothing_or_undo_each_other_are_refused() {
    for (args, reason) in [
        (
            vec![
                "--set",
                "connect_tout=1s",
                "--set",
                "config.connect_tout=2s",
            ],
            "both set config.connect_tout",
        ),
        (vec!["--set", "seed=1,2"], "comes from --seeds"),
        (
            vec!["--csv", "-", "--json", "-"],
            "would mix on standard output",
        ),
        (vec!["--worst", "5000", "w"], "at most 1000"),
        (
            vec![
                "--set",
                "restart_timeout=1s,2s",
                "--set",
                "connect_tout=1s,2s",
                "--seeds",
                "0..1000000000",
            ],
            "runs in one sweep",
        ),
    ] {
        let mut all = vec!["sweep", FAILOVER];
        all.extend(args.iter());
        let out = linksim(&all);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(reason), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn a_file_error_keeps_its_line_and_column_and_a_swept_error_names_the_value() {
    let dir = scratch("located");
    let broken = dir.join("broken.json");
    std::fs::write(&broken, "{\"format\":1,\"name\":\"b\",\n\"run_for\":\"5s\",\n\"config\":{\"links\":[{\"name\":\"A\"}]},\n\"faults\":[{\"fault\":\"crash\",\"at\":\"1s\",\"link\":\"Z\",\"for\":\"1s\"}]}").unwrap();
    let out = linksim(&[
        "sweep",
        broken.to_str().unwrap(),
        "--set",
        "connect_tout=1s,2s",
    ]);
    assert!(stderr(&out).contains("broken.json:4:"), "{}", stderr(&out));
    let out = linksim(&["sweep", FAILOVER, "--set", "restart_timeout=1s,0s"]);
    let error = stderr(&out);
    assert!(
        error.contains("(with restart_timeout=0s)") && !error.contains(".json:1:"),
        "{error}"
    );
}

#[test]
fn a_worst_run_of_an_options_import_scenario_stands_alone() {
    let dir = scratch("ini");
    let out = linksim(&[
        "sweep",
        "scenarios/tserver-options-import.json",
        "--set",
        "restart_timeout=5s,10s",
        "--seeds",
        "0..4",
        "--worst",
        "2",
        dir.to_str().unwrap(),
        "--json",
        "-",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    for w in json["worst"].as_array().unwrap() {
        let file = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| {
                p.to_string_lossy()
                    .ends_with(&format!("-seed-{}.json", w["seed"]))
            })
            .unwrap();
        let run = linksim(&["run", file.to_str().unwrap(), "--json"]);
        assert!(
            matches!(run.status.code(), Some(0 | 1)),
            "the written file loads and runs (its expectations were the bundled settings'): {}",
            stderr(&run)
        );
        let report: serde_json::Value = serde_json::from_str(stdout(&run).trim())
            .unwrap_or_else(|e| panic!("{e}: {}", stderr(&run)));
        assert_eq!(report["service"]["longest"]["length_s"], w["longest_s"]);
    }
}
