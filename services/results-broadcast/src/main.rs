fn main() -> std::process::ExitCode {
    pollcast_runtime::service_main(
        "results-broadcast",
        "pollcast results-broadcast: live results over WebSocket and Server-Sent Events, and the results endpoint. Run as many instances as you like",
        |ctx| vec![pollcast_results_broadcast::ResultsBroadcast::new(ctx).into_service()],
    )
}
