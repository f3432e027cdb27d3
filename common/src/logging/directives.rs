//! The log filter as a list of `RUST_LOG` directives (`info`, `tusk_namenode=debug`,
//! ...), which can answer what level a target gets and take a new level for one.

use tracing::level_filters::LevelFilter;
use tracing_subscriber::EnvFilter;

/// A target `/logLevel` cannot put in a filter.
#[derive(Debug, Clone, thiserror::Error)]
#[error("'{0}' is not a log target (a module path such as tusk_namenode::server)")]
pub struct InvalidTarget(String);

/// `RUST_LOG` directives, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Directives(Vec<String>);

impl Directives {
    /// Splits a `RUST_LOG` value into its directives.
    pub fn parse(text: &str) -> Self {
        Self(
            text.split(',')
                .map(str::trim)
                .filter(|directive| !directive.is_empty())
                .map(str::to_string)
                .collect(),
        )
    }

    /// The filter these directives make.
    pub fn to_filter(&self) -> EnvFilter {
        EnvFilter::new(self.0.join(","))
    }

    /// The level events of `target` pass at, as `EnvFilter` decides it: the directive
    /// whose target is the longest prefix of `target` wins, a directive without a target
    /// applies to every target, an empty filter lets errors through, and a target no
    /// directive covers is off. Directives about spans or fields are not considered.
    pub fn effective(&self, target: &str) -> LevelFilter {
        if self.0.is_empty() {
            return LevelFilter::ERROR;
        }
        let mut best: Option<(usize, LevelFilter)> = None;
        for directive in &self.0 {
            let Some((directive_target, level)) = simple_directive(directive) else {
                continue;
            };
            let specificity = match directive_target {
                None => 0,
                Some(prefix) if target.starts_with(prefix) => prefix.len() + 1,
                Some(_) => continue,
            };
            if best.is_none_or(|(best_specificity, _)| specificity >= best_specificity) {
                best = Some((specificity, level));
            }
        }
        best.map_or(LevelFilter::OFF, |(_, level)| level)
    }

    /// Logs `target` at `level`, replacing what a directive said about that same target.
    pub fn set(&mut self, target: &str, level: LevelFilter) -> Result<(), InvalidTarget> {
        let valid = !target.is_empty()
            && target
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | ':' | '-' | '.'));
        if !valid {
            return Err(InvalidTarget(target.to_string()));
        }
        self.0.retain(|directive| {
            simple_directive(directive).is_none_or(|(existing, _)| existing != Some(target))
        });
        self.0
            .push(format!("{target}={}", level_name(level).to_lowercase()));
        Ok(())
    }
}

/// `(target, level)` of a directive without span or field parts.
fn simple_directive(directive: &str) -> Option<(Option<&str>, LevelFilter)> {
    if directive.contains(['[', '{']) {
        return None;
    }
    match directive.split_once('=') {
        Some((target, level)) => Some((Some(target), level.parse().ok()?)),
        None => match directive.parse::<LevelFilter>() {
            Ok(level) => Some((None, level)),
            Err(_) => Some((Some(directive), LevelFilter::TRACE)),
        },
    }
}

/// A level by Hadoop's (log4j's) name or tracing's, any case: `ALL` is `TRACE`, `FATAL`
/// is `ERROR`.
pub fn parse_level(text: &str) -> Option<LevelFilter> {
    match text.trim().to_ascii_uppercase().as_str() {
        "ALL" | "TRACE" => Some(LevelFilter::TRACE),
        "DEBUG" => Some(LevelFilter::DEBUG),
        "INFO" => Some(LevelFilter::INFO),
        "WARN" => Some(LevelFilter::WARN),
        "ERROR" | "FATAL" => Some(LevelFilter::ERROR),
        "OFF" => Some(LevelFilter::OFF),
        _ => None,
    }
}

/// `DEBUG`, `INFO`, ... `OFF`: the names log4j prints.
pub fn level_name(level: LevelFilter) -> &'static str {
    match level.into_level() {
        Some(level) => level.as_str(),
        None => "OFF",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_matching_target_wins() {
        let directives = Directives::parse("info, tusk_namenode=debug,tusk_namenode::server=warn");
        assert_eq!(directives.effective("tusk_datanode"), LevelFilter::INFO);
        assert_eq!(
            directives.effective("tusk_namenode::web"),
            LevelFilter::DEBUG
        );
        assert_eq!(
            directives.effective("tusk_namenode::server"),
            LevelFilter::WARN
        );
        assert_eq!(Directives::parse("").effective("x"), LevelFilter::ERROR);
        assert_eq!(Directives::parse("a=info").effective("b"), LevelFilter::OFF);
        assert_eq!(Directives::parse("a").effective("a::b"), LevelFilter::TRACE);
        assert_eq!(
            Directives::parse("warn,a[span]=trace").effective("a"),
            LevelFilter::WARN
        );
    }

    #[test]
    fn setting_a_level_replaces_that_targets_directive() {
        let mut directives = Directives::parse("info,tusk_namenode=debug");
        directives.set("tusk_namenode", LevelFilter::WARN).unwrap();
        directives.set("tusk_datanode", LevelFilter::TRACE).unwrap();
        assert_eq!(
            directives,
            Directives::parse("info,tusk_namenode=warn,tusk_datanode=trace")
        );
        assert!(directives.set("", LevelFilter::INFO).is_err());
        assert!(directives.set("a=b", LevelFilter::INFO).is_err());
        assert!(directives.set("a,b", LevelFilter::INFO).is_err());
    }

    #[test]
    fn hadoop_level_names_parse() {
        assert_eq!(parse_level("debug"), Some(LevelFilter::DEBUG));
        assert_eq!(parse_level("FATAL"), Some(LevelFilter::ERROR));
        assert_eq!(parse_level("ALL"), Some(LevelFilter::TRACE));
        assert_eq!(parse_level("verbose"), None);
        assert_eq!(level_name(LevelFilter::WARN), "WARN");
        assert_eq!(level_name(LevelFilter::OFF), "OFF");
    }
}
