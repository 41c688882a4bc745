//! `graph`: the desired resources and their dependencies as Mermaid or DOT.

use super::args::{Global, GraphArgs, GraphFormat};
use super::stack::load_config;
use crate::diag::Diagnostics;
use crate::model::{desire, Kind};
use anyhow::Result;

pub fn run(g: &Global, a: &GraphArgs) -> Result<i32> {
    let cfg = load_config(g)?;
    let region = g.offline_region(&cfg);
    let resources = desire::desire(&cfg, &region).map_err(Diagnostics)?;
    // Routes and paths are many; the graph shows them per API, not one node each.
    let node = |id: &str| -> String {
        let r = resources.iter().find(|r| r.id == id);
        match r.map(|r| (r.kind, r.parent.clone())) {
            Some((Kind::Route | Kind::Path, Some(p))) => {
                format!("{}.routes", p.trim_start_matches("rest_api."))
            }
            _ => id.to_string(),
        }
    };
    let mut edges = std::collections::BTreeSet::new();
    let mut nodes = std::collections::BTreeSet::new();
    for r in &resources {
        let from = node(&r.id);
        nodes.insert(from.clone());
        for d in r.all_deps() {
            let to = node(&d);
            if to != from {
                edges.insert((from.clone(), to));
            }
        }
    }
    let safe = |s: &str| {
        s.chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect::<String>()
    };
    match a.format {
        GraphFormat::Mermaid => {
            println!("flowchart LR");
            for n in &nodes {
                println!("  {}[\"{n}\"]", safe(n));
            }
            for (f, t) in &edges {
                println!("  {} --> {}", safe(t), safe(f));
            }
        }
        GraphFormat::Dot => {
            println!("digraph idrv5gw {{\n  rankdir=LR;");
            for n in &nodes {
                println!("  \"{n}\";");
            }
            for (f, t) in &edges {
                println!("  \"{t}\" -> \"{f}\";");
            }
            println!("}}");
        }
    }
    Ok(0)
}
