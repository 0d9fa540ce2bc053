//! Swept settings: `--set key=v1,v2,...` parsed, and one value of each written into a
//! scenario's JSON before it is checked, so a swept value is refused with the same
//! message a file holding it would get.
//!
//! A key is a path into the scenario (`.` between parts):
//! - a bare name is a top-level field the scenario has (`run_for`), else a timing
//!   option of `config` (`connect_tout`, `restart_timeout`, `kpl_interval`, ...);
//! - `links.NAME.priority` is a link's priority (`links` means `config.links`);
//! - `connectors.NAME.accept_after` is a connector's delay, `network.latency`,
//!   `management.switch_after` and any other field by its path;
//! - inside a list, a part picks the element whose `name` it is (or its index).
//!
//! A value is JSON when it reads as a number, `true`, `false`, `null`, a list or an
//! object, and a string otherwise (`2s`). Commas inside brackets or quotes do not split
//! values: `kpl_loss_rate="10, 0","4"`.

use serde_json::{Map, Value};

/// A `--set` that cannot be swept.
#[derive(Debug, thiserror::Error)]
pub enum SetError {
    /// Not `KEY=VALUE[,VALUE...]`.
    #[error("--set {0:?}: write KEY=VALUE[,VALUE...], e.g. connect_tout=1s,2s,5s")]
    Form(String),
    /// An empty key, or a key with an empty part.
    #[error("--set {0:?}: the key is empty or has an empty part")]
    EmptyKey(String),
    /// An empty value.
    #[error("--set {0:?}: a value is empty")]
    EmptyValue(String),
    /// The scenario is not JSON.
    #[error("not a JSON scenario ({0}); fix the file first")]
    NotJson(serde_json::Error),
    /// `seed` is swept.
    #[error("--set {0}: each run's seed comes from --seeds; sweep the seed range instead")]
    Seed(String),
    /// Two keys set one field.
    #[error("--set {first} and --set {second} both set {path}; give each field once")]
    Twice {
        /// The first key.
        first: String,
        /// The second key.
        second: String,
        /// The field both set.
        path: String,
    },
    /// A key whose path does not lead to a field.
    #[error("--set {key}: {why}")]
    Path {
        /// The key.
        key: String,
        /// Where the path stops.
        why: String,
    },
}

/// One `--set`: a key and the values it takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    /// The key as written.
    pub key: String,
    /// The values as written, in order.
    pub values: Vec<String>,
}

/// Parses `key=v1,v2,...`.
pub fn parse_set(text: &str) -> Result<Setting, SetError> {
    let Some((key, values)) = text.split_once('=') else {
        return Err(SetError::Form(text.into()));
    };
    let key = key.trim();
    if key.is_empty() || key.split('.').any(str::is_empty) {
        return Err(SetError::EmptyKey(text.into()));
    }
    let values = split_values(values);
    if values.iter().any(String::is_empty) {
        return Err(SetError::EmptyValue(text.into()));
    }
    Ok(Setting {
        key: key.to_string(),
        values,
    })
}

/// Splits on commas outside brackets, braces and double quotes.
fn split_values(text: &str) -> Vec<String> {
    let (mut values, mut current, mut depth, mut quoted) = (Vec::new(), String::new(), 0i32, false);
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '[' | '{' if !quoted => depth += 1,
            ']' | '}' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                values.push(std::mem::take(&mut current).trim().to_string());
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    values.push(current.trim().to_string());
    values
}

/// The value `raw` as JSON: itself when it parses as JSON, else a string.
fn json_value(raw: &str) -> Value {
    match serde_json::from_str::<Value>(raw) {
        Ok(value) => value,
        Err(_) => Value::String(raw.to_string()),
    }
}

fn parse_root(text: &str) -> Result<Value, SetError> {
    let uncommented = crate::scenario::strip_comments(text);
    serde_json::from_str(&uncommented).map_err(SetError::NotJson)
}

