//! A task's blocking client of its AM's TaskUmbilicalProtocol.

use common::faults::Channel;
use proto::mapreduce as pb;
use proto::mapreduce::task_umbilical_protocol_client::TaskUmbilicalProtocolClient;
use tokio::runtime::Handle;

use crate::Error;
use crate::counters::Counters;
use crate::yarn::wire::{channel, counters_to_proto};

/// Calls the AM on behalf of one attempt, from plain threads.
#[derive(Clone)]
pub(crate) struct Umbilical {
    client: TaskUmbilicalProtocolClient<Channel>,
    runtime: Handle,
    attempt_id: String,
}

fn remote(status: tonic::Status) -> Error {
    Error::Task(format!(
        "the MRAppMaster did not answer: {}",
        status.message()
    ))
}

impl Umbilical {
    /// Connects (lazily) to the AM at `address` for `attempt_id`.
    pub fn connect(address: &str, attempt_id: &str, runtime: Handle) -> Result<Self, Error> {
        let client = {
            let _entered = runtime.enter();
            TaskUmbilicalProtocolClient::new(channel(address)?)
        };
        Ok(Self {
            client,
            runtime,
            attempt_id: attempt_id.to_string(),
        })
    }

    pub fn attempt_id(&self) -> &str {
        &self.attempt_id
    }

    /// Reports progress; true when the AM wants this attempt to stop.
    pub fn status(&self, progress: f32, counters: &Counters) -> Result<bool, Error> {
        let mut client = self.client.clone();
        let request = pb::StatusUpdateRequest {
            attempt_id: self.attempt_id.clone(),
            progress,
            state_string: String::new(),
            counters: counters_to_proto(counters),
        };
        let response = self.runtime.block_on(client.status_update(request));
        Ok(response.map_err(remote)?.into_inner().should_die)
    }

    /// Asks to commit the attempt's output; true when this attempt may.
    pub fn can_commit(&self) -> Result<bool, Error> {
        let mut client = self.client.clone();
        let request = pb::CanCommitRequest {
            attempt_id: self.attempt_id.clone(),
        };
        let response = self.runtime.block_on(client.can_commit(request));
        Ok(response.map_err(remote)?.into_inner().allowed)
    }

    /// The attempt succeeded, with these counters.
    pub fn done(&self, counters: &Counters) -> Result<(), Error> {
        let mut client = self.client.clone();
        let request = pb::DoneRequest {
            attempt_id: self.attempt_id.clone(),
            counters: counters_to_proto(counters),
        };
        self.runtime
            .block_on(client.done(request))
            .map_err(remote)?;
        Ok(())
    }

    /// The attempt failed, and why.
    pub fn fatal_error(&self, message: &str) -> Result<(), Error> {
        let mut client = self.client.clone();
        let request = pb::FatalErrorRequest {
            attempt_id: self.attempt_id.clone(),
            message: message.to_string(),
        };
        self.runtime
            .block_on(client.fatal_error(request))
            .map_err(remote)?;
        Ok(())
    }

    /// Map completion events from `from` on.
    pub fn events(&self, from: usize) -> Result<pb::MapCompletionEventsResponse, Error> {
        let mut client = self.client.clone();
        let request = pb::MapCompletionEventsRequest {
            attempt_id: self.attempt_id.clone(),
            from_event_id: from as i32,
        };
        let response = self
            .runtime
            .block_on(client.get_map_completion_events(request));
        Ok(response.map_err(remote)?.into_inner())
    }

    /// This reducer could not fetch `map_attempt`'s output.
    pub fn fetch_failure(&self, map_attempt: &str, reason: &str) -> Result<(), Error> {
        let mut client = self.client.clone();
        let request = pb::FetchFailureRequest {
            attempt_id: self.attempt_id.clone(),
            map_attempt_id: map_attempt.to_string(),
            reason: reason.to_string(),
        };
        self.runtime
            .block_on(client.report_fetch_failure(request))
            .map_err(remote)?;
        Ok(())
    }
}
