//! The dependency graph (petgraph): cycles found with Tarjan's algorithm and reported as the
//! whole loop, `model.main.A → model.main.B → model.main.A`, each id with the place that
//! declares it. Shared by the desired graph (here) and the plan's change order (plan::diff).

use super::{Kind, Resource};
use crate::config::Config;
use crate::diag::{Diagnostic, Location};
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::{BTreeMap, BTreeSet};

/// Every loop among `nodes` (id → ids it waits for; unknown ids are ignored), each as the
/// ids around it with the first repeated at the end. One loop per strongly connected set.
pub fn cycles<'a>(nodes: impl IntoIterator<Item = (&'a str, Vec<&'a str>)>) -> Vec<Vec<String>> {
    let nodes: Vec<(&str, Vec<&str>)> = nodes.into_iter().collect();
    let mut g: DiGraph<&str, ()> = DiGraph::new();
    let index: BTreeMap<&str, NodeIndex> =
        nodes.iter().map(|(id, _)| (*id, g.add_node(id))).collect();
    for (id, waits) in &nodes {
        for w in waits {
            if let Some(&to) = index.get(w) {
                g.add_edge(index[id], to, ());
            }
        }
    }
    let mut out: Vec<Vec<String>> = petgraph::algo::tarjan_scc(&g)
        .into_iter()
        .filter(|scc| scc.len() > 1 || g.contains_edge(scc[0], scc[0]))
        .map(|scc| loop_in(&g, &scc))
        .collect();
    out.sort();
    out
}

/// The sets of ids that reach each other (more than one id each), sorted.
pub fn strongly_connected<'a>(
    nodes: impl IntoIterator<Item = (&'a str, Vec<&'a str>)>,
) -> Vec<Vec<String>> {
    let nodes: Vec<(&str, Vec<&str>)> = nodes.into_iter().collect();
    let mut g: DiGraph<&str, ()> = DiGraph::new();
    let index: BTreeMap<&str, NodeIndex> =
        nodes.iter().map(|(id, _)| (*id, g.add_node(id))).collect();
    for (id, waits) in &nodes {
        for w in waits.iter().filter_map(|w| index.get(w)) {
            g.add_edge(index[id], *w, ());
        }
    }
    let mut out: Vec<Vec<String>> = petgraph::algo::tarjan_scc(&g)
        .into_iter()
        .filter(|scc| scc.len() > 1)
        .map(|scc| {
            let mut ids: Vec<String> = scc.iter().map(|n| g[*n].to_string()).collect();
            ids.sort();
            ids
        })
        .collect();
    out.sort();
    out
}

/// A path from the smallest id of a strongly connected set back to itself, inside the set.
fn loop_in(g: &DiGraph<&str, ()>, scc: &[NodeIndex]) -> Vec<String> {
    let set: BTreeSet<NodeIndex> = scc.iter().copied().collect();
    let start = *scc
        .iter()
        .min_by_key(|n| g[**n])
        .expect("a set is not empty");
    // Breadth-first from start, remembering how each node was reached; the shortest loop.
    let mut came_from: BTreeMap<NodeIndex, NodeIndex> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(n) = queue.pop_front() {
        let mut next: Vec<NodeIndex> = g.neighbors(n).filter(|m| set.contains(m)).collect();
        next.sort_by_key(|m| g[*m]);
        for m in next {
            if m == start {
                let mut path = vec![g[n].to_string()];
                let mut at = n;
                while at != start {
                    at = came_from[&at];
                    path.push(g[at].to_string());
                }
                path.reverse();
                path.push(g[start].to_string());
                return path;
            }
            if let std::collections::btree_map::Entry::Vacant(e) = came_from.entry(m) {
                e.insert(n);
                queue.push_back(m);
            }
        }
    }
    vec![g[start].to_string(), g[start].to_string()]
}

/// The desired graph has no loop; else one error per loop, each id with its place.
pub fn check(cfg: &Config, resources: &[Resource]) -> Result<(), Vec<Diagnostic>> {
    let deps: Vec<(String, BTreeSet<String>)> = resources
        .iter()
        .map(|r| (r.id.clone(), r.all_deps()))
        .collect();
    let loops = cycles(
        deps.iter()
            .map(|(id, d)| (id.as_str(), d.iter().map(String::as_str).collect())),
    );
    if loops.is_empty() {
        return Ok(());
    }
    let kinds: BTreeMap<&str, Kind> = resources.iter().map(|r| (r.id.as_str(), r.kind)).collect();
    Err(loops
        .iter()
        .map(|l| {
            let places: Vec<String> = l[..l.len() - 1]
                .iter()
                .map(
                    |id| match declared_at(cfg, id, kinds.get(id.as_str()).copied()) {
                        Some(at) => format!("  {id} is declared at {at}"),
                        None => format!("  {id}"),
                    },
                )
                .collect();
            Diagnostic::error(
                "graph",
                format!("dependency cycle: {}\n{}", l.join(" → "), places.join("\n")),
            )
            .hint("each of these needs the next one to exist first: remove one of the references")
            .at(l
                .first()
                .and_then(|id| declared_at(cfg, id, kinds.get(id.as_str()).copied())))
        })
        .collect())
}

/// Where the stack or its contract declares a resource, for the kinds that come from them.
pub fn declared_at(cfg: &Config, id: &str, kind: Option<Kind>) -> Option<Location> {
    let mut parts = id.splitn(3, '.');
    let (_, key, rest) = (parts.next()?, parts.next()?, parts.next().unwrap_or(""));
    let in_contract = |path: &[&str]| cfg.contracts.get(key).and_then(|c| c.source.find(path));
    match kind? {
        Kind::Model => in_contract(&["components", "schemas", rest]),
        Kind::Authorizer => in_contract(&["components", "securitySchemes", rest]),
        Kind::Route => {
            let (method, path) = rest.split_once(' ')?;
            in_contract(&["paths", path, &method.to_lowercase()])
        }
        Kind::Path => in_contract(&["paths", rest]),
        Kind::Stage => cfg.locate(&["rest_apis", key, "stages", rest]),
        Kind::RestApi => cfg.locate(&["rest_apis", key]),
        Kind::VpcLink | Kind::VpcLinkV2 => cfg.locate(&["vpc_links", key]),
        Kind::ApiKey => cfg.locate(&["api_keys", key]),
        Kind::UsagePlan => cfg.locate(&["usage_plans", key]),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loop_is_reported_whole_from_its_smallest_id() {
        let found = cycles([
            ("model.main.B", vec!["model.main.A"]),
            ("model.main.A", vec!["model.main.B"]),
            ("model.main.C", vec!["model.main.A"]),
        ]);
        assert_eq!(
            found,
            vec![vec!["model.main.A", "model.main.B", "model.main.A"]]
        );
        let three = cycles([
            ("a", vec!["b"]),
            ("b", vec!["c"]),
            ("c", vec!["a"]),
            ("d", vec![]),
        ]);
        assert_eq!(three, vec![vec!["a", "b", "c", "a"]]);
        assert_eq!(cycles([("a", vec!["a"])]), vec![vec!["a", "a"]]);
        assert!(cycles([("a", vec!["b", "gone"]), ("b", vec![])]).is_empty());
    }
}
