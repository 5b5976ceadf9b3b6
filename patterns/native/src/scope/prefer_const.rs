//! prefer-const's decisions with its default options, step for step those of
//! `patterns/rules/prefer_const.py`, made over the walk's records. The Python rule
//! is the specification, and it decides itself with other options, on a source with
//! syntax errors, or where `/* exported */` comments may name variables.

use tree_sitter::Node;

use super::{FastMap, KindSets, Walk};

// The rule's kind sets, in the order of `_NATIVE_KINDS` in
// `patterns/rules/prefer_const.py` (which defines them).
const PATTERN_PARTS: u32 = 0;
const ASSIGNMENTS: u32 = 1;
const STATEMENT_LISTS: u32 = 2;
const MODULE_BODIES: u32 = 3;

/// One binding to report: its range, its text, and the declaration's fix (its
/// range and the text replacing it), when ESLint gives one.
pub struct Finding<'t> {
    pub start: usize,
    pub end: usize,
    pub name: &'t [u8],
    pub fix: Option<(usize, usize, Vec<u8>)>,
}

/// The VariableDeclarator or AssignmentExpression a write belongs to: its node id
/// and, for an assignment, its target.
type Host<'t> = (usize, Option<Node<'t>>);

/// ESLint's per-file memory of the last declaration it counted reports for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Name<'t> {
    Text(&'t [u8]),
    Undefined,
}

fn up<'t>(node: Node<'t>, kinds: &KindSets) -> Option<Node<'t>> {
    let mut parent = node.parent();
    while let Some(p) = parent {
        if !kinds.has(p, PATTERN_PARTS) {
            break;
        }
        parent = p.parent();
    }
    parent
}

fn unparen(mut node: Node<'_>) -> Node<'_> {
    while node.kind() == "parenthesized_expression" && node.named_child_count() == 1 {
        match node.named_child(0) {
            Some(inner) => node = inner,
            None => break,
        }
    }
    node
}

fn is_loop_head(node: Node<'_>, identifier: Node<'_>) -> bool {
    if node.kind() != "for_in_statement" || node.child_by_field_name("kind").is_none() {
        return false;
    }
    node.child_by_field_name("left")
        .is_some_and(|left| left.start_byte() <= identifier.start_byte() && identifier.start_byte() < left.end_byte())
}

/// The named children of `node` that are not comments.
fn named(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).filter(|child| child.kind() != "comment").collect()
}

/// ESLint's hasMemberExpressionAssignment over a tree-sitter pattern.
fn has_member_target(node: Node<'_>) -> bool {
    let node = unparen(node);
    match node.kind() {
        "member_expression" | "subscript_expression" => true,
        "object_pattern" => named(node).into_iter().any(|prop| match prop.kind() {
            "pair_pattern" => prop.child_by_field_name("value").is_some_and(has_member_target),
            "rest_pattern" => named(prop).into_iter().any(has_member_target),
            _ => false,
        }),
        // A rest element is not looked into, as in ESLint.
        "array_pattern" => named(node).into_iter().any(|e| e.kind() != "rest_pattern" && has_member_target(e)),
        "assignment_pattern" => node.child_by_field_name("left").is_some_and(has_member_target),
        _ => false,
    }
}

/// ESTree's `properties.length` / `elements.length` (holes count).
fn pattern_size(node: Node<'_>) -> usize {
    match node.kind() {
        "object_pattern" => named(node).len(),
        "array_pattern" => {
            let (mut count, mut pending) = (0, false);
            let mut cursor = node.walk();
            for child in node.children(&mut cursor) {
                match child.kind() {
                    "[" | "]" | "comment" => {}
                    "," => {
                        count += 1;
                        pending = false;
                    }
                    _ => pending = true,
                }
            }
            count + usize::from(pending)
        }
        _ => 1,
    }
}

struct Check<'a, 't> {
    walk: &'a Walk<'t>,
    kinds: &'a KindSets,
    above: FastMap<usize, Option<Node<'t>>>,
    hosts: FastMap<usize, Option<Host<'t>>>,
    declaration_of: FastMap<usize, usize>,
    report_count: usize,
    checked_id: Option<usize>,
    checked_name: Name<'t>,
    found: Vec<Finding<'t>>,
}

