fn main() -> std::process::ExitCode {
    pollcast_runtime::service_main(
        "pollcast-api",
        "pollcast api: poll management, workspaces and keys, and the hosted poll page",
        |ctx| vec![pollcast_api::Api::new(ctx).into_service()],
    )
}
