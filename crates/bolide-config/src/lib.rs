//! Server configuration in layers: built-in defaults < file < environment < command-line flags.
//!
//! Files are Java properties with RocketMQ's camelCase key names (`listenPort`, `storePathRootDir`),
//! so a `broker.conf` or `namesrv.conf` written for the Java servers loads unchanged where the key
//! exists here. Unknown keys are an error naming the key and where it came from. The environment
//! layer reads `BOLIDE_` + the key in screaming snake case (`listenPort` → `BOLIDE_LISTEN_PORT`).
//!
//! A server declares its settings once with [`define_config!`], which generates the struct, its
//! defaults, parsing with field-naming errors and a printer for `--print-config`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// A setting that cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read or is not a properties file.
    #[error("cannot read config file {path}: {reason}")]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A key that no setting has.
    #[error("unknown config key {key:?} in {origin}; known keys: {known}")]
    UnknownKey {
        /// The key as given.
        key: String,
        /// Where it came from.
        origin: Source,
        /// Every key this server accepts, comma-separated.
        known: String,
    },
    /// A value that does not parse as the setting's type.
    #[error("config key {key} in {origin}: {value:?} is not a valid {expected}")]
    InvalidValue {
        /// The key.
        key: String,
        /// The text given.
        value: String,
        /// Where it came from.
        origin: Source,
        /// The expected type.
        expected: &'static str,
    },
    /// Values that parse but do not fit together.
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The built-in default.
    Default,
    /// A config file.
    File(PathBuf),
    /// An environment variable.
    Env(String),
    /// A command-line flag.
    Flag,
    /// A remote UPDATE_*_CONFIG request.
    Request,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("the defaults"),
            Source::File(path) => write!(f, "file {}", path.display()),
            Source::Env(name) => write!(f, "environment variable {name}"),
            Source::Flag => f.write_str("the command line"),
            Source::Request => f.write_str("the config update request"),
        }
    }
}

/// A type a setting can have. Parsing is strict: a config error is better found at start-up.
pub trait ConfigValue: Sized {
    /// Name used in errors.
    const TYPE_NAME: &'static str;
    /// Parses the text of a setting.
    fn parse_value(text: &str) -> Option<Self>;
    /// Renders the setting for `--print-config` and config files.
    fn render(&self) -> String;
}

macro_rules! from_str_value {
    ($($ty:ty => $name:expr),*) => {$(
        impl ConfigValue for $ty {
            const TYPE_NAME: &'static str = $name;
            fn parse_value(text: &str) -> Option<Self> {
                text.trim().parse().ok()
            }
            fn render(&self) -> String {
                self.to_string()
            }
        }
    )*};
}
from_str_value!(u16 => "port or integer (0-65535)", u32 => "non-negative integer", u64 => "non-negative integer",
    i32 => "integer", i64 => "integer", usize => "non-negative integer", f64 => "number");

impl ConfigValue for bool {
    const TYPE_NAME: &'static str = "boolean (true or false)";
    fn parse_value(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }
    fn render(&self) -> String {
        self.to_string()
    }
}

impl ConfigValue for String {
    const TYPE_NAME: &'static str = "string";
    fn parse_value(text: &str) -> Option<Self> {
        Some(text.trim().to_owned())
    }
    fn render(&self) -> String {
        self.clone()
    }
}

impl ConfigValue for PathBuf {
    const TYPE_NAME: &'static str = "path";
    fn parse_value(text: &str) -> Option<Self> {
        let text = text.trim();
        (!text.is_empty()).then(|| expand_home(text))
    }
    fn render(&self) -> String {
        self.display().to_string()
    }
}

/// Expands a leading `~` or `${user.home}` (as RocketMQ's sample configs use) to `$HOME`.
fn expand_home(text: &str) -> PathBuf {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    for prefix in ["~", "${user.home}"] {
        if let (Some(rest), Some(home)) = (text.strip_prefix(prefix), &home) {
            return home.join(rest.trim_start_matches('/'));
        }
    }
    PathBuf::from(text)
}

/// Reads a Java properties file into key → value text.
///
/// # Errors
/// [`ConfigError::File`] naming the file when it cannot be read or parsed.
pub fn read_properties(path: &Path) -> Result<BTreeMap<String, String>, ConfigError> {
    let file = std::fs::File::open(path)
        .map_err(|err| ConfigError::File { path: path.to_owned(), reason: err.to_string() })?;
    let map = java_properties::read(std::io::BufReader::new(file))
        .map_err(|err| ConfigError::File { path: path.to_owned(), reason: err.to_string() })?;
    Ok(map.into_iter().collect())
}

/// Parses Java properties text (the body of UPDATE_NAMESRV_CONFIG / UPDATE_BROKER_CONFIG).
///
/// # Errors
/// [`ConfigError::Invalid`] when the text is not properties.
pub fn parse_properties(text: &str) -> Result<BTreeMap<String, String>, ConfigError> {
    let map = java_properties::read(text.as_bytes()).map_err(|err| ConfigError::Invalid(err.to_string()))?;
    Ok(map.into_iter().collect())
}

/// Renders key/value pairs as Java properties text, one `key=value` a line.
pub fn render_properties<'a>(entries: impl IntoIterator<Item = (&'a str, String)>) -> String {
    let mut out = String::new();
    for (key, value) in entries {
        out.push_str(key);
        out.push('=');
        out.push_str(&value.replace('\\', "\\\\").replace('\n', "\\n"));
        out.push('\n');
    }
    out
}

