use std::process::ExitCode;

fn main() -> ExitCode {
    attune::cli::run()
}
