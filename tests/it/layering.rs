//! The crate's module graph, read from the `use` lines and paths of `src/`: no two modules
//! with the same parent import each other in a circle, at any depth (so neither the
//! top-level layers nor the files inside one of them), and the pure layers stay pure.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

/// Every source file's text by module path (`scenario::steps`; the crate root is "").
fn sources() -> BTreeMap<String, String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = BTreeMap::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                files.insert(module_of(path.strip_prefix(&root).unwrap()), text);
            }
        }
    }
    files
}

fn module_of(relative: &Path) -> String {
    let text = relative
        .with_extension("")
        .to_string_lossy()
        .replace('/', "::");
    let text = text.strip_suffix("::mod").unwrap_or(&text).to_string();
    if text == "lib" { String::new() } else { text }
}

/// The `crate::` and `super::` paths a file's code names (comments and tests left out),
/// with `use a::{b, c::D}` spread into `a::b` and `a::c::D`.
fn paths_in(text: &str) -> Vec<String> {
    let code: String = (text.split("#[cfg(test)]").next().unwrap_or("").lines())
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut paths = Vec::new();
    for statement in code.split(';') {
        let used = (statement.lines()).map(str::trim_start).find_map(|line| {
            ["use ", "pub use ", "pub(crate) use "]
                .iter()
                .find_map(|u| line.strip_prefix(u))
        });
        let compact: String = statement.split_whitespace().collect();
        if let Some(used) = used {
            let from_use: String = statement[statement.find(used).unwrap_or(0)..]
                .split_whitespace()
                .collect();
            if let Some((prefix, items)) = from_use.split_once("::{") {
                let items = items.trim_end_matches('}');
                paths.extend(items.split(',').map(|item| format!("{prefix}::{item}")));
            }
        }
        paths.push(compact);
    }
    let mut found = Vec::new();
    for text in paths {
        for (at, _) in text
            .match_indices("crate::")
            .chain(text.match_indices("super::"))
        {
            let path: String = (text[at..].chars())
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            found.push(path);
        }
    }
    found
}

/// The module `path` names from inside `module`: the longest prefix that is a module.
fn resolve(module: &str, path: &str, modules: &BTreeSet<String>) -> Option<String> {
    let mut base: Vec<&str> = module.split("::").filter(|s| !s.is_empty()).collect();
    let mut parts: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    if parts.first() == Some(&"crate") {
        base.clear();
        parts.remove(0);
    }
    while parts.first() == Some(&"super") {
        base.pop();
        parts.remove(0);
    }
    let full: Vec<&str> = base.into_iter().chain(parts).collect();
    (1..=full.len())
        .rev()
        .map(|k| full[..k].join("::"))
        .find(|m| modules.contains(m))
}

/// Edges between siblings: `a::b::x` naming `a::c::y` makes `a::b` → `a::c`. A module
/// naming one of its ancestors (a parent's re-exports) makes no edge.
fn sibling_graph(files: &BTreeMap<String, String>) -> Graph {
    let modules: BTreeSet<String> = files.keys().cloned().collect();
    let mut graph = Graph::new();
    for (module, text) in files {
        for path in paths_in(text) {
            let Some(target) = resolve(module, &path, &modules) else {
                continue;
            };
            let (a, b): (Vec<&str>, Vec<&str>) =
                (module.split("::").collect(), target.split("::").collect());
            let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
            if common < a.len() && common < b.len() && !module.is_empty() {
                let from = a[..=common].join("::");
                let to = b[..=common].join("::");
                graph.entry(from).or_default().insert(to);
            }
        }
    }
    graph
}

/// A cycle in `graph`, as the modules along it, if there is one.
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &Graph,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            return Some(path[start..].to_vec());
        }
        if !done.insert(node.to_string()) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_modules_import_each_other_in_a_circle() {
    let graph = sibling_graph(&sources());
    assert!(graph.len() > 20, "the graph was read: {graph:?}");
    assert_eq!(find_cycle(&graph), None);
}

#[test]
fn the_pure_core_imports_no_runtime_and_pricing_nothing_of_the_ledger() {
    for (module, text) in sources() {
        let pure = module.starts_with("ledger") || module.starts_with("pricing");
        if pure {
            for runtime in ["tokio", "ractor"] {
                assert!(
                    !text.contains(&format!("{runtime}::")),
                    "{module} uses {runtime}"
                );
            }
        }
        if module.starts_with("pricing") {
            assert!(
                !text.contains("crate::ledger"),
                "{module} imports the ledger"
            );
        }
    }
}

#[test]
fn the_cycle_finder_finds_a_cycle_planted_in_real_sources() {
    let mut files = sources();
    // The check must be able to fail: make `pricing` name `report`, which names `pricing`.
    let pricing = files.get_mut("pricing").unwrap();
    pricing.push_str("\nuse crate::report::Outcome;\n");
    let cycle = find_cycle(&sibling_graph(&files)).expect("the planted cycle is found");
    assert!(cycle.contains(&"pricing".to_string()), "{cycle:?}");
}
