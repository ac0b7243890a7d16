//! The grammar files are embedded with `include_dir!`; tell cargo to rebuild when any of them
//! changes or is added (cargo scans a directory given to `rerun-if-changed`).
fn main() {
    println!("cargo:rerun-if-changed=grammars");
}
