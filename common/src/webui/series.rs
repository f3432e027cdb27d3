//! A daemon's recent history for the pages' line charts: named values sampled every few
//! seconds into a ring that holds the last ten minutes, served as JSON at [`SERIES_PATH`]
//! (RPC calls and queue time on the NameNode, memory and vcores allocated on the RM).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use serde_json::{Map, Value, json};

/// Where [`SeriesStore::route`] serves the samples.
pub const SERIES_PATH: &str = "/ui/series";
/// How often a sample is taken.
pub const SAMPLE_PERIOD: Duration = Duration::from_secs(5);
/// How many samples are kept: ten minutes.
pub const CAPACITY: usize = 120;

/// Takes one sample: each series' name and its current value.
pub type Sampler = Box<dyn Fn() -> Vec<(&'static str, f64)> + Send + Sync>;

/// One sample: when (milliseconds since the epoch) and each series' value.
type Sample = (i64, Vec<(&'static str, f64)>);

/// The samples taken so far, oldest first.
pub struct SeriesStore {
    sampler: Sampler,
    samples: Mutex<VecDeque<Sample>>,
}

impl SeriesStore {
    /// A store that `sampler` fills every `period` from now on, for as long as the store
    /// lives (the sampling task holds it weakly). Must be called inside a tokio runtime.
    pub fn start(period: Duration, sampler: Sampler) -> Arc<Self> {
        let store = Arc::new(Self {
            sampler,
            samples: Mutex::new(VecDeque::with_capacity(CAPACITY)),
        });
        store.sample();
        let weak: Weak<Self> = Arc::downgrade(&store);
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(period);
            ticks.tick().await;
            loop {
                ticks.tick().await;
                match weak.upgrade() {
                    Some(store) => store.sample(),
                    None => return,
                }
            }
        });
        store
    }

    /// Takes a sample now (the sampler runs outside the lock).
    pub fn sample(&self) {
        let values = (self.sampler)();
        let mut samples = self.samples.lock().unwrap_or_else(|e| e.into_inner());
        if samples.len() == CAPACITY {
            samples.pop_front();
        }
        samples.push_back((crate::time::now_millis(), values));
    }

    /// `{"times": [ms...], "series": {"name": [value...]}}`, oldest first.
    pub fn to_json(&self) -> Value {
        let samples = self.samples.lock().unwrap_or_else(|e| e.into_inner());
        let times: Vec<i64> = samples.iter().map(|(time, _)| *time).collect();
        let mut series: Map<String, Value> = Map::new();
        for (index, (_, values)) in samples.iter().enumerate() {
            for (name, value) in values {
                let column = series
                    .entry(name.to_string())
                    .or_insert_with(|| Value::Array(vec![Value::Null; samples.len()]));
                if let Value::Array(points) = column {
                    points[index] = json!(value);
                }
            }
        }
        json!({ "times": times, "series": series })
    }

    /// The route serving this store at [`SERIES_PATH`].
    pub fn route<S: Clone + Send + Sync + 'static>(self: &Arc<Self>) -> axum::Router<S> {
        axum::Router::new()
            .route(SERIES_PATH, axum::routing::get(serve))
            .with_state(self.clone())
    }
}

async fn serve(State(store): State<Arc<SeriesStore>>) -> Json<Value> {
    Json(store.to_json())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;

    #[tokio::test]
    async fn keeps_the_last_samples_by_name() {
        let counter = Arc::new(AtomicU64::new(0));
        let source = counter.clone();
        let store = SeriesStore::start(
            Duration::from_secs(3600),
            Box::new(move || vec![("calls", source.fetch_add(1, Ordering::SeqCst) as f64)]),
        );
        for _ in 0..CAPACITY + 5 {
            store.sample();
        }
        let json = store.to_json();
        let calls = json["series"]["calls"].as_array().unwrap();
        assert_eq!(calls.len(), CAPACITY);
        assert_eq!(json["times"].as_array().unwrap().len(), CAPACITY);
        assert_eq!(calls.last().unwrap().as_f64(), Some((CAPACITY + 5) as f64));
    }
}