/// Refuses settings that would silently do nothing or undo each other in `text`: two
/// keys for the same field (`connect_tout` and `config.connect_tout`), and `seed`
/// (each run's seed comes from `--seeds`).
pub fn check_distinct(text: &str, settings: &[Setting]) -> Result<(), SetError> {
    if settings.is_empty() {
        return Ok(());
    }
    let root = parse_root(text)?;
    let paths: Vec<Vec<String>> = settings.iter().map(|s| resolve(&root, &s.key)).collect();
    for (i, path) in paths.iter().enumerate() {
        if path.as_slice() == ["seed"] || settings[i].key == "seed" {
            return Err(SetError::Seed(settings[i].key.clone()));
        }
        if let Some(j) = paths[..i].iter().position(|p| p == path) {
            return Err(SetError::Twice {
                first: settings[j].key.clone(),
                second: settings[i].key.clone(),
                path: path.join("."),
            });
        }
    }
    Ok(())
}

/// `text` (a scenario file, comments allowed) with each setting set to its value.
pub fn apply(text: &str, settings: &[Setting], values: &[String]) -> Result<String, SetError> {
    if settings.is_empty() {
        return Ok(text.to_string());
    }
    let mut root = parse_root(text)?;
    for (setting, raw) in settings.iter().zip(values) {
        let path = resolve(&root, &setting.key);
        set(&mut root, &path, json_value(raw)).map_err(|why| SetError::Path {
            key: setting.key.clone(),
            why,
        })?;
    }
    Ok(serde_json::to_string(&root).expect("a JSON value serializes"))
}

/// The full path of `key`: a bare name is top-level if the scenario has it, else in
/// `config`; `links.` means `config.links.`.
fn resolve(root: &Value, key: &str) -> Vec<String> {
    let parts: Vec<String> = key.split('.').map(str::to_string).collect();
    let in_config = |mut parts: Vec<String>| {
        parts.insert(0, "config".into());
        parts
    };
    match parts.as_slice() {
        [name] if root.get(name).is_none() => in_config(parts),
        [first, ..] if first == "links" => in_config(parts),
        _ => parts,
    }
}

/// Sets the field at `path` to `value`, creating objects on the way (`management`
/// absent, say); inside a list a part names an element.
fn set(root: &mut Value, path: &[String], value: Value) -> Result<(), String> {
    let mut at = root;
    for (i, part) in path.iter().enumerate() {
        let last = i + 1 == path.len();
        at = match at {
            Value::Object(map) if last => {
                map.insert(part.clone(), value);
                return Ok(());
            }
            Value::Object(map) => map
                .entry(part.clone())
                .or_insert_with(|| Value::Object(Map::new())),
            Value::Array(items) => element(items, part)?,
            _ => {
                return Err(format!(
                    "{} is not an object or a list",
                    path[..i].join(".")
                ))
            }
        };
    }
    Err("a path to a list element needs a field after it".into())
}

