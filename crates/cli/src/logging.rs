//! `--debug` and `AWSCRED_LOG`: `tracing` events on stderr, off unless asked for.
//!
//! A small subscriber of our own rather than `tracing-subscriber`: the command only needs
//! "events at or above a level, per target, as lines on stderr", and that crate brings four more
//! crates into the product (its registry, `sharded-slab`, `thread_local`, `lazy_static`; with
//! `env-filter`, a regex engine too). The filter syntax is the static part of its `EnvFilter`
//! syntax, so `AWSCRED_LOG=trace` and `AWSCRED_LOG=awscred_sts=debug,info` read the same.

use std::fmt::{self, Write as _};
use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};

/// Turns logging on when `AWSCRED_LOG` holds a filter or `--debug` was given (everything at
/// `debug`). `AWSCRED_LOG` wins when both are there, being the more precise. A filter that does
/// not parse is reported and logging stays off.
pub(crate) fn init(debug: bool, awscred_log: Option<String>) {
    let directives = match awscred_log.filter(|v| !v.trim().is_empty()) {
        Some(directives) => directives,
        None if debug => "debug".to_owned(),
        None => return,
    };
    match Filter::parse(&directives) {
        Ok(filter) => {
            let _ = tracing::subscriber::set_global_default(StderrLog {
                filter,
                next_span: AtomicU64::new(1),
            });
        }
        Err(e) => eprintln!("awscred: ignoring AWSCRED_LOG={directives:?}: {e}"),
    }
}

/// `level` and `target=level` directives, comma-separated: the most specific target prefix that
/// matches an event's target decides; a bare level is the default (off when there is none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Filter {
    default: LevelFilter,
    /// Longest target first, so the first match is the most specific.
    targets: Vec<(String, LevelFilter)>,
}

impl Filter {
    /// Parses `trace`, `awscred_chain=debug,info`, `awscred_sts::client=trace`.
    pub(crate) fn parse(text: &str) -> Result<Filter, String> {
        let mut filter = Filter {
            default: LevelFilter::OFF,
            targets: Vec::new(),
        };
        for directive in text.split(',').map(str::trim).filter(|d| !d.is_empty()) {
            match directive.split_once('=') {
                Some((target, level)) => {
                    let target = target.trim();
                    if target.is_empty() {
                        return Err(format!("{directive:?} names no target"));
                    }
                    filter
                        .targets
                        .push((target.to_owned(), level_of(level.trim())?));
                }
                None => match level_of(directive) {
                    Ok(level) => filter.default = level,
                    // A bare word that is not a level names a target, at every level.
                    Err(_) if is_target(directive) => {
                        filter
                            .targets
                            .push((directive.to_owned(), LevelFilter::TRACE));
                    }
                    Err(e) => return Err(e),
                },
            }
        }
        filter
            .targets
            .sort_by_key(|(target, _)| std::cmp::Reverse(target.len()));
        Ok(filter)
    }

    /// The most verbose level any directive lets through.
    fn max_level(&self) -> LevelFilter {
        self.targets
            .iter()
            .map(|(_, level)| *level)
            .fold(self.default, LevelFilter::max)
    }

    /// Whether an event of `level` from `target` is shown.
    pub(crate) fn enabled(&self, target: &str, level: &Level) -> bool {
        let threshold = self
            .targets
            .iter()
            .find(|(prefix, _)| {
                target == prefix
                    || target
                        .strip_prefix(prefix.as_str())
                        .is_some_and(|rest| rest.starts_with("::"))
            })
            .map_or(self.default, |(_, level)| *level);
        threshold >= *level
    }
}

fn level_of(text: &str) -> Result<LevelFilter, String> {
    match text.to_ascii_lowercase().as_str() {
        "off" => Ok(LevelFilter::OFF),
        "error" | "1" => Ok(LevelFilter::ERROR),
        "warn" | "2" => Ok(LevelFilter::WARN),
        "info" | "3" => Ok(LevelFilter::INFO),
        "debug" | "4" => Ok(LevelFilter::DEBUG),
        "trace" | "5" => Ok(LevelFilter::TRACE),
        _ => Err(format!(
            "{text:?} is not a level (off, error, warn, info, debug, trace)"
        )),
    }
}

fn is_target(text: &str) -> bool {
    text.split("::")
        .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
}

/// Writes each enabled event as one line on stderr: time, level, target, message, fields.
struct StderrLog {
    filter: Filter,
    next_span: AtomicU64,
}

impl Subscriber for StderrLog {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if self.enabled(metadata) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        self.filter.enabled(metadata.target(), metadata.level())
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(self.filter.max_level())
    }

    // Spans are not printed; they only need distinct ids.
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(self.next_span.fetch_add(1, Ordering::Relaxed))
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let line = format_event(event, std::time::SystemTime::now());
        // One write per line, so lines from several threads do not interleave.
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

/// `2026-11-28T05:20:00Z DEBUG awscred_chain: message key=value`
fn format_event(event: &Event<'_>, now: std::time::SystemTime) -> String {
    let meta = event.metadata();
    let mut fields = Fields::default();
    event.record(&mut fields);
    let mut line = format!(
        "{} {:>5} {}: {}",
        awscred_core::timestamp::format_z(now),
        meta.level(),
        meta.target(),
        fields.message
    );
    line.push_str(&fields.rest);
    line.push('\n');
    line
}

#[derive(Default)]
struct Fields {
    message: String,
    rest: String,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            let _ = write!(self.rest, " {}={value:?}", field.name());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.rest, " {}={value:?}", field.name());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_level_is_the_default() {
        let f = Filter::parse("debug").unwrap();
        assert!(f.enabled("awscred_chain", &Level::DEBUG));
        assert!(f.enabled("awscred_core::http::hyper_client", &Level::INFO));
        assert!(!f.enabled("awscred_chain", &Level::TRACE));
        assert_eq!(f.max_level(), LevelFilter::DEBUG);
    }

    #[test]
    fn the_most_specific_target_wins() {
        let f = Filter::parse("warn, awscred_sts=debug ,awscred_sts::xml=trace,hyper=off").unwrap();
        assert!(f.enabled("awscred_sts::xml", &Level::TRACE));
        assert!(f.enabled("awscred_sts::client", &Level::DEBUG));
        assert!(!f.enabled("awscred_sts::client", &Level::TRACE));
        // A prefix only matches whole path segments.
        assert!(!f.enabled("awscred_stsx", &Level::DEBUG));
        assert!(f.enabled("awscred_stsx", &Level::WARN));
        assert!(!f.enabled("hyper::proto", &Level::ERROR));
        assert_eq!(f.max_level(), LevelFilter::TRACE);
    }

    #[test]
    fn targets_alone_mean_everything_from_them_and_nothing_else() {
        let f = Filter::parse("awscred_chain").unwrap();
        assert!(f.enabled("awscred_chain::refresh", &Level::TRACE));
        assert!(!f.enabled("awscred_sts", &Level::ERROR));
        let f = Filter::parse("awscred_chain=INFO").unwrap();
        assert!(f.enabled("awscred_chain", &Level::INFO));
        assert!(!f.enabled("awscred_chain", &Level::DEBUG));
    }

    #[test]
    fn bad_directives_are_refused() {
        for bad in ["[[[", "=debug", "awscred=loud", "a b"] {
            assert!(Filter::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Filter::parse("").unwrap().max_level(), LevelFilter::OFF);
    }
}
