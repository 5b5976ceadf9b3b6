//! The scope analysis walk, step for step the one of `patterns/_scope_walk.py`.
//!
//! The Python walk is the specification: the same task stack, the same order of
//! scopes, definitions and references, the same handling of ERROR nodes. The walk
//! builds plain Rust records first; only what the rules see (scopes, variables,
//! definitions, references, declarations and their nodes) becomes Python objects,
//! at the end, through the model classes the caller passes in.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use foldhash::fast::FixedState;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyList, PyString, PyTuple};
use tree_sitter::{Language, Node};

use crate::make::{self, slot_offsets};
use crate::pyts::{decode, Layout};
use crate::walk;

mod no_var;
mod prefer_const;

// -- the grammar's ids --------------------------------------------------------------------

/// What visiting a node of a kind does (`_actions` in the Python walk).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Action {
    Children, // no entry: visit the named children
    Skip,
    Reference,
    Error,
    Member,
    Pair,
    Handler(Handler),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Handler {
    StatementBlock,
    VariableDeclaration,
    ForStatement,
    ForInStatement,
    FunctionSignature,
    CatchClause,
    SwitchStatement,
    WithStatement,
    Assignment,
    Update,
    Import,
    Export,
    JsxElement,
    NamedDeclaration,
    TypeWrapper,
    Function,
    Class,
}

/// In the order of `NATIVE_HANDLERS` in `patterns/_scope_walk.py` (code 16 + position).
const HANDLERS: [Handler; 17] = [
    Handler::StatementBlock,
    Handler::VariableDeclaration,
    Handler::ForStatement,
    Handler::ForInStatement,
    Handler::FunctionSignature,
    Handler::CatchClause,
    Handler::SwitchStatement,
    Handler::WithStatement,
    Handler::Assignment,
    Handler::Update,
    Handler::Import,
    Handler::Export,
    Handler::JsxElement,
    Handler::NamedDeclaration,
    Handler::TypeWrapper,
    Handler::Function,
    Handler::Class,
];
const FIRST_HANDLER_CODE: u16 = 16;
// The flags `action_codes` in `patterns/_scope_walk.py` adds to a kind's code.
const BINDING_IDENTIFIER_FLAG: u16 = 1 << 8;
const COMPUTED_KEY_FLAG: u16 = 1 << 9;
const ERROR_KIND_ID: u16 = 0xFFFF;

fn action_of(code: u16) -> PyResult<Action> {
    Ok(match code & 0xFF {
        0 => Action::Children,
        1 => Action::Skip,
        2 => Action::Reference,
        3 => Action::Member,
        4 => Action::Pair,
        other => {
            let handler = other.checked_sub(FIRST_HANDLER_CODE).map(usize::from);
            match handler.and_then(|index| HANDLERS.get(index)) {
                Some(&handler) => Action::Handler(handler),
                None => {
                    return Err(pyo3::exceptions::PyValueError::new_err(format!(
                        "unknown action code {other}"
                    )))
                }
            }
        }
    })
}

/// The fields the walk reads (their names: [`FIELDS`]).
#[derive(Clone, Copy)]
enum F {
    Alias,
    Argument,
    Body,
    Initializer,
    Kind,
    Key,
    Left,
    Name,
    Object,
    Parameter,
    Parameters,
    Pattern,
    Right,
    Source,
    Value,
}

const FIELDS: [&str; 15] = [
    "alias", "argument", "body", "initializer", "kind", "key", "left", "name", "object",
    "parameter", "parameters", "pattern", "right", "source", "value",
];

/// A grammar's action per kind id (from the Python walk's table), and the ids of
/// the fields the walk reads.
struct Grammar {
    actions: Vec<Action>,
    codes: Vec<u16>,
    object_field: u16,
    key_field: u16,
    value_field: u16,
    fields: [Option<u16>; FIELDS.len()],
}

impl Grammar {
    /// `codes`: `action_codes(language, ...)` of `patterns/_scope_walk.py`.
    fn new(language: &Language, codes: Vec<u16>) -> PyResult<Grammar> {
        let actions = codes.iter().map(|&code| action_of(code)).collect::<PyResult<_>>()?;
        let field = |name: &str| -> PyResult<u16> {
            language.field_id_for_name(name).map(|id| id.get()).ok_or_else(|| {
                pyo3::exceptions::PyRuntimeError::new_err(format!(
                    "the {name:?} field is missing from the grammar"
                ))
            })
        };
        let mut fields = [None; FIELDS.len()];
        for (slot, name) in fields.iter_mut().zip(FIELDS) {
            *slot = language.field_id_for_name(name).map(|id| id.get());
        }
        Ok(Grammar {
            actions,
            codes,
            object_field: field("object")?,
            key_field: field("key")?,
            value_field: field("value")?,
            fields,
        })
    }

    /// `node.child_by_field_name(name)`, with the field's id looked up once.
    fn field<'t>(&self, node: Node<'t>, field: F) -> Option<Node<'t>> {
        self.fields[field as usize].and_then(|id| node.child_by_field_id(id))
    }

    fn action(&self, kind_id: u16) -> Action {
        if kind_id == ERROR_KIND_ID {
            return Action::Error;
        }
        self.actions.get(kind_id as usize).copied().unwrap_or(Action::Children)
    }

    fn inert(&self, kind_id: u16) -> bool {
        kind_id != ERROR_KIND_ID && self.action(kind_id) == Action::Skip
    }

    fn flag(&self, kind_id: u16, flag: u16) -> bool {
        self.codes.get(kind_id as usize).is_some_and(|code| code & flag != 0)
    }

    fn is_computed_key(&self, kind_id: u16) -> bool {
        self.flag(kind_id, COMPUTED_KEY_FLAG)
    }

    fn is_binding_identifier(&self, kind_id: u16) -> bool {
        self.flag(kind_id, BINDING_IDENTIFIER_FLAG)
    }
}

