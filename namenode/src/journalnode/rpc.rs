//! QJournalProtocol: the gRPC adapter over [`super::journal::Journal`].

use std::sync::Arc;

use common::RemoteException;
use proto::hdfs::q_journal_protocol_server::QJournalProtocol;
use proto::hdfs::*;
use tonic::{Request, Response, Status};

use super::Journals;
use crate::qjournal::http;

pub struct JournalRpc {
    journals: Arc<Journals>,
}

impl JournalRpc {
    pub fn new(journals: Arc<Journals>) -> Self {
        Self { journals }
    }
}

type Reply<T> = Result<Response<T>, Status>;

fn reply<T>(result: Result<T, RemoteException>) -> Reply<T> {
    result.map(Response::new).map_err(|error| error.to_status())
}

fn req_info(info: Option<RequestInfo>) -> Result<RequestInfo, Status> {
    info.ok_or_else(|| RemoteException::illegal_argument("missing request info").to_status())
}

#[tonic::async_trait]
impl QJournalProtocol for JournalRpc {
    async fn is_formatted(
        &self,
        request: Request<IsFormattedRequest>,
    ) -> Reply<IsFormattedResponse> {
        let request = request.into_inner();
        reply(
            self.journals
                .with(&request.journal_id, |journal| {
                    Ok(IsFormattedResponse {
                        is_formatted: journal.is_formatted(),
                    })
                })
                .await,
        )
    }

    async fn format(&self, request: Request<FormatRequest>) -> Reply<FormatResponse> {
        let request = request.into_inner();
        let ns = request.ns_info.ok_or_else(|| {
            RemoteException::illegal_argument("missing namespace info").to_status()
        })?;
        reply(
            self.journals
                .with(&request.journal_id, move |journal| {
                    journal
                        .format(&ns, request.force)
                        .map(|()| FormatResponse {})
                })
                .await,
        )
    }

    async fn get_journal_state(
        &self,
        request: Request<GetJournalStateRequest>,
    ) -> Reply<GetJournalStateResponse> {
        let request = request.into_inner();
        let http_port = u32::from(self.journals.http_port);
        let from_url = self.journals.http_url.clone();
        reply(
            self.journals
                .with(&request.journal_id, move |journal| {
                    Ok(GetJournalStateResponse {
                        last_promised_epoch: journal.last_promised_epoch()?,
                        http_port,
                        from_url,
                    })
                })
                .await,
        )
    }

    async fn new_epoch(&self, request: Request<NewEpochRequest>) -> Reply<NewEpochResponse> {
        let request = request.into_inner();
        let ns = request.ns_info.ok_or_else(|| {
            RemoteException::illegal_argument("missing namespace info").to_status()
        })?;
        reply(
            self.journals
                .with(&request.journal_id, move |journal| {
                    Ok(NewEpochResponse {
                        last_segment_txid: journal.new_epoch(&ns, request.epoch)?,
                    })
                })
                .await,
        )
    }

    async fn start_log_segment(
        &self,
        request: Request<StartLogSegmentRequest>,
    ) -> Reply<StartLogSegmentResponse> {
        let request = request.into_inner();
        let info = req_info(request.req_info)?;
        reply(
            self.journals
                .with(&info.journal_id.clone(), move |journal| {
                    journal
                        .start_log_segment(&info, request.txid)
                        .map(|()| StartLogSegmentResponse {})
                })
                .await,
        )
    }

    async fn journal(&self, request: Request<JournalRequest>) -> Reply<JournalResponse> {
        let request = request.into_inner();
        let info = req_info(request.req_info)?;
        reply(
            self.journals
                .with(&info.journal_id.clone(), move |journal| {
                    journal
                        .journal(
                            &info,
                            request.segment_txn_id,
                            request.first_txn_id,
                            request.num_txns,
                            &request.records,
                        )
                        .map(|()| JournalResponse {})
                })
                .await,
        )
    }

