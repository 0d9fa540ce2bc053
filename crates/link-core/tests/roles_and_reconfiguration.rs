//! R9, R11 and R13 in every phase: role changes and reconfiguration while idle, in a
//! procedure, active and restarting, including the interleavings a review found wrong.
//! A backup's restriction is about *configured* priorities (R2: "highest configured");
//! selection among open connections uses the priority each was opened with (R13).

mod common;

use common::{config, Harness};
use link_core::{Action, CloseReason, Event, LinkState, Phase, Role, Timer};

const ABC: &[(&str, i32)] = &[("CSTA_A", 10), ("CSTA_B", 5), ("CSTA_C", 1)];
const AB: &[(&str, i32)] = &[("CSTA_A", 10), ("CSTA_B", 5)];

// R11, R6: a link R6 closed in this procedure is not reopened by a promotion, and
// promotion opens nothing below an operational link.
#[test]
fn promotion_mid_procedure_does_not_reopen_a_link_r6_closed() {
    let mut h = Harness::started(ABC, Role::Primary);
    h.bring_up("CSTA_B"); // R6 closes C; B waits for A
    let a = h.id("CSTA_A");
    h.step(Event::Reconfigured {
        link: a,
        priority: Some(3),
    }); // highest configured is now 5
    let demoted = h.role(Role::Backup);
    assert!(
        h.closed(&demoted).contains(&"CSTA_A".to_string()),
        "A (configured 3) is below 5"
    );
    let promoted = h.role(Role::Primary);
    assert!(
        !h.opened(&promoted).contains(&"CSTA_C".to_string()),
        "C cannot win against operational B"
    );
    assert_eq!(
        h.active().as_deref(),
        Some("CSTA_B"),
        "nothing higher waits any more"
    );
}

// R11, R1: promotion opens every link not yet tried in this procedure, including one
// raised to the highest priority after the procedure began.
#[test]
fn promotion_opens_a_link_raised_to_the_highest_after_the_procedure_began() {
    let mut h = Harness::started(AB, Role::Backup);
    let b = h.id("CSTA_B");
    h.accept("CSTA_A");
    let raised = h.step(Event::Reconfigured {
        link: b,
        priority: Some(10),
    });
    assert_eq!(
        h.opened(&raised),
        ["CSTA_B"],
        "B is now a highest link: the backup opens it (R2)"
    );
    h.refuse("CSTA_B");
    let promoted = h.role(Role::Primary);
    assert!(
        h.opened(&promoted).is_empty(),
        "both links were tried in this procedure"
    );
    h.fire(Timer::ConnectTimeout);
    assert_eq!(
        h.state("CSTA_B"),
        LinkState::Connecting,
        "the next procedure tries B again"
    );
}

// R2, R13: a backup whose waiting link is raised keeps it (it is the highest now).
#[test]
fn backup_keeps_a_waiting_link_raised_above_the_rest() {
    let mut h = Harness::started(AB, Role::Backup);
    let a = h.id("CSTA_A");
    let actions = h.step(Event::Reconfigured {
        link: a,
        priority: Some(20),
    });
    assert!(h.closed(&actions).is_empty(), "{actions:?}");
    assert_eq!(h.state("CSTA_A"), LinkState::Connecting);
}

// R2, R9, R13: raising a closed link makes the backup drop the old highest and open it at once.
#[test]
fn backup_in_a_procedure_switches_to_a_link_raised_above_the_open_one() {
    let mut h = Harness::started(AB, Role::Backup);
    let (a, b) = (h.conn("CSTA_A"), h.id("CSTA_B"));
    let actions = h.step(Event::Reconfigured {
        link: b,
        priority: Some(20),
    });
    assert!(actions.contains(&Action::Close {
        conn: a,
        reason: CloseReason::BackupRestriction
    }));
    assert_eq!(h.opened(&actions), ["CSTA_B"]);
    h.bring_up("CSTA_B");
    assert_eq!(h.active().as_deref(), Some("CSTA_B"));
}

