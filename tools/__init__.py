"""The book's own tooling: reading chapters, tangling them into `micrograd/`, running them."""
