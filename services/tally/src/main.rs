fn main() -> std::process::ExitCode {
    pollcast_runtime::service_main(
        "tally",
        "pollcast tally: counts the votes streams exactly once into live counts and the vote log, and publishes coalesced results. Run as many instances as you like",
        |ctx| vec![pollcast_tally::Tally::new(ctx).into_service()],
    )
}
