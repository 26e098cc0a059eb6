//! HTTP plumbing every pollcast service shares: the problem+json error type, request limits,
//! the operations endpoints (`/healthz`, `/readyz`, `/metrics`), request metrics and logging.

pub mod client_ip;
pub mod cookie;
pub mod cors;
pub mod error;
pub mod etag;
pub mod idempotency_key;
pub mod limits;
pub mod observe;
pub mod ops;
pub mod origin;
pub mod outbound;
pub mod pagination;
pub mod rate_limit;
pub mod routes;
pub mod telemetry;

pub use error::{ApiError, set_problem_base};
pub use ops::{ReadinessCheck, configure_ops};
