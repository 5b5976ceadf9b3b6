//! The walks of `src/walk.c`: a tree's nodes, or a node's children, read from
//! tree-sitter's subtrees in place; what a `TreeCursor` visits, in the same order,
//! without its per-node cost (tests/unit/test_native_core.py holds them to the
//! Python walks, which move a cursor).

use std::ffi::{c_int, c_void};

use pyo3::exceptions::PyMemoryError;
use pyo3::PyResult;
use tree_sitter::ffi as ts;
use tree_sitter::Node;

type Emit = unsafe extern "C" fn(*mut c_void, ts::TSNode, u16);

extern "C" {
    fn fs_walk_named(
        root: ts::TSNode,
        wanted: *const u8,
        wanted_count: u32,
        emit: Emit,
        context: *mut c_void,
    ) -> c_int;
    fn fs_named_children(node: ts::TSNode, emit: Emit, context: *mut c_void) -> c_int;
}

unsafe extern "C" fn push_pair(context: *mut c_void, node: ts::TSNode, kind: u16) {
    (*(context as *mut Vec<(ts::TSNode, u16)>)).push((node, kind));
}

unsafe extern "C" fn push_node(context: *mut c_void, node: ts::TSNode, _kind: u16) {
    (*(context as *mut Vec<ts::TSNode>)).push(node);
}

fn done(status: c_int) -> PyResult<()> {
    if status == 0 {
        Ok(())
    } else {
        Err(PyMemoryError::new_err("out of memory while walking a syntax tree"))
    }
}

/// Appends to `found` every named node under `root` (`root` included) whose kind id
/// `k` has `wanted[k] != 0`, with that id, in preorder.
pub fn named_nodes(root: Node<'_>, wanted: &[u8], found: &mut Vec<(ts::TSNode, u16)>) -> PyResult<()> {
    let count = u32::try_from(wanted.len()).unwrap_or(u32::MAX);
    // SAFETY: `root` is a node of a live tree; the callback only pushes onto `found`.
    done(unsafe {
        fs_walk_named(root.into_raw(), wanted.as_ptr(), count, push_pair, found as *mut _ as *mut c_void)
    })
}

/// Appends to `found` the named children of `node` a cursor visits.
pub fn named_children<'t>(node: Node<'t>, found: &mut Vec<Node<'t>>) {
    // `Node` is a `TSNode` and a lifetime marker: the walk pushes `TSNode`s onto the
    // same memory. SAFETY: the nodes pushed belong to `node`'s tree, alive for 't.
    let raw = found as *mut Vec<Node<'t>> as *mut Vec<ts::TSNode>;
    let status = unsafe { fs_named_children(node.into_raw(), push_node, raw as *mut c_void) };
    // Only a hidden nesting deeper than 64 needs memory, and allocation failing
    // aborts anyway in Rust; a failure here is a broken tree.
    assert_eq!(status, 0, "out of memory while reading a node's children");
}

/// Appends to `found` the named children of `node` a cursor visits, each with its
/// kind id (what `Node::kind_id` gives).
pub fn named_children_with_kinds(node: Node<'_>, found: &mut Vec<(ts::TSNode, u16)>) {
    // SAFETY: as in `named_children`; the callback only pushes onto `found`.
    let status =
        unsafe { fs_named_children(node.into_raw(), push_pair, found as *mut _ as *mut c_void) };
    assert_eq!(status, 0, "out of memory while reading a node's children");
}
