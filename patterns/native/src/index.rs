//! The node index walk: every named node of some kinds, per kind, in document order;
//! and, in the same walk, the nodes of some *shapes* (see `patterns/_node_index.py`).

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

use crate::pyts::Layout;
use crate::walk;

/// Named nodes of kind `kind` with a child in one of `fields` whose kind is one of
/// `kinds` (none of them when `negated`); ids as in [`IndexPlan`]. (The Python side
/// puts `parenthesized_expression` among the kinds of a shape not negated, so that a
/// parenthesized child always matches.)
pub struct Shape {
    pub kind: u16,
    pub fields: Vec<u16>,
    pub kinds: Vec<u16>,
    pub negated: bool,
    pub name: Py<PyString>,
}

impl Shape {
    /// Whether `node` has the shape; `children` memoizes the node's field children
    /// (the kind of each, by field id) across the shapes of its kind.
    fn matches(&self, node: tree_sitter::Node<'_>, children: &mut Vec<(u16, Option<u16>)>) -> bool {
        self.fields.iter().any(|&field| {
            let kind = match children.iter().find(|(f, _)| *f == field) {
                Some(&(_, kind)) => kind,
                None => {
                    let kind = node.child_by_field_id(field).map(|child| child.kind_id());
                    children.push((field, kind));
                    kind
                }
            };
            kind.is_some_and(|kind| self.kinds.contains(&kind) != self.negated)
        })
    }
}

/// What the index walk takes, fixed for a grammar and a set of kinds and shapes:
/// built once (patterns/_native_core.py keeps one per grammar), used for every tree.
#[pyclass(frozen, module = "patterns._native")]
pub struct IndexPlan {
    /// (kind id, kind name): the grammar's public symbols, as
    /// `Language.id_for_node_kind(kind, True)` gives them.
    kinds: Vec<(u16, Py<PyString>)>,
    shapes: Vec<Shape>,
    /// Per kind id: its slot in `kinds` (or usize::MAX).
    slot_of: Vec<usize>,
    /// Per kind id: whether a shape starts there.
    shaped_kind: Vec<bool>,
    /// Per kind id: whether the walk reports it (an indexed kind or a shape's kind).
    wanted: Vec<u8>,
}

#[pymethods]
impl IndexPlan {
    /// ``IndexPlan(kinds, shapes)``: ``kinds`` is a list of ``(kind id, kind name)``,
    /// ``shapes`` of ``(shape name, kind id, [field ids], [child kind ids], negated)``.
    #[new]
    #[allow(clippy::type_complexity)]
    fn new(
        kinds: Vec<(u16, Py<PyString>)>,
        shapes: Vec<(Py<PyString>, u16, Vec<u16>, Vec<u16>, bool)>,
    ) -> Self {
        let shapes: Vec<Shape> = shapes
            .into_iter()
            .map(|(name, kind, fields, kinds, negated)| Shape { kind, fields, kinds, negated, name })
            .collect();
        let largest = kinds
            .iter()
            .map(|(id, _)| *id)
            .chain(shapes.iter().map(|shape| shape.kind))
            .max()
            .unwrap_or(0) as usize;
        let mut slot_of = vec![usize::MAX; largest + 1];
        let mut wanted = vec![0u8; largest + 1];
        for (slot, (id, _)) in kinds.iter().enumerate() {
            slot_of[*id as usize] = slot;
            wanted[*id as usize] = 1;
        }
        let mut shaped_kind = vec![false; largest + 1];
        for shape in &shapes {
            shaped_kind[shape.kind as usize] = true;
            wanted[shape.kind as usize] = 1;
        }
        IndexPlan { kinds, shapes, slot_of, shaped_kind, wanted }
    }

    /// ``collect(tree, root) -> {kind or shape name: [nodes]}``: one preorder walk of
    /// the tree (``root`` is its root node); the kinds present and the shapes found,
    /// each list in document order with outer nodes before inner ones (what a
    /// query's captures give once sorted).
    fn collect<'py>(&self, tree: &Bound<'py, PyAny>, root: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
        let layout = Layout::check(tree, root)?;
        let py = layout.py();
        let mut found = Vec::new();
        walk::named_nodes(layout.root(), &self.wanted, &mut found)?;
        let mut lists: Vec<Option<Bound<'py, PyList>>> = vec![None; self.kinds.len()];
        let mut shape_lists: Vec<Option<Bound<'py, PyList>>> = vec![None; self.shapes.len()];
        let mut children: Vec<(u16, Option<u16>)> = Vec::new();
        for (raw, id) in found {
            // SAFETY: the walk found it in the layout's tree, alive for this call.
            let node = unsafe { tree_sitter::Node::from_raw(raw) };
            let id = id as usize;
            if self.slot_of[id] != usize::MAX {
                let list = lists[self.slot_of[id]].get_or_insert_with(|| PyList::empty(py));
                list.append(layout.node(node)?)?;
            }
            if self.shaped_kind[id] {
                children.clear();
                for (shape, list) in self.shapes.iter().zip(shape_lists.iter_mut()) {
                    if shape.kind as usize == id && shape.matches(node, &mut children) {
                        list.get_or_insert_with(|| PyList::empty(py)).append(layout.node(node)?)?;
                    }
                }
            }
        }
        let found = PyDict::new(py);
        for ((_, name), list) in self.kinds.iter().zip(lists) {
            if let Some(list) = list {
                found.set_item(name.bind(py), list)?;
            }
        }
        for (shape, list) in self.shapes.iter().zip(shape_lists) {
            if let Some(list) = list {
                found.set_item(shape.name.bind(py), list)?;
            }
        }
        Ok(found)
    }
}
