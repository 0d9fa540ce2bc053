//! Identifiers: which link ([`LinkId`]) and which connection attempt on it ([`ConnId`]).
//!
//! A link is identified by its position in the configuration. Every time the core opens
//! a link it starts a new *generation*; the pair (link, generation) names one connection
//! attempt. Inputs carry the `ConnId` they concern, so an event that arrives after the
//! core closed that connection (a late response, status or close) is recognised as
//! stale and changes nothing.

use core::fmt;

/// A configured link, by its index in [`Config::links`](crate::Config::links).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(transparent)
)]
pub struct LinkId(u16);

impl LinkId {
    /// The link at `index` in the configuration. The core answers
    /// [`StepError::UnknownLink`](crate::StepError::UnknownLink) for an index it does
    /// not have; this constructor does not check.
    pub const fn new(index: u16) -> Self {
        LinkId(index)
    }

    /// The index of this link in the configuration.
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for LinkId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "link#{}", self.0)
    }
}

/// One connection attempt: a link and the generation the core gave it when it opened it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ConnId {
    /// The link this connection belongs to.
    pub link: LinkId,
    /// Counts the opens of this link, starting at 1 for the first.
    pub generation: u32,
}

impl fmt::Display for ConnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.link, self.generation)
    }
}
