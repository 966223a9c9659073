# GENERATED FILE -- DO NOT EDIT.  `make tangle` writes it from the book's chapters.
# To change it, edit the code cells marked `:tangle: micrograd/literate.py` in
#
#     book/01-introduction.md
#     book/04-computation-graphs.md
#
# then run `make tangle`.  Each definition below names the chapter section it comes from.

import inspect
import textwrap


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


# From book/04-computation-graphs.md, section "The Value class so far"
def class_source(cls):
    """The source code of `cls` as it stands now, as one class block.

    Every function in the class's namespace is shown in its latest version,
    in the order the names first appeared; the `@add_to_class(...)` lines
    that attached later versions are left out.
    """
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
