//! [`Invariant`]: which property of `docs/spec.md` a violation breaks, typed from the
//! check that finds it to the exit code, and whether that property is about *safety*
//! (something wrong happened: I1-I10, and H1's "never two primaries") or *liveness*
//! (something needed did not happen in time: L1, H1's recovery, and a run that used its
//! whole step budget). The two kinds get distinct exit codes. [`Found`] is one
//! violation: which, where, when, what.

use std::fmt;

use serde::{Serialize, Serializer};

/// An invariant violation: which, where, when, what.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Found {
    /// The invariant, e.g. `I3` or `L1` (it prints and serializes as its name).
    pub invariant: Invariant,
    /// The server, if one is to blame.
    pub server: Option<String>,
    /// Virtual time, nanoseconds.
    pub at_ns: u64,
    /// What was seen.
    pub detail: String,
}

/// What a property promises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Nothing wrong ever happens: broken at one step.
    Safety,
    /// Something needed happens within a bound: broken when the bound passes.
    Liveness,
}

/// A property the simulator checks. Each prints as the name `docs/spec.md` gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Invariant {
    /// As [`link_core::Invariant::I1`] says.
    I1,
    /// As [`link_core::Invariant::I2`] says; the simulator also checks it from outside
    /// (the keep-alive counters and failure statuses it carried).
    I2,
    /// As [`link_core::Invariant::I3`] says.
    I3,
    /// As [`link_core::Invariant::I4`] says.
    I4,
    /// As [`link_core::Invariant::I5`] says.
    I5,
    /// As [`link_core::Invariant::I6`] says.
    I6,
    /// As [`link_core::Invariant::I7`] says.
    I7,
    /// As [`link_core::Invariant::I8`] says.
    I8,
    /// No input makes the core panic or refuse a well-formed input.
    I9,
    /// The same seed gives the same trace.
    I10,
    /// Bounded recovery after faults heal, and the active link stays while nothing fails.
    L1,
    /// H1's safety: the Management Layer never leaves both servers primary.
    H1,
    /// H1's liveness: after the primary's active link fails, the pair has an active
    /// link again within the bound. Prints as `H1`.
    H1Recovery,
    /// Not in the spec: a drawn world used its whole step budget (a busy loop). Prints
    /// as `steps`.
    StepBudget,
}

impl Invariant {
    /// Safety or liveness.
    pub fn kind(self) -> Kind {
        match self {
            Invariant::L1 | Invariant::H1Recovery | Invariant::StepBudget => Kind::Liveness,
            _ => Kind::Safety,
        }
    }

    /// Every property, in spec order.
    pub const ALL: [Invariant; 14] = [
        Invariant::I1,
        Invariant::I2,
        Invariant::I3,
        Invariant::I4,
        Invariant::I5,
        Invariant::I6,
        Invariant::I7,
        Invariant::I8,
        Invariant::I9,
        Invariant::I10,
        Invariant::L1,
        Invariant::H1,
        Invariant::H1Recovery,
        Invariant::StepBudget,
    ];

    /// The name as printed (`I3`, `L1`, `H1`, `steps`).
    pub fn name(self) -> &'static str {
        match self {
            Invariant::I1 => "I1",
            Invariant::I2 => "I2",
            Invariant::I3 => "I3",
            Invariant::I4 => "I4",
            Invariant::I5 => "I5",
            Invariant::I6 => "I6",
            Invariant::I7 => "I7",
            Invariant::I8 => "I8",
            Invariant::I9 => "I9",
            Invariant::I10 => "I10",
            Invariant::L1 => "L1",
            Invariant::H1 | Invariant::H1Recovery => "H1",
            Invariant::StepBudget => "steps",
        }
    }

    /// The invariant a debug build of link-core names in its panic message
    /// (`... I3 violated: ...`), if any.
    pub fn named_in_panic(message: &str) -> Option<Invariant> {
        let words: Vec<&str> = message.split_whitespace().collect();
        let name = words
            .windows(2)
            .find(|pair| pair[1] == "violated:")
            .map(|pair| pair[0])?;
        let core = link_core::Invariant::ALL
            .into_iter()
            .find(|invariant| invariant.name() == name)?;
        Some(core.into())
    }
}

impl From<link_core::Invariant> for Invariant {
    fn from(invariant: link_core::Invariant) -> Self {
        match invariant {
            link_core::Invariant::I1 => Invariant::I1,
            link_core::Invariant::I2 => Invariant::I2,
            link_core::Invariant::I3 => Invariant::I3,
            link_core::Invariant::I4 => Invariant::I4,
            link_core::Invariant::I5 => Invariant::I5,
            link_core::Invariant::I6 => Invariant::I6,
            link_core::Invariant::I7 => Invariant::I7,
            link_core::Invariant::I8 => Invariant::I8,
        }
    }
}

impl fmt::Display for Invariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Serialized as its printed name, as traces and `explore --json` always had it.
impl Serialize for Invariant {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_core_invariant_maps_to_its_name_and_kind() {
        let core = [
            link_core::Invariant::I1,
            link_core::Invariant::I3,
            link_core::Invariant::I4,
            link_core::Invariant::I5,
            link_core::Invariant::I6,
            link_core::Invariant::I7,
            link_core::Invariant::I8,
        ];
        for invariant in core {
            let ours = Invariant::from(invariant);
            assert_eq!(ours.name(), format!("{invariant:?}"));
            assert_eq!(ours.kind(), Kind::Safety);
            let message =
                format!("link-core invariant violated after X at 1s: {invariant:?} violated: d");
            assert_eq!(Invariant::named_in_panic(&message), Some(ours));
        }
        assert_eq!(Invariant::named_in_panic("index out of bounds"), None);
        assert_eq!(
            Invariant::named_in_panic("I9 violated: no such check"),
            None
        );
    }

    #[test]
    fn liveness_is_l1_the_pairs_recovery_and_the_step_budget() {
        assert_eq!(Invariant::L1.kind(), Kind::Liveness);
        assert_eq!(Invariant::H1Recovery.kind(), Kind::Liveness);
        assert_eq!(Invariant::StepBudget.kind(), Kind::Liveness);
        assert_eq!(Invariant::H1.kind(), Kind::Safety);
        assert_eq!(Invariant::I9.kind(), Kind::Safety);
        assert_eq!(Invariant::H1Recovery.to_string(), "H1");
        assert_eq!(serde_json::to_string(&Invariant::I10).unwrap(), "\"I10\"");
    }
}
