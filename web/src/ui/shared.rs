//! A value shared with a component by reference count. Two are equal when they are the same
//! value, not merely equal ones, so that a redraw compares a pointer instead of tens of
//! thousands of datagrams or strokes, and a component whose value did not change is skipped.

use std::rc::Rc;

pub struct Shared<T>(pub Rc<T>);

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(self.0.clone())
    }
}

impl<T> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}
