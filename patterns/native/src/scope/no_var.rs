//! no-var's decisions, step for step those of `patterns/rules/no_var.py`, made over
//! the walk's records before they become Python objects: which `var` declarations
//! to report, where, and whether `var` → `let` is safe. The Python rule is the
//! specification and the fallback; `tests/unit/test_native_core.py` holds the two
//! to the same answers.

use tree_sitter::Node;

use super::{DeclarationRec, KindSets, Walk};

// The rule's kind sets, in the order of `_NATIVE_KINDS` in `patterns/rules/no_var.py`
// (which defines them).
const FUNCTIONS: u32 = 0;
const SCOPE_NODES: u32 = 1; // ESLint's scope nodes: the block a `let` would be confined to
const LOOPS: u32 = 2;
const DEFAULT_HOSTS: u32 = 3;
const MODULE_BODY_OWNERS: u32 = 4;

/// One `var` declaration to report: its range, its `var` keyword's range, and
/// whether that keyword may become `let` (in a source without syntax errors).
pub struct Finding {
    pub start: usize,
    pub end: usize,
    pub keyword: Option<(usize, usize)>,
    pub can_fix: bool,
}

/// The ancestors of `node`, nearest first (its parent first), found in one descent
/// from the root: `Node::parent` searches down from the root for each step.
fn ancestors<'t>(root: Node<'t>, node: Node<'t>) -> Vec<Node<'t>> {
    let mut path = Vec::new();
    let mut current = root;
    while current.id() != node.id() {
        path.push(current);
        // Always found: the declarations are nodes of this tree.
        let Some(next) = current.child_with_descendant(node) else { break };
        current = next;
    }
    path.reverse();
    path
}

/// The named children of `node` that are not comments.
fn named(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).filter(|child| child.kind() != "comment").collect()
}

