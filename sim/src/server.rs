//! [`Server`]: one simulated T-Server: its link-core, its name, and the history of what
//! it did.

use link_core::LinkCore;

use crate::history::History;

/// A server: its core and what it did.
pub(crate) struct Server {
    /// Its name in the scenario.
    pub(crate) name: String,
    /// Its link selection.
    pub(crate) core: LinkCore,
    /// What it did, for expectations and the picture.
    pub(crate) history: History,
}