impl<'t> Walk<'t> {
    /// prefer-const's findings with its default options, in the rule's order; only
    /// for a source without syntax errors and without `/* exported */` comments.
    pub(super) fn prefer_const(&self, kinds: &KindSets) -> Vec<Finding<'t>> {
        let mut check = Check {
            walk: self,
            kinds,
            above: FastMap::default(),
            hosts: FastMap::default(),
            declaration_of: FastMap::default(),
            report_count: 0,
            checked_id: None,
            checked_name: Name::Text(b""),
            found: Vec::new(),
        };
        check.run();
        check.found
    }
}

impl<'a, 't> Check<'a, 't> {
    fn text(&self, node: Node<'t>) -> &'t [u8] {
        self.walk.text(node)
    }

    fn up(&mut self, identifier: Node<'t>) -> Option<Node<'t>> {
        let kinds = self.kinds;
        *self.above.entry(identifier.id()).or_insert_with(|| up(identifier, kinds))
    }

    /// `_destructuring_host` of the write reference `reference`.
    fn host(&mut self, reference: usize) -> Option<Host<'t>> {
        let identifier = self.walk.references[reference].identifier;
        if let Some(&known) = self.hosts.get(&identifier.id()) {
            return known;
        }
        let host = self.up(identifier).and_then(|node| {
            if node.kind() == "variable_declarator" || is_loop_head(node, identifier) {
                Some((node.id(), None))
            } else if self.kinds.has(node, ASSIGNMENTS) {
                Some((node.id(), node.child_by_field_name("left").map(unparen)))
            } else {
                None
            }
        });
        self.hosts.insert(identifier.id(), host);
        host
    }

    fn run(&mut self) {
        let walk = self.walk;
        let mut variables = Vec::new();
        for (index, decl) in walk.declarations.iter().enumerate() {
            if decl.kind != b"let" || decl.loop_kind == Some("for-init") {
                continue;
            }
            variables.extend(decl.variables.iter().copied());
            for declarator in &decl.declarators {
                // A name bound directly by a declarator has that declarator for parent.
                if let Some(node) = declarator.node {
                    if declarator.id.kind() == "identifier" {
                        self.above.insert(declarator.id.id(), Some(node));
                    }
                }
            }
            for &variable in &decl.variables {
                for &definition in &walk.variables[variable].definitions {
                    let definition = &walk.definitions[definition];
                    if definition.declaration == Some(index) {
                        self.declaration_of.insert(definition.name.id(), index);
                    }
                }
            }
        }
        let mut groups: Vec<Vec<Option<Node<'t>>>> = Vec::new();
        let mut group_of: FastMap<usize, usize> = FastMap::default();
        for &variable in &variables {
            let identifier = self.identifier_if_should_be_const(variable);
            let mut previous = None;
            for &reference in &walk.variables[variable].references {
                let identifier_id = walk.references[reference].identifier.id();
                if previous == Some(identifier_id) {
                    continue;
                }
                previous = Some(identifier_id);
                if !walk.references[reference].write {
                    continue; // a read has no host (and is most references)
                }
                if let Some((key, _)) = self.host(reference) {
                    let at = *group_of.entry(key).or_insert_with(|| {
                        groups.push(Vec::new());
                        groups.len() - 1
                    });
                    groups[at].push(identifier);
                }
            }
        }
        for nodes in &groups {
            self.check_group(nodes);
        }
    }

    fn identifier_if_should_be_const(&mut self, variable: usize) -> Option<Node<'t>> {
        let walk = self.walk;
        let record = &walk.variables[variable];
        let mut writer: Option<usize> = None;
        let mut read_before_init = false;
        for &reference in &record.references {
            let current = &walk.references[reference];
            if current.write {
                if let Some(writer) = writer {
                    if walk.references[writer].identifier.id() != current.identifier.id() {
                        return None;
                    }
                }
                if let Some((_, Some(left))) = self.host(reference) {
                    if matches!(left.kind(), "object_pattern" | "array_pattern") {
                        if self.direct_names(left).iter().any(|name| self.is_outer_variable(name, record.scope)) {
                            return None;
                        }
                        if has_member_target(left) {
                            return None;
                        }
                    }
                }
                writer = Some(reference);
            } else if current.read && writer.is_none() {
                read_before_init = true; // ignoreReadBeforeAssign is off
            }
        }
        let writer = &walk.references[writer?];
        if writer.scope != record.scope || !self.can_become_declaration(writer.identifier) {
            return None;
        }
        if read_before_init {
            Some(walk.definitions[record.definitions[0]].name)
        } else {
            Some(writer.identifier)
        }
    }

