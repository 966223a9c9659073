# GENERATED FILE -- DO NOT EDIT.  `make tangle` writes it from the book's chapters.
# To change it, edit the code cells marked `:tangle: micrograd/literate.py` in
#
#     book/01-introduction.md
#
# then run `make tangle`.  Each definition below names the chapter section it comes from.


# From book/01-introduction.md, section "The chapters are the program"
def add_to_class(cls):
    """Attach the decorated function (or property, staticmethod,
    classmethod) to `cls`, under the name of the underlying function.

    At run time this simply sets the attribute; when the book is tangled,
    the tangler moves the definition into the body of the class instead.
    """
    def attach(obj):
        function = getattr(obj, "fget", None) or getattr(obj, "__func__", obj)
        setattr(cls, function.__name__, obj)
        return obj
    return attach