/// `listenPort` → `BOLIDE_LISTEN_PORT`.
pub fn env_name(key: &str) -> String {
    let mut name = String::from("BOLIDE_");
    for (index, ch) in key.chars().enumerate() {
        if ch.is_ascii_uppercase() && index > 0 {
            name.push('_');
        }
        name.push(ch.to_ascii_uppercase());
    }
    name
}

/// Implemented by [`define_config!`]: a settings struct that can be loaded in layers.
pub trait Config: Default {
    /// Every key, in declaration order.
    const KEYS: &'static [&'static str];

    /// Sets one key from text.
    ///
    /// # Errors
    /// [`ConfigError::UnknownKey`] or [`ConfigError::InvalidValue`] naming the key and `source`.
    fn set(&mut self, key: &str, value: &str, source: &Source) -> Result<(), ConfigError>;

    /// Every key with its current value rendered.
    fn entries(&self) -> Vec<(&'static str, String)>;

    /// Loads defaults, then `file`, then `BOLIDE_*` variables from `env`, then `flags`.
    ///
    /// # Errors
    /// The first [`ConfigError`] found.
    fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
        flags: &[(&str, String)],
    ) -> Result<Self, ConfigError> {
        let mut config = Self::default();
        if let Some(path) = file {
            let source = Source::File(path.to_owned());
            for (key, value) in read_properties(path)? {
                config.set(&key, &value, &source)?;
            }
        }
        let env: BTreeMap<String, String> = env.into_iter().collect();
        for key in Self::KEYS {
            let name = env_name(key);
            if let Some(value) = env.get(&name) {
                config.set(key, value, &Source::Env(name))?;
            }
        }
        for (key, value) in flags {
            config.set(key, value, &Source::Flag)?;
        }
        Ok(config)
    }

    /// The settings as properties text, for `--print-config` and GET_*_CONFIG.
    fn to_properties(&self) -> String {
        render_properties(self.entries())
    }
}

/// Declares a settings struct: `field: Type = "javaKey", default;` with a doc comment each.
#[macro_export]
macro_rules! define_config {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$field_meta:meta])* $field:ident : $ty:ty = $key:literal, $default:expr; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name {
            $( $(#[$field_meta])* pub $field: $ty, )*
        }

        impl Default for $name {
            fn default() -> Self {
                Self { $( $field: $default, )* }
            }
        }

        impl $crate::Config for $name {
            const KEYS: &'static [&'static str] = &[$($key),*];

            fn set(&mut self, key: &str, value: &str, source: &$crate::Source) -> Result<(), $crate::ConfigError> {
                match key {
                    $( $key => {
                        self.$field = <$ty as $crate::ConfigValue>::parse_value(value).ok_or_else(|| {
                            $crate::ConfigError::InvalidValue {
                                key: key.to_owned(),
                                value: value.to_owned(),
                                origin: source.clone(),
                                expected: <$ty as $crate::ConfigValue>::TYPE_NAME,
                            }
                        })?;
                        Ok(())
                    } )*
                    _ => Err($crate::ConfigError::UnknownKey {
                        key: key.to_owned(),
                        origin: source.clone(),
                        known: Self::KEYS.join(", "),
                    }),
                }
            }

            fn entries(&self) -> Vec<(&'static str, String)> {
                vec![$( ($key, <$ty as $crate::ConfigValue>::render(&self.$field)), )*]
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    define_config! {
        /// Test settings.
        pub struct Sample {
            /// Port.
            listen_port: u16 = "listenPort", 9876;
            /// Flag.
            order_message_enable: bool = "orderMessageEnable", false;
        }
    }

    #[test]
    fn layers_apply_in_order_and_errors_name_the_key() {
        let dir = std::env::temp_dir().join(format!("bolide-config-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("sample.conf");
        std::fs::write(&file, "# comment\nlistenPort = 1000\norderMessageEnable=true\n").unwrap();
        let config = Sample::load(Some(&file), Vec::new(), &[]).unwrap();
        assert_eq!(config, Sample { listen_port: 1000, order_message_enable: true });
        let env = vec![("BOLIDE_LISTEN_PORT".to_owned(), "2000".to_owned())];
        assert_eq!(Sample::load(Some(&file), env.clone(), &[]).unwrap().listen_port, 2000);
        assert_eq!(Sample::load(Some(&file), env, &[("listenPort", "3000".to_owned())]).unwrap().listen_port, 3000);

        std::fs::write(&file, "listenPrt=1\n").unwrap();
        let err = Sample::load(Some(&file), Vec::new(), &[]).unwrap_err().to_string();
        assert!(err.contains("listenPrt") && err.contains("sample.conf") && err.contains("listenPort"), "{err}");
        std::fs::write(&file, "listenPort=99999\n").unwrap();
        let err = Sample::load(Some(&file), Vec::new(), &[]).unwrap_err().to_string();
        assert!(err.contains("listenPort") && err.contains("99999"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn env_names_and_printing() {
        assert_eq!(env_name("listenPort"), "BOLIDE_LISTEN_PORT");
        assert_eq!(env_name("scanNotActiveBrokerInterval"), "BOLIDE_SCAN_NOT_ACTIVE_BROKER_INTERVAL");
        assert_eq!(Sample::default().to_properties(), "listenPort=9876\norderMessageEnable=false\n");
        let parsed = parse_properties("a=1\nb = two words\n").unwrap();
        assert_eq!(parsed.get("b").map(String::as_str), Some("two words"));
    }
}