// I5, R13: a backup's waiting link lowered below another configured link is closed.
#[test]
fn backup_closes_a_waiting_link_lowered_below_the_highest_configured() {
    let mut h = Harness::started(AB, Role::Backup);
    let a = h.conn("CSTA_A");
    let actions = h.step(Event::Reconfigured {
        link: a.link,
        priority: Some(1),
    });
    assert!(actions.contains(&Action::Close {
        conn: a,
        reason: CloseReason::BackupRestriction
    }));
    assert_eq!(
        h.opened(&actions),
        ["CSTA_B"],
        "B is the highest configured now"
    );
    h.bring_up("CSTA_B");
    assert_eq!(
        h.selected_logs(),
        ["STANDARD CTI link CSTA_B with priority 5 is selected"]
    );
}

// R13 before start: the first procedure uses the new settings.
#[test]
fn reconfiguration_before_start_applies_to_the_first_procedure() {
    let mut h = Harness::new(config(AB, Role::Backup));
    let b = h.id("CSTA_B");
    assert!(h
        .step(Event::Reconfigured {
            link: b,
            priority: Some(30)
        })
        .iter()
        .all(|a| matches!(a, Action::Log(_))));
    let actions = h.start();
    assert_eq!(h.opened(&actions), ["CSTA_B"]);
}

// R13 while restarting: the restart uses the new settings.
#[test]
fn reconfiguration_while_restarting_applies_at_the_restart() {
    let mut h = Harness::started(AB, Role::Backup);
    h.bring_up("CSTA_A");
    h.peer_close("CSTA_A");
    assert_eq!(h.core.phase(), Phase::Restarting);
    let b = h.id("CSTA_B");
    let actions = h.step(Event::Reconfigured {
        link: b,
        priority: Some(30),
    });
    assert!(
        h.opened(&actions).is_empty(),
        "nothing opens before the restart timeout"
    );
    let restart = h.fire(Timer::RestartDelay);
    assert_eq!(h.opened(&restart), ["CSTA_B"]);
}

// R11 while restarting: a promotion takes effect at the restart (and opens everything).
#[test]
fn promotion_while_restarting_opens_every_link_at_the_restart() {
    let mut h = Harness::started(ABC, Role::Backup);
    h.bring_up("CSTA_A");
    h.peer_close("CSTA_A");
    let promoted = h.role(Role::Primary);
    assert!(h.opened(&promoted).is_empty());
    let restart = h.fire(Timer::RestartDelay);
    assert_eq!(h.opened(&restart), ["CSTA_A", "CSTA_B", "CSTA_C"]);
}

// R11 before start: the first procedure uses the role given.
#[test]
fn promotion_before_start_opens_every_link_at_start() {
    let mut h = Harness::new(config(ABC, Role::Backup));
    h.role(Role::Primary);
    assert_eq!(
        h.core.config().role,
        Role::Primary,
        "config() shows the current role"
    );
    let actions = h.start();
    assert_eq!(h.opened(&actions), ["CSTA_A", "CSTA_B", "CSTA_C"]);
}

