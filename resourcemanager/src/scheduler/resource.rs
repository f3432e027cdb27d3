//! Memory and vcores, and the scheduler's arithmetic on them.

use std::fmt;

/// An amount of cluster resources: memory in MiB and virtual cores.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Resource {
    pub memory_mb: i64,
    pub vcores: i32,
}

impl Resource {
    pub const ZERO: Resource = Resource {
        memory_mb: 0,
        vcores: 0,
    };

    pub fn new(memory_mb: i64, vcores: i32) -> Self {
        Self { memory_mb, vcores }
    }

    /// Whether `other` fits inside this amount in every dimension.
    pub fn fits(&self, other: &Resource) -> bool {
        other.memory_mb <= self.memory_mb && other.vcores <= self.vcores
    }

    pub fn is_zero(&self) -> bool {
        self.memory_mb == 0 && self.vcores == 0
    }
}

impl std::ops::Add for Resource {
    type Output = Resource;
    fn add(self, other: Resource) -> Resource {
        Resource::new(self.memory_mb + other.memory_mb, self.vcores + other.vcores)
    }
}

impl std::ops::Sub for Resource {
    type Output = Resource;
    fn sub(self, other: Resource) -> Resource {
        Resource::new(self.memory_mb - other.memory_mb, self.vcores - other.vcores)
    }
}

impl std::ops::AddAssign for Resource {
    fn add_assign(&mut self, other: Resource) {
        *self = *self + other;
    }
}

impl std::ops::SubAssign for Resource {
    fn sub_assign(&mut self, other: Resource) {
        *self = *self - other;
    }
}

/// Hadoop's `<memory:1024, vCores:1>`.
impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<memory:{}, vCores:{}>", self.memory_mb, self.vcores)
    }
}

/// Rounds a request up to the next multiple of the minimum allocation (and
/// at least to the minimum), as Hadoop's DefaultResourceCalculator does.
pub fn normalize(request: Resource, minimum: Resource) -> Resource {
    let round_up = |value: i64, step: i64| {
        if step <= 0 {
            return value;
        }
        let value = value.max(step);
        (value + step - 1) / step * step
    };
    Resource::new(
        round_up(request.memory_mb, minimum.memory_mb),
        request.vcores.max(minimum.vcores),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_up_to_the_minimum_allocation() {
        let minimum = Resource::new(1024, 1);
        assert_eq!(
            normalize(Resource::new(1, 0), minimum),
            Resource::new(1024, 1)
        );
        assert_eq!(
            normalize(Resource::new(1025, 2), minimum),
            Resource::new(2048, 2)
        );
        assert_eq!(
            normalize(Resource::new(3072, 1), minimum),
            Resource::new(3072, 1)
        );
        assert_eq!(
            normalize(Resource::new(100, 1), Resource::new(128, 1)),
            Resource::new(128, 1)
        );
    }

    #[test]
    fn fit_checks_every_dimension() {
        let free = Resource::new(2048, 2);
        assert!(free.fits(&Resource::new(2048, 2)));
        assert!(!free.fits(&Resource::new(2049, 1)));
        assert!(!free.fits(&Resource::new(1024, 3)));
        assert_eq!(
            Resource::new(1024, 1).to_string(),
            "<memory:1024, vCores:1>"
        );
    }
}
