//! `playground-page MODULE.wasm SCENARIOS_DIR OUT.html`: assembles the playground page
//! from its template (`page/template.html`), the built module (inlined as base64) and
//! the bundled scenarios (every `*.json` of the folder, by name, except those that import
//! a T-Server options file: the browser has no files). `scripts/playground.sh` builds the
//! module and runs this; CI runs the script and fails when `docs/playground.html` differs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const TEMPLATE: &str = include_str!("../page/template.html");

fn main() -> ExitCode {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [module, scenarios, out] = args.as_slice() else {
        eprintln!("usage: playground-page MODULE.wasm SCENARIOS_DIR OUT.html");
        return ExitCode::from(2);
    };
    match assemble(module, scenarios).and_then(|page| {
        std::fs::write(out, page).map_err(|e| format!("cannot write {}: {e}", out.display()))
    }) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The page's text.
fn assemble(module: &Path, scenarios: &Path) -> Result<String, String> {
    let wasm =
        std::fs::read(module).map_err(|e| format!("cannot read {}: {e}", module.display()))?;
    let bundled = bundled_scenarios(scenarios)?;
    // JSON in a <script> element: "</" would end the element, and "\/" means "/".
    let json = serde_json::to_string(&bundled)
        .map_err(|e| e.to_string())?
        .replace("</", "<\\/");
    Ok(TEMPLATE
        .replace("{{SCENARIOS_JSON}}", &json)
        .replace("{{WASM_BASE64}}", &base64(&wasm)))
}

/// The folder's scenarios by name (the file name without `.json`), in name order.
fn bundled_scenarios(folder: &Path) -> Result<BTreeMap<String, String>, String> {
    let entries =
        std::fs::read_dir(folder).map_err(|e| format!("cannot read {}: {e}", folder.display()))?;
    let mut bundled = BTreeMap::new();
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().is_none_or(|ext| ext != "json") {
            continue;
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let checked = linksim::scenario::parse(&path, &text).map_err(|e| e.to_string())?;
        if checked.scenario.config.options.is_some() {
            eprintln!("left out {}: it imports an options file", path.display());
            continue;
        }
        let name = path.file_stem().unwrap_or_default().to_string_lossy();
        bundled.insert(name.into_owned(), text);
    }
    Ok(bundled)
}

/// Standard base64 with padding (RFC 4648), as `atob` reads it.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::base64;

    #[test]
    fn base64_matches_rfc_4648_test_vectors() {
        let vectors = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in vectors {
            assert_eq!(base64(plain.as_bytes()), encoded, "{plain:?}");
        }
        assert_eq!(base64(&[0xfb, 0xff]), "+/8=");
    }
}
