//! Making instances of `slots=True` dataclasses without running their `__init__`.

use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::scope::slot_offsets;

/// ``Maker(cls)``: ``maker(*fields)`` makes ``cls(*fields)`` by filling its slots,
/// for a dataclass with slots and no ``__post_init__`` (frozen or not: a frozen
/// one only guards ``__setattr__``). Its generated ``__init__`` is a Python frame
/// and one ``object.__setattr__`` per field, about ten times the cost.
#[pyclass(frozen, module = "patterns._native")]
pub struct Maker {
    class: Py<PyAny>,
    offsets: Vec<usize>,
}

#[pymethods]
impl Maker {
    #[new]
    fn new(class: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(Maker { class: class.clone().unbind(), offsets: slot_offsets(class)? })
    }

    #[pyo3(signature = (*fields))]
    fn __call__<'py>(&self, fields: &Bound<'py, PyTuple>) -> PyResult<Bound<'py, PyAny>> {
        let py = fields.py();
        if fields.len() != self.offsets.len() {
            return Err(PyTypeError::new_err(format!(
                "{} takes {} fields, not {}",
                self.class.bind(py),
                self.offsets.len(),
                fields.len()
            )));
        }
        unsafe {
            let tp = self.class.as_ptr() as *mut ffi::PyTypeObject;
            let alloc = (*tp).tp_alloc.unwrap_or(ffi::PyType_GenericAlloc);
            let made = Bound::from_owned_ptr_or_err(py, alloc(tp, 0))?;
            for (&offset, value) in self.offsets.iter().zip(fields.iter()) {
                let slot = (made.as_ptr() as *mut u8).add(offset) as *mut *mut ffi::PyObject;
                *slot = value.into_ptr(); // the slot was empty (NULL): nothing to release
            }
            Ok(made)
        }
    }
}
