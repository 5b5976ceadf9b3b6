//! Making instances of `slots=True` dataclasses without running their `__init__`:
//! [`Maker`] for Python callers, [`fill`] for the scope model (`scope.rs`).

use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyString, PyTuple};

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
        fill(self.class.bind(fields.py()), &self.offsets, fields.iter())
    }
}

/// ``class(*fields)`` for a class [`slot_offsets`] accepted (its `offsets`): a new
/// instance with each field stored in its slot, without running `__init__`.
pub fn fill<'py>(
    class: &Bound<'py, PyAny>,
    offsets: &[usize],
    fields: impl ExactSizeIterator<Item = Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    if fields.len() != offsets.len() {
        return Err(PyTypeError::new_err(format!(
            "{} takes {} fields, not {}",
            class,
            offsets.len(),
            fields.len()
        )));
    }
    // SAFETY: `offsets` are those of writable object slots of `class`'s own (see
    // `slot_offsets`), empty (NULL) in a freshly allocated instance.
    unsafe {
        let tp = class.as_ptr() as *mut ffi::PyTypeObject;
        let alloc = (*tp).tp_alloc.unwrap_or(ffi::PyType_GenericAlloc);
        let made = Bound::from_owned_ptr_or_err(class.py(), alloc(tp, 0))?;
        for (&offset, value) in offsets.iter().zip(fields) {
            let slot = (made.as_ptr() as *mut u8).add(offset) as *mut *mut ffi::PyObject;
            *slot = value.into_ptr();
        }
        Ok(made)
    }
}

/// The offsets of the slots `class.__init__` fills, in parameter order; an error
/// unless `class` is a dataclass whose `__init__` does nothing else.
pub fn slot_offsets(class: &Bound<'_, PyAny>) -> PyResult<Vec<usize>> {
    let py = class.py();
    let refuse = |why: &str| {
        Err(pyo3::exceptions::PyTypeError::new_err(format!("{class} cannot be made natively: {why}")))
    };
    if class.hasattr(pyo3::intern!(py, "__post_init__"))? {
        return refuse("it has a __post_init__");
    }
    // A dataclass's positional __init__ parameters, in order.
    let fields: Vec<Bound<'_, PyString>> =
        class.getattr(pyo3::intern!(py, "__match_args__"))?.extract()?;
    let mut offsets = Vec::with_capacity(fields.len());
    for name in fields {
        let descriptor = class.getattr(&name)?;
        unsafe {
            if ffi::Py_TYPE(descriptor.as_ptr()) != std::ptr::addr_of_mut!(ffi::PyMemberDescr_Type) {
                return refuse(&format!("{name} is not a slot"));
            }
            let descriptor = descriptor.as_ptr() as *mut ffi::PyMemberDescrObject;
            let member = (*descriptor).d_member as *const ffi::PyMemberDef;
            let writable = (*member).flags & ffi::Py_READONLY == 0;
            if (*descriptor).d_common.d_type != class.as_ptr() as *mut ffi::PyTypeObject
                || (*member).type_code != ffi::Py_T_OBJECT_EX
                || !writable
            {
                return refuse(&format!("{name} is not a writable object slot of its own"));
            }
            offsets.push((*member).offset as usize);
        }
    }
    Ok(offsets)
}

