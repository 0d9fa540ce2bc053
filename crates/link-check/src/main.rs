//! `link-check`: checks every configuration of up to `--links` links exhaustively and
//! prints, per configuration, the states explored, the depth, the time and the verdict;
//! `--serve ADDR` opens stateright's Explorer on one configuration instead.

use std::io::Write as _;
use std::process::ExitCode;

/// Prints a line; a reader that closed standard output (`| head`) ends the run quietly.
fn say(text: &str) {
    // Arguments may be quoted (an address, a name): never a control character.
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{}", link_core::printable_lines(text)).is_err() {
        std::process::exit(141);
    }
}

use link_check::{check, enumerate, Families, LinkModel, Setup};
use stateright::Model;

const USAGE: &str = "\
usage: link-check [--links N] [--reconfigure] [--options] [--fair] [--only I] [--quiet]
                  [--require-marks] [--serve ADDR] [--planted-bug NAME]

  --links N        check every configuration of 1 to N links (default 3)
  --reconfigure    the environment may also change link priorities (R13)
  --options        the environment may also change connect-tout, kpl-tolerance and
                   kpl-loss-rate (R16)
  --fair           bounded liveness (L1) instead: healthy connectors, messages before
                   timers, one connector death at any moment; some link must be
                   active within connect-tout + the restart timeout of the start and
                   of the death (backup setups are left out: a backup never selects)
  --only I         check (or serve) only configuration number I of the list
  --quiet          print only the summary and any counterexample
  --require-marks  fail (exit 2) when a rule mark no transition took is not one the
                   family cannot reach (link_check::unreachable_marks says why)
  --serve ADDR     open stateright's Explorer for configuration --only I (default 0)
                   on ADDR, e.g. 127.0.0.1:3000, and browse its state space
  --planted-bug N  plant a deliberate bug in the core (builds with planted-bugs)

Exit codes: 0 no violation, 2 a counterexample was found, a configuration never
activates a link, or (--require-marks) a rule mark was never reached (the environment
would be too weak to test it), 3 bad arguments.";

/// How many counterexamples are printed in full (each broken configuration has a line).
const COUNTEREXAMPLES_SHOWN: usize = 3;

/// The command line, read.
struct Args {
    links: usize,
    families: Families,
    only: Option<usize>,
    quiet: bool,
    require_marks: bool,
    fair: bool,
    serve: Option<String>,
    #[cfg_attr(not(feature = "planted-bugs"), allow(dead_code))]
    planted: Option<String>,
}

fn parse(mut argv: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut args = Args {
        links: 3,
        families: Families::default(),
        only: None,
        quiet: false,
        require_marks: false,
        fair: false,
        serve: None,
        planted: None,
    };
    while let Some(arg) = argv.next() {
        let mut value = |name: &str| argv.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--links" => args.links = number(&value("--links")?, "--links")?,
            "--only" => args.only = Some(number(&value("--only")?, "--only")?),
            "--reconfigure" => args.families.reconfigure = true,
            "--options" => args.families.options = true,
            "--quiet" => args.quiet = true,
            "--require-marks" => args.require_marks = true,
            "--fair" => args.fair = true,
            "--serve" => args.serve = Some(value("--serve")?),
            "--planted-bug" => args.planted = Some(value("--planted-bug")?),
            "--help" | "-h" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if args.fair && (args.families.reconfigure || args.families.options) {
        return Err(
            "--fair changes nothing but one connector's death: no --reconfigure or --options"
                .into(),
        );
    }
    if args.require_marks && (args.fair || args.only.is_some()) {
        return Err("--require-marks judges a whole family: no --fair, no --only".into());
    }
    if !(1..=4).contains(&args.links) {
        return Err(format!(
            "--links {}: 1 to 4 (the state space grows fast)",
            args.links
        ));
    }
    Ok(args)
}

fn number(text: &str, name: &str) -> Result<usize, String> {
    text.parse()
        .map_err(|_| format!("{name} {text:?} is not a number"))
}

fn model(setup: Setup, args: &Args) -> Result<LinkModel, String> {
    let name = setup.name();
    #[allow(unused_mut)]
    let mut model = match args.fair {
        true => LinkModel::fair(setup).ok_or(format!("{name}: a backup has no fair check"))?,
        false => LinkModel::new(setup),
    }
    .counting_marks();
    #[cfg(feature = "planted-bugs")]
    if let Some(name) = &args.planted {
        model.planted = Some(
            link_core::PlantedBug::from_name(name)
                .ok_or(format!("no planted bug named {name:?}"))?,
        );
    }
    #[cfg(not(feature = "planted-bugs"))]
    if args.planted.is_some() {
        return Err("--planted-bug needs a build with --features planted-bugs".into());
    }
    Ok(model)
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(e) if e.is_empty() => {
            say(USAGE);
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let _ = writeln!(
                std::io::stderr(),
                "error: {}\n{USAGE}",
                link_core::printable_lines(&e)
            );
            return ExitCode::from(3);
        }
    };
    match run(&args) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let _ = writeln!(
                std::io::stderr(),
                "error: {}",
                link_core::printable_lines(&e)
            );
            ExitCode::from(3)
        }
    }
}

