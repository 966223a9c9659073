# GENERATED FILE -- DO NOT EDIT.  `make tangle` writes it from the book's chapters.

"""micrograd: a scalar autograd engine and a small neural-network library, written in the book.

Each module and the chapters it is tangled from:

    micrograd.engine     book/04-computation-graphs.md, book/05-backpropagation.md, book/06-more-operations.md, book/12-performance.md
    micrograd.gradcheck  book/07-checking-against-pytorch.md
    micrograd.literate   book/01-introduction.md, book/04-computation-graphs.md
    micrograd.losses     book/09-network-by-hand.md, book/10-training.md, book/11-classifier.md
    micrograd.nn         book/08-neurons-layers-mlps.md, book/12-performance.md
    micrograd.optim      book/10-training.md
    micrograd.viz        book/04-computation-graphs.md
"""
