//! The limits a server puts on its connections.

use std::time::Duration;

/// How much an idle or slow client may hold.
///
/// The defaults suit a test tool on a developer machine: a request head must arrive within
/// 10 s, a connection with no bytes in either direction for 60 s is closed, and at most 512
/// connections are served at once (further clients wait in the listen backlog until a slot
/// frees, so a flood of half-open connections cannot exhaust file descriptors).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    /// Longest time between a connection's (or a kept-alive connection's next) first byte
    /// and the end of the request head; also bounds the TLS handshake.
    pub header_read_timeout: Duration,
    /// Longest time a connection may go without reading or writing a byte; it is closed
    /// within a quarter of this time after. It must be longer than the slowest answer the
    /// server gives on purpose (e.g. an injected delay).
    pub idle_timeout: Duration,
    /// Most connections served at once.
    pub max_connections: usize,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 512,
        }
    }
}

/// A limit that cannot work, named by its field.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LimitError {
    /// A timeout of zero would close every connection at once.
    #[error("{field} must be at least 1 second (got 0); give a positive number of seconds")]
    ZeroTimeout {
        /// The field, as a configuration file or flag names it.
        field: &'static str,
    },
    /// No connection could ever be served.
    #[error("max_connections must be at least 1 (got 0)")]
    NoConnections,
}

impl ServerLimits {
    /// Checks the limits once, at load, so a server never starts with a limit that cannot work.
    pub fn validate(&self) -> Result<(), LimitError> {
        if self.header_read_timeout.is_zero() {
            return Err(LimitError::ZeroTimeout {
                field: "header_read_timeout",
            });
        }
        if self.idle_timeout.is_zero() {
            return Err(LimitError::ZeroTimeout {
                field: "idle_timeout",
            });
        }
        if self.max_connections == 0 {
            return Err(LimitError::NoConnections);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_zero_limits_are_named() {
        assert_eq!(ServerLimits::default().validate(), Ok(()));
        let zero_idle = ServerLimits {
            idle_timeout: Duration::ZERO,
            ..ServerLimits::default()
        };
        let err = zero_idle.validate().unwrap_err();
        assert!(err.to_string().starts_with("idle_timeout must be"), "{err}");
        let none = ServerLimits {
            max_connections: 0,
            ..ServerLimits::default()
        };
        assert_eq!(none.validate(), Err(LimitError::NoConnections));
    }
}
