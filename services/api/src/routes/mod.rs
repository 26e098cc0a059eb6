pub mod api_keys;
pub mod audit;
pub mod lifecycle;
pub mod polls;
pub mod tokens;
pub mod votes;
pub mod webhook_deliveries;
pub mod webhooks;
