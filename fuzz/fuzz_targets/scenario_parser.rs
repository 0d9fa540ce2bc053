//! Fuzzes the scenario reader: any bytes must give a scenario or a located error, never
//! a panic; a scenario it accepts (with a bounded run) must also run without a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match linksim::scenario::parse(Path::new("fuzz.json"), text) {
        Ok(checked) if checked.scenario.run_for.0 <= std::time::Duration::from_secs(600) => {
            let _ = linksim::run(checked, false);
        }
        Ok(_) => {}
        Err(error) => assert!(!error.message.is_empty()),
    }
});
