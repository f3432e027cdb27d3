//! The NodeManager's web port: Hadoop's REST API (`/ws/v1/node`, see
//! [`crate::rest`]).

use std::sync::Arc;

use axum::Router;

use crate::containers::ContainerManager;

pub fn router(manager: Arc<ContainerManager>) -> Router {
    crate::rest::router(manager)
}
