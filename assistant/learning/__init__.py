"""Training of the learned components (query adapter, injection and scope classifiers) from the
labelled question bank. A front door like the evaluation suite: it reads the bank and writes
artefacts under ``assistant/learned/``; the product only loads those artefacts."""
