//! `csv-analyzer`: parse the arguments, run, turn the outcome into an exit code.

fn main() -> std::process::ExitCode {
    server::cli::main()
}