/// The tables of a grammar, built once: grammars are loaded once per process
/// (patterns/parsing.py) and never freed, so their address identifies them.
fn grammar_for(language: &Language, codes: &Bound<'_, PyAny>) -> PyResult<Arc<Grammar>> {
    static GRAMMARS: OnceLock<Mutex<HashMap<usize, Arc<Grammar>>>> = OnceLock::new();
    let key = language.clone().into_raw() as usize;
    let grammars = GRAMMARS.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(found) = grammars.lock().unwrap().get(&key) {
        return Ok(found.clone());
    }
    let built = Arc::new(Grammar::new(language, codes.extract()?)?);
    Ok(grammars.lock().unwrap().entry(key).or_insert(built).clone())
}

// -- the records the walk builds ----------------------------------------------------------

/// The maps of one analysis key on names and node ids of one tree: a fast
/// unkeyed hash does (SipHash's resistance to chosen keys buys nothing here).
type FastMap<K, V> = HashMap<K, V, FixedState>;

struct ScopeRec<'t> {
    kind: &'static str,
    node: Node<'t>,
    parent: Option<usize>,
    children: Vec<usize>,
    variables: Vec<usize>, // in insertion order
    by_name: FastMap<&'t [u8], usize>,
    references: Vec<usize>,
    through: Vec<usize>,
}

struct VariableRec<'t> {
    name: &'t [u8],
    scope: usize,
    definitions: Vec<usize>,
    references: Vec<usize>,
}

struct DefinitionRec<'t> {
    kind: &'static str,
    name: Node<'t>,
    node: Node<'t>,
    declaration: Option<usize>,
}

struct ReferenceRec<'t> {
    identifier: Node<'t>,
    name: &'t [u8],
    scope: usize,
    read: bool,
    write: bool,
    init: bool,
    resolved: Option<usize>,
}

struct DeclaratorRec<'t> {
    node: Option<Node<'t>>,
    id: Node<'t>,
    init: Option<Node<'t>>,
}

struct DeclarationRec<'t> {
    node: Node<'t>,
    kind: &'t [u8],
    keyword: Option<Node<'t>>,
    declarators: Vec<DeclaratorRec<'t>>,
    start_byte: usize,
    end_byte: usize,
    loop_kind: Option<&'static str>,
    variables: Vec<usize>,
}

#[derive(Clone, Copy)]
struct Binding<'t> {
    kind: &'static str,
    target: usize,
    write: bool,
    node: Node<'t>,
    declaration: Option<usize>,
}

impl<'t> Binding<'t> {
    fn with_write(self) -> Binding<'t> {
        Binding { write: true, ..self }
    }
}

#[derive(Clone, Copy)]
enum Op<'t> {
    Visit,
    Declare(Binding<'t>),
    Assign(bool), // also read
}

#[derive(Clone, Copy)]
struct Task<'t> {
    op: Op<'t>,
    node: Node<'t>,
    scope: usize,
    uncertain: bool,
}

fn visit(node: Node<'_>, scope: usize, uncertain: bool) -> Task<'_> {
    Task { op: Op::Visit, node, scope, uncertain }
}

fn definition_kind(keyword: &[u8]) -> &'static str {
    match keyword {
        b"var" => "var",
        b"let" => "let",
        b"const" => "const",
        b"using" | b"await using" => "using",
        _ => "let",
    }
}

const VARIABLE_SCOPES: &[&str] =
    &["global", "module", "function", "class-static-block", "class-field-initializer"];

// -- the walk -------------------------------------------------------------------------------

struct Walk<'t> {
    data: &'t [u8],
    grammar: Arc<Grammar>,
    scopes: Vec<ScopeRec<'t>>,
    variables: Vec<VariableRec<'t>>,
    definitions: Vec<DefinitionRec<'t>>,
    references: Vec<ReferenceRec<'t>>,
    declarations: Vec<DeclarationRec<'t>>,
    by_node: Vec<(usize, usize)>, // (node id, scope), in insertion order
    stack: Vec<Task<'t>>,
    scratch: Vec<(tree_sitter::ffi::TSNode, u16)>, // children being read (see `run`)
    for_initializers: Vec<usize>, // ids of the for statements' initializers seen
}

