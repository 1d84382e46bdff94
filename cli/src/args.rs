//! A small argument parser: `--name value`, `--name=value` and boolean `--flag`s, each command
//! naming the ones it accepts so a typo is an error, not a silent default.

use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug)]
pub enum CliError {
    /// The command line is wrong: print the usage too.
    Usage(String),
    /// An input (a scenario, a schedule, a file) is wrong.
    Input(String),
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(m) | CliError::Input(m) => write!(f, "{m}"),
        }
    }
}

pub struct Args {
    positional: Vec<String>,
    values: BTreeMap<String, String>,
    flags: Vec<String>,
}

impl Args {
    pub fn parse(argv: &[String], value_names: &[&str], flag_names: &[&str]) -> Result<Args, CliError> {
        let mut a = Args { positional: vec![], values: BTreeMap::new(), flags: vec![] };
        let mut i = 0;
        while i < argv.len() {
            let arg = &argv[i];
            i += 1;
            let Some(name) = arg.strip_prefix("--") else {
                a.positional.push(arg.clone());
                continue;
            };
            let (name, inline) = match name.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (name, None),
            };
            if value_names.contains(&name) {
                let v = match inline {
                    Some(v) => v,
                    None => {
                        let Some(v) = argv.get(i) else {
                            return Err(CliError::Usage(format!("--{name} needs a value")));
                        };
                        i += 1;
                        v.clone()
                    }
                };
                if a.values.insert(name.to_string(), v).is_some() {
                    return Err(CliError::Usage(format!("--{name} is given twice")));
                }
            } else if flag_names.contains(&name) && inline.is_none() {
                a.flags.push(name.to_string());
            } else {
                let mut known: Vec<String> = value_names.iter().chain(flag_names).map(|n| format!("--{n}")).collect();
                known.sort();
                return Err(CliError::Usage(format!("unknown option --{name} (this command takes {})", known.join(", "))));
            }
        }
        Ok(a)
    }

    pub fn positionals(&self, n: usize) -> Result<Vec<String>, CliError> {
        if self.positional.len() != n {
            return Err(CliError::Usage(match n {
                0 => format!("unexpected argument `{}`", self.positional[0]),
                _ if self.positional.is_empty() => "missing the SCENARIO argument".to_string(),
                _ => format!("unexpected argument `{}`", self.positional[n]),
            }));
        }
        Ok(self.positional.clone())
    }

    pub fn value(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    pub fn flag(&self, name: &str) -> bool {
        self.flags.iter().any(|f| f == name)
    }
}
