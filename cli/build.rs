//! Records for `hadoop version` what is known when Tusk is built, without
//! network: the compiler's version and the protocol compiler's (protox, from
//! the workspace's Cargo.lock).

use std::process::Command;

fn main() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let rustc_version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_string())
        .unwrap_or_default();
    println!("cargo:rustc-env=TUSK_RUSTC_VERSION={rustc_version}");

    let lock = concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.lock");
    println!("cargo:rerun-if-changed={lock}");
    println!("cargo:rerun-if-changed=build.rs");
    let protox = std::fs::read_to_string(lock)
        .ok()
        .and_then(|text| {
            let mut lines = text.lines();
            lines.find(|line| *line == "name = \"protox\"")?;
            let version = lines.next()?.strip_prefix("version = \"")?;
            Some(version.trim_end_matches('"').to_string())
        })
        .unwrap_or_default();
    println!("cargo:rustc-env=TUSK_PROTOX_VERSION={protox}");
}
