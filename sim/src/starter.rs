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

/// A starter scenario named `name` whose links and timing come from the T-Server
/// options export `options_file` (as the scenario names it: beside it or under it; a
/// copy of `source`, if given), whose configuration is `config`: one standalone server
/// (a comment shows the HA pair), the connector of the highest-priority link crashing
/// at a moment drawn from the seed between 5 s and 30 s, for 60 s, the other
/// connectors with up to 200 ms of jitter (so that a sweep over seeds spreads), and no
/// expectations (comments show some, with the export's link names), so that a run
/// shows the failover and its outage figures whatever the links are.
pub fn from_options(
    name: &str,
    options_file: &str,
    source: Option<&str>,
    config: &link_core::Config,
) -> String {
    let field = serde_json::to_string(name).expect("a string serializes");
    let options = serde_json::to_string(options_file).expect("a string serializes");
    let shown = link_core::printable(name);
    let (top, top_priority) = highest_link(config);
    let top_field = serde_json::to_string(&top).expect("a string serializes");
    let links: Vec<String> = config
        .links
        .iter()
        .map(|l| {
            format!(
                "{} ({})",
                link_core::printable(&l.name),
                l.priority.unwrap_or(0)
            )
        })
        .collect();
    let jittery = jittery_connectors(config, &top);
    let copied = source.map_or(String::new(), |source| {
        format!(" (a copy of {})", link_core::printable(source))
    });
    let copied = in_string(&copied);
    format!(
        r#"// A linksim scenario (format 1) over a T-Server options export. Lines starting with
// // are comments. Every field is documented in scenarios/README.md.
// Run it:  linksim run {shown}.json        Draw it:  linksim run {shown}.json --html {shown}.html
{{
  "format": 1,
  "name": {field},
  "description": "The links and timing of {options_text}{copied}; the connector of the highest-priority link crashes at a moment drawn from the seed, for a minute.",
  "seed": 1,
  "run_for": "100s",
  "config": {{
    // Links ({links}), connect-tout and the kpl-* options come from the export.
    "options": {options},
    "restart_timeout": "10s"    // no T-Server option holds it; sweep it with --set
  }},
  // One standalone server named "ts". For an HA pair:
  // "servers": [ {{ "name": "ts1", "role": "primary" }}, {{ "name": "ts2", "role": "backup" }} ],
  // The other connectors answer with up to 200 ms of jitter, drawn from the seed.
  "connectors": {{
{jittery}
  }},
  "faults": [
    // The connector of the highest-priority link ({top_text}, priority {top_priority})
    // crashes at a moment drawn from the seed (each seed draws another one).
    {{ "fault": "crash", "at": "5s..30s", "link": {top_field}, "for": "60s" }}
  ],
  // Every invariant is checked on every step; add what you expect, for example:
  // {{ "expect": "active_at", "at": "5s", "link": {top_field} }},
  // {{ "expect": "max_outage", "server": "ts", "at_most": "15s" }}
  "expect": []
}}
"#,
        options_text = in_string(&link_core::printable(options_file)),
        links = links.join(", "),
        jittery = jittery,
        top_text = link_core::printable(&top),
    )
}

/// The name and priority of the highest-priority link (of several, the first by name).
fn highest_link(config: &link_core::Config) -> (String, i32) {
    config
        .links
        .iter()
        .max_by_key(|link| {
            (
                link.priority.unwrap_or(0),
                std::cmp::Reverse(link.name.clone()),
            )
        })
        .map(|link| (link.name.clone(), link.priority.unwrap_or(0)))
        .unwrap_or_default()
}

/// The `connectors` entries of every link but `top`: up to 200 ms of jitter each.
fn jittery_connectors(config: &link_core::Config, top: &str) -> String {
    let entries: Vec<String> = config
        .links
        .iter()
        .filter(|l| l.name != top)
        .map(|l| {
            let name = serde_json::to_string(&l.name).expect("a string serializes");
            format!("    {name}: {{ \"jitter\": \"200ms\" }}")
        })
        .collect();
    entries.join(",\n")
}

/// `text` as it is written inside a JSON string (quotes and backslashes escaped).
fn in_string(text: &str) -> String {
    let quoted = serde_json::to_string(text).expect("a string serializes");
    quoted[1..quoted.len() - 1].to_string()
}

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
