//! fixstream's native core: the two tree walks every analysis pays for (the scope
//! analysis and the node index), over py-tree-sitter's own trees, and the parse
//! that makes those trees.
//!
//! Everything here has a pure-Python twin that defines it (`patterns/_scope_walk.py`,
//! `patterns/_node_index.py`, py-tree-sitter's parser); `patterns/_native_core.py`
//! loads this module, checks it against those twins, and falls back to them when it
//! is missing or differs.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};

mod index;
mod make;
mod parser;
mod pyts;
mod scope;
mod text;
mod walk;

/// ``build_scopes(tree, root, data, source_type, classes, codes) -> (global_scope,
/// program_scope, scopes, references, declarations, by_node, owned)``; ``classes`` is
/// ``(Scope, Variable, Definition, Reference, Declaration, Declarator)``, ``codes``
/// the Python walk's ``action_codes`` for the tree's grammar (read once per grammar).
#[pyfunction]
fn build_scopes<'py>(
    tree: &Bound<'py, PyAny>,
    root: &Bound<'py, PyAny>,
    data: &Bound<'py, PyBytes>,
    source_type: &str,
    classes: &Bound<'py, PyTuple>,
    codes: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyTuple>> {
    let layout = pyts::Layout::check(tree, root)?;
    let classes = scope::Classes {
        scope: scope::ModelClass::new(classes.get_item(0)?)?,
        variable: scope::ModelClass::new(classes.get_item(1)?)?,
        definition: scope::ModelClass::new(classes.get_item(2)?)?,
        reference: scope::ModelClass::new(classes.get_item(3)?)?,
        declaration: scope::ModelClass::new(classes.get_item(4)?)?,
        declarator: scope::ModelClass::new(classes.get_item(5)?)?,
    };
    scope::build(&layout, tree, data, source_type, &classes, codes)
}

/// ``wide_runs(data) -> (char_starts, lengths, byte_starts, byte_ends, shifts,
/// two_byte)``: the runs of non-ASCII characters of UTF-8 ``data``.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn wide_runs(
    data: &Bound<'_, PyBytes>,
) -> (Vec<usize>, Vec<usize>, Vec<usize>, Vec<usize>, Vec<usize>, Vec<bool>) {
    text::wide_runs(data.as_bytes())
}

/// ``line_starts(data) -> [char offsets]``: where each line of UTF-8 ``data`` starts.
#[pyfunction]
fn line_starts(data: &Bound<'_, PyBytes>) -> Vec<usize> {
    text::line_starts(data.as_bytes())
}

/// ``word_starts(data, word, limit) -> [offsets]``: where ``word`` stands in
/// ``data`` with no ASCII name character (nor ``$``) on either side, at most
/// ``limit`` of them.
#[pyfunction]
fn word_starts(data: &Bound<'_, PyBytes>, word: &Bound<'_, PyBytes>, limit: usize) -> Vec<usize> {
    text::word_starts(data.as_bytes(), word.as_bytes(), limit)
}

/// ``contains_any(data, needles) -> bool``: whether any of the bytes ``needles``
/// occurs in ``data`` (a SIMD search: several times CPython's ``in``).
#[pyfunction]
fn contains_any(data: &Bound<'_, PyBytes>, needles: &Bound<'_, PyTuple>) -> PyResult<bool> {
    let data = data.as_bytes();
    for needle in needles.iter() {
        let needle = needle.cast_into::<PyBytes>()?;
        if text::contains(data, needle.as_bytes()) {
            return Ok(true);
        }
    }
    Ok(false)
}

#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(build_scopes, module)?)?;
    module.add_class::<index::IndexPlan>()?;
    module.add_function(wrap_pyfunction!(wide_runs, module)?)?;
    module.add_function(wrap_pyfunction!(line_starts, module)?)?;
    module.add_function(wrap_pyfunction!(word_starts, module)?)?;
    module.add_function(wrap_pyfunction!(contains_any, module)?)?;
    module.add_class::<parser::Parser>()?;
    module.add_class::<make::Maker>()?;
    module.add_class::<scope::KindSets>()?;
    Ok(())
}
