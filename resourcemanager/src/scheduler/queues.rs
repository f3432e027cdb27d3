//! The capacity scheduler's queue tree: configured shares, absolute shares
//! and what each queue and user uses now.

use std::collections::HashMap;

use super::SchedulerError;
use super::resource::Resource;

/// One configured queue (`yarn.scheduler.capacity.<path>.*`).
#[derive(Clone, Debug, PartialEq)]
pub struct QueueSpec {
    pub name: String,
    /// Percent of the parent's capacity guaranteed to this queue.
    pub capacity: f64,
    /// Percent of the parent's capacity this queue may grow to.
    pub maximum_capacity: f64,
    /// How many times its share one user of a leaf may take.
    pub user_limit_factor: f64,
    pub children: Vec<QueueSpec>,
}

impl QueueSpec {
    /// A leaf with the given shares and a user-limit factor of 1.
    pub fn leaf(name: &str, capacity: f64, maximum_capacity: f64) -> Self {
        Self {
            name: name.to_string(),
            capacity,
            maximum_capacity,
            user_limit_factor: 1.0,
            children: Vec::new(),
        }
    }

    /// `root` with one `default` leaf holding everything (Hadoop's default).
    pub fn default_root() -> Self {
        Self {
            name: "root".to_string(),
            capacity: 100.0,
            maximum_capacity: 100.0,
            user_limit_factor: 1.0,
            children: vec![Self::leaf("default", 100.0, 100.0)],
        }
    }
}

/// A queue of the tree with its live usage.
#[derive(Debug)]
pub struct Queue {
    pub name: String,
    /// `root.a.b`
    pub path: String,
    pub capacity: f64,
    pub maximum_capacity: f64,
    /// Fractions of the whole cluster.
    pub absolute_capacity: f64,
    pub absolute_maximum_capacity: f64,
    pub user_limit_factor: f64,
    pub parent: Option<usize>,
    pub children: Vec<usize>,
    pub used: Resource,
    pub num_containers: usize,
    /// Leaf only: resources in use per user.
    pub used_by_user: HashMap<String, Resource>,
}

impl Queue {
    pub fn is_leaf(&self) -> bool {
        self.children.is_empty()
    }
}

/// Every queue, `root` at index 0, parents before children.
#[derive(Debug)]
pub struct QueueTree {
    queues: Vec<Queue>,
}

impl QueueTree {
    /// Builds the tree, checking Hadoop's rules: shares within 0..=100,
    /// capacity <= maximum capacity, children's capacities summing to 100,
    /// leaf names unique (applications name leaves by their short name).
    pub fn new(root: &QueueSpec) -> Result<Self, SchedulerError> {
        let mut tree = Self { queues: Vec::new() };
        tree.add(root, None, 1.0, 1.0)?;
        let mut seen = HashMap::new();
        for queue in tree.queues.iter().filter(|queue| queue.is_leaf()) {
            if let Some(other) = seen.insert(queue.name.clone(), queue.path.clone()) {
                return Err(SchedulerError::InvalidQueueConfig(format!(
                    "Queue {} is defined twice: {} and {}",
                    queue.name, other, queue.path
                )));
            }
        }
        Ok(tree)
    }

    fn add(
        &mut self,
        spec: &QueueSpec,
        parent: Option<usize>,
        parent_absolute: f64,
        parent_absolute_max: f64,
    ) -> Result<usize, SchedulerError> {
        let path = match parent {
            Some(parent) => format!("{}.{}", self.queues[parent].path, spec.name),
            None => spec.name.clone(),
        };
        let in_range = |value: f64| (0.0..=100.0).contains(&value);
        if !in_range(spec.capacity) || !in_range(spec.maximum_capacity) {
            return Err(SchedulerError::InvalidQueueConfig(format!(
                "Illegal capacity of {} or maximum capacity of {} for queue {path}",
                spec.capacity, spec.maximum_capacity
            )));
        }
        if spec.capacity > spec.maximum_capacity {
            return Err(SchedulerError::InvalidQueueConfig(format!(
                "Illegal queue capacity setting (abs-capacity={}) > (abs-maximum-capacity={}) for queue {path}",
                spec.capacity, spec.maximum_capacity
            )));
        }
        let index = self.queues.len();
        self.queues.push(Queue {
            name: spec.name.clone(),
            path: path.clone(),
            capacity: spec.capacity,
            maximum_capacity: spec.maximum_capacity,
            absolute_capacity: parent_absolute * spec.capacity / 100.0,
            absolute_maximum_capacity: parent_absolute_max * spec.maximum_capacity / 100.0,
            user_limit_factor: spec.user_limit_factor,
            parent,
            children: Vec::new(),
            used: Resource::ZERO,
            num_containers: 0,
            used_by_user: HashMap::new(),
        });
        if !spec.children.is_empty() {
            let sum: f64 = spec.children.iter().map(|child| child.capacity).sum();
            if (sum - 100.0).abs() > 1e-6 {
                return Err(SchedulerError::InvalidQueueConfig(format!(
                    "Illegal capacity sum of {sum} for children of queue {path}"
                )));
            }
        }
        let (absolute, absolute_max) = (
            self.queues[index].absolute_capacity,
            self.queues[index].absolute_maximum_capacity,
        );
        for child in &spec.children {
            let child_index = self.add(child, Some(index), absolute, absolute_max)?;
            self.queues[index].children.push(child_index);
        }
        Ok(index)
    }

