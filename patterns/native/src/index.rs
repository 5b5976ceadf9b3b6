//! The node index walk: every named node of some kinds, per kind, in document order.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

use crate::pyts::Layout;

/// One preorder walk of the tree; `kinds` maps kind ids (the grammar's public
/// symbols, as `Language.id_for_node_kind(kind, True)` gives them) to kind names.
/// Returns ``{kind name: [nodes]}`` for the kinds present, each list in
/// document order with outer nodes before inner ones (what a query's captures
/// give once sorted).
pub fn collect<'py>(
    layout: &Layout<'py>,
    kinds: &[(u16, Bound<'py, PyString>)],
) -> PyResult<Bound<'py, PyDict>> {
    let py = layout.py();
    let largest = kinds.iter().map(|(id, _)| *id as usize).max().unwrap_or(0);
    let mut slot_of = vec![usize::MAX; largest + 1];
    for (slot, (id, _)) in kinds.iter().enumerate() {
        slot_of[*id as usize] = slot;
    }
    let mut lists: Vec<Option<Bound<'py, PyList>>> = vec![None; kinds.len()];
    let root = layout.root();
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        let id = node.kind_id() as usize;
        if id < slot_of.len() && slot_of[id] != usize::MAX && node.is_named() {
            let list = lists[slot_of[id]].get_or_insert_with(|| PyList::empty(py));
            list.append(layout.node(node)?)?;
        }
        if cursor.goto_first_child() || cursor.goto_next_sibling() {
            continue;
        }
        loop {
            if !cursor.goto_parent() {
                let found = PyDict::new(py);
                for ((_, name), list) in kinds.iter().zip(lists) {
                    if let Some(list) = list {
                        found.set_item(name, list)?;
                    }
                }
                return Ok(found);
            }
            if cursor.goto_next_sibling() {
                break;
            }
        }
    }
}