// R11, R6: promotion opens an untried link only if it could still win, i.e. its priority
// is above the operational link's. Reaching that state takes a backup whose open links
// were opened at a lower priority than they are configured at now.
#[test]
fn promotion_opens_only_untried_links_above_the_operational_one() {
    let links = &[
        ("A", 10),
        ("B", 10),
        ("X", 1),
        ("LOW", 5),
        ("LOWER", 0),
        ("SAME", 3),
    ];
    let mut h = Harness::started(links, Role::Backup);
    let (a, b, x) = (h.id("A"), h.id("B"), h.id("X"));
    // A and B are open at priority 10; raising them keeps them open with that priority.
    h.step(Event::Reconfigured {
        link: a,
        priority: Some(20),
    });
    h.step(Event::Reconfigured {
        link: b,
        priority: Some(20),
    });
    // X, never opened, becomes a highest link: the backup opens it at 20.
    let opened = h.step(Event::Reconfigured {
        link: x,
        priority: Some(20),
    });
    assert_eq!(h.opened(&opened), ["X"]);
    // A turns operational at 10: R6 closes B (10), X (20) still waits above it.
    h.bring_up("A");
    assert_eq!(h.state("A"), LinkState::Operational);
    assert_eq!(h.state("B"), LinkState::Closed);
    assert_eq!(h.active(), None);
    // SAME is raised to A's priority; a backup may not open it (20 is the highest).
    let same = h.id("SAME");
    let raised = h.step(Event::Reconfigured {
        link: same,
        priority: Some(10),
    });
    assert!(h.opened(&raised).is_empty());
    // Promoted: LOW (5), LOWER (0) and SAME (10) were never tried, but none could beat
    // A (10): a tie goes to the first normal, which A already reported (R6).
    let promoted = h.role(Role::Primary);
    assert!(h.opened(&promoted).is_empty(), "{promoted:?}");
}

// R11: a promotion opens no untried link that could not beat the operational link it
// would run against. To have an operational link held back in a backup's procedure,
// the backup's links are raised while it runs: A (opened at 2) is raised to 3, D
// (untried, at 1) to 3 and opened at 3; A turns operational, held by D. Then B and C
// (1) are untried, allowed to a primary, and below A's 2: they stay closed.
#[test]
fn promotion_leaves_closed_an_untried_link_that_could_not_win() {
    let links = &[("CSTA_A", 2), ("CSTA_B", 1), ("CSTA_C", 1), ("CSTA_D", 1)];
    let mut h = Harness::started(links, Role::Backup);
    let (a, d) = (h.id("CSTA_A"), h.id("CSTA_D"));
    h.step(Event::Reconfigured {
        link: a,
        priority: Some(3),
    });
    let raised = h.step(Event::Reconfigured {
        link: d,
        priority: Some(3),
    });
    assert_eq!(h.opened(&raised), ["CSTA_D"], "D is a highest link now");
    h.bring_up("CSTA_A");
    assert_eq!(h.state("CSTA_A"), LinkState::Operational, "held by D (3)");
    let promoted = h.role(Role::Primary);
    assert!(
        h.opened(&promoted).is_empty(),
        "B and C (1) cannot beat operational A (opened at 2): {:?}",
        h.opened(&promoted)
    );
    if link_core::MARKS_ENABLED {
        assert_eq!(h.core.marks().get(link_core::Mark::PromotionSkipsLosers), 2);
    }
}

// The rule marks count decisions taken, not chances to take them: a procedure "opens
// every link" only where the role lets it, a backup's skipped links count one each,
// and a promotion "opens the rest" only when it opened something. (Mutation testing
// found these counts unchecked.)
#[test]
fn role_marks_count_only_the_decisions_taken() {
    use link_core::Mark;
    if common::marks_skipped() {
        return;
    }
    let primary = Harness::started(ABC, Role::Primary).core.marks();
    assert_eq!(primary.get(Mark::ProcedureOpensEveryLink), 1);
    assert_eq!(primary.get(Mark::BackupOpensHighestOnly), 0);
    let mut h = Harness::started(ABC, Role::Backup);
    let backup = h.core.marks();
    assert_eq!(
        backup.get(Mark::ProcedureOpensEveryLink),
        0,
        "only A opened"
    );
    assert_eq!(backup.get(Mark::BackupOpensHighestOnly), 2, "B and C left");
    let promoted = h.role(Role::Primary);
    assert_eq!(h.opened(&promoted), ["CSTA_B", "CSTA_C"]);
    assert_eq!(h.core.marks().get(Mark::PromotionOpensTheRest), 1);
    h.role(Role::Standalone);
    assert_eq!(
        h.core.marks().get(Mark::PromotionOpensTheRest),
        1,
        "nothing was left to open"
    );
}