fn unparen(mut node: Node<'_>) -> Node<'_> {
    while node.kind() == "parenthesized_expression" {
        let inner = named(node);
        if inner.len() != 1 {
            break;
        }
        node = inner[0];
    }
    node
}

impl<'t> Walk<'t> {
    /// no-var's findings, in the order of the declarations; `module_bodies`: whether
    /// the grammar has TypeScript module bodies.
    pub(super) fn no_var(&self, root: Node<'t>, kinds: &KindSets) -> Vec<Finding> {
        let mut found = Vec::new();
        for decl in &self.declarations {
            if decl.kind != b"var" {
                continue;
            }
            let above = ancestors(root, decl.node);
            if self.in_declare_global(&above) {
                continue;
            }
            let (start, end) = report_range(decl, above.first().copied());
            let keyword = decl.keyword.map(|k| (k.start_byte(), k.end_byte()));
            let can_fix = keyword.is_some() && self.can_fix(decl, &above, kinds);
            found.push(Finding { start, end, keyword, can_fix });
        }
        found
    }

    /// Whether the declaration sits in the body of `declare global`.
    fn in_declare_global(&self, above: &[Node<'t>]) -> bool {
        let (Some(block), Some(owner)) = (above.first(), above.get(1)) else { return false };
        if block.kind() != "statement_block" || owner.kind() != "ambient_declaration" {
            return false;
        }
        let mut cursor = owner.walk();
        let has_global = owner.children(&mut cursor).any(|child| child.kind() == "global");
        has_global
    }

    fn can_fix(&self, decl: &DeclarationRec<'t>, above: &[Node<'t>], kinds: &KindSets) -> bool {
        let node = decl.node;
        let node_parent = above.first().copied();
        // The parent ESTree would give; TypeScript's `declare` is a flag there, not a node.
        let mut parent_level = 0;
        let parent = if decl.loop_kind == Some("for-in") {
            Some(node)
        } else if node_parent.is_some_and(|p| p.kind() == "ambient_declaration") {
            parent_level = 1;
            above.get(1).copied()
        } else {
            node_parent
        };
        let Some(parent) = parent else { return false };
        if matches!(parent.kind(), "switch_case" | "switch_default") {
            return false;
        }
        let variables = &decl.variables;
        if variables.iter().any(|&v| {
            let variable = &self.variables[v];
            self.scopes[variable.scope].kind == "global"
                || variable.definitions.len() >= 2
                || variable.name == b"let"
        }) {
            return false;
        }
        if self.self_reference_in_tdz(decl, kinds) {
            return false;
        }
        let scope_node = if kinds.has(node, SCOPE_NODES) {
            node
        } else {
            above.iter().copied().find(|&a| kinds.has(a, SCOPE_NODES)).unwrap_or(*above.last().unwrap_or(&node))
        };
        let (scope_start, scope_end) = (scope_node.start_byte(), scope_node.end_byte());
        if variables.iter().any(|&v| {
            self.variables[v].references.iter().any(|&r| {
                let start = self.references[r].identifier.start_byte();
                !(scope_start <= start && start < scope_end)
            })
        }) {
            return false;
        }
        if in_loop(node, above, kinds) {
            if variables.iter().any(|&v| self.referenced_in_closure(v)) {
                return false;
            }
            if decl.loop_kind != Some("for-in") && decl.declarators.iter().any(|d| d.init.is_none()) {
                return false;
            }
        }
        if matches!(decl.loop_kind, Some("for-in" | "for-init")) {
            return true;
        }
        // ESLint's STATEMENT_LIST_PARENTS (see `is_statement_list`).
        match parent.kind() {
            "program" | "switch_case" | "switch_default" => true,
            "statement_block" => !above.get(parent_level + 1).is_some_and(|&owner| kinds.has(owner, MODULE_BODY_OWNERS)),
            _ => false,
        }
    }

    /// eslint-scope's nearest "function" or "global" scope.
    fn function_scope(&self, scope: usize) -> usize {
        let mut current = scope;
        loop {
            let record = &self.scopes[current];
            match record.parent {
                Some(parent) if !matches!(record.kind, "function" | "global") => current = parent,
                _ => return current,
            }
        }
    }

    fn referenced_in_closure(&self, variable: usize) -> bool {
        let variable = &self.variables[variable];
        let home = self.function_scope(variable.scope);
        variable.references.iter().any(|&r| self.function_scope(self.references[r].scope) != home)
    }

    /// Whether a variable of `decl` is read where `let` would throw (see the
    /// Python rule's `_self_reference_in_tdz`); the source has no syntax errors.
    fn self_reference_in_tdz(&self, decl: &DeclarationRec<'t>, kinds: &KindSets) -> bool {
        // The declarators with an initialiser, by their node's id.
        let initialised: Vec<(usize, usize)> = decl
            .declarators
            .iter()
            .enumerate()
            .filter_map(|(index, d)| match (d.node, d.init) {
                (Some(node), Some(_)) => Some((node.id(), index)),
                _ => None,
            })
            .collect();
        if initialised.is_empty() {
            return false;
        }
        let is_binding = |id: usize| decl.declarators.iter().any(|d| d.id.id() == id);
        for &v in &decl.variables {
            let variable = &self.variables[v];
            let mut owners: Vec<usize> = Vec::new();
            for &d in &variable.definitions {
                let definition_node = self.definitions[d].node.id();
                if let Some(&(_, index)) = initialised.iter().find(|(id, _)| *id == definition_node) {
                    if !owners.contains(&index) {
                        owners.push(index);
                    }
                }
            }
            if owners.is_empty() {
                continue;
            }
            let name = self.definitions[variable.definitions[0]].name;
            let name_start = name.start_byte();
            let mut default = None;
            if !is_binding(name.id()) {
                if let Some(host) = name.parent() {
                    if kinds.has(host, DEFAULT_HOSTS) {
                        let left = host.child_by_field_name("left");
                        if left.is_some_and(|left| left.id() == name.id()) {
                            default = host.child_by_field_name("right");
                        }
                    }
                }
            }
            let (default_start, default_end) = default.map_or((usize::MAX, 0), |d| (d.start_byte(), d.end_byte()));
            for &index in &owners {
                let init = decl.declarators[index].init.expect("an initialised declarator");
                let (init_start, init_end) = if kinds.has(unparen(init), FUNCTIONS) {
                    (usize::MAX, 0) // a function's body runs later
                } else {
                    (init.start_byte(), init.end_byte())
                };
                for &r in &variable.references {
                    let reference = &self.references[r];
                    if reference.init {
                        continue;
                    }
                    let start = reference.identifier.start_byte();
                    if start < name_start
                        || (default_start <= start && start < default_end)
                        || (init_start <= start && start < init_end)
                    {
                        return true;
                    }
                }
            }
        }
        false
    }
}

/// ESTree's VariableDeclaration range (no `;` inside a for head); `parent`: the
/// declaration node's.
fn report_range(decl: &DeclarationRec<'_>, parent: Option<Node<'_>>) -> (usize, usize) {
    if decl.loop_kind == Some("for-in") || decl.declarators.is_empty() {
        return (decl.start_byte, decl.end_byte);
    }
    let start = match parent {
        Some(parent) if parent.kind() == "ambient_declaration" => parent.start_byte(),
        _ => decl.start_byte,
    };
    if decl.loop_kind == Some("for-init") {
        let last = decl.declarators.last().and_then(|d| d.node);
        return (start, last.map_or(decl.end_byte, |node| node.end_byte()));
    }
    (start, decl.end_byte)
}

/// Whether `node` (whose ancestors are `above`) is, or is in, a loop of its function.
fn in_loop(node: Node<'_>, above: &[Node<'_>], kinds: &KindSets) -> bool {
    for candidate in std::iter::once(&node).chain(above) {
        if kinds.has(*candidate, FUNCTIONS) {
            return false;
        }
        if kinds.has(*candidate, LOOPS) {
            return true;
        }
    }
    false
}