/// The element of `items` named `part` (by its `name` field), or at index `part`.
fn element<'a>(items: &'a mut [Value], part: &str) -> Result<&'a mut Value, String> {
    let names: Vec<String> = items
        .iter()
        .filter_map(|v| v.get("name").and_then(Value::as_str).map(str::to_string))
        .collect();
    if let Some(i) = names.iter().position(|n| n == part) {
        return Ok(&mut items[i]);
    }
    if let Ok(i) = part.parse::<usize>() {
        let len = items.len();
        return items
            .get_mut(i)
            .ok_or_else(|| format!("index {i} is past the list's {len} element(s)"));
    }
    Err(format!(
        "no element named {part:?} (names: {})",
        names.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCENARIO: &str = r#"{"format":1,"name":"t","run_for":"60s",
        // a comment
        "config":{"links":[{"name":"A","priority":10},{"name":"B"}]}}"#;

    fn applied(sets: &[&str]) -> Result<Value, SetError> {
        let settings: Vec<Setting> = sets.iter().map(|s| parse_set(s).unwrap()).collect();
        let values: Vec<String> = settings.iter().map(|s| s.values[0].clone()).collect();
        apply(SCENARIO, &settings, &values).map(|t| serde_json::from_str(&t).unwrap())
    }

    #[test]
    fn values_split_on_commas_outside_brackets_and_quotes() {
        let s = parse_set(r#"kpl_loss_rate="10, 0",4,[1,2]"#).unwrap();
        assert_eq!(s.values, [r#""10, 0""#, "4", "[1,2]"]);
        assert!(parse_set("connect_tout")
            .unwrap_err()
            .to_string()
            .contains("KEY=VALUE"));
        assert!(parse_set("connect_tout=1s,,2s")
            .unwrap_err()
            .to_string()
            .contains("empty"));
        assert!(parse_set("links..priority=1")
            .unwrap_err()
            .to_string()
            .contains("empty part"));
    }

    #[test]
    fn keys_reach_options_top_level_fields_links_and_new_objects() {
        let v = applied(&[
            "connect_tout=5s",
            "run_for=2m",
            "links.B.priority=7",
            "management.switch_after=2s",
            "connectors.A.accept_after=300ms",
        ])
        .unwrap();
        assert_eq!(v["config"]["connect_tout"], "5s");
        assert_eq!(v["run_for"], "2m");
        assert_eq!(
            v["config"]["links"][1]["priority"], 7,
            "a number stays a number"
        );
        assert_eq!(v["management"]["switch_after"], "2s");
        assert_eq!(v["connectors"]["A"]["accept_after"], "300ms");
    }

    /// A pair whose servers have links and options of their own sweeps them by path:
    /// `servers.NAME.` picks the server, `links.NAME.` one of its links.
    #[test]
    fn keys_reach_a_servers_own_links_and_options() {
        let pair = r#"{"format":1,"name":"t","run_for":"60s","config":{"links":[]},
            "servers":[{"name":"ts1","role":"primary","links":[{"name":"E","priority":1}]},
                       {"name":"ts2","role":"backup","links":[{"name":"W","priority":2}]}]}"#;
        let settings: Vec<Setting> = [
            "servers.ts2.links.W.priority=9",
            "servers.ts1.connect_tout=4s",
        ]
        .iter()
        .map(|s| parse_set(s).unwrap())
        .collect();
        let values = ["9".to_string(), "4s".to_string()];
        let v: Value = serde_json::from_str(&apply(pair, &settings, &values).unwrap()).unwrap();
        assert_eq!(v["servers"][1]["links"][0]["priority"], 9);
        assert_eq!(v["servers"][0]["connect_tout"], "4s");
        assert!(
            v["servers"][1].get("connect_tout").is_none(),
            "only the server named"
        );
    }

    #[test]
    fn two_keys_for_one_field_and_the_seed_are_refused() {
        let sets = |keys: &[&str]| -> Vec<Setting> {
            keys.iter().map(|k| parse_set(k).unwrap()).collect()
        };
        let error = check_distinct(
            SCENARIO,
            &sets(&["connect_tout=1s", "config.connect_tout=2s"]),
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("both set config.connect_tout"), "{error}");
        let error = check_distinct(SCENARIO, &sets(&["seed=1,2"]))
            .unwrap_err()
            .to_string();
        assert!(error.contains("--seeds"), "{error}");
        assert!(
            check_distinct(SCENARIO, &sets(&["connect_tout=1s", "links.A.priority=3"])).is_ok()
        );
    }

    #[test]
    fn a_path_that_leads_nowhere_is_refused_with_the_names_there_are() {
        let error = applied(&["links.Z.priority=1"]).unwrap_err().to_string();
        assert!(
            error.contains(r#"no element named "Z" (names: A, B)"#),
            "{error}"
        );
        let error = applied(&["run_for.x=1"]).unwrap_err().to_string();
        assert!(error.contains("not an object"), "{error}");
    }
}
