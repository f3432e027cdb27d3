//! YARN's ids in Hadoop's string forms, as types that cannot be mixed up.

use std::fmt;
use std::str::FromStr;

/// `application_<clusterTimestamp>_<sequence>`
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ApplicationId {
    pub cluster_timestamp: i64,
    pub id: u32,
}

/// `appattempt_<clusterTimestamp>_<application>_<attempt>`
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ApplicationAttemptId {
    pub application: ApplicationId,
    pub attempt: u32,
}

/// `container_<clusterTimestamp>_<application>_<attempt>_<sequence>`
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContainerId {
    pub attempt: ApplicationAttemptId,
    pub id: u64,
}

/// An id string that does not have its type's form.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Invalid {kind}: {text}")]
pub struct InvalidId {
    kind: &'static str,
    text: String,
}

impl ApplicationId {
    pub fn application_attempt(self, attempt: u32) -> ApplicationAttemptId {
        ApplicationAttemptId {
            application: self,
            attempt,
        }
    }
}

impl ApplicationAttemptId {
    pub fn container(self, id: u64) -> ContainerId {
        ContainerId { attempt: self, id }
    }
}

impl ContainerId {
    pub fn application(&self) -> ApplicationId {
        self.attempt.application
    }
}

impl fmt::Display for ApplicationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "application_{}_{:04}", self.cluster_timestamp, self.id)
    }
}

impl fmt::Display for ApplicationAttemptId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let app = self.application;
        write!(
            f,
            "appattempt_{}_{:04}_{:06}",
            app.cluster_timestamp, app.id, self.attempt
        )
    }
}

impl fmt::Display for ContainerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let app = self.attempt.application;
        write!(
            f,
            "container_{}_{:04}_{:02}_{:06}",
            app.cluster_timestamp, app.id, self.attempt.attempt, self.id
        )
    }
}

fn numeric_parts<'a>(
    kind: &'static str,
    prefix: &str,
    text: &'a str,
    count: usize,
) -> Result<Vec<&'a str>, InvalidId> {
    let invalid = || InvalidId {
        kind,
        text: text.to_string(),
    };
    let rest = text.strip_prefix(prefix).ok_or_else(invalid)?;
    let parts: Vec<&str> = rest.split('_').collect();
    let all_digits = parts
        .iter()
        .all(|part| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_digit()));
    if parts.len() != count || !all_digits {
        return Err(invalid());
    }
    Ok(parts)
}

fn number<T: FromStr>(kind: &'static str, text: &str, part: &str) -> Result<T, InvalidId> {
    part.parse().map_err(|_| InvalidId {
        kind,
        text: text.to_string(),
    })
}

impl FromStr for ApplicationId {
    type Err = InvalidId;

    fn from_str(text: &str) -> Result<Self, InvalidId> {
        const KIND: &str = "ApplicationId";
        let parts = numeric_parts(KIND, "application_", text, 2)?;
        Ok(Self {
            cluster_timestamp: number(KIND, text, parts[0])?,
            id: number(KIND, text, parts[1])?,
        })
    }
}

impl FromStr for ApplicationAttemptId {
    type Err = InvalidId;

    fn from_str(text: &str) -> Result<Self, InvalidId> {
        const KIND: &str = "ApplicationAttemptId";
        let parts = numeric_parts(KIND, "appattempt_", text, 3)?;
        Ok(Self {
            application: ApplicationId {
                cluster_timestamp: number(KIND, text, parts[0])?,
                id: number(KIND, text, parts[1])?,
            },
            attempt: number(KIND, text, parts[2])?,
        })
    }
}

impl FromStr for ContainerId {
    type Err = InvalidId;

    fn from_str(text: &str) -> Result<Self, InvalidId> {
        const KIND: &str = "ContainerId";
        let parts = numeric_parts(KIND, "container_", text, 4)?;
        Ok(Self {
            attempt: ApplicationAttemptId {
                application: ApplicationId {
                    cluster_timestamp: number(KIND, text, parts[0])?,
                    id: number(KIND, text, parts[1])?,
                },
                attempt: number(KIND, text, parts[2])?,
            },
            id: number(KIND, text, parts[3])?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_in_hadoop_forms() {
        let app = ApplicationId {
            cluster_timestamp: 1700000000000,
            id: 7,
        };
        assert_eq!(app.to_string(), "application_1700000000000_0007");
        let attempt = app.application_attempt(2);
        assert_eq!(attempt.to_string(), "appattempt_1700000000000_0007_000002");
        let container = attempt.container(31);
        assert_eq!(
            container.to_string(),
            "container_1700000000000_0007_02_000031"
        );
        assert_eq!(app.to_string().parse::<ApplicationId>(), Ok(app));
        assert_eq!(attempt.to_string().parse(), Ok(attempt));
        assert_eq!(container.to_string().parse(), Ok(container));
        assert_eq!(container.application(), app);
    }

    #[test]
    fn malformed_ids_are_refused() {
        assert!("application_1_".parse::<ApplicationId>().is_err());
        assert!("app_1_2".parse::<ApplicationId>().is_err());
        assert!("container_1_2_3".parse::<ContainerId>().is_err());
        let error = "application_x_1".parse::<ApplicationId>().unwrap_err();
        assert_eq!(error.to_string(), "Invalid ApplicationId: application_x_1");
    }
}
