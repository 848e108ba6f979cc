//! Dotted-key overrides (`--set optimizer.beta=0.9`) and sweep grids: any config key, any values.

/// One `key = value` change to a config, by dotted path.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// Dotted path, e.g. `optimizer.beta`.
    pub key: String,
    /// The new value.
    pub value: toml::Value,
}

impl Override {
    /// Parses `key=value`; the value is read as TOML (`0.9`, `"refresh"`, `[1, 2]`), and a bare
    /// word that is not TOML is taken as a string (`optimizer.kind=fadam`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let (key, value) = text
            .split_once('=')
            .ok_or_else(|| format!("`{text}`: expected KEY=VALUE"))?;
        let key = key.trim();
        if key.is_empty() || key.split('.').any(str::is_empty) {
            return Err(format!(
                "`{text}`: the key must be a dotted path like optimizer.beta"
            ));
        }
        Ok(Self {
            key: key.to_string(),
            value: parse_value(value.trim())?,
        })
    }

    /// Sets the key in `table`, creating intermediate tables.
    pub fn apply(&self, table: &mut toml::Table) -> Result<(), String> {
        let mut parts: Vec<&str> = self.key.split('.').collect();
        let last = parts.pop().expect("a key has at least one part");
        let mut current = table;
        for part in parts {
            let entry = current
                .entry(part.to_string())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            current = entry
                .as_table_mut()
                .ok_or_else(|| format!("cannot set `{}`: `{part}` is not a table", self.key))?;
        }
        current.insert(last.to_string(), self.value.clone());
        Ok(())
    }

    /// `key=value` with the key's last part, for run names (`beta=0.9`).
    pub fn short_name(&self) -> String {
        let key = self.key.rsplit('.').next().unwrap_or(&self.key);
        let value = match &self.value {
            toml::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let value: String = value
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        format!("{key}={value}")
    }
}

fn parse_value(text: &str) -> Result<toml::Value, String> {
    let wrapped = format!("v = {text}");
    match toml::from_str::<toml::Table>(&wrapped) {
        Ok(mut table) => Ok(table
            .remove("v")
            .unwrap_or(toml::Value::String(text.into()))),
        // An integer TOML cannot hold is a mistake, not a word.
        Err(_) if is_integer(text) => Err(format!(
            "`{text}` is out of range: integers are at most {} (2^63 − 1)",
            i64::MAX
        )),
        Err(_) => Ok(toml::Value::String(text.to_string())),
    }
}

/// Whether `text` is written as an integer (sign, digits, `_` separators).
fn is_integer(text: &str) -> bool {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit() || c == '_')
        && digits.chars().any(|c| c.is_ascii_digit())
}

/// The points of a grid: the cartesian product of each key's values, in key order, the last
/// key varying fastest.
pub fn grid_points(axes: &[(String, Vec<toml::Value>)]) -> Vec<Vec<Override>> {
    let mut points = vec![Vec::new()];
    for (key, values) in axes {
        points = points
            .into_iter()
            .flat_map(|point| {
                values.iter().map(move |value| {
                    let mut point = point.clone();
                    point.push(Override {
                        key: key.clone(),
                        value: value.clone(),
                    });
                    point
                })
            })
            .collect();
    }
    points
}

/// Reads a `[sweep]` table (`"optimizer.beta" = [0.9, 0.99]`) into grid axes.
pub fn axes_from_table(table: &toml::Table) -> Result<Vec<(String, Vec<toml::Value>)>, String> {
    table
        .iter()
        .map(|(key, value)| match value {
            toml::Value::Array(values) if !values.is_empty() => {
                no_repeats(values)
                    .map_err(|v| format!("`sweep.\"{key}\"`: the value {v} is repeated"))?;
                Ok((key.clone(), values.clone()))
            }
            _ => Err(format!(
                "`sweep.\"{key}\"`: must be a non-empty list of values"
            )),
        })
        .collect()
}

/// Parses `--grid key=v1,v2,v3` into an axis.
pub fn parse_axis(text: &str) -> Result<(String, Vec<toml::Value>), String> {
    let (key, values) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}`: expected KEY=V1,V2,..."))?;
    let values = values
        .split(',')
        .map(|v| parse_value(v.trim()))
        .collect::<Result<Vec<toml::Value>, String>>()
        .map_err(|why| format!("`{text}`: {why}"))?;
    if values.is_empty() || key.trim().is_empty() {
        return Err(format!("`{text}`: expected KEY=V1,V2,..."));
    }
    no_repeats(&values).map_err(|v| format!("`{text}`: the value {v} is repeated"))?;
    Ok((key.trim().to_string(), values))
}

/// An axis lists each value once (`x=1,1` would be one point twice); `Err` holds the repeat.
fn no_repeats(values: &[toml::Value]) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    match values
        .iter()
        .map(toml::Value::to_string)
        .find(|v| !seen.insert(v.clone()))
    {
        Some(repeated) => Err(repeated),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_grid_value_is_named() {
        let err = parse_axis("optimizer.beta=0.9,0.99,0.9").unwrap_err();
        assert!(err.contains("the value 0.9 is repeated"), "{err}");
        let table: toml::Table = toml::from_str("\"seed\" = [1, 2, 1]").unwrap();
        let err = axes_from_table(&table).unwrap_err();
        assert!(
            err.contains("sweep.\"seed\"") && err.contains("1 is repeated"),
            "{err}"
        );
        assert!(parse_axis("seed=1,2").is_ok());
    }

    #[test]
    fn values_parse_as_toml_or_fall_back_to_strings() {
        assert_eq!(
            Override::parse("a.b=0.9").unwrap().value,
            toml::Value::Float(0.9)
        );
        assert_eq!(
            Override::parse("seed=3").unwrap().value,
            toml::Value::Integer(3)
        );
        assert_eq!(
            Override::parse("optimizer.kind=fadam").unwrap().value,
            toml::Value::String("fadam".into())
        );
        assert!(Override::parse("novalue").is_err());
        assert!(Override::parse("a..b=1").is_err());
    }

    #[test]
    fn apply_creates_tables_and_refuses_to_descend_into_values() {
        let mut table: toml::Table =
            toml::from_str("seed = 1\n[optimizer]\nkind = \"adam\"").unwrap();
        Override::parse("optimizer.beta=0.5")
            .unwrap()
            .apply(&mut table)
            .unwrap();
        assert_eq!(table["optimizer"]["beta"], toml::Value::Float(0.5));
        assert!(
            Override::parse("seed.x=1")
                .unwrap()
                .apply(&mut table)
                .is_err()
        );
    }

    #[test]
    fn grid_is_the_cartesian_product_in_order() {
        let axes = vec![
            parse_axis("optimizer.beta=0.9,0.99,0.999").unwrap(),
            parse_axis("seed=1,2").unwrap(),
        ];
        let points = grid_points(&axes);
        assert_eq!(points.len(), 6);
        let names: Vec<String> = points[1].iter().map(Override::short_name).collect();
        assert_eq!(names, ["beta=0.9", "seed=2"]);
    }
}
