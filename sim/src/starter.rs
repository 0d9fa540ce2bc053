//! The starter scenario: what `linksim new` writes and what the browser playground
//! opens with. It runs as is, and its comments point at the format's documentation.

/// The starter scenario named `name` (its `name` field, written as a JSON string, and
/// the commands in its comments, with any control character escaped).
pub fn scenario(name: &str) -> String {
    let field = serde_json::to_string(name).expect("a string serializes");
    TEMPLATE
        .replace("\"name\": \"NAME\"", &format!("\"name\": {field}"))
        .replace("NAME", &link_core::printable(name))
}

/// The starter's text; `NAME` is replaced by the scenario's name.
const TEMPLATE: &str = r#"// A linksim scenario (format 1). Lines starting with // are comments.
// Every field is documented in scenarios/README.md; `linksim schema` prints the schema.
// Run it:  linksim run NAME.json        Draw it:  linksim run NAME.json --html NAME.html
{
  "format": 1,
  "name": "NAME",
  "description": "Two links; the better one fails and the server fails over to the other.",
  "seed": 1,                    // all randomness (jitter) comes from this seed
  "run_for": "40s",             // virtual time; durations always carry a unit
  "config": {
    "connect_tout": "2s",       // connect-tout: bound of one connection procedure
    "restart_timeout": "10s",   // wait after an active-link failure before reconnecting
    "kpl_interval": "10s",      // keep-alive on the active link; "0s" turns it off
    "kpl_tolerance": 3,
    "links": [
      { "name": "CSTA_MAIN", "priority": 10 },   // higher priority wins
      { "name": "CSTA_SPARE", "priority": 5 }
    ]
  },
  // No "servers": one standalone server named "ts". For an HA pair:
  // "servers": [ { "name": "ts1", "role": "primary" }, { "name": "ts2", "role": "backup" } ],
  "connectors": {
    "CSTA_MAIN": { "accept_after": "10ms", "associate_after": "200ms" },
    "CSTA_SPARE": { "accept_after": "10ms", "associate_after": "50ms" }
  },
  "faults": [
    // The main connector crashes at 10 s and stays down for a minute.
    { "fault": "crash", "at": "10s", "link": "CSTA_MAIN", "for": "60s" }
  ],
  "expect": [
    // The spare is operational first but waits for the higher link (R7).
    { "expect": "active_at", "at": "1s", "link": "CSTA_MAIN" },
    { "expect": "log", "number": 35115, "text": "STANDARD CTI link CSTA_MAIN with priority 10 is selected", "count": 1 },
    // The crash: one EventLinkDisconnected, then the restart timeout (R10).
    { "expect": "client_event", "event": "EventLinkDisconnected", "count": 1 },
    { "expect": "active_at", "at": "15s", "link": null },
    { "expect": "active_by", "by": "21s", "link": "CSTA_SPARE" }
  ]
}
"#;

#[cfg(test)]
mod tests {
    #[test]
    fn the_starter_is_a_valid_scenario_under_its_name() {
        let text = super::scenario("first");
        let checked = crate::scenario::parse(std::path::Path::new("first.json"), &text)
            .expect("the starter parses and checks");
        assert_eq!(checked.scenario.name, "first");
        assert!(!text.contains("NAME"));
    }
}