impl<'t> Walk<'t> {
    fn text(&self, node: Node<'t>) -> &'t [u8] {
        &self.data[node.start_byte().min(self.data.len())..node.end_byte().min(self.data.len())]
    }

    /// The named children of `node` (comments included).
    fn named_children(&mut self, node: Node<'t>) -> Vec<Node<'t>> {
        let mut found = Vec::with_capacity(node.named_child_count());
        walk::named_children(node, &mut found);
        found
    }

    /// `_named`: the named children that are not comments.
    fn named(&mut self, node: Node<'t>) -> Vec<Node<'t>> {
        let mut found = self.named_children(node);
        found.retain(|c| c.kind() != "comment");
        found
    }

    fn new_scope(&mut self, kind: &'static str, node: Node<'t>, parent: Option<usize>) -> usize {
        let index = self.scopes.len();
        self.scopes.push(ScopeRec {
            kind,
            node,
            parent,
            children: Vec::new(),
            variables: Vec::new(),
            by_name: FastMap::default(),
            references: Vec::new(),
            through: Vec::new(),
        });
        if let Some(parent) = parent {
            self.scopes[parent].children.push(index);
        }
        self.by_node.push((node.id(), index));
        index
    }

    fn variable_scope(&self, scope: usize) -> usize {
        let mut current = scope;
        loop {
            let record = &self.scopes[current];
            if VARIABLE_SCOPES.contains(&record.kind) {
                return current;
            }
            match record.parent {
                Some(parent) => current = parent,
                None => return current,
            }
        }
    }

    fn variable(&mut self, scope: usize, name: &'t [u8]) -> usize {
        if let Some(&found) = self.scopes[scope].by_name.get(name) {
            return found;
        }
        let index = self.variables.len();
        self.variables.push(VariableRec {
            name,
            scope,
            definitions: Vec::new(),
            references: Vec::new(),
        });
        let record = &mut self.scopes[scope];
        record.by_name.insert(name, index);
        record.variables.push(index);
        index
    }

    fn define_implicit(&mut self, scope: usize, name: &'static [u8]) {
        self.variable(scope, name);
    }

    fn define(&mut self, name_node: Node<'t>, binding: Binding<'t>) {
        let name = self.text(name_node);
        if name.is_empty() {
            return;
        }
        let variable = self.variable(binding.target, name);
        let definition = self.definitions.len();
        self.definitions.push(DefinitionRec {
            kind: binding.kind,
            name: name_node,
            node: binding.node,
            declaration: binding.declaration,
        });
        self.variables[variable].definitions.push(definition);
        if let Some(decl) = binding.declaration {
            let list = &mut self.declarations[decl].variables;
            if !list.contains(&variable) {
                list.push(variable);
            }
        }
    }

    fn reference(&mut self, node: Node<'t>, scope: usize, read: bool, write: bool, init: bool) {
        let name = self.text(node);
        if name.is_empty() {
            return;
        }
        let index = self.references.len();
        self.references.push(ReferenceRec {
            identifier: node,
            name,
            scope,
            read,
            write,
            init,
            resolved: None,
        });
        self.scopes[scope].references.push(index);
    }

    /// Tasks given in document order; the stack pops the first one first.
    fn push(&mut self, tasks: Vec<Task<'t>>) {
        self.stack.extend(tasks.into_iter().rev());
    }

    fn visit_all(&self, nodes: &[Node<'t>], scope: usize, uncertain: bool) -> Vec<Task<'t>> {
        nodes
            .iter()
            .filter(|n| !self.grammar.inert(n.kind_id()))
            .map(|&n| visit(n, scope, uncertain))
            .collect()
    }

    fn visit_children(&mut self, node: Node<'t>, scope: usize, uncertain: bool) {
        let children = self.named_children(node);
        let tasks = self.visit_all(&children, scope, uncertain);
        self.push(tasks);
    }

    fn run(&mut self, root: Node<'t>, program: usize) {
        self.visit_children(root, program, false);
        let grammar = self.grammar.clone();
        while let Some(task) = self.stack.pop() {
            let Task { op, node, scope, uncertain } = task;
            match op {
                Op::Declare(binding) => {
                    self.declare(node, scope, binding, uncertain);
                    continue;
                }
                Op::Assign(also_read) => {
                    self.assign(node, scope, also_read, uncertain);
                    continue;
                }
                Op::Visit => {}
            }
            let mut node = node;
            let mut uncertain = uncertain;
            loop {
                match grammar.action(node.kind_id()) {
                    action @ (Action::Children | Action::Error) => {
                        if action == Action::Error {
                            uncertain = true;
                        }
                        // The children that are not inert: the first is walked now, the
                        // others pushed so that the stack pops them in document order.
                        let mut children = std::mem::take(&mut self.scratch);
                        children.clear();
                        walk::named_children_with_kinds(node, &mut children);
                        let pushed = self.stack.len();
                        let mut first = None;
                        for &(raw, kind) in &children {
                            if grammar.inert(kind) {
                                continue;
                            }
                            // SAFETY: a child of `node`, in the same tree.
                            let child = unsafe { Node::from_raw(raw) };
                            if first.is_none() {
                                first = Some(child);
                            } else {
                                self.stack.push(visit(child, scope, uncertain));
                            }
                        }
                        self.stack[pushed..].reverse();
                        self.scratch = children;
                        match first {
                            Some(child) => {
                                node = child;
                                continue;
                            }
                            None => break,
                        }
                    }
                    Action::Reference => {
                        let uncertain_write = uncertain;
                        self.reference(node, scope, true, uncertain_write, false);
                    }
                    Action::Member => {
                        if let Some(part) = node.child_by_field_id(grammar.object_field) {
                            node = part;
                            continue;
                        }
                    }
                    Action::Pair => {
                        let key = node.child_by_field_id(grammar.key_field);
                        let part = node.child_by_field_id(grammar.value_field);
                        if let Some(key) = key {
                            if grammar.is_computed_key(key.kind_id()) {
                                if let Some(part) = part {
                                    self.stack.push(visit(part, scope, uncertain));
                                }
                                node = key;
                                continue;
                            }
                        }
                        if let Some(part) = part {
                            node = part;
                            continue;
                        }
                    }
                    Action::Skip => {}
                    Action::Handler(handler) => self.handle(handler, node, scope, uncertain),
                }
                break;
            }
        }
        self.resolve();
    }

    fn resolve(&mut self) {
        for index in 0..self.references.len() {
            let name = self.references[index].name;
            let mut current = Some(self.references[index].scope);
            while let Some(scope) = current {
                if let Some(&variable) = self.scopes[scope].by_name.get(name) {
                    self.references[index].resolved = Some(variable);
                    self.variables[variable].references.push(index);
                    break;
                }
                self.scopes[scope].through.push(index);
                current = self.scopes[scope].parent;
            }
        }
    }

    fn handle(&mut self, handler: Handler, node: Node<'t>, scope: usize, uncertain: bool) {
        use Handler::*;
        match handler {
            StatementBlock => {
                let block = self.new_scope("block", node, Some(scope));
                self.visit_children(node, block, uncertain);
            }
            VariableDeclaration => self.variable_declaration(node, scope, uncertain),
            ForStatement => {
                let mut inner = scope;
                if let Some(init) = self.grammar.field(node, F::Initializer) {
                    self.for_initializers.push(init.id());
                    if matches!(init.kind(), "lexical_declaration" | "using_declaration") {
                        inner = self.new_scope("for", node, Some(scope));
                    }
                }
                self.visit_children(node, inner, uncertain);
            }
            ForInStatement => self.for_in_statement(node, scope, uncertain),
            FunctionSignature => {
                if let Some(name) = self.grammar.field(node, F::Name) {
                    self.define(name, self.binding("function", scope, false, node));
                }
            }
            CatchClause => {
                let inner = self.new_scope("catch", node, Some(scope));
                let mut tasks = Vec::new();
                if let Some(param) = self.grammar.field(node, F::Parameter) {
                    let binding = self.binding("catch", inner, false, node);
                    tasks.push(Task { op: Op::Declare(binding), node: param, scope: inner, uncertain });
                }
                if let Some(body) = self.grammar.field(node, F::Body) {
                    tasks.push(visit(body, inner, uncertain));
                }
                self.push(tasks);
            }
            SwitchStatement => {
                let mut tasks = Vec::new();
                if let Some(value) = self.grammar.field(node, F::Value) {
                    tasks.push(visit(value, scope, uncertain));
                }
                if let Some(body) = self.grammar.field(node, F::Body) {
                    let inner = self.new_scope("switch", body, Some(scope));
                    let children = self.named_children(body);
                    tasks.extend(self.visit_all(&children, inner, uncertain));
                }
                self.push(tasks);
            }
            WithStatement => {
                let mut tasks = Vec::new();
                if let Some(object) = self.grammar.field(node, F::Object) {
                    tasks.push(visit(object, scope, uncertain));
                }
                if let Some(body) = self.grammar.field(node, F::Body) {
                    let inner = self.new_scope("with", body, Some(scope));
                    tasks.push(visit(body, inner, uncertain));
                }
                self.push(tasks);
            }
            Assignment => {
                let also_read = node.kind() == "augmented_assignment_expression";
                let mut tasks = Vec::new();
                if let Some(left) = self.grammar.field(node, F::Left) {
                    tasks.push(Task { op: Op::Assign(also_read), node: left, scope, uncertain });
                }
                if let Some(right) = self.grammar.field(node, F::Right) {
                    tasks.push(visit(right, scope, uncertain));
                }
                self.push(tasks);
            }
            Update => {
                if let Some(argument) = self.grammar.field(node, F::Argument) {
                    self.push(vec![Task { op: Op::Assign(true), node: argument, scope, uncertain }]);
                }
            }
            Import => {
                let binding = self.binding("import", scope, false, node);
                for child in self.named(node) {
                    match child.kind() {
                        "import_clause" | "import_require_clause" => {
                            self.import_names(child, binding)
                        }
                        "identifier" => self.define(child, binding),
                        _ => {}
                    }
                }
            }
            Export => {
                if self.grammar.field(node, F::Source).is_some() {
                    return; // re-exports reference nothing local
                }
                let mut tasks = Vec::new();
                for child in self.named(node) {
                    if child.kind() == "export_clause" {
                        for spec in self.named(child) {
                            if let Some(name) = self.grammar.field(spec, F::Name) {
                                if name.kind() == "identifier" {
                                    tasks.push(visit(name, scope, uncertain));
                                }
                            }
                        }
                    } else {
                        tasks.push(visit(child, scope, uncertain));
                    }
                }
                self.push(tasks);
            }
            JsxElement => {
                let name = self.grammar.field(node, F::Name);
                let rest: Vec<Node<'t>> =
                    self.named(node).into_iter().filter(|c| Some(*c) != name).collect();
                let tasks = self.visit_all(&rest, scope, uncertain);
                self.push(tasks);
            }
            NamedDeclaration => {
                if let Some(name) = self.grammar.field(node, F::Name) {
                    if name.kind() == "identifier" {
                        let kind =
                            if node.kind() == "enum_declaration" { "enum" } else { "namespace" };
                        self.define(name, self.binding(kind, scope, false, node));
                    }
                }
                if let Some(body) = self.grammar.field(node, F::Body) {
                    self.push(vec![visit(body, scope, uncertain)]);
                }
            }
            TypeWrapper => {
                if let Some(inner) = self.wrapped_expression(node) {
                    self.push(vec![visit(inner, scope, uncertain)]);
                }
            }
            Function => self.function(node, scope, uncertain),
            Class => self.class(node, scope, uncertain),
        }
    }

    fn binding(&self, kind: &'static str, target: usize, write: bool, node: Node<'t>) -> Binding<'t> {
        Binding { kind, target, write, node, declaration: None }
    }

    fn variable_declaration(&mut self, node: Node<'t>, scope: usize, uncertain: bool) {
        // The Python walk asks node.parent; the for statement's handler noted it.
        let in_for_init = self.for_initializers.contains(&node.id());
        let (kind, keyword): (&'t [u8], Option<Node<'t>>) = match node.kind() {
            "variable_declaration" => (b"var", node.child(0)),
            "using_declaration" => (b"using", node.child(0)),
            _ => {
                let keyword = self.grammar.field(node, F::Kind);
                (keyword.map_or(b"let" as &[u8], |k| self.text(k)), keyword)
            }
        };
        let decl = self.declarations.len();
        self.declarations.push(DeclarationRec {
            node,
            kind,
            keyword,
            declarators: Vec::new(),
            start_byte: node.start_byte(),
            end_byte: node.end_byte(),
            loop_kind: if in_for_init { Some("for-init") } else { None },
            variables: Vec::new(),
        });
        let def_kind = definition_kind(kind);
        let target = if kind == b"var" { self.variable_scope(scope) } else { scope };
        let mut tasks = Vec::new();
        for child in self.named(node) {
            if child.kind() != "variable_declarator" {
                if child.is_error() {
                    tasks.push(visit(child, scope, true));
                }
                continue;
            }
            let Some(name) = self.grammar.field(child, F::Name) else { continue };
            let value = self.grammar.field(child, F::Value);
            self.declarations[decl].declarators.push(DeclaratorRec {
                node: Some(child),
                id: name,
                init: value,
            });
            let binding = Binding {
                kind: def_kind,
                target,
                write: value.is_some(),
                node: child,
                declaration: Some(decl),
            };
            tasks.push(Task { op: Op::Declare(binding), node: name, scope, uncertain });
            if let Some(value) = value {
                tasks.push(visit(value, scope, uncertain));
            }
        }
        self.push(tasks);
    }

    fn for_in_statement(&mut self, node: Node<'t>, scope: usize, uncertain: bool) {
        let keyword = self.grammar.field(node, F::Kind);
        let left = self.grammar.field(node, F::Left);
        let right = self.grammar.field(node, F::Right);
        let body = self.grammar.field(node, F::Body);
        let kind = keyword.map(|k| self.text(k));
        let mut tasks = Vec::new();
        let mut inner = scope;
        if let Some(left) = left {
            match (kind, keyword) {
                (Some(kind), Some(keyword)) => {
                    let decl = self.declarations.len();
                    self.declarations.push(DeclarationRec {
                        node,
                        kind,
                        keyword: Some(keyword),
                        declarators: vec![DeclaratorRec { node: None, id: left, init: None }],
                        start_byte: keyword.start_byte(),
                        end_byte: left.end_byte(),
                        loop_kind: Some("for-in"),
                        variables: Vec::new(),
                    });
                    let binding = if kind == b"var" {
                        Binding {
                            kind: "var",
                            target: self.variable_scope(scope),
                            write: true,
                            node,
                            declaration: Some(decl),
                        }
                    } else {
                        inner = self.new_scope("for", node, Some(scope));
                        Binding {
                            kind: definition_kind(kind),
                            target: inner,
                            write: true,
                            node,
                            declaration: Some(decl),
                        }
                    };
                    tasks.push(Task { op: Op::Declare(binding), node: left, scope: inner, uncertain });
                }
                _ => tasks.push(Task { op: Op::Assign(false), node: left, scope, uncertain }),
            }
        }
        for part in [right, body].into_iter().flatten() {
            tasks.push(visit(part, inner, uncertain));
        }
        self.push(tasks);
    }

    fn function(&mut self, node: Node<'t>, scope: usize, uncertain: bool) {
        let kind = node.kind();
        let mut tasks = Vec::new();
        let name = self.grammar.field(node, F::Name);
        let mut outer = scope;
        if matches!(kind, "function_declaration" | "generator_function_declaration") {
            if let Some(name) = name {
                self.define(name, self.binding("function", scope, false, node));
            }
        } else if kind == "method_definition" {
            if let Some(name) = name {
                if name.kind() == "computed_property_name" {
                    tasks.push(visit(name, scope, uncertain));
                }
            }
            for child in self.named(node) {
                if child.kind() == "decorator" {
                    tasks.push(visit(child, scope, uncertain));
                }
            }
        } else if kind != "arrow_function" {
            if let Some(name) = name {
                outer = self.new_scope("function-expression-name", node, Some(scope));
                self.define(name, self.binding("function-name", outer, false, node));
            }
        }
        let inner = self.new_scope("function", node, Some(outer));
        if kind != "arrow_function" {
            self.define_implicit(inner, b"arguments");
        }
        let params = self.grammar.field(node, F::Parameters);
        let single = self.grammar.field(node, F::Parameter);
        let binding = self.binding("param", inner, false, node);
        if let Some(single) = single {
            tasks.push(Task { op: Op::Declare(binding), node: single, scope: inner, uncertain });
        }
        if let Some(params) = params {
            for param in self.named(params) {
                let doubt = uncertain || param.is_error();
                tasks.push(Task { op: Op::Declare(binding), node: param, scope: inner, uncertain: doubt });
            }
        }
        if let Some(body) = self.grammar.field(node, F::Body) {
            if body.kind() == "statement_block" {
                let children = self.named_children(body);
                tasks.extend(self.visit_all(&children, inner, uncertain));
            } else {
                tasks.push(visit(body, inner, uncertain));
            }
        }
        self.push(tasks);
    }

    fn class(&mut self, node: Node<'t>, scope: usize, uncertain: bool) {
        let name = self.grammar.field(node, F::Name);
        if let Some(name) = name {
            if node.kind() != "class" {
                self.define(name, self.binding("class", scope, false, node));
            }
        }
        let inner = self.new_scope("class", node, Some(scope));
        if let Some(name) = name {
            self.define(name, self.binding("class", inner, false, node));
        }
        let mut tasks = Vec::new();
        for child in self.named(node) {
            match child.kind() {
                "decorator" => tasks.push(visit(child, scope, uncertain)),
                "class_heritage" => tasks.push(visit(child, inner, uncertain)),
                "class_body" => {
                    let members = self.class_members(child, inner, uncertain);
                    tasks.extend(members);
                }
                _ => {}
            }
        }
        self.push(tasks);
    }

    fn class_members(&mut self, body: Node<'t>, scope: usize, uncertain: bool) -> Vec<Task<'t>> {
        let mut tasks = Vec::new();
        for member in self.named(body) {
            match member.kind() {
                "field_definition" | "public_field_definition" => {
                    for part in self.named(member) {
                        if matches!(part.kind(), "computed_property_name" | "decorator") {
                            tasks.push(visit(part, scope, uncertain));
                        }
                    }
                    if let Some(value) = self.grammar.field(member, F::Value) {
                        let init_scope =
                            self.new_scope("class-field-initializer", value, Some(scope));
                        tasks.push(visit(value, init_scope, uncertain));
                    }
                }
                "class_static_block" => {
                    let block = self.new_scope("class-static-block", member, Some(scope));
                    if let Some(inner) = self.grammar.field(member, F::Body) {
                        let children = self.named_children(inner);
                        tasks.extend(self.visit_all(&children, block, uncertain));
                    }
                }
                _ => tasks.push(visit(member, scope, uncertain || member.is_error())),
            }
        }
        tasks
    }

    fn import_names(&mut self, node: Node<'t>, binding: Binding<'t>) {
        for child in self.named(node) {
            match child.kind() {
                "identifier" => self.define(child, binding),
                "namespace_import" | "named_imports" => self.import_names(child, binding),
                "import_specifier" => {
                    let local = self
                        .grammar
                        .field(child, F::Alias)
                        .or_else(|| self.grammar.field(child, F::Name));
                    if let Some(local) = local {
                        if local.kind() == "identifier" {
                            self.define(local, binding);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn wrapped_expression(&mut self, node: Node<'t>) -> Option<Node<'t>> {
        let named = self.named(node);
        if node.kind() == "type_assertion" {
            named.last().copied()
        } else {
            named.first().copied()
        }
    }

    // -- binding patterns

    fn declare(&mut self, node: Node<'t>, scope: usize, binding: Binding<'t>, uncertain: bool) {
        if self.grammar.is_binding_identifier(node.kind_id()) {
            self.define(node, binding);
            if binding.write || uncertain {
                self.reference(node, scope, uncertain, true, binding.write);
            }
            return;
        }
        if let Some(tasks) = self.pattern_tasks(node, scope, Op::Declare(binding), uncertain) {
            self.push(tasks);
            return;
        }
        let mut tasks = Vec::new();
        match node.kind() {
            "required_parameter" | "optional_parameter" => {
                let pattern = self.grammar.field(node, F::Pattern);
                let value = self.grammar.field(node, F::Value);
                if let Some(pattern) = pattern {
                    if pattern.kind() != "this" {
                        let inner = if value.is_some() { binding.with_write() } else { binding };
                        let op = Op::Declare(inner);
                        tasks.push(Task { op, node: pattern, scope, uncertain });
                    }
                }
                if let Some(value) = value {
                    tasks.push(visit(value, scope, uncertain));
                }
            }
            _ if self.grammar.inert(node.kind_id()) => return,
            _ => tasks.push(visit(node, scope, true)),
        }
        self.push(tasks);
    }

    /// `_pattern_tasks`: the parts of a destructuring pattern as tasks of `op`, a
    /// computed key and a default visited; None when `node` is no pattern. A
    /// default's target is declared as written.
    fn pattern_tasks(
        &mut self,
        node: Node<'t>,
        scope: usize,
        op: Op<'t>,
        uncertain: bool,
    ) -> Option<Vec<Task<'t>>> {
        let task = |node: Node<'t>, op: Op<'t>, uncertain: bool| Task { op, node, scope, uncertain };
        let mut tasks = Vec::new();
        match node.kind() {
            "object_pattern" | "array_pattern" => {
                for c in self.named(node) {
                    tasks.push(task(c, op, uncertain || c.is_error()));
                }
            }
            "rest_pattern" => {
                for c in self.named(node) {
                    tasks.push(task(c, op, uncertain));
                }
            }
            "pair_pattern" => {
                if let Some(key) = self.grammar.field(node, F::Key) {
                    if key.kind() == "computed_property_name" {
                        tasks.push(visit(key, scope, uncertain));
                    }
                }
                if let Some(value) = self.grammar.field(node, F::Value) {
                    tasks.push(task(value, op, uncertain));
                }
            }
            "assignment_pattern" | "object_assignment_pattern" => {
                if let Some(left) = self.grammar.field(node, F::Left) {
                    let target = match op {
                        Op::Declare(binding) => Op::Declare(binding.with_write()),
                        other => other,
                    };
                    tasks.push(task(left, target, uncertain));
                }
                if let Some(right) = self.grammar.field(node, F::Right) {
                    tasks.push(visit(right, scope, uncertain));
                }
            }
            _ => return None,
        }
        Some(tasks)
    }

    fn assign(&mut self, node: Node<'t>, scope: usize, also_read: bool, uncertain: bool) {
        if self.grammar.is_binding_identifier(node.kind_id()) {
            self.reference(node, scope, also_read || uncertain, true, false);
            return;
        }
        if let Some(tasks) = self.pattern_tasks(node, scope, Op::Assign(also_read), uncertain) {
            self.push(tasks);
            return;
        }
        let assign = |node: Node<'t>, uncertain: bool| Task {
            op: Op::Assign(also_read),
            node,
            scope,
            uncertain,
        };
        let mut tasks = Vec::new();
        match node.kind() {
            "parenthesized_expression" => {
                let inner = self.named(node);
                if inner.len() == 1 {
                    tasks.push(assign(inner[0], uncertain));
                } else {
                    tasks = self.visit_all(&inner, scope, true);
                }
            }
            _ if self.grammar.action(node.kind_id()) == Action::Handler(Handler::TypeWrapper) => {
                if let Some(wrapped) = self.wrapped_expression(node) {
                    tasks.push(assign(wrapped, uncertain));
                }
            }
            "member_expression" | "subscript_expression" => tasks.push(visit(node, scope, uncertain)),
            _ => tasks.push(visit(node, scope, true)),
        }
        self.push(tasks);
    }
}

// -- to Python ------------------------------------------------------------------------------

/// The model classes of `patterns/_scope_model.py`, in the order the caller passes them.
pub struct Classes<'py> {
    pub scope: ModelClass<'py>,
    pub variable: ModelClass<'py>,
    pub definition: ModelClass<'py>,
    pub reference: ModelClass<'py>,
    pub declaration: ModelClass<'py>,
    pub declarator: ModelClass<'py>,
}

/// A model class: a `slots=True` dataclass whose generated `__init__` only stores
/// its arguments in its slots. Its instances are made by filling those slots
/// directly: running that `__init__` (a Python frame per object) costs more than
/// the rest of making the object.
pub struct ModelClass<'py> {
    class: Bound<'py, PyAny>,
    offsets: Arc<[usize]>, // of the slots of the `__init__` parameters, in order
}

/// A class and the offsets of its slots, as [`slot_offsets`] finds them.
type ClassOffsets = (Py<PyAny>, Arc<[usize]>);

impl<'py> ModelClass<'py> {
    pub fn new(class: Bound<'py, PyAny>) -> PyResult<Self> {
        // Found once per class: the cache holds the classes, so addresses stay theirs.
        static OFFSETS: Mutex<Vec<ClassOffsets>> = Mutex::new(Vec::new());
        let known = |class: &Bound<'py, PyAny>, all: &[ClassOffsets]| {
            all.iter().find(|(c, _)| c.as_ptr() == class.as_ptr()).map(|(_, o)| o.clone())
        };
        if let Some(offsets) = known(&class, &OFFSETS.lock().unwrap()) {
            return Ok(ModelClass { class, offsets });
        }
        let offsets: Arc<[usize]> = slot_offsets(&class)?.into();
        let mut all = OFFSETS.lock().unwrap();
        if known(&class, &all).is_none() {
            all.push((class.clone().unbind(), offsets.clone()));
        }
        Ok(ModelClass { class, offsets })
    }

    /// `class(*fields)`, without running `__init__` (nor building an argument tuple).
    fn make<const N: usize>(&self, fields: [Bound<'py, PyAny>; N]) -> PyResult<Bound<'py, PyAny>> {
        make::fill(&self.class, &self.offsets, fields.into_iter())
    }
}

/// Analyse `tree` (built from `data`); returns
/// `(global_scope, program_scope, scopes, references, declarations, by_node, owned,
/// records)`, `owned` holding every list and dict of the model that may close a cycle,
/// `records` the walk's own ([`Records`]).
pub fn build<'py>(
    layout: &Layout<'py>,
    tree: &Bound<'py, PyAny>,
    data_object: &Bound<'py, PyBytes>,
    source_type: &str,
    classes: &Classes<'py>,
    codes: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyTuple>> {
    let root = layout.root();
    let data = data_object.as_bytes();
    let grammar = grammar_for(&root.language(), codes)?;
    let mut walk = Walk {
        data,
        grammar,
        scopes: Vec::new(),
        variables: Vec::new(),
        definitions: Vec::new(),
        references: Vec::new(),
        declarations: Vec::new(),
        by_node: Vec::new(),
        stack: Vec::new(),
        scratch: Vec::new(),
        for_initializers: Vec::new(),
    };
    let global = walk.new_scope("global", root, None);
    let program = match source_type {
        "module" => walk.new_scope("module", root, Some(global)),
        "commonjs" => {
            let scope = walk.new_scope("function", root, Some(global));
            walk.define_implicit(scope, b"arguments");
            scope
        }
        _ => global,
    };
    walk.run(root, program);
    let [a, b, c, d, e, f, g] = Materializer::new(layout, classes).finish(&walk, global, program)?;
    // SAFETY: the records point into the tree and the bytes, which `Records` keeps
    // alive (and never edits): 'static stands for their lifetime.
    let walk: Walk<'static> = unsafe { std::mem::transmute::<Walk<'_>, Walk<'static>>(walk) };
    let root: Node<'static> = unsafe { Node::from_raw(root.into_raw()) };
    let py = layout.py();
    let records = Records { walk, root, _tree: tree.clone().unbind(), _data: data_object.clone().unbind() };
    PyTuple::new(py, [a, b, c, d, e, f, g, Bound::new(py, records)?.into_any()])
}

/// ``KindSets(bits)``: which kind ids of a grammar belong to each of a rule's kind
/// sets, ``bits[kind id]`` having bit ``i`` set when that kind's name is in set
/// ``i``. The sets are the rule's own (Python) constants, turned into ids once per
/// grammar (``patterns._native_core.kind_sets``): a name in a set stands for every
/// kind of that name, named or not, as ``Node.type in SET`` reads it.
#[pyclass(frozen, module = "patterns._native")]
pub struct KindSets {
    bits: Vec<u32>,
}

#[pymethods]
impl KindSets {
    #[new]
    fn new(bits: Vec<u32>) -> Self {
        KindSets { bits }
    }
}

impl KindSets {
    /// Whether `node`'s kind is in set `set`.
    pub fn has(&self, node: Node<'_>, set: u32) -> bool {
        self.bits.get(node.kind_id() as usize).is_some_and(|bits| bits & (1 << set) != 0)
    }
}

/// The walk's records of one analysis, kept for the rules that decide natively
/// over them (`scope/no_var.rs`, `scope/prefer_const.rs`), on demand. Dropped with
/// the analysis (`ScopeManager.release`).
#[pyclass(unsendable, module = "patterns._native")]
pub struct Records {
    walk: Walk<'static>,
    root: Node<'static>,
    _tree: Py<PyAny>,
    _data: Py<PyBytes>,
}

#[pymethods]
impl Records {
    /// ``no_var(kinds) -> [(start, end, keyword start, keyword end, can fix)]``: per
    /// `var` declaration to report, in order; the keyword's range is (0, 0) without
    /// one, and "can fix" assumes a source without syntax errors. ``kinds``: the rule's
    /// kind sets (see `scope/no_var.rs`).
    fn no_var<'py>(&self, py: Python<'py>, kinds: &KindSets) -> PyResult<Bound<'py, PyList>> {
        let found = PyList::empty(py);
        for f in self.walk.no_var(self.root, kinds) {
            let (keyword_start, keyword_end) = f.keyword.unwrap_or((0, 0));
            found.append((f.start, f.end, keyword_start, keyword_end, f.can_fix))?;
        }
        Ok(found)
    }

    /// ``prefer_const(kinds) -> [(start, end, name, fix)]``, ``fix`` ``(start, end,
    /// text)`` or None: the bindings to report with the rule's default options, in
    /// order. ``kinds``: the rule's kind sets (see `scope/prefer_const.rs`).
    fn prefer_const<'py>(&self, py: Python<'py>, kinds: &KindSets) -> PyResult<Bound<'py, PyList>> {
        let found = PyList::empty(py);
        for f in self.walk.prefer_const(kinds) {
            let fix = match f.fix {
                Some((start, end, text)) => (start, end, decode(py, &text)?).into_pyobject(py)?.into_any(),
                None => py.None().into_bound(py),
            };
            found.append((f.start, f.end, decode(py, f.name)?, fix))?;
        }
        Ok(found)
    }
}

/// Turns the walk's records into the Python model, sharing one `str` per name
/// and one interned `str` per kind.
struct Materializer<'a, 't, 'py> {
    layout: &'a Layout<'py>,
    classes: &'a Classes<'py>,
    names: FastMap<&'t [u8], Bound<'py, PyString>>,
    kinds: FastMap<&'static str, Bound<'py, PyString>>,
}

impl<'a, 't, 'py> Materializer<'a, 't, 'py> {
    fn new(layout: &'a Layout<'py>, classes: &'a Classes<'py>) -> Self {
        Materializer { layout, classes, names: FastMap::default(), kinds: FastMap::default() }
    }

    /// The interned `kind` (interning anew looks it up in Python's table each time).
    fn kind(&mut self, kind: &'static str) -> Bound<'py, PyString> {
        let py = self.layout.py();
        self.kinds.entry(kind).or_insert_with(|| PyString::intern(py, kind)).clone()
    }

    fn name(&mut self, bytes: &'t [u8]) -> PyResult<Bound<'py, PyString>> {
        if let Some(found) = self.names.get(bytes) {
            return Ok(found.clone());
        }
        let made = decode(self.layout.py(), bytes)?;
        self.names.insert(bytes, made.clone());
        Ok(made)
    }

    fn node(&self, node: Node<'_>) -> PyResult<Bound<'py, PyAny>> {
        self.layout.node(node)
    }

    fn optional_node(&self, node: Option<Node<'_>>) -> PyResult<Bound<'py, PyAny>> {
        match node {
            Some(node) => self.node(node),
            None => Ok(self.layout.py().None().into_bound(self.layout.py())),
        }
    }

    /// `(global_scope, program_scope, scopes, references, declarations, by_node, owned)`.
    fn finish(mut self, walk: &Walk<'t>, global: usize, program: usize) -> PyResult<[Bound<'py, PyAny>; 7]> {
        let py = self.layout.py();
        let none = py.None().into_bound(py);
        // Every list and dict that links the model into cycles, for ScopeManager.release.
        let owned = PyList::empty(py);
        // One Python node per tree node that several records share (a scope's node is
        // often a definition's node too); equal nodes compare equal either way.
        let mut scope_nodes: FastMap<usize, Bound<'py, PyAny>> = FastMap::default();

        // Scopes, with empty containers filled below.
        let mut scopes = Vec::with_capacity(walk.scopes.len());
        let mut scope_lists = Vec::with_capacity(walk.scopes.len());
        for record in &walk.scopes {
            let node = match scope_nodes.get(&record.node.id()) {
                Some(found) => found.clone(),
                None => {
                    let made = self.node(record.node)?;
                    scope_nodes.insert(record.node.id(), made.clone());
                    made
                }
            };
            let parent = match record.parent {
                Some(parent) => scopes.get(parent).cloned().unwrap_or_else(|| none.clone()),
                None => none.clone(),
            };
            let children = PyList::empty(py);
            let variables = PyDict::new(py);
            let references = PyList::empty(py);
            let through = PyList::empty(py);
            let scope = self.classes.scope.make([
                self.kind(record.kind).into_any(),
                node,
                parent,
                children.clone().into_any(),
                variables.clone().into_any(),
                references.clone().into_any(),
                through.clone().into_any(),
            ])?;
            scopes.push(scope);
            owned.append(&children)?;
            owned.append(&variables)?;
            owned.append(&references)?;
            owned.append(&through)?;
            scope_lists.push((children, variables, references, through));
        }

        // Declarations (their variables filled below).
        let mut declarations = Vec::with_capacity(walk.declarations.len());
        let mut declaration_variables = Vec::with_capacity(walk.declarations.len());
        for record in &walk.declarations {
            let declarators = PyList::empty(py);
            for d in &record.declarators {
                declarators.append(self.classes.declarator.make([
                    self.optional_node(d.node)?,
                    self.node(d.id)?,
                    self.optional_node(d.init)?,
                ])?)?;
            }
            let variables = PyList::empty(py);
            let loop_kind = match record.loop_kind {
                Some(kind) => self.kind(kind).into_any(),
                None => none.clone(),
            };
            let kind = self.name(record.kind)?;
            let declaration = self.classes.declaration.make([
                self.node(record.node)?,
                kind.into_any(),
                self.optional_node(record.keyword)?,
                declarators.into_any(),
                record.start_byte.into_pyobject(py)?.into_any(),
                record.end_byte.into_pyobject(py)?.into_any(),
                loop_kind,
                variables.clone().into_any(),
            ])?;
            declarations.push(declaration);
            owned.append(&variables)?;
            declaration_variables.push(variables);
        }

        // Variables and their definitions.
        let mut variables = Vec::with_capacity(walk.variables.len());
        let mut variable_references = Vec::with_capacity(walk.variables.len());
        for record in &walk.variables {
            let definitions = PyList::empty(py);
            for &index in &record.definitions {
                let d = &walk.definitions[index];
                let declaration = match d.declaration {
                    Some(decl) => declarations[decl].clone(),
                    None => none.clone(),
                };
                definitions.append(self.classes.definition.make([
                    self.kind(d.kind).into_any(),
                    self.node(d.name)?,
                    self.node(d.node)?,
                    declaration,
                ])?)?;
            }
            let references = PyList::empty(py);
            let variable = self.classes.variable.make([
                self.name(record.name)?.into_any(),
                scopes[record.scope].clone(),
                definitions.into_any(),
                references.clone().into_any(),
            ])?;
            variables.push(variable);
            owned.append(&references)?;
            variable_references.push(references);
        }

        // References, in walk order.
        let references = PyList::empty(py);
        let mut made_references = Vec::with_capacity(walk.references.len());
        for record in &walk.references {
            let resolved = match record.resolved {
                Some(variable) => variables[variable].clone(),
                None => none.clone(),
            };
            let reference = self.classes.reference.make([
                self.node(record.identifier)?,
                self.name(record.name)?.into_any(),
                scopes[record.scope].clone(),
                PyBool::new(py, record.read).to_owned().into_any(),
                PyBool::new(py, record.write).to_owned().into_any(),
                PyBool::new(py, record.init).to_owned().into_any(),
                resolved,
            ])?;
            references.append(&reference)?;
            made_references.push(reference);
        }

        // Fill the containers.
        for (record, (children, vars, refs, through)) in walk.scopes.iter().zip(&scope_lists) {
            for &child in &record.children {
                children.append(&scopes[child])?;
            }
            for &variable in &record.variables {
                vars.set_item(self.name(walk.variables[variable].name)?, &variables[variable])?;
            }
            for &reference in &record.references {
                refs.append(&made_references[reference])?;
            }
            for &reference in &record.through {
                through.append(&made_references[reference])?;
            }
        }
        for (record, list) in walk.variables.iter().zip(&variable_references) {
            for &reference in &record.references {
                list.append(&made_references[reference])?;
            }
        }
        for (record, list) in walk.declarations.iter().zip(&declaration_variables) {
            for &variable in &record.variables {
                list.append(&variables[variable])?;
            }
        }
        let by_node = PyDict::new(py);
        for &(node_id, scope) in &walk.by_node {
            by_node.set_item(node_id, &scopes[scope])?;
        }
        let all_scopes = PyList::new(py, &scopes)?;
        let all_declarations = PyList::new(py, &declarations)?;
        Ok([
            scopes[global].clone(),
            scopes[program].clone(),
            all_scopes.into_any(),
            references.into_any(),
            all_declarations.into_any(),
            by_node.into_any(),
            owned.into_any(),
        ])
    }
}
