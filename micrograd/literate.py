# GENERATED FILE -- DO NOT EDIT.  `make tangle` writes it from the book's chapters.
# To change it, edit the code cells marked `:tangle: micrograd/literate.py` in
#
#     book/03-computation-graphs.md
#
# then run `make tangle`.  Each definition below names the chapter section it comes from.

import inspect
import textwrap


# From book/03-computation-graphs.md, section "Where the code goes"
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


def class_source(cls):
    """The source of `cls` as it stands now, as one class block: the latest
    version of every function, in the order the names first appeared,
    without the `@add_to_class(...)` lines."""
    lines = [f'class {cls.__name__}:']
    if cls.__doc__:
        lines.append(f'    """{cls.__doc__}"""')
    for member in vars(cls).values():
        if not inspect.isfunction(member):
            continue
        source = textwrap.dedent(inspect.getsource(member))
        lines.append('')
        lines.extend('    ' + line if line.strip() else ''
                     for line in source.splitlines()
                     if not line.startswith('@add_to_class('))
    return '\n'.join(lines)
