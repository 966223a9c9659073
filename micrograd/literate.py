# GENERATED FILE -- DO NOT EDIT.  `make tangle` writes it from the book's chapters.
# To change it, edit the code cells marked `:tangle: micrograd/literate.py` in
#
#     book/01-introduction.md
#
# then run `make tangle`.  Each definition below names the chapter section it comes from.


# From book/01-introduction.md, section "Growing a class one method at a time"
def add_to_class(cls):
    """Attach the decorated function to `cls` as a method.

    The book grows classes a few methods at a time, each in the section that
    explains it.  At run time this decorator simply sets the attribute; when
    the book is tangled, the tangler moves the function into the body of the
    class instead, so the package holds one ordinary, readable class.
    """
    def attach(function):
        setattr(cls, function.__name__, function)
        return function
    return attach