    async fn heartbeat(
        &self,
        request: Request<HeartbeatJournalRequest>,
    ) -> Reply<HeartbeatJournalResponse> {
        let info = req_info(request.into_inner().req_info)?;
        reply(
            self.journals
                .with(&info.journal_id.clone(), move |journal| {
                    journal
                        .heartbeat(&info)
                        .map(|()| HeartbeatJournalResponse {})
                })
                .await,
        )
    }

    async fn finalize_log_segment(
        &self,
        request: Request<FinalizeLogSegmentRequest>,
    ) -> Reply<FinalizeLogSegmentResponse> {
        let request = request.into_inner();
        let info = req_info(request.req_info)?;
        reply(
            self.journals
                .with(&info.journal_id.clone(), move |journal| {
                    journal
                        .finalize_log_segment(&info, request.start_txid, request.end_txid)
                        .map(|()| FinalizeLogSegmentResponse {})
                })
                .await,
        )
    }

    async fn purge_logs(&self, request: Request<PurgeLogsRequest>) -> Reply<PurgeLogsResponse> {
        let request = request.into_inner();
        let info = req_info(request.req_info)?;
        reply(
            self.journals
                .with(&info.journal_id.clone(), move |journal| {
                    journal
                        .purge_logs(&info, request.min_txid_to_keep)
                        .map(|()| PurgeLogsResponse {})
                })
                .await,
        )
    }

    async fn get_edit_log_manifest(
        &self,
        request: Request<GetJournalEditLogManifestRequest>,
    ) -> Reply<GetJournalEditLogManifestResponse> {
        let request = request.into_inner();
        let http_port = u32::from(self.journals.http_port);
        let from_url = self.journals.http_url.clone();
        reply(
            self.journals
                .with(&request.journal_id, move |journal| {
                    Ok(GetJournalEditLogManifestResponse {
                        logs: journal.manifest(request.since_txid, request.in_progress_ok)?,
                        http_port,
                        from_url,
                    })
                })
                .await,
        )
    }

    async fn get_journaled_edits(
        &self,
        request: Request<GetJournaledEditsRequest>,
    ) -> Reply<GetJournaledEditsResponse> {
        let request = request.into_inner();
        reply(
            self.journals
                .with(&request.journal_id, move |journal| {
                    let (txn_count, edit_log) =
                        journal.journaled_edits(request.since_txid, request.max_txns)?;
                    Ok(GetJournaledEditsResponse {
                        txn_count,
                        edit_log,
                    })
                })
                .await,
        )
    }

    async fn prepare_recovery(
        &self,
        request: Request<PrepareRecoveryRequest>,
    ) -> Reply<PrepareRecoveryResponse> {
        let request = request.into_inner();
        let info = req_info(request.req_info)?;
        reply(
            self.journals
                .with(&info.journal_id.clone(), move |journal| {
                    journal.prepare_recovery(&info, request.segment_txid)
                })
                .await,
        )
    }

    async fn accept_recovery(
        &self,
        request: Request<AcceptRecoveryRequest>,
    ) -> Reply<AcceptRecoveryResponse> {
        let request = request.into_inner();
        let info = req_info(request.req_info)?;
        let segment = request.state_to_accept.ok_or_else(|| {
            RemoteException::illegal_argument("missing segment state").to_status()
        })?;
        let journal_id = info.journal_id.clone();
        let (check_info, check_segment) = (info.clone(), segment);
        let needs_download = self
            .journals
            .with(&journal_id, move |journal| {
                journal.accept_needs_download(&check_info, &check_segment)
            })
            .await
            .map_err(|error| error.to_status())?;
        let downloaded = if needs_download {
            let bytes = http::get_segment(
                &self.journals.node_name,
                http::address_of(&request.from_url),
                &journal_id,
                segment.start_txid,
            )
            .await
            .map_err(|reason| RemoteException::io(reason).to_status())?;
            Some(bytes)
        } else {
            None
        };
        reply(
            self.journals
                .with(&journal_id, move |journal| {
                    journal
                        .accept_recovery(&info, &segment, downloaded)
                        .map(|()| AcceptRecoveryResponse {})
                })
                .await,
        )
    }
}
