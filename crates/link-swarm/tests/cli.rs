//! The `link-swarm` command line: exit codes, the summary, the replay of one seed.

use std::process::Command;

fn swarm(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_link-swarm"))
        .args(args)
        .output()
        .expect("link-swarm runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_passing_range_prints_its_summary_and_exits_0() {
    let (code, out, _) = swarm(&["--seeds", "0..3", "--check-determinism"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("3 seeds,") && out.contains("records checked"),
        "{out}"
    );
    assert!(out.contains("no violation"), "{out}");
    assert!(
        out.contains("every seed ran twice with the same records"),
        "{out}"
    );
}

#[test]
fn one_seed_prints_its_world_and_records() {
    let (code, out, _) = swarm(&["--seed", "1", "--records"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("world of seed 1: 2 link(s)"), "{out}");
    assert!(
        !out.contains("World {") && out.contains("start"),
        "no Rust debug form: {out}"
    );
    assert!(out.contains("LOG 35115"), "a link is selected: {out}");
    assert!(out.contains("seed 1: ok"), "{out}");
}

#[test]
fn bad_arguments_exit_3_with_a_reason() {
    for (args, says) in [
        (&["--seeds", "5..5"][..], "the range is empty"),
        (&["--seeds", "five"][..], "write it like 0..5000"),
        (&["--jobs", "0"][..], "jobs"),
        (&["--records"][..], "--seed"),
    ] {
        let (code, _, err) = swarm(args);
        assert_eq!(code, 3, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    if !cfg!(feature = "planted-bugs") {
        let (code, _, err) = swarm(&["--planted-bug", "close-keeps-socket"]);
        assert_eq!(code, 3);
        assert!(err.contains("--features planted-bugs"), "{err}");
    }
}
