# GENERATED FILE -- DO NOT EDIT.  `make tangle` writes it from the book's chapters.

"""micrograd: a scalar autograd engine and a small neural-network library, written in the book.

Each module and the chapters it is tangled from:

    micrograd.data       book/12-generalisation.md, book/13-many-classes.md, book/appendix-engine-contract.md
    micrograd.engine     book/03-computation-graphs.md, book/04-backpropagation.md, book/05-more-operations.md, book/appendix-engine-contract.md, book/appendix-performance.md
    micrograd.gradcheck  book/05-more-operations.md, book/06-checking-against-pytorch.md
    micrograd.literate   book/03-computation-graphs.md
    micrograd.losses     book/08-network-by-hand.md, book/09-training.md, book/10-classifier.md, book/13-many-classes.md
    micrograd.nn         book/07-neurons-layers-mlps.md, book/11-performance.md, book/14-optimisers-initialisation.md, book/appendix-engine-contract.md, book/appendix-performance.md
    micrograd.optim      book/09-training.md, book/14-optimisers-initialisation.md, book/appendix-engine-contract.md
    micrograd.tensor     book/16-tensor-engine.md, book/appendix-engine-contract.md
    micrograd.tensor_nn  book/17-digits-with-tensors.md, book/appendix-engine-contract.md
    micrograd.viz        book/03-computation-graphs.md
"""
