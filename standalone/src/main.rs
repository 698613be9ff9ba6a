//! `opus-roundtrip`: live monitoring through Opus, offline renders, reports and a demo.
//! `opus-roundtrip --help` lists the subcommands.

fn main() {
    std::process::exit(roundtrip_app::main_with_args(std::env::args()));
}
