//! Parsing into py-tree-sitter trees with this crate's tree-sitter core.
//!
//! py-tree-sitter's `Parser.parse` honours a time limit only with a Python read
//! callable, and its 0.26.1 read wrapper keeps a reference to every chunk that
//! callable returns: each parse would leak its source bytes. Its progress callback
//! is also a Python call every hundred or so parse steps. [`Parser`] reads the
//! bytes in place and checks the clock in C, then hands the tree to Python as a
//! py-tree-sitter `Tree`, which that library then reads, edits and frees as its own.
//! That works because both cores are the same version (Cargo.toml pins it) and
//! allocate from the same place: [`use_python_allocator`] points this core at
//! `PyMem_*`, as py-tree-sitter does for its own.

use std::ffi::{c_char, c_void};
use std::ptr;
use std::sync::Once;
use std::time::{Duration, Instant};

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use tree_sitter::ffi as ts;

use crate::pyts;

/// Make this core allocate with `PyMem_*`: py-tree-sitter frees the trees made
/// here with its own core, which it set to those (its `module.c`). Called once,
/// before this core allocates anything; every use holds the GIL, as `PyMem_*` needs.
pub fn use_python_allocator() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| unsafe {
        ts::ts_set_allocator(
            Some(ffi::PyMem_Malloc),
            Some(ffi::PyMem_Calloc),
            Some(ffi::PyMem_Realloc),
            Some(ffi::PyMem_Free),
        );
    });
}

/// When a parse gives up: None never (an infinite, huge or NaN limit, as
/// `time.monotonic() + limit` would compare).
fn deadline(seconds: f64) -> Option<Instant> {
    let now = Instant::now();
    if seconds.is_nan() {
        None
    } else if seconds <= 0.0 {
        Some(now)
    } else {
        Duration::try_from_secs_f64(seconds).ok().and_then(|d| now.checked_add(d))
    }
}

struct Input {
    data: *const u8,
    len: usize,
}

unsafe extern "C" fn read(payload: *mut c_void, offset: u32, _point: ts::TSPoint, bytes_read: *mut u32) -> *const c_char {
    let input = &*(payload as *const Input);
    let offset = (offset as usize).min(input.len);
    // tree-sitter asks again after each chunk; the rest of the text is one chunk.
    *bytes_read = u32::try_from(input.len - offset).unwrap_or(u32::MAX);
    input.data.add(offset) as *const c_char
}

struct Progress {
    until: Option<Instant>,
    stopped: bool,
    /// A signal handler raised (Ctrl-C's KeyboardInterrupt): the error is set.
    interrupted: bool,
}

/// tree-sitter's progress callback (every hundred or so parse steps): stop once the
/// time is up, or once a signal handler raises, as a Python callback would let it.
unsafe extern "C" fn progress(state: *mut ts::TSParseState) -> bool {
    let progress = &mut *((*state).payload as *mut Progress);
    if ffi::PyErr_CheckSignals() != 0 {
        progress.interrupted = true;
    } else if progress.until.is_some_and(|until| Instant::now() > until) {
        progress.stopped = true;
    }
    progress.stopped || progress.interrupted
}

/// ``Parser(sample)``: parses with the grammar of ``sample`` (a py-tree-sitter
/// ``Tree``) into trees of its type. One thread only, like tree-sitter's parsers.
#[pyclass(unsendable, module = "patterns._native")]
pub struct Parser {
    parser: *mut ts::TSParser,
    tree_type: *mut ffi::PyTypeObject,
    /// The sample's `tree_sitter.Language`, shared by every tree made here; this
    /// reference also keeps the type and the grammar alive.
    language: Py<PyAny>,
    /// A reference to the tree type, which `tree_type` points to.
    _tree_type: Py<PyAny>,
}

#[pymethods]
impl Parser {
    #[new]
    fn new(sample: &Bound<'_, PyAny>) -> PyResult<Self> {
        let root = sample.getattr(pyo3::intern!(sample.py(), "root_node"))?;
        let layout = pyts::Layout::check(sample, &root)?;
        unsafe {
            let tree_type = ffi::Py_TYPE(sample.as_ptr());
            if (*tree_type).tp_flags & ffi::Py_TPFLAGS_HAVE_GC != 0 {
                return Err(PyTypeError::new_err("py-tree-sitter's Tree is collected by the GC: not the layout this crate knows"));
            }
            use_python_allocator();
            let parser = ts::ts_parser_new();
            if !ts::ts_parser_set_language(parser, ts::ts_tree_language(layout.raw_tree())) {
                ts::ts_parser_delete(parser);
                return Err(PyValueError::new_err("the sample's grammar is not one this tree-sitter core reads"));
            }
            let language = Bound::from_borrowed_ptr(sample.py(), layout.language_object()).unbind();
            let owner = Bound::from_borrowed_ptr(sample.py(), tree_type as *mut ffi::PyObject).unbind();
            Ok(Parser { parser, tree_type, language, _tree_type: owner })
        }
    }

    /// ``parse(data, seconds, old_tree=None) -> Tree``: ``data`` parsed (reusing
    /// ``old_tree``, already edited to match, when given); raises ValueError, as
    /// py-tree-sitter does, when ``seconds`` run out first.
    #[pyo3(signature = (data, seconds, old_tree=None))]
    fn parse<'py>(
        &mut self,
        data: &Bound<'py, PyBytes>,
        seconds: f64,
        old_tree: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = data.py();
        let old = match old_tree {
            None => ptr::null(),
            Some(tree) => {
                if unsafe { ffi::Py_TYPE(tree.as_ptr()) } != self.tree_type {
                    return Err(PyTypeError::new_err("old_tree is not a tree of this parser's type"));
                }
                let root = tree.getattr(pyo3::intern!(py, "root_node"))?;
                pyts::Layout::check(tree, &root)?.raw_tree() as *const ts::TSTree
            }
        };
        let bytes = data.as_bytes();
        let mut input = Input { data: bytes.as_ptr(), len: bytes.len() };
        let mut state = Progress { until: deadline(seconds), stopped: false, interrupted: false };
        let made = unsafe {
            ts::ts_parser_parse_with_options(
                self.parser,
                old,
                ts::TSInput {
                    payload: &mut input as *mut Input as *mut c_void,
                    read: Some(read),
                    encoding: ts::TSInputEncodingUTF8,
                    decode: None,
                },
                ts::TSParseOptions {
                    payload: &mut state as *mut Progress as *mut c_void,
                    progress_callback: Some(progress),
                },
            )
        };
        if made.is_null() {
            // A stopped parse would otherwise resume on the next call.
            unsafe { ts::ts_parser_reset(self.parser) };
            if state.interrupted {
                return Err(PyErr::fetch(py));
            }
            return Err(PyValueError::new_err(if state.stopped {
                "Parsing failed: out of time"
            } else {
                "Parsing failed"
            }));
        }
        unsafe { pyts::new_tree(py, self.tree_type, made, data.as_any(), self.language.bind(py)) }
    }
}

impl Drop for Parser {
    fn drop(&mut self) {
        unsafe { ts::ts_parser_delete(self.parser) };
    }
}
