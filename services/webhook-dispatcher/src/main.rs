fn main() -> std::process::ExitCode {
    pollcast_runtime::service_main(
        "webhook-dispatcher",
        "pollcast webhook-dispatcher: sends signed webhook deliveries for what happens (votes, poll changes), retrying on a schedule. Run as many instances as you like",
        |ctx| vec![pollcast_webhook_dispatcher::WebhookDispatcher::new(ctx).into_service()],
    )
}
