//! Which rule marks ([`link_core::Mark`]) a search of one family of configurations
//! cannot reach, and why: `link-check --require-marks` fails on any other mark its
//! transitions never took. The reasons are the environment's choices (which options it
//! changes, to which values) and what a configuration of so few links allows.

use link_core::Mark;

use crate::setup::Families;

/// The marks a search of every configuration of up to `links` links with `families`
/// cannot reach, each with the reason.
pub fn unreachable_marks(links: usize, families: Families) -> Vec<(Mark, &'static str)> {
    let mut marks = vec![
        (
            Mark::UnstableAtOptionChange,
            "the environment's tolerances are 0 and 2: at 0 there is no unstable state, and \
             raising it to 2 comes from 0, where the first failure already lost the link",
        ),
        (
            Mark::KeepAliveStopped,
            "the environment does not change kpl-interval",
        ),
        (
            Mark::IntervalRestarted,
            "the environment does not change kpl-interval",
        ),
        (
            Mark::WarningCounterDropped,
            "the environment's loss rate is always a pair of values",
        ),
        (
            Mark::SeveralOptions,
            "the environment changes one option per input",
        ),
    ];
    if !(families.reconfigure && links >= 3) {
        marks.push((
            Mark::PromotionSkipsLosers,
            "needs a backup's operational link held back by a higher waiting one, which only \
             raises of two links' priorities within one procedure make (three links and \
             --reconfigure at least)",
        ));
    }
    if links == 1 {
        let alone = "one link: it is always the highest, and it is selected as soon as it \
                     turns operational";
        marks.extend(
            [
                Mark::BackupOpensHighestOnly,
                Mark::TieFirstNormalWins,
                Mark::LowerSuperseded,
                Mark::HeldByHigherWaiting,
                Mark::SelectedAfterHigherLeft,
                Mark::ExpirySelects,
                Mark::BackupDropsActive,
                Mark::BackupClosesInProcedure,
                Mark::PromotionOpensTheRest,
                Mark::CandidateWithdrawn,
                Mark::CandidateClosed,
                Mark::WithdrawnRevalidated,
            ]
            .map(|mark| (mark, alone)),
        );
    }
    if !families.reconfigure {
        let why = "no reconfiguration in this family (--reconfigure)";
        marks.extend([Mark::ActiveReconfigured, Mark::OtherReconfigured].map(|m| (m, why)));
    }
    if !families.options {
        let why = "no option changes in this family (--options)";
        let options = [
            Mark::LostAtOptionChange,
            Mark::OptionsWhileActive,
            Mark::OptionsWhileSelecting,
        ];
        marks.extend(options.map(|m| (m, why)));
    }
    marks.sort_by_key(|&(mark, _)| mark);
    marks.dedup_by_key(|&mut (mark, _)| mark);
    marks
}
