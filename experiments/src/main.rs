//! The experiments binary (filled by the experiments issue).
fn main() {
    eprintln!("experiments: not built yet; see the README for the optimizer swap example");
    std::process::exit(2);
}
