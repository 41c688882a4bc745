use clap::Parser;

fn main() {
    let cli = idrv5_gw::cli::Cli::parse();
    let code = idrv5_gw::cli::run(cli);
    std::process::exit(code);
}