    pub fn get(&self, index: usize) -> &Queue {
        &self.queues[index]
    }

    pub fn iter(&self) -> impl Iterator<Item = (usize, &Queue)> {
        self.queues.iter().enumerate()
    }

    /// The queue named by its short name or full path.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.queues
            .iter()
            .position(|queue| queue.path == name)
            .or_else(|| self.queues.iter().position(|queue| queue.name == name))
    }

    /// Leaves in the order they should be offered resources: at each level,
    /// the child using the least of its guaranteed share first.
    pub fn leaves_by_need(&self) -> Vec<usize> {
        let mut order = Vec::new();
        self.collect_leaves(0, &mut order);
        order
    }

    fn collect_leaves(&self, index: usize, order: &mut Vec<usize>) {
        let queue = &self.queues[index];
        if queue.is_leaf() {
            order.push(index);
            return;
        }
        let mut children = queue.children.clone();
        children.sort_by(|a, b| self.share_used(*a).total_cmp(&self.share_used(*b)));
        for child in children {
            self.collect_leaves(child, order);
        }
    }

    /// Used memory over guaranteed share; a queue with no guarantee comes last.
    fn share_used(&self, index: usize) -> f64 {
        let queue = &self.queues[index];
        if queue.absolute_capacity <= 0.0 {
            return f64::MAX;
        }
        queue.used.memory_mb as f64 / queue.absolute_capacity
    }

    /// Whether `leaf` and every ancestor can take `request` within their
    /// maximum capacity of `cluster`.
    pub fn can_grow(&self, leaf: usize, request: Resource, cluster: Resource) -> bool {
        let mut current = Some(leaf);
        while let Some(index) = current {
            let queue = &self.queues[index];
            let limit = queue.absolute_maximum_capacity * cluster.memory_mb as f64;
            if (queue.used.memory_mb + request.memory_mb) as f64 > limit + 1e-6 {
                return false;
            }
            current = queue.parent;
        }
        true
    }

    /// Whether `user` may take `request` more in `leaf`: up to the leaf's
    /// guaranteed share times its user-limit factor (never beyond its
    /// maximum); a user with nothing running always gets one container.
    pub fn within_user_limit(
        &self,
        leaf: usize,
        user: &str,
        request: Resource,
        cluster: Resource,
    ) -> bool {
        let queue = &self.queues[leaf];
        let used = queue
            .used_by_user
            .get(user)
            .copied()
            .unwrap_or(Resource::ZERO);
        if used.is_zero() {
            return true;
        }
        let share = (queue.absolute_capacity * queue.user_limit_factor)
            .min(queue.absolute_maximum_capacity);
        let limit = share * cluster.memory_mb as f64;
        (used.memory_mb + request.memory_mb) as f64 <= limit + 1e-6
    }

    /// Charges (or with `release`, refunds) `amount` to `leaf`, its
    /// ancestors and `user`.
    pub fn charge(&mut self, leaf: usize, user: &str, amount: Resource, release: bool) {
        let mut current = Some(leaf);
        while let Some(index) = current {
            let queue = &mut self.queues[index];
            if release {
                queue.used -= amount;
                queue.num_containers -= 1;
            } else {
                queue.used += amount;
                queue.num_containers += 1;
            }
            current = queue.parent;
        }
        let by_user = self.queues[leaf]
            .used_by_user
            .entry(user.to_string())
            .or_default();
        if release {
            *by_user -= amount;
        } else {
            *by_user += amount;
        }
        debug_assert!(self.queues[leaf].used.memory_mb >= 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_level() -> QueueSpec {
        QueueSpec {
            name: "root".into(),
            capacity: 100.0,
            maximum_capacity: 100.0,
            user_limit_factor: 1.0,
            children: vec![
                QueueSpec {
                    name: "prod".into(),
                    capacity: 60.0,
                    maximum_capacity: 100.0,
                    user_limit_factor: 1.0,
                    children: vec![
                        QueueSpec::leaf("etl", 50.0, 100.0),
                        QueueSpec::leaf("serving", 50.0, 80.0),
                    ],
                },
                QueueSpec::leaf("dev", 40.0, 50.0),
            ],
        }
    }

    #[test]
    fn absolute_shares_multiply_down_the_tree() {
        let tree = QueueTree::new(&two_level()).unwrap();
        let serving = tree.find("serving").unwrap();
        let queue = tree.get(serving);
        assert_eq!(queue.path, "root.prod.serving");
        assert!((queue.absolute_capacity - 0.3).abs() < 1e-9);
        assert!((queue.absolute_maximum_capacity - 0.8).abs() < 1e-9);
        assert_eq!(tree.find("root.dev"), tree.find("dev"));
        assert_eq!(tree.find("nope"), None);
    }

    #[test]
    fn children_must_sum_to_one_hundred() {
        let mut spec = two_level();
        spec.children[1].capacity = 30.0;
        let error = QueueTree::new(&spec).unwrap_err();
        assert_eq!(
            error.to_string(),
            "Illegal capacity sum of 90 for children of queue root"
        );
        let mut spec = two_level();
        spec.children[1].maximum_capacity = 20.0;
        assert!(QueueTree::new(&spec).is_err());
    }

    #[test]
    fn the_least_served_queue_comes_first() {
        let mut tree = QueueTree::new(&two_level()).unwrap();
        let (etl, dev) = (tree.find("etl").unwrap(), tree.find("dev").unwrap());
        // prod (60%) uses 3 GB, dev (40%) uses 1 GB: dev is less served.
        tree.charge(etl, "u", Resource::new(3072, 3), false);
        tree.charge(dev, "u", Resource::new(1024, 1), false);
        let order = tree.leaves_by_need();
        assert_eq!(order[0], dev);
        // serving (empty) comes before etl inside prod.
        let serving = tree.find("serving").unwrap();
        assert_eq!(&order[1..], &[serving, etl]);
        tree.charge(dev, "u", Resource::new(1024, 1), true);
        assert_eq!(tree.get(dev).used, Resource::ZERO);
        assert_eq!(tree.get(0).used, Resource::new(3072, 3));
    }

    #[test]
    fn maximum_capacity_holds_for_ancestors_too() {
        let mut tree = QueueTree::new(&two_level()).unwrap();
        let cluster = Resource::new(10 * 1024, 10);
        let dev = tree.find("dev").unwrap();
        assert!(tree.can_grow(dev, Resource::new(5 * 1024, 1), cluster));
        assert!(!tree.can_grow(dev, Resource::new(5 * 1024 + 1, 1), cluster));
        let serving = tree.find("serving").unwrap();
        tree.charge(serving, "u", Resource::new(8 * 1024, 8), false);
        assert!(!tree.can_grow(serving, Resource::new(1024, 1), cluster));
        let etl = tree.find("etl").unwrap();
        assert!(tree.can_grow(etl, Resource::new(2 * 1024, 1), cluster));
        assert!(!tree.can_grow(etl, Resource::new(3 * 1024, 1), cluster));
    }

    #[test]
    fn one_user_is_held_to_the_user_limit_factor() {
        let mut tree = QueueTree::new(&two_level()).unwrap();
        let cluster = Resource::new(10 * 1024, 10);
        let dev = tree.find("dev").unwrap();
        let gig = Resource::new(1024, 1);
        assert!(tree.within_user_limit(dev, "alice", Resource::new(8192, 1), cluster));
        for _ in 0..4 {
            assert!(tree.within_user_limit(dev, "alice", gig, cluster));
            tree.charge(dev, "alice", gig, false);
        }
        assert!(!tree.within_user_limit(dev, "alice", gig, cluster));
        assert!(tree.within_user_limit(dev, "bob", gig, cluster));
    }
}
