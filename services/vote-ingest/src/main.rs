fn main() -> std::process::ExitCode {
    pollcast_runtime::service_main(
        "vote-ingest",
        "pollcast vote-ingest: accepts votes over HTTP and appends them, de-duplicated, to the votes streams",
        |ctx| vec![pollcast_vote_ingest::VoteIngest::new(ctx).into_service()],
    )
}
