//! The node index walk: every named node of some kinds, per kind, in document order;
//! and, in the same walk, the nodes of some *shapes* (see `patterns/_node_index.py`).

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

use crate::pyts::Layout;
use crate::walk;

/// Named nodes of kind `kind` with a child in one of `fields` whose kind is one of
/// `kinds` (none of them when `negated`); ids as in [`collect`]. (The Python side
/// puts `parenthesized_expression` among the kinds of a shape not negated, so that a
/// parenthesized child always matches.)
pub struct Shape<'py> {
    pub kind: u16,
    pub fields: Vec<u16>,
    pub kinds: Vec<u16>,
    pub negated: bool,
    pub name: Bound<'py, PyString>,
}

impl Shape<'_> {
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

/// One preorder walk of the tree; `kinds` maps kind ids (the grammar's public
/// symbols, as `Language.id_for_node_kind(kind, True)` gives them) to kind names.
/// Returns ``{kind name: [nodes]}`` for the kinds present and ``{shape name:
/// [nodes]}`` for the shapes found, each list in document order with outer nodes
/// before inner ones (what a query's captures give once sorted).
pub fn collect<'py>(
    layout: &Layout<'py>,
    kinds: &[(u16, Bound<'py, PyString>)],
    shapes: &[Shape<'py>],
) -> PyResult<Bound<'py, PyDict>> {
    let py = layout.py();
    let largest = kinds
        .iter()
        .map(|(id, _)| *id)
        .chain(shapes.iter().map(|shape| shape.kind))
        .max()
        .unwrap_or(0) as usize;
    // Per kind id: its slot in `lists` (or usize::MAX), and whether a shape starts there.
    let mut slot_of = vec![usize::MAX; largest + 1];
    // Per kind id: whether the walk reports it (an indexed kind or a shape's kind).
    let mut wanted = vec![0u8; largest + 1];
    for (slot, (id, _)) in kinds.iter().enumerate() {
        slot_of[*id as usize] = slot;
        wanted[*id as usize] = 1;
    }
    let mut shaped_kind = vec![false; largest + 1];
    for shape in shapes {
        shaped_kind[shape.kind as usize] = true;
        wanted[shape.kind as usize] = 1;
    }
    let mut found = Vec::new();
    walk::named_nodes(layout.root(), &wanted, &mut found)?;
    let mut lists: Vec<Option<Bound<'py, PyList>>> = vec![None; kinds.len()];
    let mut shape_lists: Vec<Option<Bound<'py, PyList>>> = vec![None; shapes.len()];
    let mut children: Vec<(u16, Option<u16>)> = Vec::new();
    for (raw, id) in found {
        // SAFETY: the walk found it in the layout's tree, alive for this call.
        let node = unsafe { tree_sitter::Node::from_raw(raw) };
        let id = id as usize;
        if slot_of[id] != usize::MAX {
            let list = lists[slot_of[id]].get_or_insert_with(|| PyList::empty(py));
            list.append(layout.node(node)?)?;
        }
        if shaped_kind[id] {
            children.clear();
            for (shape, list) in shapes.iter().zip(shape_lists.iter_mut()) {
                if shape.kind as usize == id && shape.matches(node, &mut children) {
                    list.get_or_insert_with(|| PyList::empty(py)).append(layout.node(node)?)?;
                }
            }
        }
    }
    let found = PyDict::new(py);
    for ((_, name), list) in kinds.iter().zip(lists) {
        if let Some(list) = list {
            found.set_item(name, list)?;
        }
    }
    for (shape, list) in shapes.iter().zip(shape_lists) {
        if let Some(list) = list {
            found.set_item(&shape.name, list)?;
        }
    }
    Ok(found)
}