    /// Names of the plain identifiers directly inside a destructuring target.
    fn direct_names(&self, pattern: Node<'t>) -> Vec<&'t [u8]> {
        let mut names = Vec::new();
        match pattern.kind() {
            "object_pattern" => {
                for prop in named(pattern) {
                    match prop.kind() {
                        "shorthand_property_identifier_pattern" => names.push(self.text(prop)),
                        "pair_pattern" => {
                            if let Some(value) = prop.child_by_field_name("value") {
                                if value.kind() == "identifier" {
                                    names.push(self.text(value));
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
            "array_pattern" => {
                names.extend(named(pattern).into_iter().filter(|e| e.kind() == "identifier").map(|e| self.text(e)));
            }
            _ => {}
        }
        names
    }

    fn is_outer_variable(&self, name: &[u8], scope: usize) -> bool {
        let walk = self.walk;
        let through = &walk.scopes[scope].through;
        if through.iter().any(|&r| walk.references[r].resolved.is_some_and(|v| walk.variables[v].name == name)) {
            return true;
        }
        let mut current = Some(scope);
        while let Some(at) = current {
            if let Some(&variable) = walk.scopes[at].by_name.get(name) {
                return walk.variables[variable].definitions.iter().any(|&d| walk.definitions[d].kind == "param");
            }
            current = walk.scopes[at].parent;
        }
        false
    }

    fn can_become_declaration(&mut self, identifier: Node<'t>) -> bool {
        let Some(node) = self.up(identifier) else { return false };
        if node.kind() == "variable_declarator" || is_loop_head(node, identifier) {
            return true;
        }
        if !self.kinds.has(node, ASSIGNMENTS) {
            return false;
        }
        let mut statement = node.parent();
        while let Some(s) = statement {
            if s.kind() != "parenthesized_expression" {
                break;
            }
            statement = s.parent();
        }
        let Some(statement) = statement else { return false };
        if statement.kind() != "expression_statement" {
            return false;
        }
        let Some(host) = statement.parent() else { return false };
        if !self.kinds.has(host, STATEMENT_LISTS) {
            return false;
        }
        let owner = host.parent();
        !(host.kind() == "statement_block" && owner.is_some_and(|o| self.kinds.has(o, MODULE_BODIES)))
    }

    fn check_group(&mut self, nodes: &[Option<Node<'t>>]) {
        let walk = self.walk;
        let to_report: Vec<Node<'t>> = nodes.iter().flatten().copied().collect();
        if nodes.is_empty() {
            return; // destructuring "any": a group reports what it can
        }
        let decl = nodes[0].and_then(|first| self.declaration_of.get(&first.id()).copied());
        let record = decl.map(|index| &walk.declarations[index]);
        if let Some(head) = record.and_then(|d| d.declarators.first()) {
            if let Some(init) = head.init {
                // ESLint resets its per-declaration count on these changes.
                let name = if head.id.kind() == "identifier" { Name::Text(self.text(head.id)) } else { Name::Undefined };
                if name != self.checked_name {
                    self.checked_name = name;
                    self.report_count = 0;
                }
                if head.id.kind() == "object_pattern" {
                    let init_name =
                        if init.kind() == "identifier" { Name::Text(self.text(init)) } else { Name::Undefined };
                    if init_name != self.checked_name {
                        self.checked_name = init_name;
                        self.report_count = 0;
                    }
                }
                if Some(head.id.id()) != self.checked_id {
                    self.checked_id = Some(head.id.id());
                    self.report_count = 0;
                }
            }
        }
        let mut should_fix = record.is_some_and(|d| {
            d.loop_kind == Some("for-in") || d.declarators.iter().all(|declarator| declarator.init.is_some())
        }) && to_report.len() == nodes.len();
        if let Some(d) = record {
            if d.declarators.len() != 1 {
                self.report_count += to_report.len();
                let total: usize = d.declarators.iter().map(|declarator| pattern_size(declarator.id)).sum();
                should_fix = should_fix && self.report_count == total;
            }
        }
        let fix = match record {
            Some(d) if should_fix => d.keyword.map(|keyword| {
                let data = walk.data;
                let mut replacement = data[d.start_byte..keyword.start_byte()].to_vec();
                replacement.extend_from_slice(b"const");
                replacement.extend_from_slice(&data[keyword.end_byte()..d.end_byte]);
                (d.start_byte, d.end_byte, replacement)
            }),
            _ => None,
        };
        for node in to_report {
            self.found.push(Finding {
                start: node.start_byte(),
                end: node.end_byte(),
                name: self.text(node),
                fix: fix.clone(),
            });
        }
    }
}
