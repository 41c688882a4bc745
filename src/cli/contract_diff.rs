//! `idrv5-gw contract-diff OLD NEW`: the breaking-change gate of a pipeline.

use super::args::{ContractDiffArgs, ReportFormat};
use crate::config::contract::Contract;
use crate::diag::{Diagnostics, SourceText};
use crate::openapi::compat::{self, Level};
use anyhow::{bail, Result};
use std::path::Path;

pub fn run(a: &ContractDiffArgs) -> Result<i32> {
    let (old, new) = (load(&a.old)?, load(&a.new)?);
    let findings = compat::diff(&old, &new);
    match a.format {
        ReportFormat::Text => print!("{}", compat::text(&a.old, &a.new, &findings)),
        ReportFormat::Markdown => print!("{}", compat::markdown(&a.old, &a.new, &findings)),
        ReportFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&compat::json(&a.old, &a.new, &findings))?
        ),
    }
    let breaking = findings.iter().any(|f| f.level == Level::Breaking);
    if breaking && !a.allow_breaking {
        eprintln!("error: the new contract breaks clients of the old one (see above); pass --allow-breaking to accept it");
        return Ok(super::exit::EXIT_ERROR);
    }
    Ok(super::exit::EXIT_OK)
}

/// A contract from a file, or from git (`REF:PATH`) when no file has that name.
fn load(arg: &str) -> Result<Contract> {
    let path = Path::new(arg);
    if path.exists() || !arg.contains(':') {
        return Contract::load(path).map_err(|d| Diagnostics(d).into());
    }
    let out = std::process::Command::new("git")
        .args(["show", arg])
        .output()
        .map_err(|e| {
            anyhow::anyhow!(
                "{arg}: no such file, and git could not be run to read it as REF:PATH ({e})"
            )
        })?;
    if !out.status.success() {
        bail!(
            "{arg}: no such file, and not a git REF:PATH ({})",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let text =
        String::from_utf8(out.stdout).map_err(|_| anyhow::anyhow!("{arg}: not UTF-8 text"))?;
    Contract::from_source(SourceText::new(path, text)).map_err(|d| Diagnostics(d).into())
}
