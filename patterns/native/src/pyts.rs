//! py-tree-sitter's objects, read and made from Rust.
//!
//! The Python `tree-sitter` wheel does not export its C library, so this crate links
//! the same tree-sitter core (the `tree-sitter` crate, pinned to the sources the
//! wheel bundles) and reads the wheel's `Tree` and `Node` objects by their C layout
//! (`tree_sitter/binding/types.h` of py-tree-sitter 0.26). [`Layout::check`] refuses
//! any other layout, and the Python side compares this walk with its own on a
//! sample before trusting it (`patterns/_native_core.py`).

use std::ffi::{c_char, CStr};
use std::mem::size_of;
use std::ptr;

use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyString;
use tree_sitter::ffi as ts;
use tree_sitter::Node;

/// py-tree-sitter's `Tree`: `PyObject_HEAD; TSTree *tree; PyObject *source; PyObject *language`.
#[repr(C)]
struct PyTree {
    ob_base: ffi::PyObject,
    tree: *mut ts::TSTree,
    source: *mut ffi::PyObject,
    language: *mut ffi::PyObject,
}

/// py-tree-sitter's `Node`: `PyObject_HEAD; TSNode node; PyObject *children; PyObject *tree`.
#[repr(C)]
struct PyNode {
    ob_base: ffi::PyObject,
    node: ts::TSNode,
    children: *mut ffi::PyObject,
    tree: *mut ffi::PyObject,
}

unsafe fn type_name(tp: *mut ffi::PyTypeObject) -> &'static str {
    let name = (*tp).tp_name;
    if name.is_null() {
        return "";
    }
    CStr::from_ptr(name).to_str().unwrap_or("")
}

/// A py-tree-sitter tree whose nodes this crate may read and hand out.
pub struct Layout<'py> {
    py: Python<'py>,
    tree_obj: *mut ffi::PyObject,
    node_type: *mut ffi::PyTypeObject,
    tree: *mut ts::TSTree,
}

impl<'py> Layout<'py> {
    /// Check that `tree` and `node` (any node of it) have the layout this crate
    /// was built for, and give access to the tree.
    pub fn check(tree: &Bound<'py, PyAny>, node: &Bound<'py, PyAny>) -> PyResult<Self> {
        unsafe {
            let tree_type = ffi::Py_TYPE(tree.as_ptr());
            let node_type = ffi::Py_TYPE(node.as_ptr());
            let expected = (
                type_name(tree_type) == "tree_sitter.Tree",
                (*tree_type).tp_basicsize as usize == size_of::<PyTree>(),
                type_name(node_type) == "tree_sitter.Node",
                (*node_type).tp_basicsize as usize == size_of::<PyNode>(),
            );
            if expected != (true, true, true, true) {
                return Err(PyTypeError::new_err(format!(
                    "unexpected py-tree-sitter object layout ({}: {} bytes, {}: {} bytes)",
                    type_name(tree_type),
                    (*tree_type).tp_basicsize,
                    type_name(node_type),
                    (*node_type).tp_basicsize,
                )));
            }
            let raw = (*(tree.as_ptr() as *mut PyTree)).tree;
            if raw.is_null() || (*(node.as_ptr() as *mut PyNode)).tree != tree.as_ptr() {
                return Err(PyTypeError::new_err("the node does not belong to the tree"));
            }
            Ok(Layout { py: tree.py(), tree_obj: tree.as_ptr(), node_type, tree: raw })
        }
    }

    pub fn py(&self) -> Python<'py> {
        self.py
    }

    /// The tree-sitter tree (owned by the Python tree).
    pub fn raw_tree(&self) -> *mut ts::TSTree {
        self.tree
    }

    /// The Python tree's `tree_sitter.Language` (a borrowed reference).
    pub fn language_object(&self) -> *mut ffi::PyObject {
        unsafe { (*(self.tree_obj as *mut PyTree)).language }
    }

    /// The root node, borrowed from the tree (alive as long as the Python tree is).
    pub fn root<'t>(&self) -> Node<'t> {
        unsafe { Node::from_raw(ts::ts_tree_root_node(self.tree)) }
    }

    /// A new Python `Node` for `node` (a node of this tree).
    pub fn node(&self, node: Node<'_>) -> PyResult<Bound<'py, PyAny>> {
        unsafe {
            // What py-tree-sitter's PyObject_New does: allocate, then set the type
            // (a new reference to it, as for any heap type) and the reference count.
            let memory = ffi::PyObject_Malloc((*self.node_type).tp_basicsize as usize);
            if memory.is_null() {
                return Err(pyo3::exceptions::PyMemoryError::new_err("out of memory"));
            }
            let obj = ffi::PyObject_Init(memory as *mut ffi::PyObject, self.node_type);
            let made = obj as *mut PyNode;
            ptr::write(ptr::addr_of_mut!((*made).node), node.into_raw());
            ptr::write(ptr::addr_of_mut!((*made).children), ptr::null_mut());
            ffi::Py_INCREF(self.tree_obj);
            ptr::write(ptr::addr_of_mut!((*made).tree), self.tree_obj);
            Ok(Bound::from_owned_ptr(self.py, obj))
        }
    }
}

/// A new py-tree-sitter `Tree` of type `tree_type` (a type [`Layout::check`]
/// accepted) that owns `tree`, as py-tree-sitter's `Parser.parse` makes one:
/// its `source` is `source`, its `language` is `language`.
///
/// # Safety
/// `tree_type` must be py-tree-sitter's `Tree` type, and `tree` a tree nothing else owns.
pub unsafe fn new_tree<'py>(
    py: Python<'py>,
    tree_type: *mut ffi::PyTypeObject,
    tree: *mut ts::TSTree,
    source: &Bound<'py, PyAny>,
    language: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let memory = ffi::PyObject_Malloc((*tree_type).tp_basicsize as usize);
    if memory.is_null() {
        ts::ts_tree_delete(tree);
        return Err(pyo3::exceptions::PyMemoryError::new_err("out of memory"));
    }
    let obj = ffi::PyObject_Init(memory as *mut ffi::PyObject, tree_type);
    let made = obj as *mut PyTree;
    ptr::write(ptr::addr_of_mut!((*made).tree), tree);
    ptr::write(ptr::addr_of_mut!((*made).source), source.clone().into_ptr());
    ptr::write(ptr::addr_of_mut!((*made).language), language.clone().into_ptr());
    Ok(Bound::from_owned_ptr(py, obj))
}

/// `data[start..end].decode("utf-8", "surrogatepass")`, as the Python side decodes.
pub fn decode<'py>(py: Python<'py>, bytes: &[u8]) -> PyResult<Bound<'py, PyString>> {
    unsafe {
        let obj = ffi::PyUnicode_DecodeUTF8(
            bytes.as_ptr() as *const c_char,
            bytes.len() as ffi::Py_ssize_t,
            c"surrogatepass".as_ptr(),
        );
        if obj.is_null() {
            return Err(PyErr::fetch(py));
        }
        Ok(Bound::from_owned_ptr(py, obj).cast_into_unchecked())
    }
}
