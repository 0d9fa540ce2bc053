//! `linksim schema`: the JSON Schema of the scenario format, generated from its types.

use linksim::Exit;

/// Prints the schema.
pub fn command() -> Exit {
    outln!("{}", linksim::schema_json());
    Exit::Pass
}