fn run(args: &Args) -> Result<u8, String> {
    let mut setups = enumerate(args.links, args.families);
    if args.fair {
        setups.retain(|s| LinkModel::fair_bound(s).is_some());
    }
    let chosen: Vec<(usize, Setup)> = match args.only {
        Some(i) => vec![(
            i,
            setups.get(i).cloned().ok_or(format!(
                "--only {i}: there are {} configurations (0 to {})",
                setups.len(),
                setups.len() - 1
            ))?,
        )],
        None => setups.into_iter().enumerate().collect(),
    };
    if let Some(address) = &args.serve {
        return serve(model(chosen[0].1.clone(), args)?, address);
    }
    let count = chosen.len();
    let started = std::time::Instant::now(); // reported, never judged
    let (mut states, mut broken, mut deepest) = (0usize, 0usize, 0usize);
    let mut marks = link_core::MarkCounts::default();
    for (i, setup) in chosen {
        let report = check(model(setup, args)?);
        marks.add(&report.marks);
        states += report.unique_states;
        deepest = deepest.max(report.depth);
        let verdict = match (&report.counterexample, report.activates) {
            (Some(_), _) => "VIOLATION",
            (None, true) => "no violation",
            (None, false) => "FAILED: no state has an active link",
        };
        if report.counterexample.is_none() && !report.activates {
            broken += 1;
        }
        if !args.quiet || report.counterexample.is_some() {
            say(&format!(
                "#{i:<4} {:<38} {:>8} states ({:>9} transitions)  depth {:>3}  {:>7.3} s  {verdict}",
                report.setup.name(),
                report.unique_states,
                report.states,
                report.depth,
                report.time.as_secs_f64()
            ));
        }
        if let Some(cx) = &report.counterexample {
            broken += 1;
            if broken <= COUNTEREXAMPLES_SHOWN {
                say(&format!(
                    "shortest counterexample ({} inputs):\n{}",
                    cx.steps.len(),
                    cx.text(&report.setup)
                ));
            }
        }
    }
    say(&format!(
        "link-check: {} configuration(s) of up to {} link(s){}, {states} distinct states, depth at most {deepest}, {:.1} s: {}",
        count,
        args.links,
        match args.fair {
            true => " in the fair environment (L1)",
            false => families_text(args.families),
        },
        started.elapsed().as_secs_f64(),
        if broken == 0 { "no violation".to_string() } else { format!("{broken} failed (a counterexample, or no activation)") }
    ));
    print_marks(&marks, args.quiet);
    if args.require_marks && !marks_required(&marks, args) {
        broken += 1;
    }
    Ok(if broken == 0 { 0 } else { 2 })
}

/// `--require-marks`: every mark the family can reach was reached; says which were not.
fn marks_required(marks: &link_core::MarkCounts, args: &Args) -> bool {
    let known = link_check::unreachable_marks(args.links, args.families);
    let gaps: Vec<&str> = marks
        .unreached()
        .filter(|mark| !known.iter().any(|(m, _)| m == mark))
        .map(link_core::Mark::name)
        .collect();
    if !gaps.is_empty() {
        say(&wrap(&format!(
            "FAILED: never reached, though this family can reach them: {}",
            gaps.join(", ")
        )));
    }
    let stale: Vec<&str> = known
        .iter()
        .filter(|(mark, _)| marks.get(*mark) > 0)
        .map(|(mark, _)| mark.name())
        .collect();
    if !stale.is_empty() {
        say(&wrap(&format!(
            "FAILED: reached, though documented as unreachable for this family (mend link_check::unreachable_marks): {}",
            stale.join(", ")
        )));
    }
    gaps.is_empty() && stale.is_empty()
}

/// Which rule decisions the searches' transitions took: a line per mark with the
/// transitions that took it (not with `--quiet`), then how many were reached and the
/// names of those never reached.
fn print_marks(marks: &link_core::MarkCounts, quiet: bool) {
    if !quiet {
        say("rule marks (transitions that took each decision):");
        for (mark, count) in marks.iter() {
            say(&format!("  {:<36} {count:>12}", mark.name()));
        }
    }
    let unreached: Vec<&str> = marks.unreached().map(link_core::Mark::name).collect();
    let reached = link_core::Mark::COUNT - unreached.len();
    let mut line = format!(
        "rule marks: {reached} of {} reached",
        link_core::Mark::COUNT
    );
    if !unreached.is_empty() {
        line += &format!("; never reached: {}", unreached.join(", "));
    }
    say(&wrap(&line));
}

/// `text` broken at spaces into lines of at most 100 columns, continued with an indent.
fn wrap(text: &str) -> String {
    let mut out = String::new();
    let mut width = 0;
    for word in text.split(' ') {
        if width > 0 && width + 1 + word.len() > 100 {
            out.push_str("\n ");
            width = 1;
        } else if width > 0 {
            out.push(' ');
            width += 1;
        }
        out.push_str(word);
        width += word.len();
    }
    out
}

fn families_text(f: Families) -> &'static str {
    match (f.reconfigure, f.options) {
        (false, false) => "",
        (true, false) => " with reconfiguration",
        (false, true) => " with option changes",
        (true, true) => " with reconfiguration and option changes",
    }
}

/// Serves stateright's Explorer on `address` until the process is stopped.
fn serve(model: LinkModel, address: &str) -> Result<u8, String> {
    // stateright's server panics when it cannot bind: try the address first.
    drop(
        std::net::TcpListener::bind(address)
            .map_err(|e| format!("cannot listen on {address}: {e}"))?,
    );
    say(&format!(
        "Explorer for {} on http://{address}/ (Ctrl-C stops it)",
        model.setup.name()
    ));
    let checker = model.checker().serve(address);
    let _ = checker;
    loop {
        std::thread::park();
    }
}
