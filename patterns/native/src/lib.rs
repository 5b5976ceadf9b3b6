//! fixstream's native core: the two tree walks every analysis pays for (the scope
//! analysis and the node index), over py-tree-sitter's own trees.
//!
//! Everything here has a pure-Python twin that defines it (`patterns/_scope_walk.py`,
//! `patterns/_node_index.py`); `patterns/_native_core.py` loads this module, checks
//! it against those twins, and falls back to them when it is missing or differs.

use std::time::{Duration, Instant};

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};

mod index;
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
    scope::build(&layout, data.as_bytes(), source_type, &classes, codes)
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

/// ``Deadline(seconds)``: a parse's progress callback (``progress_callback`` of
/// py-tree-sitter's ``Parser.parse``) that asks to stop once ``seconds`` have
/// passed since it was made. tree-sitter calls it every hundred or so steps of a
/// parse; a Python function there costs a frame and a clock call each time.
#[pyclass(frozen, module = "patterns._native")]
struct Deadline {
    /// None: never (an infinite, huge or NaN limit, as `time.monotonic() + limit`
    /// would compare).
    until: Option<Instant>,
}

#[pymethods]
impl Deadline {
    #[new]
    fn new(seconds: f64) -> Self {
        let now = Instant::now();
        let until = if seconds.is_nan() {
            None
        } else if seconds <= 0.0 {
            Some(now)
        } else {
            Duration::try_from_secs_f64(seconds).ok().and_then(|d| now.checked_add(d))
        };
        Deadline { until }
    }

    /// Whether the time is up (the arguments, where the parse is and whether it
    /// has met an error, do not matter).
    fn __call__(&self, _offset: u64, _has_error: bool) -> bool {
        self.until.is_some_and(|until| Instant::now() > until)
    }
}

#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(build_scopes, module)?)?;
    module.add_class::<index::IndexPlan>()?;
    module.add_function(wrap_pyfunction!(wide_runs, module)?)?;
    module.add_function(wrap_pyfunction!(line_starts, module)?)?;
    module.add_class::<Deadline>()?;
    Ok(())
}
